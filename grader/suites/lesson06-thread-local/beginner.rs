//! Hidden tests, beginner tier: the per-thread counter `bump` and `count_per_thread`.
//!
//! Each test first calls the learner's code on its own thread, so a `todo!()` is reported as not
//! started before any helper thread could be left waiting at a barrier. Threads that must bump "at
//! the same time" take turns through a `Barrier`: every round, all of them bump before any goes on,
//! so a counter shared between threads gives wrong numbers on every run, also on one CPU.

use lesson06::beginner::{bump, count_per_thread};
use std::sync::{Arc, Barrier};
use std::thread;
use threadlab_harness::{count_std_spawns, expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        ("bump_counts_up_from_one", bump_counts_up_from_one),
        (
            "threads_bumping_together_each_count_their_own",
            threads_bumping_together_each_count_their_own,
        ),
        (
            "a_spawned_thread_does_not_inherit_the_count",
            a_spawned_thread_does_not_inherit_the_count,
        ),
        (
            "count_per_thread_gives_each_thread_its_own_count",
            count_per_thread_gives_each_thread_its_own_count,
        ),
        (
            "count_per_thread_leaves_the_caller_alone",
            count_per_thread_leaves_the_caller_alone,
        ),
        ("counts_match_the_reference", counts_match_the_reference),
    ]);
}

fn bump_counts_up_from_one() {
    let seen: Vec<u64> = (0..5).map(|_| bump()).collect();
    expect_eq!(
        seen,
        vec![1, 2, 3, 4, 5],
        "the first five bump() calls on a thread"
    );
    let other = thread::spawn(|| (0..3).map(|_| bump()).collect::<Vec<u64>>()).join();
    expect!(other.is_ok(), "bump() panicked on a new thread");
    expect_eq!(
        other.unwrap(),
        vec![1, 2, 3],
        "the first three bump() calls on another thread (each thread counts from 1)"
    );
}

