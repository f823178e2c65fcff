// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use std::cell::Cell;
use crate::thread;

crate::thread::thread_local! {
    /// This thread's count; every thread starts at 0.
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

/// Adds one to the calling thread's counter and returns the new count.
///
/// Every thread has a counter of its own that starts at 0, so the first `bump()` on any thread
/// returns 1, whatever other threads have done. A new thread does not inherit its parent's count.
pub fn bump() -> u64 {
    let next = COUNT.get() + 1;
    COUNT.set(next);
    next
}

/// Starts `threads` new threads that each call [`bump`] `bumps` times, waits for all of them, and
/// returns the count each thread reached (the value of its last `bump()`, or 0 when `bumps` is 0),
/// one entry per thread.
///
/// Since every thread counts on its own, every entry is `bumps`. The calling thread's counter is
/// left alone. No threads gives an empty `Vec`.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    let handles: Vec<thread::JoinHandle<()>> = (0..threads)
        .map(|_| {
            thread::spawn(move || {
                for _ in 0..bumps {
                    bump();
                }
            })
        })
        .collect();
    let mut counts = Vec::with_capacity(threads);
    for h in handles {
        h.join().expect("a counting thread panicked");
        counts.push(COUNT.get());
    }
    counts
}
