//! The hybrid facade: `std`'s outside a checker run (real threads, real time, nothing recorded), and
//! shuttle's inside the harness's `explore`, where the bugs it exists for are found on every run (the
//! schedules come from the harness's fixed seed).

#![cfg(feature = "shuttle")]

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};
use threadlab_harness::explore;
use threadlab_trace::checked::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use threadlab_trace::checked::sync::{Arc, Barrier, Condvar, LazyLock, Mutex, OnceLock, RwLock, mpsc};
use threadlab_trace::checked::{active, thread};

/// The panic message of `explore(iterations, body)`, which must fail.
fn failure_of(iterations: usize, body: impl Fn() + Send + Sync + 'static) -> String {
    let payload = panic::catch_unwind(AssertUnwindSafe(|| explore(iterations, body)))
        .expect_err("explore was expected to find the bug");
    assert!(!active(), "a failing run leaves the facade std's");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

// ---- Outside a run: exactly std ----

#[test]
fn outside_a_run_wait_timeout_times_out_on_the_real_clock() {
    assert!(!active());
    let lock = Mutex::new(false);
    let changed = Condvar::new();
    let start = Instant::now();
    // Nobody sets the flag: only the timeout ends the wait (a spurious wake-up waits again).
    let (guard, result) = changed
        .wait_timeout_while(lock.lock().unwrap(), Duration::from_millis(30), |set| !*set)
        .unwrap();
    assert!(result.timed_out());
    assert!(!*guard);
    assert!(start.elapsed() >= Duration::from_millis(30));
    drop(guard);

    // A plain `wait_timeout` with nobody to notify: whether it timed out or woke spuriously, the
    // real clock moved and the guard came back.
    let (guard, _) = changed
        .wait_timeout(lock.lock().unwrap(), Duration::from_millis(5))
        .unwrap();
    drop(guard);

    let (_sender, receiver) = mpsc::channel::<u8>();
    assert_eq!(
        receiver.recv_timeout(Duration::from_millis(5)),
        Err(mpsc::RecvTimeoutError::Timeout)
    );
}

#[test]
fn outside_a_run_spawn_starts_a_real_os_thread() {
    let caller = std::thread::current().id();
    let handle = thread::spawn(move || (std::thread::current().id(), thread::current().id(), active()));
    let facade_id = handle.thread().id();
    let (os_id, seen_id, checked) = handle.join().unwrap();
    assert_ne!(os_id, caller, "the new thread is another OS thread");
    assert_eq!(seen_id, facade_id, "current().id() inside matches the handle's");
    assert!(!checked);
    assert_ne!(thread::current().id(), facade_id);

    let named = thread::Builder::new()
        .name("worker".into())
        .spawn(|| thread::current().name().map(String::from));
    assert_eq!(named.unwrap().join().unwrap().as_deref(), Some("worker"));

    // Scoped threads borrow the caller's locals, on real threads too.
    let mut total = 0;
    let counts = [1, 2, 3];
    thread::scope(|s| {
        let handles: Vec<_> = counts
            .iter()
            .map(|c| s.spawn(move || (*c, std::thread::current().id())))
            .collect();
        for handle in handles {
            let (c, id) = handle.join().unwrap();
            assert_ne!(id, caller);
            total += c;
        }
    });
    assert_eq!(total, 6);
}

/// A helper that names the scope's type, as learner code may: the borrowed slice outlives the
/// scope, as with `std::thread::Scope`.
fn spawn_sum<'scope, 'env>(
    s: &'scope thread::Scope<'scope, 'env>,
    data: &'env [u32],
) -> thread::ScopedJoinHandle<'scope, u32> {
    s.spawn(move || data.iter().sum())
}

#[test]
fn scoped_threads_borrow_in_both_modes() {
    let data = vec![1, 2, 3];
    assert_eq!(thread::scope(|s| spawn_sum(s, &data).join().unwrap()), 6);
    explore(5, || {
        let data = vec![1, 2, 3];
        assert_eq!(thread::scope(|s| spawn_sum(s, &data).join().unwrap()), 6);
    });
}

