//! Hidden tests, intermediate tier: `Executor`, `TaskHandle` and `as_completed`.
//!
//! Tasks are held at gates the test opens, so "still running", "not started yet" and "finished
//! first" are set up by the test, never left to the scheduler. Every wait on learner code is bounded
//! by the harness's patience, so a hang fails with a message.

use lesson07::intermediate::{Executor, TaskError, TaskHandle, as_completed};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};
use threadlab_harness::wait::{PATIENCE, Rendezvous, eventually, within_patience};
use threadlab_harness::{expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        ("submit_returns_the_tasks_value", submit_returns_the_tasks_value),
        ("runs_max_workers_tasks_at_once", runs_max_workers_tasks_at_once),
        ("uses_a_fixed_set_of_workers", uses_a_fixed_set_of_workers),
        (
            "result_times_out_and_can_ask_again",
            result_times_out_and_can_ask_again,
        ),
        (
            "a_panic_is_reported_and_the_worker_lives_on",
            a_panic_is_reported_and_the_worker_lives_on,
        ),
        ("cancel_works_only_before_start", cancel_works_only_before_start),
        (
            "as_completed_yields_in_completion_order",
            as_completed_yields_in_completion_order,
        ),
        (
            "shutdown_with_wait_runs_every_queued_task",
            shutdown_with_wait_runs_every_queued_task,
        ),
        (
            "shutdown_without_wait_returns_at_once",
            shutdown_without_wait_returns_at_once,
        ),
    ]);
}

/// How long the test watches a call that should be blocked before concluding that it is.
const SETTLE: Duration = Duration::from_millis(200);

/// How long a task waits at a closed gate at most: longer than any wait of the test itself, so a
/// call that waits for a held task can never come back in time by outwaiting the gate.
const HELD: Duration = Duration::from_secs(5);

/// A gate a task waits at (at most [`HELD`]) until the test opens it.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    changed: Condvar,
}

impl Gate {
    fn new() -> Arc<Gate> {
        Arc::new(Gate::default())
    }

    fn pass(&self) {
        let deadline = Instant::now() + HELD;
        let mut open = self.open.lock().unwrap();
        while !*open && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            open = self.changed.wait_timeout(open, left).unwrap().0;
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.changed.notify_all();
    }
}

/// Submits a task that says it started, waits at `gate`, and returns `value`.
fn gated<T: Send + 'static>(
    executor: &Executor,
    gate: &Arc<Gate>,
    value: T,
) -> (TaskHandle<T>, Arc<AtomicBool>) {
    let started = Arc::new(AtomicBool::new(false));
    let (gate, flag) = (Arc::clone(gate), Arc::clone(&started));
    let handle = executor.submit(move || {
        flag.store(true, Ordering::SeqCst);
        gate.pass();
        value
    });
    (handle, started)
}

fn submit_returns_the_tasks_value() {
    let executor = Executor::new(2);
    let caller = thread::current().id();
    let words = executor.submit(|| "hello".to_owned());
    let on = executor.submit(move || thread::current().id() != caller);
    expect_eq!(
        words.result(PATIENCE),
        Ok("hello".to_owned()),
        "result() of a task returning \"hello\""
    );
    expect_eq!(
        words.result(Duration::ZERO),
        Ok("hello".to_owned()),
        "a second result() of the same task (it hands out a clone each time)"
    );
    expect!(
        words.is_done(),
        "expected is_done() to be true after the task returned, but it was false"
    );
    let shown = (format!("{executor:?}"), format!("{words:?}"));
    expect!(
        shown.0.starts_with("Executor")
            && shown.1.starts_with("TaskHandle")
            && shown.1.contains("done: true"),
        "expected the Debug output of the Executor and of a finished TaskHandle (given in the starter) to name them and show `done: true`, but got {shown:?}"
    );
    expect_eq!(
        on.result(PATIENCE),
        Ok(true),
        "whether the task ran on a worker thread rather than the thread that called submit"
    );
}

fn runs_max_workers_tasks_at_once() {
    let executor = Executor::new(3);
    let meeting = Arc::new(Rendezvous::new(3));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let meeting = Arc::clone(&meeting);
            executor.submit(move || meeting.arrive())
        })
        .collect();
    let met: Vec<_> = handles.iter().map(|h| h.result(PATIENCE * 2)).collect();
    expect!(
        met.iter().all(|m| *m == Ok(true)),
        "expected Executor::new(3) to run 3 tasks at the same time, but at most {} ran at once (results: {met:?})",
        meeting.peak()
    );
    let single = Executor::new(0);
    expect_eq!(
        single.submit(|| 7).result(PATIENCE),
        Ok(7),
        "result() of a task on Executor::new(0) (0 workers counts as 1)"
    );
}

