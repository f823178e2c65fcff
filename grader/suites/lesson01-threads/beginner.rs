//! Hidden tests, beginner tier: `run_concurrently` and `spawn_named`.
//!
//! Overlap is proven structurally: the tasks meet at a rendezvous that only opens when every one of
//! them is running at the same moment. A solution that runs the tasks one by one reaches it with one
//! task at a time, gives up after a short wait, and fails with a message instead of hanging.

use lesson01::beginner::{run_concurrently, spawn_named};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;
use threadlab_harness::wait::{PATIENCE, Rendezvous};
use threadlab_harness::{catch_panic, count_spawns, count_std_spawns, expect, expect_eq, explore};

fn main() {
    threadlab_harness::main(&[
        ("returns_every_result", returns_every_result),
        (
            "results_come_back_in_input_order",
            results_come_back_in_input_order,
        ),
        ("tasks_all_run_at_the_same_time", tasks_all_run_at_the_same_time),
        (
            "a_panicking_task_is_not_swallowed",
            a_panicking_task_is_not_swallowed,
        ),
        (
            "spawn_named_sets_the_thread_name",
            spawn_named_sets_the_thread_name,
        ),
        (
            "generated_tasks_match_the_reference",
            generated_tasks_match_the_reference,
        ),
        (
            "tasks_that_wait_for_each_other_finish_in_any_schedule",
            tasks_that_wait_for_each_other_finish_in_any_schedule,
        ),
    ]);
}

type Task<T> = Box<dyn FnOnce() -> T + Send>;

fn returns_every_result() {
    let none: Vec<Task<u32>> = Vec::new();
    expect_eq!(
        run_concurrently(none),
        Vec::<u32>::new(),
        "run_concurrently(vec![]) (no tasks)"
    );

    let one: Vec<Task<String>> = vec![Box::new(|| "only".to_owned())];
    expect_eq!(
        run_concurrently(one),
        vec!["only".to_owned()],
        "run_concurrently with one task returning \"only\""
    );

    let words = ["alpha", "beta", "gamma", "delta"];
    let tasks: Vec<Task<usize>> = words
        .into_iter()
        .map(|w| Box::new(move || w.len()) as Task<usize>)
        .collect();
    // Only which results come back is checked here; their order is the next test's job, where the
    // tasks are made to finish in reverse (here they finish in whatever order the OS picks).
    let mut lengths = run_concurrently(tasks);
    lengths.sort_unstable();
    expect_eq!(
        lengths,
        vec![4, 5, 5, 5],
        "the results (sorted) of run_concurrently of tasks returning the lengths of alpha, beta, gamma, delta"
    );

    // Each task must run on a thread of its own, not on the caller's: more tasks than any fixed
    // number of worker threads would cover.
    const MANY: usize = 37;
    let caller = thread::current().id();
    let tasks: Vec<Task<ThreadId>> = (0..MANY)
        .map(|_| Box::new(|| thread::current().id()) as Task<ThreadId>)
        .collect();
    let (ids, started) = count_std_spawns(|| run_concurrently(tasks));
    expect_eq!(
        ids.len(),
        MANY,
        "number of results of run_concurrently with {MANY} tasks"
    );
    expect!(
        !ids.contains(&caller),
        "expected every task to run on a new thread, but a task ran on the thread that called run_concurrently"
    );
    let mut distinct = ids.clone();
    distinct.sort_by_key(|id| format!("{id:?}"));
    distinct.dedup();
    expect!(
        distinct.len() == MANY && started >= MANY as u64,
        "expected {MANY} tasks to run on {MANY} different new threads, but they ran on {} thread(s) ({started} \
         thread(s) were started)",
        distinct.len()
    );

    // No tasks: no thread at all.
    let none: Vec<Task<u32>> = Vec::new();
    let (_, started) = count_std_spawns(|| run_concurrently(none));
    expect_eq!(
        started,
        0,
        "threads started by run_concurrently(vec![]) (no tasks: nothing to run, no thread)"
    );
}

