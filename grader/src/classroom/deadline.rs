//! `--deadline TIME`: grade each student's clone as it was at its last commit before TIME.
//!
//! The student's repository is never run by git in place: its `.git/config` could name programs
//! (an fsmonitor, a filter driver) that git would start. It is cloned first (`--no-local`, so git
//! copies objects through its own transport and the clone has a fresh config of ours), the commit is
//! found there (`rev-list -1 --before=TIME HEAD`), and only the tier files of that commit are taken
//! out of it into a folder that is graded like any hand-in. git runs with no system or global config
//! and no prompt.
//!
//! The commit is never unpacked whole (`git archive`, a checkout): a commit of a few kilobytes can
//! name 10^8 files (trees that name each other ten times a level, a "git bomb"), and git would load
//! every name into memory and write every file. Its tree is listed one level at a time
//! (`git ls-tree` of one tree object), only along the paths where a hand-in's tier files can be
//! (`layout::find_tier_files`, followed step by step), and each tier file is read with
//! `git cat-file` when it is a regular blob no larger than the grader reads anyway. Every git
//! process has a wall-time limit and a cap on what it prints, so a repository that is too big or
//! too slow costs one student's row (an error that says so), never the batch.
//!
//! A commit's date is written by the student's machine: `--deadline` trusts it. Where the time of a
//! push matters, take the repositories as they were at the deadline (GitHub Classroom's own cut-off,
//! or a clone made then) instead.

use crate::course::Lesson;
use crate::grading::read::TIER_FILE_LIMIT;
use crate::tier::Tier;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest `git clone` of a student's repository may take: it copies the whole history, which
/// for a course clone is seconds; one that takes minutes is no hand-in but a way to stall the batch.
const CLONE_TIME_LIMIT: Duration = Duration::from_secs(120);
/// The most disk a clone may fill: a course clone's history is a few megabytes, and one with
/// build outputs committed by mistake stays far below this. A clone that grows past it is stopped
/// (it could otherwise fill the teacher's disk within its time limit).
const CLONE_DISK_LIMIT: u64 = 1 << 30;
/// The most files a clone may make before it counts as too big: git receives a pack, a few files.
const CLONE_FILE_LIMIT: usize = 100_000;
/// The longest any other git command may take: each reads a few objects (one tree, one blob) or
/// walks the history back to the deadline.
const GIT_TIME_LIMIT: Duration = Duration::from_secs(30);
/// The most one listing of a tree may print: about 50 000 entries, far more than any folder of a
/// hand-in holds, and little enough to keep in memory.
const LISTING_LIMIT: u64 = 4 * 1024 * 1024;
/// The most git may write on stderr that is kept (for the message).
const STDERR_LIMIT: u64 = 64 * 1024;
/// Where a symbolic link of the commit points in the snapshot: nowhere. The grader refuses a link
/// without following it, so only its being a link matters, and the student's own target (a
/// classmate's path, `/dev/zero`) is never written.
const LINK_TARGET: &str = "(a symbolic link in the commit, not followed)";
/// macOS's resource-fork folder in a zip, skipped as `layout::find_tier_files` skips it.
const MACOS_METADATA: &[u8] = b"__MACOSX";

/// A student's work as of the deadline.
#[derive(Debug)]
pub struct Snapshot {
    /// The folder to grade: the commit's tier files where the commit has them, and nothing else.
    pub tree: PathBuf,
    /// The last commit before the deadline.
    pub commit: String,
}

/// What happened to a student's folder under `--deadline`.
#[derive(Debug)]
pub enum AsOf {
    /// The folder is no git clone: it is graded as it is.
    NotAClone,
    /// The clone's last commit before the deadline, its tier files taken out.
    Commit(Snapshot),
    /// The clone has no commit before the deadline (the message says so).
    NothingBefore(String),
}

