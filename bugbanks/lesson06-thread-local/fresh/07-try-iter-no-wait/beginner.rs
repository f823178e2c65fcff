#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use std::cell::Cell;
use crate::sync::mpsc;
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
    let (tx, rx) = mpsc::channel();
    for _ in 0..threads {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut last = 0;
            for _ in 0..bumps {
                last = bump();
            }
            let _ = tx.send(last);
        });
    }
    drop(tx);
    // every worker sends exactly one count
    rx.try_iter().take(threads).collect()
}
