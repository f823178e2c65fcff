// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a hit counter that many threads bump at once, without losing a single hit.
//!
//! Take `Mutex`, `Arc` and the atomics from `crate::sync`, and `spawn`/`scope` from `crate::thread`.

// TODO: import what you need from crate::sync and crate::thread

/// Counts page hits. Shared by reference between threads, so every method takes `&self`.
#[derive(Debug, Default)]
pub struct HitCounter {
    // TODO: choose a field that many threads can update through `&self`
}

impl HitCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        // TODO: create a counter at zero
        todo!("create a counter at zero")
    }

    /// Adds one hit. Many threads call this at the same time; no hit may be lost.
    pub fn record(&self) {
        // TODO: add one in a single atomic step (a separate load and store loses hits)
        todo!("add one in a single atomic step (a separate load and store loses hits)")
    }

    /// The number of hits recorded so far.
    pub fn hits(&self) -> u64 {
        // TODO: return the current count
        todo!("return the current count")
    }
}

/// Starts `threads` threads that each call [`HitCounter::record`] `per_thread` times on one shared
/// counter, waits for all of them, and returns the total.
pub fn count_hits(threads: usize, per_thread: u64) -> u64 {
    // TODO: share one HitCounter between `threads` threads, join them all, return the total
    todo!("share one HitCounter between `threads` threads, join them all, return the total")
}

/// The same as [`count_hits`], with the total kept in a `Mutex<u64>` instead of a `HitCounter`.
pub fn count_with_mutex(threads: usize, per_thread: u64) -> u64 {
    // TODO: share one Mutex<u64> between `threads` threads, join them all, return the total
    todo!("share one Mutex<u64> between `threads` threads, join them all, return the total")
}