/// `clone` (a student's folder) as of `deadline`, with the tier files of `lesson` taken out under
/// `work` (which must not exist). Errors are the grader's (git missing or failing) or the clone's
/// (too big or slow for the time limits), and say why.
pub fn as_of(clone: &Path, deadline: &str, lesson: &Lesson, work: &Path) -> Result<AsOf, String> {
    if !clone.join(".git").symlink_metadata().is_ok_and(|m| m.is_dir()) {
        return Ok(AsOf::NotAClone);
    }
    std::fs::create_dir_all(work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let repo = work.join("repo");
    let mut clone_command = git(work, &["clone", "-q", "--no-local", "--no-checkout", "--"]);
    clone_command.arg(clone).arg(&repo);
    run_watched(
        &mut clone_command,
        "git clone",
        CLONE_TIME_LIMIT,
        0,
        Some((&repo, CLONE_DISK_LIMIT)),
    )?;
    let before = format!("--before={deadline}");
    let listed = run(
        &mut git(&repo, &["rev-list", "-1", &before, "HEAD", "--"]),
        "git rev-list",
        GIT_TIME_LIMIT,
        1024,
    )?;
    let commit = String::from_utf8_lossy(&listed).trim().to_owned();
    if commit.is_empty() {
        return Ok(AsOf::NothingBefore(format!(
            "the clone has no commit before the deadline ({deadline})"
        )));
    }
    if !is_object_id(&commit) {
        return Err(format!("git rev-list printed no commit id: {commit:?}"));
    }
    let tree = work.join("tree");
    std::fs::create_dir_all(&tree).map_err(|e| format!("cannot create {}: {e}", tree.display()))?;
    if let Some(found) = locate(&repo, &commit, lesson)? {
        take_out(&repo, &found, &tree).map_err(|e| format!("commit {commit}: {e}"))?;
    }
    Ok(AsOf::Commit(Snapshot { tree, commit }))
}

/// One entry of a tree, as `git ls-tree` lists it.
#[derive(Debug, Clone)]
struct Entry {
    kind: Kind,
    oid: String,
    name: Vec<u8>,
}

/// What an entry is, by its mode (git prints only these: it canonicalises every mode it reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `040000`.
    Tree,
    /// `100644` or `100755`.
    File,
    /// `120000`.
    Link,
    /// `160000`, a submodule's commit: an empty folder in a checkout.
    Gitlink,
}

/// Where a commit's tier files are, as `layout::find_tier_files` would find them in its checkout.
#[derive(Debug)]
enum Found {
    /// A link stands where the layout has a folder: found as it is, so that the grading refuses it.
    Link(PathBuf),
    /// The folder holding the tier files, with its entries.
    Folder(PathBuf, Vec<Entry>),
}

/// The entries of the tree `tree` (a tree or commit id): one level, never more.
fn list(repo: &Path, tree: &str) -> Result<Vec<Entry>, String> {
    let output = run(
        &mut git(repo, &["ls-tree", "-z", tree]),
        "git ls-tree",
        GIT_TIME_LIMIT,
        LISTING_LIMIT,
    )?;
    let mut entries = Vec::new();
    for record in output.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        // `<mode> SP <type> SP <oid> TAB <name>`; the name is raw bytes (`-z`: never quoted).
        let bad = || format!("git ls-tree printed {:?}", String::from_utf8_lossy(record));
        let tab = record.iter().position(|&b| b == b'\t').ok_or_else(bad)?;
        let (head, name) = (&record[..tab], &record[tab + 1..]);
        let head = std::str::from_utf8(head).map_err(|_| bad())?;
        let mut fields = head.split(' ');
        let (Some(mode), Some(_), Some(oid), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad());
        };
        let kind = match mode {
            "040000" => Kind::Tree,
            "100644" | "100755" => Kind::File,
            "120000" => Kind::Link,
            "160000" => Kind::Gitlink,
            _ => return Err(bad()),
        };
        if !is_object_id(oid) {
            return Err(bad());
        }
        entries.push(Entry {
            kind,
            oid: oid.to_owned(),
            name: name.to_owned(),
        });
    }
    Ok(entries)
}

/// Where `commit`'s tier files are: `layout::find_tier_files`, step by step over the tree.
fn locate(repo: &Path, commit: &str, lesson: &Lesson) -> Result<Option<Found>, String> {
    let root = list(repo, commit)?;
    if let Some(found) = find(repo, PathBuf::new(), &root, lesson)? {
        return Ok(Some(found));
    }
    // One wrapping folder (and nothing else but hidden entries and `__MACOSX`) is looked through.
    let visible: Vec<&Entry> = root
        .iter()
        .filter(|e| !e.name.starts_with(b".") && e.name != MACOS_METADATA)
        .collect();
    let [only] = visible.as_slice() else {
        return Ok(None);
    };
    // Its name is the student's: it becomes a folder of the snapshot only as one plain name.
    if only.name.is_empty() || only.name.contains(&b'/') {
        return Err(format!(
            "the commit's tree has an entry named {:?}, which no checkout could make",
            String::from_utf8_lossy(&only.name)
        ));
    }
    let name = PathBuf::from(OsStr::from_bytes(&only.name));
    match only.kind {
        Kind::Link => Ok(Some(Found::Link(name))),
        Kind::Tree => find(repo, name, &list(repo, &only.oid)?, lesson),
        Kind::File | Kind::Gitlink => Ok(None),
    }
}

