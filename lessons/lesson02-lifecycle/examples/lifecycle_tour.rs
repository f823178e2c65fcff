//! One thread's life, recorded as it happens.
//!
//! A worker thread walks through every state a program can observe: New (described, not spawned),
//! Running, Blocked (in a sleep, on a channel, on a mutex the main thread holds), Running again and
//! Terminated. It records each change with a timestamp; the main thread holds it at each wait with
//! things it controls (a channel, a mutex), reads the state at those moments, and prints the whole
//! history at the end. Runnable never appears: only the OS scheduler knows about it.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lesson02 --example lifecycle_tour
//! ```

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    Running,
    Blocked(&'static str),
    Terminated,
}

/// The history, shared by the worker (which writes) and the main thread (which reads).
struct Recorder {
    start: Instant,
    history: Mutex<Vec<(Duration, State)>>,
}

impl Recorder {
    fn record(&self, state: State) {
        self.history.lock().unwrap().push((self.start.elapsed(), state));
    }
    fn now(&self) -> State {
        self.history
            .lock()
            .unwrap()
            .last()
            .map(|&(_, s)| s)
            .unwrap_or(State::New)
    }
}

/// Records Terminated when the worker's body ends, even by a panic.
struct Finished(Arc<Recorder>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.record(State::Terminated);
    }
}

/// Waits (politely) until the worker reports `want`.
fn wait_for(recorder: &Recorder, want: State) {
    while recorder.now() != want {
        thread::sleep(Duration::from_micros(200));
    }
}

fn main() {
    let recorder = Arc::new(Recorder {
        start: Instant::now(),
        history: Mutex::new(Vec::new()),
    });
    let shared = Arc::new(Mutex::new(0u32));
    let (tx, rx) = mpsc::channel::<u32>();

    recorder.record(State::New);
    let builder = thread::Builder::new().name("tour-worker".into());
    println!("before spawn: {:?} (a Builder, no OS thread yet)", recorder.now());

    // The main thread holds the mutex, so the worker's lock() below will have to wait.
    let held = shared.lock().unwrap();
    recorder.record(State::Running); // before spawn: the worker's own records always come later
    let worker = {
        let (recorder, shared) = (Arc::clone(&recorder), Arc::clone(&shared));
        builder
            .spawn(move || {
                let _finished = Finished(Arc::clone(&recorder));
                recorder.record(State::Blocked("sleep 20 ms"));
                thread::sleep(Duration::from_millis(20));
                recorder.record(State::Running);

                recorder.record(State::Blocked("recv on a channel"));
                let n = rx.recv().unwrap();
                recorder.record(State::Running);

                recorder.record(State::Blocked("lock a held mutex"));
                let mut value = shared.lock().unwrap();
                recorder.record(State::Running);
                *value += n;
            })
            .unwrap()
    };

    wait_for(&recorder, State::Blocked("recv on a channel"));
    println!(
        "worker waits for a message: {:?}, is_finished() = {}",
        recorder.now(),
        worker.is_finished()
    );
    tx.send(5).unwrap();

    wait_for(&recorder, State::Blocked("lock a held mutex"));
    println!("worker waits for the mutex: {:?}", recorder.now());
    drop(held);

    worker.join().unwrap();
    println!(
        "after join: {:?}, value = {}",
        recorder.now(),
        shared.lock().unwrap()
    );
    println!("\nhistory of thread 'tour-worker':");
    for (at, state) in recorder.history.lock().unwrap().iter() {
        println!("  {:>9.3} ms  {state:?}", at.as_secs_f64() * 1000.0);
    }
}
