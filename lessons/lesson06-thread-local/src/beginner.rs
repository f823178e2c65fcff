// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use crate::thread;

// TODO: declare the per-thread counter with crate::thread::thread_local! (and import what it needs)

/// Adds one to the calling thread's counter and returns the new count.
///
/// Every thread has a counter of its own that starts at 0, so the first `bump()` on any thread
/// returns 1, whatever other threads have done. A new thread does not inherit its parent's count.
pub fn bump() -> u64 {
    // TODO: add one to this thread's counter and return the new value
    todo!("add one to this thread's counter and return the new value")
}

/// Starts `threads` new threads that each call [`bump`] `bumps` times, waits for all of them, and
/// returns the count each thread reached (the value of its last `bump()`, or 0 when `bumps` is 0),
/// one entry per thread.
///
/// Since every thread counts on its own, every entry is `bumps`. The calling thread's counter is
/// left alone. No threads gives an empty `Vec`.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    // TODO: spawn the threads, let each bump its own counter, and collect the counts it reached
    todo!("spawn the threads, let each bump its own counter, and collect the counts it reached")
}
