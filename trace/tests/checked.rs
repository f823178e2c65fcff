//! The checked facade behaves like `std` under shuttle and records what each thread did.

#![cfg(feature = "shuttle")]

use std::time::Duration;
use threadlab_trace::checked::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use threadlab_trace::checked::sync::{Arc, Condvar, Mutex, RwLock, mpsc};
use threadlab_trace::checked::thread;
use threadlab_trace::log::{self, Op};

#[test]
fn every_primitive_works_and_is_recorded() {
    // Shuttle's own runner, so the run is marked by hand (the harness's `explore` does it itself).
    let _active = threadlab_trace::Active::enter();
    shuttle::check_random(
        || {
            log::clear();
            let counter = Arc::new(AtomicU64::new(0));
            let total = Arc::new(Mutex::new(0u64));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (counter, total) = (Arc::clone(&counter), Arc::clone(&total));
                    thread::spawn(move || {
                        counter.fetch_add(2, Ordering::SeqCst);
                        *total.lock().unwrap() += 1;
                    })
                })
                .collect();
            for handle in handles {
                handle.join().unwrap();
            }
            assert_eq!(counter.load(Ordering::SeqCst), 4);
            assert_eq!(*total.lock().unwrap(), 2);

            let ready = Arc::new((Mutex::new(false), Condvar::new()));
            let flag = AtomicBool::new(false);
            let table = RwLock::new(vec![1]);
            let (sender, receiver) = mpsc::channel();
            thread::scope(|s| {
                let signal = Arc::clone(&ready);
                s.spawn(move || {
                    *signal.0.lock().unwrap() = true;
                    signal.1.notify_all();
                    sender.send(7).unwrap();
                });
                let guard = ready.1.wait_while(ready.0.lock().unwrap(), |r| !*r).unwrap();
                assert!(*guard);
                drop(guard);
                table.write().unwrap().push(2);
                assert_eq!(*table.read().unwrap(), [1, 2]);
                assert_eq!(
                    flag.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst),
                    Ok(false)
                );
                assert_eq!(receiver.recv_timeout(Duration::from_secs(1)), Ok(7));
            });

            let events = log::snapshot().events;
            let count = |f: fn(&Op) -> bool| events.iter().filter(|e| f(&e.op)).count();
            assert_eq!(
                count(|op| matches!(
                    op,
                    Op::Update {
                        name: "fetch_add",
                        ..
                    }
                )),
                2
            );
            assert_eq!(count(|op| matches!(op, Op::Spawn)), 3);
            assert_eq!(count(|op| matches!(op, Op::Join { .. })), 2);
            assert!(count(|op| matches!(op, Op::Lock)) >= 4);
            assert_eq!(count(|op| matches!(op, Op::Send { delivered: true })), 1);
            assert_eq!(count(|op| matches!(op, Op::Receive { received: true })), 1);
            assert!(
                events
                    .iter()
                    .all(|e| e.at.is_none_or(|p| p.file.ends_with("checked.rs")))
            );
        },
        50,
    );
}
