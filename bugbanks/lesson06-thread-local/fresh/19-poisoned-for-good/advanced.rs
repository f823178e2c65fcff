#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: `PerThread<T>`, one value per thread created on first use, that outlives the threads so
//! their results can be merged at the end (the shape of a per-thread accumulator or a per-thread
//! connection pool).
//!
//! The README's section "Per-thread values you can collect" covers what you need.

use std::collections::HashMap;
use std::fmt;
use crate::sync::{Arc, Mutex, PoisonError, TryLockError};
use crate::thread::{self, ThreadId};

/// A thread's value: empty until the factory has run on that thread.
type Slot<T> = Arc<Mutex<Option<T>>>;

/// One `T` per thread, made by a factory the first time a thread asks for it.
pub struct PerThread<T> {
    factory: Box<dyn Fn() -> T + Send + Sync>,
    slots: Mutex<HashMap<ThreadId, Slot<T>>>,
}

impl<T: Send> PerThread<T> {
    /// A `PerThread` that makes each thread's value with `factory`. Creates no value yet.
    pub fn new(factory: impl Fn() -> T + Send + Sync + 'static) -> Self {
        PerThread { factory: Box::new(factory), slots: Mutex::new(HashMap::new()) }
    }

    /// This thread's slot (made empty on its first call). The map is locked only for the lookup.
    fn my_slot(&self) -> Slot<T> {
        let me = thread::current().id();
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(me).or_default())
    }

    /// Runs `f` on the calling thread's value and returns what `f` returns.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let slot = self.my_slot();
        // Only this thread ever locks its slot, so if it is taken we are already inside
        // with on this thread: refuse instead of deadlocking.
        let mut guard = match slot.try_lock() {
            Ok(guard) => guard,
            Err(_) => panic!("PerThread::with called from inside with on the same thread"),
        };
        let value = guard.get_or_insert_with(|| (self.factory)());
        f(value)
    }

    /// Every value created so far, one per thread that called [`PerThread::with`].
    pub fn into_values(self) -> Vec<T> {
        let slots = self.slots.into_inner().unwrap_or_else(PoisonError::into_inner);
        slots
            .into_values()
            .filter_map(|slot| match Arc::try_unwrap(slot) {
                Ok(mutex) => mutex.into_inner().unwrap_or_else(PoisonError::into_inner),
                Err(_) => None,
            })
            .collect()
    }
}

impl<T> fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerThread").finish_non_exhaustive()
    }
}

