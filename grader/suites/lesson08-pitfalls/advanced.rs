//! Hidden tests, advanced tier: the pitfalls only real threads show, and the shared state (the tally,
//! the semaphore) under the checker.
//!
//! - The journal test runs a child process of this binary (a "scenario") that writes, calls
//!   `close()` and returns from `main` at once, the way a learner's program ends: any thread still
//!   running is killed. The sink's first write takes 200 ms, so unless `close` waited for the writer,
//!   lines are provably still queued when the process ends.
//! - Thread counts are measured, not timed: every item's `work` records the id of the thread it ran
//!   on (ids are never reused), so a thread per item shows as 10 001 distinct threads on any machine.
//! - Busy waiting is measured on the waiting thread itself (`getrusage(RUSAGE_THREAD)`: its CPU time
//!   and how often it went to sleep while it waits). A thread asleep on a Condvar sleeps once; one
//!   that sleeps 1 ms and looks again is woken hundreds of times, and one that spins burns CPU time.
//!   Both figures hold on one busy CPU; no wall time is asserted.
//! - The journal's `write` while the sink is stuck, lost updates of the tally and the semaphore's
//!   promises ("never more than `permits` holders", "two permits admit two", "a waiter wakes up once a
//!   permit is given back") are tried under `explore`, the tally and the semaphore with generated
//!   mixes of calls on several threads: the crate's hybrid `sync` and `thread` are the checker's
//!   inside a run and `std`'s everywhere else, so the tests above still see real threads.

use lesson08::advanced::{Journal, Semaphore, Tally, WORKERS, process_all};
use predicates::prelude::*;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, ThreadId};
use std::time::Duration;
use threadlab_harness::wait::{PATIENCE, Rendezvous, eventually};
use threadlab_harness::{catch_panic, expect, expect_eq, explore};

fn main() {
    threadlab_harness::main_with_children(
        &[
            (
                "journal_close_keeps_every_line_at_exit",
                journal_close_keeps_every_line_at_exit,
            ),
            (
                "ten_thousand_items_run_on_a_few_threads",
                ten_thousand_items_run_on_a_few_threads,
            ),
            (
                "process_all_keeps_order_and_runs_items_in_parallel",
                process_all_keeps_order_and_runs_items_in_parallel,
            ),
            (
                "tally_keeps_working_after_a_panic",
                tally_keeps_working_after_a_panic,
            ),
            (
                "tally_updates_of_one_key_lose_nothing",
                tally_updates_of_one_key_lose_nothing,
            ),
            ("semaphore_waits_without_polling", semaphore_waits_without_polling),
            (
                "semaphore_admits_as_many_as_it_has_permits",
                semaphore_admits_as_many_as_it_has_permits,
            ),
            (
                "journal_write_returns_at_once_and_the_sink_is_written_elsewhere",
                journal_write_returns_at_once_and_the_sink_is_written_elsewhere,
            ),
            (
                "service_parts_match_the_reference",
                service_parts_match_the_reference,
            ),
            (
                "semaphore_admits_at_most_its_permits_and_wakes_every_waiter",
                semaphore_admits_at_most_its_permits_and_wakes_every_waiter,
            ),
        ],
        &[("journal_then_exit", journal_then_exit)],
    );
}

// ---- the journal at exit ----

/// Lines the exit scenario writes.
const EXIT_LINES: usize = 40;
/// The file the exit scenario writes, in its working directory.
const EXIT_FILE: &str = "journal.log";

fn exit_line(i: usize) -> String {
    format!("entry {i:02}: stock counted")
}

/// A file whose first write takes 200 ms: a writer thread that nobody waits for is still busy when
/// `main` returns.
#[derive(Debug)]
struct SlowFile {
    file: File,
    writes: usize,
}

impl Write for SlowFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes += 1;
        if self.writes == 1 {
            thread::sleep(Duration::from_millis(200));
        }
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Child scenario: write, close, and return from `main` right away.
fn journal_then_exit() {
    let file = File::create(EXIT_FILE).expect("create journal.log in the working directory");
    let journal = Journal::start(SlowFile { file, writes: 0 });
    for i in 0..EXIT_LINES {
        journal.write(exit_line(i));
    }
    journal.close();
    println!("close() returned");
}

/// How long the child may run: about a quarter of a second when the writer is waited for.
const CHILD_LIMIT: Duration = Duration::from_secs(4);

fn journal_close_keeps_every_line_at_exit() {
    let dir = std::env::current_dir().expect("the test's working directory");
    let output = threadlab_harness::run_child("journal_then_exit", &dir, CHILD_LIMIT)
        .expect("start the child process");
    let stderr = String::from_utf8_lossy(&output.stderr);
    expect!(
        output.status.success()
            && predicate::str::contains("close() returned").eval(&String::from_utf8_lossy(&output.stdout)),
        "a program that wrote {EXIT_LINES} lines to a Journal, called close() and returned from main: \
         expected it to exit normally, it ended with {} (stopped after {CHILD_LIMIT:?} if it hung); its \
         stderr: {}",
        output.status,
        stderr.trim()
    );
    let text = std::fs::read_to_string(dir.join(EXIT_FILE)).unwrap_or_default();
    let kept = text.lines().count();
    expect!(
        kept == EXIT_LINES,
        "a program wrote {EXIT_LINES} lines to a Journal, called close() and returned from main; the \
         file kept {kept} of them: close() returned while the writer thread still had lines queued, and \
         the process ended under it (every thread dies when main returns)"
    );
    let expected: String = (0..EXIT_LINES).map(|i| exit_line(i) + "\n").collect();
    expect_eq!(
        text,
        expected,
        "the journal file after {EXIT_LINES} lines (each line once, in order, each ending with \\n)"
    );
}

// ---- a thread per item ----

