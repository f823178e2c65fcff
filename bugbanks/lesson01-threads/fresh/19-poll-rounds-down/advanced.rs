// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: Python's `thread.join(timeout)` done right. Waiting gives up on time, and the answer
//! says *why* it came back: the value, a timeout (with the handle, to wait again), or a panic (with
//! its message).
//!
//! The README's sections "When a thread panics" and "Waiting with a timeout" cover what you need.

use std::fmt;
use std::time::Duration;
use std::any::Any;
use crate::thread::{self, JoinHandle};
use std::time::Instant;

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
    handle: JoinHandle<T>,
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
    TimedHandle { handle: thread::spawn(f) }
}

impl<T> TimedHandle<T> {
    /// Whether the thread is still running its function: `true` from the spawn until the function
    /// returns or panics, like Python's `Thread.is_alive()`.
    pub fn is_alive(&self) -> bool {
        !self.handle.is_finished()
    }

    /// Waits at most `timeout` for the thread to finish.
    ///
    /// - `Ok(value)`: the function returned `value`.
    /// - `Err(JoinError::Timeout(handle))`: it was still running when `timeout` had passed; wait
    ///   again with `handle`. Returns no earlier than `timeout` and not much later.
    /// - `Err(JoinError::Panicked(message))`: the function panicked, with this message. Reported as
    ///   soon as the panic happens, not when the timeout runs out.
    pub fn join_timeout(self, timeout: Duration) -> Result<T, JoinError<T>> {
        // look every 10 ms whether the thread is done, for as many steps as fit in the timeout
        const STEP: Duration = Duration::from_millis(10);
        let steps = timeout.as_millis() / STEP.as_millis();
        for _ in 0..steps {
            if self.handle.is_finished() {
                break;
            }
            thread::sleep(STEP);
        }
        if !self.handle.is_finished() {
            return Err(JoinError::Timeout(self));
        }
        match self.handle.join() {
            Ok(value) => Ok(value),
            Err(payload) => Err(JoinError::Panicked(panic_message(&*payload))),
        }
    }
}

/// The text of a panic payload: `panic!("literal")` carries a `&str`, a formatted panic a `String`.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}
