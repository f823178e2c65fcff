//! Running hidden tests: one process per test, each with a timeout (its whole process group is
//! killed), a cap on the output kept, a memory limit, and a secret token that only the harness knows,
//! so that a pass can only come from the test itself returning.

use crate::error::{Error, Result};
use crate::outcome::{Outcome, Status};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Output kept per test (stdout and stderr together); the rest is counted and dropped.
pub const OUTPUT_CAP: usize = 64 * 1024;
/// Memory a test process may allocate (`RLIMIT_DATA`; `RLIMIT_AS` would break thread stacks).
pub const MEMORY_LIMIT: u64 = 2 << 30;
/// First line of a harness result file (must match `threadlab_harness::RESULT_MAGIC`).
const RESULT_MAGIC: &str = "threadlab-result 1";

/// One test to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub test: String,
    pub binary: PathBuf,
    pub timeout: Duration,
    /// A fresh directory: the test's working directory, and where its result file goes.
    pub dir: PathBuf,
}

/// Runs `jobs` on `workers` threads and calls `done` with each outcome as it arrives (in completion
/// order); returns the outcomes in job order.
pub fn run_all(jobs: &[Job], workers: usize, done: &mut dyn FnMut(usize, &Outcome)) -> Result<Vec<Outcome>> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Result<Outcome>)>();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; jobs.len()];
    std::thread::scope(|s| {
        for _ in 0..workers.max(1).min(jobs.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    if tx.send((index, run_one(job))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (index, outcome) in rx {
            let outcome = outcome?;
            done(index, &outcome);
            outcomes[index] = Some(outcome);
        }
        Ok::<(), Error>(())
    })?;
    Ok(outcomes
        .into_iter()
        .map(|o| o.expect("every job reports once"))
        .collect())
}

/// Runs one test in its own process group and decides its outcome.
pub fn run_one(job: &Job) -> Result<Outcome> {
    let spawn_error = |source| Error::Spawn {
        test: job.test.clone(),
        source,
    };
    let _ = std::fs::remove_dir_all(&job.dir);
    std::fs::create_dir_all(&job.dir).map_err(spawn_error)?;
    let result_file = job.dir.join(".threadlab-result");
    let token = fresh_token();

    let mut command = Command::new(&job.binary);
    command
        .arg("--run")
        .arg(&job.test)
        .current_dir(&job.dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            let memory = libc::rlimit {
                rlim_cur: MEMORY_LIMIT,
                rlim_max: MEMORY_LIMIT,
            };
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &memory) != 0
                || libc::setrlimit(libc::RLIMIT_CORE, &no_core) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = command.spawn().map_err(spawn_error)?;
    let pgid = child.id() as libc::pid_t;

    let output = Arc::new(Mutex::new(Capture::default()));
    let readers: Vec<_> = [
        child.stdout.take().map(|o| Box::new(o) as Box<dyn Read + Send>),
        child.stderr.take().map(|e| Box::new(e) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let output = Arc::clone(&output);
        std::thread::spawn(move || drain(stream, &output))
    })
    .collect();
    if let Some(mut stdin) = child.stdin.take() {
        // The harness reads this line before any learner code runs; a test that never reads it
        // cannot block us, since the line fits in the pipe buffer.
        let _ = writeln!(stdin, "{token} {}", result_file.display());
    }

    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        let _ = tx.send(());
        status
    });
    let timed_out = rx.recv_timeout(job.timeout).is_err();
    // Kill the whole group either way: threads end with the process, but a child process the test
    // started would otherwise keep running (and keep our output pipes open).
    // SAFETY: killpg only sends a signal.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
    let status = waiter
        .join()
        .map_err(|_| Error::Cargo("the wait thread panicked".into()))?
        .map_err(spawn_error)?;
    let duration = started.elapsed();
    for reader in readers {
        let _ = reader.join();
    }
    let capture = std::mem::take(&mut *output.lock().unwrap_or_else(|e| e.into_inner()));
    let output = capture.text();

    let record = read_record(&result_file, &token);
    let (status, message) = decide(job, timed_out, status, record, &output);
    Ok(Outcome {
        status,
        message,
        output,
        duration,
    })
}

/// The harness's verdict, if a genuine one was written.
#[derive(Debug, PartialEq, Eq)]
enum Record {
    Passed,
    Failed(String),
    NotStarted(String),
}

