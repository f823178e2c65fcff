//! Hidden tests, intermediate tier: `ThreadSafeCounter` and its `ResetGuard`.
//!
//! Built with `threadlab-check`: `explore` runs each body under many seeded thread schedules.

use lesson05::intermediate::ThreadSafeCounter;
use lesson05::thread;
use threadlab_harness::{catch_panic, expect, expect_eq, explore};

fn main() {
    threadlab_harness::main(&[
        (
            "basic_operations_follow_the_spec",
            basic_operations_follow_the_spec,
        ),
        (
            "default_is_zero_and_debug_shows_the_value",
            default_is_zero_and_debug_shows_the_value,
        ),
        ("concurrent_changes_all_count", concurrent_changes_all_count),
        ("add_capped_respects_the_limit", add_capped_respects_the_limit),
        (
            "add_capped_never_overshoots_under_contention",
            add_capped_never_overshoots_under_contention,
        ),
        (
            "reset_guard_resets_on_drop_and_during_a_panic",
            reset_guard_resets_on_drop_and_during_a_panic,
        ),
        (
            "operation_sequences_match_the_reference",
            operation_sequences_match_the_reference,
        ),
        (
            "counter_histories_have_a_sequential_order",
            counter_histories_have_a_sequential_order,
        ),
    ]);
}

/// One call on a counter, as the differential test generates them.
#[derive(Debug, Clone, Copy)]
enum Op {
    Increment(i64),
    Decrement(i64),
    Reset,
    AddCapped(i64, i64),
}

/// Generated sequences of calls give the same values and `add_capped` answers as the reference,
/// call by call: amounts negative, zero and positive; limits below, at and above the value, and
/// `i64::MIN`/`MAX`; values near both ends of `i64`, where `value + amount` of an `add_capped` can
/// pass `i64::MAX` (such a sum is above every limit: refused, nothing changed). The generator tracks
/// the value so that `increment`, `decrement` and `add_capped` never ask for a result below
/// `i64::MIN` or an increment above `i64::MAX`: what those do is not part of the exercise.
fn operation_sequences_match_the_reference() {
    use reference::intermediate::ThreadSafeCounter as Reference;
    use threadlab_harness::generate::{Gen, differential};
    fn amount(g: &mut Gen) -> i64 {
        if g.one_in(4) {
            g.i64()
        } else {
            g.i64().clamp(-1_000_000, 1_000_000)
        }
    }
    fn input(g: &mut Gen) -> (i64, Vec<Op>) {
        let initial = if g.one_in(4) {
            g.pick(&[i64::MAX, i64::MAX - 1, i64::MIN + 2, -1, 0])
        } else {
            amount(g).clamp(-1_000_000, 1_000_000)
        };
        let mut value = initial as i128;
        let count = g.count(12);
        let mut ops = Vec::with_capacity(count);
        while ops.len() < count {
            let op = match g.range(0, 3) {
                0 => Op::Increment(amount(g)),
                1 => Op::Decrement(amount(g)),
                2 => Op::Reset,
                _ => Op::AddCapped(amount(g), amount(g)),
            };
            // What the sum would be; keep only calls whose result the docs define.
            let next = match op {
                Op::Increment(a) => Some(value + a as i128),
                Op::Decrement(a) => Some(value - a as i128),
                Op::Reset => Some(0),
                Op::AddCapped(a, limit) => {
                    let sum = value + a as i128;
                    if sum < i64::MIN as i128 {
                        None
                    } else if sum <= limit as i128 && sum <= i64::MAX as i128 {
                        Some(sum)
                    } else {
                        Some(value)
                    }
                }
            };
            match next {
                Some(n) if n >= i64::MIN as i128 && n <= i64::MAX as i128 => {
                    value = n;
                    ops.push(op);
                }
                _ => {}
            }
        }
        (initial, ops)
    }
    explore(1, || {
        differential(
            5,
            400,
            "value() (and add_capped's answer) after each call of ThreadSafeCounter::new(initial) then ops",
            input,
            |(initial, ops)| {
                let counter = ThreadSafeCounter::new(*initial);
                let mut seen = vec![(counter.value(), None)];
                for op in ops {
                    let answer = match *op {
                        Op::Increment(a) => {
                            counter.increment(a);
                            None
                        }
                        Op::Decrement(a) => {
                            counter.decrement(a);
                            None
                        }
                        Op::Reset => {
                            counter.reset();
                            None
                        }
                        Op::AddCapped(a, limit) => Some(counter.add_capped(a, limit)),
                    };
                    seen.push((counter.value(), answer));
                }
                seen
            },
            |(initial, ops)| {
                let counter = Reference::new(*initial);
                let mut seen = vec![(counter.value(), None)];
                for op in ops {
                    let answer = match *op {
                        Op::Increment(a) => {
                            counter.increment(a);
                            None
                        }
                        Op::Decrement(a) => {
                            counter.decrement(a);
                            None
                        }
                        Op::Reset => {
                            counter.reset();
                            None
                        }
                        Op::AddCapped(a, limit) => Some(counter.add_capped(a, limit)),
                    };
                    seen.push((counter.value(), answer));
                }
                seen
            },
        );
    });
}

