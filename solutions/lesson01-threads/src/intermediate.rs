//! Intermediate: scoped threads that borrow from the caller, and results collected into a shared map.
//!
//! The README's sections "Borrowing from the caller: `move` and `thread::scope`" and "Getting results
//! back through shared state" cover what you need.

use std::collections::HashMap;

// BEGIN SOLUTION (comment): import what you need from crate::sync and crate::thread
use crate::sync::Mutex;
use crate::thread;
// END SOLUTION

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
    // BEGIN SOLUTION: split `data` into chunks; one scoped thread per chunk calls `sum_chunk`; add up
    let workers = threads.max(1).min(data.len());
    if workers == 0 {
        return 0;
    }
    // `base` elements for every worker, and one more for the first `extra` of them.
    let (base, extra) = (data.len() / workers, data.len() % workers);
    let sum_chunk = &sum_chunk;
    thread::scope(|s| {
        let mut rest = data;
        let mut handles = Vec::with_capacity(workers);
        for i in 0..workers {
            let (chunk, tail) = rest.split_at(base + usize::from(i < extra));
            rest = tail;
            handles.push(s.spawn(move || sum_chunk(chunk)));
        }
        // Joined only after every thread was spawned, so the chunks are summed at the same time.
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(partial) => partial,
                // Pass a panic of `sum_chunk` on unchanged.
                Err(payload) => std::panic::resume_unwind(payload),
            })
            .sum()
    })
    // END SOLUTION
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
    // BEGIN SOLUTION: one scoped thread per host: run `check`, record the answer in a Mutex<HashMap>
    let results = Mutex::new(HashMap::with_capacity(hosts.len()));
    thread::scope(|s| {
        for &host in hosts {
            let (check, results) = (&check, &results);
            s.spawn(move || {
                // Run the slow check without holding the lock, so the checks overlap; lock only to
                // record the answer.
                let up = check(host);
                results.lock().unwrap().insert(host.to_owned(), up);
            });
        }
    }); // every thread is joined here
    results.into_inner().unwrap()
    // END SOLUTION
}
