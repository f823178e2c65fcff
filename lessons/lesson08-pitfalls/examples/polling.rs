//! Pitfall 9 at full size: during the same 200 ms wait, count how often a poller looks at the state,
//! and how often a thread waiting on a `Condvar` does.
//!
//! `cargo run -p lesson08 --example polling`

use lesson08::sync::{Condvar, Mutex};
use lesson08::thread;
use std::time::Duration;

const WAIT: Duration = Duration::from_millis(200);

fn main() {
    let ready = Mutex::new(false);
    let changed = Condvar::new();
    let (polls, wakeups) = thread::scope(|s| {
        let poller = s.spawn(|| {
            let mut looks = 0;
            loop {
                looks += 1;
                if *ready.lock().unwrap() {
                    return looks;
                }
                thread::sleep(Duration::from_millis(1));
            }
        });
        let sleeper = s.spawn(|| {
            let mut looks = 0;
            let guard = changed
                .wait_while(ready.lock().unwrap(), |ready| {
                    looks += 1;
                    !*ready
                })
                .unwrap();
            drop(guard);
            looks
        });
        thread::sleep(WAIT);
        *ready.lock().unwrap() = true;
        changed.notify_all();
        (poller.join().unwrap(), sleeper.join().unwrap())
    });
    println!("while waiting {WAIT:?}: the poller looked {polls} times, the Condvar waiter {wakeups} times");
}
