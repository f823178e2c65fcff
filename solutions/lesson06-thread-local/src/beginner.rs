//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use crate::thread;

// BEGIN SOLUTION (comment): declare the per-thread counter with crate::thread::thread_local! (and import what it needs)
use crate::thread::thread_local;
use std::cell::Cell;

thread_local! {
    // `const` initialisation: no lazy-init check on every access, since 0 is known at compile time.
    static BUMPS: Cell<u64> = const { Cell::new(0) };
}
// END SOLUTION

/// Adds one to the calling thread's counter and returns the new count.
///
/// Every thread has a counter of its own that starts at 0, so the first `bump()` on any thread
/// returns 1, whatever other threads have done. A new thread does not inherit its parent's count.
pub fn bump() -> u64 {
    // BEGIN SOLUTION: add one to this thread's counter and return the new value
    // `Cell` keys have get/set on the key itself; no `with` needed for a Copy value.
    let next = BUMPS.get() + 1;
    BUMPS.set(next);
    next
    // END SOLUTION
}

/// Starts `threads` new threads that each call [`bump`] `bumps` times, waits for all of them, and
/// returns the count each thread reached (the value of its last `bump()`, or 0 when `bumps` is 0),
/// one entry per thread.
///
/// Since every thread counts on its own, every entry is `bumps`. The calling thread's counter is
/// left alone. No threads gives an empty `Vec`.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    // BEGIN SOLUTION: spawn the threads, let each bump its own counter, and collect the counts it reached
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            thread::spawn(move || {
                let mut reached = 0;
                for _ in 0..bumps {
                    reached = bump();
                }
                reached
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|handle| handle.join().expect("a counting thread panicked"))
        .collect()
    // END SOLUTION
}
