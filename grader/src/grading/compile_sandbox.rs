//! The compile step's sandbox: learner code is untrusted at compile time too.
//!
//! `include_str!`, `#[path]` modules and `#[debugger_visualizer]` read files while rustc runs,
//! `env!` reads its environment, and const evaluation can loop or allocate without end. So cargo
//! runs the rustc of every staged crate through the grader's own executable
//! (`RUSTC_WORKSPACE_WRAPPER`; the dependencies, the course's trusted crates, are not workspace
//! members and build as usual), which, before it starts the compiler:
//! - narrows what it can read to the crate's own staged sources, the toolchain, the system's
//!   libraries and the dependency artifacts, and what it can write to the output directories
//!   (Landlock, where the kernel has it; the grader's checkout, the hidden suite of another crate,
//!   `solutions/` and other students' folders are out of reach);
//! - clears the environment but for what rustc and the linker need (`PATH`, cargo's `CARGO_*`
//!   variables for the crate, a private `TMPDIR`);
//! - limits memory (`RLIMIT_DATA`) and wall time, and reports a crossed limit as an error
//!   diagnostic in rustc's JSON format, so cargo files it under the tier like any compile error;
//! - compiles a learner's library with `clippy-driver`, which enforces the `[[disallow]]` rules on
//!   resolved paths (`grading/disallow.rs`).
//!
//! The policy (which package may read what) is written by staging into the staged workspace and
//! named by [`POLICY_VAR`] in cargo's environment.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Names the policy file in the environment cargo hands the wrapper.
pub const POLICY_VAR: &str = "THREADLAB_COMPILE_POLICY";

/// The grader's environment may shorten the limits (the CLI tests do; a course author may lengthen
/// them for a slow machine).
pub const TIME_LIMIT_VAR: &str = "THREADLAB_COMPILE_TIME_LIMIT_SECS";
pub const MEMORY_LIMIT_VAR: &str = "THREADLAB_COMPILE_MEMORY_LIMIT_MIB";

/// One crate's rustc gets this long: a tier library or test binary compiles in a few seconds on a
/// loaded two-core machine, so a minute is a wide margin.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// And this much data memory: the largest staged crate (lesson09's tests, linking ureq) peaks at
/// about 400 MiB of rustc heap.
const MEMORY_LIMIT_MIB: u64 = 2048;
/// And no file it writes may be larger than this.
const MAX_FILE_MIB: u64 = 256;

/// What the wrapper allows, per staged package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    /// By cargo package name.
    pub crates: BTreeMap<String, CratePolicy>,
    /// The compiler's `TMPDIR`.
    pub tmp: PathBuf,
    pub time_limit_secs: u64,
    pub memory_limit_mib: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CratePolicy {
    /// Files and directories the compiler may read besides the toolchain, the system and the
    /// dependency artifacts cargo names on its command line.
    pub read: Vec<PathBuf>,
    /// A learner's library: compile with `clippy-driver`, which reads the `[[disallow]]` rules from
    /// `clippy.toml` beside the package's manifest.
    pub clippy: bool,
    /// What the crate is, for messages: "the beginner tier's library".
    pub label: String,
}

impl Policy {
    /// The limits the grader's environment asks for, or the defaults.
    pub fn new(tmp: PathBuf) -> Policy {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Policy {
            crates: BTreeMap::new(),
            tmp,
            time_limit_secs: var(TIME_LIMIT_VAR, TIME_LIMIT.as_secs()),
            memory_limit_mib: var(MEMORY_LIMIT_VAR, MEMORY_LIMIT_MIB),
        }
    }
}

/// The program cargo must run as the workspace wrapper: the grader's own executable, which calls
/// [`wrap_if_asked`] first thing in `main`. Set by the front end; a program that never set it
/// (a test binary) cannot build learner code, rather than build it outside the sandbox.
static WRAPPER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Declares that this process's executable serves as the compile wrapper (it calls
/// [`wrap_if_asked`] at the start of `main`).
pub fn set_wrapper(exe: PathBuf) {
    let _ = WRAPPER.set(exe);
}

pub fn wrapper() -> Option<&'static Path> {
    WRAPPER.get().map(PathBuf::as_path)
}

