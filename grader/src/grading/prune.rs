//! The shared build directory stays bounded: only the most recently graded submissions keep their
//! staged crate and build artifacts.
//!
//! Every submission is staged as packages of its own (`stage`: the name holds the stage directory's
//! path), so each one graded left ~13 MB in `target/threadlab/build/debug/deps` (lesson05: three
//! libraries and three test binaries) that no later grade reads, and a teacher's machine grew by a
//! class's worth with every batch. After each grade of a submission, the stages of all but the
//! [`KEEP_DEFAULT`] most recently graded submissions are removed with everything cargo built for
//! them; a re-grade of a kept submission (a batch run again, `--only`) stays warm, one of an older
//! one builds again.
//!
//! Never pruned: the learner's own stages and the reference's (their warm re-grade is the
//! self-study loop), the dependencies' artifacts (shared by every stage), and a stage a running
//! grade holds ([`hold`]): each grade holds its stage with a shared `flock` from before it is written
//! until the grade ends, and a prune takes the lock exclusively without waiting, or leaves that stage
//! alone. A lock dies with its process, so a killed grade holds nothing.

use crate::error::{Result, io};
use crate::tier::Tier;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How many graded submissions keep their build artifacts: a class of 32 re-grades warm; at ~13 MB
/// a submission (lesson05) that is ~400 MB of `deps/` at most.
pub const KEEP_DEFAULT: usize = 32;

/// Overrides [`KEEP_DEFAULT`] (tests keep 2 to show the bound after a few grades).
pub const KEEP_VAR: &str = "THREADLAB_KEEP_SUBMISSIONS";

/// In a stage directory: the lock a grade holds, whose modification time is when it last began.
const LOCK_FILE: &str = "graded.lock";

/// A grade's hold on its stage directory: while it lives, no prune removes the stage or what was
/// built from it.
#[derive(Debug)]
pub struct Hold {
    _lock: File,
}

/// Creates `stage_dir` if needed and holds it (shared: grades of one subject side by side both
/// hold it); marks it as graded now.
pub fn hold(stage_dir: &Path) -> Result<Hold> {
    let path = stage_dir.join(LOCK_FILE);
    loop {
        std::fs::create_dir_all(stage_dir).map_err(io("create", stage_dir))?;
        let lock = open_lock(&path)?;
        flock(&lock, libc::LOCK_SH).map_err(io("lock", &path))?;
        // A prune may have removed the directory between the open and the lock: this lock is then
        // on a file that is no longer there, and holds nothing.
        if is_same_file(&lock, &path) {
            // The time a prune sorts by; a failure only makes this stage look older.
            let _ = lock.set_modified(SystemTime::now());
            return Ok(Hold { _lock: lock });
        }
    }
}

/// How many submissions keep their artifacts: `THREADLAB_KEEP_SUBMISSIONS`, or [`KEEP_DEFAULT`].
pub fn keep() -> usize {
    std::env::var(KEEP_VAR)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(KEEP_DEFAULT)
}

/// Removes the stages under `work_dir/stage` of all but the `keep` most recently graded submissions,
/// and their artifacts in the build directory `target_dir`, skipping any a grade holds. Returns the
/// stage directories removed. Failures are ignored: a prune that could not remove something only
/// leaves it for the next one.
pub fn prune(work_dir: &Path, target_dir: &Path, keep: usize) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(work_dir.join("stage")) else {
        return Vec::new();
    };
    let mut stages: Vec<(SystemTime, PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_submission_stage(p))
        .map(|p| (graded_at(&p), p))
        .collect();
    // Newest first; the name breaks ties, so the order is the same whoever prunes.
    stages.sort_by(|a, b| b.cmp(a));
    let mut removed = Vec::new();
    for (_, stage) in stages.into_iter().skip(keep) {
        let Ok(lock) = open_lock(&stage.join(LOCK_FILE)) else {
            continue;
        };
        if flock(&lock, libc::LOCK_EX | libc::LOCK_NB).is_err() {
            continue; // A grade holds it.
        }
        let prefix = crate::stage::package_prefix(&stage);
        remove_artifacts(target_dir, &prefix);
        // What the compile sandbox said about each package, for reports of this stage only.
        let tmp = crate::stage::compile_tmp(work_dir);
        for tier in Tier::ALL {
            for package in [format!("{prefix}-{tier}"), format!("{prefix}-{tier}-tests")] {
                remove(&crate::compile_sandbox::status_file(&tmp, &package));
            }
        }
        if std::fs::remove_dir_all(&stage).is_ok() {
            removed.push(stage);
        }
        // The lock goes with `lock`, after the directory (and the lock file in it) is gone.
    }
    removed
}

