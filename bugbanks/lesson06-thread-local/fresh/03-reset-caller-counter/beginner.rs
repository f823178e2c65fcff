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
    COUNT.with(|c| {
        c.set(c.get() + 1);
        c.get()
    })
}

/// Starts `threads` new threads that each call [`bump`] `bumps` times and returns what each reached.
pub fn count_per_thread(threads: usize, bumps: u64) -> Vec<u64> {
    // start the workers from a clean slate
    COUNT.set(0);
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
    handles.into_iter().map(|h| h.join().expect("counting thread panicked")).collect()
}
