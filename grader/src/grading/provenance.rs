//! What a grade was of, for settling a dispute later: a hash of the tier files that were graded, the
//! commit of the student's clone, when, and by which grader. A batch puts these in every report and
//! at the end of every gradebook row.
//!
//! A student's `.git` is the student's: it is read as files (never through a link, never by running
//! git, whose hooks and config a clone could carry), and the commit is only what the clone says its
//! `HEAD` is. The hash is the proof: anyone can recompute it from the files (`files_sha256`).

use crate::stage::{Staged, TierSource};
use crate::tier::Tier;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The provenance fields of a report (added to format 1; each is at the report's top level).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Provenance {
    /// SHA-256, in hex, of the tier files that were graded (see [`files_sha256`]); empty when none
    /// was handed in.
    pub files_sha256: String,
    /// The commit `HEAD` names when the graded folder is a git clone.
    pub commit: Option<String>,
    /// When the grade was made, RFC 3339 in UTC (`2026-12-06T04:05:09Z`).
    pub graded_at: String,
    /// The grader's crate version, with the course's git commit when the course is a clone
    /// (`0.1.0+165ac70…`).
    pub grader_version: String,
    /// With `--deadline`: the deadline, and `commit` is the clone's last commit before it (what was
    /// graded), not its `HEAD`; otherwise null.
    pub deadline: Option<String>,
}

/// The hash of the graded tier files: for each handed-in file, in tier order (beginner, intermediate,
/// advanced), its name, a NUL, its length in bytes as decimal, a NUL, then its bytes. The lengths
/// keep two different sets of files from ever hashing the same text. Files that were missing or
/// refused are left out (the starter stood in for them); none handed in hashes to "".
///
/// To check a hash by hand: `for f in beginner.rs intermediate.rs advanced.rs; do [ -f $f ] &&
/// printf '%s\0%s\0' $f $(wc -c < $f) && cat $f; done | sha256sum`.
pub fn files_sha256(files: &[(Tier, &str)]) -> String {
    if files.is_empty() {
        return String::new();
    }
    let mut hasher = Sha256::new();
    for tier in Tier::ALL {
        for (_, text) in files.iter().filter(|(t, _)| *t == tier) {
            hasher.update(tier.file_name().as_bytes());
            hasher.update([0]);
            hasher.update(text.len().to_string().as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
        }
    }
    hex(&hasher.finalize())
}

/// The handed-in tier files of a staged subject, as they were read.
pub fn graded_files(staged: &Staged) -> Vec<(Tier, &str)> {
    Tier::ALL
        .into_iter()
        .filter(|tier| matches!(staged.tiers.get(tier), Some(TierSource::Subject(_))))
        .filter_map(|tier| staged.tier_text.get(&tier).map(|text| (tier, text.as_str())))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The commit of the nearest git clone holding `from`, looking from `from` up to `top` (both
/// included), read from `.git/HEAD`, the branch's ref file or `packed-refs`. `None` when no folder on
/// the way has a `.git` folder, or what it says is not a commit id.
pub fn commit_between(from: &Path, top: &Path) -> Option<String> {
    // Every file of `.git` is read from the folder holding `top` (the teacher's) down, no
    // component a link: `.git/refs` may be a link to `/proc/self` (whose `pagemap` is a "regular
    // file" of 256 GiB) or to another student's clone.
    let root = match top.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut dir = Some(from);
    while let Some(at) = dir {
        let git = at.join(".git");
        if git.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            return head_commit(root, &git);
        }
        if at == top {
            break;
        }
        dir = at.parent();
    }
    None
}

/// The commit `HEAD` of the git folder `git` names.
fn head_commit(root: &Path, git: &Path) -> Option<String> {
    let read_small = |path: &Path| read_small(root, path);
    let head = read_small(&git.join("HEAD"))?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref:") else {
        return commit_id(head);
    };
    let reference = reference.trim();
    // A ref names a file under `.git/refs`: nothing else (no `..`, no absolute path).
    if !reference.starts_with("refs/")
        || reference
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return None;
    }
    if let Some(text) = read_small(&git.join(reference)) {
        return commit_id(text.trim());
    }
    let packed = read_small(&git.join("packed-refs"))?;
    packed.lines().find_map(|line| {
        let (id, name) = line.split_once(' ')?;
        (name.trim() == reference).then(|| commit_id(id)).flatten()
    })
}

