//! Hidden tests, beginner tier: `ManagedThread` (new/start/state/is_alive/ident/join).
//!
//! Bodies wait on channels the test owns, so the test knows where a thread is while it looks at
//! `state()`. Whether `new` or `start` created an OS thread is read from `/proc/self/task`. What
//! `start` recorded before it returned is read while `lesson02::thread` holds the new thread back.

use lesson02::beginner::{LifecycleError, ManagedThread, ThreadState};
use lesson02::thread::hold;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use threadlab_harness::wait::{PATIENCE, eventually};
use threadlab_harness::{catch_panic, expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        ("new_creates_no_thread", new_creates_no_thread),
        (
            "start_runs_the_body_on_its_own_named_thread",
            start_runs_the_body_on_its_own_named_thread,
        ),
        (
            "state_is_running_as_soon_as_start_returns",
            state_is_running_as_soon_as_start_returns,
        ),
        ("second_start_is_refused", second_start_is_refused),
        (
            "finished_thread_is_terminated_before_join",
            finished_thread_is_terminated_before_join,
        ),
        (
            "join_returns_the_value_and_refuses_misuse",
            join_returns_the_value_and_refuses_misuse,
        ),
        (
            "call_sequences_match_the_reference",
            call_sequences_match_the_reference,
        ),
    ]);
}

/// The number of OS threads in this process (Linux), or `None` where `/proc` is not available.
fn os_threads() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|dir| dir.count())
}

/// A gate the body waits at: it reports `entered`, then waits until the test opens the gate (or gives
/// up after [`PATIENCE`], so a solution that runs the body inside `start` fails instead of hanging).
struct Gate {
    entered: Receiver<()>,
    open: Sender<()>,
}

fn gate() -> (Gate, impl FnOnce() -> bool + Send + 'static) {
    let (entered_tx, entered) = mpsc::channel();
    let (open, open_rx) = mpsc::channel::<()>();
    let body_side = move || {
        let _ = entered_tx.send(());
        open_rx.recv_timeout(PATIENCE).is_ok()
    };
    (Gate { entered, open }, body_side)
}

impl Gate {
    fn wait_entered(&self, what: &str) {
        expect!(
            self.entered.recv_timeout(PATIENCE).is_ok(),
            "{what}: expected the body to start running on a new thread, but it did not run within 2 s"
        );
    }
    fn open(&self) {
        let _ = self.open.send(());
    }
}

/// `start()` while `lesson02::thread` holds the new thread back, so the body runs only after `start`
/// returned: for tests about something else than that order, which would otherwise depend on whether
/// the new thread or the rest of `start` came first.
fn start_held<T: Send + 'static>(thread: &mut ManagedThread<T>) -> Result<(), LifecycleError> {
    let _held = hold::new_threads();
    thread.start()
}

fn new_creates_no_thread() {
    let ran = Arc::new(AtomicUsize::new(0));
    let before = os_threads();
    let thread = {
        let ran = Arc::clone(&ran);
        ManagedThread::new("idle-worker", move || {
            ran.fetch_add(1, Ordering::SeqCst);
        })
    };
    expect_eq!(
        thread.state(),
        ThreadState::New,
        "state() right after ManagedThread::new"
    );
    expect_eq!(thread.is_alive(), false, "is_alive() before start()");
    expect_eq!(thread.ident(), None, "ident() before start()");
    expect_eq!(
        thread.name(),
        "idle-worker",
        "name() of ManagedThread::new(\"idle-worker\", ..)"
    );
    if let (Some(before), Some(after)) = (before, os_threads()) {
        expect!(
            after == before,
            "ManagedThread::new must not create an OS thread (that is start()'s job): the process had \
             {before} threads before new() and {after} after"
        );
    }
    drop(thread);
    expect_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "how many times the body ran when the thread was never started"
    );
}