fn basic_operations_follow_the_spec() {
    explore(1, || {
        let counter = ThreadSafeCounter::new(5);
        expect_eq!(counter.value(), 5, "ThreadSafeCounter::new(5).value()");
        counter.increment(3);
        expect_eq!(counter.value(), 8, "value() after new(5) then increment(3)");
        counter.decrement(10);
        expect_eq!(
            counter.value(),
            -2,
            "value() after new(5), increment(3), decrement(10)"
        );
        counter.reset();
        expect_eq!(counter.value(), 0, "value() after reset()");
        counter.increment(-4);
        expect_eq!(counter.value(), -4, "value() after reset() then increment(-4)");
    });
}

fn default_is_zero_and_debug_shows_the_value() {
    explore(1, || {
        expect_eq!(
            ThreadSafeCounter::default().value(),
            0,
            "ThreadSafeCounter::default().value()"
        );
        let shown = format!("{:?}", ThreadSafeCounter::new(42));
        expect!(
            shown.contains("42"),
            "format!(\"{{:?}}\", ThreadSafeCounter::new(42)) should show the value 42; it gave {shown:?}"
        );
        let shown = format!("{:?}", ThreadSafeCounter::new(-7));
        expect!(
            shown.contains("-7"),
            "format!(\"{{:?}}\", ThreadSafeCounter::new(-7)) should show the value -7; it gave {shown:?}"
        );
    });
    // Debug shows the value also while other threads use the counter: it waits for the lock like
    // value() does, instead of printing that the lock is taken.
    explore(50, || {
        let counter = ThreadSafeCounter::new(7);
        let shown: Vec<String> = thread::scope(|s| {
            s.spawn(|| (0..3).for_each(|_| counter.increment(1)));
            (0..4)
                .map(|_| {
                    thread::yield_now();
                    format!("{counter:?}")
                })
                .collect()
        });
        for text in shown {
            let values = numbers_in(&text);
            expect!(
                values.iter().any(|v| (7..=10).contains(v)),
                "format!(\"{{:?}}\") of ThreadSafeCounter::new(7) while another thread called \
                 increment(1) three times gave {text:?}, which shows no value the counter had (7 to 10). \
                 Debug must show the current value, also while another thread holds the lock: a \
                 Mutex's own Debug prints <locked> then"
            );
        }
    });
}

/// The integers written in `text`.
fn numbers_in(text: &str) -> Vec<i64> {
    let mut numbers = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_ascii_digit() || (c == '-' && current.is_empty()) {
            current.push(c);
        } else {
            if let Ok(n) = current.parse() {
                numbers.push(n);
            }
            current.clear();
            if c == '-' {
                current.push(c);
            }
        }
    }
    numbers
}

/// Three threads add and subtract at once; every change must land.
fn concurrent_changes_all_count() {
    explore(200, || {
        let counter = ThreadSafeCounter::new(10);
        thread::scope(|s| {
            s.spawn(|| (0..3).for_each(|_| counter.increment(5)));
            s.spawn(|| (0..3).for_each(|_| counter.decrement(2)));
            s.spawn(|| (0..3).for_each(|_| counter.increment(1)));
        });
        expect_eq!(
            counter.value(),
            22,
            "value() after new(10) and three threads doing 3×increment(5), 3×decrement(2), 3×increment(1)"
        );
    });
}

