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
    // `!(a <= p && p <= 1)` is true for NaN too, since every comparison with NaN is false.
    if !(0.0 <= parallel_fraction && parallel_fraction <= 1.0) {
        panic!("parallel_fraction must lie in 0.0..=1.0, got {parallel_fraction}");
    }
    if workers == 0 {
        panic!("amdahl: 0 workers");
    }
    let serial = 1.0 - parallel_fraction;
    let parallel = parallel_fraction / workers as f64;
    (serial + parallel).recip()
}

/// Applies `f` to every item of `data` on `workers` scoped threads (contiguous chunks, as even as
/// possible, at most `workers` of them), with the interpreter lock released the whole time; returns
/// the results in input order.
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
    // Every thread writes its results straight into its own slice of the output, so the order is
    // the input order by construction and nothing has to be stitched together afterwards.
    let mut out = vec![0u64; data.len()];
    let chunk = data.len().div_ceil(workers).max(1);
    let f = &f;
    py.allow_threads(|| {
        thread::scope(|s| {
            for (input, output) in data.chunks(chunk).zip(out.chunks_mut(chunk)) {
                s.spawn(move || {
                    for (x, y) in input.iter().zip(output.iter_mut()) {
                        *y = f(*x);
                    }
                });
            }
        });
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
        // rayon would read 0 as "one thread per CPU"
        panic!("map_with_rayon: 0 workers");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("map-worker-{i}"))
        .build()
        .unwrap_or_else(|e| panic!("cannot start {workers} rayon threads: {e}"));
    py.allow_threads(|| {
        pool.install(|| {
            let mut out = Vec::with_capacity(data.len());
            data.par_iter().map(|&x| f(x)).collect_into_vec(&mut out);
            out
        })
    })
}
