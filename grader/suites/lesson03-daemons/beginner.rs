//! Hidden tests, beginner tier: `Event` and `Heartbeat`.
//!
//! Blocking calls run on helper threads and are awaited with a 2 s limit, so a wait that never
//! returns fails with a message instead of hanging until the grader's timeout.

use lesson03::beginner::{Event, Heartbeat};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};
use threadlab_harness::wait::{PATIENCE, within_patience};
use threadlab_harness::{catch_panic, expect, expect_eq};

/// How long a test watches a wait that must *not* return yet.
const WATCH: Duration = Duration::from_millis(300);

/// Rounds of "set, then clear at once" in the re-check tests.
const ROUNDS: usize = 30;

fn main() {
    threadlab_harness::main(&[
        ("event_set_clear_and_timeouts", event_set_clear_and_timeouts),
        (
            "event_wait_sees_a_set_made_before_it",
            event_wait_sees_a_set_made_before_it,
        ),
        ("event_set_wakes_every_waiter", event_set_wakes_every_waiter),
        ("event_wait_blocks_until_set", event_wait_blocks_until_set),
        (
            "event_wait_rechecks_the_flag_after_waking",
            event_wait_rechecks_the_flag_after_waking,
        ),
        (
            "event_wait_timeout_rechecks_the_flag_after_waking",
            event_wait_timeout_rechecks_the_flag_after_waking,
        ),
        (
            "heartbeat_beats_and_stop_counts_them",
            heartbeat_beats_and_stop_counts_them,
        ),
        ("heartbeat_stop_is_prompt", heartbeat_stop_is_prompt),
        (
            "heartbeat_stop_and_drop_join_the_thread",
            heartbeat_stop_and_drop_join_the_thread,
        ),
        (
            "heartbeat_stop_passes_on_a_panic_in_on_beat",
            heartbeat_stop_passes_on_a_panic_in_on_beat,
        ),
    ]);
}

fn event_set_clear_and_timeouts() {
    fn debug_and_default<T: std::fmt::Debug + Default>() {}
    debug_and_default::<Event>();
    let event = Event::new();
    expect_eq!(event.is_set(), false, "Event::new().is_set()");
    expect_eq!(Event::default().is_set(), false, "Event::default().is_set()");
    let started = Instant::now();
    expect_eq!(
        event.wait_timeout(Duration::from_millis(20)),
        false,
        "wait_timeout(20 ms) on a clear event"
    );
    expect!(
        started.elapsed() >= Duration::from_millis(20),
        "wait_timeout(20 ms) on a clear event should wait the whole 20 ms; it returned after {:?}",
        started.elapsed()
    );
    event.set();
    expect_eq!(event.is_set(), true, "is_set() after set()");
    expect_eq!(
        event.wait_timeout(Duration::from_millis(20)),
        true,
        "wait_timeout(20 ms) on a set event"
    );
    event.set();
    expect_eq!(event.is_set(), true, "is_set() after a second set()");
    event.clear();
    expect_eq!(event.is_set(), false, "is_set() after set() then clear()");
    expect_eq!(
        event.wait_timeout(Duration::from_millis(20)),
        false,
        "wait_timeout(20 ms) after set() then clear()"
    );
}

/// `set` happens before anyone waits: `wait` and `wait_timeout` must see the raised flag and return
/// at once. A bare `Condvar::wait` misses it, because the notification went out to nobody.
fn event_wait_sees_a_set_made_before_it() {
    let event = Arc::new(Event::new());
    event.set();

    let waiter = Arc::clone(&event);
    let returned = within_patience(move || waiter.wait());
    expect!(
        returned.is_some(),
        "wait() on an event that was set before the call: expected it to return at once, but it was still \
         blocked after {PATIENCE:?} (it slept without checking the flag first)"
    );

    let waiter = Arc::clone(&event);
    let flag = within_patience(move || waiter.wait_timeout(Duration::from_secs(30)));
    expect!(
        flag.is_some(),
        "wait_timeout(30 s) on an event that was set before the call: expected it to return at once, but it \
         was still blocked after {PATIENCE:?}"
    );
    expect_eq!(
        flag,
        Some(true),
        "wait_timeout(30 s) on an event set before the call"
    );
}