/// `Builder::spawn_scoped` borrows like `Scope::spawn`: outside a run on a real thread that has the
/// builder's name, in a run on a checked one.
#[test]
fn builder_spawn_scoped_borrows_in_both_modes() {
    let data = [1, 2, 3];
    let (sum, name) = thread::scope(|s| {
        thread::Builder::new()
            .name("summer".into())
            .spawn_scoped(s, || {
                (
                    data.iter().sum::<u32>(),
                    std::thread::current().name().map(str::to_owned),
                )
            })
            .unwrap()
            .join()
            .unwrap()
    });
    assert_eq!((sum, name.as_deref()), (6, Some("summer")));
    explore(5, || {
        let data = [1, 2, 3];
        let sum = thread::scope(|s| {
            thread::Builder::new()
                .spawn_scoped(s, || data.iter().sum::<u32>())
                .unwrap()
                .join()
                .unwrap()
        });
        assert_eq!(sum, 6);
    });
}

static SHARED: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static COUNT: AtomicU64 = AtomicU64::new(0);

#[test]
fn outside_a_run_statics_work_across_real_threads() {
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                for _ in 0..1000 {
                    COUNT.fetch_add(1, Ordering::Relaxed);
                }
                SHARED.lock().unwrap().push(i);
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(COUNT.load(Ordering::SeqCst), 4000);
    let mut seen = SHARED.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, [0, 1, 2, 3]);

    let table = RwLock::new(1);
    *table.write().unwrap() += 1;
    assert_eq!(*table.read().unwrap(), 2);
}

thread::thread_local! {
    static PER_THREAD: Cell<u32> = const { Cell::new(0) };
    /// Attributes and visibility are kept.
    #[allow(dead_code)]
    pub(crate) static NAMES: std::cell::RefCell<Vec<String>> = std::cell::RefCell::new(Vec::new());
}

#[test]
fn outside_a_run_thread_local_is_per_os_thread() {
    PER_THREAD.set(5);
    NAMES.with_borrow_mut(|names| names.push("main".into()));
    let (seen, names) = thread::spawn(|| {
        let seen = PER_THREAD.get();
        PER_THREAD.set(9);
        (seen, NAMES.with_borrow(Vec::len))
    })
    .join()
    .unwrap();
    assert_eq!(
        (seen, names),
        (0, 0),
        "a new OS thread starts with its own values"
    );
    assert_eq!(PER_THREAD.get(), 5);
}

// ---- Inside a run: shuttle's, and the bugs are found ----

#[test]
fn in_a_run_a_lost_update_of_hybrid_atomics_is_found() {
    let message = failure_of(100, || {
        let counter = Arc::new(AtomicU64::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    let seen = counter.load(Ordering::SeqCst);
                    counter.store(seen + 1, Ordering::SeqCst);
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::SeqCst), 2, "lost update");
    });
    assert!(message.contains("lost update"), "{message}");
}

#[test]
fn in_a_run_a_lock_order_deadlock_of_hybrid_mutexes_is_found() {
    let message = failure_of(100, || {
        let a = Arc::new(Mutex::new(0));
        let b = Arc::new(Mutex::new(0));
        let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
        let other = thread::spawn(move || {
            let _b = b2.lock().unwrap();
            let _a = a2.lock().unwrap();
        });
        {
            let _a = a.lock().unwrap();
            let _b = b.lock().unwrap();
        }
        other.join().unwrap();
    });
    assert!(message.contains("deadlock"), "{message}");
}

