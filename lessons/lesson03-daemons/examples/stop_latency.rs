//! How long it takes to stop a heartbeat thread, two ways.
//!
//! Both heartbeats beat every `INTERVAL` and are asked to stop at a random-looking moment in the
//! middle of an interval; the program measures how long `stop` (signal + join) takes:
//!
//! - `sleeps`: the thread does `thread::sleep(INTERVAL)` and then checks an `AtomicBool`. It hears the
//!   request only when its sleep ends, so `stop` waits for the rest of the interval.
//! - `waits`: the thread waits on a `Mutex<bool>` + `Condvar` with a timeout of `INTERVAL`. The
//!   request wakes it at once.
//!
//! The times are measured in this run on this machine and change between runs; the ratio between
//! the two is the point.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lesson03 --example stop_latency
//! ```

use lesson03::sync::atomic::{AtomicBool, Ordering};
use lesson03::sync::{Arc, Condvar, Mutex};
use lesson03::thread;
use std::time::{Duration, Instant};

/// The heartbeat interval of both versions.
const INTERVAL: Duration = Duration::from_millis(500);
/// When, after the start, each heartbeat is asked to stop (mid-interval).
const STOP_AFTER: Duration = Duration::from_millis(620);

/// What starting a heartbeat gives back: a closure that stops it and returns (beats, time to stop).
type Stop = Box<dyn FnOnce() -> (u64, Duration)>;

/// Starts the sleeping heartbeat.
fn sleeping_heartbeat() -> Stop {
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let mut beats = 0;
            loop {
                thread::sleep(INTERVAL); // deaf to `stop` until this returns
                if stop.load(Ordering::Acquire) {
                    return beats;
                }
                beats += 1;
            }
        })
    };
    Box::new(move || {
        let asked = Instant::now();
        stop.store(true, Ordering::Release);
        let beats = worker.join().unwrap();
        (beats, asked.elapsed())
    })
}

/// Starts the waiting heartbeat.
fn waiting_heartbeat() -> Stop {
    let signal = Arc::new((Mutex::new(false), Condvar::new()));
    let worker = {
        let signal = Arc::clone(&signal);
        thread::spawn(move || {
            let (stopping, changed) = &*signal;
            let mut beats = 0;
            loop {
                let guard = stopping.lock().unwrap();
                let (guard, _) = changed
                    .wait_timeout_while(guard, INTERVAL, |stop| !*stop)
                    .unwrap();
                if *guard {
                    return beats;
                }
                beats += 1;
            }
        })
    };
    Box::new(move || {
        let asked = Instant::now();
        let (stopping, changed) = &*signal;
        *stopping.lock().unwrap() = true;
        changed.notify_all();
        let beats = worker.join().unwrap();
        (beats, asked.elapsed())
    })
}

fn main() {
    println!("interval {INTERVAL:?}; stop requested {STOP_AFTER:?} after the start\n");
    let mut times = Vec::new();
    for (name, start) in [
        ("sleeps", sleeping_heartbeat as fn() -> Stop),
        ("waits", waiting_heartbeat),
    ] {
        let stop = start();
        thread::sleep(STOP_AFTER);
        let (beats, took) = stop();
        println!("{name:>6}: {beats} beat(s), stop() took {took:>12.3?}");
        times.push(took);
    }
    let ratio = times[0].as_secs_f64() / times[1].as_secs_f64().max(1e-9);
    println!("\nthe sleeping heartbeat took {ratio:.0}x as long to stop as the waiting one");
}
