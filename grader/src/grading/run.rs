//! Running hidden tests: one process per test, each with a timeout (its whole process group is
//! killed), a cap on the output kept, a memory limit, the protections of [`crate::sandbox`] (a PID
//! namespace, a user of its own as root), and a fresh key per test that the harness uses to MAC its
//! verdict, so that a pass can only come from the test itself returning (see `SECURITY.md`). Every
//! test process is registered with [`crate::interrupt`], which kills it on Ctrl-C or SIGTERM.

use crate::error::{Error, Result};
use crate::interrupt;
use crate::outcome::{Outcome, Status};
use crate::sandbox::{self, Capabilities, Launch, Protections};
use siphasher::sip128::SipHasher24;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
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
const RESULT_MAGIC: &str = "threadlab-result 2";
/// How long to wait for the output pipes to close once the test process has ended.
const READER_GRACE: Duration = Duration::from_secs(2);
/// The largest result file read (a genuine one is a message of a few kilobytes).
const RECORD_LIMIT: u64 = 1 << 20;
/// Bytes of key per test (must match `threadlab_harness::verdict::KEY_LEN`).
const KEY_LEN: usize = 16;

/// One test to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub test: String,
    pub binary: PathBuf,
    pub timeout: Duration,
    /// A fresh directory: the test's working directory, and where its result file goes.
    pub dir: PathBuf,
    /// A held-back test (Gradescope's `after_due_date`): it starts only once every other test of the
    /// grade has ended, so that none of them can hear from it (over 127.0.0.1, through a socket file
    /// or by finding its directory) and print what it said in a visible test's output.
    pub held_back: bool,
}

