//! Hidden tests, advanced tier: `amdahl`, and CPU work that escapes the lock on threads and rayon.
//!
//! Overlap is proven with a rendezvous (every worker must be inside `f` at once), never a stopwatch.

use lesson04::advanced::{amdahl, map_on_threads, map_with_rayon};
use lesson04::interp::{GilLock, Interpreter};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;
use threadlab_harness::catch_panic;
use threadlab_harness::wait::{PATIENCE, Rendezvous};
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
        ("maps_match_the_reference", maps_match_the_reference),
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
    for p in [
        -0.1,
        1.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -f64::MIN_POSITIVE,
    ] {
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
    expect!(
        catch_panic(|| amdahl(1.0, usize::MAX)).is_ok(),
        "amdahl(1.0, usize::MAX) is valid and should not panic"
    );
}

/// Work for `f` that records who held the lock, which OS thread ran it, and meets `meeting`.
struct Probe<'a> {
    /// Who holds the interpreter lock, as the interpreter `f` runs under sees it.
    holder: Box<dyn Fn() -> Option<usize> + Sync + 'a>,
    meeting: Rendezvous,
    holders: Mutex<Vec<Option<usize>>>,
    os_threads: Mutex<HashSet<std::thread::ThreadId>>,
    /// The values each OS thread was given, in the order it got them.
    per_thread: Mutex<HashMap<std::thread::ThreadId, Vec<u64>>>,
    pool_sizes: Mutex<HashSet<usize>>,
    /// When set: the values of the first chunk, and how many threads run the other chunks. `f` on a
    /// value of the first chunk then returns only once every other thread has ended, so the first
    /// chunk is always the last to finish: results gathered in finishing order come out wrong on
    /// every run, while results joined in chunk order are unaffected.
    hold_first: Option<(HashSet<u64>, usize)>,
    ended: Arc<Ended>,
}

/// How many threads that ran `f` have ended (their thread-locals dropped).
#[derive(Default)]
struct Ended {
    count: Mutex<usize>,
    changed: Condvar,
}

/// Counts its thread as ended when the thread's thread-locals are dropped.
struct EndSignal(Arc<Ended>);

impl Drop for EndSignal {
    fn drop(&mut self) {
        *self.0.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.changed.notify_all();
    }
}

thread_local! {
    static ON_END: RefCell<Vec<EndSignal>> = const { RefCell::new(Vec::new()) };
}

impl<'a> Probe<'a> {
    fn new(interp: &'a Interpreter, meet: usize) -> Self {
        Probe::watching(move || interp.lock().holder(), meet)
    }

    fn watching(holder: impl Fn() -> Option<usize> + Sync + 'a, meet: usize) -> Self {
        Probe {
            holder: Box::new(holder),
            meeting: Rendezvous::new(meet),
            holders: Mutex::new(Vec::new()),
            os_threads: Mutex::new(HashSet::new()),
            per_thread: Mutex::new(HashMap::new()),
            pool_sizes: Mutex::new(HashSet::new()),
            hold_first: None,
            ended: Arc::default(),
        }
    }

    /// Holds back the first chunk of `data` on `workers` (chunks of `len.div_ceil(workers)` items,
    /// as promised) until the threads of all the other chunks have ended. `data` must not repeat a
    /// value.
    fn holding_first_chunk(mut self, data: &[u64], workers: usize) -> Self {
        if !data.is_empty() && workers > 0 {
            let size = data.len().div_ceil(workers);
            let chunks = data.len().div_ceil(size);
            self.hold_first = Some((data[..size].iter().copied().collect(), chunks - 1));
        }
        self
    }

    fn work(&self, x: u64, meet: bool) -> u64 {
        self.holders.lock().unwrap().push((self.holder)());
        self.os_threads
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
        let first_call = {
            let mut per_thread = self.per_thread.lock().unwrap();
            let values = per_thread.entry(std::thread::current().id()).or_default();
            values.push(x);
            values.len() == 1
        };
        if first_call {
            ON_END.with_borrow_mut(|signals| signals.push(EndSignal(Arc::clone(&self.ended))));
        }
        if let Some((first, others)) = &self.hold_first
            && first.contains(&x)
        {
            let deadline = Instant::now() + PATIENCE;
            let mut ended = self.ended.count.lock().unwrap();
            while *ended < *others && Instant::now() < deadline {
                ended = self
                    .ended
                    .changed
                    .wait_timeout(ended, deadline.saturating_duration_since(Instant::now()))
                    .unwrap()
                    .0;
            }
        }
        self.pool_sizes
            .lock()
            .unwrap()
            .insert(rayon::current_num_threads());
        if meet {
            self.meeting.arrive();
        }
        x.wrapping_mul(x)
    }

