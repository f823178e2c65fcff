//! Hidden tests, advanced tier: `LogWriter`.
//!
//! The exit tests run a child process of this binary (a "scenario") that logs and then returns from
//! `main` right away, the way a learner's program ends: any thread still running is killed. The sink
//! is a file in the test's working directory whose first write takes 200 ms, so when `main` returns,
//! lines are provably still queued unless `close`/`drop` waited for the writer. A detached writer in
//! the same setup (`detached_then_exit`) loses them, and the failure messages say how many.

use lesson03::advanced::LogWriter;
use predicates::prelude::*;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;
use threadlab_harness::wait::{PATIENCE, eventually, within_patience};
use threadlab_harness::{catch_panic, expect, expect_eq};

fn main() {
    threadlab_harness::main_with_children(
        &[
            (
                "lines_arrive_in_order_and_close_counts_them",
                lines_arrive_in_order_and_close_counts_them,
            ),
            (
                "close_keeps_every_line_when_the_process_exits",
                close_keeps_every_line_when_the_process_exits,
            ),
            (
                "drop_keeps_every_line_when_the_process_exits",
                drop_keeps_every_line_when_the_process_exits,
            ),
            ("close_and_drop_flush_the_sink", close_and_drop_flush_the_sink),
            (
                "create_truncates_an_existing_file",
                create_truncates_an_existing_file,
            ),
            ("threads_share_one_writer", threads_share_one_writer),
            ("log_does_not_wait_for_the_write", log_does_not_wait_for_the_write),
            ("close_reports_a_failed_write", close_reports_a_failed_write),
            ("logging_matches_the_reference", logging_matches_the_reference),
        ],
        &[
            ("close_then_exit", close_then_exit),
            ("drop_then_exit", drop_then_exit),
            ("detached_then_exit", detached_then_exit),
        ],
    );
}

/// Lines each exit scenario logs.
const EXIT_LINES: usize = 40;
/// The file the exit scenarios write, in their working directory.
const EXIT_FILE: &str = "exit.log";

/// Line `i` of the exit scenarios: long (10 kB), so a buffered writer still hands most of each line
/// straight to the sink instead of collecting all of them in memory first.
fn exit_line(i: usize) -> String {
    format!("line {i:02} {}", "x".repeat(10_000))
}

/// A file whose first write takes 200 ms and every later write 0.2 ms: a writer that is not waited
/// for is still busy when `main` returns.
#[derive(Debug)]
struct SlowFile {
    file: File,
    writes: usize,
}

impl SlowFile {
    fn create() -> SlowFile {
        SlowFile {
            file: File::create(EXIT_FILE).expect("create exit.log in the working directory"),
            writes: 0,
        }
    }
}

impl Write for SlowFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes += 1;
        thread::sleep(if self.writes == 1 {
            Duration::from_millis(200)
        } else {
            Duration::from_micros(200)
        });
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

// ---- child scenarios: each returns from `main` right after its last step ----

fn close_then_exit() {
    let writer = LogWriter::new(SlowFile::create());
    for i in 0..EXIT_LINES {
        writer.log(exit_line(i));
    }
    println!("close() returned {:?}", writer.close());
}

fn drop_then_exit() {
    let writer = LogWriter::new(SlowFile::create());
    for i in 0..EXIT_LINES {
        writer.log(exit_line(i));
    }
    drop(writer);
    println!("drop returned");
}

/// The control: a writer thread that nobody joins (a Rust thread left alone is a Python daemon).
fn detached_then_exit() {
    let (lines, queue) = mpsc::channel::<String>();
    thread::spawn(move || {
        let mut out = SlowFile::create();
        for line in queue {
            let _ = writeln!(out, "{line}");
        }
    });
    for i in 0..EXIT_LINES {
        lines.send(exit_line(i)).unwrap();
    }
    println!("main returns without joining the writer");
}

// ---- helpers ----

