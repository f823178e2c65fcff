//! Hidden tests, intermediate tier: `Executor`, `TaskHandle` and `as_completed`.
//!
//! Tasks are held at gates the test opens, so "still running", "not started yet" and "finished
//! first" are set up by the test, never left to the scheduler. Every wait on learner code is bounded
//! by the harness's patience, so a hang fails with a message.

use lesson07::intermediate::{Executor, TaskError, TaskHandle, as_completed};
use std::cell::RefCell;
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
            "tasks_start_in_submission_order_as_workers_free_up",
            tasks_start_in_submission_order_as_workers_free_up,
        ),
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
        ("executor_matches_the_reference", executor_matches_the_reference),
        (
            "cancel_and_results_hold_on_every_schedule",
            cancel_and_results_hold_on_every_schedule,
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

/// Opens every gate it holds when it is dropped.
struct OpenOnDrop(Vec<Arc<Gate>>);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        for gate in &self.0 {
            gate.open();
        }
    }
}

thread_local! {
    /// Set on a worker thread the first time one of the test's marked tasks runs there; dropped when
    /// that thread ends.
    static WORKER: RefCell<Option<WorkerEnd>> = const { RefCell::new(None) };
}

/// Counts, when it is dropped at the end of its thread, that the thread has ended, and takes
/// [`SETTLE`] to do so: a call that should wait for the workers to end but does not join them returns
/// long before the count moves.
struct WorkerEnd(Arc<AtomicUsize>);

