//! What a tier file may not use, as clippy configuration.
//!
//! The rules of a suite (`[[disallow]]`) and the grader's own (no `include!`, `env!` and their
//! kin in exercise files) become each tier library's `clippy.toml`, and the compile step builds the
//! learner's library with `clippy-driver` (`grading/compile_sandbox.rs`). Clippy's
//! `disallowed_types`, `disallowed_methods` and `disallowed_macros` match the compiler's resolved
//! paths: `r#std::sync::Mutex`, `std` handed to a macro as `$root:ident`, `use std::include as
//! inc;`, a course module's re-export and a type alias are all the same item to them, where a scan of
//! tokens sees only spellings. The lints are forbidden on each tier module's declaration (see
//! `stage::lib_root`), so a tier file cannot allow them again.
//!
//! Alternatives weighed: a token deny-list (what this replaces; three tricks got around it);
//! `RUSTC_BOOTSTRAP` with `-Zunpretty=mir` to read resolved calls (unstable output, a nightly flag
//! on a stable toolchain); shadowing `std` in the crate root (`core` is always in the extern
//! prelude, so `core::sync::atomic` stays reachable). Clippy ships with rustup's default profile
//! and costs one driver in place of rustc for one small crate.

use crate::suite::Suite;
use crate::tier::Tier;

/// Every thread, lock, atomic and channel type of `std::sync` and `std::thread`. `core` and
/// `alloc` name the same items (`std` re-exports them), and clippy matches the item, not the name.
///
/// Not `Arc` and `Weak`: the checked facade's `Arc` *is* `std::sync::Arc` (shuttle re-exports it,
/// a reference count is no scheduling point), so refusing std's would refuse `crate::sync::Arc`,
/// which the lessons tell learners to use; and shared ownership alone can race on nothing.
///
/// Not `LocalKey` either: the facade's `thread_local!` keeps a `std` thread-local for real threads
/// beside the checker's, so its expansion in a learner's file names `std::thread::LocalKey`, and
/// refusing the type would refuse `crate::thread::thread_local!`. A std thread-local can only be
/// made by `std::thread_local!`, which stays refused (`STD_SYNC_AND_THREAD_MACROS`).
const STD_SYNC_AND_THREAD_TYPES: &[&str] = &[
    "std::sync::Mutex",
    "std::sync::MutexGuard",
    "std::sync::RwLock",
    "std::sync::RwLockReadGuard",
    "std::sync::RwLockWriteGuard",
    "std::sync::Condvar",
    "std::sync::Barrier",
    "std::sync::Once",
    "std::sync::OnceLock",
    "std::sync::LazyLock",
    "std::sync::mpsc::Sender",
    "std::sync::mpsc::SyncSender",
    "std::sync::mpsc::Receiver",
    "std::sync::atomic::AtomicBool",
    "std::sync::atomic::AtomicI8",
    "std::sync::atomic::AtomicI16",
    "std::sync::atomic::AtomicI32",
    "std::sync::atomic::AtomicI64",
    "std::sync::atomic::AtomicIsize",
    "std::sync::atomic::AtomicU8",
    "std::sync::atomic::AtomicU16",
    "std::sync::atomic::AtomicU32",
    "std::sync::atomic::AtomicU64",
    "std::sync::atomic::AtomicUsize",
    "std::sync::atomic::AtomicPtr",
    "std::thread::Builder",
    "std::thread::JoinHandle",
    "std::thread::Scope",
    "std::thread::ScopedJoinHandle",
];

/// The free functions of `std::sync` and `std::thread` that start, block or order threads.
const STD_SYNC_AND_THREAD_FUNCTIONS: &[&str] = &[
    "std::thread::spawn",
    "std::thread::scope",
    "std::thread::sleep",
    "std::thread::yield_now",
    "std::thread::park",
    "std::thread::park_timeout",
    "std::thread::current",
    "std::sync::mpsc::channel",
    "std::sync::mpsc::sync_channel",
    "std::sync::atomic::fence",
    "std::sync::atomic::compiler_fence",
];

const STD_SYNC_AND_THREAD_MACROS: &[&str] = &["std::thread_local"];

/// Where a program can keep state that outlives one call, outside its own memory: files (and the
/// directory tree: a name that exists or not is a bit), pipes, sockets, child processes, and the
/// process-wide environment and working directory. None is a `crate::sync` operation, so under the
/// checker a counter kept in a file (read it, then write it back) loses updates that no schedule the
/// checker tries can show: it passes the race tests it should fail.
///
/// Not refused, because no state can be read back through them: `std::process::exit` and `abort`
/// (a test process that ends early fails), `std::env::var` (the environment cannot be set),
/// stdout and stderr (written, never read), stdin (the tests' is empty). A type is refused by name
/// where a value cannot be had without naming it (a `File` comes from `File`, `OpenOptions` or an
/// `OwnedFd` converted by naming `File`); a value handed out by a function or method that names no
/// refused type (`Path::read_dir`'s `ReadDir`) is refused through that function, in the list below.
const STD_FS_PROCESS_AND_NET_TYPES: &[&str] = &[
    "std::fs::File",
    "std::fs::OpenOptions",
    "std::fs::DirBuilder",
    "std::fs::ReadDir",
    "std::io::PipeReader",
    "std::io::PipeWriter",
    "std::process::Command",
    "std::process::Child",
    "std::net::TcpStream",
    "std::net::TcpListener",
    "std::net::UdpSocket",
    "std::os::unix::net::UnixStream",
    "std::os::unix::net::UnixListener",
    "std::os::unix::net::UnixDatagram",
];

