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

use std::any::Any;
use crate::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use crate::thread::{self, JoinHandle};

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
    /// The thread running the function (kept so it is not detached, and for `is_alive`).
    handle: JoinHandle<()>,
    /// Where the thread sends the function's value; disconnected if the function panicked.
    result: Receiver<T>,
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
    let (sender, result) = mpsc::channel();
    let handle = thread::spawn(move || {
        let value = f();
        // The receiver is gone if the caller dropped the handle; nothing to do then.
        let _ = sender.send(value);
    });
    TimedHandle { handle, result }
}

impl<T> TimedHandle<T> {
    /// Whether the thread is still running its function: `true` from the spawn until the function
    /// returns or panics, like Python's `Thread.is_alive()`.
    pub fn is_alive(&self) -> bool {
        // Still running as long as the channel is open and empty.
        matches!(self.result.try_recv(), Err(TryRecvError::Empty))
    }

    /// Waits at most `timeout` for the thread to finish.
    ///
    /// - `Ok(value)`: the function returned `value`.
    /// - `Err(JoinError::Timeout(handle))`: it was still running when `timeout` had passed; wait
    ///   again with `handle`. Returns no earlier than `timeout` and not much later.
    /// - `Err(JoinError::Panicked(message))`: the function panicked, with this message. Reported as
    ///   soon as the panic happens, not when the timeout runs out.
    pub fn join_timeout(self, timeout: Duration) -> Result<T, JoinError<T>> {
        match self.result.recv_timeout(timeout) {
            Ok(value) => Ok(value),
            Err(RecvTimeoutError::Timeout) => Err(JoinError::Timeout(self)),
            // The sender was dropped without a value: the function panicked.
            Err(RecvTimeoutError::Disconnected) => match self.handle.join() {
                Err(payload) => Err(JoinError::Panicked(panic_text(payload.as_ref()))),
                Ok(()) => Err(JoinError::Panicked("unknown panic payload".to_owned())),
            },
        }
    }
}

/// The text of a panic payload: a `&str` or a `String`, or `"unknown panic payload"`.
fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}