/// A regular file's text, at most 1 MiB, read beneath `root`: no folder on the way from `root` and
/// not the file itself a link, never blocking (`read::read_beneath`).
fn read_small(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    crate::grading::read::read_beneath(root, relative, 1 << 20).ok()
}

/// `text` when it is a commit id: 40 (SHA-1) or 64 (SHA-256) hex digits, lowercased.
fn commit_id(text: &str) -> Option<String> {
    let ok = matches!(text.len(), 40 | 64) && text.chars().all(|c| c.is_ascii_hexdigit());
    ok.then(|| text.to_ascii_lowercase())
}

/// The grader's version: the crate's, and the commit of the course it runs from when that is a git
/// clone (or worktree), asked of git with a reduced environment (the course is the teacher's own).
pub fn grader_version(course_root: &Path) -> String {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION
        .get_or_init(|| {
            let version = env!("CARGO_PKG_VERSION");
            let commit = std::process::Command::new("git")
                .arg("-C")
                .arg(course_root)
                .args(["rev-parse", "--verify", "--quiet", "HEAD"])
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| commit_id(String::from_utf8_lossy(&o.stdout).trim()));
            match commit {
                Some(commit) => format!("{version}+{commit}"),
                None => version.to_owned(),
            }
        })
        .clone()
}

/// Now, as RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(seconds)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian calendar), with the
/// calendar arithmetic the backups' stamps use; no date crate for the grader's two date formats.
pub fn rfc3339(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = crate::study::backup::civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_529_909), "2026-12-06T04:05:09Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(now_rfc3339().len(), 20);
    }

    #[test]
    fn the_files_hash_covers_names_and_contents_in_tier_order() {
        let one = files_sha256(&[(Tier::Beginner, "fn a() {}\n"), (Tier::Advanced, "")]);
        assert_eq!(one.len(), 64);
        assert_eq!(
            one,
            files_sha256(&[(Tier::Advanced, ""), (Tier::Beginner, "fn a() {}\n")]),
            "the order handed in does not matter"
        );
        assert_ne!(
            one,
            files_sha256(&[(Tier::Intermediate, "fn a() {}\n"), (Tier::Advanced, "")])
        );
        assert_ne!(one, files_sha256(&[(Tier::Beginner, "fn a() {}\n")]));
        assert_eq!(files_sha256(&[]), "");
        // The documented recipe: `printf 'beginner.rs\0%s\0' 2; printf 'x\n'` piped to sha256sum.
        assert_eq!(
            files_sha256(&[(Tier::Beginner, "x\n")]),
            hex(&Sha256::digest(b"beginner.rs\x002\x00x\n"))
        );
    }

    #[test]
    fn a_clones_commit_is_read_from_its_files() {
        let root = tempfile::tempdir().unwrap();
        let student = root.path().join("ada");
        let src = student.join("lessons/lesson05-races/src");
        std::fs::create_dir_all(&src).unwrap();
        assert_eq!(commit_between(&src, &student), None);
        let git = student.join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        let id = "0123456789abcdef0123456789abcdef01234567";
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(
            git.join("packed-refs"),
            format!("# pack-refs with: peeled\n{id} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(commit_between(&src, &student).as_deref(), Some(id));
        let newer = "fedcba9876543210fedcba9876543210fedcba98";
        std::fs::write(git.join("refs/heads/main"), format!("{newer}\n")).unwrap();
        assert_eq!(commit_between(&src, &student).as_deref(), Some(newer));
        std::fs::write(git.join("HEAD"), format!("{}\n", id.to_uppercase())).unwrap();
        assert_eq!(commit_between(&src, &student).as_deref(), Some(id), "detached");
        for bad in [
            "ref: refs/../../../etc/passwd",
            "ref: /etc/passwd",
            "not a commit",
        ] {
            std::fs::write(git.join("HEAD"), bad).unwrap();
            assert_eq!(commit_between(&src, &student), None, "{bad}");
        }
        // The class folder's own clone is above the student: not theirs.
        std::fs::remove_dir_all(&git).unwrap();
        std::fs::create_dir_all(root.path().join(".git")).unwrap();
        std::fs::write(root.path().join(".git/HEAD"), format!("{id}\n")).unwrap();
        assert_eq!(commit_between(&src, &student), None);
    }
}
