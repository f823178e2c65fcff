//! Intermediate: Python's `ThreadPoolExecutor` with futures: `submit`, `result(timeout)`, `cancel`,
//! `as_completed` and `shutdown(wait)`.
//!
//! The README's sections "An executor and its futures", "Completion order" and "Shutting down" cover
//! what you need.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

// BEGIN SOLUTION (comment): import what you need (crate::sync, crate::thread, crate::channel, std::panic)
use crate::channel::{Receiver, Sender};
use crate::sync::{Arc, Condvar, Mutex};
use crate::thread::{self, JoinHandle};
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;
// END SOLUTION

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
    // BEGIN SOLUTION (comment): your fields: the sending end of the task queue and the workers
    queue: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    // END SOLUTION
}

/// A submitted task: wait for its result, cancel it, or hand it to [`as_completed`]. Like Python's
/// `Future`. `Send` when `T` is. Its `Debug` output shows whether it is done.
pub struct TaskHandle<T> {
    // BEGIN SOLUTION (comment): your fields: the state the worker and the handle share
    shared: Arc<Shared<T>>,
    // END SOLUTION
    /// Ties the handle to `T` before you add your fields. Keep it (or remove it once a field of yours
    /// uses `T`).
    marker: PhantomData<fn() -> T>,
}

// BEGIN SOLUTION (comment): private types and helpers, if you want them (a job type, a task's state, panic payload to text)
/// What a worker runs: a task wrapped so that it reports to its own handle.
type Job = Box<dyn FnOnce() + Send>;

/// Where a task is in its life; the worker and the handle move it along under one lock.
enum State<T> {
    Pending,
    Running,
    Finished(Result<T, TaskError>),
}

struct Shared<T> {
    state: Mutex<Slot<T>>,
    changed: Condvar,
}

struct Slot<T> {
    state: State<T>,
    /// Told (with the index it was given) when the task finishes or is cancelled: `as_completed`.
    listener: Option<(Sender<usize>, usize)>,
}

