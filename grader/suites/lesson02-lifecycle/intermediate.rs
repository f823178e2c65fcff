//! Hidden tests, intermediate tier: `ThreadContext` (sleep/wait/lock report `Blocked`) and the
//! recorded history of `ManagedThread`.
//!
//! The test owns every event and mutex a body blocks on, so it knows the body is waiting while it
//! reads `state()`; after each wait the body reports in on a plain channel and stays put until the
//! test lets it go, so `state()` can be checked at a known point.

use lesson02::intermediate::{Event, LifecycleError, ManagedThread, ThreadState};
use lesson02::thread::hold;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use threadlab_harness::wait::{PATIENCE, eventually};
use threadlab_harness::{catch_panic, expect, expect_eq};

use ThreadState::{Blocked, New, Running, Terminated};

fn main() {
    threadlab_harness::main(&[
        (
            "waiting_on_an_event_is_blocked_then_running",
            waiting_on_an_event_is_blocked_then_running,
        ),
        (
            "lock_is_blocked_while_another_thread_holds_it",
            lock_is_blocked_while_another_thread_holds_it,
        ),
        (
            "lock_reports_a_poisoned_mutex_like_mutex_lock",
            lock_reports_a_poisoned_mutex_like_mutex_lock,
        ),
        ("sleep_is_recorded_as_blocked", sleep_is_recorded_as_blocked),
        ("only_real_waits_are_blocked", only_real_waits_are_blocked),
        ("lifecycle_rules_still_hold", lifecycle_rules_still_hold),
        (
            "generated_bodies_match_the_reference",
            generated_bodies_match_the_reference,
        ),
    ]);
}

/// The body's side of a checkpoint: report `label`, then wait (not through the context) until the
/// test says go on.
#[derive(Clone)]
struct Checkpoints {
    reached: Sender<&'static str>,
    go_on: Arc<Mutex<Receiver<()>>>,
}

impl Checkpoints {
    fn reach(&self, label: &'static str) {
        let _ = self.reached.send(label);
        let _ = self.go_on.lock().unwrap().recv_timeout(PATIENCE);
    }
}

/// The test's side.
struct Controller {
    reached: Receiver<&'static str>,
    go_on: Sender<()>,
}

fn checkpoints() -> (Controller, Checkpoints) {
    let (reached_tx, reached) = mpsc::channel();
    let (go_on, go_on_rx) = mpsc::channel();
    (
        Controller { reached, go_on },
        Checkpoints {
            reached: reached_tx,
            go_on: Arc::new(Mutex::new(go_on_rx)),
        },
    )
}

impl Controller {
    fn expect_reached(&self, label: &str) {
        match self.reached.recv_timeout(PATIENCE) {
            Ok(got) => expect_eq!(got, label, "the checkpoint the body reached next"),
            Err(_) => panic!("the body did not reach its checkpoint \"{label}\" within 2 s"),
        }
    }
    fn go_on(&self) {
        let _ = self.go_on.send(());
    }
}

/// `start()` while `lesson02::thread` holds the new thread back, so the body runs only after `start`
/// returned: for tests about something else than that order, which would otherwise depend on whether
/// the new thread or the rest of `start` came first.
fn start_held<T: Send + 'static>(thread: &mut ManagedThread<T>) -> Result<(), LifecycleError> {
    let _held = hold::new_threads();
    thread.start()
}

fn expect_blocked<T: Send + 'static>(thread: &ManagedThread<T>, while_what: &str) {
    expect!(
        eventually(|| thread.state() == Blocked),
        "state() should be Blocked while the body {while_what}; it stayed {:?} for 2 s",
        thread.state()
    );
    expect_eq!(thread.is_alive(), true, "is_alive() while the body {while_what}");
}

