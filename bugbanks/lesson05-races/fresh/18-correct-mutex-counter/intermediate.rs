//! Intermediate: a counter with several operations that must each be atomic, including one that
//! checks and then acts, and a guard that resets the counter when it goes out of scope.

use std::fmt;

use crate::sync::{Mutex, MutexGuard};

/// A signed counter that many threads can change at once.
#[derive(Default)]
pub struct ThreadSafeCounter {
    value: Mutex<i64>,
}

impl ThreadSafeCounter {
    /// A counter starting at `initial`.
    pub fn new(initial: i64) -> Self {
        ThreadSafeCounter { value: Mutex::new(initial) }
    }

    /// Locks the value; nothing here panics while holding the lock, but recover anyway.
    fn lock(&self) -> MutexGuard<'_, i64> {
        self.value.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds `amount`.
    pub fn increment(&self, amount: i64) {
        let mut value = self.lock();
        // wraps like an atomic fetch_add would
        *value = value.wrapping_add(amount);
    }

    /// Subtracts `amount`.
    pub fn decrement(&self, amount: i64) {
        let mut value = self.lock();
        *value = value.wrapping_sub(amount);
    }

    /// Sets the counter back to 0.
    pub fn reset(&self) {
        *self.lock() = 0;
    }

    /// The current value.
    pub fn value(&self) -> i64 {
        *self.lock()
    }

    /// Adds `amount` only if the result stays `<= limit`, and says whether it did. The check and the
    /// add must be one atomic step: two threads must never both pass the check and overshoot. A sum
    /// above `i64::MAX` is above every limit: refused, without overflowing.
    pub fn add_capped(&self, amount: i64, limit: i64) -> bool {
        let mut value = self.lock();
        match value.checked_add(amount) {
            Some(sum) if sum <= limit => {
                *value = sum;
                true
            }
            _ => false,
        }
    }

    /// Returns a guard that resets the counter to 0 when it is dropped, also while a panic unwinds:
    /// Rust's answer to Python's `with` block.
    pub fn reset_on_drop(&self) -> ResetGuard<'_> {
        ResetGuard { counter: self }
    }
}

impl fmt::Debug for ThreadSafeCounter {
    /// Shows the current value, e.g. `ThreadSafeCounter { value: 3 }`, also while other threads are
    /// changing it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.value();
        f.debug_struct("ThreadSafeCounter").field("value", &value).finish()
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
        self.counter.reset();
    }
}