fn start_runs_the_body_on_its_own_named_thread() {
    let (gate, pass) = gate();
    let (seen_tx, seen) = mpsc::channel();
    let mut thread = ManagedThread::new("lifecycle-worker", move || {
        let me = thread::current();
        let _ = seen_tx.send((me.name().map(str::to_owned), me.id()));
        pass()
    });
    let before = os_threads();
    expect_eq!(thread.start(), Ok(()), "the first start()");
    gate.wait_entered("start()");
    let (name, id) = seen.recv().unwrap();
    expect!(
        id != thread::current().id(),
        "the body ran on the thread that called start(), not on a new thread"
    );
    expect_eq!(
        name.as_deref(),
        Some("lifecycle-worker"),
        "thread::current().name() inside the body"
    );
    expect_eq!(
        thread.ident(),
        Some(id),
        "ident() after start() (the body's thread::current().id())"
    );
    expect_eq!(
        thread.state(),
        ThreadState::Running,
        "state() while the body is still running"
    );
    expect_eq!(
        thread.is_alive(),
        true,
        "is_alive() while the body is still running"
    );
    if let (Some(before), Some(after)) = (before, os_threads()) {
        expect!(
            after == before + 1,
            "start() should create exactly one OS thread: {before} threads before start(), {after} after"
        );
    }
    gate.open();
    expect_eq!(
        thread.join(),
        Ok(true),
        "join() of a body that waited for the test and then returned true"
    );
    expect_eq!(
        thread.ident(),
        Some(id),
        "ident() after join() (Python keeps ident after the thread ends)"
    );
}

/// `state()` is read the instant `start()` returns, while the course's `thread` module holds the new
/// thread back before it runs any of the learner's code: what `start` itself recorded is all there
/// is to see, on every run.
fn state_is_running_as_soon_as_start_returns() {
    let (ran_tx, ran) = mpsc::channel();
    // Made while new threads are held too: a `new` that already starts the OS thread (another
    // test's bug) must not let the body finish before the state is read, on some runs only.
    let (mut thread, seen) = {
        let _held = hold::new_threads();
        let mut thread = ManagedThread::new("held-back", move || {
            let _ = ran_tx.send(());
            5
        });
        let called = Instant::now();
        let started = thread.start();
        let seen = (thread.state(), thread.is_alive());
        expect_eq!(started, Ok(()), "start() of a new thread");
        expect!(
            called.elapsed() < Duration::from_secs(2),
            "start() returned only after {:?}, while the new thread was held back: start() must not wait for \
             the new thread",
            called.elapsed()
        );
        (thread, seen)
    }; // the new thread goes on from here
    expect_eq!(
        seen,
        (ThreadState::Running, true),
        "(state(), is_alive()) the instant start() returned Ok, before the new thread had run any of your code \
         (start() itself must record Running; the new thread may not have run a line yet)"
    );
    expect!(
        ran.recv_timeout(PATIENCE).is_ok(),
        "the body did not run within 2 s once the new thread was let go"
    );
    expect_eq!(thread.join(), Ok(5), "join() of a body returning 5");
}

fn second_start_is_refused() {
    let runs = Arc::new(AtomicUsize::new(0));
    let (gate, pass) = gate();
    let mut thread = {
        let runs = Arc::clone(&runs);
        ManagedThread::new("once", move || {
            runs.fetch_add(1, Ordering::SeqCst);
            pass();
        })
    };
    expect_eq!(thread.start(), Ok(()), "the first start()");
    gate.wait_entered("start()");
    let threads = os_threads();
    expect_eq!(
        thread.start(),
        Err(LifecycleError::AlreadyStarted),
        "a second start() while the body runs"
    );
    if let (Some(before), Some(after)) = (threads, os_threads()) {
        expect!(
            after == before,
            "a refused start() must not create a thread: {before} threads before, {after} after"
        );
    }
    expect_eq!(
        thread.state(),
        ThreadState::Running,
        "state() after a refused second start()"
    );
    gate.open();
    expect!(
        eventually(|| thread.state() == ThreadState::Terminated),
        "state() should become Terminated once the body returned; it is still {:?} after 2 s",
        thread.state()
    );
    expect_eq!(
        thread.start(),
        Err(LifecycleError::AlreadyStarted),
        "start() after the body has finished"
    );
    expect_eq!(thread.join(), Ok(()), "join()");
    expect_eq!(
        thread.start(),
        Err(LifecycleError::AlreadyStarted),
        "start() after join()"
    );
    expect_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "how many times the body ran after start() was called 4 times"
    );
}

