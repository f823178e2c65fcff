// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: Python's `executor.map(f, items)` with a cap on the number of threads.
//!
//! The README's sections "A bounded map" and "Keeping the input order" cover what you need.

use crate::sync::Mutex;
use crate::sync::atomic::{AtomicUsize, Ordering};
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
    // Each item and each result has a slot of its own; an atomic counter hands out the positions,
    // so every position goes to exactly one worker and no lock is shared between the workers.
    let inputs: Vec<Mutex<Option<T>>> = items.into_iter().map(|item| Mutex::new(Some(item))).collect();
    let outputs: Vec<Mutex<Option<R>>> = inputs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = max_workers.max(1).min(inputs.len());
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(index) else { break };
                    let item = input.lock().unwrap().take().expect("each position is taken once");
                    let result = f(item);
                    *outputs[index].lock().unwrap() = Some(result);
                }
            });
        }
        // Leaving the scope joins every worker; a worker's panic is re-raised here.
    });
    outputs
        .into_iter()
        .map(|slot| slot.into_inner().unwrap().expect("every position was mapped"))
        .collect()
}