fn read_record(path: &Path, token: &str) -> Option<Record> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.splitn(4, '\n');
    if lines.next()? != RESULT_MAGIC || lines.next()? != format!("token {token}") {
        return None;
    }
    let outcome = lines.next()?.strip_prefix("outcome ")?.to_owned();
    let message = lines.next().unwrap_or("").to_owned();
    match outcome.as_str() {
        "passed" => Some(Record::Passed),
        "failed" => Some(Record::Failed(message)),
        "not_started" => Some(Record::NotStarted(message)),
        _ => None,
    }
}

fn decide(
    job: &Job,
    timed_out: bool,
    status: std::process::ExitStatus,
    record: Option<Record>,
    output: &str,
) -> (Status, String) {
    let seconds = job.timeout.as_secs_f64();
    match (timed_out, record, status.code()) {
        (_, Some(Record::Passed), Some(0)) => (Status::Passed, String::new()),
        (_, Some(Record::NotStarted(message)), _) => (Status::NotStarted, format!("not started: {message}")),
        (_, Some(Record::Failed(message)), _) => (Status::Failed, message),
        (_, Some(Record::Passed), _) => (
            Status::Crashed,
            format!(
                "the test finished, but the process then died ({}) before it could exit",
                describe(status)
            ),
        ),
        (true, None, _) => (
            Status::TimedOut,
            format!(
                "did not finish within {seconds:.0} s: look for a deadlock (two threads each waiting for a lock \
                 the other holds, taken in opposite orders), a join on a thread that never ends, or an endless loop"
            ),
        ),
        (false, None, Some(code)) => (
            Status::Failed,
            format!(
                "the test process exited with code {code} before the test finished: calling process::exit (or \
                 returning from main early) never passes a test"
            ),
        ),
        (false, None, None) if output.contains("memory allocation of") => (
            Status::Crashed,
            format!(
                "ran out of memory: a test process may allocate at most {} GiB ({})",
                MEMORY_LIMIT >> 30,
                describe(status)
            ),
        ),
        (false, None, None) if output.contains("has overflowed its stack") => (
            Status::Crashed,
            format!(
                "a thread overflowed its stack: look for endless recursion ({})",
                describe(status)
            ),
        ),
        (false, None, None) => (
            Status::Crashed,
            format!("the test process crashed: {}", describe(status)),
        ),
    }
}

fn describe(status: std::process::ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(libc::SIGABRT)) => "killed by SIGABRT: the process aborted".to_owned(),
        (None, Some(libc::SIGSEGV)) => "killed by SIGSEGV: invalid memory access".to_owned(),
        (None, Some(libc::SIGKILL)) => "killed by SIGKILL".to_owned(),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended without an exit code".to_owned(),
    }
}

/// A secret the test process learns only through its stdin.
fn fresh_token() -> String {
    let mut hasher = RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    hasher.write_u128(now.as_nanos());
    hasher.write_u32(std::process::id());
    let high = hasher.finish();
    hasher.write_u64(RandomState::new().build_hasher().finish());
    format!("{high:016x}{:016x}", hasher.finish())
}

#[derive(Default)]
struct Capture {
    kept: Vec<u8>,
    dropped: usize,
}

impl Capture {
    fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.kept).into_owned();
        if self.dropped > 0 {
            text.push_str(&format!(
                "\n[... {} more bytes of output not kept]\n",
                self.dropped
            ));
        }
        text
    }
}

