//! Hidden tests, advanced tier: `spawn_timed`, `TimedHandle::is_alive` and `join_timeout`.
//!
//! The timed threads wait on a gate the test opens, so "still running" is a fact, not a guess.
//! `join_timeout` is called on a helper thread with a watchdog: one that blocks past its timeout is
//! reported (and released) instead of hanging the test.

use lesson01::advanced::{JoinError, TimedHandle, spawn_timed};
use std::panic::panic_any;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use threadlab_harness::wait::{PATIENCE, ThreadEnd, eventually, within_patience};
use threadlab_harness::{catch_panic, expect, expect_eq, explore};

fn main() {
    threadlab_harness::main(&[
        ("join_timeout_returns_the_value", join_timeout_returns_the_value),
        (
            "join_timeout_gives_up_on_time_and_gives_the_handle_back",
            join_timeout_gives_up_on_time_and_gives_the_handle_back,
        ),
        ("is_alive_follows_the_thread", is_alive_follows_the_thread),
        (
            "a_panic_is_reported_with_its_message",
            a_panic_is_reported_with_its_message,
        ),
        (
            "a_handle_that_timed_out_later_reports_a_panic",
            a_handle_that_timed_out_later_reports_a_panic,
        ),
        (
            "generated_waits_match_the_reference",
            generated_waits_match_the_reference,
        ),
        (
            "join_timeout_gets_the_value_in_any_schedule",
            join_timeout_gets_the_value_in_any_schedule,
        ),
    ]);
}

fn assert_send<T: Send>() {}

/// How long the watchdog lets a `join_timeout` overrun before calling it stuck.
const OVERRUN: Duration = Duration::from_secs(2);

/// A gate the timed threads wait at until the test opens it.
#[derive(Clone)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn new() -> Self {
        Gate(Arc::new((Mutex::new(false), Condvar::new())))
    }
    fn wait(&self) {
        let (open, changed) = &*self.0;
        // Bounded, so a stuck test cannot leave a thread waiting forever.
        let _unused = changed
            .wait_timeout_while(open.lock().unwrap(), Duration::from_secs(30), |o| !*o)
            .unwrap();
    }
    fn open(&self) {
        let (open, changed) = &*self.0;
        *open.lock().unwrap() = true;
        changed.notify_all();
    }
}

fn describe<T: std::fmt::Debug>(result: &Result<T, JoinError<T>>) -> String {
    match result {
        Ok(value) => format!("Ok({value:?})"),
        Err(JoinError::Timeout(_)) => "Err(JoinError::Timeout(..))".to_owned(),
        Err(JoinError::Panicked(message)) => format!("Err(JoinError::Panicked({message:?}))"),
    }
}

/// Calls `handle.join_timeout(timeout)` on a helper thread. If it has not returned `OVERRUN` after
/// the timeout, opens `gate` (so the thread can finish and the call can return) and fails the test.
/// Returns the result and how long the call took.
fn join_watched<T: Send + 'static>(
    handle: TimedHandle<T>,
    timeout: Duration,
    gate: &Gate,
    call: &str,
) -> (Result<T, JoinError<T>>, Duration) {
    let (done, finished) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let started = Instant::now();
        let result = handle.join_timeout(timeout);
        let _ = done.send(started.elapsed());
        result
    });
    match finished.recv_timeout(timeout + OVERRUN) {
        Ok(took) => (waiter.join().unwrap_or_else(|_| panic!("{call} panicked")), took),
        Err(RecvTimeoutError::Timeout) => {
            gate.open();
            let _ = waiter.join();
            panic!(
                "{call} was still waiting {:?} after its timeout of {timeout:?} had passed, while the thread kept \
                 running: it must give up when the timeout passes and return Err(JoinError::Timeout(handle))",
                OVERRUN
            );
        }
        Err(RecvTimeoutError::Disconnected) => {
            let message = match waiter.join() {
                Err(payload) => payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default(),
                Ok(_) => String::new(),
            };
            panic!("{call} panicked: {message}");
        }
    }
}

/// Runs a part of a test whose timed threads panic on purpose, so those panics are not mistaken for
/// the test's own failure; a real failure inside is re-raised with its message.
fn with_planned_panics<R>(body: impl FnOnce() -> R) -> R {
    match catch_panic(body) {
        Ok(result) => result,
        Err(message) => panic!("{message}"),
    }
}

