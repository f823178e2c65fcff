//! The runtime linked into every hidden test binary that the grader builds.
//!
//! A hidden suite is one binary per tier, built with `harness = false`; its `main` hands the list of
//! tests to [`main`]. The grader then runs each test in its own process:
//!
//! * `BINARY --list` prints the test names, one per line;
//! * `BINARY --run NAME` reads a fresh key (16 raw bytes) and the result file's path from stdin,
//!   enters the [`sandbox`], runs the test, and writes its outcome to the result file with a MAC over
//!   the test's name and outcome ([`verdict`]). Only a test that returned normally gets `passed`.
//!   Learner code never holds anything it could copy as a pass: the record carries a MAC, not the key;
//!   the key is not in the environment or the arguments, and the sandbox keeps learner code away from
//!   `/proc/self/mem`. So `process::exit(0)`, `abort()`, printing "test ... ok" or writing a record of
//!   its own can never pass a test.
//!
//! # Threat model
//!
//! The attacker writes the tier files of a lesson crate: safe Rust only (the course's `lib.rs` has
//! `#![forbid(unsafe_code)]` and the grader never uses a submission's manifest, so no extra crate and
//! no build script), running inside the test process, in any thread, from the first call into learner
//! code. It can read and write files, start processes (`std::process::Command`), loop, allocate, exit
//! or abort. On Linux with Landlock (5.13+) it cannot:
//! * read the process's memory through `/proc/self/mem` (or anything else under `/proc`, apart from
//!   listing `/proc/self/task`); without `unsafe` there is no other way to read the key (the process
//!   is non-dumpable too, so no other process of its user may read its memory);
//! * write anywhere but the test's own directory (and `TMPDIR` inside it): not the hidden suite, the
//!   test binaries, the grader or its reports;
//! * execute anything, nor read the test binary (whose strings hold the held-back tests' messages);
//!   a suite's child scenarios are started for it by a thread of the harness ([`children`]), and
//!   each child confines itself the same way;
//! * (ABI 6, Linux 6.12+) signal processes outside its sandbox, such as the grader.
//!
//! What the grader adds around it (see `grader/src/grading/sandbox.rs`): a PID namespace per test where the
//! kernel allows one (as root, or unprivileged with user namespaces), so every process the test
//! started, even after `setsid`, is killed before the result is read; as root, a user id of the test's
//! own (never root), swept with `kill(-1)` afterwards where there is no namespace; a process group, a timeout, an output cap and a
//! memory limit everywhere.
//!
//! What it can still do: pass or fail its own tests honestly; fill its own directory; use the network;
//! read world-readable system files. Without Landlock (an old kernel, or not Linux) a determined
//! attacker running as root (never the grader's choice) can read the key from `/proc/self/mem` and
//! forge its own test's record; the report then says `landlock` is unavailable. With `unsafe`
//! allowed every bet is off: code in the same process can do whatever the harness does.
//!
//! [`wait`] has the waiting tools tests share: a patience limit, a poll-until, a call with a time limit
//! and a rendezvous that proves threads overlap.
//!
//! [`explore`] runs a body under shuttle's scheduler (with the `check` feature): many interleavings with
//! a fixed seed, so a lost update or a lock-order deadlock is found on every run, even on one CPU.

pub mod children;
pub mod generate;
pub mod sandbox;
pub mod verdict;
pub mod wait;

pub use sandbox::without_outside_state;
pub use verdict::RESULT_MAGIC;

