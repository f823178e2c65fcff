// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: a log writer whose lines survive the end of the program. Callers hand lines to a
//! channel and carry on; one writer thread takes them off the channel and writes them out. `close`
//! and `Drop` must not return until every queued line is written and flushed, because when `main`
//! returns, a writer thread still working is killed and its lines are gone.

use std::io::{self, Write};
use std::path::Path;

use std::fs::File;
use std::io::BufWriter;
use crate::sync::mpsc::{self, Sender};
use crate::thread::{self, JoinHandle};

/// Writes lines to a sink on a background thread, in the order they were logged, one line each
/// followed by `\n`. Any number of threads may log through a shared `&LogWriter`.
#[derive(Debug)]
pub struct LogWriter {
    /// Where `log` queues lines; `None` once closed, which ends the writer's loop.
    lines: Option<Sender<String>>,
    /// The writer thread: its result is the number of lines written, or the first error.
    writer: Option<JoinHandle<io::Result<u64>>>,
}

impl LogWriter {
    /// Starts the writer thread, which owns `sink` and writes every logged line to it.
    pub fn new<W>(sink: W) -> LogWriter
    where
        W: Write + Send + 'static,
    {
        let (lines, queue) = mpsc::channel::<String>();
        let writer = thread::spawn(move || {
            let mut out = BufWriter::new(sink);
            let mut written = 0;
            // Block for the first line, then take everything already queued behind it as one
            // batch; flush per batch. The loop ends when the channel is closed and empty.
            while let Ok(first) = queue.recv() {
                for line in std::iter::once(first).chain(queue.try_iter()) {
                    out.write_all(line.as_bytes())?;
                    out.write_all(b"\n")?;
                    written += 1;
                }
                out.flush()?;
            }
            out.flush()?;
            Ok(written)
        });
        LogWriter {
            lines: Some(lines),
            writer: Some(writer),
        }
    }

    /// Creates (or truncates) the file at `path` and writes the log there.
    pub fn create(path: impl AsRef<Path>) -> io::Result<LogWriter> {
        let file = File::create(path)?;
        Ok(LogWriter::new(file)) // the writer thread buffers already
    }

    /// Queues `line` and returns at once, without waiting for the write. After the writer has
    /// failed (see [`LogWriter::close`]), lines are dropped silently; `log` never panics.
    pub fn log(&self, line: impl Into<String>) {
        if let Some(lines) = &self.lines {
            let _ = lines.send(line.into());
        }
    }

    /// Waits until every line logged so far is written and the sink flushed, stops the writer
    /// thread, and returns how many lines it wrote, or the first write error it met.
    pub fn close(self) -> io::Result<u64> {
        let mut this = self;
        this.finish()
    }

    /// Closes the channel, then joins the writer, which drains the queue and flushes first. A
    /// second call finds nothing to do.
    fn finish(&mut self) -> io::Result<u64> {
        drop(self.lines.take()); // first: the writer's loop can only end once no Sender is left
        match self.writer.take() {
            Some(writer) => writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the log writer thread panicked"))),
            None => Ok(0),
        }
    }
}

impl Drop for LogWriter {
    /// Does what [`LogWriter::close`] does, ignoring its result: a dropped writer loses no line.
    fn drop(&mut self) {
        let _ = self.finish();
    }
}