/// The tasks are made to finish in reverse order: task `i` waits until task `i + 1` has finished.
/// The results must still come back in input order.
fn results_come_back_in_input_order() {
    const N: usize = 13;
    let start = Arc::new(Rendezvous::new(N));
    // Indices of the tasks that have finished, in finishing order.
    let finished = Arc::new((Mutex::new(Vec::<usize>::new()), Condvar::new()));
    let tasks: Vec<Task<String>> = (0..N)
        .map(|i| {
            let (start, finished) = (Arc::clone(&start), Arc::clone(&finished));
            Box::new(move || {
                // Only when every task is running can they take turns; if they run one by one,
                // nobody waits and they simply finish in input order.
                if start.arrive() && i + 1 < N {
                    let (done, changed) = &*finished;
                    let guard = done.lock().unwrap();
                    let _unused = changed
                        .wait_timeout_while(guard, Duration::from_secs(5), |d| !d.contains(&(i + 1)))
                        .unwrap();
                }
                let (done, changed) = &*finished;
                done.lock().unwrap().push(i);
                changed.notify_all();
                format!("task {i}")
            }) as Task<String>
        })
        .collect();
    let results = run_concurrently(tasks);
    let order = finished.0.lock().unwrap().clone();
    let want: Vec<String> = (0..N).map(|i| format!("task {i}")).collect();
    expect!(
        results == want,
        "expected the results in input order {want:?}, got {results:?} (the tasks finished in the order {order:?}; \
         results must follow the order of the tasks, not the order they finish in)"
    );
}

fn tasks_all_run_at_the_same_time() {
    // More tasks than any fixed number of worker threads would cover.
    const N: usize = 33;
    let meeting = Arc::new(Rendezvous::new(N));
    let tasks: Vec<Task<bool>> = (0..N)
        .map(|_| {
            let meeting = Arc::clone(&meeting);
            Box::new(move || meeting.arrive()) as Task<bool>
        })
        .collect();
    let met = run_concurrently(tasks);
    let peak = meeting.peak();
    expect!(
        met == vec![true; N],
        "expected all {N} tasks to be running at the same time (each waits for the others at a meeting point), \
         but at most {peak} of them were ever running together, and they gave up after {PATIENCE:?}. \
         Start every thread before you join any (a lazy .map(spawn).map(join) chain joins each before the next \
         spawn)"
    );
}

fn a_panicking_task_is_not_swallowed() {
    let fine: Vec<Task<u8>> = vec![Box::new(|| 1), Box::new(|| 2)];
    // Sorted: their order is another test's job (here the tasks finish in whatever order the OS picks).
    let mut both = run_concurrently(fine);
    both.sort_unstable();
    expect_eq!(
        both,
        vec![1, 2],
        "the results (sorted) of run_concurrently of two tasks returning 1 and 2"
    );
    let tasks: Vec<Task<u8>> = vec![
        Box::new(|| 1),
        Box::new(|| panic!("task 1 failed")),
        Box::new(|| 3),
    ];
    let outcome = catch_panic(|| run_concurrently(tasks));
    expect!(
        outcome.is_err(),
        "expected run_concurrently to panic when one of its tasks panicked, but it returned {:?}",
        outcome.unwrap()
    );
}