fn add_capped_respects_the_limit() {
    explore(1, || {
        let counter = ThreadSafeCounter::new(0);
        expect_eq!(
            counter.add_capped(5, 5),
            true,
            "add_capped(5, 5) on 0 (lands exactly on the limit)"
        );
        expect_eq!(
            counter.add_capped(1, 5),
            false,
            "add_capped(1, 5) on 5 (would pass the limit)"
        );
        expect_eq!(
            counter.value(),
            5,
            "value() after a refused add_capped (a refusal changes nothing)"
        );
        expect_eq!(counter.add_capped(-3, 5), true, "add_capped(-3, 5) on 5");
        expect_eq!(counter.value(), 2, "value() after add_capped(-3, 5) on 5");
        expect_eq!(
            counter.add_capped(0, 1),
            false,
            "add_capped(0, 1) on 2 (already above the limit)"
        );
        expect_eq!(
            counter.add_capped(i64::MAX, i64::MAX),
            false,
            "add_capped(i64::MAX, i64::MAX) on 2 (2 + i64::MAX is above the limit: it must be refused, \
             without overflowing)"
        );
        expect_eq!(
            counter.value(),
            2,
            "value() after the refused add_capped(i64::MAX, i64::MAX)"
        );
    });
}

/// Three threads race to add 1 under a limit of 2: exactly two may succeed. A version that checks
/// `value()` and then calls `increment` lets two threads pass the check before either adds.
fn add_capped_never_overshoots_under_contention() {
    explore(300, || {
        let counter = ThreadSafeCounter::new(0);
        let wins: usize = thread::scope(|s| {
            let racers: Vec<_> = (0..3).map(|_| s.spawn(|| counter.add_capped(1, 2))).collect();
            racers.into_iter().map(|r| usize::from(r.join().unwrap())).sum()
        });
        expect_eq!(
            counter.value(),
            2,
            "value() after 3 threads each tried add_capped(1, 2) on 0"
        );
        expect_eq!(
            wins,
            2,
            "number of add_capped(1, 2) calls that returned true (3 threads, from 0)"
        );
    });
}

fn reset_guard_resets_on_drop_and_during_a_panic() {
    explore(1, || {
        let counter = ThreadSafeCounter::new(7);
        {
            let _guard = counter.reset_on_drop();
            counter.increment(1);
            expect_eq!(
                counter.value(),
                8,
                "value() while a reset_on_drop() guard is alive"
            );
        }
        expect_eq!(
            counter.value(),
            0,
            "value() after the reset_on_drop() guard was dropped"
        );

        counter.increment(9);
        let outcome = catch_panic(|| {
            let _guard = counter.reset_on_drop();
            counter.increment(1);
            panic!("the test panics on purpose while the guard is alive");
        });
        expect!(outcome.is_err(), "the closure was meant to panic");
        expect_eq!(
            counter.value(),
            0,
            "value() after a panic unwound through a live reset_on_drop() guard"
        );
    });
}

/// A call in a concurrent history, as the history test generates them.
#[derive(Debug, Clone, Copy)]
enum Call {
    Increment(i64),
    Decrement(i64),
    Reset,
    AddCapped(i64, i64),
    Value,
    Debug,
}

/// What a call returned: nothing, `add_capped`'s answer, `value()`, or the integers `Debug` showed.
#[derive(Debug, Clone, PartialEq)]
enum Returned {
    Done,
    Added(bool),
    Value(i64),
    Shown(Vec<i64>),
}

/// One call of a history: what it was, what it returned, and when it started and ended on a clock
/// that every thread of the history ticks.
#[derive(Debug, Clone)]
struct Done {
    call: Call,
    returned: Returned,
    start: u64,
    end: u64,
}

/// The counter's sequential behaviour (the reference's, which the differential test holds the
/// learner's to): the state after `call` and what it returns.
fn model(value: i64, call: Call) -> (i64, Returned) {
    match call {
        Call::Increment(a) => (value + a, Returned::Done),
        Call::Decrement(a) => (value - a, Returned::Done),
        Call::Reset => (0, Returned::Done),
        Call::AddCapped(a, limit) => match value.checked_add(a) {
            Some(next) if next <= limit => (next, Returned::Added(true)),
            _ => (value, Returned::Added(false)),
        },
        Call::Value => (value, Returned::Value(value)),
        Call::Debug => (value, Returned::Shown(vec![value])),
    }
}

