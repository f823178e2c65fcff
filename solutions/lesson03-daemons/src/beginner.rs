//! Beginner: Python's `threading.Event`, built from a `Mutex<bool>` and a `Condvar`, and a heartbeat
//! thread that beats every `interval` and stops the moment it is told to, not one interval later.

use std::time::Duration;

// BEGIN SOLUTION (comment): import what you need (Mutex, Condvar, Arc, thread, JoinHandle, ... from crate::sync and crate::thread)
use crate::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use crate::thread::{self, JoinHandle};
use std::panic;
// END SOLUTION

/// A flag that threads can wait on, like Python's `threading.Event`: it starts clear; `set` raises
/// it and wakes every waiter; `clear` lowers it again. Shared between threads by reference or `Arc`,
/// so every method takes `&self`.
#[derive(Debug, Default)]
pub struct Event {
    // BEGIN SOLUTION (comment): choose the fields (the flag behind a Mutex, and a Condvar to sleep on)
    flag: Mutex<bool>,
    changed: Condvar,
    // END SOLUTION
}

impl Event {
    /// A clear event.
    pub fn new() -> Self {
        // BEGIN SOLUTION: create a clear event
        Self::default()
        // END SOLUTION
    }

    /// Raises the flag and wakes every thread waiting in [`Event::wait`] or [`Event::wait_timeout`].
    pub fn set(&self) {
        // BEGIN SOLUTION: raise the flag under the lock, then wake all waiters
        *self.lock() = true;
        self.changed.notify_all();
        // END SOLUTION
    }

    /// Lowers the flag; later waits block until the next [`Event::set`].
    pub fn clear(&self) {
        // BEGIN SOLUTION: lower the flag
        *self.lock() = false;
        // END SOLUTION
    }

    /// Whether the flag is raised.
    pub fn is_set(&self) -> bool {
        // BEGIN SOLUTION: read the flag
        *self.lock()
        // END SOLUTION
    }

    /// Blocks until the flag is raised. Returns at once when it already is, however long ago `set`
    /// was called.
    pub fn wait(&self) {
        // BEGIN SOLUTION: sleep on the Condvar while the flag is down (check it first and after each wake-up)
        // `wait_while` checks the flag before sleeping (a `set` that came first is not missed) and
        // after every wake-up (a spurious wake-up does not end the wait).
        let _raised = self
            .changed
            .wait_while(self.lock(), |raised| !*raised)
            .unwrap_or_else(PoisonError::into_inner);
        // END SOLUTION
    }

    /// Blocks until the flag is raised or `timeout` has passed, and returns the flag: `true` when it
    /// was raised, `false` on a timeout. Python's `event.wait(timeout)` does the same.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        // BEGIN SOLUTION: like wait, but give up after `timeout`; return the flag
        let (raised, _timed_out) = self
            .changed
            .wait_timeout_while(self.lock(), timeout, |raised| !*raised)
            .unwrap_or_else(PoisonError::into_inner);
        *raised
        // END SOLUTION
    }

    // BEGIN SOLUTION (comment): add private helpers here if you want them
    /// Locks the flag. A `bool` cannot be left half-written by a panic, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.flag.lock().unwrap_or_else(PoisonError::into_inner)
    }
    // END SOLUTION
}

/// A background thread that calls `on_beat` once every `interval` until it is stopped.
///
/// The thread must notice a stop *promptly*: it waits on an [`Event`] with a timeout of `interval`
/// instead of sleeping, so `stop` returns in a moment even when the interval is an hour. Dropping a
/// `Heartbeat` stops it too.
#[derive(Debug)]
pub struct Heartbeat {
    // BEGIN SOLUTION (comment): choose the fields (how to tell the thread to stop, and its JoinHandle)
    stop: Arc<Event>,
    worker: Option<JoinHandle<u64>>,
    // END SOLUTION
}

impl Heartbeat {
    /// Starts the heartbeat thread. The first beat comes one `interval` after the start, then one
    /// every `interval`; beat `n` calls `on_beat(n)` (counting from 1) on the heartbeat thread.
    pub fn start<F>(interval: Duration, on_beat: F) -> Heartbeat
    where
        F: FnMut(u64) + Send + 'static,
    {
        // BEGIN SOLUTION: spawn a thread that waits on a stop Event for `interval` and beats on each timeout
        let mut on_beat = on_beat;
        let stop = Arc::new(Event::new());
        let stop_seen_by_worker = Arc::clone(&stop);
        let worker = thread::spawn(move || {
            let mut beats = 0;
            // `wait_timeout` returns `true` the moment `stop` is set, and `false` after a full quiet
            // interval: each `false` is one beat.
            while !stop_seen_by_worker.wait_timeout(interval) {
                beats += 1;
                on_beat(beats);
            }
            beats
        });
        Heartbeat {
            stop,
            worker: Some(worker),
        }
        // END SOLUTION
    }

    /// Stops the heartbeat: tells the thread to stop, waits until it has finished (a beat in
    /// progress completes first), and returns how many beats there were. Returns promptly, well
    /// before the next beat would be due. If `on_beat` panicked, `stop` panics with the same payload.
    pub fn stop(self) -> u64 {
        // BEGIN SOLUTION: signal the thread, join it and return its count
        let mut heartbeat = self;
        match heartbeat.finish() {
            Ok(beats) => beats,
            Err(payload) => panic::resume_unwind(payload),
        }
        // END SOLUTION
    }

    // BEGIN SOLUTION (comment): add private helpers here if you want them
    /// Signals the thread and joins it; `Ok(0)` when that already happened (`stop` then `drop`).
    fn finish(&mut self) -> thread::Result<u64> {
        self.stop.set();
        self.worker.take().map_or(Ok(0), JoinHandle::join)
    }
    // END SOLUTION
}

impl Drop for Heartbeat {
    /// Stops the thread and waits for it, like [`Heartbeat::stop`], ignoring the count.
    fn drop(&mut self) {
        // BEGIN SOLUTION: stop and join the thread, if `stop` has not already (never panic here)
        // A panic inside `drop` while another panic unwinds would abort, so a failed beat is ignored.
        let _ = self.finish();
        // END SOLUTION
    }
}