/// The threads `work` ran on.
fn seen_threads() -> &'static Mutex<HashSet<ThreadId>> {
    static SEEN: OnceLock<Mutex<HashSet<ThreadId>>> = OnceLock::new();
    SEEN.get_or_init(Default::default)
}

fn triple_and_note_thread(item: u64) -> u64 {
    seen_threads().lock().unwrap().insert(thread::current().id());
    item * 3
}

fn ten_thousand_items_run_on_a_few_threads() {
    const ITEMS: u64 = 10_001;
    let results = catch_panic(|| process_all((0..ITEMS).collect(), triple_and_note_thread));
    let threads = seen_threads().lock().unwrap().len();
    let results = match results {
        Ok(results) => results,
        Err(message) if message.contains("failed to spawn thread") => panic!(
            "process_all on {ITEMS} items started so many threads that the operating system refused to \
             start more after {threads} ({message}): a thread per item does not scale; expected at most \
             WORKERS ({WORKERS}) threads"
        ),
        Err(message) => panic!("process_all on {ITEMS} items panicked: {message}"),
    };
    expect!(
        threads <= WORKERS,
        "process_all on {ITEMS} items ran them on {threads} different threads, expected at most \
         WORKERS ({WORKERS}): starting a thread per item makes the operating system create, schedule and \
         tear down thousands of threads (each with its own stack) for work a few threads can share"
    );
    // The order of the results is checked where the test sets it (items that wait for each other).
    let mut sorted = results.clone();
    sorted.sort_unstable();
    expect!(
        sorted.len() == ITEMS as usize && sorted.iter().enumerate().all(|(i, r)| *r == i as u64 * 3),
        "process_all((0..{ITEMS}).collect(), |x| x * 3): expected the {ITEMS} results 0, 3, 6, ..; got {} \
         results, the first ones {:?}",
        results.len(),
        &results[..results.len().min(8)]
    );
}

/// Items 0 and 9 wait here for each other: they can only meet if two threads work at the same time.
fn meeting() -> &'static Rendezvous {
    static MEETING: OnceLock<Rendezvous> = OnceLock::new();
    MEETING.get_or_init(|| Rendezvous::new(2))
}

fn square_meeting_at_the_ends(item: u64) -> u64 {
    if (item == 0 || item == 9) && !meeting().arrive() {
        panic!("item {item} waited for the other end of the list, which never ran at the same time");
    }
    item * item
}

fn process_all_keeps_order_and_runs_items_in_parallel() {
    let results = catch_panic(|| process_all((0..10).collect(), square_meeting_at_the_ends));
    match results {
        Ok(results) => expect_eq!(
            results,
            (0..10).map(|x| x * x).collect::<Vec<u64>>(),
            "process_all((0..10).collect(), |x| x * x) (results in the items' order)"
        ),
        Err(message) => panic!(
            "process_all on 10 items, where items 0 and 9 each wait until the other is being worked on: \
             expected them to run at the same time on two of the threads, but {message} (are the items \
             worked on one after another?)"
        ),
    }
    expect_eq!(
        process_all(Vec::new(), |x| x),
        Vec::<u64>::new(),
        "process_all(no items)"
    );
    expect_eq!(
        process_all(vec![7], |x| x + 1),
        vec![8],
        "process_all(vec![7], |x| x + 1)"
    );
}

// ---- a poisoned mutex ----

fn tally_keeps_working_after_a_panic() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Tally>();
    let tally = Arc::new(Tally::new());
    tally.update("apples", |n| n + 3);
    expect_eq!(
        tally.get("apples"),
        3,
        "get(\"apples\") after update(\"apples\", |n| n + 3)"
    );
    expect_eq!(tally.get("pears"), 0, "get(\"pears\") of a key never updated");

    let worker = Arc::clone(&tally);
    let panicked = thread::spawn(move || {
        catch_panic(|| worker.update("apples", |_| panic!("the scale broke"))).is_err()
    })
    .join()
    .expect("the test's helper thread");
    expect!(
        panicked,
        "update(\"apples\", a change that panics) returned normally: the panic must go on in the caller"
    );

    let after = catch_panic(|| {
        let seen = tally.get("apples");
        tally.update("apples", |n| n + 1);
        tally.update("pears", |n| n + 2);
        (seen, tally.get("apples"), tally.get("pears"))
    });
    match after {
        Ok(got) => expect_eq!(
            got,
            (3, 4, 2),
            "(get(\"apples\"), then get(\"apples\") and get(\"pears\") after adding 1 and 2) once a change \
             had panicked inside update (the panicked change must leave the count as it was)"
        ),
        Err(message) => panic!(
            "after one thread panicked inside update(), the next call on the tally panicked too: \
             {message}. The panic left the Mutex poisoned, and lock().unwrap() turns that into a panic \
             in every later caller, although the count was never half-changed"
        ),
    }
}

// ---- busy waiting ----

/// The calling thread's CPU time (user + system) and voluntary context switches: each time it went to
/// sleep (on a Condvar, a lock, a `sleep`) and was later woken up.
fn thread_usage() -> (Duration, i64) {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid rusage for the kernel to fill in.
    let status = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    assert_eq!(status, 0, "getrusage(RUSAGE_THREAD) failed");
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (time(usage.ru_utime) + time(usage.ru_stime), usage.ru_nvcsw)
}

/// How long the permit is held while the other thread waits in `acquire`.
const HELD: Duration = Duration::from_millis(500);
/// A waiter asleep on a Condvar goes to sleep once (measured: once in every run, also on a loaded
/// machine and on one CPU); one more is allowed for the lock on the way out, and one for luck. A
/// waiter that wakes up to look every 10 ms sleeps about fifty times in `HELD`, one that looks every
/// 100 ms five times.
const MAX_SWITCHES: i64 = 3;
/// A sleeping waiter uses a fraction of a millisecond (measured: at most 0.1 ms); a spinning one most
/// of `HELD`, or its share of a busy CPU.
const MAX_CPU: Duration = Duration::from_millis(10);

