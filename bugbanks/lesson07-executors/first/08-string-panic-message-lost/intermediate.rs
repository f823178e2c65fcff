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

use crate::channel::{Receiver, Sender, unbounded};
use std::panic::{self, AssertUnwindSafe};
use crate::sync::{Arc, Condvar, Mutex};
use crate::thread::{self, JoinHandle};

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
    /// `None` once the queue is closed.
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

/// A submitted task: wait for its result, cancel it, or hand it to [`as_completed`]. Like Python's
/// `Future`. `Send` when `T` is. Its `Debug` output shows whether it is done.
pub struct TaskHandle<T> {
    shared: Arc<Shared<T>>,
    /// Ties the handle to `T` before you add your fields. Keep it (or remove it once a field of yours
    /// uses `T`).
    marker: PhantomData<fn() -> T>,
}

/// What a worker runs: the task wrapped with its bookkeeping.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// Where a task is in its life. `Pending -> Running -> Finished`, or `Pending -> Finished(Cancelled)`.
enum Status<T> {
    Pending,
    Running,
    Finished(Result<T, TaskError>),
}

struct State<T> {
    status: Status<T>,
    /// `as_completed` iterators waiting for this task: (their channel, this task's index there).
    watchers: Vec<(Sender<usize>, usize)>,
}

/// What the worker and the handle share: the state under one lock, and a `Condvar` for `result`.
struct Shared<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
}

impl<T> Shared<T> {
    fn new() -> Shared<T> {
        Shared {
            state: Mutex::new(State {
                status: Status::Pending,
                watchers: Vec::new(),
            }),
            changed: Condvar::new(),
        }
    }

    /// Under the lock: stores the outcome, tells every watcher, wakes every `result`.
    fn finish(&self, state: &mut State<T>, outcome: Result<T, TaskError>) {
        state.status = Status::Finished(outcome);
        for (watcher, index) in state.watchers.drain(..) {
            let _ = watcher.send(index);
        }
        self.changed.notify_all();
    }
}

/// The text of a panic payload: a `&str` or a `String`, otherwise a fixed message.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else {
        "unknown panic payload".to_owned()
    }
}

impl Executor {
    /// Starts `max_workers` worker threads (0 counts as 1) that wait for tasks. No more than
    /// `max_workers` tasks ever run at the same time, and a panicking task never ends its worker.
    pub fn new(max_workers: usize) -> Executor {
        let (jobs, queue) = unbounded::<Job>();
        let workers = (0..max_workers.max(1))
            .map(|_| {
                let queue: Receiver<Job> = queue.clone();
                thread::spawn(move || {
                    // Ends once the queue is closed and empty. Jobs catch their own panics.
                    for job in queue {
                        job();
                    }
                })
            })
            .collect();
        Executor {
            jobs: Some(jobs),
            workers,
        }
    }

    /// Queues `f` and returns its handle at once. Tasks start in submission order as workers
    /// become free.
    pub fn submit<T, F>(&self, f: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let shared = Arc::new(Shared::new());
        let on_worker = Arc::clone(&shared);
        let job: Job = Box::new(move || {
            {
                let mut state = on_worker.state.lock().unwrap();
                if !matches!(state.status, Status::Pending) {
                    return; // cancelled before it started
                }
                state.status = Status::Running;
            }
            // Run the task without holding the lock; a panic becomes its result.
            let outcome = panic::catch_unwind(AssertUnwindSafe(f))
                .map_err(|payload| TaskError::Panicked(panic_message(&*payload)));
            let mut state = on_worker.state.lock().unwrap();
            on_worker.finish(&mut state, outcome);
        });
        self.jobs
            .as_ref()
            .expect("the queue is open until shutdown")
            .send(job)
            .expect("the workers live as long as the executor");
        TaskHandle {
            shared,
            marker: PhantomData,
        }
    }

    /// Closes the queue: no more tasks can be submitted (it takes `self`), but every task already
    /// queued still runs. With `wait`, returns once every queued task has finished and the workers
    /// have ended; without it, returns at once and the workers finish the queue in the background.
    /// Dropping an executor is `shutdown(true)`, like leaving Python's `with` block.
    pub fn shutdown(mut self, wait: bool) {
        drop(self.jobs.take());
        if wait {
            for worker in self.workers.drain(..) {
                let _ = worker.join();
            }
        } else {
            // Dropping a JoinHandle detaches its thread: the workers finish the queue on their own.
            self.workers.clear();
        }
        // `Drop` runs next and finds nothing left to close or join.
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        drop(self.jobs.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
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
        let state = self.shared.state.lock().unwrap();
        let (state, _) = self
            .shared
            .changed
            .wait_timeout_while(state, timeout, |state| {
                !matches!(state.status, Status::Finished(_))
            })
            .unwrap();
        match &state.status {
            Status::Finished(outcome) => outcome.clone(),
            _ => Err(TaskError::Timeout),
        }
    }

    /// Cancels the task if it has not started yet, and returns whether it did: `true` means the
    /// task will never run and its result is `Err(TaskError::Cancelled)`; `false` means it is
    /// running or has finished, and nothing changes (Python's `Future.cancel()`).
    pub fn cancel(&self) -> bool {
        let mut state = self.shared.state.lock().unwrap();
        if matches!(state.status, Status::Pending) {
            self.shared.finish(&mut state, Err(TaskError::Cancelled));
            true
        } else {
            false
        }
    }

    /// Whether the task has finished: returned, panicked or been cancelled.
    pub fn is_done(&self) -> bool {
        matches!(
            self.shared.state.lock().unwrap().status,
            Status::Finished(_)
        )
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
    let (finished, order) = unbounded();
    for (index, handle) in handles.iter().enumerate() {
        // Check and register under the task's lock, so a finish cannot slip in between.
        let mut state = handle.shared.state.lock().unwrap();
        if matches!(state.status, Status::Finished(_)) {
            let _ = finished.send(index);
        } else {
            state.watchers.push((finished.clone(), index));
        }
    }
    AsCompleted {
        remaining: handles.len(),
        handles: handles.into_iter().map(Some).collect(),
        order,
        marker: PhantomData,
    }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    handles: Vec<Option<TaskHandle<T>>>,
    order: Receiver<usize>,
    remaining: usize,
    /// Ties the iterator to `T` before you add your fields. Keep it (or remove it).
    marker: PhantomData<fn() -> T>,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = TaskHandle<T>;

    /// Blocks until the next task finishes; `None` once every handle was yielded.
    fn next(&mut self) -> Option<TaskHandle<T>> {
        if self.remaining == 0 {
            return None;
        }
        let index = self.order.recv().ok()?;
        self.remaining -= 1;
        self.handles[index].take()
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").finish_non_exhaustive()
    }
}
