//! The sandbox a test process enters after the harness has read its key and before any learner code
//! runs (Linux with Landlock, kernel 5.13 or later; needs no privileges).
//!
//! What stays reachable, for the test and every thread and process it starts:
//! * read: the system directories a program and its dynamic loader need (`/usr`, `/lib*`, `/bin`,
//!   `/sbin`, `/etc`, `/dev`); `/dev/null` and friends are writable;
//! * everything in the test's own directory (a fresh directory per test, its working directory when
//!   it starts; the grader points `TMPDIR` into it, so `std::env::temp_dir()` works too) but
//!   executing: a program copied there must not run, not even the dynamic loader, which would run
//!   any program it reads (an attack pass ran python through a copy, and python read the key out of
//!   the test's memory);
//! * `/proc/self/task` as a directory listing only (lesson02 counts OS threads with it); nothing else
//!   under `/proc`: no `/proc/self/mem`, `maps`, `environ` or `fd`;
//! * execution: nothing, and no read of the test binary either: a suite's child scenarios are started
//!   by a harness thread outside the sandbox, and each confines itself as a test does
//!   ([`crate::children`]).
//!
//! The process is also made non-dumpable (`PR_SET_DUMPABLE`), so that no other process of its user
//! may read its memory (`process_vm_readv`, ptrace) even where Landlock and Yama would let it.
//!
//! With Landlock ABI 6 (Linux 6.12) the sandbox is also scoped: no signals to processes outside it
//! (the grader) and no connections to abstract Unix sockets made outside it. TCP is left alone so
//! that a lesson's own local servers keep working.
//!
//! Where the kernel has no Landlock, grading still works: the harness reports `unavailable` in the
//! (MAC'd) record and the grader shows it in the report.

use std::fs::File;
use std::sync::OnceLock;

/// Kept open for the whole test, so `/proc/self/task` stays the directory the rule names (procfs
/// makes a new inode each time a directory is looked up afresh).
static TASK_DIR: OnceLock<File> = OnceLock::new();

/// Enters the sandbox, with `root` as the test's own directory; returns the line the record carries:
/// `landlock abi N` or `landlock unavailable: why`.
pub fn enter(root: &std::path::Path) -> String {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with integer arguments only; it changes this process's dumpable flag.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    // The grader's switch for testing its other layers alone (`THREADLAB_NO_LANDLOCK=1`); set before
    // any learner code runs, so learner code cannot use it.
    if std::env::var_os("THREADLAB_LANDLOCK").is_some_and(|v| v == "off") {
        return "landlock disabled by the grader (THREADLAB_NO_LANDLOCK)".to_owned();
    }
    #[cfg(target_os = "linux")]
    {
        match linux::enter(root) {
            Ok(line) => line,
            Err(why) => format!("landlock unavailable: {why}"),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = root;
        "landlock unavailable: not Linux".to_owned()
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::TASK_DIR;
    use landlock::{
        ABI, Access, AccessFs, BitFlags, LandlockStatus, PathBeneath, PathFd, Ruleset, RulesetAttr,
        RulesetCreatedAttr, RulesetStatus, Scope,
    };
    use std::fs::File;

    /// The newest Landlock ABI this sandbox asks for; older kernels get what they support.
    const ABI_WANTED: ABI = ABI::V6;

    const READ_ONLY: [&str; 10] = [
        "/usr",
        "/lib",
        "/lib32",
        "/lib64",
        "/bin",
        "/sbin",
        "/etc",
        "/opt",
        "/dev/urandom",
        "/dev/random",
    ];
    /// Never `/dev/tty`, nor all of `/dev`: a test runs in the grader's session, so its `/dev/tty`
    /// is the terminal the teacher watches, and learner code wrote fake grade lines and escape
    /// sequences (OSC 52 sets the clipboard) onto it.
    const DEVICES: [&str; 3] = ["/dev/null", "/dev/zero", "/dev/full"];

    /// Confines the calling thread (and threads it starts) to no file-system access and no TCP
    /// bind or connect: a ruleset that handles every access right and allows none.
    pub fn shut_out() -> Result<(), String> {
        use landlock::AccessNet;
        Ruleset::default()
            .handle_access(AccessFs::from_all(ABI_WANTED))
            .and_then(|r| r.handle_access(AccessNet::from_all(ABI_WANTED)))
            .and_then(|r| r.scope(Scope::from_all(ABI_WANTED)))
            .and_then(|r| r.create())
            .and_then(|r| r.restrict_self())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub fn enter(root: &std::path::Path) -> Result<String, String> {
        let all = AccessFs::from_all(ABI_WANTED);
        let read: BitFlags<AccessFs> = AccessFs::ReadFile | AccessFs::ReadDir;
        let file_read_write: BitFlags<AccessFs> =
            AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::Truncate;

        // Paths that exist only on some systems are skipped.
        let mut rules: Vec<(PathFd, BitFlags<AccessFs>)> = Vec::new();
        let mut add = |path: &std::path::Path, access: BitFlags<AccessFs>| {
            if let Ok(fd) = PathFd::new(path) {
                rules.push((fd, access));
            }
        };
        for dir in READ_ONLY {
            add(dir.as_ref(), read);
        }
        for device in DEVICES {
            add(device.as_ref(), file_read_write);
        }
        add(root, all & !AccessFs::Execute);
        if let Ok(task) = File::open("/proc/self/task") {
            let _ = TASK_DIR.set(task);
            add("/proc/self/task".as_ref(), AccessFs::ReadDir.into());
        }

        let mut created = Ruleset::default()
            .handle_access(all)
            .and_then(|r| r.scope(Scope::from_all(ABI_WANTED)))
            .and_then(|r| r.create())
            .map_err(|e| e.to_string())?;
        for (fd, access) in rules {
            created = created
                .add_rule(PathBeneath::new(fd, access))
                .map_err(|e| e.to_string())?;
        }
        let status = created.restrict_self().map_err(|e| e.to_string())?;
        match (status.ruleset, status.landlock) {
            (RulesetStatus::NotEnforced, LandlockStatus::NotEnabled) => {
                Err("not enabled in this kernel".into())
            }
            (RulesetStatus::NotEnforced, LandlockStatus::NotImplemented) => {
                Err("not built into this kernel".into())
            }
            (RulesetStatus::NotEnforced, _) => Err("not enforced".into()),
            (_, LandlockStatus::Available { effective_abi, .. }) => {
                // What was enforced: the features of the ABI asked for, or fewer on an older kernel.
                Ok(format!("landlock abi {}", effective_abi.min(ABI_WANTED) as i32))
            }
            (_, _) => Ok("landlock enforced".into()),
        }
    }
}

/// Runs `body` on a thread of its own that can reach no file, directory or TCP port at all, not even
/// the test's own directory (Landlock, which confines one thread where asked; `body`'s threads are
/// the checker's tasks on that same thread, or threads it starts, which inherit the confinement):
/// for a type whose state must live in memory, behind the lesson's `crate::sync`, where the checker
/// sees it change. Its file or socket operations fail with "permission denied". Where the kernel has
/// no Landlock `body` runs unconfined; the test's record says which it was.
pub fn without_outside_state<R: Send>(body: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| {
        let runner = scope.spawn(|| {
            #[cfg(target_os = "linux")]
            let _ = linux::shut_out();
            body()
        });
        match runner.join() {
            Ok(value) => value,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    })
}