/// How long a child scenario may run: it takes about a quarter of a second when the writer is
/// waited for, so this leaves a wide margin on a loaded machine.
const CHILD_LIMIT: Duration = Duration::from_secs(4);

/// Runs child scenario `name` in `dir` ([`CHILD_LIMIT`]) and returns its stdout; fails with the child's
/// stderr when it did not exit cleanly, and reports a `todo!()` in the child as not started.
fn run_scenario(name: &str, dir: &Path) -> String {
    let output = threadlab_harness::run_child(name, dir, CHILD_LIMIT).expect("start the child process");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if predicate::str::contains("not yet implemented").eval(&stderr) {
        todo!("the child process hit a todo!(): {}", stderr.trim());
    }
    expect!(
        output.status.success(),
        "scenario `{name}` in a child process: expected it to exit normally, it ended with {} (killed after \
         {CHILD_LIMIT:?} if it hung); its stderr: {}",
        output.status,
        stderr.trim()
    );
    stdout
}

/// The lines in the exit scenario's file, and how many of them are the expected ones in order.
fn lines_kept(dir: &Path) -> (usize, bool) {
    let text = std::fs::read_to_string(dir.join(EXIT_FILE)).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let in_order = lines.iter().enumerate().all(|(i, line)| *line == exit_line(i));
    (lines.len(), in_order && (text.is_empty() || text.ends_with('\n')))
}

/// Runs the detached control in its own directory: how many lines a writer nobody waits for keeps.
fn detached_control(dir: &Path) -> String {
    let control = dir.join("detached");
    std::fs::create_dir_all(&control).expect("create a directory for the control run");
    run_scenario("detached_then_exit", &control);
    let (kept, _) = lines_kept(&control);
    format!("a detached writer thread in the same setup kept {kept} of {EXIT_LINES}")
}

/// A sink that collects everything written, readable by the test.
#[derive(Debug, Clone, Default)]
struct Collect(Arc<Mutex<Vec<u8>>>);

impl Collect {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Collect {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---- tests ----

fn lines_arrive_in_order_and_close_counts_them() {
    let sink = Collect::default();
    let writer = LogWriter::new(sink.clone());
    let mut expected = String::new();
    for i in 0..100 {
        if i % 2 == 0 {
            writer.log(format!("event {i}"));
        } else {
            writer.log("a &str line");
        }
        expected.push_str(&if i % 2 == 0 {
            format!("event {i}\n")
        } else {
            "a &str line\n".to_owned()
        });
    }
    let closed = writer.close();
    expect!(
        closed.is_ok(),
        "close() on a writer whose sink never fails: expected Ok(100), got {closed:?}"
    );
    expect_eq!(closed.unwrap(), 100, "close() after logging 100 lines");
    expect!(
        sink.text() == expected,
        "the sink after logging \"event 0\", \"a &str line\", \"event 2\", ... (100 lines) and close(): expected \
         each line followed by \\n, in order; got {} bytes starting {:?}",
        sink.text().len(),
        sink.text().chars().take(60).collect::<String>()
    );

    let empty = LogWriter::new(Collect::default()).close();
    expect!(
        matches!(empty, Ok(0)),
        "close() on a writer that logged nothing: expected Ok(0), got {empty:?}"
    );

    let path = std::env::current_dir()
        .expect("a working directory")
        .join("created.log");
    let writer = LogWriter::create(&path);
    expect!(
        writer.is_ok(),
        "LogWriter::create({path:?}) in a writable directory: expected Ok, got {writer:?}"
    );
    let writer = writer.unwrap();
    writer.log("first");
    writer.log(String::from("second"));
    let closed = writer.close();
    expect!(
        matches!(closed, Ok(2)),
        "close() after logging 2 lines to a created file: expected Ok(2), got {closed:?}"
    );
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    expect_eq!(
        text,
        "first\nsecond\n",
        "the file written by LogWriter::create(path) after close()"
    );
}

/// What a [`HoldsUntilFlushed`] sink has seen.
#[derive(Debug, Default)]
struct Held {
    /// Written but not flushed yet: lost if nobody flushes.
    pending: Vec<u8>,
    /// Written and then flushed.
    flushed: Vec<u8>,
    flushes: usize,
}

/// A sink that keeps what it is given until it is flushed, the way a device or an OS buffer does:
/// bytes written but never flushed have not reached the file. Dropping it does not flush it.
#[derive(Debug, Clone, Default)]
struct HoldsUntilFlushed(Arc<Mutex<Held>>);

impl Write for HoldsUntilFlushed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut held = self.0.lock().unwrap();
        let pending = std::mem::take(&mut held.pending);
        held.flushed.extend_from_slice(&pending);
        held.flushes += 1;
        Ok(())
    }
}