fn uses_a_fixed_set_of_workers() {
    let executor = Executor::new(2);
    let gate = Gate::new();
    let inside = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let (gate, inside, peak) = (Arc::clone(&gate), Arc::clone(&inside), Arc::clone(&peak));
            executor.submit(move || {
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                gate.pass();
                inside.fetch_sub(1, Ordering::SeqCst);
                thread::current().id()
            })
        })
        .collect();
    eventually(|| inside.load(Ordering::SeqCst) >= 2);
    let deadline = Instant::now() + SETTLE;
    while inside.load(Ordering::SeqCst) <= 2 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    gate.open();
    let ids: HashSet<_> = handles.iter().filter_map(|h| h.result(PATIENCE).ok()).collect();
    expect!(
        peak.load(Ordering::SeqCst) <= 2,
        "expected Executor::new(2) to run at most 2 tasks at the same time, but {} ran at once",
        peak.load(Ordering::SeqCst)
    );
    let more: Vec<_> = (0..20)
        .map(|_| executor.submit(|| thread::current().id()))
        .collect();
    let ids: HashSet<_> = ids
        .into_iter()
        .chain(more.iter().filter_map(|h| h.result(PATIENCE).ok()))
        .collect();
    expect!(
        ids.len() <= 2,
        "expected Executor::new(2) to run every task on one of its 2 worker threads, but 26 tasks ran on {} different threads",
        ids.len()
    );
}

fn result_times_out_and_can_ask_again() {
    let executor = Executor::new(1);
    let gate = Gate::new();
    let (handle, _) = gated(&executor, &gate, 42);
    let asked = Instant::now();
    let first = handle.result(Duration::from_millis(100));
    let waited = asked.elapsed();
    expect_eq!(
        first,
        Err(TaskError::Timeout),
        "result(100 ms) of a task still running"
    );
    expect!(
        waited >= Duration::from_millis(100) && waited < PATIENCE,
        "expected result(100 ms) of a running task to give up after about 100 ms, but it returned after {waited:?}"
    );
    expect!(
        !handle.is_done(),
        "expected is_done() to be false while the task runs, but it was true"
    );
    // Ask again while the task is still held, so the call is waiting when the task finishes: it must
    // be woken then, not at its 60 s deadline.
    let (answer, second) = mpsc::channel();
    thread::spawn(move || {
        let _ = answer.send(handle.result(Duration::from_secs(60)));
    });
    thread::sleep(SETTLE);
    if let Ok(early) = second.try_recv() {
        panic!(
            "expected result(60 s) to keep waiting while the task runs, but it returned {early:?} at once"
        );
    }
    gate.open();
    expect_eq!(
        second.recv_timeout(PATIENCE).ok(),
        Some(Ok(42)),
        "result(60 s), already waiting when the task finished (it must return as soon as the task ends, \
         not at its deadline; None means it did not return within {PATIENCE:?})"
    );
}

fn a_panic_is_reported_and_the_worker_lives_on() {
    let executor = Executor::new(1);
    let formatted = executor.submit(|| -> u32 { panic!("task {} failed", 7) });
    let literal = executor.submit(|| -> u32 { panic!("plain failure") });
    let other = executor.submit(|| -> u32 { std::panic::panic_any(42_i32) });
    expect_eq!(
        formatted.result(PATIENCE),
        Err(TaskError::Panicked("task 7 failed".to_owned())),
        "result() of a task that panicked with panic!(\"task {{}} failed\", 7)"
    );
    expect_eq!(
        literal.result(PATIENCE),
        Err(TaskError::Panicked("plain failure".to_owned())),
        "result() of a task that panicked with panic!(\"plain failure\")"
    );
    expect_eq!(
        other.result(PATIENCE),
        Err(TaskError::Panicked("unknown panic payload".to_owned())),
        "result() of a task that panicked with a non-text payload"
    );
    let after: Vec<_> = (0..5).map(|i| executor.submit(move || i * 2)).collect();
    let values: Vec<_> = after.iter().map(|h| h.result(PATIENCE)).collect();
    expect_eq!(
        values,
        vec![Ok(0), Ok(2), Ok(4), Ok(6), Ok(8)],
        "results of 5 tasks submitted to Executor::new(1) after 3 tasks panicked (the one worker must survive them)"
    );
}

fn cancel_works_only_before_start() {
    let executor = Executor::new(1);
    let gate = Gate::new();
    let (running, started) = gated(&executor, &gate, "ran");
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let queued = executor.submit(move || {
        flag.store(true, Ordering::SeqCst);
        "queued ran"
    });
    expect!(
        eventually(|| started.load(Ordering::SeqCst)),
        "the first task submitted to Executor::new(1) never started"
    );
    thread::sleep(SETTLE);
    expect!(
        !ran.load(Ordering::SeqCst),
        "expected the second task on Executor::new(1) to wait in the queue while the first one runs, but it started"
    );
    expect!(
        !running.cancel(),
        "expected cancel() of a running task to return false, but it returned true"
    );
    expect!(
        queued.cancel(),
        "expected cancel() of a task still waiting in the queue to return true, but it returned false"
    );
    expect!(
        queued.is_done(),
        "expected is_done() to be true for a cancelled task, but it was false"
    );
    expect_eq!(
        queued.result(Duration::ZERO),
        Err(TaskError::Cancelled),
        "result() of a cancelled task"
    );
    gate.open();
    expect_eq!(
        running.result(PATIENCE),
        Ok("ran"),
        "result() of the running task whose cancel() was refused"
    );
    let later = executor.submit(|| "later");
    expect_eq!(
        later.result(PATIENCE),
        Ok("later"),
        "result() of a task submitted after the cancel"
    );
    expect!(
        !ran.load(Ordering::SeqCst),
        "expected a cancelled task never to run, but its body ran"
    );
    expect!(
        !running.cancel() && !later.cancel(),
        "expected cancel() of a finished task to return false, but it returned true"
    );
    expect_eq!(
        running.result(Duration::ZERO),
        Ok("ran"),
        "result() of a finished task after cancel() was refused"
    );
}

