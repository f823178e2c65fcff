// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: scoped threads that borrow from the caller, and results collected into a shared map.
//!
//! The README's sections "Borrowing from the caller: `move` and `thread::scope`" and "Getting results
//! back through shared state" cover what you need.

use std::collections::HashMap;

use std::panic;
use crate::sync::Mutex;
use crate::thread;

/// Adds up `data` by splitting it into `threads` contiguous chunks, summing each chunk on its own
/// scoped thread, and adding the partial sums (given: it is [`sum_chunks_with`] with a plain sum per
/// chunk, so the rules for splitting are that function's).
///
/// The result always equals `data.iter().sum::<u64>()`.
pub fn sum_chunks(data: &[u64], threads: usize) -> u64 {
    sum_chunks_with(data, threads, |chunk| chunk.iter().sum())
}

/// Splits `data` into `threads` contiguous chunks, calls `sum_chunk` on every chunk, each call on a
/// scoped thread of its own (the threads borrow `data`: no copy, no `Arc`), all chunks at the same
/// time, and returns the sum of what the calls returned.
///
/// `sum_chunk` is the work done per chunk ([`sum_chunks`] passes a plain sum). Taking it as an
/// argument is what lets a caller see that the chunks really are handled on threads of their own, at
/// the same time, as `check_all`'s `check` does for hosts. How the work is split:
///
/// - The chunks differ in length by at most one, and together cover every element exactly once, in
///   order, also when `threads` does not divide `data.len()`. `sum_chunk` is called once per chunk and
///   never with an empty chunk.
/// - `threads == 0` is treated as `1`: there is always at least one worker.
/// - `threads > data.len()` starts only `data.len()` threads (one element each): a thread with
///   nothing to add is never started. An empty `data` returns `0` without starting any thread or
///   calling `sum_chunk`.
pub fn sum_chunks_with<F>(data: &[u64], threads: usize, sum_chunk: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Sync,
{
    if data.is_empty() {
        return 0;
    }
    // at least one thread, and never more threads than elements
    let workers = threads.max(1).min(data.len());
    let base = data.len() / workers;
    let extra = data.len() % workers; // the first `extra` chunks get one more element

    let sum_chunk = &sum_chunk;
    thread::scope(|s| {
        let mut handles = Vec::with_capacity(workers);
        let mut start = 0;
        for i in 0..workers {
            let len = base + usize::from(i < extra);
            let chunk = &data[start..start + len];
            start += len;
            handles.push(s.spawn(move || sum_chunk(chunk)));
        }
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_else(|payload| panic::resume_unwind(payload)))
            .sum()
    })
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
    let answers = Mutex::new(HashMap::new());
    let check = &check;
    thread::scope(|s| {
        for &host in hosts {
            let answers = &answers;
            s.spawn(move || {
                answers.lock().unwrap().insert(host.to_owned(), check(host));
            });
        }
    });
    answers.into_inner().unwrap()
}