impl<T> Shared<T> {
    /// Moves the task to `Finished`, wakes every waiter and tells the `as_completed` listener.
    fn finish(&self, slot: &mut Slot<T>, outcome: Result<T, TaskError>) {
        slot.state = State::Finished(outcome);
        self.changed.notify_all();
        if let Some((listener, index)) = slot.listener.take() {
            let _ = listener.send(index);
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}
// END SOLUTION

impl Executor {
    /// Starts `max_workers` worker threads (0 counts as 1) that wait for tasks. No more than
    /// `max_workers` tasks ever run at the same time, and a panicking task never ends its worker.
    pub fn new(max_workers: usize) -> Executor {
        // BEGIN SOLUTION: start the workers; each takes jobs from one shared queue until it is closed
        let (queue, jobs) = crate::channel::unbounded::<Job>();
        let workers = (0..max_workers.max(1))
            .map(|_| {
                let jobs: Receiver<Job> = jobs.clone();
                // `recv` fails once every sender is gone and the queue is empty: that is the
                // worker's signal to stop (the sentinel, in Python terms).
                thread::spawn(move || {
                    while let Ok(job) = jobs.recv() {
                        job();
                    }
                })
            })
            .collect();
        Executor {
            queue: Some(queue),
            workers,
        }
        // END SOLUTION
    }

    /// Queues `f` and returns its handle at once. Tasks start in submission order as workers
    /// become free.
    pub fn submit<T, F>(&self, f: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // BEGIN SOLUTION: share a state with a job that runs `f` unless cancelled; queue the job, return the handle
        let shared = Arc::new(Shared {
            state: Mutex::new(Slot {
                state: State::Pending,
                listener: None,
            }),
            changed: Condvar::new(),
        });
        let task = Arc::clone(&shared);
        let job: Job = Box::new(move || {
            {
                let mut slot = task.state.lock().unwrap();
                if !matches!(slot.state, State::Pending) {
                    return; // cancelled while it waited in the queue
                }
                slot.state = State::Running;
            }
            // Catch the panic here, so it becomes this task's result and the worker lives on.
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(f)).map_err(|p| TaskError::Panicked(panic_message(&*p)));
            let mut slot = task.state.lock().unwrap();
            task.finish(&mut slot, outcome);
        });
        self.queue
            .as_ref()
            .expect("the queue stays open until shutdown")
            .send(job)
            .expect("workers live until shutdown");
        TaskHandle {
            shared,
            marker: PhantomData,
        }
        // END SOLUTION
    }

    /// Closes the queue: no more tasks can be submitted (it takes `self`), but every task already
    /// queued still runs. With `wait`, returns once every queued task has finished and the workers
    /// have ended; without it, returns at once and the workers finish the queue in the background.
    /// Dropping an executor is `shutdown(true)`, like leaving Python's `with` block.
    pub fn shutdown(self, wait: bool) {
        // BEGIN SOLUTION: close the queue; join the workers only when asked to wait
        let mut executor = self;
        executor.queue = None; // dropping the sender is the sentinel every worker sees
        if !wait {
            executor.workers.clear(); // dropping a JoinHandle detaches its thread
        }
        // Drop joins whatever workers are left.
        // END SOLUTION
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        // BEGIN SOLUTION: close the queue and join every worker
        self.queue = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        // END SOLUTION
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
        // BEGIN SOLUTION: wait on the shared state until the task has finished or the deadline passes
        let deadline = Instant::now() + timeout;
        let mut slot = self.shared.state.lock().unwrap();
        loop {
            if let State::Finished(outcome) = &slot.state {
                return outcome.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(TaskError::Timeout);
            }
            slot = self.shared.changed.wait_timeout(slot, deadline - now).unwrap().0;
        }
        // END SOLUTION
    }

    /// Cancels the task if it has not started yet, and returns whether it did: `true` means the
    /// task will never run and its result is `Err(TaskError::Cancelled)`; `false` means it is
    /// running or has finished, and nothing changes (Python's `Future.cancel()`).
    pub fn cancel(&self) -> bool {
        // BEGIN SOLUTION: only a pending task can be cancelled
        let mut slot = self.shared.state.lock().unwrap();
        if matches!(slot.state, State::Pending) {
            self.shared.finish(&mut slot, Err(TaskError::Cancelled));
            true
        } else {
            false
        }
        // END SOLUTION
    }

    /// Whether the task has finished: returned, panicked or been cancelled.
    pub fn is_done(&self) -> bool {
        // BEGIN SOLUTION: a task is done once it has an outcome
        matches!(self.shared.state.lock().unwrap().state, State::Finished(_))
        // END SOLUTION
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
    // BEGIN SOLUTION: have each task report to one channel when it finishes; hand out handles in that order
    let (done, order) = crate::channel::unbounded();
    for (index, handle) in handles.iter().enumerate() {
        let mut slot = handle.shared.state.lock().unwrap();
        if matches!(slot.state, State::Finished(_)) {
            let _ = done.send(index);
        } else {
            slot.listener = Some((done.clone(), index));
        }
    }
    AsCompleted {
        handles: handles.into_iter().map(Some).collect(),
        order,
        marker: PhantomData,
    }
    // END SOLUTION
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    // BEGIN SOLUTION (comment): your fields
    handles: Vec<Option<TaskHandle<T>>>,
    order: Receiver<usize>,
    // END SOLUTION
    /// Ties the iterator to `T` before you add your fields. Keep it (or remove it).
    marker: PhantomData<fn() -> T>,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = TaskHandle<T>;

    /// Blocks until the next task finishes; `None` once every handle was yielded.
    fn next(&mut self) -> Option<TaskHandle<T>> {
        // BEGIN SOLUTION: wait for the next finished index and hand out its handle
        if self.handles.iter().all(Option::is_none) {
            return None;
        }
        let index = self.order.recv().ok()?;
        self.handles[index].take()
        // END SOLUTION
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").finish_non_exhaustive()
    }
}
