//! Hidden tests, advanced tier: `PerThread<T>`.
//!
//! The factory counts its calls, so "one value per thread that used it" is checked exactly. Threads
//! are joined (and so have ended) before `into_values`, so values kept in a real thread-local, which
//! die with their thread, are missed on every run. Overlap inside `with` is proven with a rendezvous
//! that only opens when two threads are inside `with` at once.

use lesson06::advanced::PerThread;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use threadlab_harness::wait::{PATIENCE, Rendezvous, within_patience};
use threadlab_harness::{catch_panic, expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        (
            "one_value_per_thread_that_uses_it",
            one_value_per_thread_that_uses_it,
        ),
        (
            "threads_that_never_call_with_get_no_value",
            threads_that_never_call_with_get_no_value,
        ),
        (
            "values_of_ended_threads_are_kept",
            values_of_ended_threads_are_kept,
        ),
        (
            "threads_do_not_wait_for_each_other",
            threads_do_not_wait_for_each_other,
        ),
        (
            "separate_per_threads_are_independent",
            separate_per_threads_are_independent,
        ),
        ("with_inside_with_panics", with_inside_with_panics),
    ]);
}

/// A `PerThread<u64>` starting at 0 whose factory counts how often it ran.
fn counted() -> (PerThread<u64>, Arc<AtomicUsize>) {
    let made = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&made);
    let per_thread = PerThread::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        0u64
    });
    (per_thread, made)
}

fn add_one(value: &mut u64) -> u64 {
    *value += 1;
    *value
}

fn sorted(mut values: Vec<u64>) -> Vec<u64> {
    values.sort_unstable();
    values
}

fn one_value_per_thread_that_uses_it() {
    // A compile-time promise: PerThread<T> is Send + Sync as soon as T is Send, even when T is not
    // Sync (a Cell), since each T is only ever used by its own thread.
    fn send_and_sync<S: Send + Sync>() {}
    send_and_sync::<PerThread<std::cell::Cell<u64>>>();
    let (per_thread, made) = counted();
    expect_eq!(
        made.load(Ordering::SeqCst),
        0,
        "factory calls made by PerThread::new (values are created on first use)"
    );
    let mine: Vec<u64> = (0..3).map(|_| per_thread.with(add_one)).collect();
    expect!(
        mine == vec![1, 2, 3],
        "three with(|v| {{ *v += 1; *v }}) calls on one thread returned {mine:?}, expected [1, 2, 3]: \
         each call on a thread must get the value the earlier calls changed"
    );
    let lasts: Vec<u64> = thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| (0..100).map(|_| per_thread.with(add_one)).last()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten().unwrap_or(0))
            .collect()
    });
    expect!(
        lasts == vec![100; 4],
        "4 threads each called with(|v| {{ *v += 1; *v }}) 100 times: expected each to end at 100, \
         got {lasts:?}"
    );
    let made_now = made.load(Ordering::SeqCst);
    expect!(
        made_now == 5,
        "the test's thread and 4 other threads used the PerThread: expected the factory to run 5 \
         times (once per thread), it ran {made_now} times"
    );
    expect_eq!(
        sorted(per_thread.into_values()),
        vec![3, 100, 100, 100, 100],
        "into_values() (sorted) after the test's thread added 3 and 4 threads added 100 each"
    );
}

fn threads_that_never_call_with_get_no_value() {
    let (per_thread, made) = counted();
    thread::scope(|s| {
        for i in 0..4 {
            let per_thread = &per_thread;
            s.spawn(move || {
                // Only the even threads use it; the others just run.
                if i % 2 == 0 {
                    per_thread.with(|v| *v += 10 + i);
                }
            });
        }
    });
    let made_now = made.load(Ordering::SeqCst);
    expect!(
        made_now == 2,
        "of 4 threads only 2 called with() (and the thread that created the PerThread never did): \
         expected the factory to run 2 times, it ran {made_now} times"
    );
    let values = sorted(per_thread.into_values());
    expect!(
        values == vec![10, 12],
        "expected into_values() to hold just the values of the 2 threads that called with(), \
         [10, 12], got {values:?}"
    );
    let (unused, made) = counted();
    expect_eq!(
        (unused.into_values(), made.load(Ordering::SeqCst)),
        (Vec::<u64>::new(), 0),
        "(into_values(), factory calls) of a PerThread no thread used"
    );
}

