//! Advanced: a log writer whose lines survive the end of the program. Callers hand lines to a
//! channel and carry on; one writer thread takes them off the channel and writes them out. `close`
//! and `Drop` must not return until every queued line is written and flushed, because when `main`
//! returns, a writer thread still working is killed and its lines are gone.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use crate::sync::mpsc::{self, Receiver, Sender};
use crate::thread::{self, JoinHandle};

/// Writes lines to a sink on a background thread, in the order they were logged, one line each
/// followed by `\n`. Any number of threads may log through a shared `&LogWriter`.
#[derive(Debug)]
pub struct LogWriter {
    lines: Option<Sender<String>>,
    writer: Option<JoinHandle<io::Result<u64>>>,
}

fn write_all_lines<W: Write>(mut sink: W, queue: Receiver<String>) -> io::Result<u64> {
    let mut written = 0;
    for line in queue {
        sink.write_all(line.as_bytes())?;
        sink.write_all(b"\n")?;
        written += 1;
    }
    sink.flush()?;
    Ok(written)
}

impl LogWriter {
    /// Starts the writer thread, which owns `sink` and writes every logged line to it.
    pub fn new<W>(sink: W) -> LogWriter
    where
        W: Write + Send + 'static,
    {
        let (lines, queue) = mpsc::channel::<String>();
        let writer = thread::spawn(move || write_all_lines(sink, queue));
        LogWriter { lines: Some(lines), writer: Some(writer) }
    }

    /// Creates (or truncates) the file at `path` and writes the log there.
    pub fn create(path: impl AsRef<Path>) -> io::Result<LogWriter> {
        let file = File::create(path)?;
        Ok(LogWriter::new(BufWriter::new(file)))
    }

    /// Queues `line` and returns at once, without waiting for the write. After the writer has
    /// failed (see [`LogWriter::close`]), lines are dropped silently; `log` never panics.
    pub fn log(&self, line: impl Into<String>) {
        if let Some(lines) = &self.lines {
            // an error only means the writer has stopped after a failed write
            let _ = lines.send(line.into());
        }
    }

    /// Waits until every line logged so far is written and the sink flushed, stops the writer
    /// thread, and returns how many lines it wrote, or the first write error it met.
    pub fn close(mut self) -> io::Result<u64> {
        self.finish()
    }

    fn finish(&mut self) -> io::Result<u64> {
        let _sender = self.lines.take(); // take the sender out so the channel closes
        match self.writer.take() {
            Some(writer) => match writer.join() {
                Ok(result) => result,
                Err(_) => Err(io::Error::other("the writer thread panicked")),
            },
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