/// Lines logged in the flush test: short ones and one longer than any buffer.
fn flush_test_lines() -> Vec<String> {
    (0..30)
        .map(|i| format!("entry {i}"))
        .chain([format!("long {}", "w".repeat(20_000))])
        .collect()
}

/// Ended by `close` or by `drop`, the writer flushes the sink after its last write: a sink that holds
/// what it is given until `flush` has nothing left pending once the writer has let go of it. (That
/// `close` and `drop` wait for the writer is checked by the other tests; waiting here for the sink
/// to be released keeps this test's verdict independent of that.)
fn close_and_drop_flush_the_sink() {
    let lines = flush_test_lines();
    let expected: String = lines.iter().map(|line| format!("{line}\n")).collect();
    for close in [true, false] {
        let ending = if close { "close()" } else { "drop" };
        let sink = HoldsUntilFlushed::default();
        let writer = LogWriter::new(sink.clone());
        for line in &lines {
            writer.log(line.as_str());
        }
        let ended = within_patience(move || {
            if close {
                Some(writer.close())
            } else {
                drop(writer);
                None
            }
        });
        let Some(result) = ended else {
            panic!(
                "{ending} after logging {} lines to a sink that never blocks: expected it to return, still blocked \
                 after {PATIENCE:?}",
                lines.len()
            )
        };
        if let Some(result) = result {
            expect!(
                matches!(result, Ok(n) if n == lines.len() as u64),
                "close() after logging {} lines to a sink that takes every write and flush: expected Ok({}), got \
                 {result:?}",
                lines.len(),
                lines.len()
            );
        }
        // The writer thread's copy of the sink is gone once the writer has let go of it.
        let released = eventually(|| Arc::strong_count(&sink.0) == 1);
        let held = sink.0.lock().unwrap();
        expect!(
            held.pending.is_empty(),
            "LogWriter::new(sink), {} lines logged, then {ending}, with a sink that keeps what it is written until \
             it is flushed: expected the writer thread to flush the sink after the last line, before {ending} \
             returns; {} of the {} bytes written were never flushed ({}, {})",
            lines.len(),
            held.pending.len(),
            held.pending.len() + held.flushed.len(),
            match held.flushes {
                0 => "flush() was never called".to_owned(),
                n => format!("flush() was called {n} times, none after the last write"),
            },
            if released {
                "and the writer thread has dropped the sink".to_owned()
            } else {
                format!("and the writer thread still held the sink {PATIENCE:?} later")
            }
        );
        expect!(
            held.flushed == expected.as_bytes(),
            "the flushed bytes after {} lines and {ending}: expected each line followed by \\n, in order; got {} \
             bytes starting {:?}",
            lines.len(),
            held.flushed.len(),
            String::from_utf8_lossy(&held.flushed)
                .chars()
                .take(60)
                .collect::<String>()
        );
    }
}

