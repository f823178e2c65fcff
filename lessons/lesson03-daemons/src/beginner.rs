// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: Python's `threading.Event`, built from a `Mutex<bool>` and a `Condvar`, and a heartbeat
//! thread that beats every `interval` and stops the moment it is told to, not one interval later.

use std::time::Duration;

// TODO: import what you need (Mutex, Condvar, Arc, thread, JoinHandle, ... from crate::sync and crate::thread)

/// A flag that threads can wait on, like Python's `threading.Event`: it starts clear; `set` raises
/// it and wakes every waiter; `clear` lowers it again. Shared between threads by reference or `Arc`,
/// so every method takes `&self`.
#[derive(Debug, Default)]
pub struct Event {
    // TODO: choose the fields (the flag behind a Mutex, and a Condvar to sleep on)
}

impl Event {
    /// A clear event.
    pub fn new() -> Self {
        // TODO: create a clear event
        todo!("create a clear event")
    }

    /// Raises the flag and wakes every thread waiting in [`Event::wait`] or [`Event::wait_timeout`].
    pub fn set(&self) {
        // TODO: raise the flag under the lock, then wake all waiters
        todo!("raise the flag under the lock, then wake all waiters")
    }

    /// Lowers the flag; later waits block until the next [`Event::set`].
    pub fn clear(&self) {
        // TODO: lower the flag
        todo!("lower the flag")
    }

    /// Whether the flag is raised.
    pub fn is_set(&self) -> bool {
        // TODO: read the flag
        todo!("read the flag")
    }

    /// Blocks until the flag is raised. Returns at once when it already is, however long ago `set`
    /// was called.
    pub fn wait(&self) {
        // TODO: sleep on the Condvar while the flag is down (check it first and after each wake-up)
        todo!("sleep on the Condvar while the flag is down (check it first and after each wake-up)")
    }

    /// Blocks until the flag is raised or `timeout` has passed, and returns the flag: `true` when it
    /// was raised, `false` on a timeout. Python's `event.wait(timeout)` does the same.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        // TODO: like wait, but give up after `timeout`; return the flag
        todo!("like wait, but give up after `timeout`; return the flag")
    }

    // TODO: add private helpers here if you want them
}

/// A background thread that calls `on_beat` once every `interval` until it is stopped.
///
/// The thread must notice a stop *promptly*: it waits on an [`Event`] with a timeout of `interval`
/// instead of sleeping, so `stop` returns in a moment even when the interval is an hour. Dropping a
/// `Heartbeat` stops it too.
#[derive(Debug)]
pub struct Heartbeat {
    // TODO: choose the fields (how to tell the thread to stop, and its JoinHandle)
}

impl Heartbeat {
    /// Starts the heartbeat thread. The first beat comes one `interval` after the start, then one
    /// every `interval`; beat `n` calls `on_beat(n)` (counting from 1) on the heartbeat thread.
    pub fn start<F>(interval: Duration, on_beat: F) -> Heartbeat
    where
        F: FnMut(u64) + Send + 'static,
    {
        // TODO: spawn a thread that waits on a stop Event for `interval` and beats on each timeout
        todo!("spawn a thread that waits on a stop Event for `interval` and beats on each timeout")
    }

    /// Stops the heartbeat: tells the thread to stop, waits until it has finished (a beat in
    /// progress completes first), and returns how many beats there were. Returns promptly, well
    /// before the next beat would be due. If `on_beat` panicked, `stop` panics with the same payload.
    pub fn stop(self) -> u64 {
        // TODO: signal the thread, join it and return its count
        todo!("signal the thread, join it and return its count")
    }

    // TODO: add private helpers here if you want them
}

impl Drop for Heartbeat {
    /// Stops the thread and waits for it, like [`Heartbeat::stop`], ignoring the count.
    fn drop(&mut self) {
        // TODO: stop and join the thread, if `stop` has not already (never panic here)
        todo!("stop and join the thread, if `stop` has not already (never panic here)")
    }
}
