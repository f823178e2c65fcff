//! Beginner: a hit counter that many threads bump at once, without losing a single hit.

use crate::sync::Mutex;
use crate::sync::atomic::{AtomicU64, Ordering};
use crate::thread;

/// No point starting more threads than a machine has cores; extra work is spread over these.
const MAX_WORKERS: usize = 16;

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
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// The number of hits recorded so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

/// How many of the `threads` logical workers worker `index` (out of `workers`) stands in for.
fn share(threads: usize, workers: usize, index: usize) -> u64 {
    let base = threads / workers;
    let extra = usize::from(index < threads % workers);
    (base + extra) as u64
}

/// Starts `threads` threads that each call [`HitCounter::record`] `per_thread` times on one shared
/// counter, waits for all of them, and returns the total.
pub fn count_hits(threads: usize, per_thread: u64) -> u64 {
    let counter = HitCounter::new();
    let workers = threads.min(MAX_WORKERS);
    thread::scope(|s| {
        for index in 0..workers {
            let counter = &counter;
            let rounds = share(threads, workers, index) * per_thread;
            s.spawn(move || {
                for _ in 0..rounds {
                    counter.record();
                }
            });
        }
    });
    counter.hits()
}

/// The same as [`count_hits`], with the total kept in a `Mutex<u64>` instead of a `HitCounter`.
pub fn count_with_mutex(threads: usize, per_thread: u64) -> u64 {
    let total = Mutex::new(0u64);
    let workers = threads.min(MAX_WORKERS);
    thread::scope(|s| {
        for index in 0..workers {
            let total = &total;
            let rounds = share(threads, workers, index) * per_thread;
            s.spawn(move || {
                for _ in 0..rounds {
                    *total.lock().unwrap() += 1;
                }
            });
        }
    });
    let result = *total.lock().unwrap();
    result
}
