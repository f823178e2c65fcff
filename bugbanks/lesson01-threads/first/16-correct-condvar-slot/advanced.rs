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
use std::panic::{self, AssertUnwindSafe};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard};
use crate::thread;

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
    /// The outcome slot, shared with the thread.
    shared: Arc<Shared<T>>,
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
    let shared = Arc::new(Shared {
        slot: Mutex::new(Slot::Running),
        changed: Condvar::new(),
    });
    let for_thread = Arc::clone(&shared);
    thread::spawn(move || {
        let outcome = match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(value) => Slot::Returned(value),
            Err(payload) => Slot::Panicked(panic_text(payload.as_ref())),
        };
        *for_thread.lock() = outcome;
        for_thread.changed.notify_all();
    });
    TimedHandle { shared }
}

impl<T> TimedHandle<T> {
    /// Whether the thread is still running its function: `true` from the spawn until the function
    /// returns or panics, like Python's `Thread.is_alive()`.
    pub fn is_alive(&self) -> bool {
        matches!(*self.shared.lock(), Slot::Running)
    }

    /// Waits at most `timeout` for the thread to finish.
    ///
    /// - `Ok(value)`: the function returned `value`.
    /// - `Err(JoinError::Timeout(handle))`: it was still running when `timeout` had passed; wait
    ///   again with `handle`. Returns no earlier than `timeout` and not much later.
    /// - `Err(JoinError::Panicked(message))`: the function panicked, with this message. Reported as
    ///   soon as the panic happens, not when the timeout runs out.
    pub fn join_timeout(self, timeout: Duration) -> Result<T, JoinError<T>> {
        let slot = self.shared.lock();
        let (mut slot, _) = self
            .shared
            .changed
            .wait_timeout_while(slot, timeout, |slot| matches!(slot, Slot::Running))
            .unwrap_or_else(|e| e.into_inner());
        if matches!(*slot, Slot::Running) {
            drop(slot);
            return Err(JoinError::Timeout(self));
        }
        match std::mem::replace(&mut *slot, Slot::Taken) {
            Slot::Returned(value) => Ok(value),
            Slot::Panicked(message) => Err(JoinError::Panicked(message)),
            Slot::Running | Slot::Taken => unreachable!("join_timeout takes the handle by value"),
        }
    }
}

/// Where the thread leaves the outcome of its function.
enum Slot<T> {
    /// The function has not finished yet.
    Running,
    /// The function returned this value.
    Returned(T),
    /// The function panicked with this message.
    Panicked(String),
    /// The outcome was handed out.
    Taken,
}

/// The slot and the condition variable that announces its change.
struct Shared<T> {
    slot: Mutex<Slot<T>>,
    changed: Condvar,
}

impl<T> Shared<T> {
    /// Locks the slot; the lock is never held while user code runs, so poisoning cannot happen.
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
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
