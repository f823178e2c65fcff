//! Hidden tests, beginner tier: `Event` and `Heartbeat`.
//!
//! Blocking calls run on helper threads and are awaited with a 2 s limit, so a wait that never
//! returns fails with a message instead of hanging until the grader's timeout.

use lesson03::beginner::{Event, Heartbeat};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use threadlab_harness::generate::Gen;
use threadlab_harness::wait::{PATIENCE, within_patience};
use threadlab_harness::{catch_panic, expect, expect_eq, explore};

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
        ("event_calls_match_the_reference", event_calls_match_the_reference),
        (
            "heartbeats_at_edge_intervals_match_the_reference",
            heartbeats_at_edge_intervals_match_the_reference,
        ),
        (
            "heartbeat_stop_is_never_lost_in_any_schedule",
            heartbeat_stop_is_never_lost_in_any_schedule,
        ),
        (
            "event_histories_keep_every_promise_in_any_schedule",
            event_histories_keep_every_promise_in_any_schedule,
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

/// Threads waiting on one event (more than any fixed number of wake-ups would cover); one `set` must
/// release them all.
fn event_set_wakes_every_waiter() {
    const WAITERS: usize = 17;
    const TIMED: usize = 6;
    let event = Arc::new(Event::new());
    let (report, reports) = mpsc::channel();
    let (started, starts) = mpsc::channel();
    for waiter in 0..WAITERS {
        let (event, report, started) = (Arc::clone(&event), report.clone(), started.clone());
        thread::spawn(move || {
            started.send(()).unwrap();
            if waiter < TIMED {
                let flag = event.wait_timeout(Duration::from_secs(30));
                let _ = report.send(format!("wait_timeout(30 s) returned {flag}"));
            } else {
                event.wait();
                let _ = report.send("wait() returned".to_owned());
            }
        });
    }
    for _ in 0..WAITERS {
        starts.recv().unwrap();
    }
    // Not needed for correctness: it just makes it very likely that all of them are asleep in the
    // Condvar when `set` comes, which is the case this test is about.
    thread::sleep(Duration::from_millis(50));
    event.set();
    let mut woken = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while woken.len() < WAITERS {
        match reports.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => woken.push(line),
            Err(_) => break,
        }
    }
    expect!(
        woken.len() == WAITERS,
        "{WAITERS} threads waited on one event ({} in wait(), {TIMED} in wait_timeout(30 s)), then set() was \
         called once: expected all {WAITERS} to return within {PATIENCE:?}, but only {} did: {woken:?} (set must \
         wake every waiter, however many there are)",
        WAITERS - TIMED,
        woken.len()
    );
    let timed_true = woken
        .iter()
        .filter(|line| *line == "wait_timeout(30 s) returned true")
        .count();
    expect!(
        timed_true == TIMED,
        "the {TIMED} waiters in wait_timeout(30 s) should each return true once set() was called; they reported \
         {woken:?}"
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

/// A 10 s interval, and a stop while the thread is in the middle of its wait: `stop` must return
/// long before the first beat is due. A heartbeat that sleeps instead of waiting on the event fails
/// on every run. The test does not stop right after `start`: with real threads, whether such a stop
/// lands before the thread's first check, between that check and its wait, or in the wait is up to
/// the scheduler, so a heartbeat that loses a stop made in that gap (a flag read outside the lock)
/// would lose this point on some runs only. That gap, and what a stop right after `start` counts,
/// are left to the checked heartbeat test, which tries every interleaving.
fn heartbeat_stop_is_prompt() {
    let heartbeat = Heartbeat::start(Duration::from_secs(10), |_| {});
    // Long enough for the new thread to reach its wait, on a loaded machine too.
    thread::sleep(Duration::from_millis(100));
    let stopping = Instant::now();
    let count = within_patience(move || heartbeat.stop());
    expect!(
        count.is_some(),
        "Heartbeat::start(10 s interval), a 100 ms pause, then stop(): expected stop() to return within \
         {PATIENCE:?}, but it was still blocked after {:?} (the thread does not hear the stop until its \
         interval is over: it sleeps instead of waiting on the event, or the stop does not wake its wait)",
        stopping.elapsed()
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

/// One call of the differential test on a single thread.
#[derive(Debug, Clone)]
enum Call {
    Set,
    Clear,
    IsSet,
    /// `wait_timeout` (`Duration::MAX` only while the flag is up: it must then return at once).
    WaitTimeout(Duration),
    /// `wait()`, only while the flag is up (it must return at once).
    Wait,
}

fn calls(g: &mut threadlab_harness::generate::Gen) -> Vec<Call> {
    let len = g.count_in(0, 16);
    (0..len)
        .map(|_| match g.range(0, 6) {
            0 | 1 => Call::Set,
            2 => Call::Clear,
            3 => Call::IsSet,
            4 | 5 => Call::WaitTimeout(g.pick(&[
                Duration::ZERO,
                Duration::from_millis(1),
                Duration::from_millis(3),
                Duration::MAX,
            ])),
            _ => Call::Wait,
        })
        .collect()
}

/// Runs calls on a new `$krate::beginner::Event` (the learner's `lesson03` or `reference`) on one
/// thread, with each wait on a helper thread and a time limit, and returns what each call gave.
macro_rules! run_calls {
    ($krate:ident, $calls:expr) => {{
        let event = Arc::new($krate::beginner::Event::new());
        let mut up = false;
        let mut seen = Vec::new();
        for call in $calls {
            let waiter = Arc::clone(&event);
            seen.push(match call {
                Call::Set => {
                    event.set();
                    up = true;
                    "set()".to_owned()
                }
                Call::Clear => {
                    event.clear();
                    up = false;
                    "clear()".to_owned()
                }
                Call::IsSet => format!("is_set(): {}", event.is_set()),
                Call::WaitTimeout(timeout) => {
                    // A timeout of Duration::MAX only while the flag is up; 3 ms otherwise.
                    let timeout = if *timeout == Duration::MAX && !up {
                        Duration::from_millis(3)
                    } else {
                        *timeout
                    };
                    let started = Instant::now();
                    match within_patience(move || waiter.wait_timeout(timeout)) {
                        Some(flag) => format!(
                            "wait_timeout({timeout:?}): {flag}{}",
                            if !flag && started.elapsed() < timeout {
                                " before the timeout had passed"
                            } else {
                                ""
                            }
                        ),
                        None => format!("wait_timeout({timeout:?}): still waiting after {PATIENCE:?}"),
                    }
                }
                Call::Wait if up => match within_patience(move || waiter.wait()) {
                    Some(()) => "wait(): returned".to_owned(),
                    None => format!("wait(): still waiting after {PATIENCE:?}"),
                },
                Call::Wait => continue,
            });
        }
        seen
    }};
}

/// Generated sequences of `set`, `clear`, `is_set`, `wait` and `wait_timeout` (timeouts of zero, a
/// few ms, and `Duration::MAX` while the flag is up) on one thread give what the reference gives,
/// call by call.
fn event_calls_match_the_reference() {
    threadlab_harness::generate::differential(
        41,
        80,
        "what each call gave, for Event::new() then these calls on one thread",
        calls,
        |c| run_calls!(lesson03, c),
        |c| run_calls!(reference, c),
    );
}

/// One generated heartbeat.
#[derive(Debug)]
struct Beats {
    interval: Duration,
    /// Stopped after this many beats were seen.
    after: u64,
    /// Ended with `stop()` (else dropped).
    stop: bool,
}

fn beats(g: &mut threadlab_harness::generate::Gen) -> Beats {
    let interval = g.pick(&[
        Duration::ZERO,
        Duration::from_millis(1),
        Duration::from_millis(3),
        Duration::MAX,
    ]);
    Beats {
        interval,
        after: if interval == Duration::MAX {
            0
        } else {
            g.range(0, 5)
        },
        stop: !g.one_in(3),
    }
}

/// How long, in a generated heartbeat ended by drop, the end of the heartbeat thread waits for the
/// test to say that drop has returned (a drop that joins waits this long once per case).
const EXIT_HOLD: Duration = Duration::from_millis(20);

/// What a generated heartbeat's `on_beat` tells the test about its own end: whether `stop()` or
/// drop had returned, and whether `on_beat` has been dropped since and when.
#[derive(Debug, Default)]
struct ExitSeen {
    /// (`stop()` or drop has returned, `on_beat` was dropped: after that return or before it).
    state: Mutex<(bool, Option<bool>)>,
    changed: Condvar,
}

impl ExitSeen {
    /// Called by the test right after `stop()` or drop returns.
    fn returned(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0 = true;
        self.changed.notify_all();
    }
}

/// Moved into `on_beat`, so dropped with it when the heartbeat thread ends. With `hold` (the drop
/// cases) it first waits up to [`EXIT_HOLD`] for the test's word that drop returned: a drop that
/// does not join returns while the thread is held here, and is seen doing so on every run, whoever
/// the scheduler runs first; a drop that joins is still inside `join` when the hold runs out.
struct ExitWitness {
    seen: Arc<ExitSeen>,
    hold: bool,
}

impl Drop for ExitWitness {
    fn drop(&mut self) {
        let state = self.seen.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut state = if self.hold {
            self.seen
                .changed
                .wait_timeout_while(state, EXIT_HOLD, |state| !state.0)
                .unwrap_or_else(|e| e.into_inner())
                .0
        } else {
            state
        };
        state.1 = Some(state.0);
    }
}

/// Runs a [`Beats`] on `$krate::beginner::Heartbeat` and returns what the test can see, as plain
/// text: whether each promise held, not the timing-dependent count itself.
macro_rules! run_beats {
    ($krate:ident, $beats:expr) => {{
        let beats: &Beats = $beats;
        let (beat, seen_beats) = mpsc::channel();
        let caller = thread::current().id();
        let started = Instant::now();
        let seen_exit = Arc::new(ExitSeen::default());
        let witness = ExitWitness {
            seen: Arc::clone(&seen_exit),
            hold: !beats.stop,
        };
        let heartbeat = $krate::beginner::Heartbeat::start(beats.interval, move |n| {
            let _witness = &witness;
            let _ = beat.send((n, thread::current().id(), started.elapsed()));
        });
        let mut got = Vec::new();
        while (got.len() as u64) < beats.after {
            match seen_beats.recv_timeout(PATIENCE) {
                Ok(b) => got.push(b),
                Err(_) => break,
            }
        }
        let reached = got.len() as u64 >= beats.after;
        let stop = beats.stop;
        let seen_return = Arc::clone(&seen_exit);
        let count = within_patience(move || {
            let count = if stop {
                Some(heartbeat.stop())
            } else {
                drop(heartbeat);
                None
            };
            seen_return.returned();
            count
        });
        // Once stop or drop has returned, the thread is gone, and `on_beat` (its witness) with it:
        // dropped before that return. (A thread that is never stopped never drops it.)
        threadlab_harness::wait::eventually(|| {
            seen_exit
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .1
                .is_some()
        });
        let gone = seen_exit.state.lock().unwrap_or_else(|e| e.into_inner()).1 == Some(false);
        got.extend(seen_beats.try_iter());
        let numbers: Vec<u64> = got.iter().map(|b| b.0).collect();
        let mut threads: Vec<_> = got.iter().map(|b| b.1).collect();
        threads.dedup();
        let early: Vec<u64> = got
            .iter()
            .filter(|(n, _, at)| beats.interval.checked_mul(*n as u32).is_some_and(|due| *at < due))
            .map(|b| b.0)
            .collect();
        vec![
            format!(
                "the first {} beats came within {PATIENCE:?} each: {reached}",
                beats.after
            ),
            format!(
                "{} returned within {PATIENCE:?}: {}",
                if stop { "stop()" } else { "drop" },
                count.is_some()
            ),
            format!(
                "beat numbers are 1, 2, 3, ... in order: {}",
                numbers.iter().enumerate().all(|(i, n)| *n == i as u64 + 1)
            ),
            format!(
                "stop() returned how many times on_beat was called: {}",
                count.flatten().is_none_or(|c| c == numbers.len() as u64)
            ),
            format!(
                "every beat on one thread that is not the caller's: {}",
                threads.len() <= 1 && !threads.contains(&caller)
            ),
            format!("beats that came before n intervals had passed since start: {early:?}"),
            format!("on_beat dropped (the thread gone) when that returned: {gone}"),
        ]
    }};
}

/// Generated heartbeats at the edges of `interval` (zero, a few ms, `Duration::MAX`), stopped or
/// dropped after a few beats: beat numbers in order from 1, the count `stop` returns, every beat on
/// one thread of its own and none early, a prompt end, and the thread gone after it, as with the
/// reference.
fn heartbeats_at_edge_intervals_match_the_reference() {
    threadlab_harness::generate::differential(
        42,
        40,
        "what the test saw of Heartbeat::start(interval, on_beat), stopped or dropped after some beats",
        beats,
        |b| run_beats!(lesson03, b),
        |b| run_beats!(reference, b),
    );
}

// ---------------------------------------------------------------------------------------------------
// Under the checker. These bodies run inside `explore`: the Event's and the heartbeat's locks,
// condition variables and threads (from `lesson03::sync` / `lesson03::thread`) are the checker's, so
// each body runs under many seeded schedules and a wake-up lost in a gap of one instruction is found
// on every run. The checker models no time: a `wait_timeout` there never times out, so these tests use
// intervals and timeouts (an hour) that no correct code reaches, and never count on a timeout.

/// Yields to the other threads of the schedule until `done` holds (true) or [`SPINS`] yields have
/// passed (false): far more than correct code needs, since each yield lets another thread run.
fn spin_until(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..SPINS {
        if done() {
            return true;
        }
        lesson03::thread::yield_now();
    }
    done()
}

/// How many times a test yields while it waits for the threads of a schedule (see [`spin_until`]).
const SPINS: usize = 5_000;

/// An interval or timeout no correct code waits out inside `explore` (the checker never times out).
const HOUR: Duration = Duration::from_secs(3600);

/// Runs `body` under `explore`; a schedule in which every thread is blocked fails with `deadlocked`
/// (what went wrong, in the lesson's terms). Any other failure is reported as it is.
fn explore_naming_deadlocks(iterations: usize, body: impl Fn() + Send + Sync + 'static, deadlocked: &str) {
    if let Err(message) = catch_panic(|| explore(iterations, body)) {
        if message.starts_with("deadlock!") {
            ::core::panic!("{deadlocked}");
        }
        ::core::panic!("{message}");
    }
}

/// A heartbeat (interval: an hour) is stopped, or dropped, at every possible moment after `start`:
/// before its thread has run, while it checks for a stop, as it goes to sleep, and asleep. `stop`
/// must return 0 and `on_beat` never run. A stop flag that the thread reads outside the lock its
/// wait sleeps on, or a notification sent without that lock, is missed when the stop lands between
/// the thread's check and its wait: the thread then sleeps for the whole interval. Every bank entry
/// this test catches is caught within 10 of the 100 schedules tried.
fn heartbeat_stop_is_never_lost_in_any_schedule() {
    explore_naming_deadlocks(
        100,
        || {
            for stop in [true, false] {
                let beats = lesson03::sync::Arc::new(lesson03::sync::atomic::AtomicU64::new(0));
                let counted = lesson03::sync::Arc::clone(&beats);
                let heartbeat = Heartbeat::start(HOUR, move |_| {
                    counted.fetch_add(1, lesson03::sync::atomic::Ordering::SeqCst);
                });
                let count = if stop {
                    Some(heartbeat.stop())
                } else {
                    drop(heartbeat);
                    None
                };
                let beats = beats.load(lesson03::sync::atomic::Ordering::SeqCst);
                let ended = if stop { "stopped" } else { "dropped" };
                expect!(
                    beats == 0,
                    "on_beat ran {beats} time(s) for a heartbeat with a 1 h interval {ended} right after start: no \
                     interval had passed (under the checker no time passes at all: a wait_timeout ends only when \
                     woken, and thread::sleep returns at once, so a heartbeat that sleeps instead of waiting on the \
                     stop Event beats here)"
                );
                if let Some(count) = count {
                    expect_eq!(
                        count,
                        0,
                        "what stop() returned for a heartbeat with a 1 h interval stopped right after start"
                    );
                }
            }
        },
        "a heartbeat with a 1 h interval was stopped right after start, and stop() (or drop) never returned in one \
         of the schedules the checker tried: the heartbeat thread had checked for a stop, found none, and then \
         went to sleep for the interval after the stop request had come and gone. Check for the stop under the \
         same lock that your wait releases, and set it under that lock: waiting on the stop Event with \
         wait_timeout(interval) does both",
    );
}

/// One step of a generated Event history, done by the test's own thread.
#[derive(Debug, Clone, Copy)]
enum Step {
    Set,
    Clear,
    /// `set()` and, at once, `clear()`: a waiter woken by the set finds the flag down again unless
    /// it got the lock in between, and must then go back to sleep.
    SetThenClear,
    /// Starts a thread that calls `wait()`.
    Wait,
    /// Starts a thread that calls `wait_timeout(1 h)`.
    WaitTimeout,
    /// Reads `is_set()`.
    IsSet,
    /// Lets the other threads run a while.
    Pause,
    /// With the flag up: lets the other threads run until every waiter has returned, as each must.
    Settle,
}

fn steps(g: &mut Gen) -> Vec<Step> {
    let len = g.count_in(2, 6);
    let mut steps: Vec<Step> = (0..len)
        .map(|_| match g.range(0, 9) {
            0 => Step::Set,
            1 => Step::Clear,
            2 | 3 => Step::SetThenClear,
            4 | 5 => Step::Wait,
            6 => Step::WaitTimeout,
            7 => Step::IsSet,
            _ => Step::Pause,
        })
        .collect();
    // Two more waiters, so that waking one of them is not enough, and a set that a clear undoes while
    // they are (most likely) asleep.
    // Then a waiter that starts while the flag is up, which must return without another set.
    steps.extend([
        Step::Wait,
        Step::WaitTimeout,
        Step::Pause,
        Step::SetThenClear,
        Step::IsSet,
        Step::Set,
        Step::Wait,
        Step::Settle,
    ]);
    steps
}

/// A waiter of a generated history: whether it may return yet (the flag was up when it started, or
/// a `set` came after), and what it reported when it returned (`Some(flag)` for `wait_timeout`).
struct Waiter {
    what: &'static str,
    started_at: usize,
    released: bool,
    returned: lesson03::sync::Arc<lesson03::sync::Mutex<Option<Option<bool>>>>,
    handle: Option<lesson03::thread::JoinHandle<()>>,
}

/// Generated histories on one `Event`: the test's thread sets, clears (also right after a set) and
/// reads it and starts threads that wait on it, then sets it for good. In every schedule: no wait
/// returns while the flag has been down since it began; `is_set` gives the flag as the test last left
/// it; while the flag is up every waiter returns, also one that started after the set; the final
/// `set` wakes every waiter still asleep, however many; and `wait_timeout` returns `true` (its hour
/// never passes). At a tenth of the schedules tried here, every bank entry this test catches is
/// still caught.
fn event_histories_keep_every_promise_in_any_schedule() {
    let histories: Vec<Vec<Step>> = {
        let mut g = Gen::new(43);
        (0..6).map(|_| steps(&mut g)).collect()
    };
    explore_naming_deadlocks(
        60,
        move || {
            for history in &histories {
                run_history(history);
            }
        },
        "every thread was blocked: a thread in wait() or wait_timeout() slept on although the flag was up, or \
         set(), clear() or is_set() waited for a lock that a sleeping waiter kept. A waiter must check the flag \
         and go to sleep under one lock (Condvar::wait releases it while asleep), and set() must raise the flag \
         under that lock before it notifies",
    );
}

fn run_history(history: &[Step]) {
    use lesson03::sync::{Arc, Mutex};
    let event = Arc::new(Event::new());
    let mut up = false;
    let mut waiters: Vec<Waiter> = Vec::new();
    let done_so_far = |steps: &[Step]| format!("Event::new(), then {steps:?}");
    for (at, step) in history.iter().enumerate() {
        match step {
            Step::Set => {
                event.set();
                up = true;
                for waiter in &mut waiters {
                    waiter.released = true;
                }
            }
            Step::Clear => {
                event.clear();
                up = false;
            }
            Step::SetThenClear => {
                event.set();
                event.clear();
                up = false;
                for waiter in &mut waiters {
                    waiter.released = true;
                }
            }
            Step::IsSet => expect_eq!(
                event.is_set(),
                up,
                "is_set() after {} on the test's thread",
                done_so_far(&history[..at])
            ),
            Step::Settle if up => {
                let all_back = spin_until(|| waiters.iter().all(|w| w.returned.lock().unwrap().is_some()));
                let still: Vec<String> = waiters
                    .iter()
                    .filter(|w| w.returned.lock().unwrap().is_none())
                    .map(|w| format!("{} started after step {}", w.what, w.started_at + 1))
                    .collect();
                expect!(
                    all_back,
                    "{}: the flag is up, yet {still:?} never returned. A wait must return at once when the flag \
                     is already up (look at it before going to sleep), and a set must wake every waiter",
                    done_so_far(&history[..=at])
                );
            }
            Step::Settle => {}
            Step::Pause => {
                for _ in 0..3 {
                    lesson03::thread::yield_now();
                }
            }
            Step::Wait | Step::WaitTimeout => {
                let timed = matches!(step, Step::WaitTimeout);
                let returned = Arc::new(Mutex::new(None));
                let (waiting, report) = (Arc::clone(&event), Arc::clone(&returned));
                let handle = lesson03::thread::spawn(move || {
                    let flag = if timed {
                        Some(waiting.wait_timeout(HOUR))
                    } else {
                        waiting.wait();
                        None
                    };
                    *report.lock().unwrap() = Some(flag);
                });
                waiters.push(Waiter {
                    what: if timed { "wait_timeout(1 h)" } else { "wait()" },
                    started_at: at,
                    released: up,
                    returned,
                    handle: Some(handle),
                });
            }
        }
        for waiter in &waiters {
            let returned = *waiter.returned.lock().unwrap();
            expect!(
                returned.is_none() || waiter.released,
                "{} started after {} returned{} while the flag had stayed down since it began (seen \
                 after {}): a wait may return only once the flag is up",
                waiter.what,
                done_so_far(&history[..waiter.started_at]),
                match returned {
                    Some(Some(flag)) => format!(" {flag}"),
                    _ => String::new(),
                },
                done_so_far(&history[..=at])
            );
        }
    }
    event.set();
    let asleep: Vec<String> = waiters
        .iter()
        .filter(|w| w.returned.lock().unwrap().is_none())
        .map(|w| format!("{} started after step {}", w.what, w.started_at + 1))
        .collect();
    let all_back = spin_until(|| waiters.iter().all(|w| w.returned.lock().unwrap().is_some()));
    let still: Vec<String> = waiters
        .iter()
        .filter(|w| w.returned.lock().unwrap().is_none())
        .map(|w| format!("{} started after step {}", w.what, w.started_at + 1))
        .collect();
    expect!(
        all_back,
        "{}, then set(): expected every waiter to return, but {still:?} never did (waiting when the last set() \
         came: {asleep:?}). set() must wake every waiter (notify_all), and a waiter must not miss a set() that \
         came before it went to sleep",
        done_so_far(history)
    );
    for waiter in &mut waiters {
        if let Some(handle) = waiter.handle.take() {
            handle
                .join()
                .expect("a waiting thread panicked (see the first panic)");
        }
        let returned = *waiter.returned.lock().unwrap();
        if waiter.what.starts_with("wait_timeout") {
            expect_eq!(
                returned,
                Some(Some(true)),
                "what {} started after {} returned once set() came (its hour had not passed)",
                waiter.what,
                done_so_far(&history[..waiter.started_at])
            );
        }
    }
}
