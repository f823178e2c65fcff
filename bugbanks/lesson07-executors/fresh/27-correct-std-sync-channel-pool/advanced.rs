#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: a worker pool with backpressure, as in the seeds' `WorkerPool`: a fixed set of workers,
//! a bounded queue that makes `submit` wait when it is full, task ids, every result collected
//! (values and panics alike), and `shutdown(wait)`.
//!
//! The README's sections "Backpressure: a bounded queue", "Shutting down: the sentinel, in Rust" and
//! "Catching a panic on the worker" cover what you need. crossbeam-channel's `bounded` is the tool.

use std::fmt;
use std::marker::PhantomData;

use std::panic::{self, AssertUnwindSafe};
use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::mpsc::{self, Receiver, Sender, SyncSender};
use crate::sync::{Arc, Mutex};
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
    /// std's bounded channel; the workers share its receiver behind a mutex
    tasks: Option<SyncSender<(TaskId, Task<T>)>>,
    workers: Vec<JoinHandle<()>>,
    submitted: AtomicU64,
    /// where the workers send what each task gave, and how many of those I have taken out
    finished: Mutex<(Receiver<TaskResult<T>>, u64)>,
}

type Task<T> = Box<dyn FnOnce() -> T + Send + 'static>;

fn describe(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned())
}

fn work<T>(queue: &Mutex<Receiver<(TaskId, Task<T>)>>, report: &Sender<TaskResult<T>>) {
    loop {
        // the guard is a temporary of this statement: released before the task runs
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok((id, task)) = next else {
            return; // queue closed and empty
        };
        let outcome = panic::catch_unwind(AssertUnwindSafe(task)).map_err(|p| describe(&*p));
        if report.send(TaskResult { id, outcome }).is_err() {
            // the pool is gone; keep draining the queue anyway
        }
    }
}

impl<T: Send + 'static> WorkerPool<T> {
    /// Starts `workers` worker threads (0 counts as 1) and a queue that holds at most `queue_size`
    /// tasks waiting for a worker. With `queue_size == 0`, `submit` waits until a worker takes the
    /// task.
    pub fn new(workers: usize, queue_size: usize) -> WorkerPool<T> {
        let (tasks, queue) = mpsc::sync_channel::<(TaskId, Task<T>)>(queue_size);
        let (report, finished) = mpsc::channel::<TaskResult<T>>();
        let queue = Arc::new(Mutex::new(queue));
        let workers = (0..workers.max(1))
            .map(|_| {
                let queue = Arc::clone(&queue);
                let report = report.clone();
                thread::spawn(move || work(&queue, &report))
            })
            .collect();
        WorkerPool {
            tasks: Some(tasks),
            workers,
            submitted: AtomicU64::new(0),
            finished: Mutex::new((finished, 0)),
        }
    }

    /// Queues `task` and returns its id. Blocks while the queue is full (backpressure): it returns
    /// once a worker has taken a task and made room.
    pub fn submit<F>(&self, task: F) -> TaskId
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let id = self.submitted.fetch_add(1, Ordering::SeqCst);
        self.tasks
            .as_ref()
            .expect("pool still open")
            .send((id, Box::new(task)))
            .expect("workers still running");
        id
    }

    /// Waits until every task submitted so far has finished, and returns their results sorted by
    /// id: one per task, values and panics alike. The results are handed over: a second call
    /// returns only the tasks that finished since.
    pub fn results(&self) -> Vec<TaskResult<T>> {
        let submitted = self.submitted.load(Ordering::SeqCst);
        let mut finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        let (receiver, taken) = &mut *finished;
        let mut out = Vec::new();
        // everything that is already there...
        while let Ok(result) = receiver.try_recv() {
            out.push(result);
        }
        *taken += out.len() as u64;
        // ...and then block for the ones still running
        while *taken < submitted {
            match receiver.recv() {
                Ok(result) => {
                    out.push(result);
                    *taken += 1;
                }
                Err(_) => break,
            }
        }
        out.sort_unstable_by_key(|r| r.id);
        out
    }

    /// Closes the queue (no more submissions: it takes `self`); every queued task still runs. With
    /// `wait`, returns once they have all finished and the workers have ended; without it, returns
    /// at once. Dropping a pool is `shutdown(true)`.
    pub fn shutdown(mut self, wait: bool) {
        drop(self.tasks.take());
        if !wait {
            // let them run detached; Drop below finds nothing to join
            self.workers.clear();
        }
    }
}

impl<T> Drop for WorkerPool<T> {
    fn drop(&mut self) {
        drop(self.tasks.take());
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
