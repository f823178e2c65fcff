//! Hidden tests, beginner tier: running CPU and I/O jobs under the simulated lock.
//!
//! The I/O in these tests is a gate that opens when all the expected waiters are inside it (or after
//! a short limit), so "did the waits overlap" is a count, not a stopwatch reading. Where a job ran is
//! checked by thread identity: the I/O waits record the OS thread that called them.

use lesson04::beginner::{Job, Row, compare, run_job, run_sequential, run_threaded};
use lesson04::interp::{Event, GilLock, Interpreter, Stats};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::Instant;
use threadlab_harness::wait::PATIENCE;
use threadlab_harness::{count_std_spawns, expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        (
            "run_job_steps_or_waits_without_the_lock",
            run_job_steps_or_waits_without_the_lock,
        ),
        ("run_sequential_uses_one_thread", run_sequential_uses_one_thread),
        (
            "run_threaded_gives_each_job_a_thread",
            run_threaded_gives_each_job_a_thread,
        ),
        ("threaded_io_waits_overlap", threaded_io_waits_overlap),
        ("compare_reports_what_overlapped", compare_reports_what_overlapped),
        ("runs_match_the_reference", runs_match_the_reference),
    ]);
}

/// A simulated network: `wait` returns once `expected` callers are inside together, or when the
/// patience runs out (after which every later wait returns at once, so a wrong solution costs one
/// wait, not one per job). It records the OS thread of every call; `peak` says how many were ever
/// inside at once.
struct Gate {
    expected: usize,
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    inside: usize,
    peak: usize,
    opened: bool,
    gave_up: bool,
    callers: Vec<ThreadId>,
}

impl Gate {
    fn new(expected: usize) -> Arc<Gate> {
        Arc::new(Gate {
            expected,
            state: Mutex::new(GateState::default()),
            changed: Condvar::new(),
        })
    }

    fn wait(&self) {
        let mut s = self.state.lock().unwrap();
        s.callers.push(thread::current().id());
        s.inside += 1;
        s.peak = s.peak.max(s.inside);
        if s.inside >= self.expected {
            s.opened = true;
            self.changed.notify_all();
        }
        let deadline = Instant::now() + PATIENCE;
        while !s.opened && !s.gave_up {
            let now = Instant::now();
            if now >= deadline {
                s.gave_up = true;
                break;
            }
            s = self.changed.wait_timeout(s, deadline - now).unwrap().0;
        }
        s.inside -= 1;
    }

    fn peak(&self) -> usize {
        self.state.lock().unwrap().peak
    }

    fn callers(&self) -> Vec<ThreadId> {
        self.state.lock().unwrap().callers.clone()
    }

    fn job(self: &Arc<Gate>) -> Job {
        let gate = Arc::clone(self);
        Job::Io {
            wait: Arc::new(move || gate.wait()),
        }
    }
}

fn run_job_steps_or_waits_without_the_lock() {
    let interp = Arc::new(Interpreter::new(10));
    interp.with_gil(|py| run_job(py, &Job::Cpu { steps: 7 }));
    expect_eq!(
        interp.stats().steps,
        7,
        "bytecode steps run by run_job(Job::Cpu {{ steps: 7 }})"
    );
    interp.with_gil(|py| run_job(py, &Job::Cpu { steps: 0 }));
    expect_eq!(
        interp.stats().steps,
        7,
        "bytecode steps after run_job(Job::Cpu {{ steps: 0 }}) (none)"
    );

    let holder_during_wait = Arc::new(Mutex::new(Vec::new()));
    let (seen, watched) = (Arc::clone(&holder_during_wait), Arc::clone(&interp));
    let io = Job::Io {
        wait: Arc::new(move || seen.lock().unwrap().push(watched.lock().holder())),
    };
    let (me, held_after) = interp.with_gil(|py| {
        run_job(py, &io);
        (py.id(), interp.lock().holder())
    });
    let seen = holder_during_wait.lock().unwrap().clone();
    expect_eq!(seen.len(), 1, "times the I/O job's wait was called by run_job");
    expect_eq!(
        seen[0],
        None,
        "holder of the interpreter lock while the I/O wait ran (it must be released: py.allow_threads)"
    );
    expect_eq!(
        held_after,
        Some(me),
        "holder of the lock when run_job returned after an I/O job (the caller takes it back)"
    );
    expect_eq!(
        interp.stats().steps,
        7,
        "bytecode steps after the I/O job (an I/O job runs none)"
    );
    expect!(
        interp.lock().holder().is_none(),
        "after with_gil returned the lock should be free; {:?} holds it",
        interp.lock().holder()
    );
}

