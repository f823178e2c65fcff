//! Advanced: a log writer whose lines survive the end of the program. Callers hand lines to a
//! channel and carry on; one writer thread takes them off the channel and writes them out. `close`
//! and `Drop` must not return until every queued line is written and flushed, because when `main`
//! returns, a writer thread still working is killed and its lines are gone.

use std::io::{self, Write};
use std::path::Path;

// BEGIN SOLUTION (comment): import what you need (File, BufWriter, and mpsc, thread, JoinHandle, ... from crate::sync and crate::thread)
use crate::sync::mpsc::{self, Sender};
use crate::thread::{self, JoinHandle};
use std::fs::File;
use std::io::BufWriter;
// END SOLUTION

/// Writes lines to a sink on a background thread, in the order they were logged, one line each
/// followed by `\n`. Any number of threads may log through a shared `&LogWriter`.
#[derive(Debug)]
pub struct LogWriter {
    // BEGIN SOLUTION (comment): choose the fields (the channel's sending end, and the writer thread's handle)
    lines: Option<Sender<String>>,
    writer: Option<JoinHandle<io::Result<u64>>>,
    // END SOLUTION
}

impl LogWriter {
    /// Starts the writer thread, which owns `sink` and writes every logged line to it.
    pub fn new<W>(sink: W) -> LogWriter
    where
        W: Write + Send + 'static,
    {
        // BEGIN SOLUTION: make a channel and spawn the thread that drains it into `sink`
        let (lines, queue) = mpsc::channel::<String>();
        let writer = thread::spawn(move || {
            let mut out = BufWriter::new(sink);
            let mut written = 0;
            // The loop ends when every `Sender` is gone *and* the queue is empty: lines logged
            // before `close` are still delivered after it.
            for line in queue {
                writeln!(out, "{line}")?;
                written += 1;
            }
            out.flush()?;
            Ok(written)
        });
        LogWriter {
            lines: Some(lines),
            writer: Some(writer),
        }
        // END SOLUTION
    }

    /// Creates (or truncates) the file at `path` and writes the log there.
    pub fn create(path: impl AsRef<Path>) -> io::Result<LogWriter> {
        // BEGIN SOLUTION: create the file and start a writer on it
        File::create(path).map(LogWriter::new)
        // END SOLUTION
    }

    /// Queues `line` and returns at once, without waiting for the write. After the writer has
    /// failed (see [`LogWriter::close`]), lines are dropped silently; `log` never panics.
    pub fn log(&self, line: impl Into<String>) {
        // BEGIN SOLUTION: send the line to the writer thread (ignore a writer that has stopped)
        if let Some(lines) = &self.lines {
            // An error means the writer thread has ended on a write error; `close` reports it.
            let _ = lines.send(line.into());
        }
        // END SOLUTION
    }

    /// Waits until every line logged so far is written and the sink flushed, stops the writer
    /// thread, and returns how many lines it wrote, or the first write error it met.
    pub fn close(self) -> io::Result<u64> {
        // BEGIN SOLUTION: close the channel, join the writer (it drains the queue first), return its count or error
        let mut writer = self;
        writer.finish()
        // END SOLUTION
    }

    // BEGIN SOLUTION (comment): add private helpers here if you want them
    /// Closes the channel, then joins the writer, which drains the queue before it ends. The order
    /// matters: joining while this `Sender` still exists would wait forever, because the writer's
    /// loop only ends once no sender is left. `Ok(0)` when the writer was already finished.
    fn finish(&mut self) -> io::Result<u64> {
        drop(self.lines.take());
        match self.writer.take() {
            None => Ok(0),
            Some(writer) => writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the log writer thread panicked"))),
        }
    }
    // END SOLUTION
}

impl Drop for LogWriter {
    /// Does what [`LogWriter::close`] does, ignoring its result: a dropped writer loses no line.
    fn drop(&mut self) {
        // BEGIN SOLUTION: finish the writer if `close` has not already (never panic here)
        let _ = self.finish();
        // END SOLUTION
    }
}