/// `create` on a path that already holds a longer file truncates it: the file ends with the new log.
fn create_truncates_an_existing_file() {
    let path = std::env::current_dir()
        .expect("a working directory")
        .join("existing.log");
    let old: String = (0..200)
        .map(|i| format!("old line {i} from an earlier run\n"))
        .collect();
    std::fs::write(&path, &old).expect("write the earlier file");
    let writer = LogWriter::create(&path);
    let Ok(writer) = writer else {
        panic!("LogWriter::create({path:?}) on an existing, writable file: expected Ok, got {writer:?}")
    };
    writer.log("first");
    writer.log("second");
    let closed = writer.close();
    expect!(
        matches!(closed, Ok(2)),
        "close() after logging 2 lines to a file made by LogWriter::create: expected Ok(2), got {closed:?}"
    );
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    expect!(
        text == "first\nsecond\n",
        "LogWriter::create(path) where a file of {} bytes already was, then 2 lines logged and close(): expected \
         the file to hold only the new log, \"first\\nsecond\\n\" (create truncates an existing file); it held {} \
         bytes starting {:?}",
        old.len(),
        text.len(),
        text.chars().take(60).collect::<String>()
    );
}

/// Fails unless a writer that logged nothing closes at once. It runs first in the exit tests, so a
/// `todo!()` marks them not started, and a `close` that never returns is named as such.
fn expect_an_empty_writer_closes() {
    let closed = within_patience(|| LogWriter::new(io::sink()).close());
    expect!(
        closed.is_some(),
        "LogWriter::new(sink) then close() with no line logged: expected close() to return at once, still blocked \
         after {PATIENCE:?} (the writer's loop ends only once every Sender is gone: drop it before the join)"
    );
}

fn close_keeps_every_line_when_the_process_exits() {
    expect_an_empty_writer_closes();
    let dir = std::env::current_dir().expect("a working directory");
    let stdout = run_scenario("close_then_exit", &dir);
    let (kept, in_order) = lines_kept(&dir);
    if kept != EXIT_LINES {
        panic!(
            "a child process logged {EXIT_LINES} lines, called close() and returned from main: expected the file to \
             hold all {EXIT_LINES}, it held {kept} (close() returned before the writer thread had written them: \
             {}). Child's stdout: {}",
            detached_control(&dir),
            stdout.trim()
        );
    }
    expect!(
        in_order,
        "the file after close(): expected the {EXIT_LINES} lines in the order they were logged, each ending in \\n"
    );
    expect!(
        predicate::str::contains(format!("close() returned Ok({EXIT_LINES})")).eval(&stdout),
        "close() after logging {EXIT_LINES} lines: expected Ok({EXIT_LINES}); the child printed {:?}",
        stdout.trim()
    );
}

fn drop_keeps_every_line_when_the_process_exits() {
    expect_an_empty_writer_closes();
    let dir = std::env::current_dir().expect("a working directory");
    let stdout = run_scenario("drop_then_exit", &dir);
    let (kept, in_order) = lines_kept(&dir);
    if kept != EXIT_LINES {
        panic!(
            "a child process logged {EXIT_LINES} lines, dropped the LogWriter without calling close() and returned \
             from main: expected the file to hold all {EXIT_LINES}, it held {kept} (drop returned before the writer \
             thread had written them: {}). Child's stdout: {}",
            detached_control(&dir),
            stdout.trim()
        );
    }
    expect!(
        in_order,
        "the file after drop: expected the {EXIT_LINES} lines in the order they were logged, each ending in \\n"
    );
}