fn values_of_ended_threads_are_kept() {
    let per_thread = Arc::new(PerThread::new(Vec::<u32>::new));
    per_thread.with(|v| v.push(1000));
    let handles: Vec<_> = (0..4u32)
        .map(|t| {
            let per_thread = Arc::clone(&per_thread);
            thread::spawn(move || {
                for k in 0..3 {
                    per_thread.with(|v| v.push(t * 10 + k));
                }
            })
        })
        .collect();
    for handle in handles {
        expect!(handle.join().is_ok(), "a thread calling with() panicked");
    }
    // Every worker has been joined: its thread is gone.
    let per_thread = Arc::try_unwrap(per_thread).expect("the test holds the only Arc now");
    let mut values = per_thread.into_values();
    values.sort();
    let want = vec![
        vec![0, 1, 2],
        vec![10, 11, 12],
        vec![20, 21, 22],
        vec![30, 31, 32],
        vec![1000],
    ];
    expect!(
        values == want,
        "4 threads pushed 3 numbers each into their own Vec and ended; the test's thread pushed 1000 \
         into its own. Expected into_values() (sorted) to be {want:?}, got {values:?} \
         (a thread's pushes must all land in its one Vec, and the values of threads that have \
         ended must still be collected)"
    );
}

fn threads_do_not_wait_for_each_other() {
    let (per_thread, _made) = counted();
    expect_eq!(
        per_thread.with(add_one),
        1,
        "the first with() on the test's thread"
    );
    let meeting = Rendezvous::new(2);
    let met: Vec<bool> = thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    per_thread.with(|v| {
                        *v += 1;
                        meeting.arrive()
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(false)).collect()
    });
    expect!(
        met == vec![true, true],
        "two threads called with() at the same time, each waiting inside f for the other to be \
         inside too, but only {} were ever inside together and they gave up after {PATIENCE:?}: \
         with() on one thread must not wait for with() on another",
        meeting.peak()
    );
    expect_eq!(
        sorted(per_thread.into_values()),
        vec![1, 1, 1],
        "into_values() (sorted) after 3 threads added 1 each"
    );
}

fn separate_per_threads_are_independent() {
    let a = PerThread::new(|| 0u64);
    let b = PerThread::new(|| 100u64);
    let got = (a.with(add_one), b.with(add_one), a.with(add_one), b.with(add_one));
    expect!(
        got == (1, 101, 2, 102),
        "alternating with(|v| {{ *v += 1; *v }}) on a PerThread starting at 0 and one starting at \
         100, on one thread, returned {got:?}; expected (1, 101, 2, 102): each PerThread keeps its \
         own value for the thread"
    );
    let shown = format!("{a:?}");
    expect!(
        shown.starts_with("PerThread"),
        "expected the Debug output of a PerThread to start with \"PerThread\", got {shown:?}"
    );
    expect_eq!(
        (a.into_values(), b.into_values()),
        (vec![2], vec![102]),
        "(a.into_values(), b.into_values())"
    );
}

fn with_inside_with_panics() {
    let per_thread = Arc::new(PerThread::new(|| 7u64));
    expect_eq!(
        per_thread.with(|v| *v),
        7,
        "with(|v| *v) of a PerThread::new(|| 7)"
    );
    let outcome = within_patience(move || {
        let nested = per_thread.with(|_| catch_panic(|| per_thread.with(|v| *v)));
        (nested, per_thread.with(|v| *v))
    });
    expect!(
        outcome.is_some(),
        "with() called from inside with() on the same thread did not return within {PATIENCE:?}: \
         it must panic instead of waiting for the value it already holds"
    );
    let (nested, after) = outcome.unwrap();
    expect!(
        nested.is_err(),
        "expected with() called from inside with() on the same thread to panic, but it returned {:?}",
        nested.unwrap()
    );
    expect_eq!(after, 7, "with(|v| *v) after the nested call panicked");
}
