#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: `PerThread<T>`, one value per thread created on first use, that outlives the threads so
//! their results can be merged at the end (the shape of a per-thread accumulator or a per-thread
//! connection pool).
//!
//! The README's section "Per-thread values you can collect" covers what you need.

use std::collections::HashMap;
use std::fmt;
use crate::sync::{Mutex, PoisonError};
use crate::thread::{self, ThreadId};

/// One `T` per thread, made by a factory the first time a thread asks for it.
pub struct PerThread<T> {
    factory: Box<dyn Fn() -> T + Send + Sync>,
    values: Mutex<HashMap<ThreadId, T>>,
}

/// Holds a thread's value while `f` runs (outside the map lock) and puts it back in the map
/// when dropped, also if `f` panics.
struct Borrowed<'a, T> {
    owner: &'a Mutex<HashMap<ThreadId, T>>,
    thread: ThreadId,
    value: Option<T>,
}

impl<T> Drop for Borrowed<'_, T> {
    fn drop(&mut self) {
        if let Some(value) = self.value.take() {
            let mut values = self.owner.lock().unwrap_or_else(PoisonError::into_inner);
            values.insert(self.thread, value);
        }
    }
}

impl<T: Send> PerThread<T> {
    /// A `PerThread` that makes each thread's value with `factory`. Creates no value yet.
    pub fn new(factory: impl Fn() -> T + Send + Sync + 'static) -> Self {
        PerThread { factory: Box::new(factory), values: Mutex::new(HashMap::new()) }
    }

    /// Runs `f` on the calling thread's value and returns what `f` returns.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let me = thread::current().id();
        // take our value out of the map, so no lock is held while f runs
        let taken = self.values.lock().unwrap_or_else(PoisonError::into_inner).remove(&me);
        let value = match taken {
            Some(value) => value,
            None => (self.factory)(),
        };
        let mut borrowed = Borrowed { owner: &self.values, thread: me, value: Some(value) };
        f(borrowed.value.as_mut().expect("value is present until drop"))
    }

    /// Every value created so far, one per thread that called [`PerThread::with`].
    pub fn into_values(self) -> Vec<T> {
        self.values.into_inner().unwrap_or_else(PoisonError::into_inner).into_values().collect()
    }
}

impl<T> fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerThread").finish_non_exhaustive()
    }
}

