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

use crate::channel::{Sender, unbounded};
use std::collections::VecDeque;
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
    queue: Sender<Message>,
    workers: Vec<JoinHandle<()>>,
    /// Set once the stop messages are queued, so `Drop` does not queue them twice.
    stopped: bool,
}

/// A submitted task: wait for its result, cancel it, or hand it to [`as_completed`]. Like Python's
/// `Future`. `Send` when `T` is. Its `Debug` output shows whether it is done.
pub struct TaskHandle<T> {
    task: Arc<Task<T>>,
    /// Ties the handle to `T` before you add your fields. Keep it (or remove it once a field of yours
    /// uses `T`).
    marker: PhantomData<fn() -> T>,
}

/// What the queue carries: work, or the sentinel that ends one worker. The sentinels go in behind
/// every queued job, so each worker ends only after the queue in front of them is done.
enum Message {
    Run(Box<dyn FnOnce() + Send + 'static>),
    Stop,
}

/// A task's shared record. `started` without `outcome`: running. Neither: pending.
struct Record<T> {
    started: bool,
    outcome: Option<Result<T, TaskError>>,
    /// Called once, under the lock, when the outcome is stored.
    on_done: Vec<Box<dyn FnOnce() + Send>>,
}

struct Task<T> {
    record: Mutex<Record<T>>,
    done: Condvar,
}

impl<T> Task<T> {
    fn complete(&self, record: &mut Record<T>, outcome: Result<T, TaskError>) {
        record.outcome = Some(outcome);
        for callback in record.on_done.drain(..) {
            callback();
        }
        self.done.notify_all();
    }
}

fn describe(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<&'static str>() {
        Ok(text) => (*text).to_owned(),
        Err(payload) => match payload.downcast::<String>() {
            Ok(text) => *text,
            Err(_) => "unknown panic payload".to_owned(),
        },
    }
}

/// The indices of finished tasks, in the order they finished, for one [`AsCompleted`].
type Finished = Arc<(Mutex<VecDeque<usize>>, Condvar)>;

impl Executor {
    /// Starts `max_workers` worker threads (0 counts as 1) that wait for tasks. No more than
    /// `max_workers` tasks ever run at the same time, and a panicking task never ends its worker.
    pub fn new(max_workers: usize) -> Executor {
        let (queue, inbox) = unbounded::<Message>();
        let mut workers = Vec::new();
        for _ in 0..max_workers.max(1) {
            let inbox = inbox.clone();
            workers.push(thread::spawn(move || {
                while let Ok(Message::Run(job)) = inbox.recv() {
                    job();
                }
            }));
        }
        Executor {
            queue,
            workers,
            stopped: false,
        }
    }

    /// Queues `f` and returns its handle at once. Tasks start in submission order as workers
    /// become free.
    pub fn submit<T, F>(&self, f: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let task = Arc::new(Task {
            record: Mutex::new(Record {
                started: false,
                outcome: None,
                on_done: Vec::new(),
            }),
            done: Condvar::new(),
        });
        let mine = Arc::clone(&task);
        let job = move || {
            let start = {
                let mut record = mine.record.lock().unwrap();
                let start = record.outcome.is_none(); // a cancelled task already has its outcome
                record.started = start;
                start
            };
            if start {
                let outcome =
                    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|p| TaskError::Panicked(describe(p)));
                let mut record = mine.record.lock().unwrap();
                mine.complete(&mut record, outcome);
            }
        };
        self.queue
            .send(Message::Run(Box::new(job)))
            .expect("workers run until shutdown");
        TaskHandle {
            task,
            marker: PhantomData,
        }
    }

    /// Closes the queue: no more tasks can be submitted (it takes `self`), but every task already
    /// queued still runs. With `wait`, returns once every queued task has finished and the workers
    /// have ended; without it, returns at once and the workers finish the queue in the background.
    /// Dropping an executor is `shutdown(true)`, like leaving Python's `with` block.
    pub fn shutdown(mut self, wait: bool) {
        self.stop();
        let workers = std::mem::take(&mut self.workers);
        if wait {
            for worker in workers {
                let _ = worker.join();
            }
        }
        // Without `wait` the handles were dropped: the workers are detached and drain the queue.
    }

    /// Queues one `Stop` per worker, behind every job already queued.
    fn stop(&mut self) {
        if !self.stopped {
            self.stopped = true;
            for _ in 0..self.workers.len() {
                let _ = self.queue.send(Message::Stop);
            }
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.stop();
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
        let deadline = std::time::Instant::now() + timeout;
        let mut record = self.task.record.lock().unwrap();
        loop {
            if let Some(outcome) = &record.outcome {
                return outcome.clone();
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(TaskError::Timeout);
            }
            record = self.task.done.wait_timeout(record, left).unwrap().0;
        }
    }

    /// Cancels the task if it has not started yet, and returns whether it did: `true` means the
    /// task will never run and its result is `Err(TaskError::Cancelled)`; `false` means it is
    /// running or has finished, and nothing changes (Python's `Future.cancel()`).
    pub fn cancel(&self) -> bool {
        let mut record = self.task.record.lock().unwrap();
        if record.started || record.outcome.is_some() {
            return false;
        }
        self.task.complete(&mut record, Err(TaskError::Cancelled));
        true
    }

    /// Whether the task has finished: returned, panicked or been cancelled.
    pub fn is_done(&self) -> bool {
        self.task.record.lock().unwrap().outcome.is_some()
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
    let finished: Finished = Arc::new((Mutex::new(VecDeque::new()), Condvar::new()));
    for (index, handle) in handles.iter().enumerate() {
        let report = {
            let finished = Arc::clone(&finished);
            move || {
                let (queue, arrived) = &*finished;
                queue.lock().unwrap().push_back(index);
                arrived.notify_one();
            }
        };
        let mut record = handle.task.record.lock().unwrap();
        if record.outcome.is_some() {
            report();
        } else {
            record.on_done.push(Box::new(report));
        }
    }
    AsCompleted {
        left: handles.len(),
        handles: handles.into_iter().map(Some).collect(),
        finished,
        marker: PhantomData,
    }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    handles: Vec<Option<TaskHandle<T>>>,
    finished: Finished,
    left: usize,
    /// Ties the iterator to `T` before you add your fields. Keep it (or remove it).
    marker: PhantomData<fn() -> T>,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = TaskHandle<T>;

    /// Blocks until the next task finishes; `None` once every handle was yielded.
    fn next(&mut self) -> Option<TaskHandle<T>> {
        if self.left == 0 {
            return None;
        }
        let (queue, arrived) = &*self.finished;
        let mut queue = arrived
            .wait_while(queue.lock().unwrap(), |queue| queue.is_empty())
            .unwrap();
        let index = queue.pop_front()?;
        drop(queue);
        self.left -= 1;
        self.handles[index].take()
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").finish_non_exhaustive()
    }
}
