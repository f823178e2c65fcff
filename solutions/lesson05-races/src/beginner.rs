//! Beginner: a hit counter that many threads bump at once, without losing a single hit.
//!
//! Take `Mutex`, `Arc` and the atomics from `crate::sync`, and `spawn`/`scope` from `crate::thread`.

// BEGIN SOLUTION (comment): import what you need from crate::sync and crate::thread
use crate::sync::Mutex;
use crate::sync::atomic::{AtomicU64, Ordering};
use crate::thread;
// END SOLUTION

/// Counts page hits. Shared by reference between threads, so every method takes `&self`.
#[derive(Debug, Default)]
pub struct HitCounter {
    // BEGIN SOLUTION (comment): choose a field that many threads can update through `&self`
    hits: AtomicU64,
    // END SOLUTION
}

impl HitCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        // BEGIN SOLUTION: create a counter at zero
        Self::default()
        // END SOLUTION
    }

    /// Adds one hit. Many threads call this at the same time; no hit may be lost.
    pub fn record(&self) {
        // BEGIN SOLUTION: add one in a single atomic step (a separate load and store loses hits)
        // One read-modify-write: no other thread can slip in between the read and the write.
        self.hits.fetch_add(1, Ordering::Relaxed);
        // END SOLUTION
    }

    /// The number of hits recorded so far.
    pub fn hits(&self) -> u64 {
        // BEGIN SOLUTION: return the current count
        self.hits.load(Ordering::Relaxed)
        // END SOLUTION
    }
}

/// Starts `threads` threads that each call [`HitCounter::record`] `per_thread` times on one shared
/// counter, waits for all of them, and returns the total.
pub fn count_hits(threads: usize, per_thread: u64) -> u64 {
    // BEGIN SOLUTION: share one HitCounter between `threads` threads, join them all, return the total
    let counter = HitCounter::new();
    // A scope lets the threads borrow `counter`; it joins every thread before it returns.
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    counter.record();
                }
            });
        }
    });
    counter.hits()
    // END SOLUTION
}

/// The same as [`count_hits`], with the total kept in a `Mutex<u64>` instead of a `HitCounter`.
pub fn count_with_mutex(threads: usize, per_thread: u64) -> u64 {
    // BEGIN SOLUTION: share one Mutex<u64> between `threads` threads, join them all, return the total
    let total = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    // The guard is the critical section: read, add and write happen while it lives.
                    *total.lock().unwrap() += 1;
                }
            });
        }
    });
    total.into_inner().unwrap()
    // END SOLUTION
}
