//! Hidden tests, advanced tier: `WorkerPool` with a bounded queue.
//!
//! Backpressure is shown by structure: the workers are filled with tasks held at a gate, the queue
//! is filled behind them, and the next `submit` (on a helper thread that says when it calls and
//! when it returned) must still be inside the call while the gate is closed, and return once it
//! opens. Every wait on learner code is bounded, so a hang fails with a message.

use lesson07::advanced::{TaskResult, WorkerPool};
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
        (
            "ids_count_up_and_results_match_them",
            ids_count_up_and_results_match_them,
        ),
        (
            "hundred_tasks_with_ten_panics_give_ninety_values_and_ten_errors",
            hundred_tasks_with_ten_panics_give_ninety_values_and_ten_errors,
        ),
        (
            "a_panicking_task_does_not_kill_its_worker",
            a_panicking_task_does_not_kill_its_worker,
        ),
        (
            "workers_are_fixed_and_run_together",
            workers_are_fixed_and_run_together,
        ),
        (
            "submit_blocks_while_the_queue_is_full",
            submit_blocks_while_the_queue_is_full,
        ),
        (
            "results_waits_for_all_submitted_work",
            results_waits_for_all_submitted_work,
        ),
        (
            "shutdown_with_wait_finishes_the_queue",
            shutdown_with_wait_finishes_the_queue,
        ),
        (
            "pool_shutdown_without_wait_returns_at_once",
            pool_shutdown_without_wait_returns_at_once,
        ),
        ("pool_matches_the_reference", pool_matches_the_reference),
        (
            "pool_results_hold_on_every_schedule",
            pool_results_hold_on_every_schedule,
        ),
    ]);
}

/// How long the test watches a call that should be blocked before concluding that it is.
const SETTLE: Duration = Duration::from_millis(200);

/// How long a task waits at a closed gate at most: longer than any wait of the test itself, so a
/// call that waits for a held task can never come back in time by outwaiting the gate.
const HELD: Duration = Duration::from_secs(5);

/// A gate tasks wait at (at most [`HELD`]) until the test opens it; counts who got there.
#[derive(Default)]
struct Gate {
    state: Mutex<(bool, usize)>,
    changed: Condvar,
}

impl Gate {
    fn new() -> Arc<Gate> {
        Arc::new(Gate::default())
    }

