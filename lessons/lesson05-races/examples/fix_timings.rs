//! What the fixes for a lost update cost, relative to each other.
//!
//! The same count is done three correct ways, by the same number of threads:
//!
//! - `local sums`: every thread counts in its own variable and the totals are added once, at the end.
//!   No sharing during the loop at all.
//! - `fetch_add`: every increment is an atomic read-modify-write on one shared counter.
//! - `Mutex<u64>`: every increment locks, adds and unlocks one shared counter.
//!
//! Each variant is timed a few times and the fastest run is kept. The program prints times and
//! ratios *measured in this run on this machine*: they change with the CPU, the number of cores, the
//! load on the machine and debug vs release builds, so read them as an illustration, not a law.
//! The shape is usually the same, though: contended sharing costs far more than not sharing.
//!
//! Run it with (release mode gives the meaningful numbers; debug works too):
//!
//! ```text
//! cargo run -p lesson05 --example fix_timings --release
//! cargo run -p lesson05 --example fix_timings --release -- THREADS ITERATIONS
//! ```

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Every thread counts privately; the results are combined after the join.
fn local_sums(threads: usize, iterations: u64) -> u64 {
    let start_line = Barrier::new(threads);
    thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    start_line.wait();
                    let mut mine = 0u64;
                    for _ in 0..iterations {
                        // `black_box` keeps the optimiser from replacing the loop by one addition.
                        mine += black_box(1);
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    })
}

/// Every increment is one atomic read-modify-write on a shared counter.
fn shared_fetch_add(threads: usize, iterations: u64) -> u64 {
    let counter = AtomicU64::new(0);
    let start_line = Barrier::new(threads);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start_line.wait();
                for _ in 0..iterations {
                    counter.fetch_add(black_box(1), Ordering::Relaxed);
                }
            });
        }
    });
    counter.into_inner()
}

/// Every increment takes and releases the lock of a shared counter.
fn shared_mutex(threads: usize, iterations: u64) -> u64 {
    let counter = Mutex::new(0u64);
    let start_line = Barrier::new(threads);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start_line.wait();
                for _ in 0..iterations {
                    *counter.lock().unwrap() += black_box(1);
                }
            });
        }
    });
    counter.into_inner().unwrap()
}

/// Runs `count` a few times, checks its answer each time, and returns the fastest duration.
fn best_of(rounds: u32, expected: u64, count: impl Fn() -> u64) -> Duration {
    (0..rounds)
        .map(|_| {
            let started = Instant::now();
            let total = count();
            let took = started.elapsed();
            assert_eq!(total, expected, "a correct variant lost updates: this is a bug");
            took
        })
        .min()
        .expect("at least one round")
}

/// Reads the optional positional argument `index`, or returns `default`.
fn arg_or<T: std::str::FromStr>(index: usize, default: T) -> T {
    match std::env::args().nth(index) {
        Some(text) => text.parse().unwrap_or_else(|_| {
            eprintln!("usage: fix_timings [THREADS] [ITERATIONS]  (got {text:?})");
            std::process::exit(2)
        }),
        None => default,
    }
}

fn main() {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let threads: usize = arg_or(1, cpus.clamp(2, 8));
    let iterations: u64 = arg_or(2, 500_000);
    if threads == 0 {
        eprintln!("THREADS must be at least 1");
        std::process::exit(2);
    }
    let expected = threads as u64 * iterations;
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };

    println!("{threads} threads x {iterations} increments, {build} build, CPUs available: {cpus}");
    println!("(best of 3 runs each; every run is checked to count exactly {expected})");
    println!();

    let results = [
        (
            "local sums",
            best_of(3, expected, || local_sums(threads, iterations)),
        ),
        (
            "fetch_add",
            best_of(3, expected, || shared_fetch_add(threads, iterations)),
        ),
        (
            "Mutex<u64>",
            best_of(3, expected, || shared_mutex(threads, iterations)),
        ),
    ];
    let fastest = results
        .iter()
        .map(|(_, took)| *took)
        .min()
        .expect("three results");

    println!("{:<12} {:>12} {:>16}", "variant", "time", "vs fastest");
    for (name, took) in results {
        let ratio = took.as_secs_f64() / fastest.as_secs_f64().max(1e-9);
        println!("{name:<12} {:>9.2} ms {ratio:>15.1}x", took.as_secs_f64() * 1e3);
    }
    println!();
    println!("These ratios were measured just now; run again and they can move a lot.");
    if cpus == 1 {
        println!("With one CPU the threads never run at the same time, so contention costs little here.");
    }
}
