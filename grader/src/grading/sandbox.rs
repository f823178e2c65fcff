//! What the grader puts around each test process so that nothing it starts outlives it and nothing it
//! does reaches the grader's files (Linux; the harness adds Landlock inside, see `SECURITY.md`).
//!
//! * **PID namespace** (as root, or unprivileged where user namespaces are allowed): the test runs as
//!   process 2 of a namespace of its own, under a tiny init (process 1) that waits for it, then kills
//!   and reaps every process left in the namespace, including ones that called `setsid` or left the
//!   process group, before the grader learns that the test ended.
//! * **A network namespace** with the PID one, where the kernel allows it: the test has a loopback
//!   interface of its own (brought up before the test starts), so its local servers work, but no
//!   other test, no classmate's test in a batch and no service of the machine is reachable on
//!   127.0.0.1 (an attack pass had one student's lesson09 code send requests to the others' test
//!   servers, and held-back tests report to a visible one listening on a port).
//! * **A user of its own** (when the grader is root): the test runs under a user id no one else uses
//!   (never root, not even `nobody`, so two tests cannot touch each other's files), its directory is
//!   made its own; where there is no PID namespace, every process of that user is killed with
//!   `kill(-1)` after the test.
//! * Everywhere: a process group killed on timeout, `RLIMIT_DATA`, no core dumps (see `run.rs`).
//!
//! `THREADLAB_NO_LANDLOCK=1`, `THREADLAB_NO_PID_NAMESPACE=1`, `THREADLAB_NO_NET_NAMESPACE=1` and
//! `THREADLAB_NO_OWN_USER=1` in the grader's environment switch one layer off, so tests can show that each layer holds on its own.
//!
//! The chain of processes with a namespace: the grader spawns A, which unshares, forks B (process 1
//! of the new namespace) and exits; B forks C, which drops privileges and execs the test binary. C is
//! not process 1, so its signals behave as usual (a `SIGABRT` from `abort()` kills it). When C ends,
//! B kills and reaps everything else in the namespace and only then writes C's wait status to a pipe
//! the grader reads: so the grader has the test's exit code or signal exactly, and nothing the test
//! started is alive when the grader reads the result. Everything between fork and exec only makes
//! system calls, as `pre_exec` requires.

use serde::Serialize;
use std::io;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The protections that were active for a grade (the report's `sandbox` field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Protections {
    /// What the harness reported from inside the test processes: `abi N` when every test that left
    /// a record ran under Landlock, `unavailable: why` otherwise, empty when no test left a record.
    pub landlock: String,
    /// Every test ran in a PID namespace of its own.
    pub pid_namespace: bool,
    /// Every test ran in a network namespace of its own (its own loopback).
    pub network_namespace: bool,
    /// Every test ran under a user id of its own instead of the grader's (only possible as root).
    pub unprivileged_user: bool,
    /// How a pass is proven: a MAC with a key per test that learner code never sees as text.
    pub verdict: &'static str,
    /// What confined the compiler while it compiled learner code (`grading/compile_sandbox.rs`):
    /// `landlock abi N` or `landlock unavailable: why`; the reduced environment, the limits and the
    /// `[[disallow]]` rules hold either way.
    pub compile: String,
}

impl Protections {
    /// One line for the terminal summary.
    pub fn summary(&self) -> String {
        let landlock = if self.landlock.is_empty() {
            "landlock not reported".to_owned()
        } else {
            format!("landlock {}", self.landlock)
        };
        let pid = match (self.pid_namespace, self.network_namespace) {
            (true, true) => "own PID and network namespaces",
            (true, false) => "own PID namespace",
            _ => "process group only (no PID namespace)",
        };
        let user = if self.unprivileged_user {
            ", own user id"
        } else if is_root() {
            ", running as root (no own user id)"
        } else {
            ""
        };
        let compile = if self.compile.is_empty() {
            String::new()
        } else {
            format!("; compiled under {}", self.compile)
        };
        format!("sandbox: {landlock}, {pid}{user}{compile}")
    }
}

/// What this machine allows, found out once per grader process.
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    pub root: bool,
    /// `unshare` flags that gave a new PID namespace in a probe, if any did (with a network
    /// namespace too where that worked).
    pub namespace_flags: Option<libc::c_int>,
}

impl Capabilities {
    /// Tests get a network namespace of their own.
    pub fn network(&self) -> bool {
        self.namespace_flags.is_some_and(|f| f & libc::CLONE_NEWNET != 0)
    }
}