/// Reads a stream to its end, keeping what fits under [`OUTPUT_CAP`].
fn drain(mut stream: Box<dyn Read + Send>, capture: &Mutex<Capture>) {
    let mut buffer = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
        let mut capture = capture.lock().unwrap_or_else(|e| e.into_inner());
        let room = OUTPUT_CAP.saturating_sub(capture.kept.len()).min(n);
        capture.kept.extend_from_slice(&buffer[..room]);
        capture.dropped += n - room;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_record_with_the_right_token_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r");
        std::fs::write(&path, format!("{RESULT_MAGIC}\ntoken abc\noutcome passed\n")).unwrap();
        assert_eq!(read_record(&path, "abc"), Some(Record::Passed));
        assert_eq!(read_record(&path, "abd"), None);
        std::fs::write(
            &path,
            format!("{RESULT_MAGIC}\ntoken abc\noutcome failed\nexpected 4, got 3\nmore"),
        )
        .unwrap();
        assert_eq!(
            read_record(&path, "abc"),
            Some(Record::Failed("expected 4, got 3\nmore".into()))
        );
        std::fs::write(&path, "test x ... ok\n").unwrap();
        assert_eq!(read_record(&path, "abc"), None);
    }

    /// A stand-in test binary: a shell script (it ignores the `--run NAME` arguments).
    fn script(dir: &Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("fake-test");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn job(dir: &Path, body: &str, timeout_ms: u64) -> Job {
        Job {
            test: "t".into(),
            binary: script(dir, body),
            timeout: Duration::from_millis(timeout_ms),
            dir: dir.join("run"),
        }
    }

    #[test]
    fn a_timeout_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild.pid");
        let body = format!("sleep 30 &\necho $! > {}\nsleep 30", pid_file.display());
        let outcome = run_one(&job(dir.path(), &body, 300)).unwrap();
        assert_eq!(outcome.status, Status::TimedOut);
        assert!(
            outcome.message.contains("did not finish within"),
            "{}",
            outcome.message
        );
        let pid: libc::pid_t = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        // SAFETY: signal 0 only checks whether the process exists.
        while unsafe { libc::kill(pid, 0) } == 0 {
            assert!(
                Instant::now() < deadline,
                "the grandchild {pid} outlived the timeout"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn exiting_early_or_forging_a_result_is_no_pass() {
        let dir = tempfile::tempdir().unwrap();
        let forged = format!(
            "printf '{RESULT_MAGIC}\\ntoken 0123\\noutcome passed\\n' > .threadlab-result\n\
             echo 'test t ... ok'\necho 'test result: ok. 1 passed; 0 failed'\nexit 0"
        );
        let outcome = run_one(&job(dir.path(), &forged, 5_000)).unwrap();
        assert_eq!(outcome.status, Status::Failed, "{outcome:?}");
        assert!(
            outcome
                .message
                .contains("exited with code 0 before the test finished"),
            "{}",
            outcome.message
        );
        assert!(
            outcome.output.contains("test result: ok"),
            "the output is kept for the report"
        );

        let aborted = run_one(&job(dir.path(), "kill -ABRT $$", 5_000)).unwrap();
        assert_eq!(aborted.status, Status::Crashed);
        assert!(aborted.message.contains("SIGABRT"), "{}", aborted.message);
    }

    #[test]
    fn a_flood_of_output_is_capped_and_the_test_still_ends() {
        let dir = tempfile::tempdir().unwrap();
        let outcome = run_one(&job(dir.path(), "yes flooding | head -c 5000000\nexit 3", 10_000)).unwrap();
        assert_eq!(outcome.status, Status::Failed);
        assert!(outcome.output.len() < OUTPUT_CAP + 100);
        assert!(outcome.output.contains("more bytes of output not kept"));
    }

    #[test]
    fn the_harness_gets_its_token_on_stdin_and_a_matching_record_passes() {
        let dir = tempfile::tempdir().unwrap();
        let body = format!(
            "read token file\nprintf '{RESULT_MAGIC}\\ntoken %s\\noutcome passed\\n' \"$token\" > \"$file\"\nexit 0"
        );
        let outcome = run_one(&job(dir.path(), &body, 5_000)).unwrap();
        assert_eq!((outcome.status, outcome.message.as_str()), (Status::Passed, ""));
    }

    #[test]
    fn tokens_differ_every_time() {
        let tokens: std::collections::BTreeSet<String> = (0..100).map(|_| fresh_token()).collect();
        assert_eq!(tokens.len(), 100);
        assert!(tokens.iter().all(|t| t.len() == 32));
    }

    #[test]
    fn output_beyond_the_cap_is_counted_not_kept() {
        let capture = Mutex::new(Capture::default());
        drain(
            Box::new(std::io::repeat(b'x').take(OUTPUT_CAP as u64 + 10)),
            &capture,
        );
        let capture = capture.into_inner().unwrap();
        assert_eq!((capture.kept.len(), capture.dropped), (OUTPUT_CAP, 10));
        assert!(
            capture
                .text()
                .ends_with("[... 10 more bytes of output not kept]\n")
        );
    }
}