/// Three threads wait on one event; one `set` must release all three.
fn event_set_wakes_every_waiter() {
    let event = Arc::new(Event::new());
    let (report, reports) = mpsc::channel();
    let (started, starts) = mpsc::channel();
    for waiter in 0..3 {
        let (event, report, started) = (Arc::clone(&event), report.clone(), started.clone());
        thread::spawn(move || {
            started.send(()).unwrap();
            if waiter == 2 {
                let flag = event.wait_timeout(Duration::from_secs(30));
                let _ = report.send(format!("wait_timeout(30 s) returned {flag}"));
            } else {
                event.wait();
                let _ = report.send("wait() returned".to_owned());
            }
        });
    }
    for _ in 0..3 {
        starts.recv().unwrap();
    }
    // Not needed for correctness: it just makes it very likely that all three are asleep in the
    // Condvar when `set` comes, which is the case this test is about.
    thread::sleep(Duration::from_millis(50));
    event.set();
    let mut woken = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while woken.len() < 3 {
        match reports.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => woken.push(line),
            Err(_) => break,
        }
    }
    expect!(
        woken.len() == 3,
        "3 threads waited on one event (2 in wait(), 1 in wait_timeout(30 s)), then set() was called: \
         expected all 3 to return within {PATIENCE:?}, but only {} did: {woken:?} (set must wake every waiter)",
        woken.len()
    );
    expect!(
        woken
            .iter()
            .any(|line| line == "wait_timeout(30 s) returned true"),
        "the waiter in wait_timeout(30 s) should return true once set() was called; it reported {woken:?}"
    );
}

/// Starts a thread that announces itself, calls `block(&event)` and then reports `what` returned.
/// Returns once the thread has announced itself: it is about to call `block` (or inside it).
fn waiter<R: Send + 'static>(
    event: &Arc<Event>,
    block: impl FnOnce(&Event) -> R + Send + 'static,
) -> mpsc::Receiver<R> {
    let (started, starts) = mpsc::channel();
    let (report, reports) = mpsc::channel();
    let event = Arc::clone(event);
    thread::spawn(move || {
        started.send(()).unwrap();
        let _ = report.send(block(&event));
    });
    starts
        .recv()
        .expect("the waiting thread announces itself before it waits");
    reports
}

/// `wait` on a clear event must block: it may return only after a `set`. A `wait` that returns at
/// once, or a `clear` that does not lower the flag for later waits, fails here.
fn event_wait_blocks_until_set() {
    let event = Arc::new(Event::new());
    // A flag raised and lowered before anyone waits must not let the waiter through either.
    event.set();
    event.clear();
    let returned = waiter(&event, Event::wait);
    match returned.recv_timeout(WATCH) {
        Ok(()) => panic!(
            "wait() on an event that was set and then cleared before the call returned, although nobody \
             called set() again: expected it to block until the next set()"
        ),
        Err(RecvTimeoutError::Disconnected) => panic!("wait() panicked (see the first panic)"),
        Err(RecvTimeoutError::Timeout) => {}
    }
    event.set();
    expect!(
        returned.recv_timeout(PATIENCE).is_ok(),
        "a thread blocked in wait(), then set() was called: expected wait() to return, still blocked after \
         {PATIENCE:?}"
    );
}

/// One round of "a thread waits; `set()` then `clear()` at once": whether the waiter returned within
/// a short watch (before the test raises the flag for good), and what it returned.
fn set_then_clear_round<R: Send + 'static>(block: impl FnOnce(&Event) -> R + Send + 'static) -> Option<R> {
    let event = Arc::new(Event::new());
    let returned = waiter(&event, block);
    // Not needed for correctness: it makes it very likely that the waiter is asleep when `set`
    // comes, which is the case these tests are about.
    thread::sleep(Duration::from_millis(5));
    event.set();
    event.clear();
    match returned.recv_timeout(Duration::from_millis(20)) {
        Ok(value) => Some(value),
        Err(RecvTimeoutError::Disconnected) => panic!("the wait panicked (see the first panic)"),
        Err(RecvTimeoutError::Timeout) => {
            event.set();
            expect!(
                returned.recv_timeout(PATIENCE).is_ok(),
                "a thread waited on an event, set() and clear() came, then set() again: expected the wait to \
                 return after the second set(), still blocked after {PATIENCE:?}"
            );
            None
        }
    }
}

