#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: Python's `ThreadPoolExecutor` with futures: `submit`, `result(timeout)`, `cancel`,
//! `as_completed` and `shutdown(wait)`.
//!
//! The README's sections "An executor and its futures", "Completion order" and "Shutting down" cover
//! what you need.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard};
use crate::thread::{self, JoinHandle};
use std::time::Instant;

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
    queue: Arc<JobQueue>,
    workers: Vec<JoinHandle<()>>,
}

/// A submitted task: wait for its result, cancel it, or hand it to [`as_completed`]. Like Python's
/// `Future`. `Send` when `T` is. Its `Debug` output shows whether it is done.
pub struct TaskHandle<T> {
    task: Arc<Task<T>>,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// My own queue: a VecDeque under a lock, and a flag that says no more jobs will come.
struct JobQueue {
    state: Mutex<QueueState>,
    not_empty: Condvar,
}

struct QueueState {
    jobs: VecDeque<Job>,
    closed: bool,
}

impl JobQueue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, job: Job) {
        self.lock().jobs.push_back(job);
        self.not_empty.notify_one();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.not_empty.notify_all();
    }

    /// The oldest job, or `None` once the queue is closed and empty.
    fn pop(&self) -> Option<Job> {
        let state = self.lock();
        let mut state = self
            .not_empty
            .wait_while(state, |s| s.jobs.is_empty() && !s.closed)
            .unwrap_or_else(|e| e.into_inner());
        state.jobs.pop_front()
    }
}

enum Status<T> {
    Queued,
    Started,
    Returned(T),
    Failed(String),
    Cancelled,
}

impl<T> Status<T> {
    fn is_over(&self) -> bool {
        matches!(self, Status::Returned(_) | Status::Failed(_) | Status::Cancelled)
    }
}

/// Where the tasks of one `as_completed` report their position when they end.
struct Completion {
    finished: Mutex<VecDeque<usize>>,
    one_more: Condvar,
}

impl Completion {
    fn report(&self, index: usize) {
        self.finished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(index);
        self.one_more.notify_all();
    }
}

struct TaskState<T> {
    status: Status<T>,
    watchers: Vec<(Arc<Completion>, usize)>,
}

struct Task<T> {
    state: Mutex<TaskState<T>>,
    changed: Condvar,
}

impl<T> Task<T> {
    fn lock(&self) -> MutexGuard<'_, TaskState<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the end of the task (under the caller's lock) and tells everyone who waits.
    fn end(&self, state: &mut TaskState<T>, status: Status<T>) {
        state.status = status;
        for (completion, index) in state.watchers.drain(..) {
            completion.report(index);
        }
        self.changed.notify_all();
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(text) => (*text).to_owned(),
            Err(_) => "unknown panic payload".to_owned(),
        },
    }
}

impl Executor {
    /// Starts `max_workers` worker threads (0 counts as 1) that wait for tasks. No more than
    /// `max_workers` tasks ever run at the same time, and a panicking task never ends its worker.
    pub fn new(max_workers: usize) -> Executor {
        let queue = Arc::new(JobQueue {
            state: Mutex::new(QueueState {
                jobs: VecDeque::new(),
                closed: false,
            }),
            not_empty: Condvar::new(),
        });
        let mut workers = Vec::new();
        for _ in 0..max_workers.max(1) {
            let queue = Arc::clone(&queue);
            workers.push(thread::spawn(move || {
                while let Some(job) = queue.pop() {
                    job();
                }
            }));
        }
        Executor { queue, workers }
    }

    /// Queues `f` and returns its handle at once. Tasks start in submission order as workers
    /// become free.
    pub fn submit<T, F>(&self, f: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let task = Arc::new(Task {
            state: Mutex::new(TaskState {
                status: Status::Queued,
                watchers: Vec::new(),
            }),
            changed: Condvar::new(),
        });
        let mine = Arc::clone(&task);
        self.queue.push(Box::new(move || {
            {
                let mut state = mine.lock();
                match state.status {
                    Status::Queued => state.status = Status::Started,
                    _ => return, // it was cancelled while it waited
                }
            }
            let status = match panic::catch_unwind(AssertUnwindSafe(f)) {
                Ok(value) => Status::Returned(value),
                Err(payload) => Status::Failed(panic_text(payload)),
            };
            let mut state = mine.lock();
            mine.end(&mut state, status);
        }));
        TaskHandle { task }
    }

    /// Closes the queue: no more tasks can be submitted (it takes `self`), but every task already
    /// queued still runs. With `wait`, returns once every queued task has finished and the workers
    /// have ended; without it, returns at once and the workers finish the queue in the background.
    /// Dropping an executor is `shutdown(true)`, like leaving Python's `with` block.
    pub fn shutdown(mut self, wait: bool) {
        if !wait {
            // forget the JoinHandles: Drop then only closes the queue
            self.workers.clear();
        }
        // Drop closes the queue and joins whatever workers are left
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.queue.close();
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
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.task.lock();
        loop {
            match &state.status {
                Status::Returned(value) => return Ok(value.clone()),
                Status::Failed(message) => return Err(TaskError::Panicked(message.clone())),
                Status::Cancelled => return Err(TaskError::Cancelled),
                Status::Queued | Status::Started => {}
            }
            state = match deadline {
                // a timeout too long to add up: just wait
                None => self.task.changed.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(TaskError::Timeout);
                    }
                    self.task
                        .changed
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// Cancels the task if it has not started yet, and returns whether it did: `true` means the
    /// task will never run and its result is `Err(TaskError::Cancelled)`; `false` means it is
    /// running or has finished, and nothing changes (Python's `Future.cancel()`).
    pub fn cancel(&self) -> bool {
        let mut state = self.task.lock();
        if let Status::Queued = state.status {
            self.task.end(&mut state, Status::Cancelled);
            true
        } else {
            false
        }
    }

    /// Whether the task has finished: returned, panicked or been cancelled.
    pub fn is_done(&self) -> bool {
        self.task.lock().status.is_over()
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
    let completion = Arc::new(Completion {
        finished: Mutex::new(VecDeque::new()),
        one_more: Condvar::new(),
    });
    for (index, handle) in handles.iter().enumerate() {
        let mut state = handle.task.lock();
        if state.status.is_over() {
            completion.report(index);
        } else {
            state.watchers.push((Arc::clone(&completion), index));
        }
    }
    let left = handles.len();
    AsCompleted {
        completion,
        handles: handles.into_iter().map(Some).collect(),
        left,
    }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    completion: Arc<Completion>,
    handles: Vec<Option<TaskHandle<T>>>,
    left: usize,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = TaskHandle<T>;

    /// Blocks until the next task finishes; `None` once every handle was yielded.
    fn next(&mut self) -> Option<TaskHandle<T>> {
        if self.left == 0 {
            return None;
        }
        let finished = self
            .completion
            .finished
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut finished = self
            .completion
            .one_more
            .wait_while(finished, |f| f.is_empty())
            .unwrap_or_else(|e| e.into_inner());
        let index = finished.pop_front()?;
        drop(finished);
        self.left -= 1;
        self.handles[index].take()
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").finish_non_exhaustive()
    }
}