use std::io::{Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// One hidden test: its name (as in the suite manifest) and its body.
pub type Test = (&'static str, fn());

/// What `todo!()` panics with; a test that hit one is `not_started`, not `failed`.
const TODO_PREFIX: &str = "not yet implemented";

/// Seed for shuttle's random scheduler: fixed, so a run's schedules (and its verdict) repeat exactly.
pub const SEED: u64 = 0x7468_7265_6164_6c61;

static SAW_TODO: AtomicBool = AtomicBool::new(false);
/// Set while [`catch_panic`] runs: the test provokes that panic on purpose, so it is not the verdict.
static EXPECTING_PANIC: AtomicBool = AtomicBool::new(false);
/// Every panic seen while the test ran, in order.
static PANICS: Mutex<Vec<Panic>> = Mutex::new(Vec::new());

struct Panic {
    text: String,
    /// " in thread 'x' (at src/foo.rs:12)"
    place: String,
    expected: bool,
}

/// Entry point of a hidden test binary.
pub fn main(tests: &[Test]) {
    main_with_children(tests, &[]);
}

/// Entry point of a hidden test binary whose tests also start child processes: `BINARY --child NAME
/// ROOT` runs `NAME` from `children` in a sandbox of its own (confined to ROOT, the test's directory)
/// and then returns from `main`, ending the process the way a learner's program ends (threads still
/// running are killed). A test runs one with [`run_child`].
pub fn main_with_children(tests: &[Test], children: &[Test]) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--list"] => {
            let mut out = std::io::stdout().lock();
            for (name, _) in tests {
                let _ = writeln!(out, "{name}");
            }
        }
        ["--run", name] => match tests.iter().find(|(n, _)| n == name) {
            Some((_, body)) => run_one(name, *body, !children.is_empty()),
            None => {
                eprintln!("threadlab-harness: no test named `{name}` in this binary");
                std::process::exit(2);
            }
        },
        ["--child", name, root] => match children.iter().find(|(n, _)| n == name) {
            Some((_, body)) => {
                // Confined like the test that asked for it, to the test's own directory (never
                // the one it runs in, which learner code in the test may have chosen), before any
                // learner code runs.
                let _ = sandbox::enter(std::path::Path::new(root));
                body()
            }
            None => {
                eprintln!("threadlab-harness: no child scenario named `{name}` in this binary");
                std::process::exit(2);
            }
        },
        _ => {
            eprintln!("usage: --list | --run NAME (the grader runs these binaries; use `cargo xtask grade`)");
            std::process::exit(2);
        }
    }
}

fn run_one(name: &str, body: fn(), children: bool) {
    // Read the key before any learner code runs, unbuffered, so no copy stays in stdin's buffer.
    let Some((key, path)) = read_key_and_path() else {
        eprintln!("threadlab-harness: expected a key and `<result-file>` on stdin");
        std::process::exit(2);
    };
    if children {
        // Before the sandbox: the launcher must stay outside it (see `children`).
        children::start_launcher();
    }
    let sandbox = sandbox::enter(std::path::Path::new("."));

    install_panic_recorder();
    let result = panic::catch_unwind(AssertUnwindSafe(body));
    let (outcome, message, code) = match result {
        Ok(()) => ("passed", String::new(), 0),
        Err(payload) => {
            let message = verdict(&payload_text(&*payload));
            let outcome = if SAW_TODO.load(Ordering::SeqCst) {
                "not_started"
            } else {
                "failed"
            };
            (outcome, message, 101)
        }
    };
    let record = verdict::render(&key, name, &sandbox, outcome, &message);
    if std::fs::write(&path, record).is_err() {
        eprintln!("threadlab-harness: cannot write the result file {path}");
        std::process::exit(3);
    }
    // Threads the learner left running must not outlive the verdict.
    std::process::exit(code);
}

/// The key (raw bytes) and the result file's path (a line) that the grader writes on stdin.
fn read_key_and_path() -> Option<([u8; verdict::KEY_LEN], String)> {
    use std::os::fd::AsFd;
    let input = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned().ok()?);
    // The grader closes stdin after the key and the line, so this ends.
    let mut bytes = Vec::with_capacity(512);
    input.take(64 * 1024).read_to_end(&mut bytes).ok()?;
    let (key, line) = bytes.split_at_checked(verdict::KEY_LEN)?;
    let key: [u8; verdict::KEY_LEN] = key.try_into().ok()?;
    let path = String::from_utf8(line.split(|&b| b == b'\n').next()?.to_vec()).ok();
    // No second copy of the key stays on the heap.
    bytes.fill(0);
    std::hint::black_box(&bytes);
    Some((key, path?))
}

/// Records every panic (with where it happened) and whether a `todo!()` was hit.
fn install_panic_recorder() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let text = payload_text(info.payload());
        if text.starts_with(TODO_PREFIX) {
            SAW_TODO.store(true, Ordering::SeqCst);
        }
        let thread = std::thread::current();
        let who = match thread.name() {
            Some("main") | None => String::new(),
            Some(name) => format!(" in thread '{name}'"),
        };
        // A checker's own panics (a deadlock report) point into its sources, which help nobody.
        let at = info
            .location()
            .filter(|l| !l.file().contains("/.cargo/registry/"))
            .map(|l| format!(" (at {}:{})", l.file(), l.line()))
            .unwrap_or_default();
        let expected = EXPECTING_PANIC.load(Ordering::SeqCst);
        PANICS.lock().unwrap_or_else(|e| e.into_inner()).push(Panic {
            text,
            place: format!("{who}{at}"),
            expected,
        });
        default(info);
    }));
}

