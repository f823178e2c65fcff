//! Deadlock by lock order, and the fix.
//!
//! Two bins of stock, each behind its own `Mutex`. Thread A keeps moving stock from bin 0 to bin 1,
//! thread B from bin 1 to bin 0, at the same time. A move holds both locks while it runs.
//!
//! - By default every move locks the lower-numbered bin first, whatever the direction. Both threads
//!   want the locks in the same order, so no cycle of waiting can form and the run finishes.
//! - With `--deadlock` every move locks its *source* bin first and its *destination* second. A holds
//!   bin 0 and wants bin 1; B holds bin 1 and wants bin 0; neither ever lets go. To make the fatal
//!   timing happen on the first move instead of at some random moment, both threads wait for each
//!   other at a `Barrier` right after taking their first lock. A watchdog notices that no move has
//!   finished for 2 seconds, reports "deadlocked" and ends the process with exit code 1 (a deadlocked
//!   thread cannot be stopped any other way).
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lesson05 --example deadlock_order
//! cargo run -p lesson05 --example deadlock_order -- --deadlock
//! ```

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Moves per thread.
const ROUNDS: u64 = 20_000;
/// How long without a finished move before the watchdog calls it a deadlock.
const STALL_LIMIT: Duration = Duration::from_secs(2);
/// Stock in each bin at the start.
const OPENING_STOCK: u64 = 1_000;

/// Everything the threads share.
struct Warehouse {
    bins: [Mutex<u64>; 2],
    /// Moves finished so far, by both threads: the watchdog's sign of life.
    moves_done: AtomicU64,
    /// Threads that finished all their moves.
    threads_done: AtomicUsize,
    /// Used only in `--deadlock` mode, to line both threads up on the fatal interleaving.
    both_hold_one_lock: Barrier,
}

/// The fix: lower index first, always. Returns how much was moved.
fn move_ordered(bins: &[Mutex<u64>], from: usize, to: usize, amount: u64) -> u64 {
    let (low, high) = if from < to { (from, to) } else { (to, from) };
    let mut low_guard = bins[low].lock().unwrap();
    let mut high_guard = bins[high].lock().unwrap();
    let (source, target) = if from < to {
        (&mut *low_guard, &mut *high_guard)
    } else {
        (&mut *high_guard, &mut *low_guard)
    };
    let moved = amount.min(*source);
    *source -= moved;
    *target += moved;
    moved
}

/// The bug: source first, destination second, so opposite moves take the locks in opposite orders.
fn move_naive(bins: &[Mutex<u64>], from: usize, to: usize, amount: u64, meet: Option<&Barrier>) -> u64 {
    let mut source = bins[from].lock().unwrap();
    if let Some(barrier) = meet {
        barrier.wait(); // now each thread holds the lock the other one is about to ask for
    }
    let mut target = bins[to].lock().unwrap();
    let moved = amount.min(*source);
    *source -= moved;
    *target += moved;
    moved
}

fn main() {
    let naive = std::env::args().skip(1).any(|arg| arg == "--deadlock");
    let warehouse = Arc::new(Warehouse {
        bins: [Mutex::new(OPENING_STOCK), Mutex::new(OPENING_STOCK)],
        moves_done: AtomicU64::new(0),
        threads_done: AtomicUsize::new(0),
        both_hold_one_lock: Barrier::new(2),
    });

    if naive {
        println!("Locking source first, then destination (the bug). This should hang...");
    } else {
        println!("Locking the lower-numbered bin first (the fix). This should finish.");
        println!(
            "(To watch the deadlock instead: cargo run -p lesson05 --example deadlock_order -- --deadlock)"
        );
    }

    // Plain `spawn`, not `scope`: a scope would wait forever for deadlocked threads.
    for (name, from, to, amount) in [("A", 0, 1, 3), ("B", 1, 0, 2)] {
        let warehouse = Arc::clone(&warehouse);
        thread::spawn(move || {
            for round in 0..ROUNDS {
                if naive {
                    let meet = (round == 0).then_some(&warehouse.both_hold_one_lock);
                    move_naive(&warehouse.bins, from, to, amount, meet);
                } else {
                    move_ordered(&warehouse.bins, from, to, amount);
                }
                warehouse.moves_done.fetch_add(1, Ordering::Relaxed);
            }
            println!("thread {name}: {ROUNDS} moves from bin {from} to bin {to} done");
            warehouse.threads_done.fetch_add(1, Ordering::SeqCst);
        });
    }

    // The watchdog: the main thread checks for progress ten times a second.
    let started = Instant::now();
    let mut last_count = 0;
    let mut last_progress = Instant::now();
    while warehouse.threads_done.load(Ordering::SeqCst) < 2 {
        thread::sleep(Duration::from_millis(100));
        let count = warehouse.moves_done.load(Ordering::Relaxed);
        if count != last_count {
            last_count = count;
            last_progress = Instant::now();
        } else if last_progress.elapsed() >= STALL_LIMIT {
            eprintln!(
                "deadlocked: no move finished for {} s ({count} moves done in total).\n\
                 Thread A holds bin 0 and waits for bin 1; thread B holds bin 1 and waits for bin 0.",
                STALL_LIMIT.as_secs()
            );
            std::process::exit(1);
        }
    }

    let stock: Vec<u64> = warehouse.bins.iter().map(|bin| *bin.lock().unwrap()).collect();
    let total: u64 = stock.iter().sum();
    println!(
        "finished {} moves in {:.0?}; bins now hold {stock:?}, total {total} (started with {})",
        2 * ROUNDS,
        started.elapsed(),
        2 * OPENING_STOCK
    );
    assert_eq!(total, 2 * OPENING_STOCK, "stock was created or destroyed");
}
