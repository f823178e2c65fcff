// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: a log writer whose lines survive the end of the program. Callers hand lines to a
//! channel and carry on; one writer thread takes them off the channel and writes them out. `close`
//! and `Drop` must not return until every queued line is written and flushed, because when `main`
//! returns, a writer thread still working is killed and its lines are gone.

use std::io::{self, Write};
use std::path::Path;

// TODO: import what you need (File, BufWriter, and mpsc, thread, JoinHandle, ... from crate::sync and crate::thread)

/// Writes lines to a sink on a background thread, in the order they were logged, one line each
/// followed by `\n`. Any number of threads may log through a shared `&LogWriter`.
#[derive(Debug)]
pub struct LogWriter {
    // TODO: choose the fields (the channel's sending end, and the writer thread's handle)
}

impl LogWriter {
    /// Starts the writer thread, which owns `sink` and writes every logged line to it.
    pub fn new<W>(sink: W) -> LogWriter
    where
        W: Write + Send + 'static,
    {
        // TODO: make a channel and spawn the thread that drains it into `sink`
        todo!("make a channel and spawn the thread that drains it into `sink`")
    }

    /// Creates (or truncates) the file at `path` and writes the log there.
    pub fn create(path: impl AsRef<Path>) -> io::Result<LogWriter> {
        // TODO: create the file and start a writer on it
        todo!("create the file and start a writer on it")
    }

    /// Queues `line` and returns at once, without waiting for the write. After the writer has
    /// failed (see [`LogWriter::close`]), lines are dropped silently; `log` never panics.
    pub fn log(&self, line: impl Into<String>) {
        // TODO: send the line to the writer thread (ignore a writer that has stopped)
        todo!("send the line to the writer thread (ignore a writer that has stopped)")
    }

    /// Waits until every line logged so far is written and the sink flushed, stops the writer
    /// thread, and returns how many lines it wrote, or the first write error it met.
    pub fn close(self) -> io::Result<u64> {
        // TODO: close the channel, join the writer (it drains the queue first), return its count or error
        todo!("close the channel, join the writer (it drains the queue first), return its count or error")
    }

    // TODO: add private helpers here if you want them
}

impl Drop for LogWriter {
    /// Does what [`LogWriter::close`] does, ignoring its result: a dropped writer loses no line.
    fn drop(&mut self) {
        // TODO: finish the writer if `close` has not already (never panic here)
        todo!("finish the writer if `close` has not already (never panic here)")
    }
}
