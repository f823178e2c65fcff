//! Advanced: Python's `thread.join(timeout)` done right. Waiting gives up on time, and the answer
//! says *why* it came back: the value, a timeout (with the handle, to wait again), or a panic (with
//! its message).
//!
//! The README's sections "When a thread panics" and "Waiting with a timeout" cover what you need.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

// BEGIN SOLUTION (comment): import what you need from crate::sync, crate::thread and std::any
use crate::sync::mpsc::{self, Receiver, RecvTimeoutError};
use crate::thread::{self, JoinHandle};
use std::any::Any;
// END SOLUTION

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
    // BEGIN SOLUTION (comment): your fields: the thread's handle and a way to receive its result
    thread: JoinHandle<()>,
    result: Receiver<T>,
    // END SOLUTION
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
    // BEGIN SOLUTION: run `f` on a new thread that hands its result to something you can wait on
    let (sender, result) = mpsc::sync_channel(1);
    let thread = thread::spawn(move || {
        // If `f` panics, `sender` is dropped while the panic unwinds, and the waiting side sees the
        // channel disconnect: that is how it learns about a panic without waiting for the timeout.
        let value = f();
        // The receiver may be gone (the handle was dropped); nobody wants the value then.
        let _ = sender.send(value);
    });
    TimedHandle {
        thread,
        result,
        marker: PhantomData,
    }
    // END SOLUTION
}

impl<T> TimedHandle<T> {
    /// Whether the thread is still running its function: `true` from the spawn until the function
    /// returns or panics, like Python's `Thread.is_alive()`.
    pub fn is_alive(&self) -> bool {
        // BEGIN SOLUTION: report whether the thread's function is still running
        !self.thread.is_finished()
        // END SOLUTION
    }

    /// Waits at most `timeout` for the thread to finish.
    ///
    /// - `Ok(value)`: the function returned `value`.
    /// - `Err(JoinError::Timeout(handle))`: it was still running when `timeout` had passed; wait
    ///   again with `handle`. Returns no earlier than `timeout` and not much later.
    /// - `Err(JoinError::Panicked(message))`: the function panicked, with this message. Reported as
    ///   soon as the panic happens, not when the timeout runs out.
    pub fn join_timeout(self, timeout: Duration) -> Result<T, JoinError<T>> {
        // BEGIN SOLUTION: wait for the result until the timeout; tell a value, a timeout and a panic apart
        match self.result.recv_timeout(timeout) {
            Ok(value) => {
                // The thread has sent its value and is about to end: this join is immediate.
                let _ = self.thread.join();
                Ok(value)
            }
            Err(RecvTimeoutError::Timeout) => Err(JoinError::Timeout(self)),
            // The sender was dropped without sending: the function panicked. The thread is unwinding
            // and ends in a moment; `join` hands over the panic's payload.
            Err(RecvTimeoutError::Disconnected) => match self.thread.join() {
                Err(payload) => Err(JoinError::Panicked(panic_message(payload))),
                Ok(()) => unreachable!("the thread ended without sending its value, so it panicked"),
            },
        }
        // END SOLUTION
    }
}

// BEGIN SOLUTION (comment): private helpers, if you want them (e.g. panic payload to text)
/// The text of a panic: `panic!("literal")` carries a `&'static str`, `panic!("{x}")` a `String`.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(text) => (*text).to_owned(),
            Err(_) => "unknown panic payload".to_owned(),
        },
    }
}
// END SOLUTION
