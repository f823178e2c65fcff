// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: a counter with several operations that must each be atomic, including one that
//! checks and then acts, and a guard that resets the counter when it goes out of scope.
//!
//! Take `Mutex` and the atomics from `crate::sync`.

use std::fmt;

// TODO: import what you need from crate::sync

/// A signed counter that many threads can change at once.
#[derive(Default)]
pub struct ThreadSafeCounter {
    // TODO: choose a field that many threads can update through `&self`
}

impl ThreadSafeCounter {
    /// A counter starting at `initial`.
    pub fn new(initial: i64) -> Self {
        // TODO: create a counter holding `initial`
        todo!("create a counter holding `initial`")
    }

    /// Adds `amount`.
    pub fn increment(&self, amount: i64) {
        // TODO: add `amount` without losing concurrent updates
        todo!("add `amount` without losing concurrent updates")
    }

    /// Subtracts `amount`.
    pub fn decrement(&self, amount: i64) {
        // TODO: subtract `amount` without losing concurrent updates
        todo!("subtract `amount` without losing concurrent updates")
    }

    /// Sets the counter back to 0.
    pub fn reset(&self) {
        // TODO: set the value to 0
        todo!("set the value to 0")
    }

    /// The current value.
    pub fn value(&self) -> i64 {
        // TODO: return the current value
        todo!("return the current value")
    }

    /// Adds `amount` only if the result stays `<= limit`, and says whether it did. The check and the
    /// add must be one atomic step: two threads must never both pass the check and overshoot. A sum
    /// above `i64::MAX` is above every limit: refused, without overflowing.
    pub fn add_capped(&self, amount: i64, limit: i64) -> bool {
        // TODO: check and add under one lock (or in one compare-exchange loop)
        todo!("check and add under one lock (or in one compare-exchange loop)")
    }

    /// Returns a guard that resets the counter to 0 when it is dropped, also while a panic unwinds:
    /// Rust's answer to Python's `with` block.
    pub fn reset_on_drop(&self) -> ResetGuard<'_> {
        // TODO: return a guard that remembers this counter
        todo!("return a guard that remembers this counter")
    }

    // TODO: add private helpers here if you want them
}

impl fmt::Debug for ThreadSafeCounter {
    /// Shows the current value, e.g. `ThreadSafeCounter { value: 3 }`, also while other threads are
    /// changing it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // TODO: show the current value, e.g. `ThreadSafeCounter { value: 3 }`
        todo!("show the current value, e.g. `ThreadSafeCounter {{ value: 3 }}`")
    }
}

/// Resets its counter to 0 when dropped. Made by [`ThreadSafeCounter::reset_on_drop`].
#[must_use = "the counter resets when this guard is dropped"]
#[derive(Debug)]
pub struct ResetGuard<'a> {
    counter: &'a ThreadSafeCounter,
}

impl Drop for ResetGuard<'_> {
    fn drop(&mut self) {
        // TODO: reset the counter
        todo!("reset the counter")
    }
}
