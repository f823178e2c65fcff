//! Beginner: a hit counter that many threads bump at once, without losing a single hit.

use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::{Arc, Mutex};
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

/// Starts `threads` threads that each call [`HitCounter::record`] `per_thread` times on one shared
/// counter, waits for all of them, and returns the total.
pub fn count_hits(threads: usize, per_thread: u64) -> u64 {
    let counter = Arc::new(HitCounter::new());
    let handles: Vec<thread::JoinHandle<()>> = (0..threads)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..per_thread {
                    counter.record();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    counter.hits()
}

/// The same as [`count_hits`], with the total kept in a `Mutex<u64>` instead of a `HitCounter`.
pub fn count_with_mutex(threads: usize, per_thread: u64) -> u64 {
    let total = Arc::new(Mutex::new(0u64));
    let handles: Vec<thread::JoinHandle<()>> = (0..threads)
        .map(|_| {
            let total = Arc::clone(&total);
            thread::spawn(move || {
                for _ in 0..per_thread {
                    *total.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap());
    let result = *total.lock().unwrap();
    result
}