/// Probes once: is the grader root, and can a child get a PID namespace?
pub fn capabilities() -> Capabilities {
    static CAPABILITIES: OnceLock<Capabilities> = OnceLock::new();
    *CAPABILITIES.get_or_init(|| {
        let root = is_root();
        let flags = if root {
            libc::CLONE_NEWPID
        } else {
            libc::CLONE_NEWUSER | libc::CLONE_NEWPID
        };
        let disabled = switched_off("THREADLAB_NO_PID_NAMESPACE");
        let with_network = flags | libc::CLONE_NEWNET;
        let namespace_flags = if disabled {
            None
        } else if !switched_off("THREADLAB_NO_NET_NAMESPACE") && probe_unshare(with_network) {
            Some(with_network)
        } else {
            probe_unshare(flags).then_some(flags)
        };
        Capabilities {
            root,
            namespace_flags,
        }
    })
}

/// Whether the grader's environment switches a layer off (`NAME=1`): for testing the other layers
/// alone. The report then shows the layer as inactive.
pub fn switched_off(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

/// Forks a child that tries `unshare(flags)` (and, with a network namespace, bringing its loopback
/// up) and reports through its exit status.
fn probe_unshare(flags: libc::c_int) -> bool {
    // SAFETY: the child only makes system calls (unshare, socket, ioctl, _exit) before it ends, as a
    // fork of a multi-threaded process must.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            let mut ok = libc::unshare(flags) == 0;
            if ok && flags & libc::CLONE_NEWNET != 0 {
                ok = loopback_up().is_ok();
            }
            libc::_exit(if ok { 0 } else { 1 });
        }
        if pid < 0 {
            return false;
        }
        let mut status = 0;
        while libc::waitpid(pid, &mut status, 0) < 0 {
            if io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return false;
            }
        }
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    }
}

/// User ids handed to tests: far from any range that distributions or `/etc/subuid` use.
const UID_BASE: u32 = 2_100_000_000;
const UID_RANGE: u32 = 1 << 20;

/// A user id for one test, unique within this grader process and, with high probability, across
/// graders running at the same time.
pub fn fresh_uid() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let salt = std::process::id().wrapping_mul(2_654_435_761) % UID_RANGE;
    UID_BASE + (salt + n.wrapping_mul(7919)) % UID_RANGE
}

/// Makes `dir` (and everything in it) belong to `uid`, readable by nobody else.
pub fn give_dir(dir: &Path, uid: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::iter::once(dir.to_owned())
        .chain(std::fs::read_dir(dir)?.filter_map(|e| e.ok()).map(|e| e.path()))
    {
        std::os::unix::fs::chown(&entry, Some(uid), Some(uid))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Whether a user other than the owner may reach `path` (search every ancestor) and read/execute it.
pub fn reachable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Ok(path) = path.canonicalize() else {
        return false;
    };
    let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode()).unwrap_or(0);
    path.ancestors().skip(1).all(|dir| mode(dir) & 0o001 != 0) && mode(&path) & 0o005 == 0o005
}

/// Kills every process of `uid` (which only tests use): a process of its own that takes that user id
/// sends `kill(-1, SIGKILL)`, which reaches every process the same user owns.
///
/// One call is enough: the kernel walks the process list under its task-list lock, and a process
/// that forks while the signal is on its way gets a pending SIGKILL, which makes the fork fail. (The
/// return value cannot tell whether anything was left: `kill(-1)` succeeds as soon as any other
/// process exists, even one it may not signal.) It is sent twice for good measure.
pub fn sweep_user(uid: u32) {
    // SAFETY: the child only makes system calls (setgid, setuid, kill, _exit).
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            if libc::setgid(uid) != 0 || libc::setuid(uid) != 0 {
                libc::_exit(1);
            }
            libc::kill(-1, libc::SIGKILL);
            libc::kill(-1, libc::SIGKILL);
            libc::_exit(0);
        }
        if pid > 0 {
            let mut status = 0;
            while libc::waitpid(pid, &mut status, 0) < 0
                && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
        }
    }
}

/// What the child does between fork and exec, prepared in the parent (no allocation after fork).
#[derive(Debug, Clone)]
pub struct Launch {
    pub namespace_flags: Option<libc::c_int>,
    /// Run as this user and group (the grader is root).
    pub uid: Option<u32>,
    /// `/proc/self/{setgroups,uid_map,gid_map}` contents for an unprivileged user namespace.
    maps: Option<[Vec<u8>; 3]>,
    /// With a namespace: the write end of [`status_pipe`], where its init reports the test's status.
    pub status_fd: Option<libc::c_int>,
}

impl Launch {
    pub fn new(capabilities: Capabilities, uid: Option<u32>) -> Launch {
        let user_namespace = capabilities
            .namespace_flags
            .is_some_and(|f| f & libc::CLONE_NEWUSER != 0);
        // SAFETY: getuid and getgid cannot fail.
        let (own_uid, own_gid) = unsafe { (libc::getuid(), libc::getgid()) };
        Launch {
            namespace_flags: capabilities.namespace_flags,
            uid,
            status_fd: None,
            maps: user_namespace.then(|| {
                [
                    b"deny\0".to_vec(),
                    format!("{own_uid} {own_uid} 1\0").into_bytes(),
                    format!("{own_gid} {own_gid} 1\0").into_bytes(),
                ]
            }),
        }
    }