fn semaphore_waits_without_polling() {
    let semaphore = Arc::new(Semaphore::new(1));
    let released = Arc::new(AtomicBool::new(false));
    let (waiting, is_waiting) = std::sync::mpsc::channel();
    let (reported, report) = std::sync::mpsc::channel();
    let held = semaphore.acquire();
    let waiter = {
        let semaphore = Arc::clone(&semaphore);
        let released = Arc::clone(&released);
        thread::spawn(move || {
            let before = thread_usage();
            waiting.send(()).unwrap();
            let permit = semaphore.acquire();
            let after = thread_usage();
            let got_it_after_release = released.load(Ordering::SeqCst);
            drop(permit);
            let _ = reported.send((after.0 - before.0, after.1 - before.1, got_it_after_release));
        })
    };
    is_waiting.recv().unwrap();
    // The waiter is inside acquire (or about to be) and cannot get the only permit until it is dropped.
    thread::sleep(HELD);
    released.store(true, Ordering::SeqCst);
    drop(held);
    // A waiter that is never woken up at all (a wake-up lost between a notify and the count going
    // up, which real threads hit on some runs only) is not polling: the checker's
    // semaphore_admits_at_most_its_permits_and_wakes_every_waiter fails it on every run, so here it
    // only costs PATIENCE, and this test's verdict stays about polling on every run.
    let (cpu, switches, got_it_after_release) = match report.recv_timeout(PATIENCE) {
        Ok(measured) => measured,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => return,
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            let panicked = waiter.join().err().map(|payload| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default()
            });
            panic!(
                "the thread waiting in acquire() panicked once the permit was given back: {}",
                panicked.unwrap_or_default()
            );
        }
    };
    let _ = waiter.join();
    expect!(
        got_it_after_release,
        "acquire() on a semaphore whose only permit was held returned before the permit was given back"
    );
    expect!(
        switches <= MAX_SWITCHES,
        "a thread waited in acquire() for {HELD:?} while the only permit was held, and went to sleep {switches} \
         times in that one wait (a thread asleep on a Condvar sleeps once, until a permit comes back). That is \
         polling: waking up to look again and again, with a sleep or a wait with a timeout between the looks"
    );
    expect!(
        cpu <= MAX_CPU,
        "a thread waited in acquire() for {HELD:?} while the only permit was held, and used {cpu:?} of \
         CPU time doing it (expected at most {MAX_CPU:?}): it spun, checking the count in a loop, \
         instead of sleeping until a permit came back"
    );
    expect_eq!(semaphore.available(), 1, "available() once every permit is back");
}

/// Semaphore::new(2) under the checker: two threads each take a permit and wait (yielding) until both
/// are inside, so a semaphore that lets only one in at a time shows; a third `acquire`, started while
/// both permits are out, may return only after one is given back; every thread ends. Under every
/// schedule tried, so a third holder let in early, or a waiter never woken, fails on every run.
fn semaphore_admits_as_many_as_it_has_permits() {
    explore_naming_deadlocks(
        SEMAPHORE_SCHEDULES,
        run_two_permits,
        "Semaphore::new(2) used by three threads: every thread was stuck. A thread waiting in acquire() must \
         sleep on the Condvar with the lock released, and dropping a Permit must give the permit back and \
         notify without waiting for anything",
    );
}

fn run_two_permits() {
    use std::sync::atomic::AtomicUsize;
    let semaphore = Arc::new(Semaphore::new(2));
    expect_eq!(semaphore.available(), 2, "available() of Semaphore::new(2)");
    // The test's own bookkeeping, `std`'s: no scheduling point, not drawn.
    let inside = Arc::new(AtomicUsize::new(0));
    let go = Arc::new(AtomicBool::new(false));
    let released = Arc::new(AtomicBool::new(false));
    let finished: Arc<Vec<AtomicBool>> = Arc::new((0..3).map(|_| AtomicBool::new(false)).collect());
    let holders: Vec<_> = (0..2)
        .map(|t| {
            let (semaphore, inside, go, finished) = (
                Arc::clone(&semaphore),
                Arc::clone(&inside),
                Arc::clone(&go),
                Arc::clone(&finished),
            );
            lesson08::thread::spawn(move || {
                let permit = semaphore.acquire();
                inside.fetch_add(1, Ordering::SeqCst);
                let mut spins = 0;
                while inside.load(Ordering::SeqCst) < 2 && spins < SPINS {
                    lesson08::thread::yield_now();
                    spins += 1;
                }
                let met = inside.load(Ordering::SeqCst) >= 2;
                while !go.load(Ordering::SeqCst) {
                    lesson08::thread::yield_now();
                }
                drop(permit);
                finished[t].store(true, Ordering::SeqCst);
                met
            })
        })
        .collect();
    let mut spins = 0;
    while inside.load(Ordering::SeqCst) < 2 && spins < SPINS {
        lesson08::thread::yield_now();
        spins += 1;
    }
    let both_in = inside.load(Ordering::SeqCst) >= 2;
    let (available, third) = if both_in {
        let available = semaphore.available();
        let third = {
            let (semaphore, released, finished) = (
                Arc::clone(&semaphore),
                Arc::clone(&released),
                Arc::clone(&finished),
            );
            lesson08::thread::spawn(move || {
                let _permit = semaphore.acquire();
                let waited = released.load(Ordering::SeqCst);
                finished[2].store(true, Ordering::SeqCst);
                waited
            })
        };
        // Room for the third to get in wrongly before either permit comes back.
        for _ in 0..3 {
            lesson08::thread::yield_now();
        }
        (available, Some(third))
    } else {
        finished[2].store(true, Ordering::SeqCst);
        (0, None)
    };
    released.store(true, Ordering::SeqCst);
    go.store(true, Ordering::SeqCst);
    let stuck: Vec<String> = unfinished(&finished)
        .iter()
        .map(|t| format!("thread {}", t + 1))
        .collect();
    if !stuck.is_empty() {
        panic!(
            "Semaphore::new(2): two threads took a permit each, a third called acquire(), then both permits were \
             given back; {} still waited in acquire() (available() = {}): a wake-up was lost. Look at the count \
             and wait under one lock (wait_while), and count the permit back in before notifying",
            stuck.join(" and "),
            semaphore.available()
        );
    }
    let met: Vec<bool> = holders
        .into_iter()
        .map(|h| h.join().expect("a holder thread ended"))
        .collect();
    expect!(
        both_in && met.iter().all(|m| *m),
        "two threads called acquire() on Semaphore::new(2): expected both to hold a permit at the same time, but \
         one waited for the other"
    );
    expect!(
        available == 0,
        "available() while both permits of Semaphore::new(2) were taken: expected 0, got {available}"
    );
    if let Some(third) = third {
        expect!(
            third.join().expect("the third thread ended"),
            "a third acquire() on Semaphore::new(2) returned while both permits were still held"
        );
    }
    expect_eq!(semaphore.available(), 2, "available() once every permit is back");
}