/// In the wrapper's role (cargo started this executable with [`POLICY_VAR`] set), compiles and
/// exits with the compiler's status; in the linker's (a pipelined replay's test binary, see
/// [`LINK_GATE_VAR`]), waits for the gate and becomes the linker; otherwise returns at once.
pub fn wrap_if_asked() {
    // The gate's name reaches the wrapper and its second process too, on its way to the compiler
    // and its linker: their own roles come first.
    if let Some(jail) = std::env::var_os(JAIL_VAR) {
        std::process::exit(enter_jail(&jail));
    }
    if let Some(policy) = std::env::var_os(POLICY_VAR) {
        std::process::exit(wrap(Path::new(&policy)));
    }
    if let Some(gate) = std::env::var_os(LINK_GATE_VAR) {
        std::process::exit(link_after_gate(Path::new(&gate)));
    }
}

/// Names, in a hidden-test binary's compile, a file whose lock the grader holds until the tier's
/// library is built: self-study's replay (`replay`) starts that compile as soon as the library's
/// metadata exists, and has rustc run this executable as its linker, which waits here so that the
/// binary is linked with the finished library, never without it.
pub const LINK_GATE_VAR: &str = "THREADLAB_LINK_GATE";

/// Names, in a hidden-test binary's compile, a file whose lock the grader holds until the tier
/// library's metadata is written: that compile is started early so that its sandbox is ready, and
/// its compiler starts once the gate opens (see `replay`).
pub const START_GATE_VAR: &str = "THREADLAB_START_GATE";

/// The system's C compiler driver, which rustc runs as the linker unless told otherwise.
const LINKER: &str = "cc";

/// In the linker's role: waits until the grader releases the gate, then becomes `cc` with the
/// arguments rustc gave.
fn link_after_gate(gate: &Path) -> i32 {
    use std::os::unix::process::CommandExt;
    // If the compiler that started this linker is stopped (its time limit) while this waits, this
    // must not link afterwards, beside the rebuild that follows; the signal stays set across exec.
    // SAFETY: plain system calls with no memory passed.
    unsafe {
        let parent = libc::getppid();
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() != parent {
            return 2;
        }
    }
    if let Err(e) = std::fs::File::open(gate).and_then(|file| crate::prune::flock(&file, libc::LOCK_SH)) {
        eprintln!("threadlab: cannot wait at the link gate {}: {e}", gate.display());
        return 2;
    }
    let error = Command::new(LINKER)
        .args(std::env::args_os().skip(1))
        .env_remove(LINK_GATE_VAR)
        .exec();
    eprintln!("threadlab: cannot start the linker `{LINKER}`: {error}");
    2
}

/// Names, in the environment of the wrapper's second process, what it must confine itself to
/// before it becomes the compiler (see [`Jail`]).
const JAIL_VAR: &str = "THREADLAB_COMPILE_JAIL";

/// The compiler's confinement, handed from the wrapper to the process that becomes the compiler:
/// the wrapper itself stays outside it, to move a learner library's outputs from its private
/// directory into cargo's shared one once the compiler is done.
#[derive(Debug, Serialize, Deserialize)]
struct Jail {
    landlock: bool,
    program: PathBuf,
    args: Vec<OsString>,
    toolchain: PathBuf,
    /// Read (files, and directories with everything in them).
    read: Vec<PathBuf>,
    /// Listed only: cargo's dependency directories, whose files are read one by one.
    list: Vec<PathBuf>,
    /// Executed besides the toolchain and the system: this executable, as a pipelined test binary's
    /// linker (see [`LINK_GATE_VAR`]).
    #[serde(default)]
    exec: Vec<PathBuf>,
    /// A gate to wait at before becoming the compiler (see [`START_GATE_VAR`]).
    #[serde(default)]
    start_gate: Option<PathBuf>,
    /// Read and written.
    write: Vec<PathBuf>,
    memory_limit_mib: u64,
    /// Where to say what Landlock did.
    status: PathBuf,
}

/// The second process: confines itself as `jail` says, then becomes the compiler.
fn enter_jail(jail: &std::ffi::OsStr) -> i32 {
    use std::os::unix::process::CommandExt;
    let Some(jail) = jail.to_str().and_then(|j| serde_json::from_str::<Jail>(j).ok()) else {
        eprintln!("threadlab: the compile jail's description cannot be read");
        return 2;
    };
    // Without Landlock (an old kernel) the limits and the reduced environment still hold;
    // SECURITY.md says what is then exposed, and the report says which it was.
    let restricted = if jail.landlock {
        restrict(&jail.toolchain, &jail.read, &jail.list, &jail.exec, &jail.write)
    } else {
        Err("switched off".to_owned())
    };
    let landlock = match restricted {
        Ok(abi) => format!("landlock abi {abi}"),
        Err(why) => format!("landlock unavailable: {why}"),
    };
    let _ = std::fs::write(&jail.status, landlock);
    limit_memory(jail.memory_limit_mib);
    if let Some(gate) = &jail.start_gate
        && let Err(e) = std::fs::File::open(gate).and_then(|file| crate::prune::flock(&file, libc::LOCK_SH))
    {
        eprintln!("threadlab: cannot wait at the start gate {}: {e}", gate.display());
        return 2;
    }
    let error = Command::new(&jail.program)
        .args(&jail.args)
        .env_remove(JAIL_VAR)
        .exec();
    eprintln!("threadlab: cannot start the compiler: {error}");
    2
}

