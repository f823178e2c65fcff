// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: `PerThread<T>`, one value per thread created on first use, that outlives the threads so
//! their results can be merged at the end (the shape of a per-thread accumulator or a per-thread
//! connection pool).
//!
//! The README's section "Per-thread values you can collect" covers what you need.

use std::fmt;
use crate::thread::{self, ThreadId};

use std::collections::HashMap;
use crate::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

/// One thread's value. Only its own thread ever locks it, so the lock is never contended.
type Slot<T> = Arc<Mutex<T>>;

/// One `T` per thread, made by a factory the first time a thread asks for it.
///
/// `PerThread<T>` is `Send + Sync` when `T: Send`, so one value (in an `Arc`, or borrowed by scoped
/// threads) serves every thread. Each thread only ever sees its own `T`.
pub struct PerThread<T> {
    factory: Box<dyn Fn() -> T + Send + Sync>,
    slots: Mutex<HashMap<ThreadId, Slot<T>>>,
}

impl<T: Send> PerThread<T> {
    /// A `PerThread` that makes each thread's value with `factory`. Creates no value yet.
    pub fn new(factory: impl Fn() -> T + Send + Sync + 'static) -> Self {
        PerThread {
            factory: Box::new(factory),
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `f` on the calling thread's value and returns what `f` returns.
    ///
    /// The first call on a thread creates that thread's value with the factory; later calls on the
    /// same thread get the same value back, so changes made through `f` persist. The factory runs
    /// exactly once per thread that calls `with`, and never for a thread that does not. Threads
    /// calling `with` at the same time do not wait for each other. Calling `with` again from
    /// inside `f` on the same thread panics (it would need the same value twice).
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let slot = self.my_slot();
        let Ok(mut value) = slot.try_lock() else {
            panic!("PerThread::with called from inside `with` on the same thread")
        };
        f(&mut value)
    }

    /// Every value created so far, one per thread that called [`PerThread::with`], in no particular
    /// order, including the values of threads that have since ended.
    pub fn into_values(self) -> Vec<T> {
        let slots = self.slots.into_inner().unwrap_or_else(PoisonError::into_inner);
        slots
            .into_values()
            .map(|slot| match Arc::try_unwrap(slot) {
                Ok(value) => value.into_inner().unwrap_or_else(PoisonError::into_inner),
                Err(_) => unreachable!("no `with` can be running: into_values owns the PerThread"),
            })
            .collect()
    }

    /// Finds this thread's slot, making it with the factory on the first call. The map lock is held
    /// only to look up and to insert; the factory runs without it.
    fn my_slot(&self) -> Slot<T> {
        let me = thread::current().id();
        if let Some(slot) = self.map().get(&me) {
            return Arc::clone(slot);
        }
        // Only this thread ever inserts under its own id, so nobody can insert it meanwhile.
        let slot = Arc::new(Mutex::new((self.factory)()));
        self.map().insert(me, Arc::clone(&slot));
        slot
    }

    fn map(&self) -> MutexGuard<'_, HashMap<ThreadId, Slot<T>>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerThread").finish_non_exhaustive()
    }
}
