//! Intermediate: scoped threads that borrow from the caller, and results collected into a shared map.
//!
//! The README's sections "Borrowing from the caller: `move` and `thread::scope`" and "Getting results
//! back through shared state" cover what you need.

use std::collections::HashMap;

// BEGIN SOLUTION (comment): import what you need from std::sync and std::thread
use std::sync::Mutex;
use std::thread;
// END SOLUTION

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
    // BEGIN SOLUTION: split `data` into chunks, one scoped thread per chunk, add up the partial sums
    let workers = threads.max(1).min(data.len());
    if workers == 0 {
        return 0;
    }
    // `base` elements for every worker, and one more for the first `extra` of them.
    let (base, extra) = (data.len() / workers, data.len() % workers);
    thread::scope(|s| {
        let mut rest = data;
        let mut handles = Vec::with_capacity(workers);
        for i in 0..workers {
            let (chunk, tail) = rest.split_at(base + usize::from(i < extra));
            rest = tail;
            handles.push(s.spawn(move || chunk.iter().sum::<u64>()));
        }
        handles
            .into_iter()
            .map(|h| h.join().expect("summing a chunk cannot panic"))
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