/// Runs `jobs` on `workers` threads and calls `done` with each outcome as it arrives (in completion
/// order); returns the outcomes in job order and the protections that were active. Held-back jobs
/// start after every other job has ended ([`Job::held_back`]), each group in the order given.
pub fn run_all(
    jobs: &[Job],
    workers: usize,
    done: &mut dyn FnMut(usize, &Outcome),
) -> Result<(Vec<Outcome>, Protections)> {
    let order: Vec<usize> = (0..jobs.len())
        .filter(|&i| !jobs[i].held_back)
        .chain((0..jobs.len()).filter(|&i| jobs[i].held_back))
        .collect();
    let visible = jobs.iter().filter(|j| !j.held_back).count();
    // How many of the others have ended, and a wake-up for the held-back jobs waiting on them.
    let ended = (Mutex::new(0usize), std::sync::Condvar::new());
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Result<Ran>)>();
    let mut outcomes: Vec<Option<Ran>> = vec![None; jobs.len()];
    std::thread::scope(|s| {
        for _ in 0..workers.max(1).min(jobs.len().max(1)) {
            let tx = tx.clone();
            let (next, order, ended) = (&next, &order, &ended);
            s.spawn(move || {
                let (count, changed) = ended;
                loop {
                    let place = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&index) = order.get(place) else { break };
                    let job = &jobs[index];
                    if job.held_back {
                        let mut count = count.lock().unwrap_or_else(|e| e.into_inner());
                        while *count < visible {
                            count = changed.wait(count).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    let ran = run_sandboxed(job);
                    let sent = tx.send((index, ran)).is_ok();
                    if !job.held_back {
                        *count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                        changed.notify_all();
                    }
                    if !sent {
                        // The grade failed: the jobs nobody takes now count as ended, so that no
                        // worker waits for them.
                        *count.lock().unwrap_or_else(|e| e.into_inner()) = visible;
                        changed.notify_all();
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (index, ran) in rx {
            let ran = ran?;
            done(index, &ran.outcome);
            outcomes[index] = Some(ran);
        }
        Ok::<(), Error>(())
    })?;
    let ran: Vec<Ran> = outcomes
        .into_iter()
        .map(|o| o.expect("every job reports once"))
        .collect();
    let protections = protections(&ran);
    Ok((ran.into_iter().map(|r| r.outcome).collect(), protections))
}

/// How a pass is proven (the report's `sandbox.verdict`).
pub const VERDICT: &str = "siphash-2-4-128 mac, key per test";

/// One test's outcome and how it was protected.
#[derive(Debug, Clone)]
struct Ran {
    outcome: Outcome,
    /// The harness's sandbox line from a genuine record, if there was one.
    sandbox: Option<String>,
    pid_namespace: bool,
    network_namespace: bool,
    own_user: bool,
}

/// What held for every test of a grade.
fn protections(ran: &[Ran]) -> Protections {
    let reported: Vec<&str> = ran.iter().filter_map(|r| r.sandbox.as_deref()).collect();
    let landlock = match reported.iter().find(|line| !line.starts_with("landlock abi ")) {
        Some(other) => other.strip_prefix("landlock ").unwrap_or(other).to_owned(),
        None => reported
            .iter()
            .filter_map(|line| line.strip_prefix("landlock "))
            .min()
            .unwrap_or("")
            .to_owned(),
    };
    Protections {
        landlock,
        pid_namespace: !ran.is_empty() && ran.iter().all(|r| r.pid_namespace),
        network_namespace: !ran.is_empty() && ran.iter().all(|r| r.network_namespace),
        unprivileged_user: !ran.is_empty() && ran.iter().all(|r| r.own_user),
        verdict: VERDICT,
        compile: String::new(),
    }
}

/// Runs one test in its own process group and decides its outcome.
pub fn run_one(job: &Job) -> Result<Outcome> {
    run_sandboxed(job).map(|ran| ran.outcome)
}

fn run_sandboxed(job: &Job) -> Result<Ran> {
    let spawn_error = |source| Error::Spawn {
        test: job.test.clone(),
        source,
    };
    let _ = std::fs::remove_dir_all(&job.dir);
    let tmp = job.dir.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(spawn_error)?;
    let result_file = job.dir.join(".threadlab-result");
    let key = fresh_key().map_err(spawn_error)?;
    let capabilities: Capabilities = sandbox::capabilities();
    // As root, the test gets a user of its own, if that user can reach the binary and its directory.
    let uid = (capabilities.root
        && !sandbox::switched_off("THREADLAB_NO_OWN_USER")
        && sandbox::reachable_by_others(&job.binary)
        && job.dir.parent().is_some_and(sandbox::reachable_by_others))
    .then(sandbox::fresh_uid);
    if let Some(uid) = uid {
        sandbox::give_dir(&job.dir, uid).map_err(spawn_error)?;
    }
    let mut launch = Launch::new(capabilities, uid);
    // With a namespace the test's status comes from the namespace's init, through this pipe.
    let status_pipe = match capabilities.namespace_flags {
        Some(_) => Some(sandbox::status_pipe().map_err(spawn_error)?),
        None => None,
    };
    launch.status_fd = status_pipe.as_ref().map(|(_, write)| write.as_raw_fd());

    let mut command = Command::new(&job.binary);
    command
        .arg("--run")
        .arg(&job.test)
        .current_dir(&job.dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_BACKTRACE", "0")
        .env("TMPDIR", &tmp)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: setrlimit and everything `Launch::in_child` does are plain system calls on memory the
    // closure owns (prepared before the fork).
    unsafe {
        command.pre_exec(move || {
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
            launch.in_child()
        });
    }
    if sandbox::switched_off("THREADLAB_NO_LANDLOCK") {
        command.env("THREADLAB_LANDLOCK", "off");
    }
    let started = Instant::now();
    // Registered, so that Ctrl-C or SIGTERM kills the group (and the test's user) before the grader
    // exits: the terminal's signal never reaches a test in a group of its own.
    let (mut child, registration) = interrupt::spawn(&mut command, uid).map_err(spawn_error)?;
    let pgid = child.id() as libc::pid_t;
    // Only the namespace's init may hold the write end, so its death is an end of file here.
    let status_reader = status_pipe.map(|(read, write)| {
        drop(write);
        std::fs::File::from(read)
    });

    let output = Arc::new(Mutex::new(Capture::default()));
    let (drained_tx, drained) = mpsc::channel::<()>();
    let readers = [
        child.stdout.take().map(|o| Box::new(o) as Box<dyn Read + Send>),
        child.stderr.take().map(|e| Box::new(e) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let output = Arc::clone(&output);
        let drained_tx = drained_tx.clone();
        std::thread::spawn(move || {
            drain(stream, &output);
            let _ = drained_tx.send(());
        })
    })
    .count();
    drop(drained_tx);
    if let Some(mut stdin) = child.stdin.take() {
        // The harness reads the key and this line before any learner code runs; a test that never
        // reads them cannot block us, since they fit in the pipe buffer.
        let mut input = key.to_vec();
        input.extend_from_slice(format!("{}\n", result_file.display()).as_bytes());
        let _ = stdin.write_all(&input);
    }

    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = match status_reader {
            Some(mut reader) => {
                let mut raw = [0u8; 4];
                let reported = reader.read_exact(&mut raw).is_ok();
                // A exited right after starting the namespace; reap it.
                child.wait().map(|_| {
                    if reported {
                        std::process::ExitStatus::from_raw(i32::from_ne_bytes(raw))
                    } else {
                        // The namespace's init was killed (a timeout): so was the test.
                        std::process::ExitStatus::from_raw(libc::SIGKILL)
                    }
                })
            }
            None => child.wait(),
        };
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
    // As root without a namespace, kill whatever of the test's user is still running (a namespace
    // already took care of it: its init leaves only after everything in it is gone).
    if let Some(uid) = uid.filter(|_| capabilities.namespace_flags.is_none()) {
        sandbox::sweep_user(uid);
    }
    // After an interrupt this outcome may be the interrupt's doing: it must not be reported.
    registration.finish();
    let duration = started.elapsed();
    // Every process of the test is gone where a namespace or a user of its own was used; elsewhere a
    // process that left the group may still hold the output pipes, so wait for them only briefly.
    let deadline = Instant::now() + READER_GRACE;
    for _ in 0..readers {
        let left = deadline.saturating_duration_since(Instant::now());
        if drained.recv_timeout(left).is_err() {
            break;
        }
    }
    let capture = std::mem::take(&mut *output.lock().unwrap_or_else(|e| e.into_inner()));
    let output = capture.text();

    let record = read_record(&result_file, &key, &job.test);
    let sandbox = record.as_ref().map(|(_, line)| line.clone());
    let (status, message) = decide(job, timed_out, status, record.map(|(r, _)| r), &output);
    Ok(Ran {
        outcome: Outcome {
            status,
            message,
            output,
            duration,
            reused: false,
        },
        sandbox,
        pid_namespace: capabilities.namespace_flags.is_some(),
        network_namespace: capabilities.network(),
        own_user: uid.is_some(),
    })
}

/// The harness's verdict, if a genuine one was written.
#[derive(Debug, PartialEq, Eq)]
enum Record {
    Passed,
    Failed(String),
    NotStarted(String),
}

/// The verdict in `path` and the harness's sandbox line, if the record's MAC is right for this key
/// and test.
fn read_record(path: &Path, key: &[u8; KEY_LEN], test: &str) -> Option<(Record, String)> {
    use std::os::unix::fs::OpenOptionsExt;
    // Learner code may have put a symlink, a FIFO or a huge file there: read only a regular file of
    // a sane size, never blocking.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    file.take(RECORD_LIMIT).read_to_string(&mut text).ok()?;
    let mut lines = text.splitn(5, '\n');
    if lines.next()? != RESULT_MAGIC {
        return None;
    }
    let sandbox = lines.next()?.strip_prefix("sandbox ")?.to_owned();
    let outcome = lines.next()?.strip_prefix("outcome ")?.to_owned();
    let tag = u128::from_str_radix(lines.next()?.strip_prefix("mac ")?, 16).ok()?;
    let message = lines.next().unwrap_or("").to_owned();
    if tag != mac(key, test, &sandbox, &outcome, &message) {
        return None;
    }
    let record = match outcome.as_str() {
        "passed" => Record::Passed,
        "failed" => Record::Failed(message),
        "not_started" => Record::NotStarted(message),
        _ => return None,
    };
    Some((record, sandbox))
}

/// The harness's MAC (`threadlab_harness::verdict::mac`): SipHash-2-4-128 over the fields, each
/// followed by a NUL.
fn mac(key: &[u8; KEY_LEN], test: &str, sandbox: &str, outcome: &str, message: &str) -> u128 {
    let mut bytes = b"threadlab-verdict\0".to_vec();
    for field in [test, sandbox, outcome, message] {
        bytes.extend_from_slice(field.as_bytes());
        bytes.push(0);
    }
    SipHasher24::new_with_key(key).hash(&bytes).into()
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

/// A key the test process learns only through its stdin, from the kernel's random source.
fn fresh_key() -> std::io::Result<[u8; KEY_LEN]> {
    let mut key = [0u8; KEY_LEN];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    Ok(key)
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

    fn record(key: &[u8; KEY_LEN], test: &str, outcome: &str, message: &str) -> String {
        let tag = mac(key, test, "landlock abi 6", outcome, message);
        format!("{RESULT_MAGIC}\nsandbox landlock abi 6\noutcome {outcome}\nmac {tag:032x}\n{message}")
    }

    #[test]
    fn only_a_record_with_the_right_mac_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r");
        let key = [1u8; KEY_LEN];
        std::fs::write(&path, record(&key, "t", "passed", "")).unwrap();
        let sandbox = "landlock abi 6".to_owned();
        assert_eq!(
            read_record(&path, &key, "t"),
            Some((Record::Passed, sandbox.clone()))
        );
        assert_eq!(read_record(&path, &[2u8; KEY_LEN], "t"), None, "another key");
        assert_eq!(read_record(&path, &key, "u"), None, "another test's record");
        std::fs::write(&path, record(&key, "t", "failed", "expected 4, got 3\nmore")).unwrap();
        assert_eq!(
            read_record(&path, &key, "t"),
            Some((Record::Failed("expected 4, got 3\nmore".into()), sandbox))
        );
        let forged = record(&key, "t", "failed", "x").replace("outcome failed", "outcome passed");
        std::fs::write(&path, forged).unwrap();
        assert_eq!(read_record(&path, &key, "t"), None, "a changed outcome");
        std::fs::write(&path, "test x ... ok\n").unwrap();
        assert_eq!(read_record(&path, &key, "t"), None);
    }

    #[test]
    fn a_symlink_or_a_fifo_in_place_of_the_record_is_no_record_and_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let key = [3u8; KEY_LEN];
        let real = dir.path().join("real");
        std::fs::write(&real, record(&key, "t", "passed", "")).unwrap();
        assert!(read_record(&real, &key, "t").is_some());
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(read_record(&link, &key, "t"), None);
        let fifo = dir.path().join("fifo");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path we own.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert_eq!(read_record(&fifo, &key, "t"), None);
    }

    #[test]
    fn the_report_shows_the_weakest_protection_any_test_had() {
        let ran = |sandbox: Option<&str>, pid_namespace| Ran {
            outcome: Outcome::new(Status::Passed, ""),
            sandbox: sandbox.map(str::to_owned),
            pid_namespace,
            network_namespace: pid_namespace,
            own_user: true,
        };
        let all = protections(&[
            ran(Some("landlock abi 6"), true),
            ran(Some("landlock abi 5"), true),
        ]);
        assert_eq!(
            (all.landlock.as_str(), all.pid_namespace, all.unprivileged_user),
            ("abi 5", true, true)
        );
        let mixed = protections(&[
            ran(Some("landlock abi 6"), true),
            ran(Some("landlock unavailable: not built into this kernel"), false),
            ran(None, true),
        ]);
        assert_eq!(mixed.landlock, "unavailable: not built into this kernel");
        assert!(!mixed.pid_namespace && !mixed.network_namespace);
        assert!(all.network_namespace);
        assert_eq!(protections(&[ran(None, true)]).landlock, "");
    }

    #[test]
    fn the_mac_matches_the_harness_test_vector() {
        let key: [u8; KEY_LEN] = std::array::from_fn(|i| i as u8);
        assert_eq!(
            format!("{:032x}", mac(&key, "t", "landlock abi 6", "passed", "")),
            "de802ab6d8ffa4cd0a5c48e98c35a32d"
        );
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
            held_back: false,
            test: "t".into(),
            binary: script(dir, body),
            timeout: Duration::from_millis(timeout_ms),
            dir: dir.join("run"),
        }
    }

    #[test]
    fn held_back_tests_start_only_once_every_other_test_has_ended() {
        let stamp = "date +%s%N";
        let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
        let jobs: Vec<Job> = dirs
            .iter()
            .enumerate()
            .map(|(i, dir)| {
                // Listed first, the held-back ones would start first on two workers.
                let held_back = i < 2;
                let body = if held_back {
                    format!("echo start $({stamp})")
                } else {
                    format!("sleep 0.{}; echo end $({stamp})", 2 + i)
                };
                Job {
                    held_back,
                    ..job(dir.path(), &body, 10_000)
                }
            })
            .collect();
        let mut finished = Vec::new();
        let (outcomes, _) = run_all(&jobs, 2, &mut |index, _| finished.push(index)).unwrap();
        let at = |outcome: &Outcome, word: &str| -> u128 {
            let line = outcome.output.lines().find(|l| l.starts_with(word)).unwrap();
            line[word.len() + 1..].trim().parse().unwrap()
        };
        let last_end = outcomes[2..].iter().map(|o| at(o, "end")).max().unwrap();
        let first_start = outcomes[..2].iter().map(|o| at(o, "start")).min().unwrap();
        assert!(
            first_start >= last_end,
            "a held-back test started before the others ended"
        );
        assert_eq!(
            &finished[2..]
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>(),
            &[0, 1].into()
        );
    }

    #[test]
    fn a_test_has_a_loopback_of_its_own_and_reaches_no_other() {
        if !sandbox::capabilities().network() {
            eprintln!("no network namespace here: nothing to show");
            return;
        }
        let outside = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = outside.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let body = format!(
            "if bash -c 'echo hi > /dev/tcp/127.0.0.1/{port}' 2>/dev/null; then echo reached; else echo isolated; fi\n\
             python3 -c \"import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); \
             socket.create_connection(s.getsockname()); print('own loopback works')\""
        );
        let outcome = run_one(&job(dir.path(), &body, 10_000)).unwrap();
        assert!(outcome.output.contains("isolated"), "{}", outcome.output);
        assert!(
            outcome.output.contains("own loopback works"),
            "{}",
            outcome.output
        );
    }

    #[test]
    fn a_timeout_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("run/late");
        let body = format!("(sleep 1; touch {}) &\nsleep 30", marker.display());
        let outcome = run_one(&job(dir.path(), &body, 300)).unwrap();
        assert_eq!(outcome.status, Status::TimedOut);
        assert!(
            outcome.message.contains("did not finish within"),
            "{}",
            outcome.message
        );
        std::thread::sleep(Duration::from_millis(1_500));
        assert!(!marker.exists(), "a grandchild outlived the timeout");
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
    fn the_key_arrives_as_raw_bytes_before_the_result_path() {
        let dir = tempfile::tempdir().unwrap();
        // Written into the test's own directory: as root the test runs as another user.
        let seen = dir.path().join("run/seen");
        let body = format!(
            "head -c 16 | od -An -tx1 | tr -d ' \\n' > {0}\nread file\necho \" $file\" >> {0}\nexit 0",
            seen.display()
        );
        let outcome = run_one(&job(dir.path(), &body, 5_000)).unwrap();
        assert_eq!(
            outcome.status,
            Status::Failed,
            "no record is no pass: {outcome:?}"
        );
        let text = std::fs::read_to_string(&seen).unwrap_or_else(|e| panic!("{e}: {outcome:?}"));
        let (hex, path) = text.trim().split_once(' ').unwrap();
        assert_eq!(hex.len(), 32, "{text}");
        assert!(path.ends_with("run/.threadlab-result"), "{text}");
    }

    #[test]
    fn keys_differ_every_time() {
        let keys: std::collections::BTreeSet<[u8; KEY_LEN]> =
            (0..100).map(|_| fresh_key().unwrap()).collect();
        assert_eq!(keys.len(), 100);
    }

    #[test]
    fn a_process_that_leaves_the_group_is_gone_when_the_test_ends() {
        if sandbox::capabilities().namespace_flags.is_none() {
            eprintln!("no PID namespace here: only the process group is killed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("run/late");
        let body = format!("setsid sh -c 'sleep 1; touch {}' &\nexit 0", marker.display());
        let outcome = run_one(&job(dir.path(), &body, 5_000)).unwrap();
        assert_eq!(outcome.status, Status::Failed);
        std::thread::sleep(Duration::from_millis(1_500));
        assert!(!marker.exists(), "a setsid grandchild outlived its test");
    }

    #[test]
    fn exit_codes_and_signals_come_through_the_namespace() {
        let dir = tempfile::tempdir().unwrap();
        let outcome = run_one(&job(dir.path(), "exit 7", 5_000)).unwrap();
        assert!(
            outcome.message.contains("exited with code 7"),
            "{}",
            outcome.message
        );
        let outcome = run_one(&job(dir.path(), "kill -SEGV $$", 5_000)).unwrap();
        assert!(outcome.message.contains("SIGSEGV"), "{}", outcome.message);
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
