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
    // no point starting more threads than there are items
    let workers = max_workers.min(len);
    let queue = Mutex::new(items.into_iter().enumerate());
    let mut slots: Vec<Option<R>> = (0..len).map(|_| None).collect();
    let f = &f;
    let queue = &queue;
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        // only hold the lock while taking the next item
                        let next = queue.lock().unwrap().next();
                        let Some((index, item)) = next else { break };
                        done.push((index, f(item)));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(done) => {
                    for (index, value) in done {
                        slots[index] = Some(value);
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
