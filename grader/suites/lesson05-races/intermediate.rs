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
    ]);
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
    });
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