impl Drop for WorkerEnd {
    fn drop(&mut self) {
        thread::sleep(SETTLE);
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The worker threads that ran a marked task, and how many of them have ended since.
#[derive(Default, Clone)]
struct Workers {
    marked: Arc<AtomicUsize>,
    ended: Arc<AtomicUsize>,
}

impl Workers {
    /// Marks the calling thread (a worker, running a task), once.
    fn mark(&self) {
        WORKER.with(|worker| {
            let mut worker = worker.borrow_mut();
            if worker.is_none() {
                *worker = Some(WorkerEnd(Arc::clone(&self.ended)));
                self.marked.fetch_add(1, Ordering::SeqCst);
            }
        });
    }

    /// (ended, marked)
    fn count(&self) -> (usize, usize) {
        (
            self.ended.load(Ordering::SeqCst),
            self.marked.load(Ordering::SeqCst),
        )
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

/// Polls `done` every millisecond until it holds or [`SETTLE`] has passed.
fn settle_until(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + SETTLE;
    while !done() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
}

/// `result(wait)` of a task that finishes on its own, asked once `is_done()` says it has finished
/// (or after [`SETTLE`]): a test about something else then gives the same verdict whether or not
/// `result()` is woken early by the task starting (a held-back test of its own checks that).
fn outcome<T: Clone>(handle: &TaskHandle<T>, wait: Duration) -> Result<T, TaskError> {
    settle_until(|| handle.is_done());
    handle.result(wait)
}

fn submit_returns_the_tasks_value() {
    let executor = Executor::new(2);
    let caller = thread::current().id();
    let words = executor.submit(|| "hello".to_owned());
    let on = executor.submit(move || thread::current().id() != caller);
    expect_eq!(
        outcome(&words, PATIENCE),
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
        outcome(&on, PATIENCE),
        Ok(true),
        "whether the task ran on a worker thread rather than the thread that called submit"
    );
}

fn runs_max_workers_tasks_at_once() {
    // 3, and a number of workers above any cap a learner might hard-code (CPUs, 8, 16).
    for workers in [3usize, 17] {
        let executor = Executor::new(workers);
        let meeting = Arc::new(Rendezvous::new(workers));
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let meeting = Arc::clone(&meeting);
                executor.submit(move || meeting.arrive())
            })
            .collect();
        let met: Vec<_> = handles.iter().map(|h| outcome(h, PATIENCE * 2)).collect();
        expect!(
            met.iter().all(|m| *m == Ok(true)),
            "expected Executor::new({workers}) to run {workers} tasks at the same time, but at most {} ran at once (results: {met:?})",
            meeting.peak()
        );
    }
    let single = Executor::new(0);
    expect_eq!(
        outcome(&single.submit(|| 7), PATIENCE),
        Ok(7),
        "result() of a task on Executor::new(0) (0 workers counts as 1)"
    );
}

fn uses_a_fixed_set_of_workers() {
    // Two executors side by side, each given three times as many held tasks as it has workers; one
    // settling wait covers both.
    struct Watched {
        workers: usize,
        executor: Executor,
        inside: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
        handles: Vec<TaskHandle<thread::ThreadId>>,
    }
    let gate = Gate::new();
    let watched: Vec<Watched> = [2usize, 5]
        .into_iter()
        .map(|workers| {
            let executor = Executor::new(workers);
            let inside = Arc::new(AtomicUsize::new(0));
            let peak = Arc::new(AtomicUsize::new(0));
            let handles = (0..3 * workers)
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
            Watched {
                workers,
                executor,
                inside,
                peak,
                handles,
            }
        })
        .collect();
    eventually(|| {
        watched
            .iter()
            .all(|w| w.inside.load(Ordering::SeqCst) >= w.workers)
    });
    thread::sleep(SETTLE);
    gate.open();
    for w in &watched {
        let ids: HashSet<_> = w.handles.iter().filter_map(|h| h.result(PATIENCE).ok()).collect();
        let peak = w.peak.load(Ordering::SeqCst);
        expect!(
            peak <= w.workers,
            "expected Executor::new({0}) to run at most {0} tasks at the same time, but {peak} ran at once",
            w.workers
        );
        let more: Vec<_> = (0..20)
            .map(|_| w.executor.submit(|| thread::current().id()))
            .collect();
        let ids: HashSet<_> = ids
            .into_iter()
            .chain(more.iter().filter_map(|h| h.result(PATIENCE).ok()))
            .collect();
        expect!(
            ids.len() <= w.workers,
            "expected Executor::new({0}) to run every task on one of its {0} worker threads, but {1} tasks ran on {2} different threads",
            w.workers,
            3 * w.workers + 20,
            ids.len()
        );
    }
}

/// With every worker held, `submit` still returns at once, and each worker that comes free takes the
/// task submitted next: tasks start in submission order as workers become free.
fn tasks_start_in_submission_order_as_workers_free_up() {
    const WORKERS: usize = 3;
    const QUEUED: usize = 9;
    let started = Arc::new(Mutex::new(Vec::new()));
    let gates: Vec<Arc<Gate>> = (0..WORKERS + QUEUED).map(|_| Gate::new()).collect();
    let (tell, handles) = mpsc::channel();
    let (done_with, keep) = mpsc::channel::<()>();
    // The executor lives on a helper thread, so a submit that waits cannot hang the test.
    {
        let (started, gates) = (Arc::clone(&started), gates.clone());
        thread::spawn(move || {
            let executor = Executor::new(WORKERS);
            for (task, gate) in gates.into_iter().enumerate() {
                let started = Arc::clone(&started);
                let handle = executor.submit(move || {
                    started.lock().unwrap().push(task);
                    gate.pass();
                    task
                });
                let _ = tell.send(handle);
            }
            let _ = keep.recv();
            executor.shutdown(false);
        });
    }
    let started_count = || started.lock().unwrap().len();
    expect!(
        eventually(|| started_count() == WORKERS),
        "Executor::new({WORKERS}) with {} tasks submitted started {} of them, expected {WORKERS}",
        WORKERS + QUEUED,
        started_count()
    );
    let mut received = Vec::new();
    for task in 0..WORKERS + QUEUED {
        match handles.recv_timeout(PATIENCE) {
            Ok(handle) => received.push(handle),
            Err(_) => panic!(
                "submit of task {} did not return while the {WORKERS} workers were busy: submit must queue \
                 the task and return its handle at once",
                task + 1
            ),
        }
    }
    // Free one worker at a time: the task it finishes makes room for exactly one more.
    for (next, gate) in gates.iter().enumerate().take(QUEUED) {
        gate.open();
        expect!(
            eventually(|| started_count() == WORKERS + next + 1),
            "after task {next} finished and freed its worker, the next queued task never started (started so \
             far: {:?})",
            started.lock().unwrap()
        );
    }
    for gate in &gates {
        gate.open();
    }
    for (task, handle) in received.iter().enumerate() {
        expect_eq!(outcome(handle, PATIENCE), Ok(task), "result() of task {task}");
    }
    let order = started.lock().unwrap().clone();
    expect_eq!(
        order[WORKERS..].to_vec(),
        (WORKERS..WORKERS + QUEUED).collect::<Vec<_>>(),
        "the order in which the {QUEUED} queued tasks started on Executor::new({WORKERS}), each when a worker came \
         free (tasks start in submission order)"
    );
    let _ = done_with.send(());
}

fn result_times_out_and_can_ask_again() {
    let executor = Executor::new(1);
    let gate = Gate::new();
    // Dropped before the executor: a failing check opens the gate, so dropping the executor (which
    // joins its worker) does not wait out the held task and the failure is reported with its message.
    let _open_on_exit = OpenOnDrop(vec![Arc::clone(&gate)]);
    let (handle, started) = gated(&executor, &gate, 42);
    expect!(
        eventually(|| started.load(Ordering::SeqCst)),
        "the task on Executor::new(1) never started"
    );
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

    // Asked while its task is still queued, result(60 s) must keep waiting when the task starts: only
    // the task's end (or the timeout) ends the wait.
    let executor = Executor::new(1);
    let (first_gate, second_gate) = (Gate::new(), Gate::new());
    let _open_on_exit = OpenOnDrop(vec![Arc::clone(&first_gate), Arc::clone(&second_gate)]);
    let (_first, first_started) = gated(&executor, &first_gate, 1);
    let (queued, queued_started) = gated(&executor, &second_gate, 2);
    expect!(
        eventually(|| first_started.load(Ordering::SeqCst)),
        "the first task on Executor::new(1) never started"
    );
    let (answer, second) = mpsc::channel();
    thread::spawn(move || {
        let _ = answer.send(queued.result(Duration::from_secs(60)));
    });
    thread::sleep(SETTLE);
    if let Ok(early) = second.try_recv() {
        panic!(
            "expected result(60 s) of a task queued behind a running one to keep waiting, but it returned {early:?} \
             at once"
        );
    }
    first_gate.open();
    expect!(
        eventually(|| queued_started.load(Ordering::SeqCst)),
        "the queued task on Executor::new(1) never started after the first one finished"
    );
    thread::sleep(SETTLE);
    if let Ok(early) = second.try_recv() {
        panic!(
            "expected result(60 s), asked while its task was queued, to keep waiting when the task started (it \
             has not finished, and 60 s have not passed), but it returned {early:?}"
        );
    }
    second_gate.open();
    expect_eq!(
        second.recv_timeout(PATIENCE).ok(),
        Some(Ok(2)),
        "result(60 s), asked while its task was queued and still waiting when it finished (None means it did \
         not return within {PATIENCE:?})"
    );
}

fn a_panic_is_reported_and_the_worker_lives_on() {
    let executor = Executor::new(1);
    // A message built at run time is a `String` payload (one with only constant arguments is folded
    // into a `&str` by the compiler).
    let number = std::hint::black_box(7);
    let formatted = executor.submit(move || -> u32 { panic!("task {number} failed") });
    let literal = executor.submit(|| -> u32 { panic!("plain failure") });
    let other = executor.submit(|| -> u32 { std::panic::panic_any(42_i32) });
    expect_eq!(
        outcome(&formatted, PATIENCE),
        Err(TaskError::Panicked("task 7 failed".to_owned())),
        "result() of a task that panicked with panic!(\"task {{number}} failed\") (a String payload)"
    );
    expect_eq!(
        outcome(&literal, PATIENCE),
        Err(TaskError::Panicked("plain failure".to_owned())),
        "result() of a task that panicked with panic!(\"plain failure\") (a &str payload)"
    );
    expect_eq!(
        outcome(&other, PATIENCE),
        Err(TaskError::Panicked("unknown panic payload".to_owned())),
        "result() of a task that panicked with a non-text payload"
    );
    let after: Vec<_> = (0..5).map(|i| executor.submit(move || i * 2)).collect();
    let values: Vec<_> = after.iter().map(|h| outcome(h, PATIENCE)).collect();
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
        outcome(&running, PATIENCE),
        Ok("ran"),
        "result() of the running task whose cancel() was refused"
    );
    let later = executor.submit(|| "later");
    expect_eq!(
        outcome(&later, PATIENCE),
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
        let workers = Workers::default();
        let (count, held, marks) = (Arc::clone(&finished), Arc::clone(&gate), workers.clone());
        executor.submit(move || {
            marks.mark();
            held.pass();
            count.fetch_add(1, Ordering::SeqCst);
        });
        for _ in 0..2 {
            let (count, marks) = (Arc::clone(&finished), workers.clone());
            executor.submit(move || {
                marks.mark();
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
        let (ended, marked) = workers.count();
        expect!(
            ended == marked,
            "{how} returned while {} of the {marked} worker thread(s) that ran the tasks had not ended yet: it \
             must return once the workers have ended (join them)",
            marked - ended
        );
    }
}

fn shutdown_without_wait_returns_at_once() {
    let executor = Executor::new(1);
    let gate = Gate::new();
    let workers = Workers::default();
    let marks = workers.clone();
    let (running, _) = gated(&executor, &gate, 1);
    let queued = executor.submit(move || {
        marks.mark();
        2
    });
    let returned = within_patience(move || executor.shutdown(false));
    expect!(
        returned.is_some(),
        "expected shutdown(false) to return at once, but it was still waiting for a running task"
    );
    gate.open();
    expect_eq!(
        (outcome(&running, PATIENCE), outcome(&queued, PATIENCE)),
        (Ok(1), Ok(2)),
        "results of a running and a queued task after shutdown(false) (queued tasks still run)"
    );
    let (ended, marked) = workers.count();
    expect!(
        eventually(|| workers.count().0 == marked),
        "after shutdown(false) and the last queued task, {} of the {marked} worker thread(s) never ended: \
         shutdown must close the queue (drop the Sender) so that each worker's loop ends once the queue is empty",
        marked - ended.min(marked)
    );
}

/// What a generated task does.
#[derive(Debug, Clone)]
enum Task {
    Value(i64),
    /// `panic!("plain failure")`: a `&str` payload.
    PanicStr,
    /// `panic!("task {n} failed")` with `n` known at run time: a `String` payload.
    PanicString(i64),
    /// `std::panic::panic_any(n)`: a payload that is not text.
    PanicOther(i32),
}

/// One call made while every worker is held: the task index counts the generated tasks in
/// submission order (modulo how many there are so far).
#[derive(Debug, Clone)]
enum Step {
    Submit(Task),
    Cancel(usize),
    IsDone(usize),
    ResultNow(usize),
}

/// How a case collects its outcomes once the workers are let go.
#[derive(Debug, Clone)]
enum Finish {
    /// `result(patience)`, `is_done()`, `cancel()` and `result(0)` of every handle, in submission order.
    EachHandle,
    /// `as_completed` over the handles in this order (indices into all handles, held tasks first),
    /// called while every worker is still held.
    AsCompleted(Vec<usize>),
}

/// How a case ends.
#[derive(Debug, Clone)]
enum End {
    Drop,
    ShutdownWait,
    /// `shutdown(false)` while every worker is still held.
    ShutdownNoWaitWhileHeld,
}

#[derive(Debug)]
struct ExecutorCase {
    max_workers: usize,
    steps: Vec<Step>,
    finish: Finish,
    end: End,
}

/// A task's outcome as plain data (never through the learner's `TaskError`).
/// Only held-back tests use it, and a student copy has none of them: hence the `allow`.
#[allow(unused_macros)]
macro_rules! plain {
    ($result:expr) => {
        match $result {
            Ok(value) => format!("Ok({value})"),
            Err(m::TaskError::Panicked(message)) => format!("Panicked({message:?})"),
            Err(m::TaskError::Timeout) => "Timeout".to_owned(),
            Err(m::TaskError::Cancelled) => "Cancelled".to_owned(),
        }
    };
}

/// Runs one generated case on `m::Executor` (the call site says which `m`) and returns what it
/// showed, one line per observation. Every worker is held at a gate first (one held task per
/// worker), so every generated task is queued while the steps run: each call's answer is fixed.
/// Only held-back tests use it, and a student copy has none of them: hence the `allow`.
#[allow(unused_macros)]
macro_rules! run_executor_case {
    ($case:expr) => {{
        let case: &ExecutorCase = $case;
        let mut seen: Vec<String> = Vec::new();
        let workers = case.max_workers.max(1);
        let executor = m::Executor::new(case.max_workers);
        let gate = Gate::new();
        let held_started = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(Mutex::new(Vec::<usize>::new()));
        let mut handles: Vec<m::TaskHandle<i64>> = (0..workers)
            .map(|_| {
                let (gate, held_started) = (Arc::clone(&gate), Arc::clone(&held_started));
                executor.submit(move || {
                    held_started.fetch_add(1, Ordering::SeqCst);
                    gate.pass();
                    -1
                })
            })
            .collect();
        let busy = eventually(|| held_started.load(Ordering::SeqCst) == workers);
        seen.push(format!("all {workers} workers took a held task: {busy}"));
        if !busy {
            gate.open();
            return seen;
        }
        let mut tasks = 0usize;
        for step in &case.steps {
            match step {
                Step::Submit(task) => {
                    let (task, index, ran) = (task.clone(), tasks, Arc::clone(&ran));
                    handles.push(executor.submit(move || {
                        ran.lock().unwrap().push(index);
                        match task {
                            Task::Value(value) => value,
                            Task::PanicStr => panic!("plain failure"),
                            Task::PanicString(n) => panic!("task {n} failed"),
                            Task::PanicOther(n) => std::panic::panic_any(n),
                        }
                    }));
                    tasks += 1;
                }
                Step::Cancel(i) if tasks > 0 => {
                    let i = i % tasks;
                    seen.push(format!(
                        "cancel() of queued task {i}: {}",
                        handles[workers + i].cancel()
                    ));
                }
                Step::IsDone(i) if tasks > 0 => {
                    let i = i % tasks;
                    seen.push(format!(
                        "is_done() of queued task {i}: {}",
                        handles[workers + i].is_done()
                    ));
                }
                Step::ResultNow(i) if tasks > 0 => {
                    let i = i % tasks;
                    seen.push(format!(
                        "result(0 s) of queued task {i}: {}",
                        plain!(handles[workers + i].result(Duration::ZERO))
                    ));
                }
                _ => {}
            }
        }
        let mut executor = Some(executor);
        if let End::ShutdownNoWaitWhileHeld = case.end {
            let executor = executor.take();
            let returned = within_patience(move || executor.map(|e| e.shutdown(false))).is_some();
            seen.push(format!(
                "shutdown(false) returned while every worker was held: {returned}"
            ));
        }
        match &case.finish {
            Finish::EachHandle => {
                gate.open();
                // Asked once the tasks are done, so the answers do not depend on whether result()
                // is woken early by a task starting (a held-back test of its own checks that).
                settle_until(|| handles.iter().all(|h| h.is_done()));
                for (i, handle) in handles.iter().enumerate() {
                    seen.push(format!(
                        "handle {i}: result(patience) {}, is_done() {}, cancel() {}, result(0 s) {}",
                        plain!(handle.result(PATIENCE)),
                        handle.is_done(),
                        handle.cancel(),
                        plain!(handle.result(Duration::ZERO))
                    ));
                }
            }
            Finish::AsCompleted(order) => {
                let finished = handles.iter().filter(|h| h.is_done()).count();
                let mut given: Vec<Option<m::TaskHandle<i64>>> = handles.into_iter().map(Some).collect();
                let in_order: Vec<m::TaskHandle<i64>> =
                    order.iter().filter_map(|&i| given[i].take()).collect();
                let mut completed = Some(m::as_completed(in_order));
                // The next handle's outcome, "end" when as_completed ended, or "nothing within
                // patience" (after which nothing more is asked of it).
                let mut pull = || -> String {
                    let Some(mut iterator) = completed.take() else {
                        return "nothing within patience".to_owned();
                    };
                    match within_patience(move || {
                        let next = iterator.next().map(|h| plain!(h.result(Duration::ZERO)));
                        (iterator, next)
                    }) {
                        Some((rest, next)) => {
                            completed = Some(rest);
                            next.unwrap_or_else(|| "end".to_owned())
                        }
                        None => "nothing within patience".to_owned(),
                    }
                };
                // The tasks already finished (cancelled) come first, while the others are still held.
                let mut early: Vec<String> = (0..finished).map(|_| pull()).collect();
                early.sort();
                seen.push(format!("as_completed while held: {early:?}"));
                gate.open();
                let mut late: Vec<String> = (finished..order.len()).map(|_| pull()).collect();
                // With one worker the tasks finish in submission order; with more, in any order.
                if workers > 1 {
                    late.sort();
                }
                seen.push(format!("as_completed after the workers were let go: {late:?}"));
                seen.push(format!("as_completed after every handle: {}", pull()));
            }
        }
        match case.end {
            End::Drop => {
                let executor = executor.take();
                seen.push(format!(
                    "drop returned: {}",
                    within_patience(move || drop(executor)).is_some()
                ));
            }
            End::ShutdownWait => {
                let executor = executor.take();
                let returned = within_patience(move || executor.map(|e| e.shutdown(true))).is_some();
                seen.push(format!("shutdown(true) returned: {returned}"));
            }
            End::ShutdownNoWaitWhileHeld => {}
        }
        let mut ran = ran.lock().unwrap().clone();
        // With one worker the tasks start in submission order; with more, in any order.
        if workers > 1 {
            ran.sort_unstable();
        }
        seen.push(format!(
            "queued tasks that ran, in the order they started: {ran:?}"
        ));
        seen
    }};
}

/// Generated cases (0 to 6 workers; values and panics with `&str`, `String` and other payloads;
/// cancels, `is_done` and `result(0)` of queued tasks, repeated and of cancelled ones; `as_completed`
/// over the handles in any order; every way to end) give the same answers as the reference, call by
/// call. First, a check that the executor runs no more tasks at once than it has workers: the cases
/// rely on every generated task waiting in the queue.
fn executor_matches_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    {
        let executor = Executor::new(2);
        let gate = Gate::new();
        let started: Vec<_> = (0..3).map(|_| gated(&executor, &gate, ()).1).collect();
        let count = || started.iter().filter(|s| s.load(Ordering::SeqCst)).count();
        eventually(|| count() >= 2);
        thread::sleep(SETTLE);
        let at_once = count();
        gate.open();
        expect!(
            at_once == 2,
            "Executor::new(2) given 3 held tasks started {at_once} of them, expected exactly 2 (one per worker)"
        );
    }
    fn task(g: &mut Gen) -> Task {
        match g.range(0, 5) {
            0 => Task::PanicStr,
            1 => Task::PanicString(g.i64()),
            2 => Task::PanicOther(g.range(0, 9) as i32),
            _ => Task::Value(g.i64()),
        }
    }
    fn input(g: &mut Gen) -> ExecutorCase {
        let max_workers = g.count(6);
        let steps = g.vec(10, |g| match g.range(0, 5) {
            0 | 1 => Step::Submit(task(g)),
            2 => Step::Cancel(g.range(0, 9) as usize),
            3 => Step::IsDone(g.range(0, 9) as usize),
            _ => Step::ResultNow(g.range(0, 9) as usize),
        });
        let all = max_workers.max(1) + steps.iter().filter(|s| matches!(s, Step::Submit(_))).count();
        let finish = if g.one_in(2) {
            let mut order: Vec<usize> = (0..all).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, g.range(0, i as u64) as usize);
            }
            Finish::AsCompleted(order)
        } else {
            Finish::EachHandle
        };
        let end = g.pick(&[End::Drop, End::ShutdownWait, End::ShutdownNoWaitWhileHeld]);
        ExecutorCase {
            max_workers,
            steps,
            finish,
            end,
        }
    }
    differential(
        21,
        60,
        "what Executor::new(max_workers) showed, with one held task per worker, then the steps, then the finish and the end",
        input,
        |case| {
            use lesson07::intermediate as m;
            run_executor_case!(case)
        },
        |case| {
            use reference::intermediate as m;
            run_executor_case!(case)
        },
    );
}

/// One call of a generated mix driven under the checker.
#[derive(Clone, Debug)]
enum Call {
    /// `submit` a task that counts its runs and returns `100 + its index`.
    Submit,
    Cancel(usize),
    /// `result(Duration::ZERO)`: the outcome if the task has finished, `Timeout` if not.
    ResultNow(usize),
    IsDone(usize),
}

/// A generated mix: the executor's size, the calls, how the outcomes are collected (through
/// `as_completed` while tasks may still run, or each handle after the end) and how it ends.
#[derive(Clone, Debug)]
struct Mix {
    workers: usize,
    calls: Vec<Call>,
    through_as_completed: bool,
    shutdown: bool,
}

fn mix(g: &mut threadlab_harness::generate::Gen) -> Mix {
    let workers = g.count_in(1, 2);
    let mut calls = vec![Call::Submit];
    let mut submitted = 1;
    for _ in 0..g.count_in(2, 5) {
        let i = g.range(0, submitted as u64 - 1) as usize;
        calls.push(match g.range(0, 9) {
            0..=3 => {
                submitted += 1;
                Call::Submit
            }
            4..=6 => Call::Cancel(i),
            7 | 8 => Call::ResultNow(i),
            _ => Call::IsDone(i),
        });
    }
    Mix {
        workers,
        calls,
        through_as_completed: g.one_in(2),
        shutdown: g.one_in(2),
    }
}

/// Runs `mix` once (in an `explore` body: every lock, atomic access and spawn of the executor is a
/// point where the checker may switch threads) and checks what it saw against what the docs promise
/// on every schedule: a task whose `cancel()` returned `true` never runs and reports `Cancelled`;
/// every other task runs exactly once and reports its value; `cancel()` wins at most once; a
/// zero-timeout `result()` gives `Timeout` or the final outcome; `as_completed` yields every handle
/// exactly once, each finished.
fn run_mix(mix: &Mix) {
    let submits = mix.calls.iter().filter(|c| matches!(c, Call::Submit)).count();
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..submits).map(|_| AtomicUsize::new(0)).collect());
    let executor = Executor::new(mix.workers);
    let mut handles: Vec<TaskHandle<usize>> = Vec::new();
    let mut said = Vec::new(); // what each call returned, for the messages
    let mut won = vec![0usize; submits];
    let mut seen_now: Vec<Vec<Result<usize, TaskError>>> = vec![Vec::new(); submits];
    for call in &mix.calls {
        match *call {
            Call::Submit => {
                let i = handles.len();
                let runs = Arc::clone(&runs);
                handles.push(executor.submit(move || {
                    runs[i].fetch_add(1, Ordering::SeqCst);
                    100 + i
                }));
                said.push(format!("submit -> task {i}"));
            }
            Call::Cancel(i) => {
                let cancelled = handles[i].cancel();
                won[i] += usize::from(cancelled);
                said.push(format!("task {i}.cancel() -> {cancelled}"));
            }
            Call::ResultNow(i) => {
                let outcome = handles[i].result(Duration::ZERO);
                said.push(format!("task {i}.result(0 s) -> {outcome:?}"));
                seen_now[i].push(outcome);
            }
            Call::IsDone(i) => {
                let done = handles[i].is_done();
                said.push(format!("task {i}.is_done() -> {done}"));
            }
        }
    }
    let said = said.join(", ");
    let end = |executor: Executor| {
        if mix.shutdown {
            executor.shutdown(true);
        } else {
            drop(executor);
        }
    };
    let end_name = if mix.shutdown { "shutdown(true)" } else { "drop" };
    let want = |i: usize| -> Result<usize, TaskError> {
        if won[i] > 0 {
            Err(TaskError::Cancelled)
        } else {
            Ok(100 + i)
        }
    };
    let mut finals: Vec<Result<usize, TaskError>> = Vec::new();
    if mix.through_as_completed {
        let mut yielded = 0;
        for handle in as_completed(handles) {
            yielded += 1;
            expect!(
                yielded <= submits,
                "as_completed of {submits} handles yielded more than {submits} (after {said})"
            );
            let outcome = handle.result(Duration::ZERO);
            expect!(
                outcome != Err(TaskError::Timeout),
                "as_completed yielded a handle whose result(0 s) is Timeout: it must yield a task only once it has finished (after {said})"
            );
            finals.push(outcome);
        }
        expect_eq!(
            yielded,
            submits,
            "handles as_completed yielded, of the {submits} it was given (after {said})"
        );
        end(executor);
    } else {
        end(executor);
        for (i, handle) in handles.iter().enumerate() {
            let outcome = handle.result(Duration::ZERO);
            expect!(
                outcome == want(i),
                "task {i}'s result after {end_name}: expected {:?}, got {outcome:?} (after {said})",
                want(i)
            );
            finals.push(outcome);
        }
    }
    for i in 0..submits {
        let ran = runs[i].load(Ordering::SeqCst);
        expect!(
            won[i] <= 1,
            "cancel() of task {i} returned true {} times: once a task is cancelled it is finished, and a second cancel() returns false (after {said})",
            won[i]
        );
        if won[i] == 1 {
            expect!(
                ran == 0,
                "task {i}'s cancel() returned true, yet the task ran (true means it never runs: either the worker sees the cancel or the cancel sees the task started, decided under one lock) after {said}, then {end_name}"
            );
        } else {
            expect!(
                ran == 1,
                "task {i} (never cancelled) ran {ran} times after {end_name}, expected once (after {said})"
            );
        }
        for outcome in &seen_now[i] {
            expect!(
                *outcome == Err(TaskError::Timeout) || *outcome == want(i),
                "task {i}.result(0 s) gave {outcome:?}, which is neither Timeout nor its final outcome {:?} (after {said})",
                want(i)
            );
        }
    }
    // Through as_completed the handles come in completion order: compare the outcomes as a multiset.
    let mut got = finals;
    let mut expected: Vec<_> = (0..submits).map(want).collect();
    let key = |r: &Result<usize, TaskError>| format!("{r:?}");
    got.sort_by_key(key);
    expected.sort_by_key(key);
    expect_eq!(
        got,
        expected,
        "the tasks' outcomes (every task once: its value, or Cancelled if its cancel() returned true) after {said}"
    );
}

/// How many generated mixes, and how many schedules of each, the checker tries.
const MIXES: u64 = 8;
const SCHEDULES: usize = 60;

fn cancel_and_results_hold_on_every_schedule() {
    let mut g = threadlab_harness::generate::Gen::new(7);
    for _ in 0..MIXES {
        let mix = mix(&mut g);
        threadlab_harness::explore(SCHEDULES, move || run_mix(&mix));
    }
}
