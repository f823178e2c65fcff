//! Advanced: a worker pool with backpressure, as in the seeds' `WorkerPool`: a fixed set of workers,
//! a bounded queue that makes `submit` wait when it is full, task ids, every result collected
//! (values and panics alike), and `shutdown(wait)`.
//!
//! The README's sections "Backpressure: a bounded queue", "Shutting down: the sentinel, in Rust" and
//! "Catching a panic on the worker" cover what you need. `crate::channel::bounded` (crossbeam-channel's
//! `bounded`) is the tool.

use std::fmt;
use std::marker::PhantomData;

// BEGIN SOLUTION (comment): import what you need (crate::channel, crate::sync, crate::thread, std::panic)
use crate::channel::Sender;
use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::{Arc, Condvar, Mutex};
use crate::thread::{self, JoinHandle};
use std::panic::{self, AssertUnwindSafe};
// END SOLUTION

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
    // BEGIN SOLUTION (comment): your fields: the queue's sending end, the workers, the next id, the collected results
    queue: Option<Sender<(TaskId, Task<T>)>>,
    workers: Vec<JoinHandle<()>>,
    next_id: AtomicU64,
    results: Arc<Results<T>>,
    // END SOLUTION
    /// Ties the pool to `T` before you add your fields. Keep it (or remove it once a field of yours
    /// uses `T`).
    marker: PhantomData<fn() -> T>,
}

// BEGIN SOLUTION (comment): private types and helpers, if you want them
type Task<T> = Box<dyn FnOnce() -> T + Send>;

/// Finished tasks, and a signal for `results()` that one more has finished.
struct Results<T> {
    done: Mutex<Finished<T>>,
    changed: Condvar,
}

struct Finished<T> {
    /// How many tasks have finished since the pool started, taken or not.
    count: u64,
    /// Results not handed out by `results()` yet.
    waiting: Vec<TaskResult<T>>,
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

impl<T: Send + 'static> WorkerPool<T> {
    /// Starts `workers` worker threads (0 counts as 1) and a queue that holds at most `queue_size`
    /// tasks waiting for a worker. With `queue_size == 0`, `submit` waits until a worker takes the
    /// task.
    pub fn new(workers: usize, queue_size: usize) -> WorkerPool<T> {
        // BEGIN SOLUTION: a bounded channel, and workers that run tasks until it closes, catching panics
        let (queue, tasks) = crate::channel::bounded::<(TaskId, Task<T>)>(queue_size);
        let results = Arc::new(Results {
            done: Mutex::new(Finished {
                count: 0,
                waiting: Vec::new(),
            }),
            changed: Condvar::new(),
        });
        let workers = (0..workers.max(1))
            .map(|_| {
                let tasks = tasks.clone();
                let results = Arc::clone(&results);
                thread::spawn(move || {
                    // Ends when every sender is gone and the queue is drained.
                    while let Ok((id, task)) = tasks.recv() {
                        let outcome = panic::catch_unwind(AssertUnwindSafe(task))
                            .map_err(|payload| panic_message(&*payload));
                        let mut done = results.done.lock().unwrap();
                        done.count += 1;
                        done.waiting.push(TaskResult { id, outcome });
                        results.changed.notify_all();
                    }
                })
            })
            .collect();
        WorkerPool {
            queue: Some(queue),
            workers,
            next_id: AtomicU64::new(0),
            results,
            marker: PhantomData,
        }
        // END SOLUTION
    }

    /// Queues `task` and returns its id. Blocks while the queue is full (backpressure): it returns
    /// once a worker has taken a task and made room.
    pub fn submit<F>(&self, task: F) -> TaskId
    where
        F: FnOnce() -> T + Send + 'static,
    {
        // BEGIN SOLUTION: take the next id and send the task; a full bounded channel makes send wait
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        self.queue
            .as_ref()
            .expect("the queue stays open until shutdown")
            .send((id, Box::new(task)))
            .expect("workers live until shutdown");
        id
        // END SOLUTION
    }

    /// Waits until every task submitted so far has finished, and returns their results sorted by
    /// id: one per task, values and panics alike. The results are handed over: a second call
    /// returns only the tasks that finished since.
    pub fn results(&self) -> Vec<TaskResult<T>> {
        // BEGIN SOLUTION: wait until as many results are in as tasks were submitted, then take them
        // Ids are handed out in order, so the next id is the number of tasks submitted so far.
        let submitted = self.next_id.load(Ordering::SeqCst);
        let mut done = self.results.done.lock().unwrap();
        while done.count < submitted {
            done = self.results.changed.wait(done).unwrap();
        }
        let mut all = std::mem::take(&mut done.waiting);
        all.sort_by_key(|r| r.id);
        all
        // END SOLUTION
    }

    /// Closes the queue (no more submissions: it takes `self`); every queued task still runs. With
    /// `wait`, returns once they have all finished and the workers have ended; without it, returns
    /// at once. Dropping a pool is `shutdown(true)`.
    pub fn shutdown(self, wait: bool) {
        // BEGIN SOLUTION: close the queue, then join the workers only when asked to wait
        let mut pool = self;
        pool.queue = None; // the sentinel: each worker's recv fails once the queue is empty
        if !wait {
            pool.workers.clear(); // dropping a JoinHandle detaches its thread
        }
        // END SOLUTION
    }
}

impl<T> Drop for WorkerPool<T> {
    fn drop(&mut self) {
        // BEGIN SOLUTION: close the queue and join every worker
        self.queue = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        // END SOLUTION
    }
}

impl<T> fmt::Debug for WorkerPool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool").finish_non_exhaustive()
    }
}