fn as_completed_yields_in_completion_order() {
    let executor = Executor::new(2);
    let (gate_a, gate_b) = (Gate::new(), Gate::new());
    let (a, started_a) = gated(&executor, &gate_a, "a");
    let (b, started_b) = gated(&executor, &gate_b, "b");
    eventually(|| started_a.load(Ordering::SeqCst) && started_b.load(Ordering::SeqCst));
    let c = executor.submit(|| "c");
    let d = executor.submit(|| "d");
    // Give an executor that starts queued tasks early the time to do it: d must still be queued.
    thread::sleep(SETTLE);
    expect!(
        d.cancel(),
        "expected cancel() of a queued task to return true, but it returned false"
    );

    let mut order = Vec::new();
    let mut completed = as_completed(vec![a, b, c, d]);
    let shown = format!("{completed:?}");
    expect!(
        shown.starts_with("AsCompleted"),
        "expected the Debug output of as_completed's iterator (given in the starter) to start with AsCompleted, but got {shown:?}"
    );
    // Each step: open one gate (or none), then the next handle must come within patience.
    for opens in [None, Some(&gate_b), None, Some(&gate_a)] {
        if let Some(gate) = opens {
            gate.open();
        }
        let Some((rest, next)) = within_patience(move || {
            let next = completed.next();
            (completed, next)
        }) else {
            panic!(
                "as_completed did not yield the next finished task in time (yielded so far: {order:?}); \
                 the tasks still running were held at a gate, so it must not wait for them"
            );
        };
        completed = rest;
        let Some(handle) = next else {
            panic!("as_completed ended after yielding {order:?}, but 4 handles were given")
        };
        order.push(match handle.result(Duration::ZERO) {
            Ok(value) => value.to_owned(),
            Err(e) => format!("{e:?}"),
        });
    }
    expect_eq!(
        order,
        vec!["Cancelled", "b", "c", "a"],
        "order of as_completed([a, b, c, d]): d cancelled, then b finishes, then c (queued behind it), then a"
    );
    let end = within_patience(move || completed.next().is_none());
    expect_eq!(
        end,
        Some(true),
        "whether as_completed ends after every handle was yielded"
    );
}

fn shutdown_with_wait_runs_every_queued_task() {
    for drop_it in [false, true] {
        let executor = Executor::new(1);
        let gate = Gate::new();
        let finished = Arc::new(AtomicUsize::new(0));
        let (count, held) = (Arc::clone(&finished), Arc::clone(&gate));
        executor.submit(move || {
            held.pass();
            count.fetch_add(1, Ordering::SeqCst);
        });
        for _ in 0..2 {
            let count = Arc::clone(&finished);
            executor.submit(move || {
                count.fetch_add(1, Ordering::SeqCst);
            });
        }
        let how = if drop_it {
            "drop(executor)"
        } else {
            "shutdown(true)"
        };
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let closer = thread::spawn(move || {
            if drop_it {
                drop(executor);
            } else {
                executor.shutdown(true);
            }
            flag.store(true, Ordering::SeqCst);
        });
        thread::sleep(SETTLE);
        expect!(
            !done.load(Ordering::SeqCst),
            "expected {how} to wait for the running task, but it returned while the task was still running"
        );
        gate.open();
        expect!(
            eventually(|| done.load(Ordering::SeqCst)),
            "{how} did not return after the running task could finish"
        );
        closer.join().unwrap();
        expect_eq!(
            finished.load(Ordering::SeqCst),
            3,
            "number of the 3 submitted tasks that had finished when {how} returned"
        );
    }
}

fn shutdown_without_wait_returns_at_once() {
    let executor = Executor::new(1);
    let gate = Gate::new();
    let (running, _) = gated(&executor, &gate, 1);
    let queued = executor.submit(|| 2);
    let returned = within_patience(move || executor.shutdown(false));
    expect!(
        returned.is_some(),
        "expected shutdown(false) to return at once, but it was still waiting for a running task"
    );
    gate.open();
    expect_eq!(
        (running.result(PATIENCE), queued.result(PATIENCE)),
        (Ok(1), Ok(2)),
        "results of a running and a queued task after shutdown(false) (queued tasks still run)"
    );
}