fn threads_bumping_together_each_count_their_own() {
    const THREADS: usize = 3;
    const ROUNDS: u64 = 4;
    expect_eq!(bump(), 1, "the first bump() on the test's thread");
    let turns = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let turns = Arc::clone(&turns);
            thread::spawn(move || {
                (0..ROUNDS)
                    .map(|_| {
                        // Everyone bumps in this round before anyone starts the next one.
                        turns.wait();
                        let got = bump();
                        turns.wait();
                        got
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let want: Vec<u64> = (1..=ROUNDS).collect();
    for (i, handle) in handles.into_iter().enumerate() {
        let got = handle.join();
        expect!(got.is_ok(), "bump() panicked on thread {i}");
        let got = got.unwrap();
        expect!(
            got == want,
            "{THREADS} threads each called bump() {ROUNDS} times, taking turns round by round: \
             expected every thread to see {want:?}, but thread {i} saw {got:?} \
             (its count included other threads' bumps, so the counter is shared, not per thread)"
        );
    }
    expect_eq!(
        bump(),
        2,
        "bump() on the test's thread after the other threads bumped (it had bumped once before)"
    );
}

fn a_spawned_thread_does_not_inherit_the_count() {
    let parent: Vec<u64> = (0..5).map(|_| bump()).collect();
    expect_eq!(
        parent,
        vec![1, 2, 3, 4, 5],
        "five bump() calls on the parent thread"
    );
    let child = thread::spawn(|| (bump(), bump())).join();
    expect!(child.is_ok(), "bump() panicked on the child thread");
    let (first, second) = child.unwrap();
    expect!(
        (first, second) == (1, 2),
        "after the parent bumped 5 times, a thread it spawned got {first} and {second} from its first \
         two bump() calls: expected 1 and 2, because a new thread does not inherit its parent's count"
    );
    expect_eq!(
        bump(),
        6,
        "the parent's next bump() after its child bumped twice (the child's bumps are not the parent's)"
    );
}

fn count_per_thread_gives_each_thread_its_own_count() {
    expect_eq!(
        count_per_thread(0, 5),
        Vec::<u64>::new(),
        "count_per_thread(0, 5) (no threads)"
    );
    expect_eq!(count_per_thread(1, 0), vec![0], "count_per_thread(1, 0)");
    expect_eq!(count_per_thread(3, 0), vec![0; 3], "count_per_thread(3, 0)");
    expect_eq!(count_per_thread(2, 1), vec![1; 2], "count_per_thread(2, 1)");
    expect_eq!(
        count_per_thread(4, 1000),
        vec![1000; 4],
        "count_per_thread(4, 1000) (each of 4 threads bumps its own counter 1000 times)"
    );
    expect_eq!(
        count_per_thread(6, 7),
        vec![7; 6],
        "count_per_thread(6, 7) called after earlier calls (new threads start from 0 again)"
    );
    expect_new_threads(5, 3);
    // More threads than any fixed cap, each with a counter of its own.
    expect_new_threads(20, 2);
}

/// The counts must come from bump() calls on `threads` new threads: the right numbers written down
/// without starting any would pass every other check.
fn expect_new_threads(threads: usize, bumps: u64) {
    let (counts, started) = count_std_spawns(|| count_per_thread(threads, bumps));
    expect_eq!(
        counts,
        vec![bumps; threads],
        "count_per_thread({threads}, {bumps})"
    );
    expect!(
        started >= threads as u64,
        "count_per_thread({threads}, {bumps}) started {started} thread(s): expected at least {threads}, \
         one per entry, each counting with its own bump() calls (the entries must be counted, not \
         written down)"
    );
}

fn count_per_thread_leaves_the_caller_alone() {
    let before: Vec<u64> = (0..3).map(|_| bump()).collect();
    expect_eq!(before, vec![1, 2, 3], "three bump() calls on the test's thread");
    let counts = count_per_thread(4, 10);
    expect_eq!(counts, vec![10; 4], "count_per_thread(4, 10)");
    expect_eq!(
        bump(),
        4,
        "the caller's next bump() after count_per_thread(4, 10) (its own count was 3 and must stay \
         3: the 40 bumps belong to the new threads)"
    );
    expect_eq!(
        count_per_thread(2, 5),
        vec![5; 2],
        "count_per_thread(2, 5) called a second time"
    );
    expect_eq!(
        bump(),
        5,
        "the caller's next bump() after a second count_per_thread"
    );
    // A caller left alone because nothing was counted at all is no answer either.
    expect_new_threads(3, 4);
}

/// Generated counts (no threads, one, more than any fixed cap; no bumps, one, several) give the
/// same entries from `count_per_thread` as the reference, on new threads; and generated runs of
/// `bump()` on threads started one after another, with the caller bumping in between, give the same
/// values, call by call.
fn counts_match_the_reference() {
    use threadlab_harness::generate::differential;
    differential(
        21,
        60,
        "(count_per_thread(threads, bumps), whether it started at least `threads` threads, the caller's \
         next bump() minus its last) for (threads, bumps)",
        |g| (g.count(24), g.count(6) as u64),
        |&(threads, bumps)| {
            let before = bump();
            let (counts, started) = count_std_spawns(|| count_per_thread(threads, bumps));
            (counts, started >= threads as u64, bump() - before)
        },
        |&(threads, bumps)| {
            let before = reference::beginner::bump();
            let (counts, started) =
                count_std_spawns(|| reference::beginner::count_per_thread(threads, bumps));
            (
                counts,
                started >= threads as u64,
                reference::beginner::bump() - before,
            )
        },
    );
    differential(
        22,
        60,
        "the values bump() returned, thread by thread (each thread started after the one before \
         ended, the caller bumping once between them), for the bumps each thread makes",
        |g| g.vec(8, |g| g.count(5)),
        |plan| {
            let mut seen = Vec::new();
            for &n in plan {
                let on_thread = thread::spawn(move || (0..n).map(|_| bump()).collect::<Vec<u64>>())
                    .join()
                    .unwrap_or_default();
                seen.push(on_thread);
                seen.push(vec![bump()]);
            }
            seen
        },
        |plan| {
            let mut seen = Vec::new();
            for &n in plan {
                let on_thread =
                    thread::spawn(move || (0..n).map(|_| reference::beginner::bump()).collect::<Vec<u64>>())
                        .join()
                        .unwrap_or_default();
                seen.push(on_thread);
                seen.push(vec![reference::beginner::bump()]);
            }
            seen
        },
    );
}
