//! Waiting on learner threads without ever hanging a test: every wait has the same [`PATIENCE`], so a
//! solution that never reaches the awaited state fails in seconds with a message, instead of running
//! into the grader's timeout.
//!
//! These waits are one-sided: the reference reaches the state long before the limit, and only a
//! wrong solution ever waits it out.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for learner threads to do something before deciding they never will.
pub const PATIENCE: Duration = Duration::from_secs(2);

/// Polls `done` every millisecond until it holds (true) or [`PATIENCE`] runs out (false).
pub fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `f` on a helper thread and returns its result, or `None` when it has not returned within
/// [`PATIENCE`] (the helper is left behind; the test process ends soon anyway). A panic in `f` fails
/// the test.
pub fn within_patience<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    match result.recv_timeout(PATIENCE) {
        Ok(value) => Some(value),
        Err(RecvTimeoutError::Timeout) => None,
        // The helper panicked (its panic is recorded): surface it as this test's failure.
        Err(RecvTimeoutError::Disconnected) => {
            panic!("the call panicked on its helper thread (see the first panic)")
        }
    }
}

/// A meeting point for `expected` threads that proves they run at the same time: [`Rendezvous::arrive`]
/// returns only when all of them are inside it at once, or when [`PATIENCE`] runs out. After one
/// thread gave up, later ones give up at once, so a solution that runs them one by one costs one wait,
/// not one per thread. [`Rendezvous::peak`] says how many were ever inside together.
#[derive(Debug)]
pub struct Rendezvous {
    expected: usize,
    state: Mutex<Meeting>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Meeting {
    inside: usize,
    peak: usize,
    met: bool,
    gave_up: bool,
}

impl Rendezvous {
    /// A meeting point for `expected` threads.
    pub fn new(expected: usize) -> Rendezvous {
        Rendezvous {
            expected,
            state: Mutex::new(Meeting::default()),
            changed: Condvar::new(),
        }
    }

    /// Waits until all `expected` threads are inside at once (true) or patience runs out (false).
    pub fn arrive(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.gave_up {
            return false;
        }
        state.inside += 1;
        state.peak = state.peak.max(state.inside);
        if state.inside >= self.expected {
            state.met = true;
            self.changed.notify_all();
        }
        let deadline = Instant::now() + PATIENCE;
        while !state.met && !state.gave_up {
            let now = Instant::now();
            if now >= deadline {
                state.gave_up = true;
                self.changed.notify_all();
                break;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        state.inside -= 1;
        state.met
    }

    /// The most threads that were inside [`Rendezvous::arrive`] at one time.
    pub fn peak(&self) -> usize {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).peak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_that_overlap_meet_and_a_lone_thread_gives_up() {
        let meeting = Rendezvous::new(3);
        let met: Vec<bool> = std::thread::scope(|s| {
            let arrivals: Vec<_> = (0..3).map(|_| s.spawn(|| meeting.arrive())).collect();
            arrivals.into_iter().map(|a| a.join().unwrap()).collect()
        });
        assert_eq!((met, meeting.peak()), (vec![true; 3], 3));

        let alone = Rendezvous::new(2);
        let started = Instant::now();
        assert!(!alone.arrive());
        assert!(started.elapsed() >= PATIENCE);
        assert!(!alone.arrive(), "after one gave up, the next gives up at once");
        assert_eq!(alone.peak(), 1);
    }

    #[test]
    fn eventually_and_within_patience_report_what_happened() {
        let mut calls = 0;
        assert!(eventually(|| {
            calls += 1;
            calls == 3
        }));
        assert_eq!(within_patience(|| 7), Some(7));
    }
}

/// A flag that turns true when a thread exits: after everything the thread ran, the learner's code
/// that handed on its result or its panic included (thread-locals are dropped last). Tests use it to
/// act only once a thread has really ended, where "the closure returned" would still race with what
/// the learner's code does next. A `static`, so a plain `fn` (a counter `fn(&str) -> usize`) can
/// mark its own thread.
#[derive(Debug)]
pub struct ThreadEnd {
    ended: std::sync::atomic::AtomicBool,
}

impl ThreadEnd {
    pub const fn new() -> ThreadEnd {
        ThreadEnd {
            ended: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Called on the thread to watch: the flag is set when that thread exits.
    pub fn mark_current_thread(&'static self) {
        THREAD_END_MARKS.with(|marks| marks.borrow_mut().push(EndMark(self)));
    }

    /// Whether the marked thread has exited.
    pub fn has_ended(&self) -> bool {
        self.ended.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Default for ThreadEnd {
    fn default() -> ThreadEnd {
        ThreadEnd::new()
    }
}

/// Sets its flag when dropped, which happens when the thread holding it exits.
struct EndMark(&'static ThreadEnd);

impl Drop for EndMark {
    fn drop(&mut self) {
        self.0.ended.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

thread_local! {
    static THREAD_END_MARKS: std::cell::RefCell<Vec<EndMark>> = const { std::cell::RefCell::new(Vec::new()) };
}