#[test]
fn in_a_run_a_lost_wake_up_before_wait_timeout_is_a_deadlock() {
    let message = failure_of(100, || {
        let state = Arc::new((Mutex::new(()), Condvar::new(), AtomicBool::new(false)));
        let signal = Arc::clone(&state);
        let setter = thread::spawn(move || {
            signal.2.store(true, Ordering::SeqCst);
            signal.1.notify_one();
        });
        let (lock, changed, ready) = &*state;
        // The flag is checked outside the lock: the notification can come between check and wait,
        // and then only the timeout would end the wait, which never passes in a run.
        if !ready.load(Ordering::SeqCst) {
            let guard = lock.lock().unwrap();
            let (_guard, _timed_out) = changed.wait_timeout(guard, Duration::from_secs(1)).unwrap();
        }
        setter.join().unwrap();
    });
    assert!(message.contains("deadlock"), "{message}");
}

#[test]
fn in_a_run_a_correct_wait_passes_every_schedule() {
    explore(100, || {
        assert!(active());
        let state = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&state);
        let setter = thread::spawn(move || {
            *signal.0.lock().unwrap() = true;
            signal.1.notify_all();
        });
        let (lock, changed) = &*state;
        let (guard, result) = changed
            .wait_timeout_while(lock.lock().unwrap(), Duration::from_secs(1), |set| !*set)
            .unwrap();
        assert!(*guard && !result.timed_out());
        drop(guard);
        setter.join().unwrap();
    });
}

#[test]
fn in_a_run_thread_local_is_per_task() {
    explore(20, || {
        PER_THREAD.set(7);
        let seen = thread::spawn(|| {
            let seen = PER_THREAD.get();
            PER_THREAD.set(3);
            seen
        })
        .join()
        .unwrap();
        assert_eq!(seen, 0, "a new task starts with its own value");
        assert_eq!(PER_THREAD.get(), 7);
    });
    // The run's values were the tasks'; this OS thread's is untouched.
    assert_eq!(PER_THREAD.get(), 0);
}

static ACROSS: Mutex<u32> = Mutex::new(0);
static ACROSS_HITS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn a_static_mutex_works_outside_then_in_a_run_then_outside() {
    *ACROSS.lock().unwrap() += 1;
    ACROSS_HITS.fetch_add(1, Ordering::SeqCst);
    explore(10, || {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                thread::spawn(|| {
                    *ACROSS.lock().unwrap() += 1;
                    ACROSS_HITS.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
    // Real threads again, on the same static.
    let handles: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(|| {
                *ACROSS.lock().unwrap() += 1;
                ACROSS_HITS.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(*ACROSS.lock().unwrap(), 1 + 10 * 2 + 2);
    assert_eq!(ACROSS_HITS.load(Ordering::SeqCst), 23);
}

#[test]
fn in_a_run_a_lazy_lock_initialised_by_two_tasks_at_once_runs_its_function_once() {
    type Lazy = LazyLock<u64, Box<dyn FnOnce() -> u64 + Send>>;
    explore(100, || {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let lazy: Arc<Lazy> = Arc::new(LazyLock::new(Box::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            // A scheduling point inside the initialisation: the other task asks meanwhile.
            thread::yield_now();
            42
        })));
        let other = {
            let lazy = Arc::clone(&lazy);
            thread::spawn(move || **lazy)
        };
        let here = **lazy;
        assert_eq!((here, other.join().unwrap()), (42, 42));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let cell = Arc::new(OnceLock::new());
        let other = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || *cell.get_or_init(|| 1))
        };
        let here = *cell.get_or_init(|| 2);
        assert_eq!(here, other.join().unwrap(), "both see the one value that won");
    });
}

static REGISTRY: LazyLock<Mutex<std::collections::HashMap<u32, u32>>> =
    LazyLock::new(|| Mutex::new(std::collections::HashMap::new()));

#[test]
fn a_static_lazy_lock_of_a_mutex_works_in_a_run_and_outside() {
    explore(20, || {
        let other = thread::spawn(|| {
            REGISTRY.lock().unwrap().insert(1, 1);
        });
        REGISTRY.lock().unwrap().insert(2, 2);
        other.join().unwrap();
    });
    REGISTRY.lock().unwrap().insert(3, 3);
    let mut keys: Vec<u32> = REGISTRY.lock().unwrap().keys().copied().collect();
    keys.sort();
    assert_eq!(keys, [1, 2, 3]);
}