/// Whether the calls of `threads` (each thread's in its own order) can be put in one order, one
/// call at a time, that keeps every call that ended before another started ahead of it and gives
/// every call the result it returned (a linearization).
fn has_sequential_order(value: i64, threads: &[Vec<Done>], next: &mut Vec<usize>) -> bool {
    if threads
        .iter()
        .zip(next.iter())
        .all(|(calls, &n)| n == calls.len())
    {
        return true;
    }
    for t in 0..threads.len() {
        let Some(done) = threads[t].get(next[t]) else {
            continue;
        };
        let overtakes = (0..threads.len()).any(|u| {
            u != t
                && threads[u]
                    .get(next[u])
                    .is_some_and(|other| other.end < done.start)
        });
        if overtakes {
            continue;
        }
        let (after, want) = model(value, done.call);
        let fits = match (&want, &done.returned) {
            (Returned::Shown(v), Returned::Shown(shown)) => shown.contains(&v[0]),
            (want, got) => want == got,
        };
        if fits {
            next[t] += 1;
            if has_sequential_order(after, threads, next) {
                return true;
            }
            next[t] -= 1;
        }
    }
    false
}

/// Generated mixes of calls on two or three threads at once (increments and decrements, resets,
/// `add_capped` near and at its limit, `value()` and `Debug` reads), each under many schedules: the
/// results must be those of some one-at-a-time order of the same calls that respects which call
/// finished before which began. A lost update, an overshoot past a limit, a check and an add in two
/// steps, or a read of a half-done change has no such order.
fn counter_histories_have_a_sequential_order() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use threadlab_harness::generate::Gen;
    static PLAN: AtomicU64 = AtomicU64::new(0);
    explore(250, || {
        let mut g = Gen::new(0x1005 + PLAN.fetch_add(1, Ordering::SeqCst));
        let initial = g.range(0, 3) as i64;
        // Most plans share one limit just above the start, so that threads race for the last room.
        let limit = initial + g.range(0, 3) as i64;
        let threads = g.count_in(2, 3);
        let plans: Vec<Vec<Call>> = (0..threads)
            .map(|_| {
                (0..g.count_in(1, 3))
                    .map(|_| match g.range(0, 11) {
                        0 | 1 => Call::Increment(g.range(0, 6) as i64 - 2),
                        2 => Call::Decrement(g.range(0, 4) as i64 - 1),
                        3 => Call::Reset,
                        4..=7 => Call::AddCapped(g.range(1, 2) as i64, limit),
                        8 => Call::AddCapped(g.range(0, 4) as i64 - 1, g.range(0, 6) as i64),
                        9 => Call::Value,
                        _ => Call::Debug,
                    })
                    .collect()
            })
            .collect();
        let counter = ThreadSafeCounter::new(initial);
        let clock = AtomicU64::new(0);
        let history: Vec<Vec<Done>> = thread::scope(|s| {
            let workers: Vec<_> = plans
                .iter()
                .map(|plan| {
                    let (counter, clock) = (&counter, &clock);
                    s.spawn(move || {
                        plan.iter()
                            .map(|&call| {
                                let start = clock.fetch_add(1, Ordering::SeqCst);
                                let returned = match call {
                                    Call::Increment(a) => {
                                        counter.increment(a);
                                        Returned::Done
                                    }
                                    Call::Decrement(a) => {
                                        counter.decrement(a);
                                        Returned::Done
                                    }
                                    Call::Reset => {
                                        counter.reset();
                                        Returned::Done
                                    }
                                    Call::AddCapped(a, limit) => {
                                        Returned::Added(counter.add_capped(a, limit))
                                    }
                                    Call::Value => Returned::Value(counter.value()),
                                    Call::Debug => Returned::Shown(numbers_in(&format!("{counter:?}"))),
                                };
                                let end = clock.fetch_add(1, Ordering::SeqCst);
                                Done {
                                    call,
                                    returned,
                                    start,
                                    end,
                                }
                            })
                            .collect()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let final_value = counter.value();
        let mut with_final = history.clone();
        // The value read after every thread ended closes the history.
        with_final.push(vec![Done {
            call: Call::Value,
            returned: Returned::Value(final_value),
            start: u64::MAX - 1,
            end: u64::MAX,
        }]);
        let mut next = vec![0; with_final.len()];
        if !has_sequential_order(initial, &with_final, &mut next) {
            let shown: Vec<String> = history
                .iter()
                .enumerate()
                .map(|(t, calls)| {
                    let calls: Vec<String> = calls
                        .iter()
                        .map(|d| format!("{:?} -> {:?}", d.call, d.returned))
                        .collect();
                    format!("thread {}: {}", t + 1, calls.join(", "))
                })
                .collect();
            ::core::panic!(
                "ThreadSafeCounter::new({initial}) used by {threads} threads at once gave results that no \
                 one-at-a-time order of the same calls gives (each call must act as one indivisible \
                 step): {}; then value() = {final_value}",
                shown.join("; ")
            );
        }
    });
}
