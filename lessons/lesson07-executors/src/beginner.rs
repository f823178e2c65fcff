// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: Python's `executor.map(f, items)` with a cap on the number of threads.
//!
//! The README's sections "A bounded map" and "Keeping the input order" cover what you need.

// TODO: import what you need from crate::sync and crate::thread

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
    // TODO: start at most max_workers scoped threads sharing one item queue; return results in input order
    todo!("start at most max_workers scoped threads sharing one item queue; return results in input order")
}
