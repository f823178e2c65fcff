// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: Python's `threading.Event`, built from a `Mutex<bool>` and a `Condvar`, and a heartbeat
//! thread that beats every `interval` and stops the moment it is told to, not one interval later.

use std::time::Duration;

use crate::sync::{Arc, Condvar, Mutex, MutexGuard};
use crate::thread::{self, JoinHandle};

/// A flag that threads can wait on, like Python's `threading.Event`: it starts clear; `set` raises
/// it and wakes every waiter; `clear` lowers it again. Shared between threads by reference or `Arc`,
/// so every method takes `&self`.
#[derive(Debug, Default)]
pub struct Event {
    /// The flag: the state lives here, not in the notifications.
    flag: Mutex<bool>,
    /// Where waiters sleep until the flag may have changed.
    changed: Condvar,
}

impl Event {
    /// A clear event.
    pub fn new() -> Self {
        Event {
            flag: Mutex::new(false),
            changed: Condvar::new(),
        }
    }

    /// Raises the flag and wakes every thread waiting in [`Event::wait`] or [`Event::wait_timeout`].
    pub fn set(&self) {
        *self.flag() = true;
        self.changed.notify_all();
    }

    /// Lowers the flag; later waits block until the next [`Event::set`].
    pub fn clear(&self) {
        *self.flag() = false;
    }

    /// Whether the flag is raised.
    pub fn is_set(&self) -> bool {
        *self.flag()
    }

    /// Blocks until the flag is raised. Returns at once when it already is, however long ago `set`
    /// was called.
    pub fn wait(&self) {
        let flag = self.flag();
        // Sleep until notified; then make sure the flag really is up (spurious wake-ups).
        let mut flag = self.changed.wait(flag).unwrap_or_else(|e| e.into_inner());
        while !*flag {
            flag = self.changed.wait(flag).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Blocks until the flag is raised or `timeout` has passed, and returns the flag: `true` when it
    /// was raised, `false` on a timeout. Python's `event.wait(timeout)` does the same.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let flag = self.flag();
        let (flag, _timeout) = self
            .changed
            .wait_timeout_while(flag, timeout, |set| !*set)
            .unwrap_or_else(|e| e.into_inner());
        *flag
    }

    /// Locks the flag, also after a panic poisoned the mutex.
    fn flag(&self) -> MutexGuard<'_, bool> {
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
    /// Set to ask the thread to stop; it waits on this between beats.
    stop: Arc<Event>,
    /// The heartbeat thread, returning its beat count; `None` once stopped.
    worker: Option<JoinHandle<u64>>,
}

impl Heartbeat {
    /// Starts the heartbeat thread. The first beat comes one `interval` after the start, then one
    /// every `interval`; beat `n` calls `on_beat(n)` (counting from 1) on the heartbeat thread.
    pub fn start<F>(interval: Duration, on_beat: F) -> Heartbeat
    where
        F: FnMut(u64) + Send + 'static,
    {
        let stop = Arc::new(Event::new());
        let stop_requested = Arc::clone(&stop);
        let mut on_beat = on_beat;
        let worker = thread::spawn(move || {
            let mut beats = 0;
            // A timeout means the interval passed without a stop request: beat.
            while !stop_requested.wait_timeout(interval) {
                beats += 1;
                on_beat(beats);
            }
            beats
        });
        Heartbeat {
            stop,
            worker: Some(worker),
        }
    }

    /// Stops the heartbeat: tells the thread to stop, waits until it has finished (a beat in
    /// progress completes first), and returns how many beats there were. Returns promptly, well
    /// before the next beat would be due. If `on_beat` panicked, `stop` panics with the same payload.
    pub fn stop(self) -> u64 {
        let mut this = self;
        this.stop.set();
        match this.worker.take().map(JoinHandle::join) {
            Some(Ok(beats)) => beats,
            Some(Err(payload)) => std::panic::resume_unwind(payload),
            None => 0,
        }
    }

    // TODO: add private helpers here if you want them
}

impl Drop for Heartbeat {
    /// Stops the thread and waits for it, like [`Heartbeat::stop`], ignoring the count.
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            self.stop.set();
            let _ = worker.join();
        }
    }
}