    fn pass(&self) {
        let deadline = Instant::now() + HELD;
        let mut state = self.state.lock().unwrap();
        state.1 += 1;
        while !state.0 && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            state = self.changed.wait_timeout(state, left).unwrap().0;
        }
    }

    fn arrived(&self) -> usize {
        self.state.lock().unwrap().1
    }

    fn open(&self) {
        self.state.lock().unwrap().0 = true;
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

/// A task that waits at `gate`, then returns `value`.
fn held<T: Send + 'static>(gate: &Arc<Gate>, value: T) -> impl FnOnce() -> T + Send + 'static {
    let gate = Arc::clone(gate);
    move || {
        gate.pass();
        value
    }
}

/// Runs `call` on a helper thread; the flags say when it is about to call and when it returned.
fn watched(call: impl FnOnce() + Send + 'static) -> (Arc<AtomicBool>, Arc<AtomicBool>) {
    let (calling, returned) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let (c, r) = (Arc::clone(&calling), Arc::clone(&returned));
    thread::spawn(move || {
        c.store(true, Ordering::SeqCst);
        call();
        r.store(true, Ordering::SeqCst);
    });
    (calling, returned)
}

/// Whether `returned` stays false for [`SETTLE`] after the helper made its call.
fn stays_blocked(calling: &AtomicBool, returned: &AtomicBool) -> bool {
    eventually(|| calling.load(Ordering::SeqCst));
    let deadline = Instant::now() + SETTLE;
    while Instant::now() < deadline {
        if returned.load(Ordering::SeqCst) {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
    !returned.load(Ordering::SeqCst)
}

/// The results of `n` tasks, sorted by id, gathered with as many `results()` calls as it takes
/// (each with a time limit), so a pool that loses a result fails instead of hanging. Only one test
/// checks that a single call waits for everything: the others give the same verdict whether or not
/// it does.
fn collect_all<T: Send + 'static>(pool: &Arc<WorkerPool<T>>, n: usize, what: &str) -> Vec<TaskResult<T>> {
    let deadline = Instant::now() + PATIENCE;
    let mut all = Vec::new();
    while all.len() < n {
        let pool = Arc::clone(pool);
        let batch = within_patience(move || pool.results()).unwrap_or_else(|| {
            panic!(
                "results() did not return within {PATIENCE:?} {what}: a result is missing, or a worker died"
            )
        });
        all.extend(batch);
        if all.len() < n && Instant::now() >= deadline {
            panic!(
                "expected {n} results {what}, but only {} ever came back from results(): a result is missing",
                all.len()
            );
        }
        thread::sleep(Duration::from_millis(1));
    }
    all.sort_by_key(|r| r.id);
    all
}

fn ids_count_up_and_results_match_them() {
    let pool = Arc::new(WorkerPool::new(3, 5));
    let shown = format!("{pool:?}");
    expect!(
        shown.starts_with("WorkerPool"),
        "expected the Debug output of a WorkerPool (given in the starter) to start with WorkerPool, but got {shown:?}"
    );
    let ids: Vec<u64> = (0..20u64).map(|i| pool.submit(move || i * 10)).collect();
    expect_eq!(ids, (0..20).collect::<Vec<u64>>(), "ids returned by 20 submits");
    let results = collect_all(&pool, 20, "after 20 quick tasks");
    let expected: Vec<TaskResult<u64>> = (0..20)
        .map(|id| TaskResult {
            id,
            outcome: Ok(id * 10),
        })
        .collect();
    expect_eq!(
        results,
        expected,
        "results() after 20 tasks, task i returning i * 10 (sorted by id)"
    );
    let pool2 = Arc::clone(&pool);
    expect_eq!(
        within_patience(move || pool2.results())
            .unwrap_or_else(|| panic!("a second results(), with every task finished, did not return")),
        Vec::<TaskResult<u64>>::new(),
        "a second results() with nothing submitted since (results are handed over once)"
    );
    let more: Vec<u64> = (0..2).map(|i| pool.submit(move || 100 + i)).collect();
    expect_eq!(more, vec![20, 21], "ids of 2 more submits");
    expect_eq!(
        collect_all(&pool, 2, "after 2 more tasks"),
        vec![
            TaskResult {
                id: 20,
                outcome: Ok(100)
            },
            TaskResult {
                id: 21,
                outcome: Ok(101)
            }
        ],
        "results() after 2 more tasks"
    );
    let single: Arc<WorkerPool<&str>> = Arc::new(WorkerPool::new(0, 1));
    single.submit(|| "one");
    expect_eq!(
        collect_all(&single, 1, "on WorkerPool::new(0, 1)"),
        vec![TaskResult {
            id: 0,
            outcome: Ok("one")
        }],
        "results() of WorkerPool::new(0, 1) (0 workers counts as 1)"
    );
}

fn hundred_tasks_with_ten_panics_give_ninety_values_and_ten_errors() {
    let pool = Arc::new(WorkerPool::new(4, 20));
    for i in 0..100u64 {
        pool.submit(move || {
            if i % 10 == 3 {
                panic!("task {i} failed");
            }
            i * i
        });
    }
    let results = collect_all(&pool, 100, "after 100 tasks");
    expect_eq!(results.len(), 100, "number of results of 100 tasks");
    let values = results.iter().filter(|r| r.outcome.is_ok()).count();
    expect_eq!(
        (values, 100 - values),
        (90, 10),
        "(values, errors) of 100 tasks of which 10 panic"
    );
    for r in &results {
        let want = if r.id % 10 == 3 {
            Err(format!("task {} failed", r.id))
        } else {
            Ok(r.id * r.id)
        };
        expect_eq!(r.outcome, want, "outcome of task {}", r.id);
    }
    let odd: Arc<WorkerPool<u8>> = Arc::new(WorkerPool::new(1, 1));
    odd.submit(|| std::panic::panic_any(7_i32));
    expect_eq!(
        collect_all(&odd, 1, "after a task panicked with a non-text payload"),
        vec![TaskResult {
            id: 0,
            outcome: Err("unknown panic payload".to_owned())
        }],
        "results() after a task panicked with a non-text payload"
    );
}

fn a_panicking_task_does_not_kill_its_worker() {
    let pool = Arc::new(WorkerPool::new(1, 2));
    pool.submit(|| -> u32 { panic!("first") });
    pool.submit(|| -> u32 { panic!("second") });
    for i in 0..5 {
        let pool = Arc::clone(&pool);
        let submitted = within_patience(move || pool.submit(move || i));
        expect!(
            submitted.is_some(),
            "submit() on WorkerPool::new(1, 2) blocked forever after 2 tasks panicked: the only worker must survive a panic and keep taking tasks"
        );
    }
    let results = collect_all(
        &pool,
        7,
        "after 2 panicking tasks and 5 ordinary ones on one worker",
    );
    let outcomes: Vec<_> = results.into_iter().map(|r| r.outcome).collect();
    expect_eq!(
        outcomes,
        vec![
            Err("first".to_owned()),
            Err("second".to_owned()),
            Ok(0),
            Ok(1),
            Ok(2),
            Ok(3),
            Ok(4)
        ],
        "outcomes on WorkerPool::new(1, 2) of 2 panicking tasks followed by 5 returning 0..5"
    );
}

fn workers_are_fixed_and_run_together() {
    // 3 workers, and a number above any cap a learner might hard-code (CPUs, 8), with a queue smaller
    // than the number of workers.
    for (workers, queue_size) in [(3usize, 10usize), (13, 2)] {
        let pool = Arc::new(WorkerPool::new(workers, queue_size));
        let meeting = Arc::new(Rendezvous::new(workers));
        for _ in 0..workers {
            let (meeting, pool) = (Arc::clone(&meeting), Arc::clone(&pool));
            let submitted = within_patience(move || {
                pool.submit(move || {
                    let met = meeting.arrive();
                    (met, thread::current().id())
                });
            });
            expect!(
                submitted.is_some(),
                "submit() on WorkerPool::new({workers}, {queue_size}) blocked before {workers} tasks were submitted, \
                 although each of the {workers} workers could take one"
            );
        }
        for _ in 0..30 {
            pool.submit(|| (true, thread::current().id()));
        }
        let results = collect_all(&pool, workers + 30, &format!("after {} tasks", workers + 30));
        expect!(
            results
                .iter()
                .take(workers)
                .all(|r| matches!(r.outcome, Ok((true, _)))),
            "expected WorkerPool::new({workers}, {queue_size}) to run {workers} tasks at the same time, but at most {} ran at once",
            meeting.peak()
        );
        let threads: HashSet<_> = results
            .iter()
            .filter_map(|r| r.outcome.as_ref().ok().map(|o| o.1))
            .collect();
        expect!(
            threads.len() <= workers,
            "expected WorkerPool::new({workers}, {queue_size}) to run every task on one of its {workers} workers, \
             but {} tasks ran on {} different threads",
            workers + 30,
            threads.len()
        );
    }
}

fn submit_blocks_while_the_queue_is_full() {
    let pool = Arc::new(WorkerPool::new(2, 3));
    let gate = Gate::new();
    pool.submit(held(&gate, 0));
    pool.submit(held(&gate, 1));
    expect!(
        eventually(|| gate.arrived() == 2),
        "WorkerPool::new(2, 3) did not start 2 tasks at once (started {})",
        gate.arrived()
    );
    // Both workers are busy: the queue holds 3 before submit must wait.
    for i in 2..5 {
        let (pool, task) = (Arc::clone(&pool), held(&gate, i));
        expect!(
            within_patience(move || pool.submit(task)).is_some(),
            "expected submit #{} to return at once (both workers busy, {} of 3 queue places taken), but it blocked",
            i + 1,
            i - 2
        );
    }
    let (pool2, task) = (Arc::clone(&pool), held(&gate, 5));
    let (calling, returned) = watched(move || {
        pool2.submit(task);
    });
    expect!(
        stays_blocked(&calling, &returned),
        "expected submit #6 to block while both workers are busy and the queue holds 3 tasks (WorkerPool::new(2, 3)), but it returned"
    );
    gate.open();
    expect!(
        eventually(|| returned.load(Ordering::SeqCst)),
        "submit #6 was still blocked after the workers finished their tasks and made room in the queue"
    );
    let results = collect_all(&pool, 6, "after 6 tasks");
    let values: Vec<_> = results.into_iter().map(|r| r.outcome).collect();
    expect_eq!(
        values,
        (0..6).map(Ok).collect::<Vec<_>>(),
        "outcomes of the 6 tasks"
    );

    // queue_size 0: no waiting room at all, so with the only worker busy the next submit waits.
    let rendezvous = Arc::new(WorkerPool::new(1, 0));
    let gate = Gate::new();
    rendezvous.submit(held(&gate, 0));
    expect!(
        eventually(|| gate.arrived() == 1),
        "the first task on WorkerPool::new(1, 0) never started"
    );
    let (pool2, task) = (Arc::clone(&rendezvous), held(&gate, 1));
    let (calling, returned) = watched(move || {
        pool2.submit(task);
    });
    expect!(
        stays_blocked(&calling, &returned),
        "expected submit on WorkerPool::new(1, 0) to wait while the only worker is busy (a queue of 0 places), but it returned"
    );
    gate.open();
    expect!(
        eventually(|| returned.load(Ordering::SeqCst)),
        "submit on WorkerPool::new(1, 0) was still blocked after the worker became free"
    );
}

/// First, on two workers, a held task between two quick ones, so the tasks finish out of id order:
/// `results()` waits for the held one and returns all three sorted by id. Then three tasks on one
/// worker, each held at a gate of its own, released one at a time while `results()` waits. With one
/// worker a task starts only after the one before it has finished and reported, so when task k is at
/// its gate, tasks 0..k have reported and a waiting `results()` has been woken for each of them: a
/// `results()` that waits once (or until the queue is empty) has returned by then with only part of
/// the results, while a right one is still waiting.
fn results_waits_for_all_submitted_work() {
    let pool = Arc::new(WorkerPool::new(2, 4));
    let gate = Gate::new();
    let _open_on_exit = OpenOnDrop(vec![Arc::clone(&gate)]);
    pool.submit(|| 1);
    pool.submit(held(&gate, 2));
    pool.submit(|| 3);
    let collected = Arc::new(Mutex::new(None));
    let (p, out) = (Arc::clone(&pool), Arc::clone(&collected));
    let (calling, returned) = watched(move || {
        *out.lock().unwrap() = Some(p.results());
    });
    expect!(
        stays_blocked(&calling, &returned),
        "expected results() to wait while a submitted task is still running, but it returned {:?}",
        collected.lock().unwrap()
    );
    gate.open();
    expect!(
        eventually(|| returned.load(Ordering::SeqCst)),
        "results() did not return after every task could finish"
    );
    let got = collected.lock().unwrap().take().unwrap_or_default();
    let values: Vec<_> = got.into_iter().map(|r| (r.id, r.outcome)).collect();
    expect_eq!(
        values,
        vec![(0, Ok(1)), (1, Ok(2)), (2, Ok(3))],
        "(id, outcome) from results() on WorkerPool::new(2, 4) after a quick task, a held one and a quick one \
         (they finished in the order 0, 2, 1)"
    );

    let pool = Arc::new(WorkerPool::new(1, 4));
    let gates: Vec<Arc<Gate>> = (0..3).map(|_| Gate::new()).collect();
    // Dropped before the pool: a failing check opens every gate, so dropping the pool (which joins
    // its worker) does not wait out a held task and the failure is reported with its message.
    let _open_on_exit = OpenOnDrop(gates.clone());
    for (i, gate) in gates.iter().enumerate() {
        pool.submit(held(gate, i as u64 + 1));
    }
    expect!(
        eventually(|| gates[0].arrived() == 1),
        "the first of 3 tasks on WorkerPool::new(1, 4) never started"
    );
    let collected = Arc::new(Mutex::new(None));
    let (p, out) = (Arc::clone(&pool), Arc::clone(&collected));
    let (calling, returned) = watched(move || {
        *out.lock().unwrap() = Some(p.results());
    });
    expect!(
        stays_blocked(&calling, &returned),
        "expected results() to wait while all 3 submitted tasks are still to finish, but it returned {:?}",
        collected.lock().unwrap()
    );
    for k in 1..3 {
        gates[k - 1].open();
        expect!(
            eventually(|| gates[k].arrived() == 1),
            "task {k} of WorkerPool::new(1, 4) never started after task {} finished",
            k - 1
        );
        expect!(
            stays_blocked(&calling, &returned),
            "expected results() to keep waiting while task {k} (of ids 0 to 2) is still running and only {k} of \
             the 3 have finished, but it returned {:?}",
            collected.lock().unwrap()
        );
    }
    gates[2].open();
    expect!(
        eventually(|| returned.load(Ordering::SeqCst)),
        "results() did not return after every task could finish"
    );
    let got = collected.lock().unwrap().take().unwrap_or_default();
    let values: Vec<_> = got.into_iter().map(|r| (r.id, r.outcome)).collect();
    expect_eq!(
        values,
        vec![(0, Ok(1)), (1, Ok(2)), (2, Ok(3))],
        "(id, outcome) from one results() called while 3 tasks were still to finish"
    );
}

fn shutdown_with_wait_finishes_the_queue() {
    for drop_it in [false, true] {
        let pool = WorkerPool::new(1, 4);
        let gate = Gate::new();
        let finished = Arc::new(AtomicUsize::new(0));
        let workers = Workers::default();
        for first in [true, false, false] {
            let (count, gate, marks) = (Arc::clone(&finished), Arc::clone(&gate), workers.clone());
            pool.submit(move || {
                marks.mark();
                if first {
                    gate.pass();
                }
                count.fetch_add(1, Ordering::SeqCst);
            });
        }
        let how = if drop_it { "drop(pool)" } else { "shutdown(true)" };
        let (calling, returned) = watched(move || {
            if drop_it {
                drop(pool);
            } else {
                pool.shutdown(true);
            }
        });
        expect!(
            stays_blocked(&calling, &returned),
            "expected {how} to wait for the running task, but it returned while the task was still running"
        );
        gate.open();
        expect!(
            eventually(|| returned.load(Ordering::SeqCst)),
            "{how} did not return after the running task could finish"
        );
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

fn pool_shutdown_without_wait_returns_at_once() {
    let pool = WorkerPool::new(1, 4);
    let gate = Gate::new();
    let finished = Arc::new(AtomicUsize::new(0));
    let workers = Workers::default();
    for _ in 0..3 {
        let (count, task, marks) = (Arc::clone(&finished), held(&gate, ()), workers.clone());
        pool.submit(move || {
            marks.mark();
            task();
            count.fetch_add(1, Ordering::SeqCst);
        });
    }
    let returned = within_patience(move || pool.shutdown(false));
    expect!(
        returned.is_some(),
        "expected shutdown(false) to return at once, but it waited for the running task"
    );
    gate.open();
    expect!(
        eventually(|| finished.load(Ordering::SeqCst) == 3),
        "after shutdown(false), expected the queued tasks still to run, but {} of 3 finished",
        finished.load(Ordering::SeqCst)
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

#[derive(Debug, Clone)]
enum Step {
    Submit(Task),
    Results,
}

#[derive(Debug, Clone)]
enum End {
    Drop,
    ShutdownWait,
    ShutdownNoWait,
}

#[derive(Debug, Clone)]
struct PoolCase {
    workers: usize,
    queue_size: usize,
    steps: Vec<Step>,
    end: End,
}

/// Runs one generated case on `m::WorkerPool` (the call site says which `m`) and returns what it
/// showed, one line per call: each submit's id, the results of each `results()` step as plain
/// `(id, outcome)` pairs, and after a last `results()` and the end, the tasks that ran. The case runs
/// on a helper thread, so a call that never returns is reported after one patience.
/// Only held-back tests use it, and a student copy has none of them: hence the `allow`.
#[allow(unused_macros)]
macro_rules! run_pool_case {
    ($case:expr) => {{
        let case: PoolCase = $case.clone();
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let ran = Arc::new(Mutex::new(Vec::<usize>::new()));
        let (finished, done) = mpsc::channel::<()>();
        {
            let (seen, ran) = (Arc::clone(&seen), Arc::clone(&ran));
            thread::spawn(move || {
                let note = |line: String| seen.lock().unwrap().push(line);
                let pool = m::WorkerPool::<i64>::new(case.workers, case.queue_size);
                let mut tasks = 0usize;
                let mut handed_out = 0usize;
                for step in case.steps.iter().chain(std::iter::once(&Step::Results)) {
                    match step {
                        Step::Submit(task) => {
                            let (task, index, ran) = (task.clone(), tasks, Arc::clone(&ran));
                            tasks += 1;
                            let id = pool.submit(move || {
                                ran.lock().unwrap().push(index);
                                match task {
                                    Task::Value(value) => value,
                                    Task::PanicStr => panic!("plain failure"),
                                    Task::PanicString(n) => panic!("task {n} failed"),
                                    Task::PanicOther(n) => std::panic::panic_any(n),
                                }
                            });
                            note(format!("submit of task {index}: id {id}"));
                        }
                        Step::Results => {
                            // Gathered with as many calls as it takes and sorted here: whether one call
                            // waits for everything, and sorts, is checked where a test holds a task
                            // back; here what counts is what comes back.
                            let want = tasks - handed_out;
                            let deadline = Instant::now() + PATIENCE / 2;
                            let mut results: Vec<(u64, Result<i64, String>)> = Vec::new();
                            loop {
                                results.extend(pool.results().into_iter().map(|r| (r.id, r.outcome)));
                                if results.len() >= want || Instant::now() >= deadline {
                                    break;
                                }
                                thread::sleep(Duration::from_millis(1));
                            }
                            results.sort_by_key(|r| r.0);
                            handed_out += results.len();
                            note(format!("results(), sorted by id: {results:?}"));
                        }
                    }
                }
                match case.end {
                    End::Drop => drop(pool),
                    End::ShutdownWait => pool.shutdown(true),
                    End::ShutdownNoWait => pool.shutdown(false),
                }
                note(format!("{:?} returned", case.end));
                let _ = finished.send(());
            });
        }
        // One patience for the whole case: the reference takes milliseconds.
        let ended = done.recv_timeout(PATIENCE);
        let mut seen = seen.lock().unwrap().clone();
        match ended {
            Ok(()) => {
                let mut ran = ran.lock().unwrap().clone();
                ran.sort_unstable();
                seen.push(format!("tasks that ran (sorted): {ran:?}"));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                seen.push("the next call did not return within patience".to_owned())
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => seen.push("the next call panicked".to_owned()),
        }
        seen
    }};
}

/// Generated cases (0 to 6 workers; queues of 0 to 5 places, more tasks than workers and places;
/// values and panics with `&str`, `String` and other payloads; `results()` between submits, twice in
/// a row, with nothing submitted; every way to end) give the same ids, the same results and the same
/// runs as the reference, call by call.
fn pool_matches_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    fn task(g: &mut Gen) -> Task {
        match g.range(0, 5) {
            0 => Task::PanicStr,
            1 => Task::PanicString(g.i64()),
            2 => Task::PanicOther(g.range(0, 9) as i32),
            _ => Task::Value(g.i64()),
        }
    }
    fn input(g: &mut Gen) -> PoolCase {
        let workers = g.count(6);
        let queue_size = g.count(5);
        let steps = g.vec(16, |g| {
            if g.one_in(5) {
                Step::Results
            } else {
                Step::Submit(task(g))
            }
        });
        let end = g.pick(&[End::Drop, End::ShutdownWait, End::ShutdownNoWait]);
        PoolCase {
            workers,
            queue_size,
            steps,
            end,
        }
    }
    differential(
        31,
        80,
        "what WorkerPool::new(workers, queue_size) showed for the steps, a last results() and the end",
        input,
        |case| {
            use lesson07::advanced as m;
            run_pool_case!(case)
        },
        |case| {
            use reference::advanced as m;
            run_pool_case!(case)
        },
    );
}

/// One call of a generated pool mix driven under the checker.
#[derive(Clone, Debug)]
enum PoolCall {
    /// `submit` a task that counts its runs and how many tasks run with it, and returns its number
    /// times ten (or panics, for every third one when the mix has panics).
    Submit,
    Results,
}

#[derive(Clone, Debug)]
struct PoolMix {
    workers: usize,
    queue_size: usize,
    calls: Vec<PoolCall>,
    shutdown: bool,
}

fn pool_mix(g: &mut threadlab_harness::generate::Gen) -> PoolMix {
    let mut calls: Vec<PoolCall> = (0..g.count_in(2, 5))
        .map(|_| {
            if g.one_in(4) {
                PoolCall::Results
            } else {
                PoolCall::Submit
            }
        })
        .collect();
    calls.push(PoolCall::Results);
    PoolMix {
        workers: g.count_in(1, 2),
        queue_size: g.count_in(0, 1),
        calls,
        shutdown: g.one_in(2),
    }
}

/// Runs `mix` once (in an `explore` body) and checks, on every schedule: each task runs exactly once,
/// never more than `workers` at once; `submit` returns ids 0, 1, 2, ... in order; each `results()`
/// hands over every task submitted before it and not handed over yet, sorted by id, each with its
/// value; no result comes twice or goes missing.
fn run_pool_mix(mix: &PoolMix) {
    let submits = mix.calls.iter().filter(|c| matches!(c, PoolCall::Submit)).count();
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..submits).map(|_| AtomicUsize::new(0)).collect());
    let inside = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let pool: WorkerPool<u64> = WorkerPool::new(mix.workers, mix.queue_size);
    let mut said = Vec::new();
    let mut submitted = 0u64;
    let mut handed_over = 0u64;
    for call in &mix.calls {
        match call {
            PoolCall::Submit => {
                let (runs, inside, peak) = (Arc::clone(&runs), Arc::clone(&inside), Arc::clone(&peak));
                let n = submitted;
                let id = pool.submit(move || {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    runs[n as usize].fetch_add(1, Ordering::SeqCst);
                    // A scheduling point while the task is inside, so tasks can overlap.
                    lesson07::thread::yield_now();
                    inside.fetch_sub(1, Ordering::SeqCst);
                    n * 10
                });
                said.push(format!("submit -> {id}"));
                expect_eq!(
                    id,
                    n,
                    "the id submit() returned for task number {n} (counting from 0; after {})",
                    said.join(", ")
                );
                submitted += 1;
            }
            PoolCall::Results => {
                let got: Vec<(u64, Result<u64, String>)> = pool
                    .results()
                    .into_iter()
                    .map(|TaskResult { id, outcome }| (id, outcome))
                    .collect();
                said.push(format!("results() -> {} results", got.len()));
                let want: Vec<(u64, Result<u64, String>)> =
                    (handed_over..submitted).map(|id| (id, Ok(id * 10))).collect();
                expect_eq!(
                    got,
                    want,
                    "results() after {}: every task submitted so far and not handed over yet, sorted by id",
                    said.join(", ")
                );
                handed_over = submitted;
            }
        }
    }
    if mix.shutdown {
        pool.shutdown(true);
    } else {
        drop(pool);
    }
    for (n, ran) in runs.iter().enumerate() {
        let ran = ran.load(Ordering::SeqCst);
        expect!(
            ran == 1,
            "task {n} ran {ran} times, expected exactly once (after {})",
            said.join(", ")
        );
    }
    let peak = peak.load(Ordering::SeqCst);
    expect!(
        peak <= mix.workers,
        "{peak} tasks ran at once in WorkerPool::new({}, {}), which has only {} workers (after {})",
        mix.workers,
        mix.queue_size,
        mix.workers,
        said.join(", ")
    );
}

fn pool_results_hold_on_every_schedule() {
    let mut g = threadlab_harness::generate::Gen::new(11);
    for _ in 0..8 {
        let mix = pool_mix(&mut g);
        threadlab_harness::explore(40, move || run_pool_mix(&mix));
    }
}
