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

impl<T: Send> PerThread<T> {
    /// A `PerThread` that makes each thread's value with `factory`. Creates no value yet.
    pub fn new(factory: impl Fn() -> T + Send + Sync + 'static) -> Self {
        PerThread { factory: Box::new(factory), values: Mutex::new(HashMap::new()) }
    }

    /// Runs `f` on the calling thread's value and returns what `f` returns.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let me = thread::current().id();
        let mut values = self.values.lock().unwrap_or_else(PoisonError::into_inner);
        // first call on this thread: make its value
        let value = values.entry(me).or_insert_with(|| (self.factory)());
        f(value)
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

