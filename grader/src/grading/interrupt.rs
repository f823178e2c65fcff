//! Interrupts end everything: on SIGINT, SIGTERM or SIGHUP the grader kills every build and test
//! process it started, waits until they are gone, and only then dies of the signal (a shell shows
//! 130, 143 or 129).
//!
//! The terminal's Ctrl-C reaches only the foreground process group, and a test runs in a group of
//! its own, often in a PID namespace or under a user id of its own (see `sandbox.rs`): left alone, a
//! test that spins kept spinning long after the grader had died. So every child the grader starts
//! goes through [`spawn`] (or [`Registered`] for a command that is run to its end), which gives it a
//! process group of its own and records the group, and the test's user id where it has one. A
//! handler thread then kills each recorded group with SIGKILL (for a namespace that kills its init,
//! and with it the whole namespace), and every process of a recorded user id the way `run.rs` does
//! after a test, then waits until `/proc` shows none of them alive.
//!
//! No result computed from a killed process may be used: once an interrupt began, a thread that
//! finishes waiting for a registered child, or tries to start one, never returns (it parks until the
//! process exits), so no report, gradebook or re-used verdict is written from an outcome the
//! interrupt caused. Writing a result that was complete before the interrupt is guarded by [`defer`]:
//! the exit waits for the write, so a report is never cut in half.
//!
//! Further signals while this runs are read by no one and so are ignored: a second Ctrl-C cannot cut
//! the clean-up short and leave processes behind. The clean-up is bounded ([`STOP_WAIT`]).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest the clean-up waits for killed processes to disappear, and then for writes under
/// [`defer`] to finish; a process stuck in the kernel must not keep the grader alive for ever.
pub const STOP_WAIT: Duration = Duration::from_secs(5);
/// How often the clean-up looks at `/proc` while it waits.
const POLL: Duration = Duration::from_millis(10);

/// What to kill for one child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    /// Its process group (the child is the group's leader).
    group: libc::pid_t,
    /// The user id the test runs under, when it has one of its own.
    uid: Option<u32>,
}

#[derive(Debug)]
struct Registry {
    next: u64,
    children: BTreeMap<u64, Entry>,
    /// Writes under way that the exit waits for (see [`defer`]).
    writes: usize,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 0,
    children: BTreeMap::new(),
    writes: 0,
});
/// Signalled when a write under [`defer`] ends.
static WRITES_DONE: Condvar = Condvar::new();
/// Set once an interrupt began, with the registry locked: a spawn, which checks it under the same
/// lock, either comes before the handler lists the children or does not happen.
static STOPPING: AtomicBool = AtomicBool::new(false);

fn registry() -> MutexGuard<'static, Registry> {
    // The registry stays consistent whatever panicked while it was held (every change is one step).
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts the handler for SIGINT, SIGTERM and SIGHUP (once per process; later calls do nothing).
///
/// signal-hook, not a hand-written `sigaction`: its handler only writes to a pipe (all that is safe
/// in a signal handler), and everything else runs on an ordinary thread that may lock, fork, sleep
/// and read `/proc`; it tells which signal came, so the grader can die of the same one; and it needs
/// only libc, which the grader already uses. `ctrlc` hides the signal's number and pulls in nix.
pub fn install() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if *installed {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            // Only the first signal is acted on; the ones after it stay unread (see the module docs).
            if let Some(signal) = signals.forever().next() {
                stop_everything(signal);
            }
        })?;
    *installed = true;
    Ok(())
}

/// Whether an interrupt has begun.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Parks the calling thread for good when an interrupt has begun: what it was about to do with a
/// killed process's result must not happen, and the handler ends the process.
pub fn checkpoint() {
    if stopping() {
        park_for_ever();
    }
}

fn park_for_ever() -> ! {
    loop {
        std::thread::park();
    }
}

/// A registered child: dropping it (or [`Registration::finish`]) removes it from the registry, which
/// should happen once the child has been waited for.
#[derive(Debug)]
#[must_use = "the child stays registered until this is finished or dropped"]
pub struct Registration {
    id: u64,
}

