// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: escape the lock for CPU work, with scoped threads and with rayon under
//! `allow_threads`, and Amdahl's law for the speedup to expect.

use crate::interp::{GilLock, Py};
use rayon::ThreadPoolBuilder;
use rayon::prelude::*;
use std::thread;

/// Amdahl's law: the speedup of a program whose `parallel_fraction` (0.0 to 1.0) runs on `workers`
/// workers and whose rest runs on one: `1 / ((1 - p) + p / workers)`.
///
/// # Panics
/// When `parallel_fraction` is outside 0.0..=1.0 (or NaN), or `workers` is 0.
pub fn amdahl(parallel_fraction: f64, workers: usize) -> f64 {
    let p = parallel_fraction;
    // written so that NaN fails the test too: every comparison with NaN is false
    if !(p >= 0.0 && p <= 1.0) {
        panic!("amdahl: parallel fraction {p} is not in 0.0..=1.0");
    }
    if workers == 0 {
        panic!("amdahl: 0 workers");
    }
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
    if workers == 0 {
        panic!("map_on_threads: 0 workers");
    }
    // Each thread writes straight into its own slice of the output, so the order is the input's
    // whatever the finishing order.
    let mut out = vec![0u64; data.len()];
    if data.is_empty() {
        return out;
    }
    let size = data.len().div_ceil(workers);
    let f = &f;
    py.allow_threads(|| {
        thread::scope(|s| {
            for (input, output) in data.chunks(size).zip(out.chunks_mut(size)) {
                s.spawn(move || {
                    for (slot, &x) in output.iter_mut().zip(input) {
                        *slot = f(x);
                    }
                });
            }
        }); // the scope joins every thread (and re-raises a panic from one)
    });
    out
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
    if workers == 0 {
        panic!("map_with_rayon: 0 workers (rayon would take that as one per CPU)");
    }
    py.allow_threads(|| {
        let pool = ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()
            .unwrap_or_else(|e| panic!("map_with_rayon: cannot build the pool: {e}"));
        let mut out = Vec::with_capacity(data.len());
        pool.install(|| data.par_iter().map(|&x| f(x)).collect_into_vec(&mut out));
        out
    })
}
