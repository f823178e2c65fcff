//! The seeds' "threads don't help CPU work, do help I/O" table, measured on this machine, plus the
//! two ways out that Rust offers: real threads and rayon with the interpreter lock released.
//!
//! Rows:
//! - `CPU, simulated GIL`: two CPU-bound jobs on two threads of the simulated interpreter. The work
//!   runs while the lock is held, so only one thread makes progress at a time.
//! - `I/O, simulated GIL`: four jobs that each wait 50 ms (a sleep standing in for the network)
//!   inside `allow_threads`, so the waits overlap.
//! - `CPU, Rust threads`: the same CPU work split over scoped threads inside `allow_threads`.
//! - `CPU, rayon`: the same with a local rayon pool inside `allow_threads`.
//!
//! Each run is timed seven times and the fastest kept. The figures are from this run on this machine
//! (cores, load, debug or release all change them); read the ratios, not the milliseconds.
//!
//! ```text
//! cargo run -p lesson04 --example gil_table --release
//! ```

use lesson04::interp::{Interpreter, Job};
use rayon::prelude::*;
use std::hint::black_box;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Bytecode steps per CPU job, and the real work done per step.
const STEPS: u64 = 2_000;
const WORK_PER_STEP: u64 = 20_000;
const IO_WAIT: Duration = Duration::from_millis(50);

/// A few thousand multiply-adds that the optimiser cannot remove.
fn burn(rounds: u64) -> u64 {
    let mut x = black_box(1u64);
    for i in 0..rounds {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i);
    }
    black_box(x)
}

/// The fastest of seven runs of `f`.
fn fastest(mut f: impl FnMut()) -> Duration {
    (0..7)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// One CPU job on an interpreter thread: every step does its work with the lock held.
fn cpu_job(interp: &Interpreter) {
    interp.with_gil(|py| {
        for _ in 0..STEPS {
            burn(WORK_PER_STEP);
            py.step();
        }
    });
}

fn on_threads(jobs: usize, job: impl Fn() + Sync) {
    thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(&job);
        }
    });
}

fn row(name: &str, workers: usize, sequential: Duration, parallel: Duration) {
    println!(
        "{name:<22} {workers:>7} {:>14.1} {:>14.1} {:>8.2}x",
        sequential.as_secs_f64() * 1e3,
        parallel.as_secs_f64() * 1e3,
        sequential.as_secs_f64() / parallel.as_secs_f64()
    );
}

fn main() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!("CPUs available: {cores}");
    println!(
        "{:<22} {:>7} {:>14} {:>14} {:>9}",
        "work", "workers", "sequential ms", "parallel ms", "speedup"
    );

    // CPU under the simulated lock: two jobs one after another, then on two threads.
    let seq = fastest(|| {
        let interp = Interpreter::default();
        cpu_job(&interp);
        cpu_job(&interp);
    });
    let mut switches = 0;
    let par = fastest(|| {
        let interp = Interpreter::default();
        on_threads(2, || cpu_job(&interp));
        switches = interp.stats().switches;
    });
    row("CPU, simulated GIL", 2, seq, par);

    // I/O under the simulated lock: four waits, one after another, then on four threads.
    let io = Job::Io {
        wait: Arc::new(|| thread::sleep(IO_WAIT)),
    };
    let run_io = |interp: &Interpreter| {
        interp.with_gil(|py| match &io {
            Job::Io { wait } => py.allow_threads(|| wait()),
            Job::Cpu { steps } => py.steps(*steps),
        })
    };
    let seq = fastest(|| {
        let interp = Interpreter::default();
        for _ in 0..4 {
            run_io(&interp);
        }
    });
    let par = fastest(|| {
        let interp = Interpreter::default();
        on_threads(4, || run_io(&interp));
    });
    row("I/O, simulated GIL", 4, seq, par);

    // The same CPU work (two jobs' worth of steps) outside the lock.
    let items: Vec<u64> = (0..2 * STEPS).collect();
    let seq = fastest(|| {
        let interp = Interpreter::default();
        interp.with_gil(|py| {
            py.allow_threads(|| items.iter().map(|_| burn(WORK_PER_STEP)).sum::<u64>());
        });
    });
    let workers = 2;
    let par = fastest(|| {
        let interp = Interpreter::default();
        interp.with_gil(|py| {
            py.allow_threads(|| {
                thread::scope(|s| {
                    let handles: Vec<_> = items
                        .chunks(items.len().div_ceil(workers))
                        .map(|part| s.spawn(move || part.iter().map(|_| burn(WORK_PER_STEP)).sum::<u64>()))
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
                })
            });
        });
    });
    row("CPU, Rust threads", workers, seq, par);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .unwrap();
    let par = fastest(|| {
        let interp = Interpreter::default();
        interp.with_gil(|py| {
            py.allow_threads(|| pool.install(|| items.par_iter().map(|_| burn(WORK_PER_STEP)).sum::<u64>()));
        });
    });
    row("CPU, rayon", workers, seq, par);

    println!();
    println!(
        "switches in the last simulated-GIL CPU run: {switches} (interval {} steps)",
        lesson04::interp::DEFAULT_INTERVAL
    );
    println!(
        "Amdahl's law for fully parallel work on {workers} workers: {:.2}x; for 95 % parallel: {:.2}x",
        1.0 / (0.0 + 1.0 / workers as f64),
        1.0 / (0.05 + 0.95 / workers as f64)
    );
}
