// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: Python's `thread.join(timeout)` done right. Waiting gives up on time, and the answer
//! says *why* it came back: the value, a timeout (with the handle, to wait again), or a panic (with
//! its message).
//!
//! The README's sections "When a thread panics" and "Waiting with a timeout" cover what you need.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

// TODO: import what you need from crate::sync, crate::thread and std::any

/// Why [`TimedHandle::join_timeout`] returned without a value.
#[derive(Debug)]
pub enum JoinError<T> {
    /// The thread was still running when the timeout passed. The handle comes back, so the caller
    /// can check [`TimedHandle::is_alive`] or wait again.
    Timeout(TimedHandle<T>),
    /// The thread panicked. The message is the panic's text when the payload was a `&str` or a
    /// `String` (what `panic!` produces), and `"unknown panic payload"` otherwise.
    Panicked(String),
}

/// A running (or finished) thread that can be waited for with a timeout. `Send` when `T` is.
pub struct TimedHandle<T> {
    // TODO: your fields: the thread's handle and a way to receive its result
    /// Ties the handle to `T` before you add your fields. Keep it (or remove it once a field of yours
    /// uses `T`).
    marker: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for TimedHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimedHandle")
            .field("alive", &self.is_alive())
            .finish_non_exhaustive()
    }
}

/// Starts `f` on a new thread and returns a handle that can wait for it with a timeout.
pub fn spawn_timed<T, F>(f: F) -> TimedHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // TODO: run `f` on a new thread that hands its result to something you can wait on
    todo!("run `f` on a new thread that hands its result to something you can wait on")
}

impl<T> TimedHandle<T> {
    /// Whether the thread is still running its function: `true` from the spawn until the function
    /// returns or panics, like Python's `Thread.is_alive()`.
    pub fn is_alive(&self) -> bool {
        // TODO: report whether the thread's function is still running
        todo!("report whether the thread's function is still running")
    }

    /// Waits at most `timeout` for the thread to finish.
    ///
    /// - `Ok(value)`: the function returned `value`.
    /// - `Err(JoinError::Timeout(handle))`: it was still running when `timeout` had passed; wait
    ///   again with `handle`. Returns no earlier than `timeout` and not much later.
    /// - `Err(JoinError::Panicked(message))`: the function panicked, with this message. Reported as
    ///   soon as the panic happens, not when the timeout runs out.
    pub fn join_timeout(self, timeout: Duration) -> Result<T, JoinError<T>> {
        // TODO: wait for the result until the timeout; tell a value, a timeout and a panic apart
        todo!("wait for the result until the timeout; tell a value, a timeout and a panic apart")
    }
}

// TODO: private helpers, if you want them (e.g. panic payload to text)
