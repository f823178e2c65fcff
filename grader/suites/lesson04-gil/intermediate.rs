//! Hidden tests, intermediate tier: `SwitchingGil`, the lock with drop requests and an interval.
//!
//! Built with `threadlab-check`: the lock's `Mutex` and `Condvar` (from `crate::sync`) are shuttle's,
//! and `explore` runs each body under many seeded thread schedules, so a hand-over split over two
//! critical sections, or a wake-up that goes to the wrong thread, shows up on every run, on one CPU as
//! on many.
//!
//! Thread runs start together: the test's own interpreter thread holds the lock until every worker
//! has queued for it (in a fixed order), then lets go. From there the order of steps is fixed by the
//! lock's rules alone, so the counts below are exact. The test never blocks on a worker it has not
//! seen finish: a worker that is never woken is reported by name instead of hanging the test.

use lesson04::intermediate::SwitchingGil;
use lesson04::interp::{Event, GilLock, Interpreter, Tid};
use lesson04::thread;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use threadlab_harness::{expect, expect_eq, explore};

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
        (
            "a_holder_past_the_interval_gives_way_when_asked",
            a_holder_past_the_interval_gives_way_when_asked,
        ),
        ("two_cpu_threads_take_turns", two_cpu_threads_take_turns),
        (
            "a_longer_interval_means_fewer_switches",
            a_longer_interval_means_fewer_switches,
        ),
        ("no_thread_starves", no_thread_starves),
        ("a_lone_thread_never_switches", a_lone_thread_never_switches),
        ("lock_runs_match_the_reference", lock_runs_match_the_reference),
    ]);
}

/// How many times the test yields to the other threads while it waits for them: far more than a
/// working lock ever needs (each yield lets another thread run), and cheap when only the test's own
/// thread is left to run.
const SPINS: usize = 20_000;

/// Yields to the other threads until `done` holds (true) or [`SPINS`] yields have passed (false).
fn spin_until(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..SPINS {
        if done() {
            return true;
        }
        thread::yield_now();
    }
    done()
}

/// Worker `i` of a run: its interpreter thread id (`i + 1`: the test's own thread is 0) and whether
/// its `with_gil` has returned.
struct Finished(Vec<AtomicBool>);

impl Finished {
    fn new(workers: usize) -> Arc<Finished> {
        Arc::new(Finished((0..workers).map(|_| AtomicBool::new(false)).collect()))
    }

    fn all(&self) -> bool {
        self.0.iter().all(|f| f.load(Ordering::SeqCst))
    }

    fn stuck(&self) -> Vec<Tid> {
        (0..self.0.len())
            .filter(|&i| !self.0[i].load(Ordering::SeqCst))
            .map(|i| i + 1)
            .collect()
    }
}

/// Runs one worker per entry of `steps` (worker `i` runs `steps[i]` steps) on `interp`: the test's
/// thread holds the lock while the workers queue one after another, in order, then releases it and
/// waits until every worker is done. Fails with the lock's state when they stop making progress.
macro_rules! run_together {
    ($interp:expr, $steps:expr, $what:expr) => {{
        let interp = $interp;
        let steps: Vec<u64> = $steps.to_vec();
        let finished = Finished::new(steps.len());
        let mut workers = Vec::new();
        interp.with_gil(|_main| {
            for (i, &n) in steps.iter().enumerate() {
                let (mine, done) = (Arc::clone(&interp), Arc::clone(&finished));
                workers.push(thread::spawn(move || {
                    mine.with_gil(|py| py.steps(n));
                    done.0[i].store(true, Ordering::SeqCst);
                }));
                // One at a time, so worker i is interpreter thread i + 1 and the i-th in the queue.
                let queued = spin_until(|| interp.lock().waiting() == i + 1);
                expect!(
                    queued,
                    "{}: {} threads called acquire while another thread held the lock, but waiting() \
                     reports {} (acquire must queue a thread that cannot take the lock)",
                    $what,
                    i + 1,
                    interp.lock().waiting()
                );
            }
        });
        let done = spin_until(|| finished.all());
        if !done {
            let stats = interp.stats();
            ::core::panic!(
                "{}: the threads stopped making progress. Threads still inside with_gil: {:?}; \
                 holder() = {:?}, waiting() = {}, drop_requested() = {}; {} of {} steps ran. A thread \
                 that was handed the lock was never woken: when several threads wait on one Condvar, \
                 notify_one may wake one whose turn it is not, and the new holder sleeps on",
                $what,
                finished.stuck(),
                interp.lock().holder(),
                interp.lock().waiting(),
                interp.lock().drop_requested(),
                stats.steps,
                steps.iter().sum::<u64>(),
            );
        }
        for worker in workers {
            worker.join().expect("a worker thread panicked");
        }
    }};
}

