// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use std::collections::HashMap;
use crate::sync::{LazyLock, Mutex, PoisonError};
use crate::thread::{self, ThreadId};

/// Every thread's count, keyed by its `ThreadId` (never reused within a process, so a new thread
/// always starts from a missing entry, that is from 0). A thread only ever touches its own entry.
static COUNTS: LazyLock<Mutex<HashMap<ThreadId, u64>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Adds one to the calling thread's counter and returns the new count.
///
/// Every thread has a counter of its own that starts at 0, so the first `bump()` on any thread
/// returns 1, whatever other threads have done. A new thread does not inherit its parent's count.
pub fn bump() -> u64 {
    let me = thread::current().id();
    let mut counts = COUNTS.lock().unwrap_or_else(PoisonError::into_inner);
    let count = counts.entry(me).or_insert(0);
    *count += 1;
    *count
}

/// Starts `threads` new threads that each call [`bump`] `bumps` times, waits for all of them, and
/// returns the count each thread reached (the value of its last `bump()`, or 0 when `bumps` is 0),
/// one entry per thread.
///
/// Since every thread counts on its own, every entry is `bumps`. The calling thread's counter is
/// left alone. No threads gives an empty `Vec`.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| s.spawn(move || (0..bumps).map(|_| bump()).last().unwrap_or(0)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a counting thread panicked"))
            .collect()
    })
}
