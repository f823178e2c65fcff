//! What a pool saves: 10 000 no-op tasks through a 4-worker pool, against a `thread::spawn` (and a
//! `join`) per task.
//!
//! The pool is the shape of the lesson's `WorkerPool`, written out here so the example runs before
//! you have done the exercises: workers loop over one crossbeam queue and send each result back on a
//! second channel. Per task that is two channel operations; a thread per task is a `clone` system
//! call, a fresh stack, and a join.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lesson07 --example pool_overhead --release
//! cargo run -p lesson07 --example pool_overhead --release -- TASKS WORKERS
//! ```

use lesson07::channel::{bounded, unbounded};
use lesson07::thread;
use std::time::{Duration, Instant};

type Task = Box<dyn FnOnce() -> u64 + Send>;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let tasks = args.next().and_then(Result::ok).unwrap_or(10_000);
    let workers = args.next().and_then(Result::ok).unwrap_or(4).max(1);

    // Warm up once so the first measurement does not pay for page faults and lazy setup.
    through_pool(1_000, workers);
    let pool = best_of(5, || through_pool(tasks, workers));
    let spawned = best_of(5, || thread_per_task(tasks));

    println!("{tasks} no-op tasks (best of 5 runs each)");
    report(&format!("{workers}-worker pool (crossbeam queue):"), pool, tasks);
    report("thread::spawn + join per task:", spawned, tasks);
    println!(
        "a pool task costs {:.1}x less than a thread of its own",
        spawned.as_secs_f64() / pool.as_secs_f64()
    );
}

fn report(what: &str, took: Duration, tasks: usize) {
    let per_task = took.as_secs_f64() * 1e6 / tasks as f64;
    println!(
        "  {what:<36} {:>8.1} ms {per_task:>7.2} µs per task",
        took.as_secs_f64() * 1e3
    );
}

fn best_of(runs: usize, mut run: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| run()).min().unwrap_or_default()
}

/// Starts the workers, submits every task, collects every result, shuts down: all of it timed.
fn through_pool(tasks: usize, workers: usize) -> Duration {
    let started = Instant::now();
    let (submit, queue) = bounded::<Task>(64);
    let (done, results) = unbounded::<u64>();
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (queue, done) = (queue.clone(), done.clone());
            thread::spawn(move || {
                for task in queue {
                    let _ = done.send(task());
                }
            })
        })
        .collect();
    drop(done);
    let feeder = thread::spawn(move || {
        for i in 0..tasks as u64 {
            submit.send(Box::new(move || i)).unwrap();
        }
        // `submit` is dropped here: the workers' loops end once the queue is empty.
    });
    let total: u64 = results.iter().sum();
    feeder.join().unwrap();
    for handle in handles {
        handle.join().unwrap();
    }
    let took = started.elapsed();
    assert_eq!(
        total,
        (0..tasks as u64).sum::<u64>(),
        "every task's result arrived"
    );
    took
}

fn thread_per_task(tasks: usize) -> Duration {
    let started = Instant::now();
    let mut total = 0;
    for i in 0..tasks as u64 {
        total += thread::spawn(move || i).join().unwrap();
    }
    let took = started.elapsed();
    assert_eq!(total, (0..tasks as u64).sum::<u64>());
    took
}
