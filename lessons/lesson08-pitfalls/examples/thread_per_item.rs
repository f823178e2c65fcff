//! Pitfall 7 at full size: 10 000 small items, first on a thread each, then on four workers.
//!
//! `cargo run -p lesson08 --example thread_per_item --release`

use lesson08::thread;
use std::time::Instant;

const ITEMS: u64 = 10_000;
const WORKERS: usize = 4;

fn work(item: u64) -> u64 {
    (0..100).fold(item, |acc, i| acc.wrapping_mul(31).wrapping_add(i))
}

fn thread_per_item(items: &[u64]) -> Vec<u64> {
    let handles: Vec<_> = items
        .iter()
        .map(|&item| thread::spawn(move || work(item)))
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn few_workers(items: &[u64]) -> Vec<u64> {
    let share = items.len().div_ceil(WORKERS);
    thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(share)
            .map(|part| s.spawn(move || part.iter().map(|&i| work(i)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

fn main() {
    let items: Vec<u64> = (0..ITEMS).collect();
    let started = Instant::now();
    let each = thread_per_item(&items);
    let per_item = started.elapsed();
    let started = Instant::now();
    let shared = few_workers(&items);
    let pooled = started.elapsed();
    assert_eq!(each, shared);
    println!("{ITEMS} items, a thread each: {per_item:?} ({ITEMS} threads created)");
    println!("{ITEMS} items, {WORKERS} workers:  {pooled:?} ({WORKERS} threads created)");
}
