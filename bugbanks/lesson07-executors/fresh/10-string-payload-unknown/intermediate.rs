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
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

/// A submitted task: wait for its result, cancel it, or hand it to [`as_completed`]. Like Python's
/// `Future`. `Send` when `T` is. Its `Debug` output shows whether it is done.
pub struct TaskHandle<T> {
    shared: Arc<Shared<T>>,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

enum State<T> {
    Pending,
    Running,
    Finished(Result<T, TaskError>),
}

struct Inner<T> {
    state: State<T>,
    /// as_completed iterators waiting for this task: (channel, index of the handle)
    listeners: Vec<(Sender<usize>, usize)>,
}

struct Shared<T> {
    inner: Mutex<Inner<T>>,
    changed: Condvar,
}

impl<T> Shared<T> {
    fn lock(&self) -> crate::sync::MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Sets the final outcome, wakes every waiter and tells every as_completed listener.
fn finish<T>(shared: &Shared<T>, inner: &mut Inner<T>, outcome: Result<T, TaskError>) {
    inner.state = State::Finished(outcome);
    for (listener, index) in inner.listeners.drain(..) {
        let _ = listener.send(index);
    }
    shared.changed.notify_all();
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match payload.downcast_ref::<&str>() {
        Some(text) => text.to_string(),
        None => "unknown panic payload".to_owned(),
    }
}

impl Executor {
    /// Starts `max_workers` worker threads (0 counts as 1) that wait for tasks. No more than
    /// `max_workers` tasks ever run at the same time, and a panicking task never ends its worker.
    pub fn new(max_workers: usize) -> Executor {
        let (jobs, queue) = unbounded::<Job>();
        let workers = (0..max_workers.max(1))
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    for job in queue {
                        // the job catches the task's panic itself
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
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                state: State::Pending,
                listeners: Vec::new(),
            }),
            changed: Condvar::new(),
        });
        let for_worker = Arc::clone(&shared);
        let job: Job = Box::new(move || {
            {
                let mut inner = for_worker.lock();
                if !matches!(inner.state, State::Pending) {
                    return; // cancelled
                }
                inner.state = State::Running;
            }
            let outcome = panic::catch_unwind(AssertUnwindSafe(f))
                .map_err(|payload| TaskError::Panicked(panic_message(&*payload)));
            let mut inner = for_worker.lock();
            finish(&for_worker, &mut inner, outcome);
        });
        self.jobs
            .as_ref()
            .expect("the executor is running")
            .send(job)
            .expect("the workers are alive");
        TaskHandle { shared }
    }

    /// Closes the queue: no more tasks can be submitted (it takes `self`), but every task already
    /// queued still runs. With `wait`, returns once every queued task has finished and the workers
    /// have ended; without it, returns at once and the workers finish the queue in the background.
    /// Dropping an executor is `shutdown(true)`, like leaving Python's `with` block.
    pub fn shutdown(mut self, wait: bool) {
        self.jobs = None;
        let workers = std::mem::take(&mut self.workers);
        if wait {
            for worker in workers {
                let _ = worker.join();
            }
        }
        // without wait the JoinHandles are dropped: the workers run on, detached
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.jobs = None;
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
        let inner = self.shared.lock();
        let (inner, _) = self
            .shared
            .changed
            .wait_timeout_while(inner, timeout, |inner| {
                !matches!(inner.state, State::Finished(_))
            })
            .unwrap_or_else(|e| e.into_inner());
        match &inner.state {
            State::Finished(outcome) => outcome.clone(),
            _ => Err(TaskError::Timeout),
        }
    }

    /// Cancels the task if it has not started yet, and returns whether it did: `true` means the
    /// task will never run and its result is `Err(TaskError::Cancelled)`; `false` means it is
    /// running or has finished, and nothing changes (Python's `Future.cancel()`).
    pub fn cancel(&self) -> bool {
        let mut inner = self.shared.lock();
        if matches!(inner.state, State::Pending) {
            finish(&self.shared, &mut inner, Err(TaskError::Cancelled));
            true
        } else {
            false
        }
    }

    /// Whether the task has finished: returned, panicked or been cancelled.
    pub fn is_done(&self) -> bool {
        matches!(self.shared.lock().state, State::Finished(_))
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
    let (done, order) = unbounded();
    for (index, handle) in handles.iter().enumerate() {
        let mut inner = handle.shared.lock();
        if matches!(inner.state, State::Finished(_)) {
            // already finished: report it at once
            let _ = done.send(index);
        } else {
            inner.listeners.push((done.clone(), index));
        }
    }
    let remaining = handles.len();
    AsCompleted {
        order,
        handles: handles.into_iter().map(Some).collect(),
        remaining,
    }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    order: Receiver<usize>,
    handles: Vec<Option<TaskHandle<T>>>,
    remaining: usize,
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