fn waiting_on_an_event_is_blocked_then_running() {
    let event = Arc::new(Event::new());
    let (test, body) = checkpoints();
    let mut thread = {
        let event = Arc::clone(&event);
        ManagedThread::new("event-waiter", move |ctx| {
            body.reach("started");
            ctx.wait(&event);
            body.reach("after wait");
            "done"
        })
    };
    expect_eq!(thread.start(), Ok(()), "start()");
    test.expect_reached("started");
    expect_eq!(
        thread.state(),
        Running,
        "state() while the body runs (before its ctx.wait)"
    );
    test.go_on();
    expect_blocked(&thread, "waits in ctx.wait(&event) for an event nobody has set");
    event.set();
    test.expect_reached("after wait");
    expect_eq!(
        thread.state(),
        Running,
        "state() after ctx.wait(&event) returned (the event was set)"
    );
    test.go_on();
    expect_eq!(thread.join(), Ok("done"), "join()");
    expect_eq!(thread.state(), Terminated, "state() after join()");
    expect_eq!(
        thread.history(),
        vec![New, Running, Blocked, Running, Terminated],
        "history() of a body that waited once on an event"
    );
}

fn lock_is_blocked_while_another_thread_holds_it() {
    let shared = Arc::new(Mutex::new(0u32));
    let (test, body) = checkpoints();
    let held = shared.lock().unwrap();
    let mut thread = {
        let shared = Arc::clone(&shared);
        ManagedThread::new("lock-waiter", move |ctx| {
            body.reach("started");
            {
                let mut value = ctx.lock(&shared).unwrap();
                *value += 1;
            }
            body.reach("after lock");
        })
    };
    expect_eq!(thread.start(), Ok(()), "start()");
    test.expect_reached("started");
    test.go_on();
    expect_blocked(&thread, "waits in ctx.lock(&mutex) for a mutex the test holds");
    drop(held);
    test.expect_reached("after lock");
    expect_eq!(
        thread.state(),
        Running,
        "state() after ctx.lock(&mutex) got the lock and its guard was dropped"
    );
    expect_eq!(
        *shared.lock().unwrap(),
        1,
        "the value after the body added 1 through the guard from ctx.lock"
    );
    test.go_on();
    expect_eq!(thread.join(), Ok(()), "join()");
    expect_eq!(
        thread.history(),
        vec![New, Running, Blocked, Running, Terminated],
        "history() of a body that waited once for a mutex"
    );
}

/// A mutex whose holder panicked is poisoned: `mutex.lock()` then returns `Err` (with the guard
/// inside), and `ctx.lock` must too, whether the poison was there before the call (no wait) or came
/// while the body was waiting for the lock (after `Blocked`).
fn lock_reports_a_poisoned_mutex_like_mutex_lock() {
    const PLANNED: &str = "the test poisons the mutex while the body waits for it";
    // Poisoned before the body locks it: the test panics on purpose while holding the lock.
    let poisoned = Arc::new(Mutex::new(5u32));
    let _ = catch_panic(|| {
        let _held = poisoned.lock().unwrap();
        panic!("the test poisons this mutex on purpose");
    });
    let mut thread = {
        let poisoned = Arc::clone(&poisoned);
        ManagedThread::new("poisoned-free", move |ctx| match ctx.lock(&poisoned) {
            Ok(guard) => Ok(*guard),
            Err(error) => Err(*error.into_inner()),
        })
    };
    expect_eq!(start_held(&mut thread), Ok(()), "start()");
    expect_eq!(
        thread.join(),
        Ok(Err(5)),
        "join() of a body returning what ctx.lock gave for a free but poisoned mutex holding 5 (Ok(value) for \
         Ok(guard), Err(value) for Err(poisoned)); mutex.lock() returns Err here"
    );
    expect_eq!(
        thread.history(),
        vec![New, Running, Terminated],
        "history() of a body that locked a free (poisoned) mutex"
    );

    // Poisoned while the body waits for it: the test holds the lock, lets the body block on it, then
    // panics while still holding it.
    let shared = Arc::new(Mutex::new(7u32));
    let (test, body) = checkpoints();
    let mut thread = {
        let shared = Arc::clone(&shared);
        ManagedThread::new("poisoned-wait", move |ctx| {
            body.reach("started");
            let got = match ctx.lock(&shared) {
                Ok(guard) => Ok(*guard),
                Err(error) => Err(*error.into_inner()),
            };
            body.reach("after lock");
            got
        })
    };
    let holder = Arc::clone(&shared);
    let outcome = catch_panic(|| {
        let _held = holder.lock().unwrap();
        expect_eq!(thread.start(), Ok(()), "start()");
        test.expect_reached("started");
        test.go_on();
        expect_blocked(&thread, "waits in ctx.lock(&mutex) for a mutex the test holds");
        panic!("{PLANNED}");
    });
    match outcome {
        Err(message) if message == PLANNED => {}
        Err(message) => panic!("{message}"),
        Ok(()) => unreachable!("the closure always panics"),
    }
    test.expect_reached("after lock");
    expect_eq!(
        thread.state(),
        Running,
        "state() after ctx.lock returned for a mutex poisoned while the body waited"
    );
    test.go_on();
    expect_eq!(
        thread.join(),
        Ok(Err(7)),
        "join() of a body returning what ctx.lock gave for a mutex (holding 7) whose holder panicked while the \
         body waited (Ok(value) for Ok(guard), Err(value) for Err(poisoned)); mutex.lock() returns Err here"
    );
    expect_eq!(
        thread.history(),
        vec![New, Running, Blocked, Running, Terminated],
        "history() of a body that waited for a mutex that was then poisoned"
    );
}