// ---- where and when the journal writes ----

/// What a sink saw: the bytes, the threads that wrote them, whether it was flushed.
#[derive(Debug, Default)]
struct Seen {
    bytes: Vec<u8>,
    writers: Vec<ThreadId>,
    flushed: bool,
}

/// Whether a sink's writes may go on, and the signal that they may.
type SinkGate = Arc<(Mutex<bool>, std::sync::Condvar)>;

/// A sink that shares what it saw, and whose writes wait while its gate is closed.
struct WatchedSink {
    seen: Arc<Mutex<Seen>>,
    gate: SinkGate,
}

impl Write for WatchedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (open, opened) = &*self.gate;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut is_open = open.lock().unwrap();
        let held = !*is_open;
        while !*is_open && std::time::Instant::now() < deadline {
            is_open = opened.wait_timeout(is_open, Duration::from_millis(50)).unwrap().0;
        }
        drop(is_open);
        if held {
            // A write that waited at the gate takes another 200 ms once it opens: a `close` that does
            // not wait for the writer thread returns long before anything is written.
            thread::sleep(Duration::from_millis(200));
        }
        let mut seen = self.seen.lock().unwrap();
        seen.bytes.extend_from_slice(buf);
        seen.writers.push(thread::current().id());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.seen.lock().unwrap().flushed = true;
        Ok(())
    }
}

fn watched_sink(open: bool) -> (WatchedSink, Arc<Mutex<Seen>>, SinkGate) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let gate = Arc::new((Mutex::new(open), std::sync::Condvar::new()));
    let sink = WatchedSink {
        seen: Arc::clone(&seen),
        gate: Arc::clone(&gate),
    };
    (sink, seen, gate)
}

/// What a sink under the checker saw: the bytes, the threads that wrote them, whether it was flushed.
#[derive(Debug, Default)]
struct CheckedSeen {
    bytes: Vec<u8>,
    writers: Vec<lesson08::thread::ThreadId>,
    flushed: bool,
}

/// A sink for a journal under the checker, behind the lesson's own locks: its writes wait while its
/// gate is closed.
struct CheckedSink {
    seen: Arc<lesson08::sync::Mutex<CheckedSeen>>,
    gate: Arc<(lesson08::sync::Mutex<bool>, lesson08::sync::Condvar)>,
}

impl Write for CheckedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (open, opened) = &*self.gate;
        drop(opened.wait_while(open.lock().unwrap(), |open| !*open).unwrap());
        let mut seen = self.seen.lock().unwrap();
        seen.bytes.extend_from_slice(buf);
        seen.writers.push(lesson08::thread::current().id());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.seen.lock().unwrap().flushed = true;
        Ok(())
    }
}

/// Lines written while the sink is stuck: more than a queue a learner might bound.
const BUSY_LINES: usize = 300;

/// Whether the schedule being tried got every `write` back (`std`'s: the test's own bookkeeping is no
/// scheduling point). When the checker finds a deadlock it stops at that schedule, so this tells
/// which call never returned.
static ALL_WRITTEN: AtomicBool = AtomicBool::new(false);

/// Schedules tried. Measured: the bank's bounded queues (fresh/15, 37) and its joins before the
/// sender is dropped (first/16, fresh/14, 36) deadlock in every schedule, and a `close` that does not
/// join (first/17, the starter) returns with lines still queued in the first.
const JOURNAL_SCHEDULES: usize = 20;