    /// Runs in the child after fork: sets up the namespace chain and the user; returns in the process
    /// that goes on to exec the test. Only system calls here.
    ///
    /// # Safety
    /// Call only between fork and exec (from `CommandExt::pre_exec`).
    pub unsafe fn in_child(&self) -> io::Result<()> {
        // SAFETY: every call below is a plain system call on memory this closure owns.
        unsafe {
            if let Some(flags) = self.namespace_flags {
                if libc::unshare(flags) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if let Some([setgroups, uid_map, gid_map]) = &self.maps {
                    write_proc(c"/proc/self/setgroups", setgroups)?;
                    write_proc(c"/proc/self/uid_map", uid_map)?;
                    write_proc(c"/proc/self/gid_map", gid_map)?;
                }
                if flags & libc::CLONE_NEWNET != 0 {
                    loopback_up()?;
                }
                let Some(status_fd) = self.status_fd else {
                    return Err(io::Error::other("a namespace needs a status pipe"));
                };
                let init = libc::fork();
                if init < 0 {
                    return Err(io::Error::last_os_error());
                }
                if init > 0 {
                    // A: done; the grader learns the test's status from B through the pipe.
                    libc::_exit(0);
                }
                // B, process 1 of the namespace. The test must not inherit the status pipe.
                keep_only(status_fd);
                libc::fcntl(3, libc::F_SETFD, libc::FD_CLOEXEC);
                let test = libc::fork();
                if test < 0 {
                    libc::_exit(127);
                }
                if test > 0 {
                    end_namespace(test);
                }
            }
            if let Some(uid) = self.uid {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(uid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        Ok(())
    }
}

/// Brings up the loopback interface of this process's (new) network namespace, which starts down:
/// `SIOCSIFFLAGS` with `IFF_UP` on `lo`. System calls only.
unsafe fn loopback_up() -> io::Result<()> {
    // SAFETY: socket/ioctl/close on a descriptor we own and an `ifreq` on our stack.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut request: libc::ifreq = std::mem::zeroed();
        for (to, from) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *to = *from as libc::c_char;
        }
        let mut done = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut request) == 0;
        if done {
            request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            done = libc::ioctl(fd, libc::SIOCSIFFLAGS, &request) == 0;
        }
        let error = io::Error::last_os_error();
        libc::close(fd);
        if done { Ok(()) } else { Err(error) }
    }
}

unsafe fn write_proc(path: &std::ffi::CStr, text: &[u8]) -> io::Result<()> {
    // SAFETY: open/write/close on a NUL-terminated path and a buffer we own.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let len = text.len() - 1; // without the NUL
        let written = libc::write(fd, text.as_ptr().cast(), len);
        libc::close(fd);
        if written != len as isize {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Closes every descriptor above stderr except `fd`, which becomes descriptor 3: A and B must not
/// hold std's exec-status pipe (the grader's `spawn` waits for it to close) or anything else.
unsafe fn keep_only(fd: libc::c_int) {
    // SAFETY: dup2/close_range/close on descriptors of this process.
    unsafe {
        if fd != 3 {
            libc::dup2(fd, 3);
        }
        if libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32) != 0 {
            for other in 4..4096 {
                libc::close(other);
            }
        }
    }
}

/// Waits for `pid` and returns its wait status.
unsafe fn wait_for(pid: libc::pid_t) -> libc::c_int {
    let mut status = 0;
    // SAFETY: waitpid writes the status into our local.
    unsafe {
        while libc::waitpid(pid, &mut status, 0) < 0 {
            if *libc::__errno_location() != libc::EINTR {
                return 127 << 8;
            }
        }
    }
    status
}

/// Process B (init of the namespace): waits for the test, kills and reaps everything else in the
/// namespace, and only then hands the test's wait status to the grader on descriptor 3.
unsafe fn end_namespace(test: libc::pid_t) -> ! {
    // SAFETY: system calls only; the status buffer is ours.
    unsafe {
        let status = wait_for(test);
        // From process 1, kill(-1) reaches every other process of the namespace.
        libc::kill(-1, libc::SIGKILL);
        let mut other = 0;
        while libc::waitpid(-1, &mut other, libc::__WALL) > 0 || *libc::__errno_location() == libc::EINTR {}
        libc::write(3, (&raw const status).cast(), size_of::<libc::c_int>());
        libc::_exit(0);
    }
}

/// Creates the pipe through which a namespace's init reports the test's wait status: (read, write),
/// both closed on exec.
pub fn status_pipe() -> io::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the array with two new descriptors that we then own.
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        ))
    }
}
