//! Hidden tests, beginner tier: running CPU and I/O jobs under the simulated lock.
//!
//! The I/O in these tests is a gate that opens when all the expected waiters are inside it (or after
//! a short limit), so "did the waits overlap" is a count, not a stopwatch reading.

use lesson04::beginner::{Job, Row, compare, run_job, run_sequential, run_threaded};
use lesson04::interp::{Event, GilLock, Interpreter, Stats};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use threadlab_harness::{expect, expect_eq};

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
    ]);
}

/// A simulated network: `wait` returns once `expected` callers are inside together, or after
/// 300 ms when they never are. `peak` says how many were ever inside at once.
struct Gate {
    expected: usize,
    state: Mutex<(usize, usize, bool)>, // inside, peak, opened
    changed: Condvar,
}

impl Gate {
    fn new(expected: usize) -> Arc<Gate> {
        Arc::new(Gate {
            expected,
            state: Mutex::new((0, 0, false)),
            changed: Condvar::new(),
        })
    }

    fn wait(&self) {
        let mut s = self.state.lock().unwrap();
        s.0 += 1;
        s.1 = s.1.max(s.0);
        if s.0 >= self.expected {
            s.2 = true;
            self.changed.notify_all();
        }
        let deadline = Instant::now() + Duration::from_millis(300);
        while !s.2 && Instant::now() < deadline {
            s = self.changed.wait_timeout(s, deadline - Instant::now()).unwrap().0;
        }
        s.0 -= 1;
    }

    fn peak(&self) -> usize {
        self.state.lock().unwrap().1
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

    let holder_during_wait = Arc::new(Mutex::new(Vec::new()));
    let (seen, watched) = (Arc::clone(&holder_during_wait), Arc::clone(&interp));
    let io = Job::Io {
        wait: Arc::new(move || seen.lock().unwrap().push(watched.lock().holder())),
    };
    interp.with_gil(|py| run_job(py, &io));
    let seen = holder_during_wait.lock().unwrap().clone();
    expect_eq!(seen.len(), 1, "times the I/O job's wait was called by run_job");
    expect_eq!(
        seen[0],
        None,
        "holder of the interpreter lock while the I/O wait ran (it must be released: py.allow_threads)"
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
    let interp = Interpreter::new(10);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let io = Job::Io {
        wait: Arc::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        }),
    };
    let jobs = [Job::Cpu { steps: 10 }, io.clone(), Job::Cpu { steps: 5 }, io];
    run_sequential(&interp, &jobs);
    let stats = interp.stats();
    expect_eq!(stats.steps, 15, "bytecode steps for jobs Cpu(10), Io, Cpu(5), Io");
    expect_eq!(calls.load(Ordering::SeqCst), 2, "I/O waits called");
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
    let acquired = interp
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Acquired { thread: 0, .. }))
        .count();
    expect_eq!(
        acquired,
        3,
        "times thread 0 took the lock (once at the start, once after each I/O wait)"
    );
}

fn run_threaded_gives_each_job_a_thread() {
    let interp = Interpreter::new(10);
    run_threaded(
        &interp,
        &[
            Job::Cpu { steps: 20 },
            Job::Cpu { steps: 30 },
            Job::Cpu { steps: 40 },
        ],
    );
    let stats = interp.stats();
    expect_eq!(stats.steps, 90, "bytecode steps for Cpu(20), Cpu(30), Cpu(40)");
    expect_eq!(
        stats.threads,
        3,
        "interpreter threads that ran bytecode (one with_gil per job)"
    );
    expect_eq!(
        stats.os_threads,
        3,
        "OS threads that ran bytecode (one thread per job)"
    );
    expect_eq!(
        stats.peak_bytecode,
        1,
        "threads that ran bytecode at the same moment"
    );
    let mut per_thread = [0u64; 3];
    for (thread, n) in interp.runs() {
        expect!(
            thread < 3,
            "an unexpected interpreter thread {thread} ran bytecode"
        );
        per_thread[thread] += n;
    }
    per_thread.sort_unstable();
    expect_eq!(per_thread, [20, 30, 40], "steps per thread, sorted");
    expect!(
        interp.lock().holder().is_none(),
        "run_threaded returned before every thread released the lock"
    );
}

fn threaded_io_waits_overlap() {
    let interp = Interpreter::new(10);
    let gate = Gate::new(3);
    run_threaded(
        &interp,
        &[gate.job(), Job::Cpu { steps: 25 }, gate.job(), gate.job()],
    );
    expect_eq!(
        gate.peak(),
        3,
        "I/O jobs waiting at the same time out of 3 (each job needs its own thread, all started before \
         any join, and the wait must run with the lock released)"
    );
    let stats = interp.stats();
    expect_eq!(
        stats.peak_released,
        3,
        "threads inside allow_threads at the same moment"
    );
    expect_eq!(stats.steps, 25, "bytecode steps of the CPU job");
}

fn compare_reports_what_overlapped() {
    let cpu = compare(2, || Job::Cpu { steps: 50 });
    expect_eq!(
        cpu.sequential.steps,
        100,
        "compare(2, cpu job of 50 steps): sequential steps"
    );
    expect_eq!(
        cpu.threaded.steps,
        100,
        "compare(2, cpu job of 50 steps): threaded steps"
    );
    expect_eq!(
        cpu.sequential.os_threads,
        1,
        "compare(2, cpu): OS threads of the sequential run"
    );
    expect_eq!(
        cpu.threaded.os_threads,
        2,
        "compare(2, cpu): OS threads of the threaded run"
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

    let gates = Mutex::new(Vec::new());
    let io = compare(2, || {
        let gate = Gate::new(2);
        gates.lock().unwrap().push(Arc::clone(&gate));
        gate.job()
    });
    let gates = gates.into_inner().unwrap();
    expect_eq!(gates.len(), 2, "times compare called make_job (once per run)");
    expect_eq!(gates[0].peak(), 1, "I/O waits at once in the sequential run");
    expect_eq!(gates[1].peak(), 2, "I/O waits at once in the threaded run");
    expect_eq!(
        io.sequential.peak_released,
        1,
        "compare(2, io): sequential peak_released"
    );
    expect_eq!(
        io.threaded.peak_released,
        2,
        "compare(2, io): threaded peak_released"
    );
    expect_eq!(
        io.threads_helped(),
        true,
        "threads_helped() for I/O waits that released the lock"
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
        sequential: Stats::default(),
        threaded: Stats {
            peak_bytecode: 1,
            peak_released: 1,
            ..Stats::default()
        },
    };
    expect_eq!(
        one_at_a_time.threads_helped(),
        false,
        "threads_helped() when at most one thread ran bytecode and at most one waited at a time"
    );
}