const STD_FS_PROCESS_AND_NET_FUNCTIONS: &[&str] = &[
    "std::fs::read",
    "std::fs::read_to_string",
    "std::fs::write",
    "std::fs::read_dir",
    "std::fs::metadata",
    "std::fs::symlink_metadata",
    "std::fs::exists",
    "std::fs::remove_file",
    "std::fs::remove_dir",
    "std::fs::remove_dir_all",
    "std::fs::create_dir",
    "std::fs::create_dir_all",
    "std::fs::copy",
    "std::fs::rename",
    "std::fs::hard_link",
    "std::fs::read_link",
    "std::fs::canonicalize",
    "std::fs::set_permissions",
    "std::os::unix::fs::symlink",
    // `symlink`'s old name, still there (deprecated).
    "std::fs::soft_link",
    "std::os::unix::fs::chown",
    "std::os::unix::fs::lchown",
    "std::os::unix::fs::fchown",
    "std::os::unix::fs::chroot",
    // `Path`'s own ways into the file system (a `PathBuf` reaches them through `Deref`): they name
    // no `std::fs` item, and `read_dir` hands out a `ReadDir` without the file naming the type.
    "std::path::Path::exists",
    "std::path::Path::try_exists",
    "std::path::Path::is_file",
    "std::path::Path::is_dir",
    "std::path::Path::is_symlink",
    "std::path::Path::metadata",
    "std::path::Path::symlink_metadata",
    "std::path::Path::read_link",
    "std::path::Path::read_dir",
    "std::path::Path::canonicalize",
    "std::io::pipe",
    "std::env::set_var",
    "std::env::remove_var",
    "std::env::set_current_dir",
];

const FS_PROCESS_AND_NET_WHY: &str = "keep shared state in memory, behind `crate::sync`: the tests see \
                                      your threads only at `crate::sync` operations, so state in a \
                                      file, a pipe, a socket, another process or an environment \
                                      variable changes where they cannot look, and a race on it goes \
                                      unseen";

/// The checker's own log (the facade's crate is a dependency of every tier library that uses the
/// facade): global state that no checked operation touches, so a counter kept in it (read, then
/// written back) never lost an update under the checker; and the grader's record of the schedule.
const RECORDER_FUNCTIONS: &[&str] = &[
    "threadlab_trace::log::record",
    "threadlab_trace::log::pending",
    "threadlab_trace::log::clear",
    "threadlab_trace::log::snapshot",
];

/// Whether a checker run is on (the facade is hybrid: checked inside `explore`, `std` outside). Code
/// that asked could be right only while it is watched.
const CHECKER_MODE_FUNCTIONS: &[&str] = &["threadlab_trace::active", "threadlab_trace::Active::enter"];

const CHECKER_MODE_WHY: &str = "whether the checker is watching is the grader's business: the same code \
                                must be right on real threads and under the checker";

const RECORDER_WHY: &str = "the checker's log is the grader's record of your threads, not a place for \
                            your code's state: keep shared state behind `crate::sync`, where the \
                            checker sees every operation";

/// Macros that read files or the environment at compile time: never in an exercise file, whatever
/// the lesson (the compile step's sandbox would stop the reads too; this says why, with the line).
const COMPILE_TIME_READS: &[&str] = &[
    "std::include",
    "std::include_str",
    "std::include_bytes",
    "std::env",
    "std::option_env",
];

const FACADE_WHY: &str = "take threads, locks, atomics and channels from `crate::sync` and \
                          `crate::thread` (the grader swaps them for checked versions: they are how it \
                          controls and watches your threads)";

const READS_WHY: &str = "exercise files may not read files or environment variables while they \
                         compile: write the code in this file";