fn finished_thread_is_terminated_before_join() {
    let (done_tx, done) = mpsc::channel();
    let mut thread = ManagedThread::new("quick", move || {
        let _ = done_tx.send(());
        7
    });
    expect_eq!(thread.start(), Ok(()), "start()");
    expect!(
        done.recv_timeout(PATIENCE).is_ok(),
        "the body did not run within 2 s of start()"
    );
    // The body has sent its message; it returns right after, so the thread ends within microseconds.
    expect!(
        eventually(|| !thread.is_alive()),
        "is_alive() should turn false when the body has returned, without waiting for join(); it is \
         still true 2 s after the body finished (state() is {:?})",
        thread.state()
    );
    expect_eq!(
        thread.state(),
        ThreadState::Terminated,
        "state() after the body returned, before join()"
    );
    expect_eq!(thread.join(), Ok(7), "join() of a body that returned 7");
    expect_eq!(thread.state(), ThreadState::Terminated, "state() after join()");
    expect_eq!(thread.is_alive(), false, "is_alive() after join()");

    // A body that ends before start() returns: `lesson02::thread` lets the new thread run the whole
    // body (and whatever start() gave it to run after the body) before start() goes on. Whatever
    // start() records after its spawn must not overwrite the Terminated that came first.
    let mut quick = ManagedThread::new("over-at-once", || 11);
    {
        let _first = hold::run_first();
        expect_eq!(quick.start(), Ok(()), "start() of a body that returns at once");
    }
    expect!(
        eventually(|| !quick.is_alive()),
        "the new thread ran its whole body before start() returned (a quick body can), and is_alive() was still \
         true 2 s later (state() is {:?}): start() must record Running before it spawns, so that it never \
         overwrites the Terminated of a body that has already ended",
        quick.state()
    );
    expect_eq!(
        quick.state(),
        ThreadState::Terminated,
        "state() of a body that ended before start() returned"
    );
    expect_eq!(quick.join(), Ok(11), "join() of a body that returned 11");
}