/// The layouts of `layout::find`, tried in its order in the tree at `at` whose entries are `top`.
fn find(repo: &Path, at: PathBuf, top: &[Entry], lesson: &Lesson) -> Result<Option<Found>, String> {
    let layouts: [&[&str]; 4] = [
        &["lessons", &lesson.dir_name, "src"],
        &[&lesson.dir_name, "src"],
        &["src"],
        &[],
    ];
    'layouts: for layout in layouts {
        let mut path = at.clone();
        let mut entries = top.to_vec();
        for name in layout {
            let Some(entry) = entries.iter().find(|e| e.name == name.as_bytes()) else {
                continue 'layouts;
            };
            path.push(name);
            match entry.kind {
                Kind::Link => return Ok(Some(Found::Link(path))),
                Kind::Tree => entries = list(repo, &entry.oid.clone())?,
                // A file, or a submodule (an empty folder): nothing of this layout is below.
                Kind::File | Kind::Gitlink => continue 'layouts,
            }
        }
        // Any kind of entry counts, as in a folder: what is not a regular file is refused later.
        let has_tiers = Tier::ALL
            .iter()
            .any(|t| entries.iter().any(|e| e.name == t.file_name().as_bytes()));
        if has_tiers {
            return Ok(Some(Found::Folder(path, entries)));
        }
    }
    Ok(None)
}

/// Writes what `found` names into `tree`: the tier files, each as what the grader will make of it.
fn take_out(repo: &Path, found: &Found, tree: &Path) -> Result<(), String> {
    let create = |dir: &Path| {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
    };
    let link = |at: &Path| {
        std::os::unix::fs::symlink(LINK_TARGET, at)
            .map_err(|e| format!("cannot create {}: {e}", at.display()))
    };
    match found {
        Found::Link(path) => {
            let at = tree.join(path);
            create(at.parent().unwrap_or(tree))?;
            link(&at)
        }
        Found::Folder(path, entries) => {
            let dir = tree.join(path);
            create(&dir)?;
            for tier in Tier::ALL {
                let name = tier.file_name();
                let Some(entry) = entries.iter().find(|e| e.name == name.as_bytes()) else {
                    continue;
                };
                let at = dir.join(&name);
                match entry.kind {
                    Kind::File => take_blob(repo, &entry.oid, &at)?,
                    Kind::Link => link(&at)?,
                    // A folder where a tier file should be: refused by the grading, as in a checkout.
                    Kind::Tree | Kind::Gitlink => create(&at)?,
                }
            }
            Ok(())
        }
    }
}

/// Writes the blob `oid` to `at` when it is no larger than the grader reads; a larger one becomes a
/// file of its size with nothing in it (sparse), so that the grading refuses it by its size, naming
/// it, without its bytes ever being read.
fn take_blob(repo: &Path, oid: &str, at: &Path) -> Result<(), String> {
    let write_error = |e: std::io::Error| format!("cannot write {}: {e}", at.display());
    let size = run(
        &mut git(repo, &["cat-file", "-s", oid]),
        "git cat-file -s",
        GIT_TIME_LIMIT,
        64,
    )?;
    let size: u64 = String::from_utf8_lossy(&size)
        .trim()
        .parse()
        .map_err(|_| format!("git cat-file -s {oid} printed no size"))?;
    if size > TIER_FILE_LIMIT {
        let file = std::fs::File::create(at).map_err(write_error)?;
        // At most a terabyte: the size only needs to be over the limit for the message to be right.
        return file.set_len(size.min(1 << 40)).map_err(write_error);
    }
    let text = run(
        &mut git(repo, &["cat-file", "blob", oid]),
        "git cat-file blob",
        GIT_TIME_LIMIT,
        TIER_FILE_LIMIT,
    )?;
    std::fs::write(at, text).map_err(write_error)
}

fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
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

/// Runs `command` (called `what` in messages) to completion within `limit`, and returns what it
/// printed, at most `cap` bytes. A command that takes longer is killed with every process it
/// started (it runs in a process group of its own: `git clone` starts `upload-pack` and
/// `pack-objects`), and one that prints more fails: both are the student's repository being too big
/// or too slow, an error for that student only.
fn run(command: &mut Command, what: &str, limit: Duration, cap: u64) -> Result<Vec<u8>, String> {
    run_watched(command, what, limit, cap, None)
}