/// A waiter woken by `set` must look at the flag again before it returns. When `clear` has already
/// lowered it, a correct `wait` goes back to sleep. (A waiter that wakes quickly enough may catch the
/// flag while it is still up and return, legitimately; that happens in a minority of rounds, never
/// in nearly all of them. A `wait` that returns whenever it is woken returns in every round.)
fn event_wait_rechecks_the_flag_after_waking() {
    let early = (0..ROUNDS)
        .filter(|_| set_then_clear_round(Event::wait).is_some())
        .count();
    expect!(
        early < ROUNDS * 4 / 5,
        "{ROUNDS} rounds of: a thread waits in wait(), then set() and clear() are called back to back. wait() \
         returned in {early} of them although the flag was down again: expected it to re-check the flag after \
         waking and keep waiting while the flag is down (it may return in a few rounds, where it happened to \
         wake before the clear(), but not in nearly all)"
    );
}

/// The same for `wait_timeout`, where a wrong early return shows: `false` before the timeout.
fn event_wait_timeout_rechecks_the_flag_after_waking() {
    for round in 1..=ROUNDS {
        let started = Instant::now();
        let outcome = set_then_clear_round(|event| event.wait_timeout(Duration::from_secs(20)));
        if outcome == Some(false) {
            panic!(
                "a thread waited in wait_timeout(20 s), then set() and clear() were called back to back: \
                 wait_timeout returned false after {:?} (round {round}): expected it to keep waiting while the flag \
                 is down, and to return false only when the whole 20 s have passed",
                started.elapsed()
            );
        }
    }
}

/// Beats are counted structurally: `on_beat` reports each beat number through a channel.
fn heartbeat_beats_and_stop_counts_them() {
    let (beat, beats) = mpsc::channel();
    let heartbeat = Heartbeat::start(Duration::from_millis(2), move |n| {
        let _ = beat.send(n);
    });
    let mut seen = Vec::new();
    for _ in 0..3 {
        match beats.recv_timeout(PATIENCE) {
            Ok(n) => seen.push(n),
            Err(_) => panic!(
                "Heartbeat::start(2 ms interval): expected a beat every 2 ms, but after {seen:?} no beat came \
                 within {PATIENCE:?}"
            ),
        }
    }
    expect_eq!(
        seen,
        vec![1, 2, 3],
        "the numbers on_beat received for the first 3 beats"
    );
    let count = within_patience(move || heartbeat.stop());
    let Some(count) = count else {
        panic!(
            "stop() on a heartbeat with a 2 ms interval: expected it to return at once, still blocked after {PATIENCE:?}"
        )
    };
    seen.extend(beats.try_iter());
    expect_eq!(
        count,
        seen.len() as u64,
        "stop() should return how many times on_beat was called (on_beat received {seen:?}); stop() returned"
    );
    let expected: Vec<u64> = (1..=count).collect();
    expect_eq!(
        seen,
        expected,
        "beat numbers passed to on_beat, in order, until stop()"
    );
}

/// A 10 s interval and an immediate stop: `stop` must return long before the first beat is due.
fn heartbeat_stop_is_prompt() {
    let (beat, beats) = mpsc::channel();
    let heartbeat = Heartbeat::start(Duration::from_secs(10), move |n| {
        let _ = beat.send(n);
    });
    let started = Instant::now();
    let count = within_patience(move || heartbeat.stop());
    let Some(count) = count else {
        panic!(
            "Heartbeat::start(10 s interval) then stop(): expected stop() to return within {PATIENCE:?}, but it \
             was still blocked (the thread does not hear the stop until its interval is over: it sleeps instead \
             of waiting on the event)"
        )
    };
    expect_eq!(
        count,
        0,
        "stop() right after start with a 10 s interval (the first beat is due after 10 s)"
    );
    expect!(
        beats.try_recv().is_err(),
        "on_beat was called although stop() came right after start with a 10 s interval"
    );
    // Also prompt when the thread is already in the middle of its wait, not just starting it.
    let heartbeat = Heartbeat::start(Duration::from_secs(10), |_| {});
    thread::sleep(Duration::from_millis(50));
    let count = within_patience(move || heartbeat.stop());
    expect!(
        count.is_some(),
        "Heartbeat::start(10 s), 50 ms pause, then stop(): expected stop() to return within {PATIENCE:?}, but it \
         was still blocked (took over {:?})",
        started.elapsed()
    );
}

