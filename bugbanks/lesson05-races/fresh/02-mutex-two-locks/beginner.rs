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
        Self::default()
    }

    /// Adds one hit. Many threads call this at the same time; no hit may be lost.
    pub fn record(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// The number of hits recorded so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

/// Starts `threads` threads that each call [`HitCounter::record`] `per_thread` times on one shared
/// counter, waits for all of them, and returns the total.
pub fn count_hits(threads: usize, per_thread: u64) -> u64 {
    let counter = HitCounter::new();
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
}

fn read_total(total: &Mutex<u64>) -> u64 {
    *total.lock().unwrap()
}

fn write_total(total: &Mutex<u64>, value: u64) {
    *total.lock().unwrap() = value;
}

/// The same as [`count_hits`], with the total kept in a `Mutex<u64>` instead of a `HitCounter`.
pub fn count_with_mutex(threads: usize, per_thread: u64) -> u64 {
    let total = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    // every access to the number goes through the lock
                    let now = read_total(&total);
                    write_total(&total, now + 1);
                }
            });
        }
    });
    read_total(&total)
}