fn spawn_named_sets_the_thread_name() {
    let caller = thread::current().id();
    let handle = spawn_named("downloader-7", move || {
        (thread::current().id() != caller).then(|| thread::current().name().map(str::to_owned))
    });
    expect_eq!(
        handle.thread().name(),
        Some("downloader-7"),
        "handle.thread().name() of spawn_named(\"downloader-7\", ..)"
    );
    let seen = handle.join();
    expect!(
        seen.is_ok(),
        "expected the thread started by spawn_named to finish normally, but it panicked"
    );
    let Some(seen) = seen.unwrap() else {
        panic!(
            "spawn_named(\"downloader-7\", f) ran f on the thread that called it: f must run on a new thread"
        )
    };
    expect_eq!(
        seen,
        Some("downloader-7".to_owned()),
        "thread::current().name() inside spawn_named(\"downloader-7\", ..)"
    );

    let answer = spawn_named("worker", || 6 * 7).join();
    expect!(
        matches!(answer, Ok(42)),
        "expected spawn_named(\"worker\", || 6 * 7).join() to give Ok(42)"
    );

    // Two threads with different names at once, each seeing its own.
    let a = spawn_named("left", || thread::current().name().map(str::to_owned));
    let b = spawn_named("right", || thread::current().name().map(str::to_owned));
    let (a, b) = (a.join().ok().flatten(), b.join().ok().flatten());
    expect_eq!(
        (a.as_deref(), b.as_deref()),
        (Some("left"), Some("right")),
        "names seen inside spawn_named(\"left\", ..) and spawn_named(\"right\", ..)"
    );
}

/// One generated task: what it returns (or that it panics), and when it finishes.
#[derive(Debug, Clone)]
enum Job {
    Value(u64),
    /// Returns its value only once every other kind of task of its list has finished, so that the
    /// tasks finish out of input order.
    Late(u64),
    Panics,
}

/// Counts the tasks a [`Job::Late`] waits for.
#[derive(Default)]
struct Latch {
    left: Mutex<usize>,
    done: Condvar,
}

/// Set once a late task gave up waiting (tasks that run one by one never let it through): later ones
/// then do not wait at all, so such a solution costs one wait, not one per task.
static GAVE_UP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl Latch {
    fn finished_one(&self) {
        *self.left.lock().unwrap() -= 1;
        self.done.notify_all();
    }
    fn wait(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        if GAVE_UP.load(SeqCst) {
            return;
        }
        let left = self.left.lock().unwrap();
        let (_left, waited) = self
            .done
            .wait_timeout_while(left, PATIENCE, |left| *left > 0)
            .unwrap();
        if waited.timed_out() {
            GAVE_UP.store(true, SeqCst);
        }
    }
}

/// A generated call: tasks (none, one, more than any fixed pool would hold, duplicates likely) and
/// the names for `spawn_named`.
#[derive(Debug)]
struct Jobs {
    jobs: Vec<Job>,
    name: &'static str,
}

fn jobs(g: &mut threadlab_harness::generate::Gen) -> Jobs {
    let len = g.count(48);
    Jobs {
        jobs: (0..len)
            .map(|_| match g.range(0, 19) {
                0 => Job::Panics,
                1..=4 => Job::Late(g.u64()),
                _ => Job::Value(g.u64()),
            })
            .collect(),
        name: g.pick(&[
            "worker",
            "",
            "ünïcödé-näme",
            "a-name-longer-than-the-fifteen-bytes-linux-keeps",
            "with space",
        ]),
    }
}

/// Runs a [`Jobs`] through `$krate::beginner` (the learner's `lesson01` or `reference`): the results
/// of `run_concurrently` (or that it panicked), whether each task ran on a new thread of its own,
/// and what `spawn_named` gave.
macro_rules! run_jobs {
    ($krate:ident, $jobs:expr) => {{
        let jobs: &Jobs = $jobs;
        let caller = thread::current().id();
        let latch = Arc::new(Latch::default());
        *latch.left.lock().unwrap() = jobs.jobs.iter().filter(|j| !matches!(j, Job::Late(_))).count();
        let tasks: Vec<Task<(u64, ThreadId)>> = jobs
            .jobs
            .iter()
            .cloned()
            .map(|job| {
                let latch = Arc::clone(&latch);
                Box::new(move || {
                    let value = match job {
                        Job::Value(v) => {
                            latch.finished_one();
                            v
                        }
                        Job::Late(v) => {
                            latch.wait();
                            v
                        }
                        Job::Panics => {
                            latch.finished_one();
                            panic!("a generated task panics on purpose")
                        }
                    };
                    (value, thread::current().id())
                }) as Task<(u64, ThreadId)>
            })
            .collect();
        let run = match catch_panic(|| $krate::beginner::run_concurrently(tasks)) {
            Ok(results) => {
                let mut ids: Vec<String> = results.iter().map(|r| format!("{:?}", r.1)).collect();
                ids.sort();
                ids.dedup();
                format!(
                    "run_concurrently: {:?}, each on a new thread of its own: {}",
                    results.iter().map(|r| r.0).collect::<Vec<_>>(),
                    ids.len() == results.len() && results.iter().all(|r| r.1 != caller)
                )
            }
            Err(_) => "run_concurrently: panicked".to_owned(),
        };
        let value = jobs.jobs.len() as u64;
        let handle = $krate::beginner::spawn_named(jobs.name, move || {
            (
                thread::current().name().map(str::to_owned),
                thread::current().id() != caller,
                value,
            )
        });
        let outside = handle.thread().name().map(str::to_owned);
        let named = format!(
            "spawn_named: handle's name {outside:?}, inside {:?}",
            handle.join().ok()
        );
        vec![run, named]
    }};
}