fn wrap(policy_path: &Path) -> i32 {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let Some((rustc, rest)) = args.split_first() else {
        eprintln!("threadlab: the compile wrapper was started without a compiler to run");
        return 2;
    };
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let policy: Option<Policy> = std::fs::read_to_string(policy_path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    let Some(policy) = policy else {
        eprintln!(
            "threadlab: cannot read the compile policy {}",
            policy_path.display()
        );
        return 2;
    };
    let compiles = rest.iter().any(|a| a == "--crate-name");
    let Some(krate) = policy.crates.get(&package).filter(|_| compiles) else {
        // cargo's questions to the compiler (`-vV`, `--print …`) compile nothing.
        return status_code(Command::new(rustc).args(rest).status());
    };
    let (rustc, sysroot) = toolchain(rustc);
    let rustc = rustc.as_os_str();

    let mut command = if krate.clippy {
        {
            let driver = sysroot.join("bin").join("clippy-driver");
            if !driver.is_file() {
                diagnostic(
                    "threadlab::clippy_missing",
                    &format!(
                        "{} cannot be checked: the grader checks what exercise files use with clippy, \
                         which this Rust toolchain does not have; install it with \
                         `rustup component add clippy` and grade again",
                        krate.label
                    ),
                );
                return 1;
            }
            let mut command = Command::new(driver);
            // Wrapper mode (the first argument is rustc), as `cargo clippy` runs it; clippy's own
            // lints stay quiet but for the forbidden ones on the tier modules, and disallowed macros
            // called at item level, which clippy reports at the crate's level, not the module's (a
            // warning the build reads as a refusal when it is in a tier file: see `compile`).
            command
                .arg(rustc)
                .args(rest)
                .args(["-A", "clippy::all", "-W", "clippy::disallowed_macros"]);
            command
        }
    } else {
        let mut command = Command::new(rustc);
        command.args(rest);
        command
    };
    let inherited: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    command.env_clear();
    // Only a hidden-test binary's compile links through the gate; a learner's library never has one.
    let gated = !krate.clippy && std::env::var_os(LINK_GATE_VAR).is_some();
    for (key, value) in inherited {
        if key.to_str().is_some_and(kept_variable) || (gated && key == LINK_GATE_VAR) {
            command.env(key, value);
        }
    }
    let _ = std::fs::create_dir_all(&policy.tmp);
    command.env("TMPDIR", &policy.tmp);

    let mut read = krate.read.clone();
    let mut list = Vec::new();
    let mut write = vec![policy.tmp.clone()];
    // A learner's library runs learner code while it compiles: it writes into a directory of its
    // own and reads of cargo's shared one only the libraries it may depend on, never another
    // crate's outputs (a compiled hidden-test binary holds its messages, another student's
    // library their code). The hidden tests' crate runs none and keeps cargo's directories.
    let (program_args, moved) = if krate.clippy {
        let (args, moved) = isolate(
            command.get_args().map(OsString::from).collect(),
            &package,
            &mut read,
            &mut list,
            &mut write,
        );
        (args, Some(moved))
    } else {
        arguments_paths(rest, &mut read, &mut write);
        (command.get_args().map(OsString::from).collect(), None)
    };
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("threadlab: the compile wrapper cannot find its own executable");
        return 2;
    };
    let jail = Jail {
        // The switch the CLI tests use to show what holds without Landlock.
        landlock: std::env::var_os("THREADLAB_NO_LANDLOCK").is_none(),
        program: PathBuf::from(command.get_program()),
        args: program_args,
        toolchain: sysroot.clone(),
        read,
        list,
        exec: if gated { vec![exe.clone()] } else { Vec::new() },
        start_gate: (!krate.clippy)
            .then(|| std::env::var_os(START_GATE_VAR))
            .flatten()
            .map(PathBuf::from),
        write,
        memory_limit_mib: policy.memory_limit_mib,
        status: status_file(&policy.tmp, &package),
    };
    let envs: Vec<(OsString, OsString)> = command
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
        .collect();
    let mut command = Command::new(exe);
    command
        .env_clear()
        .envs(envs)
        .env(JAIL_VAR, serde_json::to_string(&jail).unwrap_or_default());

    let limit = Duration::from_secs(policy.time_limit_secs);
    command.stderr(std::process::Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("threadlab: cannot start the compiler: {e}");
            return 2;
        }
    };
    let forwarder = child.stderr.take().map(forward_bounded);
    let pid = child.id() as libc::pid_t;
    let done = std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let watchdog = {
        let done = std::sync::Arc::clone(&done);
        std::thread::spawn(move || {
            let (finished, wake) = &*done;
            let guard = finished.lock().unwrap_or_else(|e| e.into_inner());
            let (guard, timeout) = wake
                .wait_timeout_while(guard, limit, |finished| !*finished)
                .unwrap_or_else(|e| e.into_inner());
            if timeout.timed_out() && !*guard {
                // SAFETY: signals a child this process started and has not reaped yet (the main
                // thread reaps it only after setting `finished`, under the same lock).
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
                return true;
            }
            false
        })
    };
    // Waits without reaping, so the watchdog never signals a recycled pid.
    wait_exited(pid);
    {
        let (finished, wake) = &*done;
        *finished.lock().unwrap_or_else(|e| e.into_inner()) = true;
        wake.notify_all();
    }
    let timed_out = watchdog.join().unwrap_or(false);
    let status = child.wait();
    if let Some(forwarder) = forwarder {
        let _ = forwarder.join();
    }
    // What a stopped compiler left is dropped; a finished one's outputs (also after an error:
    // cargo may want its dep-info) go where cargo expects them.
    use std::os::unix::process::ExitStatusExt as _;
    let finished = !timed_out && status.as_ref().is_ok_and(|s| s.signal().is_none());
    if let Some(moved) = &moved {
        moved.finish(finished);
    }
    if timed_out {
        diagnostic(
            "threadlab::compile_time",
            &format!(
                "compiling {} took over {} s, so it was stopped: look for a `const` or `static` whose \
                 value never finishes computing (a loop in a const fn), or a huge array built at \
                 compile time",
                krate.label, policy.time_limit_secs
            ),
        );
        return 1;
    }
    if let Ok(status) = &status {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(libc::SIGXFSZ) {
            if moved.is_none() {
                remove_oversized(rest);
            }
            diagnostic(
                "threadlab::compile_output",
                &format!(
                    "compiling {} was stopped: the compiler wrote a file over {MAX_FILE_MIB} MiB, the \
                     limit while compiling exercise files (a huge `const` or `static` array?)",
                    krate.label
                ),
            );
            return 1;
        }
        if let Some(signal) = status.signal() {
            diagnostic(
                "threadlab::compile_crashed",
                &format!(
                    "the compiler stopped (signal {signal}) while compiling {}: it may have needed \
                     over {} MiB of memory, the limit while compiling exercise files (a huge \
                     `const` or `static` array?)",
                    krate.label, policy.memory_limit_mib
                ),
            );
            return 1;
        }
    }
    status_code(status)
}

