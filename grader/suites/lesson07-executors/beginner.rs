//! Hidden tests, beginner tier: `parallel_map`.
//!
//! Concurrency is measured by structure. The cap: calls are held at a closed gate and counted while
//! they are inside, so a solution that starts a thread per item shows more than `max_workers` inside
//! at once. The reach: calls meet at a rendezvous that opens only when `max_workers` of them are
//! running together, so a sequential map gives up there after a short wait and fails.

use lesson07::beginner::parallel_map;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use threadlab_harness::wait::{PATIENCE, Rendezvous, eventually, within_patience};
use threadlab_harness::{catch_panic, expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        ("maps_every_item_exactly_once", maps_every_item_exactly_once),
        (
            "results_follow_input_order_not_finish_order",
            results_follow_input_order_not_finish_order,
        ),
        (
            "never_more_than_max_workers_at_once",
            never_more_than_max_workers_at_once,
        ),
        (
            "reaches_max_workers_when_there_is_enough_work",
            reaches_max_workers_when_there_is_enough_work,
        ),
        (
            "a_panicking_call_is_not_swallowed",
            a_panicking_call_is_not_swallowed,
        ),
    ]);
}

/// How long a held call waits for more calls to join it before the test concludes that none will.
/// Only the reference waits it out; a solution that starts extra calls shows them within it.
const SETTLE: Duration = Duration::from_millis(200);

/// How long a task waits at a closed gate at most: longer than any wait of the test itself, so a
/// call that waits for a held task can never come back in time by outwaiting the gate.
const HELD: Duration = Duration::from_secs(5);

/// Calls held inside until the test opens the gate; counts how many are inside at once.
#[derive(Default)]
struct Gate {
    state: Mutex<Inside>,
    changed: Condvar,
}

#[derive(Default)]
struct Inside {
    now: usize,
    peak: usize,
    open: bool,
}

impl Gate {
    /// Enters, waits for the gate to open (at most [`HELD`]), leaves.
    fn pass(&self) {
        let mut state = self.state.lock().unwrap();
        state.now += 1;
        state.peak = state.peak.max(state.now);
        self.changed.notify_all();
        let deadline = Instant::now() + HELD;
        while !state.open && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            state = self.changed.wait_timeout(state, left).unwrap().0;
        }
        state.now -= 1;
    }

    /// Waits at most `limit` until more than `at_least` calls are inside; returns how many are.
    fn inside_after(&self, at_least: usize, limit: Duration) -> usize {
        let deadline = Instant::now() + limit;
        let mut state = self.state.lock().unwrap();
        while state.now <= at_least && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            state = self.changed.wait_timeout(state, left).unwrap().0;
        }
        state.now
    }

    fn open(&self) {
        self.state.lock().unwrap().open = true;
        self.changed.notify_all();
    }

    fn peak(&self) -> usize {
        self.state.lock().unwrap().peak
    }
}

fn maps_every_item_exactly_once() {
    let seen = Mutex::new(Vec::new());
    let squares = parallel_map((0..20u64).collect(), 3, |x| {
        seen.lock().unwrap().push(x);
        x * x
    });
    expect_eq!(
        squares,
        (0..20u64).map(|x| x * x).collect::<Vec<_>>(),
        "parallel_map(0..20, 3, |x| x * x)"
    );
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    expect_eq!(
        seen,
        (0..20u64).collect::<Vec<_>>(),
        "the items f was called with (sorted), for items 0..20: each exactly once"
    );

    let calls = AtomicUsize::new(0);
    let empty: Vec<u8> = parallel_map(Vec::<u8>::new(), 4, |x| {
        calls.fetch_add(1, Ordering::SeqCst);
        x
    });
    expect!(
        empty.is_empty() && calls.load(Ordering::SeqCst) == 0,
        "expected parallel_map of no items to return an empty Vec without calling f, but it returned {} item(s) after {} call(s)",
        empty.len(),
        calls.load(Ordering::SeqCst)
    );

    let zero = within_patience(|| parallel_map(vec!["a", "bb", "ccc"], 0, str::len));
    expect_eq!(
        zero,
        Some(vec![1, 2, 3]),
        "parallel_map(vec![\"a\", \"bb\", \"ccc\"], 0, str::len) (max_workers 0 counts as 1; None means it never returned)"
    );
    expect_eq!(
        parallel_map(vec![5, 6], 64, |x| x + 1),
        vec![6, 7],
        "parallel_map(vec![5, 6], 64, |x| x + 1) (more workers than items)"
    );
}

