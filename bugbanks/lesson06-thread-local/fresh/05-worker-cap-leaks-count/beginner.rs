#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a counter that every thread has its own copy of.
//!
//! The README's sections "`thread_local!`: one value per thread" and "A new thread starts from
//! scratch" cover what you need.

use std::cell::Cell;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::Mutex;
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
    // Don't start more threads than the machine has cores: workers pick up
    // the next entry until all of them are done.
    let cores = thread::available_parallelism().map(|n| n.get()).unwrap_or(4);
    let workers = cores.min(threads);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(vec![0u64; threads]);
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= threads {
                    break;
                }
                let mut last = 0;
                for _ in 0..bumps {
                    last = bump();
                }
                results.lock().unwrap()[i] = last;
            });
        }
    });
    results.into_inner().unwrap()
}
