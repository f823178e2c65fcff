//! Hidden tests, intermediate tier: `SwitchingGil`, the lock with drop requests and an interval.
//!
//! Thread runs start together: the test's own interpreter thread holds the lock until every worker
//! has queued for it, then releases it while it joins them (as Python's main thread does). From
//! there the order of steps is fixed by the lock's rules alone, so the counts below are exact.

use lesson04::intermediate::SwitchingGil;
use lesson04::interp::{Event, GilLock, Interpreter};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;
use threadlab_harness::wait::{eventually, within_patience};
use threadlab_harness::{expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        (
            "a_free_lock_is_taken_and_given_back",
            a_free_lock_is_taken_and_given_back,
        ),
        (
            "a_waiter_asks_for_a_drop_and_waits",
            a_waiter_asks_for_a_drop_and_waits,
        ),
        (
            "the_holder_gives_way_after_the_interval",
            the_holder_gives_way_after_the_interval,
        ),
        ("two_cpu_threads_take_turns", two_cpu_threads_take_turns),
        (
            "a_longer_interval_means_fewer_switches",
            a_longer_interval_means_fewer_switches,
        ),
        ("no_thread_starves", no_thread_starves),
        ("a_lone_thread_never_switches", a_lone_thread_never_switches),
    ]);
}

/// Runs `threads` workers of `steps` steps each on a fresh interpreter, all queued before any runs.
fn run_together(interval: u64, threads: usize, steps: u64) -> Interpreter<SwitchingGil> {
    let interp = Interpreter::with_lock(SwitchingGil::new(interval));
    interp.with_gil(|main| {
        thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| s.spawn(|| interp.with_gil(|py| py.steps(steps))))
                .collect();
            let queued = eventually(|| interp.lock().waiting() == threads);
            expect!(
                queued,
                "{threads} threads called acquire while another thread held the lock, but waiting() \
                 reports {} (acquire must queue a thread that cannot take the lock)",
                interp.lock().waiting()
            );
            main.allow_threads(|| {
                for worker in workers {
                    worker.join().expect("a worker thread panicked");
                }
            });
        })
    });
    interp
}

fn switch_events<L: GilLock>(interp: &Interpreter<L>) -> usize {
    interp
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Switched { .. }))
        .count()
}

fn a_free_lock_is_taken_and_given_back() {
    let gil = SwitchingGil::new(4);
    expect_eq!(gil.holder(), None, "holder() of a new lock");
    expect_eq!(gil.waiting(), 0, "waiting() of a new lock");
    expect_eq!(gil.drop_requested(), false, "drop_requested() of a new lock");
    let taken = within_patience(move || {
        gil.acquire(7);
        gil
    });
    let Some(gil) = taken else {
        panic!("acquire(7) on a free lock did not return within 2 s");
    };
    expect_eq!(gil.holder(), Some(7), "holder() after acquire(7)");
    expect_eq!(
        gil.drop_requested(),
        false,
        "drop_requested() with nobody waiting"
    );
    gil.release(7);
    expect_eq!(gil.holder(), None, "holder() after release(7)");
    expect_eq!(gil.waiting(), 0, "waiting() after release(7)");
}

fn a_waiter_asks_for_a_drop_and_waits() {
    let gil = Arc::new(SwitchingGil::new(4));
    gil.acquire(1);
    let got_it = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (gil, got_it) = (Arc::clone(&gil), Arc::clone(&got_it));
        thread::spawn(move || {
            gil.acquire(2);
            got_it.store(true, Ordering::SeqCst);
            let holder = gil.holder();
            gil.release(2);
            holder
        })
    };
    let asked = eventually(|| gil.waiting() == 1 && gil.drop_requested() || got_it.load(Ordering::SeqCst));
    expect!(
        asked,
        "thread 2 called acquire while thread 1 held the lock, yet it neither queued nor got in"
    );
    thread::sleep(Duration::from_millis(50));
    expect_eq!(
        got_it.load(Ordering::SeqCst),
        false,
        "whether acquire(2) returned while thread 1 still held the lock"
    );
    expect_eq!(gil.waiting(), 1, "waiting() while thread 2 waits");
    expect_eq!(
        gil.drop_requested(),
        true,
        "drop_requested() while thread 2 waits"
    );
    expect_eq!(gil.holder(), Some(1), "holder() while thread 2 waits");
    gil.release(1);
    let holder = within_patience(move || waiter.join().expect("thread 2 panicked"));
    expect_eq!(
        holder,
        Some(Some(2)),
        "holder() seen by thread 2 once acquire(2) returned after release(1)"
    );
    expect_eq!(gil.holder(), None, "holder() after both released");
    expect_eq!(gil.drop_requested(), false, "drop_requested() once nobody waits");
}