/// Generated task lists (none, one, up to 48; values 0, 1, `u64::MAX` and small ones, duplicates;
/// some finishing only after all the others, some panicking) give the same results in the same order, each task on a new
/// thread of its own, as the reference; `spawn_named` gives every generated name (empty, non-ASCII,
/// longer than Linux keeps) to a new thread.
fn generated_tasks_match_the_reference() {
    threadlab_harness::generate::differential(
        11,
        60,
        "what run_concurrently(tasks) and spawn_named(name, ..) gave",
        jobs,
        |j| run_jobs!(lesson01, j),
        |j| run_jobs!(reference, j),
    );
}

/// Under the checker (`explore`: the threads and the barrier, from `lesson01::thread` and
/// `lesson01::sync`, are the checker's, and the body runs under many seeded schedules): tasks that
/// all wait for each other at a barrier, so none can finish before every one has started, finishing
/// in every order the scheduler picks. `run_concurrently` must start a thread per task before it
/// waits for any (else every thread ends up blocked: a deadlock, found in the first schedule), and
/// return the results in the order of the tasks, whichever finished first; no tasks start no thread.
fn tasks_that_wait_for_each_other_finish_in_any_schedule() {
    let body = || {
        let (none, spawned) = count_spawns(|| run_concurrently(Vec::<Task<usize>>::new()));
        expect_eq!(
            (none, spawned),
            (Vec::new(), 0),
            "(the results, threads started) for run_concurrently of no tasks"
        );
        for n in [2, 3] {
            let meeting = lesson01::sync::Arc::new(lesson01::sync::Barrier::new(n));
            let tasks: Vec<Task<usize>> = (0..n)
                .map(|i| {
                    let meeting = lesson01::sync::Arc::clone(&meeting);
                    Box::new(move || {
                        meeting.wait();
                        // Some tasks take a few more steps, so they finish in many orders.
                        for _ in 0..i % 2 {
                            lesson01::thread::yield_now();
                        }
                        10 * i + 1
                    }) as Task<usize>
                })
                .collect();
            let (got, spawned) = count_spawns(|| run_concurrently(tasks));
            let want: Vec<usize> = (0..n).map(|i| 10 * i + 1).collect();
            expect_eq!(
                (got, spawned),
                (want, n),
                "(the results, threads started) for run_concurrently of {n} tasks that each wait at a barrier until \
                 all {n} are running, then return 1, 11, 21, ... in the order given"
            );
        }
    };
    if let Err(message) = catch_panic(|| explore(60, body)) {
        if message.starts_with("deadlock!") {
            ::core::panic!(
                "run_concurrently of tasks that wait for each other never returned in one of the schedules the checker \
                 tried: every thread was blocked. Start every thread before you join any (a lazy \
                 .map(spawn).map(join) chain joins each before the next spawn), and run no task on the caller's thread"
            );
        }
        ::core::panic!("{message}");
    }
}
