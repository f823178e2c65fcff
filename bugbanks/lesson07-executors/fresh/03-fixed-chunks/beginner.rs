#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: Python's `executor.map(f, items)` with a cap on the number of threads.
//!
//! The README's sections "A bounded map" and "Keeping the input order" cover what you need.

use std::panic;
use crate::sync::Mutex;
use crate::thread;

/// Calls `f` on every item and returns the results in the order of `items` (not in the order the
/// calls finish).
///
/// - At most `max_workers` calls of `f` run at the same time; `max_workers == 0` counts as 1.
/// - When there are at least `max_workers` items, `max_workers` calls do run at the same time: a
///   call that waits for others to start is not left waiting.
/// - `f` is called exactly once per item. An empty `items` gives an empty `Vec`.
/// - If a call of `f` panics, `parallel_map` panics too.
pub fn parallel_map<T, R, F>(items: Vec<T>, max_workers: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let len = items.len();
    if len == 0 {
        return Vec::new();
    }
    // 0 counts as 1
    let workers = max_workers.max(1).min(len);
    // split the items into one chunk per worker (rounding up so nothing is left over)
    let chunk_size = len.div_ceil(workers);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(chunk_size).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let f = &f;
    let mut results = Vec::with_capacity(len);
    thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| s.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        // the chunks are in input order, so joining them in order keeps the order
        for handle in handles {
            match handle.join() {
                Ok(part) => results.extend(part),
                Err(payload) => panic::resume_unwind(payload),
            }
        }
    });
    results
}