/// Where the wrapper leaves, per package, what Landlock did for its last compile.
pub(crate) fn status_file(tmp: &Path, package: &str) -> PathBuf {
    tmp.join(format!("landlock-{package}"))
}

/// What protected the compile of `packages` the last time each was compiled, for the report:
/// `landlock abi 6` when every one ran under Landlock, otherwise the first reason it did not;
/// empty when none was ever compiled through the wrapper.
pub fn status(tmp: &Path, packages: &[String]) -> String {
    let mut seen: Vec<String> = packages
        .iter()
        .filter_map(|p| std::fs::read_to_string(status_file(tmp, p)).ok())
        .collect();
    seen.sort();
    seen.dedup();
    match seen.iter().find(|s| !s.starts_with("landlock abi ")) {
        Some(other) => other.clone(),
        None => seen.into_iter().next().unwrap_or_default(),
    }
}

/// How many error and how many other diagnostics of one compiler run reach cargo, and how long one
/// may be: cargo's output ends up in the grader's memory, and a learner's macro can make the
/// compiler print a million errors (65 536 took 600 MB of the grader) or one of a hundred megabytes.
const MAX_ERRORS: usize = 50;
const MAX_OTHERS: usize = 50;
const MAX_LINE: usize = 256 * 1024;

/// Copies the compiler's stderr (its JSON messages, for cargo) to this process's stderr, keeping
/// the first [`MAX_ERRORS`] errors and [`MAX_OTHERS`] other diagnostics and no line over
/// [`MAX_LINE`] bytes; says at the end how many were left out. Artifact notices and other lines
/// pass as they are.
fn forward_bounded(from: std::process::ChildStderr) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        use std::io::Write;
        let mut reader = std::io::BufReader::new(from);
        let (mut errors, mut others) = (0, 0);
        // Left out: errors (and lines too long to read, errors as a rule), other diagnostics.
        let (mut errors_out, mut others_out) = (0, 0);
        let mut line = Vec::new();
        while let Ok(Some(whole)) = read_line_bounded(&mut reader, &mut line, MAX_LINE) {
            let message: Option<serde_json::Value> =
                whole.then(|| serde_json::from_slice(&line).ok()).flatten();
            let kind = message.as_ref().and_then(|m| m["$message_type"].as_str());
            // A `[[disallow]]` lint refuses the tier even as a warning (a macro called at item
            // level): it counts as an error, so no number of warnings before it can push it out.
            let refusal = message
                .as_ref()
                .and_then(|m| m["code"]["code"].as_str())
                .is_some_and(|code| code.starts_with("clippy::disallowed_"));
            let level = message.as_ref().and_then(|m| m["level"].as_str());
            let keep = match (whole, kind, if refusal { Some("error") } else { level }) {
                (false, ..) => {
                    errors_out += 1;
                    false
                }
                (_, Some("diagnostic"), Some("error")) => {
                    errors += 1;
                    errors_out += usize::from(errors > MAX_ERRORS);
                    errors <= MAX_ERRORS
                }
                (_, Some("diagnostic"), _) => {
                    others += 1;
                    others_out += usize::from(others > MAX_OTHERS);
                    others <= MAX_OTHERS
                }
                _ => true,
            };
            if keep {
                let _ = std::io::stderr().lock().write_all(&line);
            }
        }
        if errors_out + others_out > 0 {
            let message = format!(
                "{} compiler message(s) were left out: a crate shows its first {MAX_ERRORS} errors \
                 and {MAX_OTHERS} warnings, none of them over {} KiB",
                errors_out + others_out,
                MAX_LINE / 1024
            );
            let level = if errors_out > 0 { "error" } else { "warning" };
            let line = serde_json::json!({
                "$message_type": "diagnostic",
                "message": message,
                "code": { "code": "threadlab::output_cut", "explanation": null },
                "level": level,
                "spans": [],
                "children": [],
                "rendered": format!("{level}: {message}\n"),
            });
            eprintln!("{line}");
        }
    })
}

