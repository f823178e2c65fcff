//! Backpressure you can watch: a fast producer, two slow workers, and a queue of 3 places.
//!
//! Each line says when the producer handed over a task and when a worker finished one. With a
//! bounded queue the producer gets at most `workers + queue` tasks ahead, then waits for every
//! finished task before it can hand over the next one; with `--unbounded` it hands over all twelve at
//! once and the queue holds everything the workers have not done yet (in a real pipeline: memory
//! that grows as long as the producer is faster).
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lesson07 --example backpressure
//! cargo run -p lesson07 --example backpressure -- --unbounded
//! ```

use lesson07::channel::{bounded, unbounded};
use lesson07::thread;
use std::time::{Duration, Instant};

const TASKS: u32 = 12;
const WORKERS: usize = 2;
const QUEUE: usize = 3;

fn main() {
    let unbounded_queue = std::env::args().any(|a| a == "--unbounded");
    let (submit, queue) = if unbounded_queue {
        unbounded()
    } else {
        bounded(QUEUE)
    };
    println!(
        "{TASKS} tasks of 50 ms, {WORKERS} workers, queue: {}",
        if unbounded_queue {
            "unbounded".to_owned()
        } else {
            format!("{QUEUE} places")
        }
    );
    let start = Instant::now();
    let at = move || start.elapsed().as_millis();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let queue = queue.clone();
            thread::spawn(move || {
                for task in queue {
                    thread::sleep(Duration::from_millis(50)); // the work
                    println!(
                        "{:>5} ms                     worker {w} finished task {task}",
                        at()
                    );
                }
            })
        })
        .collect();
    let mut ahead = 0;
    for task in 0..TASKS {
        submit.send(task).unwrap(); // waits while the queue is full
        ahead = ahead.max(submit.len());
        println!(
            "{:>5} ms  submitted task {task:>2}  (queued now: {})",
            at(),
            submit.len()
        );
    }
    drop(submit); // the sentinel: workers stop when the queue is empty
    for worker in workers {
        worker.join().unwrap();
    }
    println!("most tasks waiting in the queue at once: {ahead}");
}
