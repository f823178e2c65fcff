// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
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
    let workers = max_workers.max(1).min(len);
    // Split the items into `workers` chunks of (position, item), one chunk per thread.
    let size = len.div_ceil(workers.max(1)).max(1);
    let mut chunks: Vec<Vec<(usize, T)>> = Vec::new();
    let mut rest = items.into_iter().enumerate().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(size).collect());
    }
    let mut slots: Vec<Option<R>> = (0..len).map(|_| None).collect();
    thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(index, item)| (index, f(item)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(done) => {
                    for (index, result) in done {
                        slots[index] = Some(result);
                    }
                }
                Err(payload) => panic::resume_unwind(payload),
            }
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.expect("every item was mapped"))
        .collect()
}