impl Registration {
    /// The child has been waited for: forget it, and park for good if an interrupt began (its
    /// result may be one the interrupt caused).
    pub fn finish(self) {
        drop(self);
        checkpoint();
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        registry().children.remove(&self.id);
    }
}

/// Spawns `command` as the leader of a process group of its own and registers the group (and `uid`,
/// the user id the child will run under, if it has one of its own) to be killed on an interrupt.
/// After an interrupt began it never returns. Finish the registration once the child was waited for.
pub fn spawn(command: &mut Command, uid: Option<u32>) -> io::Result<(Child, Registration)> {
    command.process_group(0);
    let mut registry = registry();
    if stopping() {
        drop(registry);
        park_for_ever();
    }
    // Spawned under the lock, so an interrupt either sees the new group or comes before the spawn:
    // no child can slip between the handler's list and its kill.
    let child = command.spawn()?;
    let id = registry.next;
    registry.next += 1;
    registry.children.insert(
        id,
        Entry {
            group: child.id() as libc::pid_t,
            uid,
        },
    );
    Ok((child, Registration { id }))
}

/// `Command::output` and `Command::status` for children registered to be killed on an interrupt
/// (cargo, rustc, a test binary's `--list`). Once an interrupt began they never return.
pub trait Registered {
    /// Like `Command::output`: stdin null, stdout and stderr captured (whatever was set before).
    fn registered_output(&mut self) -> io::Result<Output>;
    /// Like `Command::status`, with the stdio the command was given.
    fn registered_status(&mut self) -> io::Result<ExitStatus>;
}

impl Registered for Command {
    fn registered_output(&mut self) -> io::Result<Output> {
        // A process group of its own is a background group: it must not read the terminal.
        self.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let (child, registration) = spawn(self, None)?;
        let output = child.wait_with_output();
        registration.finish();
        output
    }

    fn registered_status(&mut self) -> io::Result<ExitStatus> {
        let (mut child, registration) = spawn(self, None)?;
        let status = child.wait();
        registration.finish();
        status
    }
}

/// Keeps the process alive through a write that must not be cut short (a report, the gradebook):
/// an interrupt that comes meanwhile kills the children at once, but exits only after the guard is
/// dropped. Once an interrupt began it never returns, so nothing is written after it.
#[must_use = "the write is protected only while the guard lives"]
pub fn defer() -> Deferred {
    let mut registry = registry();
    if stopping() {
        drop(registry);
        park_for_ever();
    }
    registry.writes += 1;
    Deferred { _private: () }
}

/// See [`defer`].
#[derive(Debug)]
pub struct Deferred {
    _private: (),
}

impl Drop for Deferred {
    fn drop(&mut self) {
        registry().writes -= 1;
        WRITES_DONE.notify_all();
    }
}

/// The handler: refuse new children, kill the registered ones, wait for them and for writes under
/// way, then die of `signal`.
fn stop_everything(signal: libc::c_int) -> ! {
    let entries: Vec<Entry> = {
        let registry = registry();
        STOPPING.store(true, Ordering::SeqCst);
        registry.children.values().copied().collect()
    };
    let name = signal_hook::low_level::signal_name(signal).unwrap_or("a signal");
    // SIGHUP may mean the terminal is gone: a failed write must not stop the clean-up. Commands
    // that started nothing (`list`, `serve`, a prompt) just end, as they did before.
    if !entries.is_empty() {
        let _ = writeln!(
            io::stderr(),
            "{name}: stopping the grade's build and test processes"
        );
    }
    let left = kill_and_wait(&entries, STOP_WAIT);
    if left > 0 {
        let _ = writeln!(
            io::stderr(),
            "{name}: processes of {left} builds or tests still running after {} s",
            STOP_WAIT.as_secs()
        );
    }
    let registry = registry();
    let _ = WRITES_DONE.wait_timeout_while(registry, STOP_WAIT, |r| r.writes > 0);
    // Dying of the signal itself, not exiting with 128 + signal, is what lets a calling shell script
    // stop too (it continues after a child that merely exited 130); the shell reports 130, 143, 129.
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    std::process::exit(128 + signal);
}