fn run_learner(interval: u64, steps: &[u64], what: &str) -> Arc<Interpreter<SwitchingGil>> {
    let interp = Arc::new(Interpreter::with_lock(SwitchingGil::new(interval)));
    run_together!(Arc::clone(&interp), steps, what);
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
    explore(1, || {
        let gil = SwitchingGil::new(4);
        expect_eq!(gil.holder(), None, "holder() of a new lock");
        expect_eq!(gil.waiting(), 0, "waiting() of a new lock");
        expect_eq!(gil.drop_requested(), false, "drop_requested() of a new lock");
        gil.acquire(7);
        expect_eq!(gil.holder(), Some(7), "holder() after acquire(7)");
        expect_eq!(
            gil.drop_requested(),
            false,
            "drop_requested() with nobody waiting"
        );
        expect_eq!(gil.switch_point(7), false, "switch_point(7) with nobody waiting");
        gil.release(7);
        expect_eq!(gil.holder(), None, "holder() after release(7)");
        expect_eq!(gil.waiting(), 0, "waiting() after release(7)");
        gil.acquire(8);
        expect_eq!(
            gil.holder(),
            Some(8),
            "holder() after acquire(8) on the lock 7 released"
        );
        gil.release(8);
    });
}

/// What a thread saw right after its `acquire` returned: (holder, waiting, drop requested).
type Seen = (Option<Tid>, usize, bool);

/// Starts a thread that acquires as `me`, writes what it sees the moment it holds the lock into
/// `seen`, and releases.
fn acquirer(
    gil: &Arc<SwitchingGil>,
    me: Tid,
    seen: &Arc<std::sync::Mutex<Option<Seen>>>,
) -> thread::JoinHandle<()> {
    let (gil, seen) = (Arc::clone(gil), Arc::clone(seen));
    thread::spawn(move || {
        gil.acquire(me);
        *seen.lock().unwrap() = Some((gil.holder(), gil.waiting(), gil.drop_requested()));
        gil.release(me);
    })
}

fn a_waiter_asks_for_a_drop_and_waits() {
    explore(100, || {
        let gil = Arc::new(SwitchingGil::new(4));
        gil.acquire(1);
        let (seen_2, seen_3) = (Arc::default(), Arc::default());
        let two = acquirer(&gil, 2, &seen_2);
        expect!(
            spin_until(|| gil.waiting() == 1 || seen_2.lock().unwrap().is_some()),
            "thread 2 called acquire while thread 1 held the lock, yet it neither queued (waiting() = \
             {}) nor got in",
            gil.waiting()
        );
        let three = acquirer(&gil, 3, &seen_3);
        expect!(
            spin_until(|| gil.waiting() == 2 || seen_3.lock().unwrap().is_some()),
            "threads 2 and 3 called acquire while thread 1 held the lock, yet waiting() reports {}",
            gil.waiting()
        );
        expect_eq!(
            (*seen_2.lock().unwrap(), *seen_3.lock().unwrap()),
            (None, None),
            "what threads 2 and 3 saw inside the lock while thread 1 still held it (None: they must \
             not get in)"
        );
        expect_eq!(
            (gil.holder(), gil.waiting(), gil.drop_requested()),
            (Some(1), 2, true),
            "(holder(), waiting(), drop_requested()) while threads 2 and 3 wait"
        );
        gil.release(1);
        let finished = spin_until(|| seen_3.lock().unwrap().is_some());
        expect!(
            finished,
            "after release(1), threads 2 and 3 (queued in that order) never both got the lock: \
             thread 2 saw {:?}, thread 3 saw {:?}, and now holder() = {:?}, waiting() = {}. A \
             release must hand the lock to the longest waiter and wake it",
            *seen_2.lock().unwrap(),
            *seen_3.lock().unwrap(),
            gil.holder(),
            gil.waiting()
        );
        two.join().expect("thread 2 panicked");
        three.join().expect("thread 3 panicked");
        expect_eq!(
            *seen_2.lock().unwrap(),
            Some((Some(2), 1, true)),
            "(holder(), waiting(), drop_requested()) seen by thread 2 once release(1) handed it the \
             lock, with thread 3 still waiting (the drop request stays set while others wait)"
        );
        expect_eq!(
            *seen_3.lock().unwrap(),
            Some((Some(3), 0, false)),
            "(holder(), waiting(), drop_requested()) seen by thread 3 once release(2) handed it the \
             lock, with nobody left waiting"
        );
        expect_eq!(
            (gil.holder(), gil.waiting(), gil.drop_requested()),
            (None, 0, false),
            "(holder(), waiting(), drop_requested()) after all three released"
        );
    });
}