fn join_returns_the_value_and_refuses_misuse() {
    // The errors are for people, like Python's RuntimeError("threads can only be started once"):
    // each Display is a message of its own.
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

    let mut never_started = ManagedThread::new("unstarted", || 1);
    expect_eq!(
        never_started.join(),
        Err(LifecycleError::NotStarted),
        "join() before start()"
    );
    expect_eq!(
        never_started.state(),
        ThreadState::New,
        "state() after a refused join() (nothing was started)"
    );

    let mut thread = ManagedThread::new("answer", || String::from("forty-two"));
    expect_eq!(start_held(&mut thread), Ok(()), "start()");
    expect_eq!(
        thread.join(),
        Ok(String::from("forty-two")),
        "join() of a body returning \"forty-two\""
    );
    expect_eq!(
        thread.join(),
        Err(LifecycleError::AlreadyJoined),
        "a second join()"
    );
    expect_eq!(thread.state(), ThreadState::Terminated, "state() after join()");

    let mut failing = ManagedThread::new("failing", || -> u8 { panic!("disk on fire") });
    expect_eq!(start_held(&mut failing), Ok(()), "start() of a body that panics");
    let joined = catch_panic(|| failing.join());
    match joined {
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
    expect_eq!(
        failing.state(),
        ThreadState::Terminated,
        "state() after the body panicked"
    );
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

/// How a body of the differential test ends once the test lets it go.
#[derive(Debug, Clone)]
enum Ending {
    Return(u64),
    /// `panic!("the body panics")`: a `&str` payload.
    PanicStr,
    /// `panic!("{text}")`: a `String` payload.
    PanicString(String),
}

/// How the differential test calls `start`.
#[derive(Debug, Clone, Copy)]
enum StartMode {
    /// As a program would (for a body already let go, `RunFirst` instead: the order is then fixed).
    Plain,
    /// While `lesson02::thread` holds the new thread back: what `start` recorded itself is all there is.
    Held,
    /// While the new thread runs its whole body before `start` goes on (only for a body already let go).
    RunFirst,
}

#[derive(Debug, Clone)]
enum Call {
    Start(StartMode),
    /// Lets the body end (the first time; later ones change nothing).
    LetGo(Ending),
    /// `state()`, `is_alive()`, `ident()` and `name()`, once a body that was let go has ended.
    Look,
    /// `join()` (a body still waiting is let go first, returning 0).
    Join,
}

/// One generated case: a thread's name and the calls made on it.
#[derive(Debug)]
struct Script {
    name: &'static str,
    calls: Vec<Call>,
}

/// Names: empty, one letter, not ASCII, longer than the 15 bytes Linux keeps, and with spaces.
const NAMES: [&str; 5] = [
    "worker",
    "",
    "x",
    "ünïcödé-naïve-thread-name",
    "a name with spaces",
];

fn script(g: &mut threadlab_harness::generate::Gen) -> Script {
    let name = g.pick(&NAMES);
    let len = g.count_in(1, 14);
    let calls = (0..len)
        .map(|_| match g.range(0, 9) {
            // RunFirst rarely: a correct start() that keeps a lock across its spawn makes it wait 0.5 s.
            0..=2 => Call::Start(g.pick(&[
                StartMode::Plain,
                StartMode::Plain,
                StartMode::Held,
                StartMode::Held,
                StartMode::RunFirst,
            ])),
            3..=4 => Call::LetGo(match g.range(0, 3) {
                0 => Ending::PanicStr,
                1 => Ending::PanicString(g.pick(&["", "disk 3 is full", "ünïcödé"]).to_owned()),
                _ => Ending::Return(g.u64()),
            }),
            5..=6 => Call::Look,
            _ => Call::Join,
        })
        .collect();
    Script { name, calls }
}

/// Runs a [`Script`] on `$krate::beginner::ManagedThread` (the learner's `lesson02` or `reference`)
/// and returns what every call showed, as plain text.
macro_rules! run_script {
    ($krate:ident, $script:expr) => {{
        use $krate::beginner::{LifecycleError, ManagedThread, ThreadState};
        use $krate::thread::hold;
        let script: &Script = $script;
        let (end_tx, end_rx) = mpsc::channel::<Ending>();
        let (id_tx, id_rx) = mpsc::channel();
        let mut managed = ManagedThread::new(script.name, move || {
            let _ = id_tx.send(thread::current().id());
            match end_rx.recv_timeout(PATIENCE) {
                Ok(Ending::Return(value)) => value,
                Ok(Ending::PanicStr) => panic!("the body panics"),
                Ok(Ending::PanicString(text)) => panic!("{text}"),
                Err(_) => u64::MAX - 1,
            }
        });
        let state = |t: &ManagedThread<u64>| match t.state() {
            ThreadState::New => "New",
            ThreadState::Running => "Running",
            ThreadState::Terminated => "Terminated",
        };
        let error = |error: LifecycleError| match error {
            LifecycleError::AlreadyStarted => "Err(AlreadyStarted)",
            LifecycleError::NotStarted => "Err(NotStarted)",
            LifecycleError::AlreadyJoined => "Err(AlreadyJoined)",
        };
        let mut body_id = None;
        let ident = |t: &ManagedThread<u64>, body_id: Option<thread::ThreadId>| match (t.ident(), body_id) {
            (None, _) => "None",
            (Some(id), Some(body)) if id == body => "Some(the body's thread id)",
            (Some(_), _) => "Some(an id that is not the body's thread::current().id())",
        };
        let mut seen = vec![format!(
            "after new({:?}): {}, alive {}, ident {}, name {:?}",
            script.name,
            state(&managed),
            managed.is_alive(),
            ident(&managed, None),
            managed.name()
        )];
        let (mut started, mut let_go, mut ended) = (false, false, false);
        let go = |ending: Ending, let_go: &mut bool| {
            if !*let_go {
                let _ = end_tx.send(ending);
                *let_go = true;
            }
        };
        for call in &script.calls {
            match call {
                Call::Start(mode) => {
                    let mode = match mode {
                        // A body still waiting to be let go would keep spawn waiting 0.5 s.
                        StartMode::RunFirst if !started && !let_go => StartMode::Plain,
                        // A body already let go ends at once: whether it ends before start() goes on
                        // must not be the scheduler's choice, so it always does.
                        StartMode::Plain if !started && let_go => StartMode::RunFirst,
                        mode => *mode,
                    };
                    let (result, at_once) = match mode {
                        StartMode::Plain => (managed.start(), String::new()),
                        StartMode::Held => {
                            let held = hold::new_threads();
                            let result = managed.start();
                            // Only a start that started something has a new thread to hold back.
                            let at_once = if result.is_err() || started {
                                String::new()
                            } else {
                                // Look once the new thread is at the gate, or, when start() handed
                                // the body to a thread that is not held (one made by new()), once
                                // that body has run and, if it was let go, ended: what the look shows
                                // is then the same on every run, not the scheduler's choice.
                                let waited = std::time::Instant::now();
                                while !held.reached() && body_id.is_none() && waited.elapsed() < PATIENCE {
                                    body_id = id_rx.try_recv().ok();
                                    thread::yield_now();
                                }
                                while body_id.is_some()
                                    && let_go
                                    && state(&managed) == "Running"
                                    && waited.elapsed() < PATIENCE
                                {
                                    thread::sleep(std::time::Duration::from_millis(1));
                                }
                                format!(
                                " (the instant it returned, the new thread held back: {}, alive {}, ident {})",
                                state(&managed),
                                managed.is_alive(),
                                    if managed.ident().is_some() { "Some" } else { "None" }
                                )
                            };
                            (result, at_once)
                        }
                        StartMode::RunFirst => {
                            let _first = hold::run_first();
                            (managed.start(), String::new())
                        }
                    };
                    if result.is_ok() && !started {
                        started = true;
                        if body_id.is_none() {
                            body_id = id_rx.recv_timeout(PATIENCE).ok();
                        }
                    }
                    seen.push(format!(
                        "start() [{mode:?}]: {}{at_once}",
                        result.map_or_else(error, |()| "Ok(())")
                    ));
                }
                Call::LetGo(ending) => go(ending.clone(), &mut let_go),
                Call::Look => {
                    if started && let_go && !ended {
                        ended = threadlab_harness::wait::eventually(|| !managed.is_alive());
                    }
                    seen.push(format!(
                        "look{}: {}, alive {}, ident {}, name {:?}",
                        if started && let_go { " once the body ended" } else { "" },
                        state(&managed),
                        managed.is_alive(),
                        ident(&managed, body_id),
                        managed.name()
                    ));
                }
                Call::Join => {
                    if started {
                        go(Ending::Return(0), &mut let_go);
                    }
                    let joined = match threadlab_harness::catch_panic(|| managed.join()) {
                        Ok(Ok(value)) => format!("Ok({value})"),
                        Ok(Err(e)) => error(e).to_owned(),
                        Err(message) => format!("panicked with {message:?}"),
                    };
                    ended |= started;
                    seen.push(format!("join(): {joined}"));
                }
            }
        }
        if started && !let_go {
            go(Ending::Return(0), &mut let_go);
        }
        let _ = threadlab_harness::catch_panic(|| managed.join());
        seen
    }};
}

/// Generated call sequences (`start` plain, with the new thread held back, or run to its end
/// first; `join` before, during and after the body; bodies that return or panic with `&str` and
/// `String` payloads; names empty, not ASCII, longer than Linux keeps) show the same states, errors,
/// values and panics as the reference, call by call.
fn call_sequences_match_the_reference() {
    threadlab_harness::generate::differential(
        21,
        60,
        "what each call showed, for ManagedThread::new(name, body) then these calls",
        script,
        |s| run_script!(lesson02, s),
        |s| run_script!(reference, s),
    );
}
