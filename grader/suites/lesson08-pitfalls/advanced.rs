//! Hidden tests, advanced tier: the pitfalls only real threads show.
//!
//! - The journal test runs a child process of this binary (a "scenario") that writes, calls
//!   `close()` and returns from `main` at once, the way a learner's program ends: any thread still
//!   running is killed. The sink's first write takes 200 ms, so unless `close` waited for the writer,
//!   lines are provably still queued when the process ends.
//! - Thread counts are measured, not timed: every item's `work` records the id of the thread it ran
//!   on (ids are never reused), so a thread per item shows as 10 001 distinct threads on any machine.
//! - Busy waiting is measured on the waiting thread itself (`getrusage(RUSAGE_THREAD)`: its CPU time
//!   and its context switches while it waits). A thread asleep on a Condvar is woken about once; one
//!   that sleeps 1 ms and looks again is woken hundreds of times, and one that spins burns CPU time.
//!   Both figures hold on one busy CPU; no wall time is asserted.

use lesson08::advanced::{Journal, Semaphore, Tally, WORKERS, process_all};
use predicates::prelude::*;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, ThreadId};
use std::time::Duration;
use threadlab_harness::wait::Rendezvous;
use threadlab_harness::{catch_panic, expect, expect_eq};

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
            ("semaphore_waits_without_polling", semaphore_waits_without_polling),
            (
                "semaphore_admits_as_many_as_it_has_permits",
                semaphore_admits_as_many_as_it_has_permits,
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
    let output = assert_cmd::Command::from_std(threadlab_harness::child_command("journal_then_exit", &dir))
        .timeout(CHILD_LIMIT)
        .output()
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
    expect!(
        results.len() == ITEMS as usize && results.iter().enumerate().all(|(i, r)| *r == i as u64 * 3),
        "process_all((0..{ITEMS}).collect(), |x| x * 3): expected [0, 3, 6, ..] with {ITEMS} results in \
         the items' order; got {} results, the first ones {:?}",
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

/// The calling thread's CPU time (user + system) and context switches (voluntary + involuntary).
fn thread_usage() -> (Duration, i64) {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid rusage for the kernel to fill in.
    let status = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    assert_eq!(status, 0, "getrusage(RUSAGE_THREAD) failed");
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (
        time(usage.ru_utime) + time(usage.ru_stime),
        usage.ru_nvcsw + usage.ru_nivcsw,
    )
}

/// How long the permit is held while the other thread waits in `acquire`.
const HELD: Duration = Duration::from_millis(500);
/// A waiter asleep on a Condvar switches out about twice (when it goes to sleep, and maybe for the
/// lock on the way out); one that looks every millisecond switches out hundreds of times in `HELD`.
const MAX_SWITCHES: i64 = 20;
/// A sleeping waiter uses microseconds; a spinning one most of `HELD`, or its share of a busy CPU.
const MAX_CPU: Duration = Duration::from_millis(30);

fn semaphore_waits_without_polling() {
    let semaphore = Arc::new(Semaphore::new(1));
    let released = Arc::new(AtomicBool::new(false));
    let (waiting, is_waiting) = std::sync::mpsc::channel();
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
            (after.0 - before.0, after.1 - before.1, got_it_after_release)
        })
    };
    is_waiting.recv().unwrap();
    // The waiter is inside acquire (or about to be) and cannot get the only permit until it is dropped.
    thread::sleep(HELD);
    released.store(true, Ordering::SeqCst);
    drop(held);
    let (cpu, switches, got_it_after_release) = waiter.join().expect("the waiting thread panicked");
    expect!(
        got_it_after_release,
        "acquire() on a semaphore whose only permit was held returned before the permit was given back"
    );
    expect!(
        switches <= MAX_SWITCHES,
        "a thread waited in acquire() for {HELD:?} while the only permit was held, and was woken up \
         {switches} times to look again (expected at most {MAX_SWITCHES}: a thread asleep on a Condvar \
         is woken when a permit comes back, not every millisecond). That is polling: checking in a \
         loop, with or without a sleep between the looks"
    );
    expect!(
        cpu <= MAX_CPU,
        "a thread waited in acquire() for {HELD:?} while the only permit was held, and used {cpu:?} of \
         CPU time doing it (expected at most {MAX_CPU:?}): it spun, checking the count in a loop, \
         instead of sleeping until a permit came back"
    );
    expect_eq!(semaphore.available(), 1, "available() once every permit is back");
}

fn semaphore_admits_as_many_as_it_has_permits() {
    let semaphore = Semaphore::new(2);
    expect_eq!(semaphore.available(), 2, "available() of Semaphore::new(2)");
    let both_inside = Rendezvous::new(2);
    let released = AtomicBool::new(false);
    thread::scope(|s| {
        let holders: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let permit = semaphore.acquire();
                    let met = both_inside.arrive();
                    // Both permits are out: a third acquire must wait until one of them comes back.
                    let third = s.spawn(|| {
                        let _permit = semaphore.acquire();
                        released.load(Ordering::SeqCst)
                    });
                    let available = semaphore.available();
                    thread::sleep(Duration::from_millis(20));
                    released.store(true, Ordering::SeqCst);
                    drop(permit);
                    (met, available, third.join().unwrap())
                })
            })
            .collect();
        for holder in holders {
            let (met, available, third_waited) = holder.join().unwrap();
            expect!(
                met,
                "two threads called acquire() on Semaphore::new(2): expected both to hold a permit at \
                 the same time, but one waited for the other"
            );
            expect!(
                available <= 1,
                "available() while two permits of Semaphore::new(2) were taken: expected 0 or 1, got \
                 {available}"
            );
            expect!(
                third_waited,
                "a third acquire() on Semaphore::new(2) returned while both permits were still held"
            );
        }
    });
    expect_eq!(semaphore.available(), 2, "available() once every permit is back");
}