/// The thread of join_timeout_returns_the_value's early case (each test is a process of its own).
static EARLY_THREAD: ThreadEnd = ThreadEnd::new();

fn join_timeout_returns_the_value() {
    assert_send::<TimedHandle<String>>();
    assert_send::<JoinError<String>>();

    // A thread that is done long before the deadline is returned at once, not at the deadline.
    let gate = Gate::new();
    let call = "join_timeout(3 s) of a thread that returns at once";
    let (result, took) = join_watched(spawn_timed(|| "quick"), Duration::from_secs(3), &gate, call);
    expect!(
        matches!(result, Ok("quick")),
        "{call}: expected Ok(\"quick\"), got {}",
        describe(&result)
    );
    expect!(
        took < Duration::from_secs(2),
        "{call} took {took:?}: it must return as soon as the thread is done"
    );

    // A thread that has ended before join_timeout is called: its value is there already, so the call
    // returns it at once; waiting first for a wake-up (which came before the call) sleeps to the
    // deadline. The thread's end is seen by a thread-local dropped when the thread exits, after
    // whatever it did with the value, so this holds on every run.
    let handle = spawn_timed(|| {
        EARLY_THREAD.mark_current_thread();
        "early"
    });
    let seen_end = eventually(|| EARLY_THREAD.has_ended());
    let call = "join_timeout(3 s) of a thread that had already ended";
    let (result, took) = join_watched(handle, Duration::from_secs(3), &gate, call);
    expect!(
        seen_end && matches!(result, Ok("early")),
        "{call}: expected Ok(\"early\"), got {}",
        describe(&result)
    );
    expect!(
        took < Duration::from_secs(2),
        "{call} took {took:?}: a thread that has ended has its value ready, so join_timeout must return \
         it at once instead of waiting for a wake-up that came before the call (check for the value \
         before every wait)"
    );

    let answer = spawn_timed(|| 6 * 7).join_timeout(Duration::from_secs(2));
    expect!(
        matches!(answer, Ok(42)),
        "spawn_timed(|| 6 * 7).join_timeout(2 s): expected Ok(42), got {}",
        describe(&answer)
    );

    let words = ["spawn".to_owned(), "join".to_owned()];
    let joined = spawn_timed(move || words.join(" and ")).join_timeout(Duration::from_secs(2));
    expect!(
        matches!(&joined, Ok(s) if s == "spawn and join"),
        "join_timeout(2 s) of a thread returning \"spawn and join\": expected Ok(\"spawn and join\"), got {}",
        describe(&joined)
    );
}

fn join_timeout_gives_up_on_time_and_gives_the_handle_back() {
    let gate = Gate::new();
    let thread_gate = gate.clone();
    let handle = spawn_timed(move || {
        thread_gate.wait();
        "finished after the gate opened".to_owned()
    });
    let timeout = Duration::from_millis(150);
    let call = "join_timeout(150 ms) of a thread that is still running";
    let (result, took) = join_watched(handle, timeout, &gate, call);
    let handle = match result {
        Err(JoinError::Timeout(handle)) => handle,
        other => panic!(
            "{call}: expected Err(JoinError::Timeout(..)), got {}",
            describe(&other)
        ),
    };
    expect!(
        took >= timeout,
        "{call} returned after {took:?}: it must wait the whole timeout before giving up"
    );
    expect!(
        handle.is_alive(),
        "is_alive() on the handle returned by a timed-out join_timeout: expected true (the thread is still waiting), got false"
    );

    // Wait again with the handle that came back, this time once the thread may finish.
    gate.open();
    let again = handle.join_timeout(Duration::from_secs(3));
    expect!(
        matches!(&again, Ok(s) if s == "finished after the gate opened"),
        "join_timeout(3 s) again on the returned handle, after the thread was let go: expected its value \
         Ok(\"finished after the gate opened\"), got {}",
        describe(&again)
    );
}

