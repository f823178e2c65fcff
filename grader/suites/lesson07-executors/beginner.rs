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
        (
            "parallel_map_matches_the_reference",
            parallel_map_matches_the_reference,
        ),
        (
            "parallel_map_holds_on_every_schedule",
            parallel_map_holds_on_every_schedule,
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

/// The results are compared sorted where several threads run: their order is what
/// `results_follow_input_order_not_finish_order` and the checked test judge, on every run, while
/// here a map that collects in finish order would pass or fail by the scheduler's whim.
fn maps_every_item_exactly_once() {
    let seen = Mutex::new(Vec::new());
    let mut squares = parallel_map((0..20u64).collect(), 3, |x| {
        seen.lock().unwrap().push(x);
        x * x
    });
    squares.sort_unstable();
    expect_eq!(
        squares,
        (0..20u64).map(|x| x * x).collect::<Vec<_>>(),
        "parallel_map(0..20, 3, |x| x * x), sorted"
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
    let mut more = parallel_map(vec![5, 6], 64, |x| x + 1);
    more.sort_unstable();
    expect_eq!(
        more,
        vec![6, 7],
        "parallel_map(vec![5, 6], 64, |x| x + 1) (more workers than items), sorted"
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
    // Counts that divide and counts that do not, and a cap above any a learner might hard-code. The
    // maps run side by side, each held at its own gate, so one settling wait covers them all.
    let cases = [(10usize, 3usize), (5, 1), (5, 4), (11, 3), (50, 17)];
    let maps: Vec<_> = cases
        .iter()
        .map(|&(items, max_workers)| {
            let gate = Arc::new(Gate::default());
            let calls = Arc::clone(&gate);
            let map = thread::spawn(move || {
                parallel_map((0..items).collect(), max_workers, |x| {
                    calls.pass();
                    x
                })
            });
            (items, max_workers, gate, map)
        })
        .collect();
    // Let each map fill up to its cap (one patience for them all), then give any extra call time to
    // show up: the gates count the most calls ever inside at once.
    let deadline = Instant::now() + PATIENCE;
    for (_, max_workers, gate, _) in &maps {
        gate.inside_after(
            max_workers - 1,
            deadline.saturating_duration_since(Instant::now()),
        );
    }
    thread::sleep(SETTLE);
    let peaks: Vec<usize> = maps.iter().map(|(_, _, gate, _)| gate.peak()).collect();
    for (_, _, gate, _) in &maps {
        gate.open();
    }
    for ((items, max_workers, _, map), peak) in maps.into_iter().zip(peaks) {
        let out = map.join().unwrap();
        expect_eq!(
            out.len(),
            items,
            "number of results of parallel_map(0..{items}, {max_workers}, f)"
        );
        expect!(
            peak <= max_workers,
            "expected at most {max_workers} calls of f at the same time (max_workers = {max_workers}, {items} items), \
             but {peak} were running at once"
        );
    }
}

fn reaches_max_workers_when_there_is_enough_work() {
    // Item counts that do not divide by max_workers (chunks of len.div_ceil(workers) make fewer
    // threads there), and a max_workers above any cap a learner might hard-code.
    for (items, max_workers) in [(4usize, 3usize), (9, 4), (2, 2), (8, 4), (40, 33)] {
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
    // The panic must reach the caller; with what message is not promised (the scope's own join
    // re-raises it as "a scoped thread panicked").
    let cases: [(Vec<u32>, usize, u32); 4] = [
        (vec![1, 2, 3, 4], 2, 3),
        (vec![1, 2, 3], 0, 3),
        ((0..10).collect(), 3, 0),
        ((0..25).collect(), 40, 24),
    ];
    for (items, max_workers, bad) in cases {
        // The same call with an f that never panics returns: the panic below is f's. (Sorted: the
        // order is judged where a test sets it: `results_follow_input_order_not_finish_order`.)
        let mut returned = parallel_map(items.clone(), max_workers, |x| x);
        returned.sort_unstable();
        expect_eq!(
            returned,
            items,
            "parallel_map({items:?}, {max_workers}, |x| x), sorted"
        );
        let shown = format!("parallel_map({items:?}, {max_workers}, f) where f panics on item {bad}");
        let result = catch_panic(|| {
            parallel_map(items, max_workers, |x| {
                if x == bad {
                    panic!("item {bad} is bad");
                }
                x
            })
        });
        if let Ok(values) = result {
            panic!("expected {shown} to panic, but it returned {values:?}");
        }
    }
}

/// One generated call of `parallel_map`: the items (small values, so duplicates are common), the
/// number of workers, and the item value (if any) on which `f` panics.
#[derive(Debug)]
struct MapCase {
    items: Vec<i64>,
    max_workers: usize,
    panic_on: Option<i64>,
}

/// What a call of `parallel_map` showed: its results and the items `f` was called with, or that it
/// panicked. Both lists are sorted: which call finishes first is up to the scheduler, so the order of
/// the results is checked where the test sets it (`results_follow_input_order_not_finish_order`).
#[derive(Debug, PartialEq)]
enum Mapped {
    Returned { results: Vec<i64>, calls: Vec<i64> },
    Panicked,
}

/// Generated calls (no items, one, counts that do not divide by the workers, more workers than items,
/// 0 workers, caps above any a learner might hard-code, duplicate items, a panicking item) give the
/// same results, the same calls of `f` and the same panics as the reference.
fn parallel_map_matches_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    fn input(g: &mut Gen) -> MapCase {
        let items = g.vec(40, |g| g.range(0, 9) as i64 - 3);
        let max_workers = g.count(33);
        let panic_on = (!items.is_empty() && g.one_in(6)).then(|| g.pick(&items));
        MapCase {
            items,
            max_workers,
            panic_on,
        }
    }
    /// Runs `map` on the case with an `f` that records its calls.
    fn observe(
        case: &MapCase,
        map: impl FnOnce(Vec<i64>, usize, &(dyn Fn(i64) -> i64 + Sync)) -> Vec<i64>,
    ) -> Mapped {
        let calls = Mutex::new(Vec::new());
        let f = |x: i64| {
            calls.lock().unwrap().push(x);
            if Some(x) == case.panic_on {
                panic!("f panics on item {x}");
            }
            x * 7 - 2
        };
        match catch_panic(|| map(case.items.clone(), case.max_workers, &f)) {
            Ok(mut results) => {
                let mut calls = calls.into_inner().unwrap();
                calls.sort_unstable();
                results.sort_unstable();
                Mapped::Returned { results, calls }
            }
            Err(_) => Mapped::Panicked,
        }
    }
    differential(
        7,
        150,
        "parallel_map(items, max_workers, f) with f = |x| x * 7 - 2 (its results and the calls of f, both sorted, or a panic)",
        input,
        |case| observe(case, |items, workers, f| parallel_map(items, workers, f)),
        |case| {
            observe(case, |items, workers, f| {
                reference::beginner::parallel_map(items, workers, f)
            })
        },
    );
}

/// Runs `parallel_map` on `items` with `max_workers` once (in an `explore` body: each lock, atomic
/// access and spawn is a point where the checker may switch threads, and every call of `f` yields
/// once while it is inside) and checks, on every schedule: each item is mapped exactly once, the
/// results follow the input order, and never more than `max_workers` calls (0 counts as 1) are
/// inside `f` at once.
fn run_map_case(items: usize, max_workers: usize) {
    let calls: Arc<Vec<AtomicUsize>> = Arc::new((0..items).map(|_| AtomicUsize::new(0)).collect());
    let inside = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let got = parallel_map((0..items).collect(), max_workers, |item: usize| {
        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        calls[item].fetch_add(1, Ordering::SeqCst);
        lesson07::thread::yield_now();
        inside.fetch_sub(1, Ordering::SeqCst);
        item * 3
    });
    let want: Vec<usize> = (0..items).map(|item| item * 3).collect();
    expect_eq!(
        got,
        want,
        "parallel_map of items 0..{items} with max_workers {max_workers} and f(x) = 3x, in input order"
    );
    for (item, count) in calls.iter().enumerate() {
        let count = count.load(Ordering::SeqCst);
        expect!(
            count == 1,
            "parallel_map of {items} items with max_workers {max_workers} called f on item {item} {count} times, expected once"
        );
    }
    let peak = peak.load(Ordering::SeqCst);
    expect!(
        peak <= max_workers.max(1),
        "parallel_map with max_workers {max_workers} had {peak} calls of f inside at once"
    );
}

fn parallel_map_holds_on_every_schedule() {
    for (items, max_workers) in [(0, 2), (1, 0), (3, 2), (4, 3), (5, 2), (2, 5)] {
        threadlab_harness::explore(30, move || run_map_case(items, max_workers));
    }
}