/// Reads one line (with its newline) into `line`, keeping at most `max` bytes of it; the rest of a
/// longer line is read and dropped. `Some(true)` for a whole line, `Some(false)` for a cut one,
/// `None` at the end.
fn read_line_bounded(
    reader: &mut impl std::io::BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    line.clear();
    let mut whole = true;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok((!line.is_empty() || !whole).then_some(whole));
        }
        let (chunk, ends) = match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => (&buffer[..=at], true),
            None => (buffer, false),
        };
        let room = max.saturating_sub(line.len());
        if chunk.len() > room {
            whole = false;
        }
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        reader.consume(used);
        if ends {
            return Ok(Some(whole));
        }
    }
}

/// After the compiler was stopped for writing a file over [`MAX_FILE_MIB`]: removes what it left in
/// its output directory, the files of that size (or the temporary directory holding one). Nothing
/// else a staged crate writes comes near it, so other compilers' files there are left alone.
fn remove_oversized(args: &[OsString]) {
    let Some(out_dir) = args
        .iter()
        .position(|a| a == "--out-dir")
        .and_then(|i| args.get(i + 1))
    else {
        return;
    };
    let oversized = |path: &Path| {
        std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() >= MAX_FILE_MIB * 1024 * 1024)
    };
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if oversized(&path) {
            let _ = std::fs::remove_file(&path);
        } else if entry.file_type().is_ok_and(|t| t.is_dir())
            && std::fs::read_dir(&path).is_ok_and(|inner| inner.flatten().any(|e| oversized(&e.path())))
        {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// The compiler to run and its toolchain's root (whose `bin/` has `clippy-driver`). cargo names
/// rustup's compiler by its full path, but a distribution's cargo (or `RUSTC=rustc`) by a bare
/// name, which may be rustup's proxy: then the compiler says where its sysroot is, and that
/// sysroot's own `rustc` runs (the sandbox would not let a proxy elsewhere start it). Before, a
/// bare name made every tier "cannot be checked: install clippy".
fn toolchain(rustc: &std::ffi::OsStr) -> (PathBuf, PathBuf) {
    let path = PathBuf::from(rustc);
    if let Some(root) = path
        .parent()
        .and_then(Path::parent)
        .filter(|root| !root.as_os_str().is_empty())
    {
        return (path.clone(), root.to_owned());
    }
    let asked = Command::new(&path)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    match asked {
        Some(root) if root.join("bin").join("rustc").is_file() => (root.join("bin").join("rustc"), root),
        _ => (path, PathBuf::new()),
    }
}

/// Waits until the child `pid` has exited, leaving it to be reaped.
fn wait_exited(pid: libc::pid_t) {
    loop {
        // SAFETY: a zeroed siginfo_t is a valid out-parameter for waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waits for this process's own child without reaping it (WNOWAIT).
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

fn status_code(status: std::io::Result<std::process::ExitStatus>) -> i32 {
    match status {
        Ok(status) => status.code().unwrap_or(1),
        Err(e) => {
            eprintln!("threadlab: cannot run the compiler: {e}");
            2
        }
    }
}

/// What the compiler keeps of the wrapper's environment: `PATH` (the linker), and the variables
/// cargo sets for the crate (`env!("CARGO_PKG_NAME")` is ordinary Rust). Everything else, a
/// token, a secret, a `RUSTC_BOOTSTRAP`, stays out of `env!`'s reach.
fn kept_variable(name: &str) -> bool {
    name == "PATH"
        || name.starts_with("CARGO_PKG_")
        || [
            "CARGO",
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_MAKEFLAGS",
            "CARGO_RUSTC_CURRENT_DIR",
        ]
        .contains(&name)
}

/// A learner library's outputs, written into a directory of its own, and where cargo wants them.
#[derive(Debug)]
struct Moved {
    private: PathBuf,
    to: PathBuf,
}

impl Moved {
    /// Moves every output into cargo's directory (`publish`), or drops them; then removes the
    /// private directory.
    fn finish(&self, publish: bool) {
        if publish && let Ok(entries) = std::fs::read_dir(&self.private) {
            for entry in entries.flatten() {
                let _ = std::fs::rename(entry.path(), self.to.join(entry.file_name()));
            }
        }
        let _ = std::fs::remove_dir_all(&self.private);
    }
}

/// Rewrites a learner library's command line: its outputs go to a fresh directory of its own
/// (beside cargo's `deps/`, moved there by [`Moved::finish`]) and its incremental caches to one of
/// its own; of cargo's dependency directories it may list the files but read only the libraries
/// of the course's dependencies (never a `lesson…` or `reference` library, never a binary), and
/// the files `--extern` names.
fn isolate(
    mut args: Vec<OsString>,
    package: &str,
    read: &mut Vec<PathBuf>,
    list: &mut Vec<PathBuf>,
    write: &mut Vec<PathBuf>,
) -> (Vec<OsString>, Moved) {
    let mut moved = Moved {
        private: PathBuf::new(),
        to: PathBuf::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let next = args.get(i + 1).map(|n| n.to_string_lossy().into_owned());
        match (args[i].to_str(), next) {
            (Some("--out-dir"), Some(dir)) => {
                let to = PathBuf::from(&dir);
                let private = to.parent().unwrap_or(&to).join("threadlab-private").join(package);
                let _ = std::fs::remove_dir_all(&private);
                let _ = std::fs::create_dir_all(&private);
                args[i + 1] = private.clone().into_os_string();
                write.push(private.clone());
                moved = Moved { private, to };
            }
            (Some("-C"), Some(option)) if option.starts_with("incremental=") => {
                let own = PathBuf::from(&option["incremental=".len()..]).join(format!("threadlab-{package}"));
                args[i + 1] = format!("incremental={}", own.display()).into();
                write.push(own);
            }
            (Some("-L"), Some(search)) => {
                let dir = PathBuf::from(search.split_once('=').map_or(search.as_str(), |(_, d)| d));
                if let Ok(entries) = std::fs::read_dir(&dir) {
                    read.extend(
                        entries
                            .flatten()
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .filter(|name| is_dependency_library(name))
                            .map(|name| dir.join(name)),
                    );
                }
                list.push(dir);
            }
            (Some("--extern"), Some(named)) => {
                if let Some((_, path)) = named.split_once('=') {
                    read.push(PathBuf::from(path));
                }
            }
            _ => {}
        }
        i += 1;
    }
    (args, moved)
}

/// A library of one of the course's dependencies in cargo's `deps/`: `lib<name>-<hash>.rlib`
/// (`.rmeta`, `.so`), but not a staged lesson library or the reference (another student's code,
/// the answers).
fn is_dependency_library(name: &str) -> bool {
    name.starts_with("lib")
        && [".rlib", ".rmeta", ".so"].iter().any(|e| name.ends_with(e))
        && !name.starts_with("liblesson")
        && !name.starts_with("libreference")
}

/// The paths cargo's command line names: outputs (`--out-dir`, `-C incremental=`) are written,
/// dependencies (`-L dependency=`, `--extern name=path`) read.
fn arguments_paths(args: &[OsString], read: &mut Vec<PathBuf>, write: &mut Vec<PathBuf>) {
    let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    for (i, arg) in args.iter().enumerate() {
        let next = args.get(i + 1);
        match arg.as_str() {
            "--out-dir" => write.extend(next.map(PathBuf::from)),
            "-L" => {
                if let Some(dir) = next.map(|n| n.split_once('=').map_or(n.as_str(), |(_, d)| d)) {
                    read.push(PathBuf::from(dir));
                }
            }
            "--extern" => {
                if let Some((_, path)) = next.and_then(|n| n.split_once('=')) {
                    read.push(PathBuf::from(path));
                }
            }
            "-C" => {
                if let Some(dir) = next.and_then(|n| n.strip_prefix("incremental=")) {
                    write.push(PathBuf::from(dir));
                }
            }
            _ => {}
        }
    }
}

/// Prints an error in rustc's JSON diagnostic format (cargo passes `--error-format=json` and files
/// such lines under the crate's package), with its plain rendering for a human reader.
fn diagnostic(code: &str, message: &str) {
    let line = serde_json::json!({
        "$message_type": "diagnostic",
        "message": message,
        "code": { "code": code, "explanation": null },
        "level": "error",
        "spans": [],
        "children": [],
        "rendered": format!("error: {message}\n"),
    });
    eprintln!("{line}");
}

fn limit_memory(mib: u64) {
    let bytes = mib.saturating_mul(1024 * 1024) as libc::rlim_t;
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: setrlimit with a valid struct; it only lowers this process's (and its children's)
    // limits. Core dumps of a crashing compiler are of no use here either.
    unsafe {
        libc::setrlimit(libc::RLIMIT_DATA, &limit);
        // No file the compiler or the linker writes may pass this (a `static` of 600 MiB left
        // 1.9 GB of library behind, per tier and per student); the largest a staged crate
        // writes is under 20 MB.
        let file = (MAX_FILE_MIB * 1024 * 1024) as libc::rlim_t;
        libc::setrlimit(
            libc::RLIMIT_FSIZE,
            &libc::rlimit {
                rlim_cur: file,
                rlim_max: file,
            },
        );
        libc::setrlimit(
            libc::RLIMIT_CORE,
            &libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            },
        );
    }
}

/// The system's read-only places: libraries, the linker and its configuration.
const SYSTEM: [&str; 8] = [
    "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/opt",
];
/// The devices the compiler and the linker may use; never all of `/dev`, whose `/dev/tty` is the
/// terminal the grader runs in: `include_str!("/dev/tty")` read what the teacher typed into a
/// student's compile error.
const DEVICES: [&str; 5] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/urandom",
    "/dev/random",
];