fn run_sequential_uses_one_thread() {
    let interp = Arc::new(Interpreter::new(3));
    // Each I/O wait records the OS thread it ran on and how many steps had run before it.
    let waits = Arc::new(Mutex::new(Vec::new()));
    let io = {
        let (waits, interp) = (Arc::clone(&waits), Arc::clone(&interp));
        Job::Io {
            wait: Arc::new(move || {
                waits
                    .lock()
                    .unwrap()
                    .push((thread::current().id(), interp.stats().steps))
            }),
        }
    };
    let jobs = [
        Job::Cpu { steps: 10 },
        io.clone(),
        Job::Cpu { steps: 5 },
        io.clone(),
        io,
        Job::Cpu { steps: 0 },
        Job::Cpu { steps: 1 },
    ];
    let ((), started) = count_std_spawns(|| run_sequential(&interp, &jobs));
    expect_eq!(
        started,
        0,
        "OS threads started by run_sequential (it runs everything on the calling thread)"
    );
    let stats = interp.stats();
    expect_eq!(
        stats.steps,
        16,
        "bytecode steps for jobs Cpu(10), Io, Cpu(5), Io, Io, Cpu(0), Cpu(1)"
    );
    let me = thread::current().id();
    let waits = waits.lock().unwrap().clone();
    expect_eq!(
        waits.iter().map(|w| (w.0 == me, w.1)).collect::<Vec<_>>(),
        vec![(true, 10), (true, 15), (true, 15)],
        "for each I/O wait: (did it run on the thread that called run_sequential, steps run before \
         it) for jobs Cpu(10), Io, Cpu(5), Io, Io, Cpu(0), Cpu(1) (every job in order, on the caller)"
    );
    expect_eq!(
        stats.threads,
        1,
        "interpreter threads that ran bytecode (sequential means one with_gil)"
    );
    expect_eq!(
        stats.os_threads,
        1,
        "OS threads that ran bytecode (sequential means no new threads)"
    );
    let acquired: Vec<usize> = interp
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Acquired { thread, .. } => Some(*thread),
            _ => None,
        })
        .collect();
    expect_eq!(
        acquired,
        vec![0; 4],
        "interpreter threads that took the lock, in order (one with_gil: thread 0 at the start and \
         after each of the 3 I/O waits)"
    );
}

fn run_threaded_gives_each_job_a_thread() {
    let interp = Interpreter::new(10);
    let jobs: Vec<Job> = (1..=12).map(|i| Job::Cpu { steps: i * 3 }).collect();
    let ((), started) = count_std_spawns(|| run_threaded(&interp, &jobs));
    let stats = interp.stats();
    expect_eq!(
        stats.steps,
        234,
        "bytecode steps for Cpu(3), Cpu(6), ..., Cpu(36)"
    );
    expect_eq!(
        stats.threads,
        12,
        "interpreter threads that ran bytecode for 12 jobs (one with_gil per job)"
    );
    expect_eq!(
        stats.os_threads,
        12,
        "OS threads that ran bytecode for 12 jobs (one thread per job)"
    );
    expect!(
        started >= 12,
        "run_threaded started {started} OS threads for 12 jobs (one per job)"
    );
    expect_eq!(
        stats.peak_bytecode,
        1,
        "threads that ran bytecode at the same moment"
    );
    let mut per_thread = [0u64; 12];
    for (thread, n) in interp.runs() {
        expect!(
            thread < 12,
            "an unexpected interpreter thread {thread} ran bytecode"
        );
        per_thread[thread] += n;
    }
    per_thread.sort_unstable();
    expect_eq!(
        per_thread.to_vec(),
        (1..=12).map(|i| i * 3).collect::<Vec<u64>>(),
        "steps per interpreter thread, sorted (each job on a thread of its own)"
    );
    expect!(
        interp.lock().holder().is_none(),
        "run_threaded returned before every thread released the lock"
    );
    let empty = Interpreter::new(10);
    let ((), started) = count_std_spawns(|| run_threaded(&empty, &[]));
    expect_eq!(
        (empty.stats().steps, started),
        (0, 0),
        "(steps, OS threads started) by run_threaded with no jobs"
    );
}