/// [`run`], and where `disk` names a directory and a size, the command is also stopped once that
/// directory holds more (checked every tenth of a second).
fn run_watched(
    command: &mut Command,
    what: &str,
    limit: Duration,
    cap: u64,
    disk: Option<(&Path, u64)>,
) -> Result<Vec<u8>, String> {
    const POLL: Duration = Duration::from_millis(10);
    const DISK_POLL: Duration = Duration::from_millis(100);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let pid = child.id();
    // Both pipes are read on threads of their own, so that neither fills and blocks git while the
    // clock runs. A reader stops one byte past its cap and closes its pipe: git then fails on it
    // instead of writing on.
    let (sender, received) = mpsc::channel();
    let streams: [(Option<Box<dyn Read + Send>>, u64); 2] = [
        (child.stdout.take().map(|s| Box::new(s) as _), cap),
        (child.stderr.take().map(|s| Box::new(s) as _), STDERR_LIMIT),
    ];
    for (index, (stream, cap)) in streams.into_iter().enumerate() {
        let sender = sender.clone();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(stream) = stream {
                let _ = stream.take(cap + 1).read_to_end(&mut bytes);
            }
            let _ = sender.send((index, bytes));
        });
    }
    drop(sender);
    let started = Instant::now();
    let mut disk_checked = started;
    let mut read: [Option<Vec<u8>>; 2] = [None, None];
    loop {
        if read.iter().all(Option::is_some) {
            if exited(pid) {
                break;
            }
            std::thread::sleep(POLL);
        } else if let Ok((index, bytes)) = received.recv_timeout(POLL) {
            read[index] = Some(bytes);
        }
        let too_big = disk
            .filter(|_| disk_checked.elapsed() >= DISK_POLL)
            .and_then(|(dir, most)| {
                disk_checked = Instant::now();
                over_disk_limit(dir, most).then(|| {
                    format!(
                        "{what} was stopped when its copy passed {} MiB on disk (the limit for a \
                     deadline snapshot's clone): the repository is too big to take as of the \
                     deadline; grade this student by hand",
                        most >> 20
                    )
                })
            });
        let too_slow = (started.elapsed() > limit).then(|| {
            format!(
                "{what} was stopped after {} s (the limit for one git command of a deadline \
                 snapshot): the repository is too big or too slow to take as of the deadline; \
                 grade this student by hand",
                limit.as_secs()
            )
        });
        if let Some(why) = too_big.or(too_slow) {
            // Not yet reaped, so the group is still this child's and no other's.
            // SAFETY: kill takes no pointers.
            unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
            let _ = child.wait();
            return Err(why);
        }
    }
    let status = child.wait().map_err(|e| format!("{what}: {e}"))?;
    let [Some(stdout), Some(stderr)] = read else {
        unreachable!("both pipes were read before the loop ended");
    };
    // Said first: a git stopped by the closed pipe also fails, but the size is why.
    if stdout.len() as u64 > cap {
        return Err(format!(
            "{what} printed more than {cap} bytes and was stopped: the repository is too big to \
             take as of the deadline; grade this student by hand"
        ));
    }
    if !status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&stderr).trim()
        ));
    }
    Ok(stdout)
}

/// Whether the files under `dir` (links not followed) take more than `most` bytes, or are more than
/// [`CLONE_FILE_LIMIT`].
fn over_disk_limit(dir: &Path, most: u64) -> bool {
    let (mut bytes, mut files) = (0u64, 0usize);
    let mut pending = vec![dir.to_owned()];
    while let Some(path) = pending.pop() {
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        files += 1;
        // A sparse file counts at its length: git writes no holes.
        bytes += meta.len();
        if bytes > most || files > CLONE_FILE_LIMIT {
            return true;
        }
        if meta.is_dir()
            && let Ok(entries) = std::fs::read_dir(&path)
        {
            pending.extend(entries.flatten().map(|e| e.path()));
        }
    }
    false
}