/// The holder gives way at exactly the interval, and the thread it hands the lock to finds the old
/// holder already queued behind it: the hand-over and the re-queueing are one step.
fn the_holder_gives_way_after_the_interval() {
    explore(100, || {
        for interval in [1, 5] {
            let gil = Arc::new(SwitchingGil::new(interval));
            gil.acquire(1);
            let seen = Arc::default();
            let two = acquirer(&gil, 2, &seen);
            expect!(
                spin_until(|| gil.waiting() == 1),
                "thread 2 never queued for the lock held by thread 1 (waiting() = {})",
                gil.waiting()
            );
            for step in 1..interval {
                expect_eq!(
                    gil.switch_point(1),
                    false,
                    "switch_point after step {step} of an interval of {interval} (too early to give \
                     way)"
                );
            }
            expect_eq!(
                *seen.lock().unwrap(),
                None,
                "what thread 2 saw inside the lock before the interval of {interval} passed (None: it \
                 must not get in)"
            );
            expect_eq!(
                gil.switch_point(1),
                true,
                "switch_point after step {interval} of an interval of {interval} with thread 2 \
                 waiting (true: gave way, got the lock back)"
            );
            expect_eq!(
                *seen.lock().unwrap(),
                Some((Some(2), 1, true)),
                "(holder(), waiting(), drop_requested()) seen by thread 2 the moment switch_point(1) \
                 handed it the lock (interval {interval}): thread 1 must already be queued behind it, \
                 asking for a drop. Hand over and re-queue in one critical section; release() then \
                 acquire() lets the new holder run before the old one asks again"
            );
            expect_eq!(gil.holder(), Some(1), "holder() after switch_point returned true");
            two.join().expect("thread 2 panicked");
            expect_eq!(gil.switch_point(1), false, "switch_point when nobody waits");
            gil.release(1);
        }
    });
}

/// A holder that ran alone past the interval (nobody asked, so it ran on) gives way at its very next
/// switch point once a waiter asks: it has held the lock for at least the interval, counted from
/// when it got the lock, not from when the request came.
fn a_holder_past_the_interval_gives_way_when_asked() {
    explore(100, || {
        for interval in [1, 4] {
            let alone = 2 * interval + 1;
            let gil = Arc::new(SwitchingGil::new(interval));
            gil.acquire(1);
            for step in 1..=alone {
                expect_eq!(
                    gil.switch_point(1),
                    false,
                    "switch_point after step {step} of thread 1, alone with the lock (interval \
                     {interval}: nobody waits, so it runs on)"
                );
            }
            let seen = Arc::default();
            let two = acquirer(&gil, 2, &seen);
            expect!(
                spin_until(|| gil.waiting() == 1),
                "thread 2 never queued for the lock held by thread 1 (waiting() = {})",
                gil.waiting()
            );
            expect_eq!(gil.drop_requested(), true, "drop_requested() once thread 2 waits");
            expect_eq!(
                gil.switch_point(1),
                true,
                "switch_point at step {} of thread 1, which had held the lock for {alone} steps, \
                 past the interval of {interval}, when thread 2 started waiting (true: it has held \
                 the lock for at least the interval, so it gives way at once, then gets it back)",
                alone + 1
            );
            expect_eq!(
                *seen.lock().unwrap(),
                Some((Some(2), 1, true)),
                "(holder(), waiting(), drop_requested()) seen by thread 2 the moment switch_point(1) \
                 handed it the lock (interval {interval}): thread 1 queued behind it, asking for a drop"
            );
            expect_eq!(gil.holder(), Some(1), "holder() after switch_point returned true");
            two.join().expect("thread 2 panicked");
            gil.release(1);
        }
    });
}