/// The failure message for the panic that ended the test: its text and where it was raised; when it
/// only passed on another thread's panic (a `join().unwrap()`), that first panic too.
fn verdict(text: &str) -> String {
    let panics = PANICS.lock().unwrap_or_else(|e| e.into_inner());
    let own = panics.iter().find(|p| p.text == text);
    let mut message = format!("{}{}", explain(text), own.map_or("", |p| p.place.as_str()));
    let first_other = panics.iter().find(|p| !p.expected && p.text != text);
    if let Some(first) = first_other.filter(|_| own.is_none() || text.contains("Any {")) {
        message.push_str(&format!("\nfirst panic: {}{}", explain(&first.text), first.place));
    }
    #[cfg(feature = "check")]
    {
        let deadlock = panics.iter().any(|p| p.text.starts_with("deadlock!"));
        if let Some((drawing, json)) =
            threadlab_trace::render::draw(&threadlab_trace::log::snapshot(), deadlock)
        {
            message.push_str(&format!(
                "\n\n{drawing}{}{json}",
                threadlab_trace::render::JSON_MARKER
            ));
        }
    }
    message
}

/// Says what a checker's own panic means, in the learner's terms.
fn explain(text: &str) -> String {
    if text.starts_with("deadlock!") {
        format!(
            "deadlock: every thread was blocked waiting for a lock another one held \
             (found by exploring thread schedules; take locks in one fixed order). Checker said: {text}"
        )
    } else if text.contains("exceeded max_steps bound") {
        format!("a thread never stopped looping (busy-waiting or an endless loop). Checker said: {text}")
    } else {
        text.to_owned()
    }
}

/// Runs `f`, which the test expects may panic, and returns its result or its panic message. Such a
/// panic is not reported as the test's failure (a `todo!()` still marks the test not started).
pub fn catch_panic<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    EXPECTING_PANIC.store(true, Ordering::SeqCst);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    EXPECTING_PANIC.store(false, Ordering::SeqCst);
    result.map_err(|payload| payload_text(&*payload))
}

/// Runs child scenario `name` of this test binary (see [`main_with_children`]) in `dir`, with the
/// environment the test started with, and returns its exit status and what it printed (up to 1 MiB
/// of each stream). A child still running after `limit` is killed, and its status says so.
pub fn run_child(
    name: &str,
    dir: &std::path::Path,
    limit: std::time::Duration,
) -> std::io::Result<std::process::Output> {
    children::run(name, dir, limit)
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "the test panicked with a non-text payload".to_owned()
    }
}

/// Runs `body` under many thread interleavings (the `check` feature: shuttle's random scheduler with
/// the fixed [`SEED`]), or once on real threads without it.
///
/// Inside, `crate::sync` and `crate::thread` of the lesson crate (the checked facade of
/// `threadlab-trace`) are shuttle's, so every lock, atomic access and spawn is a point where the
/// scheduler may switch threads; outside it, they are `std`'s, so a test that needs real threads and
/// real time simply does not call `explore`.
pub fn explore<F>(iterations: usize, body: F)
where
    F: Fn() + Send + Sync + 'static,
{
    // Boxed at once, so shuttle's machinery is compiled into this crate once instead of into every
    // hidden test binary once per test (a lesson05 test crate compiled in 0.19 s instead of 0.29 s).
    explore_boxed(iterations, Box::new(body));
}

fn explore_boxed(iterations: usize, body: Box<dyn Fn() + Send + Sync>) {
    #[cfg(feature = "check")]
    {
        let mut config = shuttle::Config::new();
        // Learner code may keep bigger locals than shuttle's 60 KiB default stack allows.
        config.stack_size = 1 << 20;
        let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(SEED, iterations);
        // The checked facade is shuttle's (and recorded) while this lives: for the whole run, since
        // the threads a body spawns may outlive it, and it is dropped when a failing schedule
        // panics out, so that the facade is `std`'s again for whatever the test does next.
        let _active = threadlab_trace::Active::enter();
        // Each schedule starts a fresh log; the failing one is what is left when shuttle stops.
        shuttle::Runner::new(scheduler, config).run(move || {
            threadlab_trace::log::clear();
            body();
        });
    }
    #[cfg(not(feature = "check"))]
    {
        let _ = iterations;
        body();
    }
}