fn threaded_io_waits_overlap() {
    let interp = Interpreter::new(10);
    let gate = Gate::new(12);
    let mut jobs: Vec<Job> = (0..12).map(|_| gate.job()).collect();
    jobs.insert(3, Job::Cpu { steps: 25 });
    jobs.push(Job::Cpu { steps: 4 });
    run_threaded(&interp, &jobs);
    expect_eq!(
        gate.peak(),
        12,
        "I/O jobs waiting at the same time out of 12 (each job needs its own thread, all started \
         before any join, however many jobs there are, and the wait must run with the lock released)"
    );
    let callers = gate.callers();
    let mut distinct = callers.clone();
    distinct.sort_by_key(|id| format!("{id:?}"));
    distinct.dedup();
    expect_eq!(
        (distinct.len(), callers.contains(&thread::current().id())),
        (12, false),
        "(distinct OS threads that ran the 12 I/O waits, whether one was the thread that called \
         run_threaded): each job runs on a new thread of its own"
    );
    let stats = interp.stats();
    expect_eq!(
        stats.peak_released,
        12,
        "threads inside allow_threads at the same moment"
    );
    expect_eq!(stats.steps, 29, "bytecode steps of the CPU jobs");
}

/// `make_job` for the I/O runs of `compare`: the first call (the sequential run) gets a gate that
/// opens for one waiter, the second (the threaded run) one that opens when all `copies` are inside.
fn io_job(made: &Mutex<Vec<Arc<Gate>>>, copies: usize) -> Job {
    let mut made = made.lock().unwrap();
    let gate = Gate::new(if made.is_empty() { 1 } else { copies });
    made.push(Arc::clone(&gate));
    gate.job()
}

fn compare_reports_what_overlapped() {
    let cpu = compare(2, || Job::Cpu { steps: 50 });
    expect_eq!(
        (cpu.sequential.steps, cpu.threaded.steps),
        (100, 100),
        "compare(2, cpu job of 50 steps): (sequential, threaded) steps"
    );
    expect_eq!(
        (cpu.sequential.os_threads, cpu.threaded.os_threads),
        (1, 2),
        "compare(2, cpu): OS threads of the (sequential, threaded) run"
    );
    expect_eq!(
        cpu.threaded.peak_bytecode,
        1,
        "compare(2, cpu): threads running bytecode at once"
    );
    expect_eq!(
        cpu.threads_helped(),
        false,
        "threads_helped() for CPU work under the lock"
    );

    for copies in [2, 9] {
        let made = Mutex::new(Vec::new());
        let io = compare(copies, || io_job(&made, copies));
        let gates = made.into_inner().unwrap();
        expect_eq!(
            gates.len(),
            2,
            "times compare({copies}, io) called make_job (once per run)"
        );
        expect_eq!(
            (gates[0].peak(), gates[1].peak()),
            (1, copies),
            "compare({copies}, io): I/O waits at once in the (sequential, threaded) run"
        );
        expect_eq!(
            (io.sequential.peak_released, io.threaded.peak_released),
            (1, copies),
            "compare({copies}, io): (sequential, threaded) peak_released"
        );
        expect_eq!(
            io.threads_helped(),
            true,
            "compare({copies}, io).threads_helped() for I/O waits that released the lock"
        );
    }

    let calls = AtomicUsize::new(0);
    let none = compare(0, || {
        calls.fetch_add(1, Ordering::SeqCst);
        Job::Cpu { steps: 5 }
    });
    expect_eq!(
        (
            none.sequential.steps,
            none.threaded.steps,
            none.threaded.os_threads
        ),
        (0, 0, 0),
        "compare(0, cpu): (sequential steps, threaded steps, threaded OS threads)"
    );
    expect_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "times compare(0, ..) called make_job (once per run, also with no copies)"
    );

    let bytecode_overlap = Row {
        sequential: Stats::default(),
        threaded: Stats {
            peak_bytecode: 2,
            ..Stats::default()
        },
    };
    expect_eq!(
        bytecode_overlap.threads_helped(),
        true,
        "threads_helped() when two threads ran bytecode at once (free-threaded Python)"
    );
    let one_at_a_time = Row {
        sequential: Stats {
            peak_released: 3,
            peak_bytecode: 3,
            ..Stats::default()
        },
        threaded: Stats {
            peak_bytecode: 1,
            peak_released: 1,
            ..Stats::default()
        },
    };
    expect_eq!(
        one_at_a_time.threads_helped(),
        false,
        "threads_helped() when at most one thread ran bytecode and at most one waited at a time in \
         the threaded run (whatever the sequential run shows)"
    );
}

