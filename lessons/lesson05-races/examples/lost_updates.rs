//! Lost updates, counted.
//!
//! Several threads add 1 to one shared counter many times, in three ways:
//!
//! - `load + store`: an atomic read, then an atomic write. Each step is atomic, the pair is not,
//!   so increments *can* be lost.
//! - `fetch_add`: one indivisible read-modify-write. Never loses an increment.
//! - `Mutex<u64>`: the read and the write happen under one lock. Never loses an increment.
//!
//! All threads of a variant wait at a `Barrier` and start together, which makes overlaps likely.
//! Likely is not certain: on one CPU, or with few iterations, a thread may finish its whole loop
//! inside one time slice and the racy variant comes out right. Run it several times, and try more
//! threads or more iterations.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lesson05 --example lost_updates --release
//! cargo run -p lesson05 --example lost_updates --release -- THREADS ITERATIONS
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;

/// One way of adding 1 to a shared counter.
trait Counter: Sync {
    fn add_one(&self);
    fn get(&self) -> u64;
}

/// The bug: read, then write back. Another thread's write in between is overwritten.
struct LoadStore(AtomicU64);

impl Counter for LoadStore {
    fn add_one(&self) {
        let seen = self.0.load(Ordering::SeqCst);
        self.0.store(seen + 1, Ordering::SeqCst);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The fix with an atomic read-modify-write.
struct FetchAdd(AtomicU64);

impl Counter for FetchAdd {
    fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The fix with a lock held across the read and the write.
struct Locked(Mutex<u64>);

impl Counter for Locked {
    fn add_one(&self) {
        *self.0.lock().unwrap() += 1;
    }

    fn get(&self) -> u64 {
        *self.0.lock().unwrap()
    }
}

/// Runs `threads` threads that each call `add_one` `iterations` times, all starting together.
fn hammer(counter: &dyn Counter, threads: usize, iterations: u64) -> u64 {
    let start_line = Barrier::new(threads);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start_line.wait();
                for _ in 0..iterations {
                    counter.add_one();
                }
            });
        }
    });
    counter.get()
}

/// Reads the optional positional argument `index`, or returns `default`.
fn arg_or<T: std::str::FromStr>(index: usize, default: T) -> T {
    match std::env::args().nth(index) {
        Some(text) => text.parse().unwrap_or_else(|_| {
            eprintln!("usage: lost_updates [THREADS] [ITERATIONS]  (got {text:?})");
            std::process::exit(2)
        }),
        None => default,
    }
}

fn main() {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let threads: usize = arg_or(1, cpus.max(4));
    let iterations: u64 = arg_or(2, 200_000);
    if threads == 0 {
        eprintln!("THREADS must be at least 1");
        std::process::exit(2);
    }
    let expected = threads as u64 * iterations;

    println!("{threads} threads x {iterations} increments = {expected} expected (CPUs available: {cpus})");
    println!();
    println!("{:<14} {:>12} {:>12}", "variant", "got", "lost");

    let variants: [(&str, &dyn Counter); 3] = [
        ("load + store", &LoadStore(AtomicU64::new(0))),
        ("fetch_add", &FetchAdd(AtomicU64::new(0))),
        ("Mutex<u64>", &Locked(Mutex::new(0))),
    ];
    let mut racy_lost = 0;
    for (name, counter) in variants {
        let got = hammer(counter, threads, iterations);
        let lost = expected - got;
        if name == "load + store" {
            racy_lost = lost;
        }
        println!("{name:<14} {got:>12} {lost:>12}");
    }

    println!();
    if racy_lost == 0 {
        println!(
            "The racy variant lost nothing this time: its threads did not overlap at the wrong moment.\n\
             That is luck, not correctness. Run it again, or with more threads and iterations."
        );
        if cpus == 1 {
            println!(
                "With one CPU, a thread often finishes its whole loop inside one time slice,\n\
                 so the gap between load and store is rarely interrupted."
            );
        }
    } else {
        println!(
            "The racy variant lost {racy_lost} of {expected} increments ({:.1}%).",
            racy_lost as f64 * 100.0 / expected as f64
        );
    }
}
