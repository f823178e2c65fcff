//! Intermediate: a counter with several operations that must each be atomic, including one that
//! checks and then acts, and a guard that resets the counter when it goes out of scope.
//!
//! Take `Mutex` and the atomics from `crate::sync`.

use std::fmt;

// BEGIN SOLUTION (comment): import what you need from crate::sync
use crate::sync::Mutex;
// END SOLUTION

/// A signed counter that many threads can change at once.
#[derive(Default)]
pub struct ThreadSafeCounter {
    // BEGIN SOLUTION (comment): choose a field that many threads can update through `&self`
    value: Mutex<i64>,
    // END SOLUTION
}

impl ThreadSafeCounter {
    /// A counter starting at `initial`.
    pub fn new(initial: i64) -> Self {
        // BEGIN SOLUTION: create a counter holding `initial`
        Self {
            value: Mutex::new(initial),
        }
        // END SOLUTION
    }

    /// Adds `amount`.
    pub fn increment(&self, amount: i64) {
        // BEGIN SOLUTION: add `amount` without losing concurrent updates
        *self.lock() += amount;
        // END SOLUTION
    }

    /// Subtracts `amount`.
    pub fn decrement(&self, amount: i64) {
        // BEGIN SOLUTION: subtract `amount` without losing concurrent updates
        *self.lock() -= amount;
        // END SOLUTION
    }

    /// Sets the counter back to 0.
    pub fn reset(&self) {
        // BEGIN SOLUTION: set the value to 0
        *self.lock() = 0;
        // END SOLUTION
    }

    /// The current value.
    pub fn value(&self) -> i64 {
        // BEGIN SOLUTION: return the current value
        *self.lock()
        // END SOLUTION
    }

    /// Adds `amount` only if the result stays `<= limit`, and says whether it did. The check and the
    /// add must be one atomic step: two threads must never both pass the check and overshoot. A sum
    /// above `i64::MAX` is above every limit: refused, without overflowing.
    pub fn add_capped(&self, amount: i64, limit: i64) -> bool {
        // BEGIN SOLUTION: check and add under one lock (or in one compare-exchange loop)
        // One guard covers the check and the write, so no other thread can act in between.
        let mut value = self.lock();
        match value.checked_add(amount) {
            Some(next) if next <= limit => {
                *value = next;
                true
            }
            _ => false,
        }
        // END SOLUTION
    }

    /// Returns a guard that resets the counter to 0 when it is dropped, also while a panic unwinds:
    /// Rust's answer to Python's `with` block.
    pub fn reset_on_drop(&self) -> ResetGuard<'_> {
        // BEGIN SOLUTION: return a guard that remembers this counter
        ResetGuard { counter: self }
        // END SOLUTION
    }

    // BEGIN SOLUTION (comment): add private helpers here if you want them
    /// Locks the value. A panic in another thread while it held the lock leaves the `i64` whole, so a
    /// poisoned lock is still safe to use.
    fn lock(&self) -> crate::sync::MutexGuard<'_, i64> {
        self.value.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    // END SOLUTION
}

impl fmt::Debug for ThreadSafeCounter {
    /// Shows the current value, e.g. `ThreadSafeCounter { value: 3 }`, also while other threads are
    /// changing it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // BEGIN SOLUTION: show the current value, e.g. `ThreadSafeCounter { value: 3 }`
        f.debug_struct("ThreadSafeCounter")
            .field("value", &self.value())
            .finish()
        // END SOLUTION
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
        // BEGIN SOLUTION: reset the counter
        self.counter.reset();
        // END SOLUTION
    }
}
