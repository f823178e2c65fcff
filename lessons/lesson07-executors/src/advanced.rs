// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: a worker pool with backpressure, as in the seeds' `WorkerPool`: a fixed set of workers,
//! a bounded queue that makes `submit` wait when it is full, task ids, every result collected
//! (values and panics alike), and `shutdown(wait)`.
//!
//! The README's sections "Backpressure: a bounded queue", "Shutting down: the sentinel, in Rust" and
//! "Catching a panic on the worker" cover what you need. `crate::channel::bounded` (crossbeam-channel's
//! `bounded`) is the tool.

use std::fmt;
use std::marker::PhantomData;

// TODO: import what you need (crate::channel, crate::sync, crate::thread, std::panic)

/// A task's number: the first submitted task gets 0, the next 1, and so on.
pub type TaskId = u64;

/// What one task gave: its id and its value, or its panic message (from a `&str` or `String`
/// payload, otherwise `"unknown panic payload"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskResult<T> {
    pub id: TaskId,
    pub outcome: Result<T, String>,
}

/// A fixed number of worker threads fed through a bounded queue.
pub struct WorkerPool<T> {
    // TODO: your fields: the queue's sending end, the workers, the next id, the collected results
    /// Ties the pool to `T` before you add your fields. Keep it (or remove it once a field of yours
    /// uses `T`).
    marker: PhantomData<fn() -> T>,
}

// TODO: private types and helpers, if you want them

impl<T: Send + 'static> WorkerPool<T> {
    /// Starts `workers` worker threads (0 counts as 1) and a queue that holds at most `queue_size`
    /// tasks waiting for a worker. With `queue_size == 0`, `submit` waits until a worker takes the
    /// task.
    pub fn new(workers: usize, queue_size: usize) -> WorkerPool<T> {
        // TODO: a bounded channel, and workers that run tasks until it closes, catching panics
        todo!("a bounded channel, and workers that run tasks until it closes, catching panics")
    }

    /// Queues `task` and returns its id. Blocks while the queue is full (backpressure): it returns
    /// once a worker has taken a task and made room.
    pub fn submit<F>(&self, task: F) -> TaskId
    where
        F: FnOnce() -> T + Send + 'static,
    {
        // TODO: take the next id and send the task; a full bounded channel makes send wait
        todo!("take the next id and send the task; a full bounded channel makes send wait")
    }

    /// Waits until every task submitted so far has finished, and returns their results sorted by
    /// id: one per task, values and panics alike. The results are handed over: a second call
    /// returns only the tasks that finished since.
    pub fn results(&self) -> Vec<TaskResult<T>> {
        // TODO: wait until as many results are in as tasks were submitted, then take them
        todo!("wait until as many results are in as tasks were submitted, then take them")
    }

    /// Closes the queue (no more submissions: it takes `self`); every queued task still runs. With
    /// `wait`, returns once they have all finished and the workers have ended; without it, returns
    /// at once. Dropping a pool is `shutdown(true)`.
    pub fn shutdown(self, wait: bool) {
        // TODO: close the queue, then join the workers only when asked to wait
        todo!("close the queue, then join the workers only when asked to wait")
    }
}

impl<T> Drop for WorkerPool<T> {
    fn drop(&mut self) {
        // TODO: close the queue and join every worker
        todo!("close the queue and join every worker")
    }
}

impl<T> fmt::Debug for WorkerPool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool").finish_non_exhaustive()
    }
}