/// Restricts this process and the compiler it becomes: read (and execute) the system and the
/// toolchain, read `read`, list `list`; read and write `write` and a few devices; nothing else. Signals and abstract sockets
/// outside the sandbox are scoped away where the kernel can.
#[cfg(target_os = "linux")]
fn restrict(
    toolchain: &Path,
    read: &[PathBuf],
    list: &[PathBuf],
    exec: &[PathBuf],
    write: &[PathBuf],
) -> Result<i32, String> {
    use landlock::{
        ABI, Access, AccessFs, BitFlags, LandlockStatus, PathBeneath, PathFd, Ruleset, RulesetAttr,
        RulesetCreatedAttr, RulesetStatus, Scope,
    };
    const ABI_WANTED: ABI = ABI::V6;
    let all = AccessFs::from_all(ABI_WANTED);
    let reading: BitFlags<AccessFs> = AccessFs::ReadFile | AccessFs::ReadDir | AccessFs::Execute;
    let devices: BitFlags<AccessFs> = AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::Truncate;
    let mut rules: Vec<(PathFd, BitFlags<AccessFs>)> = Vec::new();
    let mut add = |path: &Path, access: BitFlags<AccessFs>| {
        if let Ok(fd) = PathFd::new(path) {
            // A file gets only the rights a file can have.
            let access = if path.is_dir() {
                access
            } else {
                access & AccessFs::from_file(ABI_WANTED)
            };
            rules.push((fd, access));
        }
    };
    for dir in SYSTEM {
        add(Path::new(dir), reading);
    }
    add(toolchain, reading);
    for device in DEVICES {
        add(Path::new(device), devices);
    }
    for path in read {
        add(path, AccessFs::ReadFile | AccessFs::ReadDir);
    }
    for dir in list {
        add(dir, AccessFs::ReadDir.into());
    }
    for program in exec {
        add(program, reading);
    }
    for path in write {
        let _ = std::fs::create_dir_all(path);
        add(path, all);
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
        (RulesetStatus::NotEnforced, LandlockStatus::NotEnabled) => Err("not enabled in this kernel".into()),
        (RulesetStatus::NotEnforced, LandlockStatus::NotImplemented) => {
            Err("not built into this kernel".into())
        }
        (RulesetStatus::NotEnforced, _) => Err("not enforced".into()),
        (_, LandlockStatus::Available { effective_abi, .. }) => Ok(effective_abi.min(ABI_WANTED) as i32),
        (_, _) => Ok(0),
    }
}

