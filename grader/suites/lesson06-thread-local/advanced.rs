//! Hidden tests, advanced tier: `PerThread<T>`.
//!
//! The factory counts its calls, so "one value per thread that used it" is checked exactly. Threads
//! are joined (and so have ended) before `into_values`, so values kept in a real thread-local, which
//! die with their thread, are missed on every run. Overlap inside `with` is proven with a rendezvous
//! that only opens when two threads are inside `with` at once.

use lesson06::advanced::PerThread;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant;
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
        ("a_panic_in_f_keeps_the_value", a_panic_in_f_keeps_the_value),
        ("uses_match_the_reference", uses_match_the_reference),
        (
            "per_thread_values_hold_on_every_schedule",
            per_thread_values_hold_on_every_schedule,
        ),
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
    a_slow_factory_holds_up_no_other_thread();
}

/// Thread A's first `with` runs the factory, which waits until thread B's first `with` (factory and
/// `f` included) has returned. The factory is part of `with`: while it runs on one thread, `with` on
/// another must not wait for it, so nothing shared may stay locked around the factory.
fn a_slow_factory_holds_up_no_other_thread() {
    let calls = Arc::new(AtomicUsize::new(0));
    let a_in_factory: Arc<Flag> = Arc::default();
    let b_done: Arc<Flag> = Arc::default();
    let per_thread = PerThread::new({
        let (calls, a_in_factory, b_done) =
            (Arc::clone(&calls), Arc::clone(&a_in_factory), Arc::clone(&b_done));
        move || {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                set(&a_in_factory);
                // Until B is done or the test gives up on it (it sets the flag in any case): a
                // patience of A's own would run out before the test's, and let B through in time
                // on some runs.
                while !wait_for(&b_done) {}
            }
            0u64
        }
    });
    let (a_result, b_returned) = thread::scope(|s| {
        let a = s.spawn(|| per_thread.with(add_one));
        let started = wait_for(&a_in_factory);
        let b = s.spawn(|| {
            let got = per_thread.with(add_one);
            set(&b_done);
            got
        });
        let b_returned = started && wait_for(&b_done);
        // Let A go on in any case, so that the scope can end.
        set(&b_done);
        let _ = b.join();
        (a.join().ok(), b_returned)
    });
    expect!(
        b_returned,
        "while thread A's first with() was still running the factory (it waits for thread B), \
         thread B's first with() did not return within {PATIENCE:?}: with() on one thread waited for \
         the factory running on another. Run the factory without holding any lock that other \
         threads' with() needs (find the slot under the lock, create the value outside it)"
    );
    expect_eq!(a_result, Some(1), "thread A's with(|v| {{ *v += 1; *v }})");
}

/// A flag one thread sets and another waits for.
type Flag = (Mutex<bool>, Condvar);

fn set(flag: &Flag) {
    *flag.0.lock().unwrap() = true;
    flag.1.notify_all();
}

