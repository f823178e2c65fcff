// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: CPU-bound and I/O-bound jobs, one after another and on threads, under the simulated
//! lock, and a report of what overlapped.

pub use crate::interp::Job;
use crate::interp::{DEFAULT_INTERVAL, Interpreter, Py, Stats};
use std::thread;

/// Runs one job on the calling interpreter thread: a CPU job runs its steps with the lock held; an
/// I/O job waits with the lock released, so other threads can run meanwhile.
pub fn run_job(py: &mut Py<'_>, job: &Job) {
    match job {
        Job::Cpu { steps } => py.steps(*steps),
        Job::Io { wait } => py.allow_threads(|| wait()),
    }
}

/// Runs every job, one after another, on one interpreter thread (one `with_gil`) on the calling
/// OS thread.
pub fn run_sequential(interp: &Interpreter, jobs: &[Job]) {
    interp.with_gil(|py| {
        for job in jobs {
            run_job(py, job);
        }
    });
}

/// Runs each job on its own OS thread (each its own `with_gil`), all started before any is joined;
/// returns when all have finished.
pub fn run_threaded(interp: &Interpreter, jobs: &[Job]) {
    if jobs.is_empty() {
        return;
    }
    // no point starting more threads than there are cores
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = jobs.len().div_ceil(cores.min(jobs.len()));
    thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(per_thread)
            .map(|mine| {
                s.spawn(move || {
                    for job in mine {
                        interp.with_gil(|py| run_job(py, job));
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
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
        self.threaded.peak_bytecode > 1 || self.threaded.peak_released > 1
    }
}

/// Makes `copies` copies of one job with `make_job()` (called once per run, so each run gets fresh
/// copies that share what one call made), runs them sequentially on a fresh interpreter with the
/// default interval, then on threads on another fresh interpreter, and reports both.
pub fn compare(copies: usize, make_job: impl Fn() -> Job) -> Row {
    let seq_jobs = vec![make_job(); copies];
    let seq_interp = Interpreter::new(DEFAULT_INTERVAL);
    run_sequential(&seq_interp, &seq_jobs);

    let thr_jobs = vec![make_job(); copies];
    let thr_interp = Interpreter::new(DEFAULT_INTERVAL);
    run_threaded(&thr_interp, &thr_jobs);

    Row {
        sequential: seq_interp.stats(),
        threaded: thr_interp.stats(),
    }
}