/// `clippy.toml` for `tier`'s library. `lesson` is the library's crate name, by which suites name
/// course items (`lesson04::interp::CourseGil`).
pub fn clippy_toml(suite: &Suite, tier: Tier, lesson: &str) -> String {
    let mut types = Vec::new();
    let mut functions = Vec::new();
    let mut macros: Vec<(String, &str)> = COMPILE_TIME_READS
        .iter()
        .map(|m| ((*m).to_owned(), READS_WHY))
        .collect();
    for rule in suite.disallow.iter().filter(|r| r.tiers.contains(&tier)) {
        if rule.std_sync_and_thread {
            let why = if rule.why.is_empty() {
                FACADE_WHY
            } else {
                &rule.why
            };
            types.extend(STD_SYNC_AND_THREAD_TYPES.iter().map(|p| ((*p).to_owned(), why)));
            functions.extend(
                STD_SYNC_AND_THREAD_FUNCTIONS
                    .iter()
                    .map(|p| ((*p).to_owned(), why)),
            );
            macros.extend(STD_SYNC_AND_THREAD_MACROS.iter().map(|p| ((*p).to_owned(), why)));
            functions.extend(RECORDER_FUNCTIONS.iter().map(|p| ((*p).to_owned(), RECORDER_WHY)));
            functions.extend(
                CHECKER_MODE_FUNCTIONS
                    .iter()
                    .map(|p| ((*p).to_owned(), CHECKER_MODE_WHY)),
            );
        }
        if rule.std_fs_process_and_net {
            let why = if rule.why.is_empty() {
                FS_PROCESS_AND_NET_WHY
            } else {
                &rule.why
            };
            types.extend(
                STD_FS_PROCESS_AND_NET_TYPES
                    .iter()
                    .map(|p| ((*p).to_owned(), why)),
            );
            functions.extend(
                STD_FS_PROCESS_AND_NET_FUNCTIONS
                    .iter()
                    .map(|p| ((*p).to_owned(), why)),
            );
        }
        types.extend(rule.types.iter().map(|p| (p.clone(), rule.why.as_str())));
        functions.extend(rule.functions.iter().map(|p| (p.clone(), rule.why.as_str())));
        macros.extend(rule.macros.iter().map(|p| (p.clone(), rule.why.as_str())));
    }
    let list = |entries: &[(String, &str)]| -> toml::Value {
        entries
            .iter()
            .map(|(path, why)| {
                toml::Value::Table(toml::Table::from_iter([
                    ("path".to_owned(), path.clone().into()),
                    ("reason".to_owned(), (*why).to_owned().into()),
                ]))
            })
            .collect::<Vec<_>>()
            .into()
    };
    let table = toml::Table::from_iter([
        ("disallowed-types".to_owned(), list(&types)),
        ("disallowed-methods".to_owned(), list(&functions)),
        ("disallowed-macros".to_owned(), list(&macros)),
    ]);
    format!(
        "# Staged by the threadlab grader for the {tier} tier of {lesson}: what its files may not use \
         (see grader/src/grading/disallow.rs).\n{table}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_land_in_the_tiers_they_name() {
        let suite: Suite = toml::from_str(
            r#"
            title = "t"
            tests = []
            [[disallow]]
            std_sync_and_thread = true
            tiers = ["intermediate"]
            why = ""
            [[disallow]]
            types = ["lesson04::interp::CourseGil"]
            why = "write your own"
            [[disallow]]
            std_fs_process_and_net = true
            tiers = ["advanced"]
            why = ""
            "#,
        )
        .unwrap();
        let beginner: toml::Table = toml::from_str(&clippy_toml(&suite, Tier::Beginner, "lesson04")).unwrap();
        let intermediate: toml::Table =
            toml::from_str(&clippy_toml(&suite, Tier::Intermediate, "lesson04")).unwrap();
        let paths = |t: &toml::Table, key: &str| -> Vec<String> {
            t[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["path"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            paths(&beginner, "disallowed-types"),
            ["lesson04::interp::CourseGil"]
        );
        assert!(paths(&beginner, "disallowed-methods").is_empty());
        assert!(paths(&beginner, "disallowed-macros").contains(&"std::include_str".to_owned()));
        let types = paths(&intermediate, "disallowed-types");
        assert!(types.contains(&"std::sync::atomic::AtomicU64".to_owned()) && types.len() > 20);
        assert!(paths(&intermediate, "disallowed-methods").contains(&"std::thread::spawn".to_owned()));
        assert!(
            paths(&intermediate, "disallowed-methods").contains(&"threadlab_trace::log::pending".to_owned()),
        );
        assert!(
            paths(&intermediate, "disallowed-methods").contains(&"threadlab_trace::active".to_owned()),
            "the checker's log is no place for state"
        );
        assert!(
            !types.contains(&"std::sync::Arc".to_owned()),
            "the facade's Arc is std's"
        );
        assert!(
            !types.contains(&"std::fs::File".to_owned()),
            "files are refused only where a rule says so"
        );
        let advanced: toml::Table = toml::from_str(&clippy_toml(&suite, Tier::Advanced, "lesson04")).unwrap();
        let refused = paths(&advanced, "disallowed-types");
        assert!(
            ["std::fs::File", "std::process::Command", "std::net::UdpSocket"]
                .iter()
                .all(|t| refused.contains(&(*t).to_owned())),
            "{refused:?}"
        );
        let functions = paths(&advanced, "disallowed-methods");
        assert!(
            functions.contains(&"std::fs::write".to_owned())
                && functions.contains(&"std::io::pipe".to_owned())
        );
        assert!(
            advanced["disallowed-methods"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("in memory, behind `crate::sync`")
        );
        assert!(
            intermediate["disallowed-types"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("crate::sync")
        );
    }
}