/// Four threads log through one `&LogWriter`; every line arrives once, each thread's in its order.
fn threads_share_one_writer() {
    fn shareable<T: Send + Sync>() {}
    shareable::<LogWriter>();
    let sink = Collect::default();
    let writer = LogWriter::new(sink.clone());
    thread::scope(|s| {
        for t in 0..4 {
            let writer = &writer;
            s.spawn(move || {
                for i in 0..50 {
                    writer.log(format!("{t} {i}"));
                }
            });
        }
    });
    let closed = writer.close();
    expect!(
        matches!(closed, Ok(200)),
        "close() after 4 threads logged 50 lines each: expected Ok(200), got {closed:?}"
    );
    let text = sink.text();
    let mut next = [0u32; 4];
    for line in text.lines() {
        let parsed = line
            .split_once(' ')
            .and_then(|(t, i)| Some((t.parse::<usize>().ok()?, i.parse::<u32>().ok()?)));
        let Some((t, i)) = parsed.filter(|(t, _)| *t < 4) else {
            panic!("4 threads logged lines \"<thread> <n>\"; the sink held an unexpected line {line:?}")
        };
        expect_eq!(
            i,
            next[t],
            "the next line number from thread {t} in the sink (each thread's lines keep their order)"
        );
        next[t] += 1;
    }
    expect_eq!(
        next,
        [50; 4],
        "lines per thread in the sink after 4 threads logged 50 each"
    );
}

/// A sink that refuses every write and every flush; sets its flag when dropped.
#[derive(Debug, Default)]
struct Broken(Arc<AtomicBool>);

impl Drop for Broken {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }

    fn flush(&mut self) -> io::Result<()> {
        Err(io::Error::other("disk on fire"))
    }
}

fn close_reports_a_failed_write() {
    let sink_dropped = Arc::new(AtomicBool::new(false));
    let writer = LogWriter::new(Broken(Arc::clone(&sink_dropped)));
    // Longer than any buffer: the writer hands it to the sink at once and meets the error.
    writer.log("z".repeat(20_000));
    // A writer that ends on its error drops the sink with its thread: wait for that, so the lines
    // below meet a stopped writer. (A writer that stays until close() is fine too; then this wait
    // runs out and the lines below go to it.)
    let _ = eventually(|| sink_dropped.load(Ordering::SeqCst));
    let logged = catch_panic(|| {
        for i in 0..20 {
            writer.log(format!("line {i}"));
        }
    });
    expect!(
        logged.is_ok(),
        "log() after the sink had failed: expected the line to be dropped quietly, but log() panicked: {}",
        logged.unwrap_err()
    );
    match writer.close() {
        Err(error) => expect!(
            error.to_string().contains("disk on fire"),
            "close() on a writer whose sink failed with \"disk on fire\": expected that error, got {error:?}"
        ),
        Ok(count) => panic!(
            "close() on a writer whose every write failed: expected Err(the write error), got Ok({count})"
        ),
    }
    // A sink that fails one write (the one holding "line 3") and takes every other write and every
    // flush: the writer must stop at that first error and close() must return it, not skip the line.
    let sink = FailsOn::new(&["line 3"]);
    let writer = LogWriter::new(sink.clone());
    let logged = catch_panic(|| {
        for i in 0..8 {
            writer.log(format!("line {i}"));
        }
    });
    expect!(
        logged.is_ok(),
        "log() on a writer whose sink failed one write: expected no panic, got {}",
        logged.unwrap_err()
    );
    match writer.close() {
        Err(error) => expect!(
            error.to_string().contains("disk full"),
            "close() on a writer whose sink failed the write of \"line 3\" with \"disk full\" (and would have \
             taken the others): expected that error, the first one it met, got {error:?}"
        ),
        Ok(count) => panic!(
            "close() on a writer whose sink failed the write of \"line 3\" with \"disk full\" (and took every \
             other write and flush): expected Err(disk full), the first write error, got Ok({count}): a failed \
             write must end the writer, not be skipped"
        ),
    }

    let dropped = catch_panic(|| drop(LogWriter::new(Broken::default())));
    expect!(
        dropped.is_ok(),
        "dropping a LogWriter whose sink fails: expected no panic, got {}",
        dropped.unwrap_err()
    );
    let dropped = catch_panic(|| {
        let writer = LogWriter::new(Broken::default());
        writer.log("lost");
        drop(writer);
    });
    expect!(
        dropped.is_ok(),
        "dropping a LogWriter after its sink failed: expected no panic, got {}",
        dropped.unwrap_err()
    );
}