fn the_holder_gives_way_after_the_interval() {
    let gil = Arc::new(SwitchingGil::new(5));
    gil.acquire(1);
    let turns = Arc::new(std::sync::Mutex::new(Vec::new()));
    let other = {
        let (gil, turns) = (Arc::clone(&gil), Arc::clone(&turns));
        thread::spawn(move || {
            gil.acquire(2);
            turns.lock().unwrap().push(2);
            gil.release(2);
        })
    };
    expect!(
        eventually(|| gil.waiting() == 1),
        "thread 2 never queued for the lock"
    );
    for step in 1..5 {
        expect_eq!(
            gil.switch_point(1),
            false,
            "switch_point after step {step} of an interval of 5 (too early to give way)"
        );
    }
    expect!(
        turns.lock().unwrap().is_empty(),
        "thread 2 got the lock before the interval passed"
    );
    let gil_for_call = Arc::clone(&gil);
    let switched = within_patience(move || gil_for_call.switch_point(1));
    expect_eq!(
        switched,
        Some(true),
        "switch_point after step 5 with thread 2 waiting (Some(true): gave way, got the lock back)"
    );
    expect_eq!(
        *turns.lock().unwrap(),
        vec![2],
        "turns thread 2 had before switch_point returned"
    );
    expect_eq!(gil.holder(), Some(1), "holder() after switch_point returned true");
    other.join().expect("thread 2 panicked");
    expect_eq!(gil.switch_point(1), false, "switch_point when nobody waits");
    gil.release(1);
}

fn expect_turns(interp: &Interpreter<SwitchingGil>, threads: usize, steps: u64, interval: u64) {
    let runs = interp.runs();
    let total: u64 = runs.iter().map(|r| r.1).sum();
    expect_eq!(total, threads as u64 * steps, "bytecode steps run");
    for (i, (thread, len)) in runs.iter().enumerate() {
        expect!(
            *len == interval,
            "with {threads} threads of {steps} steps and an interval of {interval}, every turn should \
             last exactly {interval} steps; turn {i} (thread {thread}) lasted {len}. Turns: {runs:?}"
        );
    }
    for (i, window) in runs.windows(threads).enumerate() {
        let mut seen: Vec<_> = window.iter().map(|r| r.0).collect();
        seen.sort_unstable();
        seen.dedup();
        expect!(
            seen.len() == threads,
            "turns should go round all {threads} threads in the order they asked; turns {i}..{} were \
             {window:?}",
            i + threads
        );
    }
}

fn two_cpu_threads_take_turns() {
    let interp = run_together(10, 2, 100);
    expect_turns(&interp, 2, 100, 10);
    expect_eq!(
        interp.stats().switches,
        19,
        "switches between 2 threads of 100 steps, interval 10"
    );
    expect_eq!(
        switch_events(&interp),
        20,
        "switch points that returned true (10 per thread)"
    );
}

fn a_longer_interval_means_fewer_switches() {
    let mut seen = Vec::new();
    for interval in [1, 5, 20, 50] {
        let interp = run_together(interval, 2, 100);
        expect_turns(&interp, 2, 100, interval);
        seen.push(interp.stats().switches);
    }
    let zero = run_together(0, 2, 100);
    expect_turns(&zero, 2, 100, 1);
    expect_eq!(
        seen,
        vec![199, 39, 9, 3],
        "switches for intervals 1, 5, 20, 50 (2 threads of 100 steps)"
    );
}

fn no_thread_starves() {
    let interp = run_together(5, 3, 30);
    expect_turns(&interp, 3, 30, 5);
    expect_eq!(interp.stats().threads, 3, "threads that ran bytecode");
}

fn a_lone_thread_never_switches() {
    let interp = Interpreter::with_lock(SwitchingGil::new(3));
    interp.with_gil(|py| {
        for _ in 0..200 {
            py.step();
            expect_eq!(
                py_lock_drop(&interp),
                false,
                "drop_requested() with a single thread"
            );
        }
    });
    expect_eq!(
        switch_events(&interp),
        0,
        "switch points that returned true for a lone thread"
    );
    expect_eq!(
        interp.runs(),
        vec![(0, 200)],
        "turns of a lone thread of 200 steps"
    );
    expect_eq!(interp.lock().holder(), None, "holder() after with_gil returned");
}

fn py_lock_drop(interp: &Interpreter<SwitchingGil>) -> bool {
    interp.lock().drop_requested()
}