/// Waits (bounded) until `handle.is_alive()` is false.
fn wait_until_dead<T>(handle: &TimedHandle<T>, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while handle.is_alive() {
        expect!(
            Instant::now() < deadline,
            "{what}: is_alive() was still true 5 s after the thread's function ended"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

fn is_alive_follows_the_thread() {
    let gate = Gate::new();
    let thread_gate = gate.clone();
    let (ended_tx, ended) = mpsc::channel();
    let handle = spawn_timed(move || {
        thread_gate.wait();
        let _ = ended_tx.send(());
        7
    });
    expect!(
        handle.is_alive(),
        "is_alive() right after spawn_timed of a thread that waits: expected true, got false"
    );
    expect!(
        handle.is_alive(),
        "is_alive() called a second time while the thread waits: expected true, got false"
    );
    gate.open();
    expect!(
        ended.recv_timeout(Duration::from_secs(5)).is_ok(),
        "the timed thread did not run its function after its gate opened"
    );
    wait_until_dead(&handle, "a thread whose function returned");
    let value = handle.join_timeout(Duration::from_secs(3));
    expect!(
        matches!(value, Ok(7)),
        "join_timeout(3 s) of a finished thread that returned 7: expected Ok(7), got {}",
        describe(&value)
    );

    with_planned_panics(|| {
        let crashed = spawn_timed(|| -> u8 { panic!("crash") });
        wait_until_dead(&crashed, "a thread whose function panicked");
    });
}

fn a_panic_is_reported_with_its_message() {
    with_planned_panics(|| {
        let literal = spawn_timed(|| -> u32 { panic!("disk full") }).join_timeout(Duration::from_secs(3));
        expect!(
            matches!(&literal, Err(JoinError::Panicked(m)) if m == "disk full"),
            "join_timeout(3 s) of a thread that ran panic!(\"disk full\") (a &str payload): expected \
             Err(JoinError::Panicked(\"disk full\")), got {}",
            describe(&literal)
        );

        let code = 503;
        let formatted =
            spawn_timed(move || -> u32 { panic!("server said {code}") }).join_timeout(Duration::from_secs(3));
        expect!(
            matches!(&formatted, Err(JoinError::Panicked(m)) if m == "server said 503"),
            "join_timeout(3 s) of a thread that ran panic!(\"server said {{code}}\") (a String payload): expected \
             Err(JoinError::Panicked(\"server said 503\")), got {}",
            describe(&formatted)
        );

        let odd = spawn_timed(|| -> u32 { panic_any(42_i32) }).join_timeout(Duration::from_secs(3));
        expect!(
            matches!(&odd, Err(JoinError::Panicked(m)) if m == "unknown panic payload"),
            "join_timeout(3 s) of a thread that panicked with panic_any(42) (neither &str nor String): expected \
             Err(JoinError::Panicked(\"unknown panic payload\")), got {}",
            describe(&odd)
        );

        // The panic happens while join_timeout is already waiting: it must be reported as a panic
        // as soon as it happens, not as a timeout when the wait runs out.
        let gate = Gate::new();
        let thread_gate = gate.clone();
        let handle = spawn_timed(move || -> u32 {
            thread_gate.wait();
            panic!("connection reset")
        });
        let opener = {
            let gate = gate.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(50));
                gate.open();
            })
        };
        let call =
            "join_timeout(4 s) of a thread that panics with \"connection reset\" while it is waited for";
        let (late, took) = join_watched(handle, Duration::from_secs(4), &gate, call);
        opener.join().unwrap();
        expect!(
            matches!(&late, Err(JoinError::Panicked(m)) if m == "connection reset"),
            "{call}: expected Err(JoinError::Panicked(\"connection reset\")), got {}",
            describe(&late)
        );
        expect!(
            took < Duration::from_secs(3),
            "{call}: took {took:?}; a panic must end the wait when it happens"
        );
    });
}

fn a_handle_that_timed_out_later_reports_a_panic() {
    with_planned_panics(|| {
        let gate = Gate::new();
        let thread_gate = gate.clone();
        let handle = spawn_timed(move || -> String {
            thread_gate.wait();
            panic!("{}", String::from("gave up halfway"))
        });
        let call = "join_timeout(100 ms) of a thread that is still running";
        let (first, _) = join_watched(handle, Duration::from_millis(100), &gate, call);
        let handle = match first {
            Err(JoinError::Timeout(handle)) => handle,
            other => panic!(
                "{call}: expected Err(JoinError::Timeout(..)), got {}",
                describe(&other)
            ),
        };
        gate.open();
        let second = handle.join_timeout(Duration::from_secs(3));
        expect!(
            matches!(&second, Err(JoinError::Panicked(m)) if m == "gave up halfway"),
            "join_timeout(3 s) again on the returned handle, after the thread panicked with \"gave up halfway\": \
             expected Err(JoinError::Panicked(\"gave up halfway\")), got {}",
            describe(&second)
        );
    });
}