/// A sink whose writes all wait until the test opens its gate.
#[derive(Debug, Clone, Default)]
struct Gated {
    open: Arc<(Mutex<bool>, Condvar)>,
    inner: Collect,
}

impl Gated {
    fn open(&self) {
        *self.open.0.lock().unwrap() = true;
        self.open.1.notify_all();
    }
}

impl Write for Gated {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (open, opened) = &*self.open;
        drop(opened.wait_while(open.lock().unwrap(), |open| !*open).unwrap());
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Short lines logged after the long ones in the test that `log` does not wait for its sink.
const SHORT_LINES: usize = 1500;

/// `log` hands the line over and returns: it must not wait for the sink, which here blocks every
/// write until the test has finished logging.
fn log_does_not_wait_for_the_write() {
    let sink = Gated::default();
    let writer = LogWriter::new(sink.clone());
    // Long lines, so that even a buffered writer passes them on to the sink at once.
    let line = |i: usize| format!("{i} {}", "y".repeat(20_000));
    // Then many short ones: more than any queue bound a writer might set, while the sink stays blocked.
    let short = |i: usize| format!("short line {i}");
    let logged = within_patience(move || {
        for i in 0..20 {
            writer.log(line(i));
        }
        for i in 0..SHORT_LINES {
            writer.log(short(i));
        }
        writer
    });
    sink.open();
    let Some(writer) = logged else {
        panic!(
            "{} calls of log() on a writer whose sink was blocked: expected each to return at once (the writer \
             thread does the writing, and the queue has no bound), still busy after {PATIENCE:?}",
            20 + SHORT_LINES
        )
    };
    let closed = within_patience(move || writer.close());
    let total = 20 + SHORT_LINES as u64;
    expect!(
        matches!(closed, Some(Ok(n)) if n == total),
        "close() after {total} lines were logged and the blocked sink was opened: expected Ok({total}), got {closed:?}"
    );
    let text = sink.inner.text();
    let expected: String = (0..20)
        .map(|i| format!("{}\n", line(i)))
        .chain((0..SHORT_LINES).map(|i| format!("{}\n", short(i))))
        .collect();
    expect!(
        text == expected,
        "the sink after {total} lines and close(): expected them in order, each ending in \\n; got {} bytes",
        text.len()
    );
}

/// What a test sink saw: the bytes it took, the threads that wrote or flushed, whether it was dropped.
#[derive(Debug, Default)]
struct SinkLog {
    bytes: Vec<u8>,
    threads: Vec<thread::ThreadId>,
    failures: usize,
    dropped: bool,
}

/// A sink that fails every write holding one of `markers` (the first failure says "disk full",
/// later ones "still broken") and takes everything else; every flush succeeds.
#[derive(Debug, Clone)]
struct FailsOn {
    markers: Vec<String>,
    log: Arc<Mutex<SinkLog>>,
    /// Only the copy handed to the writer reports its drop.
    owned: bool,
}

impl FailsOn {
    fn new(markers: &[&str]) -> FailsOn {
        FailsOn {
            markers: markers.iter().map(|m| (*m).to_owned()).collect(),
            log: Arc::default(),
            owned: false,
        }
    }

    /// The copy to give to a `LogWriter`.
    fn handed_over(&self) -> FailsOn {
        FailsOn {
            markers: self.markers.clone(),
            log: Arc::clone(&self.log),
            owned: true,
        }
    }
}

impl Write for FailsOn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut log = self.log.lock().unwrap();
        log.threads.push(thread::current().id());
        let text = String::from_utf8_lossy(buf);
        if self.markers.iter().any(|m| text.contains(m.as_str())) {
            log.failures += 1;
            let what = if log.failures == 1 {
                "disk full"
            } else {
                "still broken"
            };
            return Err(io::Error::other(what));
        }
        log.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.log.lock().unwrap().threads.push(thread::current().id());
        Ok(())
    }
}

