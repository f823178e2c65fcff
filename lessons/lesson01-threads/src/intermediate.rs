// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: scoped threads that borrow from the caller, and results collected into a shared map.
//!
//! The README's sections "Borrowing from the caller: `move` and `thread::scope`" and "Getting results
//! back through shared state" cover what you need.

use std::collections::HashMap;

// TODO: import what you need from std::sync and std::thread

/// Adds up `data` by splitting it into `threads` contiguous chunks, summing each chunk on its own
/// scoped thread (the threads borrow `data`: no copy, no `Arc`), and adding the partial sums.
///
/// The result always equals `data.iter().sum::<u64>()`. How the work is split:
///
/// - The chunks differ in length by at most one, and together cover every element exactly once, also
///   when `threads` does not divide `data.len()`.
/// - `threads == 0` is treated as `1`: there is always at least one worker.
/// - `threads > data.len()` starts only `data.len()` threads (one element each): a thread with
///   nothing to add is never started. An empty `data` returns `0` without starting any thread.
pub fn sum_chunks(data: &[u64], threads: usize) -> u64 {
    // TODO: split `data` into chunks, one scoped thread per chunk, add up the partial sums
    todo!("split `data` into chunks, one scoped thread per chunk, add up the partial sums")
}

/// Runs `check` once for every entry of `hosts`, each on its own thread, all at the same time, and
/// returns a map from host to the answer `check` gave.
///
/// `check` stands for a blocking network probe (a ping, an HTTP request): while one host is slow to
/// answer, the others are being checked. The threads record their answers in one
/// `Mutex<HashMap<String, bool>>`. A host listed twice is checked twice and appears once in the map.
/// An empty `hosts` gives an empty map.
pub fn check_all<F>(hosts: &[&str], check: F) -> HashMap<String, bool>
where
    F: Fn(&str) -> bool + Sync,
{
    // TODO: one scoped thread per host: run `check`, record the answer in a Mutex<HashMap>
    todo!("one scoped thread per host: run `check`, record the answer in a Mutex<HashMap>")
}
