// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
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
    /// `None` once the queue is closed.
    queue: Option<Sender<Job<T>>>,
    workers: Vec<JoinHandle<()>>,
    next_id: AtomicU64,
    collected: Arc<Collected<T>>,
    /// Ties the pool to `T` before you add your fields. Keep it (or remove it once a field of yours
    /// uses `T`).
    marker: PhantomData<fn() -> T>,
}

/// A task with its id, as it travels through the queue.
type Job<T> = (TaskId, Box<dyn FnOnce() -> T + Send + 'static>);

/// The results the workers hand in, and how many tasks have finished in all (handed over or not).
struct Done<T> {
    results: Vec<TaskResult<T>>,
    finished: u64,
}

struct Collected<T> {
    done: Mutex<Done<T>>,
    changed: Condvar,
}

/// The text of a panic payload: a `&str` or a `String`, otherwise a fixed message.
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
        let (queue, tasks) = bounded::<Job<T>>(queue_size);
        let collected = Arc::new(Collected {
            done: Mutex::new(Done {
                results: Vec::new(),
                finished: 0,
            }),
            changed: Condvar::new(),
        });
        let workers = (0..workers.max(1))
            .map(|_| {
                let tasks = tasks.clone();
                let collected = Arc::clone(&collected);
                thread::spawn(move || {
                    for (id, task) in tasks {
                        let outcome = panic::catch_unwind(AssertUnwindSafe(task))
                            .map_err(|payload| panic_message(&*payload));
                        let mut done = collected.done.lock().unwrap();
                        done.results.push(TaskResult { id, outcome });
                        done.finished += 1;
                        drop(done);
                        collected.changed.notify_all();
                    }
                })
            })
            .collect();
        WorkerPool {
            queue: Some(queue),
            workers,
            next_id: AtomicU64::new(0),
            collected,
            marker: PhantomData,
        }
    }

    /// Queues `task` and returns its id. Blocks while the queue is full (backpressure): it returns
    /// once a worker has taken a task and made room.
    pub fn submit<F>(&self, task: F) -> TaskId
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        self.queue
            .as_ref()
            .expect("the queue is open until shutdown")
            .send((id, Box::new(task)))
            .expect("the workers run until the queue is closed");
        id
    }

    /// Waits until every task submitted so far has finished, and returns their results sorted by
    /// id: one per task, values and panics alike. The results are handed over: a second call
    /// returns only the tasks that finished since.
    pub fn results(&self) -> Vec<TaskResult<T>> {
        // Every task has been taken by a worker once the queue is empty.
        if let Some(queue) = &self.queue {
            while !queue.is_empty() {
                thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        let mut done = self.collected.done.lock().unwrap();
        let mut results = std::mem::take(&mut done.results);
        drop(done);
        results.sort_by_key(|result| result.id);
        results
    }

    /// Closes the queue (no more submissions: it takes `self`); every queued task still runs. With
    /// `wait`, returns once they have all finished and the workers have ended; without it, returns
    /// at once. Dropping a pool is `shutdown(true)`.
    pub fn shutdown(mut self, wait: bool) {
        drop(self.queue.take());
        let workers = std::mem::take(&mut self.workers);
        if wait {
            for worker in workers {
                let _ = worker.join();
            }
        }
        // Without `wait` the handles are dropped here: the workers run on, detached. `Drop` then
        // finds nothing left to close or join.
    }
}

impl<T> Drop for WorkerPool<T> {
    fn drop(&mut self) {
        drop(self.queue.take());
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
