//! Pitfall 1 at full size: read the results without joining, many times over, and count what the
//! reads saw; then the same with the threads joined.
//!
//! `cargo run -p lesson08 --example forgotten_join`

use lesson08::sync::{Arc, Mutex};
use lesson08::thread;

const RUNS: usize = 200;
const THREADS: usize = 8;

/// One run: `THREADS` threads each push one value; returns how many values the read saw.
fn one_run(join: bool) -> usize {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for i in 0..THREADS {
        let seen = Arc::clone(&seen);
        workers.push(thread::spawn(move || seen.lock().unwrap().push(i)));
    }
    if join {
        for worker in workers {
            worker.join().unwrap();
        }
    }
    // Without the joins, the handles were dropped above and the threads run on, detached.
    seen.lock().unwrap().len()
}

fn main() {
    for join in [false, true] {
        let mut histogram = [0usize; THREADS + 1];
        for _ in 0..RUNS {
            histogram[one_run(join)] += 1;
        }
        let complete = histogram[THREADS];
        println!(
            "{:<14} complete in {complete:>3} of {RUNS} runs; results seen per run (0..={THREADS}): {histogram:?}",
            if join { "joined:" } else { "not joined:" }
        );
    }
    println!(
        "(On a quiet machine with many CPUs the unjoined version is often complete: that is why the bug survives.)"
    );
}