/// Runs `f` inside an [`explore`] body and counts the threads it started (shuttle numbers its tasks
/// in the order they are created, so two probe threads around `f` tell how many came in between).
/// Lets a test tell "started `threads` threads" from an answer computed without any.
#[cfg(feature = "check")]
pub fn count_spawns<R>(f: impl FnOnce() -> R) -> (R, usize) {
    fn probe() -> usize {
        let id = shuttle::thread::spawn(shuttle::current::get_current_task).join();
        id.ok()
            .flatten()
            .map(usize::from)
            .expect("count_spawns runs inside explore")
    }
    let before = probe();
    let result = f();
    let after = probe();
    (result, after - before - 1)
}

/// Runs `f` on real threads and counts the `std` threads started while it ran (threads the test
/// itself starts at the same time count too). `std` numbers `ThreadId`s in the order threads are
/// created, within this process only, so two probe threads around `f` tell how many came in between,
/// whatever the machine's load or other processes do. Lets a test tell work done on new threads
/// from an answer written down without any.
pub fn count_std_spawns<R>(f: impl FnOnce() -> R) -> (R, u64) {
    fn probe() -> u64 {
        let id = std::thread::spawn(|| std::thread::current().id())
            .join()
            .expect("a probe thread only reads its id");
        // `ThreadId`'s number is unstable API; its Debug form `ThreadId(7)` is what is stable enough.
        format!("{id:?}")
            .trim_start_matches("ThreadId(")
            .trim_end_matches(')')
            .parse()
            .expect("ThreadId's Debug form is `ThreadId(N)`")
    }
    let before = probe();
    let result = f();
    let after = probe();
    (result, after - before - 1)
}

/// Fails the test with "`what`: expected `want`, got `got`" unless the two are equal: by `==` and
/// by their `Debug` text, which is taken from `got` before anything is compared.
///
/// The `Debug` half is for learner code that answers with a type of its own in place of the one
/// the starter declares (a `hits()` that returns `Liar` instead of `u64`): its `PartialEq` can say
/// "equal" to anything, but its `Debug` must then show the right value before it has seen it, which
/// is the work the test asks for. Values of std types (`String` and `&str`, a `Vec` and an array)
/// that are equal show the same text, so they still compare as before.
#[macro_export]
macro_rules! expect_eq {
    ($got:expr, $want:expr, $($what:tt)+) => {{
        let (got, want) = (&$got, &$want);
        if !$crate::equal(got, want) {
            ::core::panic!("{}: expected {:?}, got {:?}", ::core::format_args!($($what)+), want, got);
        }
    }};
}

/// See [`expect_eq!`].
#[doc(hidden)]
pub fn equal<G: PartialEq<W> + std::fmt::Debug, W: std::fmt::Debug>(got: &G, want: &W) -> bool {
    let shown = format!("{got:?}");
    shown == format!("{want:?}") && got == want
}

/// Fails the test with the given message unless the condition holds. The condition is a `bool`,
/// never a learner type whose `!` says "holds".
#[macro_export]
macro_rules! expect {
    ($cond:expr, $($msg:tt)+) => {{
        let holds: bool = $cond;
        if !holds {
            ::core::panic!($($msg)+);
        }
    }};
}

/// Fails to compile unless `$ty`'s `PartialEq` is the derived one: a constant can be a pattern only
/// then. For a learner type that [`expect_eq!`] compares with values of the same type: there its
/// own `Debug` shows both sides, so a hand-written `PartialEq` that says "equal" to anything, with
/// a `Debug` that shows the same text for every value, would pass every comparison.
/// `$value` is any value of the type that a `const` can hold.
#[macro_export]
macro_rules! derived_partial_eq {
    ($ty:ty = $value:expr) => {
        const _: () = {
            const VALUE: $ty = $value;
            #[allow(dead_code)]
            fn structural(value: &$ty) -> bool {
                ::core::matches!(value, &VALUE)
            }
        };
    };
}