/// Kills every process of `entries` until none is left or `wait` has passed; returns how many
/// entries still had a live process at the end.
fn kill_and_wait(entries: &[Entry], wait: Duration) -> usize {
    let deadline = Instant::now() + wait;
    let mut alive = entries.to_vec();
    while !alive.is_empty() {
        for entry in &alive {
            kill(entry);
        }
        std::thread::sleep(POLL);
        alive = still_alive(&alive);
        if Instant::now() >= deadline {
            break;
        }
    }
    alive.len()
}

/// SIGKILL to the whole group, and to every process of the test's own user id, which may have left
/// the group (`setsid`); sent again on every round, in case a fork raced the one before.
fn kill(entry: &Entry) {
    // SAFETY: killpg only sends a signal.
    unsafe {
        libc::killpg(entry.group, libc::SIGKILL);
    }
    if let Some(uid) = entry.uid {
        crate::sandbox::sweep_user(uid);
    }
}

/// The entries some live process still belongs to: one in the group, or of the user id. Zombies do
/// not count (they run nothing; their parent reaps them).
fn still_alive(entries: &[Entry]) -> Vec<Entry> {
    let mut alive = Vec::new();
    for process in live_processes() {
        for entry in entries {
            let ours = process.group == entry.group || Some(process.uid) == entry.uid;
            if ours && !alive.contains(entry) {
                alive.push(*entry);
            }
        }
    }
    alive
}

/// A process as `/proc` shows it.
#[derive(Debug, Clone, Copy)]
struct Process {
    group: libc::pid_t,
    uid: u32,
}

/// Every process that is not a zombie (or already dead), with its group and user id.
fn live_processes() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| {
            let uid = e.metadata().ok()?.uid();
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let (state, group) = parse_stat(&stat)?;
            (!matches!(state, 'Z' | 'X' | 'x')).then_some(Process { group, uid })
        })
        .collect()
}

/// The state and process group from `/proc/PID/stat`: `pid (comm) state ppid pgrp ...`, where comm
/// may hold spaces and parentheses, so the fields are counted after its last `)`.
fn parse_stat(stat: &str) -> Option<(char, libc::pid_t)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    Some((state, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_is_read_after_the_last_parenthesis_of_the_name() {
        assert_eq!(
            parse_stat("4242 (a) b (c)) S 1 4200 4200 0 -1"),
            Some(('S', 4200))
        );
        assert_eq!(parse_stat("7 (sh) Z 1 7 7"), Some(('Z', 7)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn a_registered_child_leads_its_own_group_and_is_forgotten_when_finished() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let (mut child, registration) = spawn(&mut command, None).unwrap();
        let group = child.id() as libc::pid_t;
        let entry = Entry { group, uid: None };
        assert!(registry().children.values().any(|e| *e == entry));
        assert_eq!(still_alive(&[entry]), [entry]);
        assert_eq!(kill_and_wait(&[entry], STOP_WAIT), 0, "the group is gone");
        assert!(!child.wait().unwrap().success());
        registration.finish();
        assert!(!registry().children.values().any(|e| *e == entry));
    }

    #[test]
    fn killing_a_group_also_ends_the_grandchildren_in_it() {
        // The shell's background sleep is its child, in its group: like rustc under cargo.
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 30 & sleep 30; wait"]);
        let (mut child, registration) = spawn(&mut command, None).unwrap();
        let entry = Entry {
            group: child.id() as libc::pid_t,
            uid: None,
        };
        // Wait until both sleeps run, so the grandchild is really there to be killed.
        let deadline = Instant::now() + STOP_WAIT;
        while live_processes().iter().filter(|p| p.group == entry.group).count() < 3 {
            assert!(Instant::now() < deadline, "the shell never started its sleeps");
            std::thread::sleep(POLL);
        }
        assert_eq!(kill_and_wait(&[entry], STOP_WAIT), 0);
        assert!(still_alive(&[entry]).is_empty());
        let _ = child.wait();
        registration.finish();
    }

    #[test]
    fn registered_output_captures_like_output() {
        let output = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .registered_output()
            .unwrap();
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"err\n");
        assert_eq!(output.status.code(), Some(3));
        let status = Command::new("true").registered_status().unwrap();
        assert!(status.success());
    }
}