fn results_follow_input_order_not_finish_order() {
    // Item 0 finishes last: it waits until items 1, 2 and 3 are done.
    let finished = AtomicUsize::new(0);
    let out = parallel_map(vec![0usize, 1, 2, 3], 4, |x| {
        if x == 0 {
            eventually(|| finished.load(Ordering::SeqCst) == 3);
        }
        finished.fetch_add(1, Ordering::SeqCst);
        format!("item {x}")
    });
    expect_eq!(
        out,
        vec!["item 0", "item 1", "item 2", "item 3"],
        "results of 4 items where item 0 finishes after the others (results must follow the input order)"
    );

    // Two workers that each map two items, interleaved: item 1 waits until item 2 has started and
    // item 2 until item 3 has, so the worker that maps item 1 also maps item 3. Results kept per
    // worker and joined worker by worker come out as [0, 2, 1, 3] or [1, 3, 0, 2].
    let started: Vec<AtomicBool> = (0..4).map(|_| AtomicBool::new(false)).collect();
    let out = parallel_map(vec![0usize, 1, 2, 3], 2, |x| {
        started[x].store(true, Ordering::SeqCst);
        if x == 1 || x == 2 {
            eventually(|| started[x + 1].load(Ordering::SeqCst));
        }
        x * 100
    });
    expect_eq!(
        out,
        vec![0, 100, 200, 300],
        "results of 4 items on 2 workers, where each worker maps two items that are not next to each other"
    );
}

fn never_more_than_max_workers_at_once() {
    for (items, max_workers) in [(10usize, 3usize), (5, 1)] {
        let gate = Arc::new(Gate::default());
        let calls = Arc::clone(&gate);
        let map = thread::spawn(move || {
            parallel_map((0..items).collect(), max_workers, |x| {
                calls.pass();
                x
            })
        });
        // Let the pool fill up to its cap, then give any extra call time to show up.
        gate.inside_after(max_workers - 1, PATIENCE);
        let inside = gate.inside_after(max_workers, SETTLE);
        gate.open();
        let out = map.join().unwrap();
        expect_eq!(out.len(), items, "number of results");
        expect!(
            inside <= max_workers && gate.peak() <= max_workers,
            "expected at most {max_workers} calls of f at the same time (max_workers = {max_workers}, {items} items), \
             but {} were running at once",
            gate.peak().max(inside)
        );
    }
}

fn reaches_max_workers_when_there_is_enough_work() {
    for (items, max_workers) in [(8usize, 4usize), (2, 2)] {
        let meeting = Rendezvous::new(max_workers);
        let met = parallel_map((0..items).collect(), max_workers, |_| meeting.arrive());
        expect!(
            met.iter().all(|&m| m),
            "expected {max_workers} calls of f to run at the same time (max_workers = {max_workers}, {items} items), \
             but at most {} ran at once",
            meeting.peak()
        );
    }
}

fn a_panicking_call_is_not_swallowed() {
    let result = catch_panic(|| {
        parallel_map(vec![1, 2, 3, 4], 2, |x| {
            if x == 3 {
                panic!("item 3 is bad");
            }
            x
        })
    });
    match result {
        Err(message) => expect!(
            message.contains("item 3 is bad"),
            "expected parallel_map to panic with f's message \"item 3 is bad\", but it panicked with {message:?}"
        ),
        Ok(values) => {
            panic!("expected parallel_map to panic when f panics on item 3, but it returned {values:?}")
        }
    }
}