/// How a generated timed thread ends once the test lets it go.
#[derive(Debug, Clone)]
enum Ending {
    Value(u64),
    /// `panic!("a literal")`: a `&str` payload.
    PanicStr,
    /// `panic!("{text}")`: a `String` payload.
    PanicString(String),
    /// `panic_any(42_i32)`: neither.
    PanicOther,
}

/// What the test does while the thread is still held.
#[derive(Debug, Clone)]
enum Probe {
    /// `join_timeout` with this timeout (zero or a few ms): it must time out, no earlier.
    Wait(Duration),
    IsAlive,
}

#[derive(Debug)]
struct Timed {
    probes: Vec<Probe>,
    ending: Ending,
    /// After letting it go, wait until `is_alive()` is false before the last `join_timeout`.
    await_end: bool,
    /// The last `join_timeout`'s timeout: long, or `Duration::MAX`.
    last: Duration,
}

fn timed(g: &mut threadlab_harness::generate::Gen) -> Timed {
    let len = g.count_in(0, 6);
    Timed {
        probes: (0..len)
            .map(|_| {
                if g.one_in(3) {
                    Probe::IsAlive
                } else {
                    Probe::Wait(g.pick(&[Duration::ZERO, Duration::from_millis(1), Duration::from_millis(4)]))
                }
            })
            .collect(),
        ending: match g.range(0, 5) {
            0 => Ending::PanicStr,
            1 => Ending::PanicString(g.pick(&["", "disk 3 is full", "ünïcödé"]).to_owned()),
            2 => Ending::PanicOther,
            _ => Ending::Value(g.u64()),
        },
        await_end: g.one_in(2),
        last: g.pick(&[Duration::from_secs(5), Duration::MAX]),
    }
}

/// Runs a [`Timed`] on `$krate::advanced` (the learner's `lesson01` or `reference`) and returns
/// what each call gave, as plain text.
macro_rules! run_timed {
    ($krate:ident, $timed:expr) => {{
        use $krate::advanced::{JoinError, spawn_timed};
        let timed: &Timed = $timed;
        let caller = thread::current().id();
        let (go, gate) = mpsc::channel::<Ending>();
        let (ran_on_tx, ran_on) = mpsc::channel();
        let mut handle = spawn_timed(move || -> u64 {
            let _ = ran_on_tx.send(thread::current().id());
            match gate.recv_timeout(Duration::from_secs(10)) {
                Ok(Ending::Value(v)) => v,
                Ok(Ending::PanicStr) => panic!("a literal"),
                Ok(Ending::PanicString(text)) => panic!("{text}"),
                Ok(Ending::PanicOther) => std::panic::panic_any(42_i32),
                Err(_) => u64::MAX - 1,
            }
        });
        let describe = |result: Result<u64, JoinError<u64>>| match result {
            Ok(value) => (format!("Ok({value})"), None),
            Err(JoinError::Timeout(handle)) => ("Err(Timeout(..))".to_owned(), Some(handle)),
            Err(JoinError::Panicked(message)) => (format!("Err(Panicked({message:?}))"), None),
        };
        let mut seen = vec![format!(
            "f on a new thread, not the caller's: {}",
            ran_on.recv_timeout(PATIENCE).is_ok_and(|id| id != caller)
        )];
        for probe in &timed.probes {
            match probe {
                Probe::IsAlive => seen.push(format!("is_alive() while it waits: {}", handle.is_alive())),
                Probe::Wait(timeout) => {
                    let started = Instant::now();
                    let (shown, back) = describe(handle.join_timeout(*timeout));
                    let took = started.elapsed();
                    seen.push(format!(
                        "join_timeout({timeout:?}) while it waits: {shown}{}",
                        if took < *timeout {
                            " before the timeout had passed"
                        } else {
                            ""
                        }
                    ));
                    match back {
                        Some(back) => handle = back,
                        None => return seen,
                    }
                }
            }
        }
        let _ = go.send(timed.ending.clone());
        if timed.await_end {
            let ended = eventually(|| !handle.is_alive());
            seen.push(format!("is_alive() turned false once f had ended: {ended}"));
        }
        let last = timed.last;
        let outcome = within_patience(move || {
            catch_panic(move || describe(handle.join_timeout(last)).0)
                .unwrap_or_else(|message| format!("join_timeout panicked: {message}"))
        });
        seen.push(format!(
            "join_timeout({last:?}) once it was let go: {}",
            outcome.unwrap_or_else(|| format!("still waiting after {PATIENCE:?}"))
        ));
        seen
    }};
}