impl Drop for FailsOn {
    fn drop(&mut self) {
        if self.owned {
            self.log.lock().unwrap_or_else(|e| e.into_inner()).dropped = true;
        }
    }
}

/// One generated case of the differential test.
#[derive(Debug)]
struct LogCase {
    lines: Vec<String>,
    /// The line (index) whose write the sink refuses, if any.
    fails_at: Option<usize>,
    /// Ended with `close()` (else dropped).
    close: bool,
}

fn log_case(g: &mut threadlab_harness::generate::Gen) -> LogCase {
    let long = "x".repeat(10_000);
    let kinds = [
        "",
        "a",
        "ünïcödé ✓",
        "tab\there",
        "two\nlines",
        long.as_str(),
        "numbered",
    ];
    let len = g.count(400);
    let lines: Vec<String> = (0..len)
        .map(|i| match g.pick(&kinds) {
            "numbered" => format!("line {i}"),
            kind => kind.to_owned(),
        })
        .collect();
    let fails_at = (!lines.is_empty() && g.one_in(3)).then(|| g.range(0, lines.len() as u64 - 1) as usize);
    LogCase {
        lines,
        fails_at,
        close: !g.one_in(3),
    }
}

/// The marker that makes the sink refuse the write of a line.
const FAIL: &str = "<the sink refuses this line>";

/// Runs a [`LogCase`] on `$krate::advanced::LogWriter` (the learner's `lesson03` or `reference`) and
/// returns what can be seen from outside, as plain text.
macro_rules! run_log_case {
    ($krate:ident, $case:expr) => {{
        let case: &LogCase = $case;
        let sink = FailsOn::new(&[FAIL]);
        let writer = $krate::advanced::LogWriter::new(sink.handed_over());
        // Nothing is logged after the line the sink refuses: whether the writer has met the failure
        // before the next `log` is up to the scheduler, so a `log` that panics once the writer is
        // gone would fail here on some runs only. The test of close's error logs after a failure
        // it has waited for.
        for (i, line) in case.lines.iter().enumerate() {
            if case.fails_at == Some(i) {
                writer.log(format!("{line}{FAIL}"));
                break;
            }
            writer.log(line.as_str());
        }
        let ended = if case.close {
            match writer.close() {
                Ok(count) => format!("close(): Ok({count})"),
                Err(error) => format!("close(): Err({error})"),
            }
        } else {
            drop(writer);
            "dropped".to_owned()
        };
        let log = sink.log.lock().unwrap();
        let caller = thread::current().id();
        let mut threads = log.threads.clone();
        threads.dedup();
        let bytes = if case.fails_at.is_some() {
            "(not compared: the sink failed)".to_owned()
        } else {
            String::from_utf8_lossy(&log.bytes).into_owned()
        };
        vec![
            ended,
            format!("what the sink took: {bytes:?}"),
            format!(
                "every write and flush on one thread that is not the caller's: {}",
                threads.len() <= 1 && !threads.contains(&caller)
            ),
            format!(
                "the sink dropped (its writer thread gone) when that returned: {}",
                log.dropped
            ),
        ]
    }};
}

/// Generated logs (no line, one, hundreds; empty lines, non-ASCII, tabs, embedded newlines, lines
/// longer than any buffer; a sink that refuses one line's write; ended by `close()` or by drop) give
/// the same result, the same bytes, writes on one thread of its own, and the writer thread gone
/// when `close` or drop returns, as the reference.
fn logging_matches_the_reference() {
    threadlab_harness::generate::differential(
        31,
        60,
        "what the sink and close() showed, for LogWriter::new(sink), log() of these lines, then close() or drop",
        log_case,
        |c| run_log_case!(lesson03, c),
        |c| run_log_case!(reference, c),
    );
}
