//! Simulated downloads, three ways: one by one, with a thread per file joined inside the spawn loop,
//! and with every thread started before any is joined.
//!
//! Each "download" sleeps for a fixed time that stands for waiting on the network, so the example
//! needs no network and is quick in debug mode. The table shows the time of each strategy in this run
//! and its speedup over the sequential one. Sleeps are only lower bounds, so the exact numbers vary
//! with the machine's load; the shape does not: joined-in-the-loop threads are as slow as no threads,
//! and started-all-at-once threads take about as long as the slowest file.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lesson01 --example downloads
//! ```

use lesson01::thread;
use std::time::{Duration, Instant};

/// Name and simulated network time of each file.
const FILES: [(&str, u64); 6] = [
    ("annual-report.pdf", 120),
    ("customers.csv", 90),
    ("logo.svg", 30),
    ("backup-2024.tar", 110),
    ("notes.txt", 20),
    ("photo.jpg", 70),
];

/// "Downloads" a file: waits for its network time, then returns the number of bytes received.
fn download(name: &str, millis: u64) -> usize {
    thread::sleep(Duration::from_millis(millis));
    name.len() * 1_024
}

fn sequential() -> usize {
    FILES.iter().map(|&(name, ms)| download(name, ms)).sum()
}

/// The mistake: each thread is joined before the next one is spawned.
fn join_inside_the_loop() -> usize {
    let mut total = 0;
    for &(name, ms) in &FILES {
        let handle = thread::spawn(move || download(name, ms));
        total += handle.join().expect("a download thread panicked");
    }
    total
}

/// The fix: spawn every thread, then join them all.
fn start_all_then_join_all() -> usize {
    let handles: Vec<_> = FILES
        .iter()
        .map(|&(name, ms)| thread::spawn(move || download(name, ms)))
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a download thread panicked"))
        .sum()
}

/// A way to download every file; returns the total bytes.
type Strategy = fn() -> usize;

fn time(strategy: Strategy) -> (usize, Duration) {
    let started = Instant::now();
    let bytes = strategy();
    (bytes, started.elapsed())
}

fn main() {
    let sum_of_waits: u64 = FILES.iter().map(|&(_, ms)| ms).sum();
    let longest_wait = FILES.iter().map(|&(_, ms)| ms).max().unwrap_or(0);
    println!(
        "{} files; waits add up to {sum_of_waits} ms, the longest is {longest_wait} ms\n",
        FILES.len()
    );

    let strategies: [(&str, Strategy); 3] = [
        ("one by one", sequential),
        ("join inside the loop", join_inside_the_loop),
        ("start all, then join all", start_all_then_join_all),
    ];
    println!("{:<26} {:>9} {:>9} {:>8}", "strategy", "bytes", "time", "speedup");
    let mut baseline = None;
    for (name, strategy) in strategies {
        let (bytes, took) = time(strategy);
        let base = *baseline.get_or_insert(took);
        println!(
            "{name:<26} {bytes:>9} {:>7}ms {:>7.2}x",
            took.as_millis(),
            base.as_secs_f64() / took.as_secs_f64()
        );
    }
}
