// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: escape the lock for CPU work, with scoped threads and with rayon under
//! `allow_threads`, and Amdahl's law for the speedup to expect.

use crate::interp::{GilLock, Py};
use rayon::prelude::*;
use std::thread;

/// Amdahl's law: the speedup of a program whose `parallel_fraction` (0.0 to 1.0) runs on `workers`
/// workers and whose rest runs on one: `1 / ((1 - p) + p / workers)`.
///
/// # Panics
/// When `parallel_fraction` is outside 0.0..=1.0 (or NaN), or `workers` is 0.
pub fn amdahl(parallel_fraction: f64, workers: usize) -> f64 {
    assert!(
        (0.0..=1.0).contains(&parallel_fraction),
        "parallel fraction must be in 0.0..=1.0, got {parallel_fraction}"
    );
    assert!(workers > 0, "need at least one worker");
    let p = parallel_fraction;
    1.0 / ((1.0 - p) + p / workers as f64)
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
    assert!(workers > 0, "need at least one worker");
    if data.is_empty() {
        return Vec::new();
    }
    let chunk = data.len().div_ceil(workers);
    let f = &f;
    py.allow_threads(|| {
        let parts: Vec<&[u64]> = data.chunks(chunk).collect();
        let (last, rest) = parts.split_last().unwrap();
        thread::scope(|s| {
            let handles: Vec<_> = rest
                .iter()
                .map(|&part| s.spawn(move || part.iter().map(|&x| f(x)).collect::<Vec<u64>>()))
                .collect();
            // this thread would only sit in join(), so it does the last chunk itself
            let tail: Vec<u64> = last.iter().map(|&x| f(x)).collect();
            let mut out = Vec::with_capacity(data.len());
            for handle in handles {
                out.extend(handle.join().unwrap());
            }
            out.extend(tail);
            out
        })
    })
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
    assert!(workers > 0, "need at least one worker");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .expect("could not build the rayon pool");
    py.allow_threads(|| pool.install(|| data.par_iter().map(|&x| f(x)).collect()))
}
