//! Beginner: a hit counter that many threads bump at once, without losing a single hit.

use crate::sync::Mutex;
use crate::sync::atomic::{AtomicU64, Ordering};
use crate::thread;

/// Counts page hits. Shared by reference between threads, so every method takes `&self`.
#[derive(Debug, Default)]
pub struct HitCounter {
    hits: AtomicU64,
}

impl HitCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        HitCounter { hits: AtomicU64::new(0) }
    }

    /// Adds one hit. Many threads call this at the same time; no hit may be lost.
    pub fn record(&self) {
        self.hits.fetch_add(1, Ordering::SeqCst);
    }

    /// The number of hits recorded so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

fn record_many(counter: &HitCounter, times: u64) {
    for _ in 0..times {
        counter.record();
    }
}

/// Starts `threads` threads that each call [`HitCounter::record`] `per_thread` times on one shared
/// counter, waits for all of them, and returns the total.
pub fn count_hits(threads: usize, per_thread: u64) -> u64 {
    let counter = HitCounter::new();
    thread::scope(|s| {
        // the calling thread would only sit waiting, so it does one thread's share itself
        for _ in 0..threads - 1 {
            s.spawn(|| record_many(&counter, per_thread));
        }
        record_many(&counter, per_thread);
    });
    counter.hits()
}

/// The same as [`count_hits`], with the total kept in a `Mutex<u64>` instead of a `HitCounter`.
pub fn count_with_mutex(threads: usize, per_thread: u64) -> u64 {
    let total = Mutex::new(0u64);
    let add_all = || {
        for _ in 0..per_thread {
            *total.lock().unwrap() += 1;
        }
    };
    thread::scope(|s| {
        for _ in 0..threads - 1 {
            s.spawn(add_all);
        }
        add_all();
    });
    let result = *total.lock().unwrap();
    result
}
