//! Hidden tests, advanced tier: `amdahl`, and CPU work that escapes the lock on threads and rayon.
//!
//! Overlap is proven with a rendezvous (every worker must be inside `f` at once), never a stopwatch.

use lesson04::advanced::{amdahl, map_on_threads, map_with_rayon};
use lesson04::interp::{GilLock, Interpreter};
use std::collections::HashSet;
use std::sync::Mutex;
use threadlab_harness::catch_panic;
use threadlab_harness::wait::Rendezvous;
use threadlab_harness::{expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        ("amdahl_follows_the_formula", amdahl_follows_the_formula),
        ("amdahl_refuses_bad_arguments", amdahl_refuses_bad_arguments),
        (
            "threads_run_outside_the_lock_together",
            threads_run_outside_the_lock_together,
        ),
        (
            "threads_split_into_at_most_workers_chunks",
            threads_split_into_at_most_workers_chunks,
        ),
        (
            "rayon_runs_outside_the_lock_on_its_own_pool",
            rayon_runs_outside_the_lock_on_its_own_pool,
        ),
        ("zero_workers_are_refused", zero_workers_are_refused),
    ]);
}

fn amdahl_follows_the_formula() {
    let cases = [
        (0.5, 2, 4.0 / 3.0),
        (0.9, 10, 1.0 / (0.1 + 0.09)),
        (0.95, 4, 1.0 / (0.05 + 0.95 / 4.0)),
        (0.0, 8, 1.0),
        (1.0, 4, 4.0),
        (0.75, 1, 1.0),
    ];
    for (p, n, want) in cases {
        let got = amdahl(p, n);
        expect!(
            (got - want).abs() < 1e-9,
            "amdahl({p}, {n}): expected {want}, got {got}"
        );
    }
}

fn amdahl_refuses_bad_arguments() {
    // A working call first, outside catch_panic: a stub's todo!() then counts as not started
    expect_eq!(amdahl(0.0, 1), 1.0, "amdahl(0.0, 1)");
    for p in [-0.1, 1.5, f64::NAN] {
        expect!(
            catch_panic(|| amdahl(p, 4)).is_err(),
            "amdahl({p}, 4) should panic: a parallel fraction lies between 0 and 1"
        );
    }
    expect!(
        catch_panic(|| amdahl(0.5, 0)).is_err(),
        "amdahl(0.5, 0) should panic: there is no speedup with 0 workers"
    );
    expect!(
        catch_panic(|| amdahl(0.0, 1)).is_ok(),
        "amdahl(0.0, 1) is valid and should not panic"
    );
    expect!(
        catch_panic(|| amdahl(1.0, 1)).is_ok(),
        "amdahl(1.0, 1) is valid and should not panic"
    );
}

/// Work for `f` that records who held the lock, which OS thread ran it, and meets `meeting`.
struct Probe<'a> {
    interp: &'a Interpreter,
    meeting: Rendezvous,
    holders: Mutex<Vec<Option<usize>>>,
    os_threads: Mutex<HashSet<std::thread::ThreadId>>,
    pool_sizes: Mutex<HashSet<usize>>,
}

impl<'a> Probe<'a> {
    fn new(interp: &'a Interpreter, meet: usize) -> Self {
        Probe {
            interp,
            meeting: Rendezvous::new(meet),
            holders: Mutex::new(Vec::new()),
            os_threads: Mutex::new(HashSet::new()),
            pool_sizes: Mutex::new(HashSet::new()),
        }
    }

    fn work(&self, x: u64, meet: bool) -> u64 {
        self.holders.lock().unwrap().push(self.interp.lock().holder());
        self.os_threads
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
        self.pool_sizes
            .lock()
            .unwrap()
            .insert(rayon::current_num_threads());
        if meet {
            self.meeting.arrive();
        }
        x * x
    }

    fn expect_released(&self, what: &str) {
        let holders = self.holders.lock().unwrap();
        expect!(
            holders.iter().all(Option::is_none),
            "{what}: f should run with the interpreter lock released (inside py.allow_threads); holders \
             seen by f: {holders:?}"
        );
    }
}