    /// The chunks as the threads saw them: each thread's values, sorted, and the chunks sorted.
    fn chunks(&self) -> Vec<Vec<u64>> {
        let mut chunks: Vec<Vec<u64>> = self
            .per_thread
            .lock()
            .unwrap()
            .values()
            .map(|values| {
                let mut values = values.clone();
                values.sort_unstable();
                values
            })
            .collect();
        chunks.sort();
        chunks
    }

    fn ran_on_caller(&self) -> bool {
        self.os_threads
            .lock()
            .unwrap()
            .contains(&std::thread::current().id())
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
    expect!(
        !probe.ran_on_caller(),
        "map_on_threads ran f on the calling thread; every chunk gets a scoped thread of its own"
    );

    // More workers than any fixed cap: 12 items on 12 workers are 12 threads, all inside f at once.
    let probe = Probe::new(&interp, 12);
    let data: Vec<u64> = (0..12).collect();
    let out = interp.with_gil(|py| map_on_threads(py, &data, 12, |x| probe.work(x, true)));
    expect_eq!(
        out,
        data.iter().map(|x| x * x).collect::<Vec<_>>(),
        "map_on_threads(0..12, 12 workers, square)"
    );
    expect_eq!(
        probe.meeting.peak(),
        12,
        "calls of f running at the same time with 12 items and 12 workers (one thread per chunk, \
         however many workers, all started before any join)"
    );
}

fn threads_split_into_at_most_workers_chunks() {
    let interp = Interpreter::new(10);
    let data: Vec<u64> = (1..=10).collect();
    for (workers, want_threads) in [(3, 3), (4, 4), (16, 10), (1, 1)] {
        let probe = Probe::new(&interp, 0).holding_first_chunk(&data, workers);
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
    expect!(
        !probe.ran_on_caller(),
        "map_with_rayon ran f on the calling thread; f runs on the pool's threads"
    );

    // More workers than any fixed cap: a pool of 12 threads, all 12 inside f at once.
    let probe = Probe::new(&interp, 12);
    let data: Vec<u64> = (0..12).collect();
    let out = interp.with_gil(|py| map_with_rayon(py, &data, 12, |x| probe.work(x, true)));
    expect_eq!(
        out,
        data.iter().map(|x| x * x).collect::<Vec<_>>(),
        "map_with_rayon(0..12, 12 workers, square)"
    );
    expect_eq!(
        (
            probe.meeting.peak(),
            probe
                .pool_sizes
                .lock()
                .unwrap()
                .iter()
                .copied()
                .collect::<Vec<_>>()
        ),
        (12, vec![12]),
        "(calls of f running at once, rayon::current_num_threads() inside f) with 12 items on 12 \
         workers"
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

/// A result of `amdahl` as the differential test compares it: equal within a relative 1e-12 (the
/// formula can be written in more than one way), or a panic.
#[derive(Debug, Clone, Copy)]
enum Speedup {
    Value(f64),
    Panicked,
}

impl PartialEq for Speedup {
    fn eq(&self, other: &Speedup) -> bool {
        match (*self, *other) {
            (Speedup::Value(a), Speedup::Value(b)) => a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
            (Speedup::Panicked, Speedup::Panicked) => true,
            _ => false,
        }
    }
}

/// Generated inputs for the three functions give what the reference gives: `amdahl` for fractions
/// at and around the ends of 0..=1, NaN, the infinities, and 0, 1, odd and huge worker counts;
/// `map_on_threads` for data that is empty, shorter than the workers, not divisible by them and
/// longer than any cap, with duplicates and `u64::MAX` in it: the results and how the items were
/// split among threads; `map_with_rayon`: the results and the pool's size.
fn maps_match_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    differential(
        60,
        300,
        "amdahl(parallel_fraction, workers)",
        |g| {
            let p = if g.one_in(2) {
                g.pick(&[
                    0.0,
                    -0.0,
                    1.0,
                    0.5,
                    0.95,
                    f64::MIN_POSITIVE,
                    1.0 - f64::EPSILON,
                    1.0 + f64::EPSILON,
                    -f64::MIN_POSITIVE,
                    f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    -0.5,
                    2.0,
                ])
            } else {
                g.range(0, 1000) as f64 / 1000.0
            };
            let small = g.count(40);
            let workers = g.pick(&[0, 1, 2, 3, 7, 64, usize::MAX - 1, usize::MAX, small]);
            (p, workers)
        },
        |&(p, n)| match catch_panic(|| amdahl(p, n)) {
            Ok(speedup) => Speedup::Value(speedup),
            Err(_) => Speedup::Panicked,
        },
        |&(p, n)| match catch_panic(|| reference::advanced::amdahl(p, n)) {
            Ok(speedup) => Speedup::Value(speedup),
            Err(_) => Speedup::Panicked,
        },
    );
    /// Data without repeated values (so a value tells which chunk it is in): edges such as 0 and
    /// `u64::MAX` and small numbers, in any order.
    fn data(g: &mut Gen) -> Vec<u64> {
        let len = if g.one_in(8) {
            g.range(30, 200) as usize
        } else {
            g.count(24)
        };
        let mut seen = HashSet::new();
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            let x = if g.one_in(4) { g.next_u64() } else { g.u64() };
            if seen.insert(x) {
                data.push(x);
            }
        }
        data
    }
    let interp = Interpreter::new(10);
    let reference_interp = reference::interp::Interpreter::new(10);
    differential(
        61,
        80,
        "(results, the values each thread got (sorted, one list per thread), whether f ever ran with \
         the lock held) of map_on_threads(data, workers, x * x) for (data, workers), the first chunk \
         held back until the others' threads have ended",
        |g| {
            let data = data(g);
            let len = data.len();
            let any = g.count_in(1, 40);
            let workers = g.pick(&[1, 2, 3, len.max(1), len + 1, 16, any]);
            (data, workers)
        },
        |(data, workers)| {
            let probe = Probe::new(&interp, 0).holding_first_chunk(data, *workers);
            let out = interp.with_gil(|py| map_on_threads(py, data, *workers, |x| probe.work(x, false)));
            let held = probe.holders.lock().unwrap().iter().any(Option::is_some);
            (out, probe.chunks(), held)
        },
        |(data, workers)| {
            use reference::interp::GilLock as _;
            let probe =
                Probe::watching(|| reference_interp.lock().holder(), 0).holding_first_chunk(data, *workers);
            let out = reference_interp.with_gil(|py| {
                reference::advanced::map_on_threads(py, data, *workers, |x| probe.work(x, false))
            });
            let held = probe.holders.lock().unwrap().iter().any(Option::is_some);
            (out, probe.chunks(), held)
        },
    );
    differential(
        62,
        40,
        "(results, rayon::current_num_threads() seen by f) of map_with_rayon(data, workers, x * x) \
         for (data, workers)",
        |g| {
            let data = data(g);
            let any = g.count_in(1, 16);
            (data, g.pick(&[1, 2, 3, 9, any]))
        },
        |(data, workers)| {
            let probe = Probe::new(&interp, 0);
            let out = interp.with_gil(|py| map_with_rayon(py, data, *workers, |x| probe.work(x, false)));
            let mut sizes: Vec<usize> = probe.pool_sizes.lock().unwrap().iter().copied().collect();
            sizes.sort_unstable();
            (out, sizes)
        },
        |(data, workers)| {
            use reference::interp::GilLock as _;
            let probe = Probe::watching(|| reference_interp.lock().holder(), 0);
            let out = reference_interp.with_gil(|py| {
                reference::advanced::map_with_rayon(py, data, *workers, |x| probe.work(x, false))
            });
            let mut sizes: Vec<usize> = probe.pool_sizes.lock().unwrap().iter().copied().collect();
            sizes.sort_unstable();
            (out, sizes)
        },
    );
}