fn sleep_is_recorded_as_blocked() {
    let (test, body) = checkpoints();
    let mut thread = ManagedThread::new("sleeper", move |ctx| {
        ctx.sleep(Duration::from_millis(20));
        body.reach("after sleep");
        ctx.sleep(Duration::from_millis(1));
    });
    expect_eq!(start_held(&mut thread), Ok(()), "start()");
    test.expect_reached("after sleep");
    expect_eq!(thread.state(), Running, "state() after ctx.sleep(20 ms) returned");
    expect_eq!(
        thread.history(),
        vec![New, Running, Blocked, Running],
        "history() after one ctx.sleep"
    );
    test.go_on();
    expect_eq!(thread.join(), Ok(()), "join()");
    expect_eq!(
        thread.history(),
        vec![New, Running, Blocked, Running, Blocked, Running, Terminated],
        "history() of a body that slept twice"
    );
}

fn only_real_waits_are_blocked() {
    let ready = Arc::new(Event::new());
    ready.set();
    let free = Arc::new(Mutex::new(String::from("free")));
    let mut thread = {
        let (ready, free) = (Arc::clone(&ready), Arc::clone(&free));
        ManagedThread::new("no-wait", move |ctx| {
            ctx.wait(&ready);
            let text = ctx.lock(&free).unwrap().clone();
            ctx.sleep(Duration::from_millis(1));
            text
        })
    };
    expect_eq!(start_held(&mut thread), Ok(()), "start()");
    expect_eq!(
        thread.join(),
        Ok(String::from("free")),
        "join() (the body returns the text it read through ctx.lock)"
    );
    expect_eq!(
        thread.history(),
        vec![New, Running, Blocked, Running, Terminated],
        "history() of a body that waited on an event that was already set, locked a free mutex, then slept \
         once (only the sleep waits)"
    );
}

/// The number of OS threads in this process (Linux), or `None` where `/proc` is not available.
fn os_threads() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|dir| dir.count())
}

