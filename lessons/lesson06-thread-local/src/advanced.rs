// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: `PerThread<T>`, one value per thread created on first use, that outlives the threads so
//! their results can be merged at the end (the shape of a per-thread accumulator or a per-thread
//! connection pool).
//!
//! The README's section "Per-thread values you can collect" covers what you need.

use crate::thread::{self, ThreadId};
use std::fmt;

// TODO: import what you need

/// One `T` per thread, made by a factory the first time a thread asks for it.
///
/// `PerThread<T>` is `Send + Sync` when `T: Send`, so one value (in an `Arc`, or borrowed by scoped
/// threads) serves every thread. Each thread only ever sees its own `T`.
pub struct PerThread<T> {
    // TODO: choose the fields (the factory, and every thread's value)
    // A placeholder that lets this file compile (and gives PerThread the Send + Sync of a
    // Mutex<T>); replace it with your fields.
    _values: std::marker::PhantomData<crate::sync::Mutex<T>>,
}

impl<T: Send> PerThread<T> {
    /// A `PerThread` that makes each thread's value with `factory`. Creates no value yet.
    pub fn new(factory: impl Fn() -> T + Send + Sync + 'static) -> Self {
        // TODO: keep the factory and start with no values at all
        todo!("keep the factory and start with no values at all")
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
        // TODO: find or create this thread's value, then run `f` on it without holding any shared lock
        todo!("find or create this thread's value, then run `f` on it without holding any shared lock")
    }

    /// Every value created so far, one per thread that called [`PerThread::with`], in no particular
    /// order, including the values of threads that have since ended.
    pub fn into_values(self) -> Vec<T> {
        // TODO: take every thread's value out, whether or not its thread is still running
        todo!("take every thread's value out, whether or not its thread is still running")
    }

    // TODO: add helpers if you want
}

impl<T> fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerThread").finish_non_exhaustive()
    }
}
