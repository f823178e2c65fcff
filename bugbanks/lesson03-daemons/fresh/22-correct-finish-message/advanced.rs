//! Advanced: a log writer whose lines survive the end of the program. Callers hand lines to a
//! channel and carry on; one writer thread takes them off the channel and writes them out. `close`
//! and `Drop` must not return until every queued line is written and flushed, because when `main`
//! returns, a writer thread still working is killed and its lines are gone.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use crate::sync::mpsc::{self, Receiver, Sender};
use crate::thread::{self, JoinHandle};

/// What travels to the writer thread.
#[derive(Debug)]
enum Message {
    Line(String),
    /// Sent by `close`/`drop` after every line: write nothing more, flush and return.
    Finish,
}

/// Writes lines to a sink on a background thread, in the order they were logged, one line each
/// followed by `\n`. Any number of threads may log through a shared `&LogWriter`.
#[derive(Debug)]
pub struct LogWriter {
    queue: Sender<Message>,
    writer: Option<JoinHandle<io::Result<u64>>>,
}

/// The writer thread: writes lines until `Finish` (or until every sender is gone), then flushes.
/// Returns at the first error; its receiver is dropped with it, so later sends fail quietly.
fn run_writer(mut sink: impl Write, inbox: Receiver<Message>) -> io::Result<u64> {
    let mut count = 0u64;
    while let Ok(Message::Line(line)) = inbox.recv() {
        writeln!(sink, "{line}")?;
        count += 1;
    }
    sink.flush()?;
    Ok(count)
}

impl LogWriter {
    /// Starts the writer thread, which owns `sink` and writes every logged line to it.
    pub fn new<W>(sink: W) -> LogWriter
    where
        W: Write + Send + 'static,
    {
        let (queue, inbox) = mpsc::channel();
        let writer = thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || run_writer(sink, inbox))
            .expect("spawn the log writer thread");
        LogWriter { queue, writer: Some(writer) }
    }

    /// Creates (or truncates) the file at `path` and writes the log there.
    pub fn create(path: impl AsRef<Path>) -> io::Result<LogWriter> {
        Ok(LogWriter::new(BufWriter::new(File::create(path)?)))
    }

    /// Queues `line` and returns at once, without waiting for the write. After the writer has
    /// failed (see [`LogWriter::close`]), lines are dropped silently; `log` never panics.
    pub fn log(&self, line: impl Into<String>) {
        let _ = self.queue.send(Message::Line(line.into()));
    }

    /// Waits until every line logged so far is written and the sink flushed, stops the writer
    /// thread, and returns how many lines it wrote, or the first write error it met.
    pub fn close(mut self) -> io::Result<u64> {
        self.finish().unwrap_or(Ok(0))
    }

    /// Queues `Finish` behind every line and joins the writer; `None` when already finished.
    fn finish(&mut self) -> Option<io::Result<u64>> {
        let writer = self.writer.take()?;
        // Fails only if the writer already returned an error; the join below still works.
        let _ = self.queue.send(Message::Finish);
        Some(match writer.join() {
            Ok(result) => result,
            Err(_) => Err(io::Error::other("log writer thread panicked")),
        })
    }
}

impl Drop for LogWriter {
    /// Does what [`LogWriter::close`] does, ignoring its result: a dropped writer loses no line.
    fn drop(&mut self) {
        let _ = self.finish();
    }
}