/// Generated waits (`join_timeout` of zero and a few ms while the thread runs, `is_alive` checks,
/// then an ending by value or by a `&str`, `String` or other panic, awaited or not, and a last
/// `join_timeout` of a long time or `Duration::MAX`) give the same answers as the reference, none of
/// the timeouts early, `f` on a new thread.
fn generated_waits_match_the_reference() {
    fn run_learner(t: &Timed) -> Vec<String> {
        run_timed!(lesson01, t)
    }
    fn run_reference(t: &Timed) -> Vec<String> {
        run_timed!(reference, t)
    }
    with_planned_panics(|| {
        threadlab_harness::generate::differential(
            13,
            60,
            "what each call gave, for spawn_timed(f) with f held by the test, then these calls",
            timed,
            run_learner,
            run_reference,
        )
    });
}

/// A timeout no correct code waits out inside `explore`, where time is not modelled (a wait with a
/// timeout there ends only when it is woken).
const HOUR: Duration = Duration::from_secs(3600);

/// Under the checker (`explore`: the timed thread and whatever `spawn_timed` and `join_timeout` use
/// from `lesson01::sync` / `lesson01::thread` are the checker's, and the body runs under many seeded
/// schedules). A thread that returns its value at once, a few steps later, or only once the test
/// opens a gate, waited for with `join_timeout(1 h)` in every order the threads may run: the value
/// comes back every time, also when the thread had already ended before the wait began (a wake-up
/// sent before anyone waits is lost, so a wait must look for the value first); `is_alive` is true
/// while the function runs and false once it has returned, and asking it loses nothing.
fn join_timeout_gets_the_value_in_any_schedule() {
    let body = || {
        for steps in [0usize, 3] {
            let handle = spawn_timed(move || {
                for _ in 0..steps {
                    lesson01::thread::yield_now();
                }
                steps + 40
            });
            match handle.join_timeout(HOUR) {
                Ok(value) => expect_eq!(
                    value,
                    steps + 40,
                    "join_timeout(1 h) of a thread that returns {} after {steps} steps",
                    steps + 40
                ),
                Err(JoinError::Timeout(_)) => ::core::panic!(
                    "join_timeout(1 h) of a thread that returns after {steps} steps gave Timeout: under the checker \
                     no hour passes, so the wait ended without the value"
                ),
                Err(JoinError::Panicked(message)) => ::core::panic!(
                    "join_timeout(1 h) of a thread that returns after {steps} steps reported a panic ({message:?}), \
                     but the function did not panic"
                ),
            }
        }
        let gate = lesson01::sync::Arc::new(lesson01::sync::Barrier::new(2));
        let opened = lesson01::sync::Arc::clone(&gate);
        let handle = spawn_timed(move || {
            opened.wait();
            7u8
        });
        expect_eq!(
            handle.is_alive(),
            true,
            "is_alive() while the function waits at a gate the test has not opened yet"
        );
        gate.wait();
        let mut polls = 0;
        while handle.is_alive() {
            polls += 1;
            expect!(
                polls < 5_000,
                "is_alive() still true after the function had returned and 5000 polls had let its thread end"
            );
            lesson01::thread::yield_now();
        }
        let got = handle.join_timeout(HOUR);
        expect!(
            matches!(got, Ok(7)),
            "join_timeout(1 h) after is_alive() had turned false, of a function that returned 7: expected Ok(7), got \
             {}",
            match got {
                Ok(v) => format!("Ok({v})"),
                Err(JoinError::Timeout(_)) =>
                    "Timeout (the value was lost: did is_alive take it?)".to_owned(),
                Err(JoinError::Panicked(m)) => format!("Panicked({m:?})"),
            }
        );
    };
    if let Err(message) = catch_panic(|| explore(60, body)) {
        if message.starts_with("deadlock!") {
            ::core::panic!(
                "join_timeout(1 h) never returned in one of the schedules the checker tried, although the thread had \
                 returned its value: the wake-up came before the wait began and was lost. Look for the value first, \
                 under the same lock the wait releases (a channel's recv_timeout does this for you)"
            );
        }
        ::core::panic!("{message}");
    }
}
