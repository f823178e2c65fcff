// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: CPU-bound and I/O-bound jobs, one after another and on threads, under the simulated
//! lock, and a report of what overlapped.

pub use crate::interp::Job;
use crate::interp::{DEFAULT_INTERVAL, Interpreter, Py, Stats};
// TODO: import what you need (threads come from std::thread)

/// Runs one job on the calling interpreter thread: a CPU job runs its steps with the lock held; an
/// I/O job waits with the lock released, so other threads can run meanwhile.
pub fn run_job(py: &mut Py<'_>, job: &Job) {
    // TODO: run the steps of a CPU job; wait for an I/O job inside py.allow_threads
    todo!("run the steps of a CPU job; wait for an I/O job inside py.allow_threads")
}

/// Runs every job, one after another, on one interpreter thread (one `with_gil`) on the calling
/// OS thread.
pub fn run_sequential(interp: &Interpreter, jobs: &[Job]) {
    // TODO: one with_gil, then every job in order
    todo!("one with_gil, then every job in order")
}

/// Runs each job on its own OS thread (each its own `with_gil`), all started before any is joined;
/// returns when all have finished.
pub fn run_threaded(interp: &Interpreter, jobs: &[Job]) {
    // TODO: spawn one thread per job (thread::scope lets them borrow interp), join them all
    todo!("spawn one thread per job (thread::scope lets them borrow interp), join them all")
}

/// One line of the report: the same work run sequentially and on threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The sequential run, on a fresh interpreter.
    pub sequential: Stats,
    /// The threaded run, on another fresh interpreter.
    pub threaded: Stats,
}

impl Row {
    /// Whether threads let the work overlap: more than one thread ran bytecode at once, or more
    /// than one was inside `allow_threads` at once, in the threaded run.
    pub fn threads_helped(&self) -> bool {
        // TODO: compare the threaded run's peaks with 1
        todo!("compare the threaded run's peaks with 1")
    }
}

/// Makes `copies` copies of one job with `make_job()` (called once per run, so each run gets fresh
/// copies that share what one call made), runs them sequentially on a fresh interpreter with the
/// default interval, then on threads on another fresh interpreter, and reports both.
pub fn compare(copies: usize, make_job: impl Fn() -> Job) -> Row {
    // TODO: two fresh interpreters, one run each, then the two Stats
    todo!("two fresh interpreters, one run each, then the two Stats")
}