/// `write` only queues: while the sink is stuck in its first write, many more lines (more than a
/// queue a learner might bound) are written and each call returns. The sink is written by one
/// thread, not the caller's, every line once, in order, and flushed by the time `close` returns.
/// Under the checker, so a `write` that waits for the sink or for room in a bounded queue, or a
/// `close` that never returns, is a deadlock found at once, and a `close` that returns before the
/// writer is done is found in the schedules where the writer is late.
fn journal_write_returns_at_once_and_the_sink_is_written_elsewhere() {
    let outcome = catch_panic(|| {
        explore(JOURNAL_SCHEDULES, || {
            ALL_WRITTEN.store(false, Ordering::SeqCst);
            let seen = Arc::new(lesson08::sync::Mutex::new(CheckedSeen::default()));
            let gate = Arc::new((lesson08::sync::Mutex::new(false), lesson08::sync::Condvar::new()));
            let journal = Journal::start(CheckedSink {
                seen: Arc::clone(&seen),
                gate: Arc::clone(&gate),
            });
            for i in 0..BUSY_LINES {
                journal.write(format!("line {i}"));
            }
            ALL_WRITTEN.store(true, Ordering::SeqCst);
            {
                let (open, opened) = &*gate;
                *open.lock().unwrap() = true;
                opened.notify_all();
            }
            journal.close();
            let caller = lesson08::thread::current().id();
            let seen = seen.lock().unwrap();
            let writers: HashSet<lesson08::thread::ThreadId> = seen.writers.iter().copied().collect();
            expect!(
                writers.len() <= 1 && !writers.contains(&caller),
                "the sink was written by {} thread(s){}: expected every line written by the journal's one writer \
                 thread",
                writers.len(),
                if writers.contains(&caller) {
                    ", among them the one that called write and close()"
                } else {
                    ""
                }
            );
            let expected: String = (0..BUSY_LINES).map(|i| format!("line {i}\n")).collect();
            if seen.bytes != expected.as_bytes() {
                let kept = String::from_utf8_lossy(&seen.bytes).lines().count();
                panic!(
                    "{BUSY_LINES} lines written while the sink was busy, then close(): when close() returned the \
                     sink held {kept} lines{}. close() must wait for the writer thread (join it, after dropping \
                     the sender) so that every line is in the sink, once, in order",
                    if kept < BUSY_LINES {
                        ", the rest still queued"
                    } else {
                        ""
                    }
                );
            }
            expect!(
                seen.flushed,
                "the sink was never flushed by the time close() returned"
            );
        })
    });
    if let Err(message) = outcome {
        if message.starts_with("deadlock!") {
            if ALL_WRITTEN.load(Ordering::SeqCst) {
                panic!(
                    "close() never returned: it waited for the writer thread while the writer waited for more \
                     lines. Drop the sender first (the writer's loop ends when the queue is closed and empty), \
                     then join the writer"
                );
            }
            panic!(
                "Journal::write did not return while the sink was still busy with the first line: write must only \
                 queue the line for the writer thread and return at once (it waited for the sink, or for room in a \
                 bounded queue)"
            );
        }
        panic!("{message}");
    }
}

// ---- differential: the same calls as the reference ----

/// Work for `process_all`, as plain `fn`s.
fn triple(x: u64) -> u64 {
    x * 3
}

fn remainder_by_seven(x: u64) -> u64 {
    x % 7
}

/// The threads `process_all`'s work ran on during one call.
fn work_threads() -> &'static Mutex<HashSet<ThreadId>> {
    static THREADS: OnceLock<Mutex<HashSet<ThreadId>>> = OnceLock::new();
    THREADS.get_or_init(Default::default)
}

fn triple_noting_the_thread(x: u64) -> u64 {
    work_threads().lock().unwrap().insert(thread::current().id());
    triple(x)
}

#[derive(Debug, Clone)]
enum Change {
    Add(u64),
    Set(u64),
    Double,
    Panic,
}