/// `stop` and `drop` must both wait for the beat in progress (join the thread), not just signal it.
fn heartbeat_stop_and_drop_join_the_thread() {
    let count = end_during_first_beat("stop()", Heartbeat::stop);
    expect_eq!(count, 1, "stop() after exactly one beat had started");
    end_during_first_beat("dropping a running Heartbeat", drop);
}

/// Starts a heartbeat whose first beat lasts until the test releases it, calls `end` on it from
/// another thread while that beat runs, and checks that `end` returns only after the release.
fn end_during_first_beat<R: Send + 'static>(
    what: &str,
    end: impl FnOnce(Heartbeat) -> R + Send + 'static,
) -> R {
    let (in_beat, in_beats) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let heartbeat = Heartbeat::start(Duration::from_millis(1), move |n| {
        if n == 1 {
            in_beat.send(()).unwrap();
            // The first beat takes as long as the test wants.
            let _ = released.recv();
        }
    });
    expect!(
        in_beats.recv_timeout(PATIENCE).is_ok(),
        "Heartbeat::start(1 ms interval): no beat came within {PATIENCE:?}"
    );
    let (done, ended) = mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(end(heartbeat));
    });
    match ended.recv_timeout(Duration::from_millis(300)) {
        Ok(_) => panic!(
            "{what} returned while on_beat(1) was still running: expected it to stop the thread \
             and wait for the beat in progress (join the thread)"
        ),
        Err(RecvTimeoutError::Disconnected) => panic!("{what} panicked (see the first panic)"),
        Err(RecvTimeoutError::Timeout) => {}
    }
    release.send(()).unwrap();
    let result = match ended.recv_timeout(PATIENCE) {
        Ok(result) => result,
        Err(_) => panic!(
            "{what}: expected it to return once the beat in progress ended; still blocked after {PATIENCE:?}"
        ),
    };
    // `on_beat` owns the only `in_beat` sender: once the thread is gone, so is the closure.
    expect!(
        matches!(in_beats.try_recv(), Err(mpsc::TryRecvError::Disconnected)),
        "{what} returned, but on_beat had not been dropped yet: expected the heartbeat thread to be gone (its \
         closure dropped) by the time {what} returns"
    );
    result
}

/// A panic in `on_beat` ends the heartbeat thread; `stop` must hand that panic on to its caller.
fn heartbeat_stop_passes_on_a_panic_in_on_beat() {
    let (beat, beats) = mpsc::channel();
    let heartbeat = Heartbeat::start(Duration::from_millis(1), move |n| {
        let _ = beat.send(n);
        panic!("on_beat({n}) panics on purpose (the test expects it)");
    });
    expect!(
        beats.recv_timeout(PATIENCE).is_ok(),
        "Heartbeat::start(1 ms interval): no beat came within {PATIENCE:?}"
    );
    let stopped = within_patience(move || catch_panic(move || heartbeat.stop()));
    let Some(stopped) = stopped else {
        panic!(
            "stop() after on_beat had panicked: expected it to return (by panicking) within {PATIENCE:?}, but it \
             was still blocked"
        )
    };
    match stopped {
        Ok(count) => panic!(
            "on_beat(1) panicked, then stop() returned {count}: expected stop() to panic with on_beat's message"
        ),
        Err(message) => expect!(
            message.contains("on_beat(1) panics on purpose"),
            "on_beat(1) panicked with \"on_beat(1) panics on purpose ...\", then stop() panicked with {message:?}: \
             expected the same message (resume the payload that join() returns)"
        ),
    }
}
