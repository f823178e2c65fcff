//! Outside a checker run the facade records nothing: it is `std`, and real threads would otherwise
//! fill the log that a failing schedule is drawn from. (A test binary of its own: the log is global,
//! and the runs of other tests would record into it meanwhile.)

#![cfg(feature = "shuttle")]

use threadlab_trace::checked::sync::atomic::{AtomicU64, Ordering};
use threadlab_trace::checked::sync::{Arc, Condvar, Mutex, RwLock, mpsc};
use threadlab_trace::checked::thread;
use threadlab_trace::log;

#[test]
fn outside_a_run_nothing_is_recorded() {
    log::clear();
    let counter = Arc::new(AtomicU64::new(0));
    let lock = Arc::new(Mutex::new(0));
    let (sender, receiver) = mpsc::channel();
    let handle = {
        let (counter, lock) = (Arc::clone(&counter), Arc::clone(&lock));
        thread::spawn(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            *lock.lock().unwrap() += 1;
            sender.send(1).unwrap();
        })
    };
    assert_eq!(receiver.recv(), Ok(1));
    handle.join().unwrap();
    Condvar::new().notify_all();
    *RwLock::new(0).write().unwrap() += 1;
    assert_eq!((counter.load(Ordering::SeqCst), *lock.lock().unwrap()), (1, 1));
    assert_eq!(log::snapshot(), log::Snapshot::default());
}