#[derive(Debug, Clone)]
enum TallyCall {
    /// `update(key, change)`, on the test's thread or on a thread of its own.
    Update(&'static str, Change, bool),
    Get(&'static str),
}

#[derive(Debug, Clone)]
enum SemaphoreCall {
    /// Only generated while a permit is free.
    Acquire,
    /// Drops the held permit with this index (modulo how many are held), if any.
    Release(usize),
    Available,
}

/// Generated calls give the same results as the reference: `process_all` on no items, one, counts
/// that do not divide by WORKERS and more items than any cap (also on at most WORKERS threads); a
/// `Tally` under updates that add, set, double or panic, on the caller's thread and on others; a
/// `Semaphore` of 0 to 4 permits taken and given back; a `Journal` of empty, long and non-ASCII lines.
fn service_parts_match_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    // process_all
    type Work = fn(u64) -> u64;
    const WORK: [(&str, Work); 3] = [
        ("x * 3, noting the thread", triple_noting_the_thread),
        ("x * 3", triple),
        ("x % 7", remainder_by_seven),
    ];
    let work = |name: &str| WORK.iter().find(|(n, _)| *n == name).map(|(_, w)| *w).unwrap();
    // Sorted: which item a worker finishes first is up to the scheduler, and the order of the results
    // is checked where the test that runs items in parallel sets it.
    let observe = |items: &[u64], name: &str, run: &dyn Fn(Vec<u64>, Work) -> Vec<u64>| {
        work_threads().lock().unwrap().clear();
        let mut results = run(items.to_vec(), work(name));
        let threads = work_threads().lock().unwrap().len();
        results.sort_unstable();
        (results, threads <= WORKERS)
    };
    differential(
        41,
        60,
        "(process_all(items, work) sorted, whether the work ran on at most WORKERS threads)",
        |g: &mut Gen| (g.vec(70, |g| g.range(0, 1_000_000)), g.pick(&WORK).0),
        |(items, name)| observe(items, name, &|items, w| process_all(items, w)),
        |(items, name)| {
            observe(items, name, &|items, w| {
                reference::advanced::process_all(items, w)
            })
        },
    );

    // Tally
    const KEYS: [&str; 4] = ["apples", "", "Äpfel", "a b"];
    fn tally_calls(g: &mut Gen) -> Vec<TallyCall> {
        g.vec(14, |g| {
            let key = g.pick(&KEYS);
            if g.one_in(3) {
                TallyCall::Get(key)
            } else {
                let change = match g.range(0, 4) {
                    0 => Change::Set(g.range(0, 50)),
                    1 => Change::Double,
                    2 => Change::Panic,
                    _ => Change::Add(g.range(0, 50)),
                };
                TallyCall::Update(key, change, g.one_in(3))
            }
        })
    }
    macro_rules! run_tally {
        ($tally:expr, $calls:expr) => {{
            let tally = $tally;
            let mut seen: Vec<String> = Vec::new();
            for call in $calls {
                match call {
                    TallyCall::Get(key) => seen.push(format!("get({key:?}) = {}", tally.get(key))),
                    TallyCall::Update(key, change, elsewhere) => {
                        let update = || {
                            catch_panic(|| {
                                tally.update(key, |n| match change {
                                    Change::Add(k) => n + k,
                                    Change::Set(k) => *k,
                                    Change::Double => n * 2,
                                    Change::Panic => panic!("the scale broke"),
                                })
                            })
                            .is_err()
                        };
                        let panicked = if *elsewhere {
                            thread::scope(|s| s.spawn(update).join()).unwrap_or_else(|_| {
                                panic!("update({key:?}, ..) on a thread of its own failed")
                            })
                        } else {
                            update()
                        };
                        seen.push(format!("update({key:?}, {change:?}) panicked: {panicked}"));
                    }
                }
            }
            seen
        }};
    }
    differential(
        43,
        100,
        "what each call on Tally::new() gave (update's panic going on in the caller)",
        tally_calls,
        |calls| run_tally!(Tally::new(), calls),
        |calls| run_tally!(reference::advanced::Tally::new(), calls),
    );

    // Semaphore
    fn semaphore_calls(g: &mut Gen) -> (usize, Vec<SemaphoreCall>) {
        let permits = g.count(4);
        let mut held = 0;
        let calls = g.vec(16, |g| match g.range(0, 2) {
            0 if held < permits => {
                held += 1;
                SemaphoreCall::Acquire
            }
            1 if held > 0 => {
                held -= 1;
                SemaphoreCall::Release(g.range(0, 3) as usize)
            }
            _ => SemaphoreCall::Available,
        });
        (permits, calls)
    }
    macro_rules! run_semaphore {
        ($semaphore:expr, $calls:expr) => {{
            let semaphore = $semaphore;
            let mut held = Vec::new();
            let mut seen = vec![semaphore.available()];
            for call in $calls {
                match call {
                    SemaphoreCall::Acquire => held.push(semaphore.acquire()),
                    SemaphoreCall::Release(i) => {
                        if !held.is_empty() {
                            let i = i % held.len();
                            drop(held.remove(i));
                        }
                    }
                    SemaphoreCall::Available => {}
                }
                seen.push(semaphore.available());
            }
            drop(held);
            seen.push(semaphore.available());
            seen
        }};
    }
    differential(
        47,
        100,
        "available() of Semaphore::new(permits) at the start, after each call (acquire only while a permit is free, \
         or dropping a held permit), and once every permit is dropped",
        semaphore_calls,
        |(permits, calls)| run_semaphore!(Semaphore::new(*permits), calls),
        |(permits, calls)| run_semaphore!(reference::advanced::Semaphore::new(*permits), calls),
    );

    // Journal
    fn lines(g: &mut Gen) -> Vec<String> {
        const PARTS: [&str; 5] = ["", "entry", "Überweisung eingegangen", " spaced ", "x"];
        g.vec(40, |g| g.pick(&PARTS).repeat(g.count_in(0, 3)))
    }
    macro_rules! run_journal {
        ($journal:path, $lines:expr) => {{
            let (sink, seen, _) = watched_sink(true);
            let journal = <$journal>::start(sink);
            for line in $lines {
                journal.write(line.clone());
            }
            journal.close();
            // Whether `close` waits for the writer is for the tests that arrange it; here what counts is
            // what the sink holds once it was flushed (or after patience).
            eventually(|| seen.lock().unwrap().flushed);
            let seen = seen.lock().unwrap();
            (String::from_utf8_lossy(&seen.bytes).into_owned(), seen.flushed)
        }};
    }
    differential(
        53,
        60,
        "(what the sink held, whether it was flushed) when close() returned, after writing the lines",
        lines,
        |lines| run_journal!(Journal, lines),
        |lines| run_journal!(reference::advanced::Journal, lines),
    );
}

// ---- under the checker: the shared state under many schedules ----
//
// In these tests the advanced tier's threads and locks are the checker's (`explore` runs each body
// under many seeded schedules). The tests never join a thread they have not seen finish: they spin
// with `yield_now` up to a bound, so a waiter that never wakes up is reported by name, with the
// permits that were free, instead of as the checker's generic deadlock.

/// How many times a test's own thread yields while it waits for the threads it started; in a passing
/// schedule they finish after a few hundred steps at most.
const SPINS: usize = 20_000;

/// Runs `body` under `explore`; a deadlock the checker finds (every thread blocked) is reported as
/// `deadlocked`, any other failure as it is.
fn explore_naming_deadlocks(iterations: usize, body: impl Fn() + Send + Sync + 'static, deadlocked: &str) {
    if let Err(message) = catch_panic(|| explore(iterations, body)) {
        if message.starts_with("deadlock!") || message.contains("tried to acquire a Mutex it already holds") {
            panic!("{deadlocked}");
        }
        panic!("{message}");
    }
}

/// Spins (yielding to the checker's scheduler) until every flag of `finished` is set, or `SPINS`
/// yields have passed; returns the indices of the threads that had not finished. The flags are `std`'s
/// atomics: the test's own bookkeeping is no scheduling point and stays out of the drawn schedule,
/// which then shows only the learner's locks, waits and notifications.
fn unfinished(finished: &[AtomicBool]) -> Vec<usize> {
    for _ in 0..SPINS {
        if finished.iter().all(|f| f.load(Ordering::SeqCst)) {
            return Vec::new();
        }
        lesson08::thread::yield_now();
    }
    (0..finished.len())
        .filter(|&i| !finished[i].load(Ordering::SeqCst))
        .collect()
}

/// What one thread does with a semaphore, in order.
#[derive(Debug, Clone, Copy)]
enum Use {
    /// `acquire`, yield this many times while holding the permit, drop it.
    Hold(u8),
    /// `available()`.
    Look,
}

/// A semaphore of `permits` and the threads that use it: always more threads than permits, so some
/// of them wait, and in some mixes two more (one to wait, one to take the permit first).
#[derive(Debug, Clone)]
struct SemaphoreMix {
    permits: usize,
    threads: Vec<Vec<Use>>,
}

/// Schedules tried per mix. Measured on the bank's lost wake-ups and `if`-waits (first/27, fresh/19,
/// 45 and 47): with 5 schedules per mix each already fails in 3 or 4 of the 6 mixes, with 50 (used
/// here) in 4 to 6, with 150 in 5 or 6; a test fails at its first failing mix.
const SEMAPHORE_SCHEDULES: usize = 50;

fn semaphore_mixes() -> Vec<SemaphoreMix> {
    let mut g = threadlab_harness::generate::Gen::new(61);
    (0..6)
        .map(|i| {
            let permits = 1 + i % 2;
            let threads = permits + 1 + (i / 2) % 2;
            let threads = (0..threads)
                .map(|_| {
                    let mut uses: Vec<Use> = (0..g.count_in(1, 2))
                        .map(|_| Use::Hold(g.range(0, 2) as u8))
                        .collect();
                    if g.one_in(3) {
                        uses.insert(g.range(0, uses.len() as u64) as usize, Use::Look);
                    }
                    uses
                })
                .collect();
            SemaphoreMix { permits, threads }
        })
        .collect()
}

/// "At most `permits` holders at once; the others wait", and a waiter wakes up once a permit is given
/// back, under every schedule of generated mixes: threads that take a permit, hold it a few steps and
/// give it back, and look at `available()`. Two ways to lose a wake-up (looking at the count and
/// waiting in two lock sections; notifying before the count goes up) leave a thread waiting with a
/// permit free; an `if` around the wait lets a woken thread take a permit that another took first.
fn semaphore_admits_at_most_its_permits_and_wakes_every_waiter() {
    for mix in semaphore_mixes() {
        let described = describe_mix(&mix);
        let deadlocked = format!(
            "{described}: every thread was stuck. A thread waiting in acquire() must sleep on the Condvar with \
             the lock released (wait or wait_while), and dropping a Permit must give the permit back and \
             notify without waiting for anything"
        );
        explore_naming_deadlocks(
            SEMAPHORE_SCHEDULES,
            move || run_semaphore_mix(&mix, &described),
            &deadlocked,
        );
    }
}

/// The mix in the learner's terms: "Semaphore::new(1) used by 2 threads at once (thread 1: acquire,
/// yield 1 time(s), drop the permit; available() | thread 2: ...)". Threads are numbered from 1 in
/// the order they are started, as the drawn schedule numbers them.
fn describe_mix(mix: &SemaphoreMix) -> String {
    let threads: Vec<String> = mix
        .threads
        .iter()
        .enumerate()
        .map(|(t, uses)| {
            let uses: Vec<String> = uses
                .iter()
                .map(|u| match u {
                    Use::Hold(0) => "acquire, drop the permit".to_owned(),
                    Use::Hold(steps) => format!("acquire, yield {steps} time(s), drop the permit"),
                    Use::Look => "available()".to_owned(),
                })
                .collect();
            format!("thread {}: {}", t + 1, uses.join("; "))
        })
        .collect();
    format!(
        "Semaphore::new({}) used by {} threads at once ({})",
        mix.permits,
        mix.threads.len(),
        threads.join(" | ")
    )
}

fn run_semaphore_mix(mix: &SemaphoreMix, described: &str) {
    use std::sync::atomic::AtomicUsize;
    let permits = mix.permits;
    let semaphore = Arc::new(Semaphore::new(permits));
    let holders = Arc::new(AtomicUsize::new(0));
    let finished: Arc<Vec<AtomicBool>> =
        Arc::new(mix.threads.iter().map(|_| AtomicBool::new(false)).collect());
    let workers: Vec<_> = mix
        .threads
        .iter()
        .enumerate()
        .map(|(t, uses)| {
            let (semaphore, holders, finished) = (Arc::clone(&semaphore), Arc::clone(&holders), Arc::clone(&finished));
            let uses = uses.clone();
            lesson08::thread::spawn(move || {
                let outcome = catch_panic(|| {
                    for use_ in uses {
                        match use_ {
                            Use::Hold(steps) => {
                                let permit = semaphore.acquire();
                                let inside = holders.fetch_add(1, Ordering::SeqCst) + 1;
                                if inside > permits {
                                    return Err(format!(
                                        "{inside} threads held a permit at once (thread {} had just returned from acquire())",
                                        t + 1
                                    ));
                                }
                                for _ in 0..steps {
                                    lesson08::thread::yield_now();
                                }
                                holders.fetch_sub(1, Ordering::SeqCst);
                                drop(permit);
                            }
                            Use::Look => {
                                let free = semaphore.available();
                                if free > permits {
                                    return Err(format!("available() returned {free} on thread {}", t + 1));
                                }
                            }
                        }
                    }
                    Ok(())
                });
                finished[t].store(true, Ordering::SeqCst);
                outcome
            })
        })
        .collect();
    let stuck: Vec<String> = unfinished(&finished)
        .iter()
        .map(|t| format!("thread {}", t + 1))
        .collect();
    if !stuck.is_empty() {
        panic!(
            "{described}: {} still waited in acquire() after every other thread had finished \
             and given its permits back (available() = {}): a wake-up was lost. A permit given back between \
             the waiter's look at the count and its wait, or a notify sent before the count went up, wakes \
             nobody; look and wait under one lock (wait_while), and count the permit back in before notifying",
            stuck.join(" and "),
            semaphore.available()
        );
    }
    let outcomes: Vec<_> = workers
        .into_iter()
        .map(|worker| {
            worker
                .join()
                .expect("a semaphore thread ended (it catches its panics)")
        })
        .collect();
    if let Some(broken) = outcomes
        .iter()
        .find_map(|o| o.as_ref().ok().and_then(|r| r.as_ref().err()))
    {
        panic!(
            "{described}: {broken}, expected at most {permits}. A thread woken up in acquire() must look at \
             the count again before it takes a permit (wait in a loop, or wait_while): another thread may \
             have taken the freed permit first"
        );
    }
    // The first panic of all, unless one says the count went below zero (the others then only saw the
    // lock that panic poisoned).
    let panics: Vec<(usize, &String)> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(t, o)| o.as_ref().err().map(|m| (t, m)))
        .collect();
    if let Some((t, message)) = panics.iter().find(|(_, m)| m.contains("overflow")) {
        panic!(
            "{described}: a call on thread {} panicked ({message}): a thread took a permit while none was \
             free. A thread woken up in acquire() must look at the count again before it takes a permit \
             (wait in a loop, or wait_while): another thread may have taken the freed permit first",
            t + 1
        );
    }
    if let Some((t, message)) = panics.first() {
        panic!("{described}: a call on thread {} panicked: {message}", t + 1);
    }
    expect_eq!(
        semaphore.available(),
        permits,
        "{described}: available() once every permit was given back"
    );
}

