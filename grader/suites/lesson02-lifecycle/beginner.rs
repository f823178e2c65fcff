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
    let mut thread = ManagedThread::new("held-back", move || {
        let _ = ran_tx.send(());
        5
    });
    let seen = {
        let _held = hold::new_threads();
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
        seen
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
    expect_eq!(thread.start(), Ok(()), "start()");
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
    expect_eq!(failing.start(), Ok(()), "start() of a body that panics");
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
}
