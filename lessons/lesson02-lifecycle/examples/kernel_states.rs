//! Every thread of this process, as the Linux kernel sees it.
//!
//! `std` keeps no list of threads, but Linux does: `/proc/self/task` has one directory per thread,
//! with its name (`comm`, cut to 15 bytes) and its scheduler state (`stat`). This program starts
//! more busy threads than the machine has cores, plus a few threads waiting on a channel, then
//! lists all of them:
//!
//! - every busy thread shows `R`, although at most one per core can be on a CPU at that instant:
//!   the kernel itself reports "running or runnable" as one state;
//! - the waiting threads show `S` (sleeping): Blocked;
//! - the list also has the main thread, which no `JoinHandle` stands for: a real
//!   `threading.enumerate()`, and not a portable one.
//!
//! Run it with (Linux only; elsewhere it says so and exits):
//!
//! ```text
//! cargo run -p lesson02 --example kernel_states
//! ```

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;

/// (name, state letter) of every thread in this process.
fn threads_of_this_process() -> std::io::Result<Vec<(String, char)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc/self/task")? {
        let dir = entry?.path();
        // A thread can end between read_dir and these reads; skip it then.
        let (Ok(comm), Ok(stat)) = (
            fs::read_to_string(dir.join("comm")),
            fs::read_to_string(dir.join("stat")),
        ) else {
            continue;
        };
        // stat is "tid (comm) S ...": the state is the first field after the last ')'.
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .unwrap_or('?');
        found.push((comm.trim_end().to_owned(), state));
    }
    found.sort();
    Ok(found)
}

fn main() {
    if fs::metadata("/proc/self/task").is_err() {
        println!("/proc/self/task is not available: this example needs Linux.");
        return;
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let busy = cores + 2;
    let stop = Arc::new(AtomicBool::new(false));
    let all_started = Arc::new(Barrier::new(busy + 1));
    let mut handles = Vec::new();
    for i in 0..busy {
        let (stop, all_started) = (Arc::clone(&stop), Arc::clone(&all_started));
        let spinner = move || {
            all_started.wait();
            while !stop.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        };
        handles.push(
            thread::Builder::new()
                .name(format!("busy-{i}"))
                .spawn(spinner)
                .unwrap(),
        );
    }
    let (tx, rx) = mpsc::channel::<()>();
    let rx = Arc::new(std::sync::Mutex::new(rx));
    for i in 0..2 {
        let rx = Arc::clone(&rx);
        let waiter = move || {
            let _ = rx.lock().unwrap().recv(); // blocked on the channel (or on the mutex)
        };
        handles.push(
            thread::Builder::new()
                .name(format!("waiting-{i}"))
                .spawn(waiter)
                .unwrap(),
        );
    }
    all_started.wait();
    // Give the waiters a moment to reach their recv(); only the display depends on it.
    thread::sleep(Duration::from_millis(50));

    let listed = threads_of_this_process().expect("read /proc/self/task");
    println!("{cores} core(s); {busy} busy threads, 2 waiting threads, and main:\n");
    for (name, state) in &listed {
        let meaning = match state {
            'R' => "running OR runnable (the kernel does not say which)",
            'S' => "sleeping: blocked, waiting for something",
            'D' => "uninterruptible wait (usually disk I/O)",
            _ => "other",
        };
        println!("  {name:<16} {state}  {meaning}");
    }
    let running_or_runnable = listed.iter().filter(|(_, s)| *s == 'R').count();
    println!(
        "\n{} threads in all (active_count); {running_or_runnable} show R, at most {cores} on a CPU.",
        listed.len()
    );

    stop.store(true, Ordering::Relaxed);
    drop(tx);
    for handle in handles {
        handle.join().unwrap();
    }
}
