// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use crate::sync::atomic::{AtomicU64, Ordering};
use crate::thread;

/// The count; starts at 0.
static COUNT: AtomicU64 = AtomicU64::new(0);

/// Adds one to the calling thread's counter and returns the new count.
///
/// Every thread has a counter of its own that starts at 0, so the first `bump()` on any thread
/// returns 1, whatever other threads have done. A new thread does not inherit its parent's count.
pub fn bump() -> u64 {
    COUNT.fetch_add(1, Ordering::SeqCst) + 1
}

/// Starts `threads` new threads that each call [`bump`] `bumps` times, waits for all of them, and
/// returns the count each thread reached (the value of its last `bump()`, or 0 when `bumps` is 0),
/// one entry per thread.
///
/// Since every thread counts on its own, every entry is `bumps`. The calling thread's counter is
/// left alone. No threads gives an empty `Vec`.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    let handles: Vec<thread::JoinHandle<u64>> = (0..threads)
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
        .map(|h| h.join().expect("a counting thread panicked"))
        .collect()
}
