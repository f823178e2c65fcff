//! Hidden tests, beginner tier: `HitCounter`, `count_hits`, `count_with_mutex`.
//!
//! Built with `threadlab-check`: `explore` runs each body under many seeded thread schedules.

use lesson05::beginner::{HitCounter, count_hits, count_with_mutex};
use lesson05::sync::{Arc, Barrier};
use lesson05::thread;
use threadlab_harness::{count_spawns, expect_eq, explore};

fn main() {
    threadlab_harness::main(&[
        ("new_counter_counts_each_record", new_counter_counts_each_record),
        (
            "records_from_two_threads_are_all_kept",
            records_from_two_threads_are_all_kept,
        ),
        (
            "records_from_many_threads_are_all_kept",
            records_from_many_threads_are_all_kept,
        ),
        ("count_hits_totals_every_thread", count_hits_totals_every_thread),
        (
            "count_with_mutex_totals_every_thread",
            count_with_mutex_totals_every_thread,
        ),
        ("counts_match_the_reference", counts_match_the_reference),
    ]);
}

fn assert_shareable<T: Send + Sync + Default>() {}

fn new_counter_counts_each_record() {
    assert_shareable::<HitCounter>();
    explore(1, || {
        let counter = HitCounter::new();
        expect_eq!(counter.hits(), 0, "HitCounter::new().hits()");
        for expected in 1..=3 {
            counter.record();
            expect_eq!(
                counter.hits(),
                expected,
                "hits() after {expected} record() calls on one thread"
            );
        }
        expect_eq!(HitCounter::default().hits(), 0, "HitCounter::default().hits()");
    });
}

/// Two threads each record twice on one counter. Under explored schedules, a `record` that loads and
/// then stores lets one thread overwrite the other's hit.
fn records_from_two_threads_are_all_kept() {
    explore(300, || {
        let counter = Arc::new(HitCounter::new());
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    counter.record();
                    counter.record();
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        expect_eq!(
            counter.hits(),
            4,
            "hits() after 2 threads each called record() twice"
        );
    });
}

fn records_from_many_threads_are_all_kept() {
    explore(50, || {
        let counter = HitCounter::new();
        let start = Barrier::new(4);
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    start.wait();
                    for _ in 0..10 {
                        counter.record();
                    }
                });
            }
        });
        expect_eq!(
            counter.hits(),
            40,
            "hits() after 4 threads started together and each recorded 10 hits"
        );
    });
}

fn count_hits_totals_every_thread() {
    explore(100, || {
        let (total, started) = count_spawns(|| count_hits(3, 4));
        expect_eq!(total, 12, "count_hits(3, 4)");
        expect_eq!(started, 3, "threads started by count_hits(3, 4)");
        expect_eq!(count_hits(1, 5), 5, "count_hits(1, 5)");
        expect_eq!(count_hits(0, 5), 0, "count_hits(0, 5) (no threads)");
        expect_eq!(
            count_hits(2, 0),
            0,
            "count_hits(2, 0) (threads that record nothing)"
        );
    });
}

fn count_with_mutex_totals_every_thread() {
    explore(100, || {
        let (total, started) = count_spawns(|| count_with_mutex(3, 4));
        expect_eq!(total, 12, "count_with_mutex(3, 4)");
        expect_eq!(started, 3, "threads started by count_with_mutex(3, 4)");
        expect_eq!(count_with_mutex(1, 5), 5, "count_with_mutex(1, 5)");
        expect_eq!(count_with_mutex(0, 5), 0, "count_with_mutex(0, 5) (no threads)");
        expect_eq!(
            count_with_mutex(2, 0),
            0,
            "count_with_mutex(2, 0) (threads that add nothing)"
        );
    });
}

/// Generated counts (no threads, one, a few, and 69 and 70: more than any fixed cap; no hits per
/// thread, one, several) give the same totals from `count_hits` and `count_with_mutex`, and the same
/// number of threads started, as the reference; `hits()` after each of a generated number of
/// `record()` calls on one thread matches too.
fn counts_match_the_reference() {
    use threadlab_harness::generate::differential;
    explore(1, || {
        differential(
            11,
            25,
            "(count_hits, threads it started, count_with_mutex, threads it started) for (threads, \
             per_thread)",
            // Up to 70 threads, 69 and 70 among the seeded cases: above any cap a learner might put on
            // the number of threads (16, 64, the machine's CPUs), which must not exist.
            |g| (g.count(70), g.count(5) as u64),
            |&(threads, per_thread)| {
                let (hits, started) = count_spawns(|| count_hits(threads, per_thread));
                let (locked, started_locked) = count_spawns(|| count_with_mutex(threads, per_thread));
                (hits, started, locked, started_locked)
            },
            |&(threads, per_thread)| {
                let (hits, started) = count_spawns(|| reference::beginner::count_hits(threads, per_thread));
                let (locked, started_locked) =
                    count_spawns(|| reference::beginner::count_with_mutex(threads, per_thread));
                (hits, started, locked, started_locked)
            },
        );
        differential(
            12,
            20,
            "hits() after each record() on one thread, for the number of record() calls",
            |g| g.count(40),
            |&n| {
                let counter = HitCounter::default();
                (0..n)
                    .map(|_| {
                        counter.record();
                        counter.hits()
                    })
                    .collect::<Vec<_>>()
            },
            |&n| {
                let counter = reference::beginner::HitCounter::default();
                (0..n)
                    .map(|_| {
                        counter.record();
                        counter.hits()
                    })
                    .collect::<Vec<_>>()
            },
        );
    });
}
