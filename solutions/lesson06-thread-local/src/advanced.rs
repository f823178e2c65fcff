//! Advanced: `PerThread<T>`, one value per thread created on first use, that outlives the threads so
//! their results can be merged at the end (the shape of a per-thread accumulator or a per-thread
//! connection pool).
//!
//! The README's section "Per-thread values you can collect" covers what you need.

use crate::thread::{self, ThreadId};
use std::fmt;

// BEGIN SOLUTION (comment): import what you need
use crate::sync::{Arc, Mutex, TryLockError};
use std::collections::HashMap;
// END SOLUTION

/// One `T` per thread, made by a factory the first time a thread asks for it.
///
/// `PerThread<T>` is `Send + Sync` when `T: Send`, so one value (in an `Arc`, or borrowed by scoped
/// threads) serves every thread. Each thread only ever sees its own `T`.
pub struct PerThread<T> {
    // BEGIN SOLUTION (starter): choose the fields (the factory, and every thread's value)
    factory: Box<dyn Fn() -> T + Send + Sync>,
    // Each thread's value sits in a Mutex of its own: only its thread locks it (so never contended)
    // and the map's lock is held just long enough to find it, never while `f` runs.
    values: Mutex<HashMap<ThreadId, Arc<Mutex<T>>>>,
    // STARTER
    // // A placeholder that lets this file compile (and gives PerThread the Send + Sync of a
    // // Mutex<T>); replace it with your fields.
    // _values: std::marker::PhantomData<crate::sync::Mutex<T>>,
    // END SOLUTION
}

impl<T: Send> PerThread<T> {
    /// A `PerThread` that makes each thread's value with `factory`. Creates no value yet.
    pub fn new(factory: impl Fn() -> T + Send + Sync + 'static) -> Self {
        // BEGIN SOLUTION: keep the factory and start with no values at all
        PerThread {
            factory: Box::new(factory),
            values: Mutex::new(HashMap::new()),
        }
        // END SOLUTION
    }

    /// Runs `f` on the calling thread's value and returns what `f` returns.
    ///
    /// The first call on a thread creates that thread's value with the factory; later calls on the
    /// same thread get the same value back, so changes made through `f` persist (also when `f`
    /// panicked: the next call gets the value as `f` left it). The factory runs exactly once per
    /// thread that calls `with`, and never for a thread that does not. Threads calling `with` at the
    /// same time do not wait for each other, not even while one of them runs the factory. Calling
    /// `with` again from inside `f` on the same thread panics (it would need the same value twice).
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // BEGIN SOLUTION: find or create this thread's value, then run `f` on it without holding any shared lock
        let me = thread::current().id();
        let found = self.lock_values().get(&me).cloned();
        let slot = match found {
            Some(slot) => slot,
            None => {
                // Only this thread ever inserts under its own id, so nobody can race us to it, and
                // the factory runs outside the map's lock.
                let slot = Arc::new(Mutex::new((self.factory)()));
                self.lock_values().insert(me, Arc::clone(&slot));
                slot
            }
        };
        let mut value = match slot.try_lock() {
            Ok(value) => value,
            // A panic inside an earlier `f` on this thread: the value is still this thread's.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            // Only this thread ever locks its slot, so a held lock means `with` inside `with`.
            Err(TryLockError::WouldBlock) => {
                panic!("PerThread::with was called from inside `with` on the same thread")
            }
        };
        f(&mut value)
        // END SOLUTION
    }

    /// Every value created so far, one per thread that called [`PerThread::with`], in no particular
    /// order, including the values of threads that have since ended.
    pub fn into_values(self) -> Vec<T> {
        // BEGIN SOLUTION: take every thread's value out, whether or not its thread is still running
        let values = self.values.into_inner().unwrap_or_else(|e| e.into_inner());
        values
            .into_values()
            .map(|slot| {
                // `self` is consumed, so no `with` is running and each Arc is the last one.
                let slot = Arc::into_inner(slot).expect("no `with` runs once `into_values` has `self`");
                slot.into_inner().unwrap_or_else(|e| e.into_inner())
            })
            .collect()
        // END SOLUTION
    }

    // BEGIN SOLUTION (comment): add helpers if you want
    fn lock_values(&self) -> crate::sync::MutexGuard<'_, HashMap<ThreadId, Arc<Mutex<T>>>> {
        self.values.lock().unwrap_or_else(|e| e.into_inner())
    }
    // END SOLUTION
}

impl<T> fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerThread").finish_non_exhaustive()
    }
}
