#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: `PerThread<T>`, one value per thread created on first use, that outlives the threads so
//! their results can be merged at the end (the shape of a per-thread accumulator or a per-thread
//! connection pool).
//!
//! The README's section "Per-thread values you can collect" covers what you need.

use std::collections::HashMap;
use std::fmt;
use crate::sync::{Arc, Mutex, PoisonError, RwLock, TryLockError};
use crate::thread::{self, ThreadId};

/// One `T` per thread, made by a factory the first time a thread asks for it.
///
/// The index maps each thread to its value. Lookups take the index's read lock only, so threads that
/// already have a value never block each other; a new thread runs the factory with no lock held and
/// then takes the write lock just long enough to insert. Each value has a lock of its own that only
/// its thread takes (`into_values` takes `self`, so nobody else can).
pub struct PerThread<T> {
    factory: Box<dyn Fn() -> T + Send + Sync>,
    index: RwLock<HashMap<ThreadId, Arc<Mutex<T>>>>,
}

impl<T: Send> PerThread<T> {
    /// A `PerThread` that makes each thread's value with `factory`. Creates no value yet.
    pub fn new(factory: impl Fn() -> T + Send + Sync + 'static) -> Self {
        PerThread { factory: Box::new(factory), index: RwLock::new(HashMap::new()) }
    }

    fn lookup(&self, me: ThreadId) -> Option<Arc<Mutex<T>>> {
        self.index.read().unwrap_or_else(PoisonError::into_inner).get(&me).cloned()
    }

    fn slot(&self) -> Arc<Mutex<T>> {
        let me = thread::current().id();
        if let Some(slot) = self.lookup(me) {
            return slot;
        }
        // Only this thread ever inserts under its own id, so nobody can beat us to it between the
        // read above and the write below.
        let fresh = Arc::new(Mutex::new((self.factory)()));
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(index.entry(me).or_insert(fresh))
    }

    /// Runs `f` on the calling thread's value and returns what `f` returns.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let slot = self.slot();
        let mut value = match slot.try_lock() {
            Ok(guard) => guard,
            // an earlier `f` panicked: the value is as it left it, keep using it
            Err(TryLockError::Poisoned(poisoned)) => {
                slot.clear_poison();
                poisoned.into_inner()
            }
            Err(TryLockError::WouldBlock) => {
                panic!("PerThread::with called from inside `f` on the same thread")
            }
        };
        f(&mut value)
    }

    /// Every value created so far, one per thread that called [`PerThread::with`].
    pub fn into_values(self) -> Vec<T> {
        let index = self.index.into_inner().unwrap_or_else(PoisonError::into_inner);
        let mut values = Vec::with_capacity(index.len());
        for (_, slot) in index {
            match Arc::try_unwrap(slot) {
                Ok(mutex) => values.push(mutex.into_inner().unwrap_or_else(PoisonError::into_inner)),
                Err(_) => unreachable!("no `with` can be running once we own self"),
            }
        }
        values
    }
}

impl<T> fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerThread").finish_non_exhaustive()
    }
}