/// Waits until the flag is set (true) or the patience runs out (false).
fn wait_for(flag: &Flag) -> bool {
    let deadline = Instant::now() + PATIENCE;
    let mut set = flag.0.lock().unwrap();
    while !*set {
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        set = flag.1.wait_timeout(set, deadline - now).unwrap().0;
    }
    true
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

/// A panic inside `f` (caught by the caller) leaves the thread's value as `f` left it, and later
/// calls on that thread keep working with it.
fn a_panic_in_f_keeps_the_value() {
    let per_thread = PerThread::new(|| 0u64);
    expect_eq!(
        per_thread.with(add_one),
        1,
        "the first with() on the test's thread"
    );
    let caught = catch_panic(|| {
        per_thread.with(|v| {
            *v = 41;
            ::core::panic!("f fails on purpose")
        })
    });
    expect!(
        caught.is_err(),
        "the panic inside f should reach the caller of with()"
    );
    let after = catch_panic(|| per_thread.with(add_one));
    expect!(
        after == Ok(42),
        "after f set the thread's value to 41 and panicked (the caller caught the panic), the next \
         with(|v| {{ *v += 1; *v }}) on that thread gave {after:?}, expected Ok(42): a panic in f is \
         not a nested call, and the value (with f's changes) stays the thread's"
    );
    expect_eq!(
        per_thread.into_values(),
        vec![42],
        "into_values() after the panic and one more call"
    );
}

/// Generated uses (up to 20 threads, more than any fixed cap; each thread a run of calls that add to
/// its value or read it; some threads that never call `with`; the caller using it or not; two
/// `PerThread`s side by side) give the same results from every call, the same number of factory
/// calls and the same values from `into_values` (sorted) as the reference.
fn uses_match_the_reference() {
    use threadlab_harness::generate::differential;
    macro_rules! run {
        ($per_thread:path, $plan:expr) => {{
            let (caller, threads): &(Vec<u64>, Vec<Vec<u64>>) = $plan;
            let (made, made_b) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
            let first = $per_thread({
                let made = Arc::clone(&made);
                move || {
                    made.fetch_add(1, Ordering::SeqCst);
                    10u64
                }
            });
            let second = $per_thread({
                let made = Arc::clone(&made_b);
                move || {
                    made.fetch_add(1, Ordering::SeqCst);
                    1000u64
                }
            });
            let apply = |adds: &[u64]| -> Vec<(u64, u64)> {
                adds.iter()
                    .map(|&k| {
                        let a = first.with(|v| {
                            *v += k;
                            *v
                        });
                        let b = if k % 2 == 0 { second.with(|v| *v) } else { 0 };
                        (a, b)
                    })
                    .collect()
            };
            let on_caller = apply(caller);
            let on_threads: Vec<Vec<(u64, u64)>> = thread::scope(|s| {
                let handles: Vec<_> = threads.iter().map(|adds| s.spawn(|| apply(adds))).collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_default())
                    .collect()
            });
            let made_now = (made.load(Ordering::SeqCst), made_b.load(Ordering::SeqCst));
            (
                on_caller,
                on_threads,
                made_now,
                sorted(first.into_values()),
                sorted(second.into_values()),
            )
        }};
    }
    differential(
        41,
        60,
        "(results on the caller, results on each thread, factory calls of the two PerThreads, their \
         into_values() sorted) for (the caller's adds, each thread's adds; an even add also reads the \
         second PerThread)",
        |g| {
            (
                g.vec(3, |g| g.count(4) as u64),
                g.vec(20, |g| g.vec(4, |g| g.count(5) as u64)),
            )
        },
        |plan| run!(PerThread::new, plan),
        |plan| run!(reference::advanced::PerThread::new, plan),
    );
}

/// Threads that use one `PerThread` while the checker picks who runs (in an `explore` body every
/// spawn, join, lock and atomic access is a point where it may switch threads, and each call of `f`
/// yields while it holds the value): on every schedule, each thread counts 1, 2, 3 on its own value,
/// the factory runs once per thread that called `with` (the test's thread included), and
/// `into_values` gives every one of those values, also of the threads that have ended.
fn per_thread_values_hold_on_every_schedule() {
    threadlab_harness::explore(40, || {
        let (per_thread, made) = counted();
        let per_thread = Arc::new(per_thread);
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let per_thread = Arc::clone(&per_thread);
                lesson06::thread::spawn(move || {
                    (0..3)
                        .map(|_| {
                            per_thread.with(|value| {
                                let count = add_one(value);
                                lesson06::thread::yield_now();
                                count
                            })
                        })
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        let mine = per_thread.with(|value| {
            lesson06::thread::yield_now();
            add_one(value)
        });
        for (t, thread) in threads.into_iter().enumerate() {
            let counts = thread.join().expect("a thread using the PerThread panicked");
            expect_eq!(
                counts,
                vec![1, 2, 3],
                "what `with(|v| {{ *v += 1; *v }})` returned on spawned thread {t}, 3 calls while another thread and the test's thread used the same PerThread"
            );
        }
        expect_eq!(
            mine,
            1,
            "the test's thread's first `with(|v| {{ *v += 1; *v }})`, while two other threads used the same PerThread"
        );
        expect_eq!(
            made.load(Ordering::SeqCst),
            3,
            "factory calls for 3 threads (2 spawned, and the test's) that each called `with`"
        );
        let per_thread =
            Arc::into_inner(per_thread).expect("the threads have ended, so this is the last Arc");
        expect_eq!(
            sorted(per_thread.into_values()),
            vec![1, 3, 3],
            "into_values() (sorted) after 2 threads called `with` 3 times each and the test's thread once, each adding 1"
        );
    });
}
