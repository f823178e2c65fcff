// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: Python's `ThreadPoolExecutor` with futures: `submit`, `result(timeout)`, `cancel`,
//! `as_completed` and `shutdown(wait)`.
//!
//! The README's sections "An executor and its futures", "Completion order" and "Shutting down" cover
//! what you need.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

// TODO: import what you need (crate::sync, crate::thread, crate::channel, std::panic)

/// Why [`TaskHandle::result`] gave no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task panicked; the panic's message (from a `&str` or `String` payload, otherwise
    /// `"unknown panic payload"`).
    Panicked(String),
    /// The task had not finished when the timeout passed. It may still finish: ask again.
    Timeout,
    /// The task was cancelled before it started, and never ran.
    Cancelled,
}

/// A fixed set of worker threads that run submitted tasks in submission order.
pub struct Executor {
    // TODO: your fields: the sending end of the task queue and the workers
}

/// A submitted task: wait for its result, cancel it, or hand it to [`as_completed`]. Like Python's
/// `Future`. `Send` when `T` is. Its `Debug` output shows whether it is done.
pub struct TaskHandle<T> {
    // TODO: your fields: the state the worker and the handle share
    /// Ties the handle to `T` before you add your fields. Keep it (or remove it once a field of yours
    /// uses `T`).
    marker: PhantomData<fn() -> T>,
}

// TODO: private types and helpers, if you want them (a job type, a task's state, panic payload to text)

impl Executor {
    /// Starts `max_workers` worker threads (0 counts as 1) that wait for tasks. No more than
    /// `max_workers` tasks ever run at the same time, and a panicking task never ends its worker.
    pub fn new(max_workers: usize) -> Executor {
        // TODO: start the workers; each takes jobs from one shared queue until it is closed
        todo!("start the workers; each takes jobs from one shared queue until it is closed")
    }

    /// Queues `f` and returns its handle at once. Tasks start in submission order as workers
    /// become free.
    pub fn submit<T, F>(&self, f: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // TODO: share a state with a job that runs `f` unless cancelled; queue the job, return the handle
        todo!("share a state with a job that runs `f` unless cancelled; queue the job, return the handle")
    }

    /// Closes the queue: no more tasks can be submitted (it takes `self`), but every task already
    /// queued still runs. With `wait`, returns once every queued task has finished and the workers
    /// have ended; without it, returns at once and the workers finish the queue in the background.
    /// Dropping an executor is `shutdown(true)`, like leaving Python's `with` block.
    pub fn shutdown(self, wait: bool) {
        // TODO: close the queue; join the workers only when asked to wait
        todo!("close the queue; join the workers only when asked to wait")
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        // TODO: close the queue and join every worker
        todo!("close the queue and join every worker")
    }
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor").finish_non_exhaustive()
    }
}

impl<T> TaskHandle<T> {
    /// Waits at most `timeout` for the task and returns its value (a clone: ask again and you get
    /// it again), `Err(TaskError::Panicked(message))`, `Err(TaskError::Cancelled)`, or
    /// `Err(TaskError::Timeout)` when it has not finished in time (the task keeps running). Returns
    /// as soon as the task ends, not when the timeout runs out.
    pub fn result(&self, timeout: Duration) -> Result<T, TaskError>
    where
        T: Clone,
    {
        // TODO: wait on the shared state until the task has finished or the deadline passes
        todo!("wait on the shared state until the task has finished or the deadline passes")
    }

    /// Cancels the task if it has not started yet, and returns whether it did: `true` means the
    /// task will never run and its result is `Err(TaskError::Cancelled)`; `false` means it is
    /// running or has finished, and nothing changes (Python's `Future.cancel()`).
    pub fn cancel(&self) -> bool {
        // TODO: only a pending task can be cancelled
        todo!("only a pending task can be cancelled")
    }

    /// Whether the task has finished: returned, panicked or been cancelled.
    pub fn is_done(&self) -> bool {
        // TODO: a task is done once it has an outcome
        todo!("a task is done once it has an outcome")
    }
}

impl<T> fmt::Debug for TaskHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("done", &self.is_done())
            .finish_non_exhaustive()
    }
}

/// Yields every handle of `handles` once, as its task finishes (a cancelled task counts as
/// finished): the first handle comes as soon as any task is done, while the others still run.
/// Python's `concurrent.futures.as_completed`.
pub fn as_completed<T>(handles: Vec<TaskHandle<T>>) -> AsCompleted<T> {
    // TODO: have each task report to one channel when it finishes; hand out handles in that order
    todo!("have each task report to one channel when it finishes; hand out handles in that order")
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    // TODO: your fields
    /// Ties the iterator to `T` before you add your fields. Keep it (or remove it).
    marker: PhantomData<fn() -> T>,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = TaskHandle<T>;

    /// Blocks until the next task finishes; `None` once every handle was yielded.
    fn next(&mut self) -> Option<TaskHandle<T>> {
        // TODO: wait for the next finished index and hand out its handle
        todo!("wait for the next finished index and hand out its handle")
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").finish_non_exhaustive()
    }
}