/// A few turns around turn `i`, for a message.
fn around(runs: &[(Tid, u64)], i: usize) -> String {
    let from = i.saturating_sub(2);
    let to = (i + 3).min(runs.len());
    let shown: Vec<String> = runs[from..to]
        .iter()
        .enumerate()
        .map(|(k, (thread, len))| format!("turn {}: thread {thread} ran {len}", from + k))
        .collect();
    format!(
        "{}{}",
        shown.join(", "),
        if to < runs.len() { ", ..." } else { "" }
    )
}

/// Fails at the first turn whose length is not the one the rules give.
fn expect_turn_lengths(runs: &[(Tid, u64)], want: &[u64], what: &str) {
    for (i, &want_len) in want.iter().enumerate() {
        match runs.get(i) {
            Some(&(_, len)) if len == want_len => {}
            Some(&(thread, len)) => ::core::panic!(
                "{what}: turn {i} (thread {thread}) lasted {len} steps, expected {want_len} ({})",
                around(runs, i)
            ),
            None => ::core::panic!(
                "{what}: there were only {} turns, expected {} ({})",
                runs.len(),
                want.len(),
                around(runs, runs.len().saturating_sub(1))
            ),
        }
    }
    expect!(
        runs.len() == want.len(),
        "{what}: {} turns, expected {} ({})",
        runs.len(),
        want.len(),
        around(runs, want.len())
    );
}

fn expect_turns(interp: &Interpreter<SwitchingGil>, steps: &[u64], interval: u64) {
    let runs = interp.runs();
    let threads = steps.len();
    let what = format!(
        "{threads} threads of {} steps and an interval of {interval} (every turn lasts the interval)",
        steps[0]
    );
    expect_turn_lengths(&runs, &expected_turn_lengths(interval, steps), &what);
    for (i, window) in runs.windows(threads).enumerate() {
        let mut seen: Vec<_> = window.iter().map(|r| r.0).collect();
        seen.sort_unstable();
        seen.dedup();
        expect!(
            seen.len() == threads,
            "turns should go round all {threads} threads in the order they asked; turns {i}..{} \
             were {window:?}",
            i + threads
        );
    }
}

fn two_cpu_threads_take_turns() {
    explore(10, || {
        let interp = run_learner(10, &[100, 100], "2 threads of 100 steps, interval 10");
        expect_turns(&interp, &[100, 100], 10);
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
    });
}

fn a_longer_interval_means_fewer_switches() {
    explore(3, || {
        let mut seen = Vec::new();
        for interval in [1, 2, 7, 30] {
            let what = format!("2 threads of 60 steps, interval {interval}");
            let interp = run_learner(interval, &[60, 60], &what);
            expect_turn_lengths(&interp.runs(), &expected_turn_lengths(interval, &[60, 60]), &what);
            seen.push(interp.stats().switches);
        }
        let zero = run_learner(0, &[6, 6], "2 threads of 6 steps, interval 0");
        expect_turn_lengths(
            &zero.runs(),
            &[1; 12],
            "2 threads of 6 steps, interval 0 (which counts as 1)",
        );
        expect!(
            seen.windows(2).all(|w| w[0] > w[1]),
            "switches for intervals 1, 2, 7, 30 (2 threads of 60 steps) were {seen:?}: each longer \
             interval must give fewer"
        );
    });
}

