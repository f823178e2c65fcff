//! Beginner: Python's `threading.Event`, built from a `Mutex<bool>` and a `Condvar`, and a heartbeat
//! thread that beats every `interval` and stops the moment it is told to, not one interval later.

use crate::sync::{Arc, Condvar, Mutex};
use crate::thread::{self, JoinHandle};
use std::time::Duration;

/// A flag that threads can wait on, like Python's `threading.Event`: it starts clear; `set` raises
/// it and wakes every waiter; `clear` lowers it again. Shared between threads by reference or `Arc`,
/// so every method takes `&self`.
#[derive(Debug, Default)]
pub struct Event {
    flag: Mutex<bool>,
    changed: Condvar,
}

impl Event {
    /// A clear event.
    pub fn new() -> Self {
        Event { flag: Mutex::new(false), changed: Condvar::new() }
    }

    /// Raises the flag and wakes every thread waiting in [`Event::wait`] or [`Event::wait_timeout`].
    pub fn set(&self) {
        let mut flag = self.lock();
        *flag = true;
        self.changed.notify_all();
    }

    /// Lowers the flag; later waits block until the next [`Event::set`].
    pub fn clear(&self) {
        *self.lock() = false;
    }

    /// Whether the flag is raised.
    pub fn is_set(&self) -> bool {
        *self.lock()
    }

    /// Blocks until the flag is raised. Returns at once when it already is, however long ago `set`
    /// was called.
    pub fn wait(&self) {
        let guard = self.lock();
        let _guard = self
            .changed
            .wait_while(guard, |set| !*set)
            .unwrap_or_else(|e| e.into_inner());
    }

    /// Blocks until the flag is raised or `timeout` has passed, and returns the flag: `true` when it
    /// was raised, `false` on a timeout. Python's `event.wait(timeout)` does the same.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let guard = self.lock();
        let (guard, _result) = self
            .changed
            .wait_timeout_while(guard, timeout, |set| !*set)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }

    fn lock(&self) -> crate::sync::MutexGuard<'_, bool> {
        self.flag.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A background thread that calls `on_beat` once every `interval` until it is stopped.
///
/// The thread must notice a stop *promptly*: it waits on an [`Event`] with a timeout of `interval`
/// instead of sleeping, so `stop` returns in a moment even when the interval is an hour. Dropping a
/// `Heartbeat` stops it too.
#[derive(Debug)]
pub struct Heartbeat {
    stopping: Arc<Event>,
    worker: Option<JoinHandle<u64>>,
}

impl Heartbeat {
    /// Starts the heartbeat thread. The first beat comes one `interval` after the start, then one
    /// every `interval`; beat `n` calls `on_beat(n)` (counting from 1) on the heartbeat thread.
    pub fn start<F>(interval: Duration, mut on_beat: F) -> Heartbeat
    where
        F: FnMut(u64) + Send + 'static,
    {
        let stopping = Arc::new(Event::new());
        let signal = Arc::clone(&stopping);
        let worker = thread::spawn(move || {
            let mut beats = 0;
            // wait_timeout returns true as soon as we are told to stop
            while !signal.wait_timeout(interval) {
                beats += 1;
                on_beat(beats);
            }
            beats
        });
        Heartbeat { stopping, worker: Some(worker) }
    }

    /// Stops the heartbeat: tells the thread to stop, waits until it has finished (a beat in
    /// progress completes first), and returns how many beats there were. Returns promptly, well
    /// before the next beat would be due. If `on_beat` panicked, `stop` panics with the same payload.
    pub fn stop(mut self) -> u64 {
        self.stopping.set();
        match self.worker.take() {
            Some(worker) => match worker.join() {
                Ok(beats) => beats,
                Err(payload) => std::panic::resume_unwind(payload),
            },
            None => 0,
        }
    }
}

impl Drop for Heartbeat {
    /// Stops the thread and waits for it, like [`Heartbeat::stop`], ignoring the count.
    fn drop(&mut self) {
        // tell the thread to stop; it exits on its own right after
        self.stopping.set();
    }
}