fn threads_run_outside_the_lock_together() {
    let interp = Interpreter::new(10);
    let probe = Probe::new(&interp, 4);
    let (out, held_after) = interp.with_gil(|py| {
        let out = map_on_threads(py, &[1, 2, 3, 4], 4, |x| probe.work(x, true));
        (out, interp.lock().holder() == Some(py.id()))
    });
    expect_eq!(
        out,
        vec![1, 4, 9, 16],
        "map_on_threads(&[1, 2, 3, 4], 4 workers, square)"
    );
    probe.expect_released("map_on_threads");
    expect_eq!(
        probe.meeting.peak(),
        4,
        "calls of f running at the same time with 4 items and 4 workers (each chunk on its own thread, \
         all started before any join)"
    );
    expect!(
        held_after,
        "after map_on_threads returned, the caller should hold the lock again"
    );
}

fn threads_split_into_at_most_workers_chunks() {
    let interp = Interpreter::new(10);
    let data: Vec<u64> = (1..=10).collect();
    for (workers, want_threads) in [(3, 3), (4, 4), (16, 10), (1, 1)] {
        let probe = Probe::new(&interp, 0);
        let out = interp.with_gil(|py| map_on_threads(py, &data, workers, |x| probe.work(x, false)));
        let want: Vec<u64> = data.iter().map(|x| x * x).collect();
        expect_eq!(
            out,
            want,
            "map_on_threads(1..=10, {workers} workers, square): results in input order"
        );
        expect_eq!(
            probe.os_threads.lock().unwrap().len(),
            want_threads,
            "OS threads that ran f for 10 items and {workers} workers (chunks of 10.div_ceil(workers))"
        );
        probe.expect_released("map_on_threads");
    }
    let empty = interp.with_gil(|py| map_on_threads(py, &[], 3, |x| x));
    expect_eq!(empty, Vec::<u64>::new(), "map_on_threads(&[], 3, f)");
}

fn rayon_runs_outside_the_lock_on_its_own_pool() {
    let interp = Interpreter::new(10);
    let probe = Probe::new(&interp, 3);
    let (out, held_after) = interp.with_gil(|py| {
        let out = map_with_rayon(py, &[3, 1, 2], 3, |x| probe.work(x, true));
        (out, interp.lock().holder() == Some(py.id()))
    });
    expect_eq!(
        out,
        vec![9, 1, 4],
        "map_with_rayon(&[3, 1, 2], 3 workers, square)"
    );
    probe.expect_released("map_with_rayon");
    expect_eq!(
        probe.meeting.peak(),
        3,
        "calls of f running at the same time with 3 items on 3 workers"
    );
    expect_eq!(
        probe
            .pool_sizes
            .lock()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![3],
        "rayon::current_num_threads() inside f with 3 workers (build a local pool of `workers` threads)"
    );
    expect!(
        held_after,
        "after map_with_rayon returned, the caller should hold the lock again"
    );

    let probe = Probe::new(&interp, 0);
    let data: Vec<u64> = (0..100).collect();
    let out = interp.with_gil(|py| map_with_rayon(py, &data, 5, |x| probe.work(x, false)));
    expect_eq!(
        out,
        data.iter().map(|x| x * x).collect::<Vec<_>>(),
        "map_with_rayon(0..100, 5 workers, square)"
    );
    expect_eq!(
        probe
            .pool_sizes
            .lock()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![5],
        "rayon::current_num_threads() inside f with 5 workers"
    );
}

fn zero_workers_are_refused() {
    let interp = Interpreter::new(10);
    // Working calls first, outside catch_panic: a stub's todo!() then counts as not started
    let one = interp.with_gil(|py| {
        (
            map_on_threads(py, &[2], 1, |x| x + 1),
            map_with_rayon(py, &[2], 1, |x| x + 1),
        )
    });
    expect_eq!(
        one,
        (vec![3], vec![3]),
        "(map_on_threads, map_with_rayon) of &[2] on 1 worker with x + 1"
    );
    let threads = catch_panic(|| interp.with_gil(|py| map_on_threads(py, &[1, 2], 0, |x| x)));
    expect!(
        threads.is_err(),
        "map_on_threads with 0 workers should panic; it returned {threads:?}"
    );
    let rayon = catch_panic(|| interp.with_gil(|py| map_with_rayon(py, &[1, 2], 0, |x| x)));
    expect!(
        rayon.is_err(),
        "map_with_rayon with 0 workers should panic; it returned {rayon:?}"
    );
    let empty = catch_panic(|| interp.with_gil(|py| map_on_threads(py, &[], 0, |x| x)));
    expect!(
        empty.is_err(),
        "map_on_threads(&[], 0 workers) should panic too; it returned {empty:?}"
    );
}
