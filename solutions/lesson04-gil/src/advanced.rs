//! Advanced: escape the lock for CPU work, with scoped threads and with rayon under
//! `allow_threads`, and Amdahl's law for the speedup to expect.

use crate::interp::{GilLock, Py};
// BEGIN SOLUTION (comment): import what you need (std::thread, rayon)
use rayon::prelude::*;
use std::thread;
// END SOLUTION

/// Amdahl's law: the speedup of a program whose `parallel_fraction` (0.0 to 1.0) runs on `workers`
/// workers and whose rest runs on one: `1 / ((1 - p) + p / workers)`.
///
/// # Panics
/// When `parallel_fraction` is outside 0.0..=1.0 (or NaN), or `workers` is 0.
pub fn amdahl(parallel_fraction: f64, workers: usize) -> f64 {
    // BEGIN SOLUTION: check the arguments, then the formula
    assert!(
        (0.0..=1.0).contains(&parallel_fraction),
        "parallel_fraction must be between 0 and 1, got {parallel_fraction}"
    );
    assert!(workers > 0, "workers must be at least 1");
    1.0 / ((1.0 - parallel_fraction) + parallel_fraction / workers as f64)
    // END SOLUTION
}

/// Applies `f` to every item of `data` on scoped threads, one per chunk: `data` cut into contiguous
/// chunks of `data.len().div_ceil(workers)` items (the last one may be shorter), so at most `workers`
/// of them, all running at once. The interpreter lock is released the whole time; the results come
/// back in input order (empty `data` gives an empty `Vec`).
///
/// # Panics
/// When `workers` is 0.
pub fn map_on_threads<L: GilLock>(
    py: &mut Py<'_, L>,
    data: &[u64],
    workers: usize,
    f: impl Fn(u64) -> u64 + Sync,
) -> Vec<u64> {
    // BEGIN SOLUTION: inside py.allow_threads, split data into chunks, one scoped thread per chunk
    assert!(workers > 0, "workers must be at least 1");
    py.allow_threads(|| {
        if data.is_empty() {
            return Vec::new();
        }
        let chunk = data.len().div_ceil(workers);
        let f = &f;
        thread::scope(|s| {
            let handles: Vec<_> = data
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(|&x| f(x)).collect::<Vec<u64>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a worker panicked"))
                .collect()
        })
    })
    // END SOLUTION
}

/// The same with rayon, on a local pool of `workers` threads (never rayon's global pool), with the
/// interpreter lock released the whole time; results in input order. This is what
/// `multiprocessing.Pool(workers).map(f, data)` does in Python, without the processes.
///
/// # Panics
/// When `workers` is 0.
pub fn map_with_rayon<L: GilLock>(
    py: &mut Py<'_, L>,
    data: &[u64],
    workers: usize,
    f: impl Fn(u64) -> u64 + Sync + Send,
) -> Vec<u64> {
    // BEGIN SOLUTION: build a rayon ThreadPool of `workers` threads; inside py.allow_threads, install a par_iter map
    assert!(workers > 0, "workers must be at least 1");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .expect("could not start the rayon pool");
    py.allow_threads(|| pool.install(|| data.par_iter().map(|&x| f(x)).collect()))
    // END SOLUTION
}