/// A stage of a `--submission` or a class's student (`<lesson>-submission-<hash>`), not the
/// learner's, the reference's or the reference library's.
fn is_submission_stage(path: &Path) -> bool {
    path.is_dir()
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains("-submission-"))
}

/// When the stage was last graded: its lock file's time, or the directory's for a stage made before
/// there were locks.
fn graded_at(stage: &Path) -> SystemTime {
    std::fs::metadata(stage.join(LOCK_FILE))
        .or_else(|_| std::fs::metadata(stage))
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Everything cargo made in `target_dir` for the packages named `prefix-…` (one stage's six): their
/// fingerprints, the files in `deps/` that carry their hashes (the tier libraries are all named
/// `lesson05`, told apart only by hash), the binaries cargo copied out of `deps/`, and incremental
/// caches.
fn remove_artifacts(target_dir: &Path, prefix: &str) {
    let profile = target_dir.join("debug");
    let dashed = format!("{prefix}-");
    let underscored = dashed.replace('-', "_");
    let mut hashes = Vec::new();
    for entry in list(&profile.join(".fingerprint")) {
        let name = file_name(&entry);
        if let Some(rest) = name.strip_prefix(&dashed) {
            if let Some((_, hash)) = rest.rsplit_once('-') {
                hashes.push(format!("-{hash}"));
            }
            remove(&entry);
        }
    }
    for entry in list(&profile.join("deps")) {
        let name = file_name(&entry);
        let stem = name.split('.').next().unwrap_or_default();
        if name.starts_with(&underscored) || hashes.iter().any(|h| stem.ends_with(h.as_str())) {
            remove(&entry);
        }
    }
    for dir in [profile.clone(), profile.join("threadlab-private")] {
        for entry in list(&dir) {
            if file_name(&entry).starts_with(&dashed) {
                remove(&entry);
            }
        }
    }
    let private_incremental = format!("threadlab-{dashed}");
    for entry in list(&profile.join("incremental")) {
        let name = file_name(&entry);
        if name.starts_with(&private_incremental) || name.starts_with(&underscored) {
            remove(&entry);
        }
    }
}

fn list(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

fn remove(path: &Path) {
    let _ = if path.is_dir() && !path.is_symlink() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
}

fn open_lock(path: &Path) -> Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io("open", path))
}

/// `flock(2)` on `file` (`LOCK_SH`, `LOCK_EX`, with `LOCK_NB` or not), again when a signal cuts it
/// short; the lock goes with the file. Also the replay's gates (`replay`, `compile_sandbox`).
pub(crate) fn flock(file: &File, operation: libc::c_int) -> std::io::Result<()> {
    loop {
        // SAFETY: flock on a descriptor this process owns; no memory is passed.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(());
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Whether `path` still names the file `file` has open.
fn is_same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build directory with the artifacts of `prefix`'s two packages, as cargo names them.
    fn build(target: &Path, prefix: &str, hash: &str) {
        let profile = target.join("debug");
        let under = prefix.replace('-', "_");
        for dir in [".fingerprint", "deps", "incremental"] {
            std::fs::create_dir_all(profile.join(dir)).unwrap();
        }
        std::fs::create_dir_all(profile.join(format!(".fingerprint/{prefix}-beginner-{hash}1"))).unwrap();
        std::fs::create_dir_all(profile.join(format!(".fingerprint/{prefix}-beginner-tests-{hash}2")))
            .unwrap();
        for file in [
            format!("deps/liblesson05-{hash}1.rlib"),
            format!("deps/liblesson05-{hash}1.rmeta"),
            format!("deps/lesson05-{hash}1.d"),
            format!("deps/{under}_beginner-{hash}2"),
            format!("deps/{under}_beginner-{hash}2.d"),
            format!("{prefix}-beginner"),
            format!("{prefix}-beginner.d"),
        ] {
            std::fs::write(profile.join(file), "x").unwrap();
        }
        std::fs::create_dir_all(profile.join(format!("incremental/threadlab-{prefix}-beginner/s"))).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = list(dir).iter().map(|p| file_name(p)).collect();
        names.sort();
        names
    }

    #[test]
    fn only_the_newest_unheld_submissions_and_every_other_stage_stay() {
        let work = tempfile::tempdir().unwrap();
        let target = work.path().join("build");
        std::fs::create_dir_all(target.join("debug/deps")).unwrap();
        std::fs::write(target.join("debug/deps/libshuttle-0123.rlib"), "a dependency").unwrap();
        let stage = |name: &str| work.path().join("stage").join(name);
        let mut holds = Vec::new();
        for (i, name) in [
            "l-submission-a",
            "l-submission-b",
            "l-submission-c",
            "l-submission-d",
        ]
        .into_iter()
        .enumerate()
        {
            let hold = hold(&stage(name)).unwrap();
            // Graded in this order, a second apart.
            let lock = File::options()
                .append(true)
                .open(stage(name).join(LOCK_FILE))
                .unwrap();
            lock.set_modified(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i as u64))
                .unwrap();
            build(
                &target,
                &crate::stage::package_prefix(&stage(name)),
                &format!("{i}abc"),
            );
            holds.push(hold);
        }
        let tmp = crate::stage::compile_tmp(work.path());
        std::fs::create_dir_all(&tmp).unwrap();
        for name in ["l-submission-a", "l-submission-b"] {
            let package = format!("{}-beginner-tests", crate::stage::package_prefix(&stage(name)));
            std::fs::write(
                crate::compile_sandbox::status_file(&tmp, &package),
                "landlock abi 6",
            )
            .unwrap();
        }
        for name in ["l-learner", "l-reference", "l-reference-lib"] {
            std::fs::create_dir_all(stage(name)).unwrap();
        }
        // `a` is still being graded: it stays whatever its age.
        let graded_a = holds.remove(0);
        drop(holds);
        let removed = prune(work.path(), &target, 2);
        assert_eq!(removed, [stage("l-submission-b")]);
        assert_eq!(
            names(&work.path().join("stage")),
            [
                "l-learner",
                "l-reference",
                "l-reference-lib",
                "l-submission-a",
                "l-submission-c",
                "l-submission-d"
            ]
        );
        let deps = names(&target.join("debug/deps"));
        assert!(deps.contains(&"libshuttle-0123.rlib".to_owned()), "{deps:?}");
        assert!(
            !deps.iter().any(|n| n.contains("1abc")),
            "b's artifacts: {deps:?}"
        );
        for kept in ["0abc", "2abc", "3abc"] {
            assert_eq!(
                deps.iter().filter(|n| n.contains(kept)).count(),
                5,
                "{kept}: {deps:?}"
            );
        }
        assert_eq!(names(&tmp).len(), 1, "b's compile status is gone, a's stays");
        let fingerprints = names(&target.join("debug/.fingerprint"));
        assert_eq!(fingerprints.len(), 6, "{fingerprints:?}");
        assert_eq!(names(&target.join("debug/incremental")).len(), 3);
        assert_eq!(
            names(&target.join("debug"))
                .iter()
                .filter(|n| n.ends_with("-beginner"))
                .count(),
            3
        );

        drop(graded_a);
        assert_eq!(prune(work.path(), &target, 2), [stage("l-submission-a")]);
        assert!(prune(work.path(), &target, 2).is_empty(), "nothing more to prune");
    }

    #[test]
    fn a_hold_taken_after_a_prune_removed_its_stage_holds_a_new_one() {
        let work = tempfile::tempdir().unwrap();
        let stage = work.path().join("stage/l-submission-x");
        drop(hold(&stage).unwrap());
        let stale = open_lock(&stage.join(LOCK_FILE)).unwrap();
        std::fs::remove_dir_all(&stage).unwrap();
        assert!(!is_same_file(&stale, &stage.join(LOCK_FILE)));
        let held = hold(&stage).unwrap();
        assert!(stage.join(LOCK_FILE).is_file());
        assert!(is_same_file(&held._lock, &stage.join(LOCK_FILE)));
        assert!(
            prune(work.path(), &work.path().join("build"), 0).is_empty(),
            "held"
        );
    }
}