/// The turn lengths the rules give for threads that queued in order, thread `i` running `steps[i]`:
/// each turn lasts the interval while somebody else waits; a thread alone runs to its end.
fn expected_turn_lengths(interval: u64, steps: &[u64]) -> Vec<u64> {
    let mut left: std::collections::VecDeque<u64> = steps.iter().copied().filter(|&n| n > 0).collect();
    let mut turns = Vec::new();
    while let Some(n) = left.pop_front() {
        if !left.is_empty() && n > interval {
            turns.push(interval);
            left.push_back(n - interval);
        } else {
            turns.push(n);
        }
    }
    turns
}

fn no_thread_starves() {
    explore(10, || {
        let interp = run_learner(5, &[30, 30, 30], "3 threads of 30 steps, interval 5");
        expect_turns(&interp, &[30, 30, 30], 5);
        expect_eq!(interp.stats().threads, 3, "threads that ran bytecode");
        let five = run_learner(2, &[6; 5], "5 threads of 6 steps, interval 2");
        expect_turns(&five, &[6; 5], 2);
    });
}

fn a_lone_thread_never_switches() {
    explore(1, || {
        let interp = Interpreter::with_lock(SwitchingGil::new(3));
        interp.with_gil(|py| {
            for _ in 0..200 {
                py.step();
                expect_eq!(
                    interp.lock().drop_requested(),
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
    });
}

/// What a run shows: the turns (thread, steps), each switch point that gave way (thread, clock), and
/// the lock's state once every thread is done.
type Outcome = (Vec<(Tid, u64)>, Vec<(Tid, u64)>, (Option<Tid>, usize, bool));

/// Generated runs (intervals from 0 up, past the step counts; 1 to 6 threads, each with its own
/// number of steps: none, one, counts the interval does not divide) give the same turns, switches and
/// final state as the reference's lock, event for event.
fn lock_runs_match_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    fn input(g: &mut Gen) -> (u64, Vec<u64>) {
        let interval = if g.one_in(3) {
            g.pick(&[0, 1, 2, 3, 64])
        } else {
            g.range(1, 12)
        };
        let threads = g.count_in(1, 6);
        let steps = (0..threads)
            .map(|_| {
                if g.one_in(3) {
                    let edges = [
                        0,
                        1,
                        interval.saturating_sub(1),
                        interval,
                        interval + 1,
                        2 * interval + 1,
                    ];
                    g.pick(&edges)
                } else {
                    g.range(0, 25)
                }
            })
            .collect();
        (interval, steps)
    }
    fn outcome<L: GilLock>(interp: &Interpreter<L>) -> Outcome {
        let switches = interp
            .events()
            .iter()
            .filter_map(|e| match *e {
                Event::Switched { thread, clock } => Some((thread, clock)),
                _ => None,
            })
            .collect();
        let lock = interp.lock();
        (
            interp.runs(),
            switches,
            (lock.holder(), lock.waiting(), lock.drop_requested()),
        )
    }
    explore(1, || {
        differential(
            4,
            40,
            "(turns, switch points that gave way, final (holder, waiting, drop_requested)) for \
             (interval, steps of each thread, queued in this order)",
            input,
            |(interval, steps)| {
                let interp = run_learner(*interval, steps, "a generated run");
                outcome(&interp)
            },
            |(interval, steps)| {
                use reference::intermediate::SwitchingGil as Reference;
                use reference::interp::GilLock as _;
                use reference::interp::Interpreter as RefInterpreter;
                let interp = Arc::new(RefInterpreter::with_lock(Reference::new(*interval)));
                run_together!(Arc::clone(&interp), steps, "the reference");
                let switches = interp
                    .events()
                    .iter()
                    .filter_map(|e| match *e {
                        reference::interp::Event::Switched { thread, clock } => Some((thread, clock)),
                        _ => None,
                    })
                    .collect();
                let lock = interp.lock();
                (
                    interp.runs(),
                    switches,
                    (lock.holder(), lock.waiting(), lock.drop_requested()),
                )
            },
        );
    });
}