/// Whether the child `pid` has ended, without reaping it (`WNOWAIT`): until it is reaped its
/// process group cannot be taken by another process, so killing the group stays safe.
fn exited(pid: u32) -> bool {
    // SAFETY: `info` is a zeroed `siginfo_t` that `waitid` fills; `WNOHANG` makes it return at once.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let found = libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        // With `WNOHANG`, a child that has not ended leaves `info` zeroed.
        found == 0 && info.si_signo != 0
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

    fn lesson() -> Lesson {
        Lesson::from_dir_name("lesson05-races").unwrap()
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
        let AsOf::Commit(snapshot) = as_of(
            &clone,
            "2026-12-02T00:00:00Z",
            &lesson(),
            &root.path().join("work"),
        )
        .unwrap() else {
            panic!("a commit is before the deadline");
        };
        assert_eq!(
            std::fs::read_to_string(snapshot.tree.join("src/beginner.rs")).unwrap(),
            "// on time\n"
        );
        assert_eq!(snapshot.commit.len(), 40);
        assert!(!hook.exists(), "the student's git config ran a program");
        assert!(matches!(
            as_of(
                &clone,
                "2026-11-01T00:00:00Z",
                &lesson(),
                &root.path().join("work2")
            )
            .unwrap(),
            AsOf::NothingBefore(_)
        ));
        let plain = root.path().join("bob");
        std::fs::create_dir_all(&plain).unwrap();
        assert!(matches!(
            as_of(
                &plain,
                "2026-12-02T00:00:00Z",
                &lesson(),
                &root.path().join("work3")
            )
            .unwrap(),
            AsOf::NotAClone
        ));
    }

    #[test]
    fn only_the_tier_files_of_a_commit_are_taken_out_each_as_the_grader_sees_it() {
        let root = tempfile::tempdir().unwrap();
        let clone = root.path().join("ada");
        let big = "x".repeat(TIER_FILE_LIMIT as usize + 1);
        commit_at(
            &clone,
            &[
                ("project/src/beginner.rs", "// mine\n"),
                ("project/src/intermediate.rs", &big),
                ("project/src/notes.txt", "not a tier file\n"),
                ("project/README.md", "hi\n"),
                (".hidden", ""),
            ],
            "2026-12-01T10:00:00Z",
        );
        std::os::unix::fs::symlink("/dev/zero", clone.join("project/src/advanced.rs")).unwrap();
        commit_at(&clone, &[], "2026-12-01T11:00:00Z");
        let AsOf::Commit(snapshot) = as_of(
            &clone,
            "2026-12-02T00:00:00Z",
            &lesson(),
            &root.path().join("work"),
        )
        .unwrap() else {
            panic!("a commit is before the deadline");
        };
        let src = snapshot.tree.join("project/src");
        assert_eq!(
            std::fs::read_to_string(src.join("beginner.rs")).unwrap(),
            "// mine\n"
        );
        // Too large: a file of its size with nothing read into it, refused by its size.
        let meta = src.join("intermediate.rs").symlink_metadata().unwrap();
        assert_eq!(meta.len(), big.len() as u64);
        assert!(
            std::fs::read(src.join("intermediate.rs"))
                .unwrap()
                .iter()
                .all(|&b| b == 0)
        );
        // A link stays a link, to nowhere: the student's target is never written.
        let target = std::fs::read_link(src.join("advanced.rs")).unwrap();
        assert_eq!(target, Path::new(LINK_TARGET));
        let mut names: Vec<_> = std::fs::read_dir(&src)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["advanced.rs", "beginner.rs", "intermediate.rs"]);
        assert!(!snapshot.tree.join("project/README.md").exists());
        assert!(!snapshot.tree.join(".hidden").exists());
        let found = crate::classroom::layout::find_tier_files(&snapshot.tree, &lesson());
        assert_eq!(found, Some(src));
    }

    #[test]
    fn a_git_command_past_its_time_limit_is_killed_with_what_it_started() {
        let root = tempfile::tempdir().unwrap();
        let marker = root.path().join("still-running");
        // A child that outlives its parent's kill would touch the marker after a second.
        let script = format!("(sleep 1; touch {}) & sleep 30", marker.display());
        let started = Instant::now();
        let error = run(
            Command::new("sh").args(["-c", &script]),
            "git clone",
            Duration::from_millis(300),
            0,
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "{error}");
        assert!(error.contains("git clone was stopped after"), "{error}");
        std::thread::sleep(Duration::from_millis(1500));
        assert!(!marker.exists(), "a process the command started was left running");
        let error = run(
            Command::new("sh").args(["-c", "yes"]),
            "git ls-tree",
            Duration::from_secs(20),
            1024,
        )
        .unwrap_err();
        assert!(error.contains("printed more than 1024 bytes"), "{error}");
    }

    #[test]
    fn a_clone_that_grows_past_its_disk_limit_is_stopped() {
        let root = tempfile::tempdir().unwrap();
        let copy = root.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        // Writes a megabyte a tenth of a second, for ten seconds unless stopped.
        let script = format!(
            "for i in $(seq 100); do head -c 1048576 /dev/zero > {}/$i; sleep 0.1; done",
            copy.display()
        );
        let started = Instant::now();
        let error = run_watched(
            Command::new("sh").args(["-c", &script]),
            "git clone",
            Duration::from_secs(60),
            0,
            Some((&copy, 4 << 20)),
        )
        .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(error.contains("passed 4 MiB on disk"), "{error}");
        let files = std::fs::read_dir(&copy).unwrap().count();
        assert!(files <= 7, "{files} files were written before the stop");
    }
}