/// What one thread does with a tally, in order.
#[derive(Debug, Clone, Copy)]
enum TallyUse {
    /// `update(key, |n| n + amount)`, yielding inside `change`.
    Add(&'static str, u64),
    /// `get(key)`.
    Get(&'static str),
}

fn tally_mixes() -> Vec<Vec<Vec<TallyUse>>> {
    const KEYS: [&str; 2] = ["visits", "clicks"];
    let mut g = threadlab_harness::generate::Gen::new(67);
    (0..5)
        .map(|i| {
            // The first mix is the plainest race: two threads, one update each, of one key.
            if i == 0 {
                return vec![
                    vec![TallyUse::Add("visits", 1)],
                    vec![TallyUse::Add("visits", 10)],
                ];
            }
            (0..g.count_in(2, 3))
                .map(|_| {
                    (0..g.count_in(1, 3))
                        .map(|_| {
                            let key = g.pick(&KEYS);
                            if g.one_in(4) {
                                TallyUse::Get(key)
                            } else {
                                TallyUse::Add(key, g.range(1, 9))
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The mix in the learner's terms, threads numbered from 1 as the drawn schedule numbers them.
fn describe_tally_mix(mix: &[Vec<TallyUse>]) -> String {
    let threads: Vec<String> = mix
        .iter()
        .enumerate()
        .map(|(t, uses)| {
            let uses: Vec<String> = uses
                .iter()
                .map(|u| match u {
                    TallyUse::Add(key, amount) => format!("update({key:?}, |n| n + {amount})"),
                    TallyUse::Get(key) => format!("get({key:?})"),
                })
                .collect();
            format!("thread {}: {}", t + 1, uses.join("; "))
        })
        .collect();
    format!(
        "Tally::new() used by {} threads at once ({})",
        mix.len(),
        threads.join(" | ")
    )
}

/// Schedules tried per mix. Measured on fresh/44 (the count read, `change` run with no lock held,
/// the result stored under the lock again): the first mix already fails within its first 5 schedules.
const TALLY_SCHEDULES: usize = 50;

/// "Replaces the count of `key` with `change(count)`" while other threads update the same keys: under
/// every schedule of generated mixes, no update is lost. An update that reads the count, lets go of
/// the lock while `change` runs and locks again to store lets another update of the key run in
/// between, and then overwrites it. `change` yields, so the checker may switch threads inside it.
fn tally_updates_of_one_key_lose_nothing() {
    for mix in tally_mixes() {
        let described = describe_tally_mix(&mix);
        let deadlocked = format!(
            "{described}: every thread was stuck. Does update() or get() lock the map while the same thread \
             already holds it (Rust's Mutex is not re-entrant)?"
        );
        explore_naming_deadlocks(
            TALLY_SCHEDULES,
            move || run_tally_mix(&mix, &described),
            &deadlocked,
        );
    }
}

fn run_tally_mix(mix: &[Vec<TallyUse>], described: &str) {
    let tally = Arc::new(Tally::new());
    let finished: Arc<Vec<AtomicBool>> = Arc::new(mix.iter().map(|_| AtomicBool::new(false)).collect());
    let workers: Vec<_> = mix
        .iter()
        .enumerate()
        .map(|(t, uses)| {
            let (tally, finished, uses) = (Arc::clone(&tally), Arc::clone(&finished), uses.clone());
            lesson08::thread::spawn(move || {
                let mut seen = Vec::new();
                for use_ in uses {
                    match use_ {
                        TallyUse::Add(key, amount) => tally.update(key, |n| {
                            lesson08::thread::yield_now();
                            n + amount
                        }),
                        TallyUse::Get(key) => seen.push((key, tally.get(key))),
                    }
                }
                finished[t].store(true, Ordering::SeqCst);
                seen
            })
        })
        .collect();
    let stuck: Vec<String> = unfinished(&finished)
        .iter()
        .map(|t| format!("thread {}", t + 1))
        .collect();
    if !stuck.is_empty() {
        panic!(
            "{described}: {} never returned from its calls while the other threads had finished",
            stuck.join(" and ")
        );
    }
    let seen: Vec<_> = workers
        .into_iter()
        .map(|worker| worker.join().expect("a tally thread ended"))
        .collect();
    for key in ["visits", "clicks"] {
        let added: u64 = mix
            .iter()
            .flatten()
            .map(|u| match u {
                TallyUse::Add(k, amount) if *k == key => *amount,
                _ => 0,
            })
            .sum();
        let got = tally.get(key);
        if got != added {
            panic!(
                "{described}: get({key:?}) once every update had returned: expected {added}, got {got}. An update \
                 was lost: update read the count, another update of {key:?} ran before the new count was \
                 stored, and the store overwrote it. Keep the guard from reading the count until the new \
                 count is stored (change runs under the lock)"
            );
        }
        for (t, (k, value)) in seen
            .iter()
            .enumerate()
            .flat_map(|(t, s)| s.iter().map(move |v| (t, v)))
        {
            expect!(
                *k != key || *value <= added,
                "{described}: get({key:?}) on thread {} returned {value}, more than every update of {key:?} together \
                 ({added})",
                t + 1
            );
        }
    }
}
