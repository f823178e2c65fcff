//! Beginner: CPU-bound and I/O-bound jobs, one after another and on threads, under the simulated
//! lock, and a report of what overlapped.

pub use crate::interp::Job;
use crate::interp::{DEFAULT_INTERVAL, Interpreter, Py, Stats};
// BEGIN SOLUTION (comment): import what you need (threads come from std::thread)
use std::thread;
// END SOLUTION

/// Runs one job on the calling interpreter thread: a CPU job runs its steps with the lock held; an
/// I/O job waits with the lock released, so other threads can run meanwhile.
pub fn run_job(py: &mut Py<'_>, job: &Job) {
    // BEGIN SOLUTION: run the steps of a CPU job; wait for an I/O job inside py.allow_threads
    match job {
        Job::Cpu { steps } => py.steps(*steps),
        // The wait needs no interpreter, so the lock is free for other threads while it blocks.
        Job::Io { wait } => py.allow_threads(|| wait()),
    }
    // END SOLUTION
}

/// Runs every job, one after another, on one interpreter thread (one `with_gil`) on the calling
/// OS thread.
pub fn run_sequential(interp: &Interpreter, jobs: &[Job]) {
    // BEGIN SOLUTION: one with_gil, then every job in order
    interp.with_gil(|py| {
        for job in jobs {
            run_job(py, job);
        }
    });
    // END SOLUTION
}

/// Runs each job on its own OS thread (each its own `with_gil`), all started before any is joined;
/// returns when all have finished.
pub fn run_threaded(interp: &Interpreter, jobs: &[Job]) {
    // BEGIN SOLUTION: spawn one thread per job (thread::scope lets them borrow interp), join them all
    thread::scope(|s| {
        for job in jobs {
            s.spawn(move || interp.with_gil(|py| run_job(py, job)));
        }
    });
    // END SOLUTION
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
        // BEGIN SOLUTION: compare the threaded run's peaks with 1
        self.threaded.peak_bytecode > 1 || self.threaded.peak_released > 1
        // END SOLUTION
    }
}

/// Makes `copies` copies of one job with `make_job()` (called once per run, so each run gets fresh
/// copies that share what one call made), runs them sequentially on a fresh interpreter with the
/// default interval, then on threads on another fresh interpreter, and reports both.
pub fn compare(copies: usize, make_job: impl Fn() -> Job) -> Row {
    // BEGIN SOLUTION: two fresh interpreters, one run each, then the two Stats
    let run = |runner: fn(&Interpreter, &[Job])| {
        let interp = Interpreter::new(DEFAULT_INTERVAL);
        let job = make_job();
        runner(&interp, &vec![job; copies]);
        interp.stats()
    };
    Row {
        sequential: run(run_sequential),
        threaded: run(run_threaded),
    }
    // END SOLUTION
}