/// A job as the differential test generates it.
#[derive(Debug, Clone, Copy)]
enum Spec {
    Cpu(u64),
    Io,
}

/// What one I/O wait saw: (its index among the waits, steps run before it, whether it ran on the
/// thread that called the function under test).
type WaitSeen = (usize, u64, bool);

/// Records the I/O waits of one run.
#[derive(Default)]
struct Waits(Mutex<Vec<(ThreadId, u64)>>);

impl Waits {
    fn seen(&self, caller: ThreadId) -> Vec<WaitSeen> {
        let waits = self.0.lock().unwrap();
        waits
            .iter()
            .enumerate()
            .map(|(i, &(id, steps))| (i, steps, id == caller))
            .collect()
    }
}

/// One interpreter thread's own events, kinds only: what it did, in order, whoever ran in between.
fn per_thread_kinds(events: &[(&'static str, usize, u64)]) -> Vec<Vec<&'static str>> {
    let mut threads: Vec<Vec<&'static str>> = Vec::new();
    for &(kind, thread, _) in events {
        if kind == "switched" {
            continue;
        }
        if threads.len() <= thread {
            threads.resize(thread + 1, Vec::new());
        }
        threads[thread].push(kind);
    }
    threads.sort();
    threads
}

/// Generated job lists (empty, one job, up to 14, CPU jobs of 0, 1 and more steps, I/O jobs
/// anywhere) and intervals give the same event log from `run_sequential`, the same per-thread events
/// and counts from `run_threaded`, the same deterministic report from `compare` and the same
/// `threads_helped` as the reference.
fn runs_match_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    fn specs(g: &mut Gen) -> Vec<Spec> {
        g.vec(14, |g| {
            if g.one_in(3) {
                Spec::Io
            } else {
                Spec::Cpu(g.count(30) as u64)
            }
        })
    }
    // The deterministic parts of a threaded run's `Stats` (switches depend on the OS scheduler).
    macro_rules! threaded_fields_of {
        ($s:expr) => {{
            let s = $s;
            (s.steps, s.threads, s.os_threads, s.peak_bytecode)
        }};
    }
    macro_rules! event_log {
        ($krate:ident, $interp:expr) => {
            $interp
                .events()
                .iter()
                .map(|e| match *e {
                    $krate::interp::Event::Acquired { thread, clock } => ("acquired", thread, clock),
                    $krate::interp::Event::Step { thread, clock } => ("step", thread, clock),
                    $krate::interp::Event::Switched { thread, clock } => ("switched", thread, clock),
                    $krate::interp::Event::Released { thread, clock } => ("released", thread, clock),
                })
                .collect::<Vec<_>>()
        };
    }
    // Builds the jobs of `$specs` for crate `$krate`, the I/O waits recording into `$waits`.
    macro_rules! jobs {
        ($krate:ident, $specs:expr, $waits:expr, $interp:expr) => {{
            $specs
                .iter()
                .map(|spec| match *spec {
                    Spec::Cpu(steps) => $krate::interp::Job::Cpu { steps },
                    Spec::Io => {
                        let (waits, interp) = (Arc::clone(&$waits), Arc::clone(&$interp));
                        $krate::interp::Job::Io {
                            wait: Arc::new(move || {
                                waits
                                    .0
                                    .lock()
                                    .unwrap()
                                    .push((thread::current().id(), interp.stats().steps))
                            }),
                        }
                    }
                })
                .collect::<Vec<_>>()
        }};
    }
    macro_rules! sequential {
        ($krate:ident, $specs:expr, $interval:expr) => {{
            let interp = Arc::new($krate::interp::Interpreter::new($interval));
            let waits = Arc::new(Waits::default());
            let jobs = jobs!($krate, $specs, waits, interp);
            $krate::beginner::run_sequential(&interp, &jobs);
            let caller = thread::current().id();
            (event_log!($krate, interp), waits.seen(caller))
        }};
    }
    macro_rules! threaded {
        ($krate:ident, $specs:expr) => {{
            let interp = Arc::new($krate::interp::Interpreter::new(2));
            let waits = Arc::new(Waits::default());
            let jobs = jobs!($krate, $specs, waits, interp);
            $krate::beginner::run_threaded(&interp, &jobs);
            let caller = thread::current().id();
            let seen = waits.seen(caller);
            (
                per_thread_kinds(&event_log!($krate, interp)),
                threaded_fields_of!(interp.stats()),
                seen.len(),
                seen.iter().any(|w| w.2),
                interp.lock().holder(),
            )
        }};
    }
    differential(
        40,
        60,
        "(event log, I/O waits) of run_sequential on Interpreter::new(interval) for (interval, jobs)",
        |g| (g.pick(&[1, 2, 3, 100]), specs(g)),
        |(interval, specs)| sequential!(lesson04, specs, *interval),
        |(interval, specs)| sequential!(reference, specs, *interval),
    );
    {
        use lesson04::interp::GilLock as _;
        use reference::interp::GilLock as _;
        differential(
            41,
            40,
            "(each interpreter thread's events without switches, sorted; (steps, threads, os_threads, \
             peak_bytecode); I/O waits; whether one ran on the caller; holder() after) of run_threaded \
             for jobs",
            specs,
            |specs| threaded!(lesson04, specs),
            |specs| threaded!(reference, specs),
        );
    }
    macro_rules! compared {
        ($krate:ident, $copies:expr, $spec:expr) => {{
            let copies: usize = $copies;
            let calls = AtomicUsize::new(0);
            let gates = Mutex::new(Vec::new());
            let row = $krate::beginner::compare(copies, || {
                calls.fetch_add(1, Ordering::SeqCst);
                match $spec {
                    Spec::Cpu(steps) => $krate::interp::Job::Cpu { steps },
                    Spec::Io => {
                        let mut gates = gates.lock().unwrap();
                        let gate = Gate::new(if gates.is_empty() { 1 } else { copies });
                        gates.push(Arc::clone(&gate));
                        $krate::interp::Job::Io {
                            wait: Arc::new(move || gate.wait()),
                        }
                    }
                }
            });
            let s = row.sequential;
            (
                (
                    s.steps,
                    s.threads,
                    s.os_threads,
                    s.switches,
                    s.peak_bytecode,
                    s.peak_released,
                ),
                threaded_fields_of!(row.threaded),
                row.threaded.peak_released,
                row.threads_helped(),
                calls.load(Ordering::SeqCst),
            )
        }};
    }
    differential(
        42,
        24,
        "(sequential Stats; threaded (steps, threads, os_threads, peak_bytecode); threaded \
         peak_released; threads_helped(); make_job calls) of compare(copies, make_job) for (copies, job)",
        |g| {
            let job = if g.one_in(2) {
                Spec::Io
            } else {
                Spec::Cpu(g.count(40) as u64)
            };
            (g.count(10), job)
        },
        |&(copies, spec)| compared!(lesson04, copies, spec),
        |&(copies, spec)| compared!(reference, copies, spec),
    );
    differential(
        43,
        200,
        "threads_helped() for a Row whose threaded (peak_bytecode, peak_released) and sequential \
         (peak_bytecode, peak_released) are",
        |g| {
            let peak = |g: &mut Gen| g.pick(&[0, 1, 2, 3, usize::MAX]);
            (peak(g), peak(g), peak(g), peak(g))
        },
        |&(tb, tr, sb, sr)| {
            Row {
                sequential: Stats {
                    peak_bytecode: sb,
                    peak_released: sr,
                    ..Stats::default()
                },
                threaded: Stats {
                    peak_bytecode: tb,
                    peak_released: tr,
                    ..Stats::default()
                },
            }
            .threads_helped()
        },
        |&(tb, tr, sb, sr)| {
            reference::beginner::Row {
                sequential: reference::interp::Stats {
                    peak_bytecode: sb,
                    peak_released: sr,
                    ..Default::default()
                },
                threaded: reference::interp::Stats {
                    peak_bytecode: tb,
                    peak_released: tr,
                    ..Default::default()
                },
            }
            .threads_helped()
        },
    );
}
