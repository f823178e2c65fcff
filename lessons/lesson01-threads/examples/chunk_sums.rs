//! A big sum split over 1, 2, 4 and 8 scoped threads: computation, not waiting.
//!
//! In Python, threads cannot speed up this kind of work, because the global interpreter lock lets one
//! thread run Python code at a time. Rust has no such lock: each thread sums its own chunk of the slice
//! on its own core. To make each element cost some computation (a plain sum is so cheap that memory
//! speed, not the cores, sets the pace), every element is squared and reduced modulo a prime before it
//! is added. The speedup is capped by the number of cores, and by whatever else the machine is doing.
//! Each variant is run a few times and the fastest run is kept; the numbers are measured in this run on
//! this machine.
//!
//! Run it with (release mode gives the meaningful numbers; debug works too, with smaller speedups):
//!
//! ```text
//! cargo run -p lesson01 --example chunk_sums --release
//! ```

use lesson01::thread;
use std::time::{Duration, Instant};

/// A little arithmetic per element, so the work is bound by the CPU rather than by memory.
fn cost(x: u64) -> u64 {
    x.wrapping_mul(x) % 1_000_003
}

/// Sums `cost` of every element of `data` on `threads` scoped threads that each borrow one chunk.
fn sum_on_threads(data: &[u64], threads: usize) -> u64 {
    let size = data.len().div_ceil(threads.max(1)).max(1);
    thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(size)
            .map(|chunk| s.spawn(move || chunk.iter().map(|&x| cost(x)).sum::<u64>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("summing cannot panic"))
            .sum()
    })
}

fn best_of(runs: usize, mut f: impl FnMut() -> u64) -> (u64, Duration) {
    let mut best = Duration::MAX;
    let mut value = 0;
    for _ in 0..runs {
        let started = Instant::now();
        value = std::hint::black_box(f());
        best = best.min(started.elapsed());
    }
    (value, best)
}

fn main() {
    let data: Vec<u64> = (0..4_000_000).collect();
    let expected: u64 = data.iter().map(|&x| cost(x)).sum();
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "summing {} numbers; this machine reports {cores} core(s)\n",
        data.len()
    );
    println!("{:>7} {:>10} {:>8}", "threads", "time", "speedup");
    let mut one_thread = None;
    for threads in [1, 2, 4, 8] {
        let (sum, took) = best_of(5, || sum_on_threads(&data, threads));
        assert_eq!(sum, expected, "the split sum must equal the plain sum");
        let base = *one_thread.get_or_insert(took);
        println!(
            "{threads:>7} {:>8.1}ms {:>7.2}x",
            took.as_secs_f64() * 1e3,
            base.as_secs_f64() / took.as_secs_f64()
        );
    }
}
