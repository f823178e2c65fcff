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
use threadlab_harness::{catch_panic, expect, expect_eq};

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

    // Each task must run on a thread of its own, not on the caller's.
    let caller = thread::current().id();
    let tasks: Vec<Task<ThreadId>> = (0..4)
        .map(|_| Box::new(|| thread::current().id()) as Task<ThreadId>)
        .collect();
    let ids = run_concurrently(tasks);
    expect_eq!(ids.len(), 4, "number of results of run_concurrently with 4 tasks");
    expect!(
        !ids.contains(&caller),
        "expected every task to run on a new thread, but a task ran on the thread that called run_concurrently"
    );
    let mut distinct = ids.clone();
    distinct.sort_by_key(|id| format!("{id:?}"));
    distinct.dedup();
    expect!(
        distinct.len() == 4,
        "expected 4 tasks to run on 4 different threads, but they ran on {} thread(s)",
        distinct.len()
    );
}

/// The tasks are made to finish in reverse order: task `i` waits until task `i + 1` has finished.
/// The results must still come back in input order.
fn results_come_back_in_input_order() {
    const N: usize = 5;
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
    const N: usize = 4;
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
    expect_eq!(
        run_concurrently(fine),
        vec![1, 2],
        "run_concurrently of two tasks returning 1 and 2"
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
    let handle = spawn_named("downloader-7", || thread::current().name().map(str::to_owned));
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
    expect_eq!(
        seen.unwrap(),
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
