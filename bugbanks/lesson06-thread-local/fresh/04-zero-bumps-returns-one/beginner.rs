#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use std::cell::Cell;
use crate::thread;

crate::thread::thread_local! {
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

/// Adds one to the calling thread's counter and returns the new count.
pub fn bump() -> u64 {
    let n = COUNT.get() + 1;
    COUNT.set(n);
    n
}

/// Starts `threads` new threads that each call [`bump`] `bumps` times and returns what each reached.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    let handles: Vec<thread::JoinHandle<u64>> = (0..threads)
        .map(|_| {
            thread::spawn(move || {
                // all but the last bump, then the last one gives the count reached
                for _ in 1..bumps {
                    bump();
                }
                bump()
            })
        })
        .collect();
    let mut counts = Vec::with_capacity(threads);
    for handle in handles {
        counts.push(handle.join().unwrap());
    }
    counts
}
