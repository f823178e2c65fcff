#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: a worker pool with backpressure, as in the seeds' `WorkerPool`: a fixed set of workers,
//! a bounded queue that makes `submit` wait when it is full, task ids, every result collected
//! (values and panics alike), and `shutdown(wait)`.
//!
//! The README's sections "Backpressure: a bounded queue", "Shutting down: the sentinel, in Rust" and
//! "Catching a panic on the worker" cover what you need. crossbeam-channel's `bounded` is the tool.

use std::fmt;
use std::marker::PhantomData;

use crate::channel::{Sender, bounded};
use std::panic::{self, AssertUnwindSafe};
use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::{Arc, Condvar, Mutex};
use crate::thread::{self, JoinHandle};

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
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    next_id: AtomicU64,
    collected: Arc<Collected<T>>,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Finished<T> {
    /// results not handed over yet
    results: Vec<TaskResult<T>>,
    /// how many results were handed over by earlier `results()` calls
    handed_over: u64,
}

struct Collected<T> {
    finished: Mutex<Finished<T>>,
    one_more: Condvar,
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

impl<T: Send + 'static> WorkerPool<T> {
    /// Starts `workers` worker threads (0 counts as 1) and a queue that holds at most `queue_size`
    /// tasks waiting for a worker. With `queue_size == 0`, `submit` waits until a worker takes the
    /// task.
    pub fn new(workers: usize, queue_size: usize) -> WorkerPool<T> {
        let (jobs, queue) = bounded::<Job>(queue_size);
        let workers = (0..workers.max(1))
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    for job in queue {
                        job();
                    }
                })
            })
            .collect();
        WorkerPool {
            jobs: Some(jobs),
            workers,
            next_id: AtomicU64::new(0),
            collected: Arc::new(Collected {
                finished: Mutex::new(Finished {
                    results: Vec::new(),
                    handed_over: 0,
                }),
                one_more: Condvar::new(),
            }),
        }
    }

    /// Queues `task` and returns its id. Blocks while the queue is full (backpressure): it returns
    /// once a worker has taken a task and made room.
    pub fn submit<F>(&self, task: F) -> TaskId
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let collected = Arc::clone(&self.collected);
        let job: Job = Box::new(move || {
            collected
                .finished
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .results
                .push(TaskResult {
                    id,
                    outcome: panic::catch_unwind(AssertUnwindSafe(task))
                        .map_err(|p| panic_message(&*p)),
                });
            collected.one_more.notify_all();
        });
        self.jobs
            .as_ref()
            .expect("the pool is running")
            .send(job)
            .expect("the workers are alive");
        id
    }

    /// Waits until every task submitted so far has finished, and returns their results sorted by
    /// id: one per task, values and panics alike. The results are handed over: a second call
    /// returns only the tasks that finished since.
    pub fn results(&self) -> Vec<TaskResult<T>> {
        let submitted = self.next_id.load(Ordering::SeqCst);
        let finished = self
            .collected
            .finished
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut finished = self
            .collected
            .one_more
            .wait_while(finished, |f| f.handed_over + (f.results.len() as u64) < submitted)
            .unwrap_or_else(|e| e.into_inner());
        let mut results = std::mem::take(&mut finished.results);
        finished.handed_over += results.len() as u64;
        drop(finished);
        results.sort_by_key(|r| r.id);
        results
    }

    /// Closes the queue (no more submissions: it takes `self`); every queued task still runs. With
    /// `wait`, returns once they have all finished and the workers have ended; without it, returns
    /// at once. Dropping a pool is `shutdown(true)`.
    pub fn shutdown(mut self, wait: bool) {
        self.jobs = None;
        let workers = std::mem::take(&mut self.workers);
        if wait {
            for worker in workers {
                let _ = worker.join();
            }
        }
    }
}

impl<T> Drop for WorkerPool<T> {
    fn drop(&mut self) {
        self.jobs = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl<T> fmt::Debug for WorkerPool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool").finish_non_exhaustive()
    }
}