fn lifecycle_rules_still_hold() {
    let event = Arc::new(Event::new());
    let before = os_threads();
    let mut thread = {
        let event = Arc::clone(&event);
        ManagedThread::new("rules", move |ctx| {
            ctx.wait(&event);
            thread::current().name().map(str::to_owned)
        })
    };
    if let (Some(before), Some(after)) = (before, os_threads()) {
        expect!(
            after == before,
            "ManagedThread::new must not create an OS thread (that is start()'s job): the process had \
             {before} threads before new() and {after} after"
        );
    }
    expect_eq!(thread.state(), New, "state() right after ManagedThread::new");
    expect_eq!(
        thread.name(),
        "rules",
        "name() of ManagedThread::new(\"rules\", ..)"
    );
    let texts: Vec<String> = [
        LifecycleError::AlreadyStarted,
        LifecycleError::NotStarted,
        LifecycleError::AlreadyJoined,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    expect!(
        texts.iter().all(|t| !t.trim().is_empty())
            && texts[0] != texts[1]
            && texts[1] != texts[2]
            && texts[0] != texts[2],
        "the Display of AlreadyStarted, NotStarted and AlreadyJoined should be three different messages, got {texts:?}"
    );
    expect_eq!(
        thread.history(),
        vec![New],
        "history() right after ManagedThread::new"
    );
    expect_eq!(thread.is_alive(), false, "is_alive() before start()");
    expect_eq!(
        thread.join(),
        Err(LifecycleError::NotStarted),
        "join() before start()"
    );
    expect_eq!(thread.start(), Ok(()), "the first start()");
    expect_blocked(&thread, "waits in ctx.wait(&event)");
    expect_eq!(
        thread.start(),
        Err(LifecycleError::AlreadyStarted),
        "a second start() while the body is Blocked"
    );
    event.set();
    expect!(
        eventually(|| !thread.is_alive()),
        "is_alive() should turn false once the body returned, before join(); state() is still {:?} after 2 s",
        thread.state()
    );
    expect_eq!(
        thread.state(),
        Terminated,
        "state() after the body returned, before join()"
    );
    expect_eq!(
        thread.join(),
        Ok(Some(String::from("rules"))),
        "join() (the body returns its thread's name)"
    );
    expect_eq!(
        thread.join(),
        Err(LifecycleError::AlreadyJoined),
        "a second join()"
    );
    expect_eq!(
        thread.start(),
        Err(LifecycleError::AlreadyStarted),
        "start() after join()"
    );
    expect_eq!(
        thread.history(),
        vec![New, Running, Blocked, Running, Terminated],
        "history() at the end"
    );

    // Running the instant start() returns Ok, while the new thread is held back before any of the
    // learner's code runs.
    let mut held_back = ManagedThread::new("held-back", |_ctx| 3);
    let seen = {
        let _held = hold::new_threads();
        expect_eq!(held_back.start(), Ok(()), "start() of a new thread");
        held_back.state()
    }; // the new thread goes on from here
    expect_eq!(
        seen,
        Running,
        "state() the instant start() returned Ok, before the new thread had run any of your code (start() \
         itself must record Running)"
    );
    expect_eq!(held_back.join(), Ok(3), "join() of a body returning 3");

    // A body that ends before start() returns: `lesson02::thread` lets the new thread run the whole
    // body (and whatever start() gave it to run after the body) before start() goes on.
    let mut quick = ManagedThread::new("over-at-once", |_ctx| 4);
    {
        let _first = hold::run_first();
        expect_eq!(quick.start(), Ok(()), "start() of a body that returns at once");
    }
    expect!(
        eventually(|| !quick.is_alive()),
        "the new thread ran its whole body before start() returned (a quick body can), and is_alive() was still \
         true 2 s later (state() is {:?}, history() {:?}): start() must record Running before it spawns, so \
         that it never comes after the Terminated of a body that has already ended",
        quick.state(),
        quick.history()
    );
    expect_eq!(
        quick.history(),
        vec![New, Running, Terminated],
        "history() of a body that ended before start() returned"
    );
    expect_eq!(quick.join(), Ok(4), "join() of a body returning 4");

    // A body that panics: Terminated, and join() passes the panic on.
    let mut failing = ManagedThread::new("failing", |_ctx| -> u8 { panic!("disk on fire") });
    expect_eq!(start_held(&mut failing), Ok(()), "start() of a body that panics");
    match catch_panic(|| failing.join()) {
        Err(message) => expect!(
            message.contains("disk on fire"),
            "join() of a panicked body should panic with the body's own message \"disk on fire\"; it \
             panicked with {message:?}"
        ),
        Ok(result) => panic!(
            "join() of a body that panicked with \"disk on fire\" should panic with that payload \
             (std::panic::resume_unwind); it returned {result:?}"
        ),
    }
    expect_eq!(failing.state(), Terminated, "state() after the body panicked");
    expect_eq!(failing.is_alive(), false, "is_alive() after the body panicked");
    match catch_panic(|| failing.join()) {
        Ok(again) => expect_eq!(
            again,
            Err(LifecycleError::AlreadyJoined),
            "a second join() after the first join() passed the body's panic on (that join used up the thread)"
        ),
        Err(message) => panic!(
            "a second join() after the first join() passed the body's panic on should return \
             Err(AlreadyJoined); it panicked with {message:?}"
        ),
    }
}

/// One step of a generated body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// `ctx.wait` on an event that is already set.
    WaitSet,
    /// `ctx.wait` on an event the test sets once it has seen the body `Blocked`.
    WaitUnset,
    /// `ctx.lock` on a free mutex.
    LockFree,
    /// `ctx.lock` on a mutex the test holds until it has seen the body `Blocked`.
    LockHeld,
    /// `ctx.lock` on a free mutex whose last holder panicked.
    LockPoisoned,
    /// `ctx.sleep(1 ms)`.
    Sleep,
    /// The body reports in and waits (not through the context) while the test looks.
    Checkpoint,
}

