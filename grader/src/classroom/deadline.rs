//! `--deadline TIME`: grade each student's clone as it was at its last commit before TIME.
//!
//! The student's repository is never run by git in place: its `.git/config` could name programs
//! (an fsmonitor, a filter driver) that git would start. It is cloned first (`--no-local`, so git
//! copies objects through its own transport and the clone has a fresh config of ours), the commit is
//! found there (`rev-list -1 --before=TIME HEAD`), and `git archive` of that commit is unpacked into
//! a folder that is graded like any hand-in. git runs with no system or global config and no prompt.
//!
//! A commit's date is written by the student's machine: `--deadline` trusts it. Where the time of a
//! push matters, take the repositories as they were at the deadline (GitHub Classroom's own cut-off,
//! or a clone made then) instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A student's work as of the deadline.
#[derive(Debug)]
pub struct Snapshot {
    /// The unpacked tree of the commit.
    pub tree: PathBuf,
    /// The last commit before the deadline.
    pub commit: String,
}

/// What happened to a student's folder under `--deadline`.
#[derive(Debug)]
pub enum AsOf {
    /// The folder is no git clone: it is graded as it is.
    NotAClone,
    /// The clone's last commit before the deadline, unpacked.
    Commit(Snapshot),
    /// The clone has no commit before the deadline (the message says so).
    NothingBefore(String),
}

/// `clone` (a student's folder) as of `deadline`, unpacked under `work` (which must not exist).
/// Errors are the grader's (git missing or failing) and say why.
pub fn as_of(clone: &Path, deadline: &str, work: &Path) -> Result<AsOf, String> {
    if !clone.join(".git").symlink_metadata().is_ok_and(|m| m.is_dir()) {
        return Ok(AsOf::NotAClone);
    }
    std::fs::create_dir_all(work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let repo = work.join("repo");
    git(work, &["clone", "-q", "--no-local", "--no-checkout", "--"])
        .arg(clone)
        .arg(&repo)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))
        .and_then(|o| checked("git clone", o))?;
    let before = format!("--before={deadline}");
    let listed = git(&repo, &["rev-list", "-1", &before, "HEAD", "--"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))
        .and_then(|o| checked("git rev-list", o))?;
    let commit = listed.trim().to_owned();
    if commit.is_empty() {
        return Ok(AsOf::NothingBefore(format!(
            "the clone has no commit before the deadline ({deadline})"
        )));
    }
    let tree = work.join("tree");
    std::fs::create_dir_all(&tree).map_err(|e| format!("cannot create {}: {e}", tree.display()))?;
    let mut archive = git(&repo, &["archive", "--format=tar", &commit])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let stdout = archive.stdout.take().expect("piped");
    let untar = Command::new("tar")
        .args(["-x", "--no-same-owner", "--no-same-permissions", "-C"])
        .arg(&tree)
        .stdin(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    let archived = archive.wait().map_err(|e| format!("git archive: {e}"))?;
    if !archived.success() || !untar.status.success() {
        return Err(format!(
            "cannot unpack commit {commit}: {}",
            String::from_utf8_lossy(&untar.stderr).trim()
        ));
    }
    Ok(AsOf::Commit(Snapshot { tree, commit }))
}

/// git in `dir`, with no system or global config, no prompt and no pager.
fn git(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    command
}

fn checked(what: &str, output: std::process::Output) -> Result<String, String> {
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Commits `files` in `dir` (a new or existing clone) with both dates at `date`.
    pub(crate) fn commit_at(dir: &Path, files: &[(&str, &str)], date: &str) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let run = |args: &[&str]| {
            let output = git(dir, args)
                .env("GIT_AUTHOR_NAME", "s")
                .env("GIT_AUTHOR_EMAIL", "s@example.com")
                .env("GIT_COMMITTER_NAME", "s")
                .env("GIT_COMMITTER_EMAIL", "s@example.com")
                .env("GIT_AUTHOR_DATE", date)
                .env("GIT_COMMITTER_DATE", date)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        if !dir.join(".git").exists() {
            run(&["init", "-q"]);
        }
        run(&["add", "-A"]);
        run(&["commit", "-q", "-m", "work"]);
    }

    #[test]
    fn a_clone_is_taken_at_its_last_commit_before_the_deadline() {
        let root = tempfile::tempdir().unwrap();
        let clone = root.path().join("ada");
        commit_at(
            &clone,
            &[("src/beginner.rs", "// on time\n")],
            "2026-12-01T10:00:00Z",
        );
        commit_at(
            &clone,
            &[("src/beginner.rs", "// late\n")],
            "2026-12-03T10:00:00Z",
        );
        // A config that would run a program if git worked in the student's repository itself.
        let hook = root.path().join("ran");
        std::fs::write(
            clone.join(".git/config"),
            format!(
                "[core]\n\tfsmonitor = touch {}\n\trepositoryformatversion = 0\n",
                hook.display()
            ),
        )
        .unwrap();
        let AsOf::Commit(snapshot) =
            as_of(&clone, "2026-12-02T00:00:00Z", &root.path().join("work")).unwrap()
        else {
            panic!("a commit is before the deadline");
        };
        assert_eq!(
            std::fs::read_to_string(snapshot.tree.join("src/beginner.rs")).unwrap(),
            "// on time\n"
        );
        assert_eq!(snapshot.commit.len(), 40);
        assert!(!hook.exists(), "the student's git config ran a program");
        assert!(matches!(
            as_of(&clone, "2026-11-01T00:00:00Z", &root.path().join("work2")).unwrap(),
            AsOf::NothingBefore(_)
        ));
        let plain = root.path().join("bob");
        std::fs::create_dir_all(&plain).unwrap();
        assert!(matches!(
            as_of(&plain, "2026-12-02T00:00:00Z", &root.path().join("work3")).unwrap(),
            AsOf::NotAClone
        ));
    }
}