#[cfg(not(target_os = "linux"))]
fn restrict(
    _toolchain: &Path,
    _read: &[PathBuf],
    _list: &[PathBuf],
    _exec: &[PathBuf],
    _write: &[PathBuf],
) -> Result<i32, String> {
    Err("not Linux".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_the_compiler_needs_is_kept_of_the_environment() {
        for kept in ["PATH", "CARGO_PKG_NAME", "CARGO_MAKEFLAGS", "CARGO_MANIFEST_DIR"] {
            assert!(kept_variable(kept), "{kept}");
        }
        for dropped in [
            "HOME",
            "GITHUB_TOKEN",
            "RUSTC_BOOTSTRAP",
            "CARGO_REGISTRY_TOKEN",
            "THREADLAB_COMPILE_POLICY",
            "LD_PRELOAD",
        ] {
            assert!(!kept_variable(dropped), "{dropped}");
        }
    }

    #[test]
    fn a_bare_compiler_name_is_resolved_to_its_toolchain() {
        assert_eq!(
            toolchain(std::ffi::OsStr::new("/opt/rust/bin/rustc")),
            (PathBuf::from("/opt/rust/bin/rustc"), PathBuf::from("/opt/rust"))
        );
        // The `rustc` on PATH (rustup's proxy here) names its toolchain.
        let (rustc, root) = toolchain(std::ffi::OsStr::new("rustc"));
        assert!(
            rustc.is_file() && rustc.starts_with(&root) && root.join("bin").is_dir(),
            "{rustc:?} in {root:?}"
        );
    }

    #[test]
    fn long_lines_are_cut_and_read_to_their_end() {
        let text = format!("short\n{}\nlast", "x".repeat(100));
        let mut reader = std::io::BufReader::with_capacity(7, text.as_bytes());
        let mut line = Vec::new();
        let mut lines = Vec::new();
        while let Some(whole) = read_line_bounded(&mut reader, &mut line, 10).unwrap() {
            lines.push((String::from_utf8(line.clone()).unwrap(), whole));
        }
        assert_eq!(
            lines,
            [
                ("short\n".to_owned(), true),
                ("xxxxxxxxxx".to_owned(), false),
                ("last".to_owned(), true)
            ]
        );
    }

    #[test]
    fn outputs_are_written_and_dependencies_read() {
        let args: Vec<OsString> = [
            "--crate-name",
            "x",
            "--out-dir",
            "/t/debug/deps",
            "-C",
            "incremental=/t/debug/incremental",
            "-L",
            "dependency=/t/debug/deps",
            "--extern",
            "lesson05=/t/debug/deps/liblesson05-1.rlib",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        let (mut read, mut write) = (Vec::new(), Vec::new());
        arguments_paths(&args, &mut read, &mut write);
        assert_eq!(
            write,
            [
                PathBuf::from("/t/debug/deps"),
                PathBuf::from("/t/debug/incremental")
            ]
        );
        assert_eq!(
            read,
            [
                PathBuf::from("/t/debug/deps"),
                PathBuf::from("/t/debug/deps/liblesson05-1.rlib")
            ]
        );
    }
}