/// How the differential test calls `start`.
#[derive(Debug, Clone, Copy)]
enum StartMode {
    Plain,
    /// While `lesson02::thread` holds the new thread back.
    Held,
    /// While the new thread runs its whole body before `start` goes on (only for bodies that need
    /// nothing from the test).
    RunFirst,
}

#[derive(Debug)]
struct BodyScript {
    start: StartMode,
    steps: Vec<Step>,
    /// The body panics after its last step instead of returning.
    panics: bool,
}

fn body_script(g: &mut threadlab_harness::generate::Gen) -> BodyScript {
    use Step::*;
    BodyScript {
        // RunFirst rarely: a correct start() that keeps a lock across its spawn makes it wait 0.5 s.
        start: g.pick(&[
            StartMode::Plain,
            StartMode::Plain,
            StartMode::Held,
            StartMode::Held,
            StartMode::RunFirst,
        ]),
        steps: {
            let len = g.count_in(0, 10);
            let all = [
                WaitSet,
                WaitUnset,
                LockFree,
                LockHeld,
                LockPoisoned,
                Sleep,
                Checkpoint,
            ];
            (0..len).map(|_| g.pick(&all)).collect()
        },
        panics: g.one_in(4),
    }
}

/// Runs a [`BodyScript`] on `$krate::intermediate::ManagedThread` (the learner's `lesson02` or
/// `reference`) and returns what the test saw at every point it controls, as plain text.
macro_rules! run_body_script {
    ($krate:ident, $script:expr) => {{
        use $krate::intermediate::{Event, LifecycleError, ManagedThread, ThreadState};
        use $krate::thread::hold;
        let script: &BodyScript = $script;
        let name = |state: ThreadState| match state {
            ThreadState::New => "New",
            ThreadState::Running => "Running",
            ThreadState::Blocked => "Blocked",
            ThreadState::Terminated => "Terminated",
        };
        let history = |managed: &ManagedThread<Vec<String>>| {
            managed
                .history()
                .into_iter()
                .map(name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let events: Vec<Arc<Event>> = script.steps.iter().map(|_| Arc::new(Event::new())).collect();
        let mutexes: Vec<Arc<Mutex<usize>>> =
            (0..script.steps.len()).map(|i| Arc::new(Mutex::new(i))).collect();
        for (i, step) in script.steps.iter().enumerate() {
            match step {
                Step::WaitSet => events[i].set(),
                Step::LockPoisoned => {
                    let _ = catch_panic(|| {
                        let _held = mutexes[i].lock().unwrap();
                        panic!("the test poisons this mutex on purpose");
                    });
                }
                _ => {}
            }
        }
        let mut held: Vec<Option<std::sync::MutexGuard<'_, usize>>> = script
            .steps
            .iter()
            .zip(&mutexes)
            .map(|(step, mutex)| (*step == Step::LockHeld).then(|| mutex.lock().unwrap()))
            .collect();
        let (reached_tx, reached) = mpsc::channel::<usize>();
        let (go_on, go_on_rx) = mpsc::channel::<()>();
        let mut managed = {
            let (steps, panics) = (script.steps.clone(), script.panics);
            let (events, mutexes) = (events.clone(), mutexes.clone());
            ManagedThread::new("generated", move |ctx| {
                let report = |i: usize| {
                    let _ = reached_tx.send(i);
                    let _ = go_on_rx.recv_timeout(PATIENCE);
                };
                let mut got = Vec::new();
                for (i, step) in steps.iter().enumerate() {
                    match step {
                        Step::WaitSet => ctx.wait(&events[i]),
                        Step::WaitUnset => {
                            report(i);
                            ctx.wait(&events[i]);
                        }
                        Step::LockFree | Step::LockPoisoned | Step::LockHeld => {
                            if *step == Step::LockHeld {
                                report(i);
                            }
                            got.push(match ctx.lock(&mutexes[i]) {
                                Ok(guard) => format!("Ok({})", *guard),
                                Err(poisoned) => format!("Err({})", *poisoned.into_inner()),
                            });
                        }
                        Step::Sleep => ctx.sleep(Duration::from_millis(1)),
                        Step::Checkpoint => report(i),
                    }
                }
                if panics {
                    panic!("the generated body panics after its last step");
                }
                got
            })
        };
        let driven = script
            .steps
            .iter()
            .any(|s| matches!(s, Step::WaitUnset | Step::LockHeld | Step::Checkpoint));
        let mut seen = Vec::new();
        let started = match script.start {
            StartMode::Held => {
                let _held = hold::new_threads();
                let started = managed.start();
                seen.push(format!(
                    "the instant start() returned, the new thread held back: {}, history [{}]",
                    name(managed.state()),
                    history(&managed)
                ));
                started
            }
            StartMode::RunFirst if !driven => {
                let _first = hold::run_first();
                managed.start()
            }
            _ => managed.start(),
        };
        seen.push(format!("start(): {}", if started.is_ok() { "Ok" } else { "Err" }));
        for (i, step) in script.steps.iter().enumerate() {
            if !matches!(step, Step::WaitUnset | Step::LockHeld | Step::Checkpoint) {
                continue;
            }
            match reached.recv_timeout(PATIENCE) {
                Ok(at) if at == i => {}
                other => {
                    seen.push(format!("the body did not reach step {i} ({step:?}): {other:?}"));
                    break;
                }
            }
            seen.push(format!(
                "step {i} ({step:?}) about to run: {}, history [{}]",
                name(managed.state()),
                history(&managed)
            ));
            let _ = go_on.send(());
            if *step == Step::Checkpoint {
                continue;
            }
            let blocked = eventually(|| managed.state() == ThreadState::Blocked);
            seen.push(format!(
                "while the body waits in step {i} ({step:?}): {}{}",
                name(managed.state()),
                if blocked { "" } else { " (never Blocked in 2 s)" }
            ));
            if *step == Step::WaitUnset {
                events[i].set();
            } else {
                held[i] = None;
            }
        }
        drop(held);
        let join = |managed: &mut ManagedThread<Vec<String>>| match catch_panic(|| managed.join()) {
            Ok(Ok(got)) => format!("Ok({got:?})"),
            Ok(Err(LifecycleError::AlreadyStarted)) => "Err(AlreadyStarted)".to_owned(),
            Ok(Err(LifecycleError::NotStarted)) => "Err(NotStarted)".to_owned(),
            Ok(Err(LifecycleError::AlreadyJoined)) => "Err(AlreadyJoined)".to_owned(),
            Err(message) => format!("panicked with {message:?}"),
        };
        let joined = join(&mut managed);
        seen.push(format!(
            "join(): {joined}; then {}, alive {}, history [{}]",
            name(managed.state()),
            managed.is_alive(),
            history(&managed)
        ));
        seen.push(format!("a second join(): {}", join(&mut managed)));
        seen
    }};
}

/// Generated bodies (waits on set and unset events, locks on free, held and poisoned mutexes,
/// sleeps, in any order and number; started plainly, held back, or run to the end before `start`
/// returns; returning or panicking) show the same states at every point the test controls, the same
/// lock results, and the same history and `join` as the reference.
fn generated_bodies_match_the_reference() {
    threadlab_harness::generate::differential(
        22,
        50,
        "what the test saw of ManagedThread::new(\"generated\", body).start() with this body",
        body_script,
        |s| run_body_script!(lesson02, s),
        |s| run_body_script!(reference, s),
    );
}
