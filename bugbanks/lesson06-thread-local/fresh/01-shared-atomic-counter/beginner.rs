#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use crate::sync::atomic::{AtomicU64, Ordering};
use crate::thread;

// One counter, bumped atomically so no increments get lost between threads.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Adds one to the calling thread's counter and returns the new count.
pub fn bump() -> u64 {
    COUNTER.fetch_add(1, Ordering::SeqCst) + 1
}

/// Starts `threads` new threads that each call [`bump`] `bumps` times and returns what each reached.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            thread::spawn(move || {
                let mut last = 0;
                for _ in 0..bumps {
                    last = bump();
                }
                last
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}
