//! A dishonest student in a class batch, who controls only their own folder's contents and name,
//! against what the teacher's batch reads (`.git`, `--deadline` clones), what it prints, and what it
//! tells the teacher (gradebook rows, roster columns, similarity).
//! Each test was a hole found by an attack pass; the comment above each says what it was and how it
//! is closed.

mod common;

use common::{root, starters};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What a run of `cargo xtask` came to: its output (`None` when it was killed at its time limit),
/// and the highest resident memory the grader's own process reached (`VmHWM`, KiB).
struct Run {
    output: Option<Output>,
    peak_kib: u64,
    seconds: f64,
}

/// The peak resident memory of `pid` so far, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `cargo xtask ARGS` in a process group of its own (the grader, and every git, tar or cargo it
/// starts), with at most `memory_kib` of address space, stdin closed, and `env`; kills the whole
/// group after `limit`.
fn run_xtask(args: &[&OsStr], env: &[(&str, &str)], memory_kib: u64, limit: Duration) -> Run {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -v {memory_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // Colour off, unless the test forces it on (as on a terminal): `NO_COLOR` would win.
    if !env.iter().any(|(k, _)| *k == "CLICOLOR_FORCE") {
        command.env("NO_COLOR", "1");
    }
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let stdout = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut bytes).unwrap();
        bytes
    });
    let stderr = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut bytes).unwrap();
        bytes
    });
    let started = Instant::now();
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    Run {
        output: status.map(|status| Output {
            status,
            stdout,
            stderr,
        }),
        peak_kib: peak,
        seconds,
    }
}

/// Plenty for a batch of a few students (rustc runs under the grader's own 2 GiB data limit), and
/// a cap that keeps a runaway grader from taking the machine with it.
const MEMORY_KIB: u64 = 8 * 1024 * 1024;

/// `grade LESSON --class CLASS --out OUT EXTRA...`, which must finish within `limit` with exit 0.
fn batch(lesson: &str, class: &Path, out: &Path, extra: &[&str], limit: Duration) -> Run {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("grade"),
        OsStr::new(lesson),
        OsStr::new("--class"),
        class.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let run = run_xtask(&args, &[], MEMORY_KIB, limit);
    let output = run
        .output
        .as_ref()
        .unwrap_or_else(|| panic!("the batch was still running after {limit:?}"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    run
}

/// The gradebook's records, as a spreadsheet reads them.
fn gradebook(out: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(out.join("gradebook.csv")).unwrap();
    let mut records = Vec::new();
    let (mut record, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    records
}

fn column(records: &[Vec<String>], name: &str) -> usize {
    records[0].iter().position(|h| h == name).unwrap()
}

/// The reference's file `tier.rs` of `lesson_dir`.
fn reference(lesson_dir: &str, tier: &str) -> String {
    std::fs::read_to_string(
        root()
            .join("solutions")
            .join(lesson_dir)
            .join("src")
            .join(format!("{tier}.rs")),
    )
    .unwrap()
}

fn put(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// git with no system or global config, run in `dir`, with both dates at `date`.
fn git(dir: &Path, args: &[&str], date: &str) -> String {
    git_with_input(dir, args, date, "")
}

/// [`git`], with `input` on its stdin.
fn git_with_input(dir: &Path, args: &[&str], date: &str, input: &str) -> String {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "s")
        .env("GIT_AUTHOR_EMAIL", "s@example.com")
        .env("GIT_COMMITTER_NAME", "s")
        .env("GIT_COMMITTER_EMAIL", "s@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Writes `files` into the clone `dir` (made when missing) and commits everything at `date`.
fn commit_at(dir: &Path, files: &[(&str, &str)], date: &str) {
    put(dir, files);
    if !dir.join(".git").exists() {
        git(dir, &["init", "-q"], date);
    }
    git(dir, &["add", "-A"], date);
    git(dir, &["commit", "-q", "-m", "work"], date);
}

/// `similarity.csv`'s rows: (a, b, file, similarity).
fn similarity(out: &Path) -> Vec<(String, String, String, f64)> {
    let text = std::fs::read_to_string(out.join("similarity.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (
                cells[0].to_owned(),
                cells[1].to_owned(),
                cells[2].to_owned(),
                cells[3].parse().unwrap(),
            )
        })
        .collect()
}

/// Was a hole (batch crash / memory exhaustion, any batch, and Gradescope): the gradebook's `commit` is
/// read from the student's own `.git` with `provenance::read_small`, which checks only the last
/// component of the path for a link and then reads the file whole. `.git/refs` a link to
/// `/proc/self` and `HEAD` saying `ref: refs/pagemap` make the grader read its own
/// `/proc/self/pagemap`: a "regular file" of size 0 that is 256 GiB long. Every byte is kept in
/// memory: the grader is killed by the OOM killer and the whole class's batch with it (here,
/// under an 8 GiB address-space cap, it gives up after gigabytes). As root (Gradescope, CI),
/// `ref: refs/kmsg` with `.git/refs -> /proc` blocks the batch for ever instead.
/// Closed: `HEAD`, the ref and `packed-refs` with `read::read_beneath` from the folder holding
/// the student's are read (every component opened `O_NOFOLLOW`, `O_NONBLOCK`, regular files only, the read
/// capped), as the tier files are (`grading/provenance.rs`).
#[test]
fn a_git_folder_whose_refs_lead_into_proc_costs_the_batch_no_memory() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(class.path().join("ada/notes")).unwrap();
    let git = class.path().join("mallory/.git");
    std::fs::create_dir_all(&git).unwrap();
    std::fs::write(git.join("HEAD"), "ref: refs/pagemap\n").unwrap();
    symlink("/proc/self", git.join("refs")).unwrap();

    let run = batch(
        "lesson05",
        class.path(),
        out.path(),
        &[],
        Duration::from_secs(300),
    );
    eprintln!(
        "batch of two students with no tier files: {:.1} s, peak {} MiB",
        run.seconds,
        run.peak_kib / 1024
    );
    let rows = gradebook(out.path());
    let mallory = rows.iter().find(|r| r[0] == "mallory").unwrap();
    assert_eq!(mallory[column(&rows, "commit")], "");
    assert!(
        run.peak_kib < 512 * 1024,
        "the grader read {} MiB for a student's .git/HEAD",
        run.peak_kib / 1024
    );
}

/// Was a hole (the roster lies; a classmate's LMS grade overwritten): a folder matches a roster entry
/// whose key ends its name after a `-` (`roster::Roster::find`), and nothing checks that one entry
/// is matched by one folder only. GitHub user names may hold dashes: a second account `zz-bob`
/// that accepts the assignment makes the folder `lesson05-zz-bob`, which takes bob's id, name and
/// email. The gradebook then has two rows with bob's `roster_id`, the impostor's last (sorted by
/// folder): an LMS import by id keeps the impostor's 0 (or whatever they hand in) as bob's grade.
/// Closed: an entry matched by more than one folder goes only to the one named
/// `<the prefix all the class's folders share>-key`, or to none, and the batch warns, naming the
/// folders (`batch.rs`).
#[test]
fn a_roster_entry_names_one_folder_only() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let roster = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        roster.path(),
        "github_username,identifier,name,email\nbob,s2,Bob,bob@uni.edu\n",
    )
    .unwrap();
    for folder in ["lesson05-bob/notes", "lesson05-zz-bob/notes"] {
        std::fs::create_dir_all(class.path().join(folder)).unwrap();
    }
    batch(
        "lesson05",
        class.path(),
        out.path(),
        &["--roster", roster.path().to_str().unwrap()],
        Duration::from_secs(300),
    );
    let rows = gradebook(out.path());
    let id = column(&rows, "roster_id");
    let bobs: Vec<&str> = rows[1..]
        .iter()
        .filter(|r| r[id] == "s2")
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(bobs, ["lesson05-bob"], "bob's roster id is on these rows");
}

/// Was a hole (terminal escape sequences, the teacher's terminal): the batch's progress lines
/// printed each folder's name as it is (`batch::command`: `eprintln!` without a terminal,
/// indicatif's message on one), and so did a refused row's message and the `--only` line. An OSC 52
/// sequence sets the teacher's clipboard (a command to paste), OSC 8 makes a link, `\e[2J` clears
/// the screen, and a name with a newline prints a fake progress line. `anstream` strips escapes
/// only when the output is not a terminal (or colour is off), and `eprintln!` never does.
/// Closed: every name and learner text goes through `report::terminal::printable` (control
/// characters written as `char::escape_debug` writes them) before it is printed or styled:
/// progress lines, `row.error`, the `--only` line, errors, and the terminal report.
#[test]
fn folder_names_reach_the_teachers_terminal_without_escape_sequences() {
    const NAME: &str = "\u{1b}]52;c;cm0gLXJmIH4K\u{7}ada";
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(class.path().join(NAME).join("notes")).unwrap();
    // A link is refused with a message that names it.
    symlink(class.path().join(NAME), class.path().join("\u{1b}[2Jbob")).unwrap();
    let whole = batch(
        "lesson05",
        class.path(),
        out.path(),
        &[],
        Duration::from_secs(300),
    );
    let only = batch(
        "lesson05",
        class.path(),
        out.path(),
        &["--only", NAME],
        Duration::from_secs(300),
    );
    for run in [whole, only] {
        let output = run.output.unwrap();
        let printed = String::from_utf8_lossy(&[output.stdout, output.stderr].concat()).into_owned();
        assert!(
            !printed.contains(['\u{1b}', '\u{7}']),
            "an escape sequence from a folder name reached the terminal: {printed:?}"
        );
        assert!(
            printed.contains("\\u{1b}]52;c;cm0gLXJmIH4K\\u{7}ada"),
            "{printed}"
        );
    }
}

/// Was a hole (the second half of the one above): the terminal report of `--submission` printed
/// each test's message as it is, which for a panic is the learner's own text, to a teacher grading
/// one hand-in on a terminal (colour on, as on a terminal: `CLICOLOR_FORCE`).
/// Closed: each line of a test's or a tier's message goes through `report::terminal::printable`.
#[test]
fn a_learners_panic_message_reaches_the_teachers_terminal_without_escape_sequences() {
    let dir = common::submission(
        "lesson05-races",
        &[(
            "beginner",
            "self.hits.fetch_add(1, Ordering::Relaxed);",
            "panic!(\"\\u{1b}]52;c;cm0gLXJmIH4K\\u{7}\\u{1b}[2J\");",
        )],
    );
    let args: Vec<&OsStr> = vec![
        OsStr::new("grade"),
        OsStr::new("lesson05"),
        OsStr::new("--submission"),
        dir.path().as_os_str(),
    ];
    let run = run_xtask(
        &args,
        &[("CLICOLOR_FORCE", "1")],
        MEMORY_KIB,
        Duration::from_secs(600),
    );
    let stdout = String::from_utf8_lossy(&run.output.unwrap().stdout).into_owned();
    assert!(
        stdout.contains("\\u{1b}]52;c;cm0gLXJmIH4K\\u{7}\\u{1b}[2J"),
        "the message is shown, escaped: {stdout}"
    );
    assert!(
        !stdout.contains("\u{1b}]52") && !stdout.contains("\u{1b}[2J"),
        "the learner's escape sequences reached the terminal: {stdout:?}"
    );
}

/// Was a hole (a copy not flagged, a name that is not UTF-8): a student was named by
/// `to_string_lossy()` of their folder's name (`batch::students`), and the class report found
/// their files at `CLASS/<that name>`, which does not exist for a name with a byte that is not
/// UTF-8 (`m\xff` became `m\u{fffd}`). The student was graded (from the real path) and never
/// compared. Two such names (`a\xfe`, `a\xff`) also became one: same report, same feedback file,
/// and two indistinguishable gradebook rows.
/// Closed: such a folder is refused, as a link is (status `refused`, "the folder's name is not
/// UTF-8 ...: rename the folder"), under its name with the bytes escaped (`m\xff`), one row each,
/// and with no report or feedback file (a classmate's folder may be named that very text).
#[test]
fn a_folder_whose_name_is_not_utf8_is_refused_not_graded_uncompared() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(class.path().join("ada/notes")).unwrap();
    let work = std::fs::read_to_string(root().join("solutions/lesson05-races/src/beginner.rs")).unwrap();
    for name in [&b"m\xff"[..], b"a\xfe", b"a\xff"] {
        let src = class.path().join(OsStr::from_bytes(name)).join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("beginner.rs"), &work).unwrap();
    }

    let run = batch(
        "lesson05",
        class.path(),
        out.path(),
        &[],
        Duration::from_secs(300),
    );
    let rows = gradebook(out.path());
    let (student, status) = (column(&rows, "student"), column(&rows, "status"));
    let found: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[student].as_str(), r[status].as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("a\\xfe", "refused"),
            ("a\\xff", "refused"),
            ("ada", "no_submission"),
            ("m\\xff", "refused")
        ]
    );
    let printed = String::from_utf8_lossy(&run.output.unwrap().stderr).into_owned();
    assert!(
        printed.contains("m\\xff: refused: the folder's name is not UTF-8"),
        "{printed}"
    );
    let feedback: Vec<String> = std::fs::read_dir(out.path().join("feedback"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(feedback, ["ada.md"]);
}

/// Was a hole (a classmate's row lost, and two students one row): a name a spreadsheet would
/// evaluate gets a leading `'`, so the folders `=x` and `'=x` were both written `'=x`, and nothing
/// told their rows apart. `--only =x` then dropped every row whose first cell is `'=x`
/// (`gradebook::merge` compared neutralized names): the classmate's row was gone.
/// Closed: a name of `'`s then a formula's first character gets a `'` too (`'=x` is the cell
/// `''=x`, which a spreadsheet shows as `'=x`), so the mapping from folder to cell is one-to-one,
/// and `merge` compares each old cell, read back (`cell_text`), with the re-graded folder's own name.
#[test]
fn only_one_student_is_replaced_by_a_regrade() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    for name in ["=x", "'=x", "bob"] {
        std::fs::create_dir_all(class.path().join(name).join("notes")).unwrap();
    }
    batch(
        "lesson05",
        class.path(),
        out.path(),
        &[],
        Duration::from_secs(300),
    );
    let before = gradebook(out.path());
    batch(
        "lesson05",
        class.path(),
        out.path(),
        &["--only", "=x"],
        Duration::from_secs(300),
    );
    let rows = gradebook(out.path());
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["''=x", "'=x", "bob"]);
    assert_eq!(
        rows.len(),
        before.len(),
        "rows before and after --only =x: {names:?}"
    );
}

/// Was a hole (a copy not flagged, `--deadline`): a clone is graded at its last commit before the
/// deadline (taken out apart), but the class report and `similarity.csv` read the tier files from
/// the student's folder as it is now (`class_report::tier_files` joined `CLASS/<student>`). mallory
/// commits a copy of ada's work before the deadline (graded: full marks), then after it commits
/// the starters back: what was compared was the starters, and the copy was never flagged.
/// Closed: each row records the folder it was graded from (`Row::graded_from`: the snapshot of the
/// commit under `--deadline`), and the class report reads the tier files there (`batch.rs`,
/// `class_report/mod.rs`).
#[test]
fn a_clone_graded_at_the_deadline_is_compared_as_it_was_graded() {
    const LESSON_DIR: &str = "lesson01-threads";
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let work: Vec<(String, String)> = ["intermediate", "advanced"]
        .iter()
        .map(|tier| (format!("src/{tier}.rs"), reference(LESSON_DIR, tier)))
        .collect();
    let work: Vec<(&str, &str)> = work.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    put(&class.path().join("ada"), &work);
    let mallory = class.path().join("mallory");
    commit_at(&mallory, &work, "2026-12-01T10:00:00Z");
    let lesson = grader::Lesson::from_dir_name(LESSON_DIR).unwrap();
    let starters = starters(&lesson);
    let starter: Vec<(String, String)> = ["intermediate", "advanced"]
        .iter()
        .map(|tier| {
            let file = format!("src/{tier}.rs");
            let text = std::fs::read_to_string(starters.path().join(&file)).unwrap();
            (file, text)
        })
        .collect();
    let starter: Vec<(&str, &str)> = starter.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    commit_at(&mallory, &starter, "2026-12-03T10:00:00Z");

    batch(
        "lesson01",
        class.path(),
        out.path(),
        &["--deadline", "2026-12-02T00:00:00Z"],
        Duration::from_secs(600),
    );
    let rows = gradebook(out.path());
    let total = |name: &str| rows.iter().find(|r| r[0] == name).unwrap()[column(&rows, "total")].clone();
    assert_eq!(total("mallory"), total("ada"), "mallory was graded on the copy");
    let pairs = similarity(out.path());
    for file in ["intermediate.rs", "advanced.rs"] {
        let pair = pairs
            .iter()
            .find(|p| p.0 == "ada" && p.1 == "mallory" && p.2 == file);
        assert!(
            pair.is_some_and(|p| p.3 >= 0.9),
            "the graded copy of {file} is not flagged: {pairs:?}"
        );
    }
}

/// Was a hole (batch stalls, memory and disk exhausted, `--deadline`): the last commit before the
/// deadline was unpacked whole (`git archive | tar -x`), with no limit on size, file count or time,
/// although only three tier files of at most 256 KiB each are read from it. A commit of a few
/// kilobytes whose trees name each other ten times a level (a "git bomb"; GitHub hosts them) names
/// 10^8 files here: `git archive` first read the whole tree into memory (gigabytes, growing for
/// minutes until a memory limit or the OOM killer stopped it), and would then have written 10^8
/// files into the teacher's `--out`. The student's commit has no tier file: `no_submission`, in
/// seconds, is the right answer, and the classmate after them is graded as ever.
/// Closed: the commit's tree is listed one level at a time (`git ls-tree` of one tree object), only
/// along the paths where a hand-in's tier files can be; only the tier files are taken out
/// (`git cat-file`, regular blobs of at most 256 KiB; a larger one or a link is refused by the
/// grading as in a folder), and every git process has a wall-time limit and an output cap, past
/// which the student's row is an error that says so (`classroom/deadline.rs`).
#[test]
fn a_commit_that_names_a_hundred_million_files_does_not_stall_the_batch() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mallory = class.path().join("mallory");
    let date = "2026-12-01T10:00:00Z";
    commit_at(&mallory, &[("README.md", "my work\n")], date);
    // A blob, then eight levels of ten names for the level below.
    let blob = git_with_input(&mallory, &["hash-object", "-w", "--stdin"], date, "x\n");
    let mut level: String = (0..10).map(|i| format!("100644 blob {blob}\tf{i}\n")).collect();
    let mut tree = git_with_input(&mallory, &["mktree"], date, &level);
    for _ in 0..7 {
        level = (0..10).map(|i| format!("040000 tree {tree}\td{i}\n")).collect();
        tree = git_with_input(&mallory, &["mktree"], date, &level);
    }
    let root_tree = git_with_input(
        &mallory,
        &["mktree"],
        date,
        &format!("040000 tree {tree}\tbomb\n"),
    );
    let commit = git(
        &mallory,
        &["commit-tree", &root_tree, "-p", "HEAD", "-m", "bomb"],
        date,
    );
    git(&mallory, &["update-ref", "HEAD", &commit], date);
    // A classmate graded after mallory: the batch goes on.
    std::fs::create_dir_all(class.path().join("zoe/notes")).unwrap();

    let run = run_xtask(
        &[
            OsStr::new("grade"),
            OsStr::new("lesson05"),
            OsStr::new("--class"),
            class.path().as_os_str(),
            OsStr::new("--out"),
            out.path().as_os_str(),
            OsStr::new("--deadline"),
            OsStr::new("2026-12-02T00:00:00Z"),
        ],
        &[],
        MEMORY_KIB,
        Duration::from_secs(30),
    );
    assert!(
        run.output.is_some(),
        "the batch of two students was still unpacking a commit after {:.0} s",
        run.seconds
    );
    let rows = gradebook(out.path());
    let status = |name: &str| rows.iter().find(|r| r[0] == name).unwrap()[column(&rows, "status")].clone();
    assert_eq!(
        status("mallory"),
        "no_submission",
        "the commit has no tier file: {:?}",
        std::fs::read_dir(out.path().join("reports"))
            .unwrap()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect::<Vec<_>>()
    );
    assert_eq!(status("zoe"), "no_submission");
    assert!(
        run.peak_kib < 512 * 1024,
        "the grader took {} MiB for a commit of a few kilobytes",
        run.peak_kib / 1024
    );
}

const PADDING: &str = r#"
/// Extra helpers I wrote while studying (not used by the exercise).
pub fn extra_median(values: &mut Vec<i64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    if values.len() % 2 == 0 {
        Some((values[mid - 1] + values[mid]) as f64 / 2.0)
    } else {
        Some(values[mid] as f64)
    }
}

pub fn extra_words(text: &str) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

pub fn extra_gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let r = a % b;
        a = b;
        b = r;
    }
    a
}
"#;

/// Was a hole (a copy not flagged, by padding): a pair's similarity is the Dice coefficient of the two
/// fingerprint sets, 2·shared / (|a| + |b|), and a pair is flagged at 0.9. A student who copies a
/// classmate's file whole and appends unrelated code of their own (here 30 lines of helpers, a
/// quarter of the file) keeps every point and scores 0.68: not flagged, not drawn side by side.
/// Moving the copied code to another tier file (`pub use crate::beginner::{..}` in
/// `intermediate.rs`; a tier may name any other) takes it out of the comparison altogether.
/// Closed: a pair is flagged too where one file holds `CONTAINED` of the other's fingerprints, on
/// at least `MIN_CONTAINED` (`similarity/mod.rs`). Still open: moving the copy into another tier
/// file, which is compared file by file only.
#[test]
fn a_copy_padded_with_code_of_ones_own_is_still_flagged() {
    const LESSON_DIR: &str = "lesson01-threads";
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let intermediate = reference(LESSON_DIR, "intermediate");
    put(
        &class.path().join("ada"),
        &[("src/intermediate.rs", &intermediate)],
    );
    let padded = format!("{intermediate}{PADDING}");
    put(&class.path().join("mallory"), &[("src/intermediate.rs", &padded)]);

    batch(
        "lesson01",
        class.path(),
        out.path(),
        &[],
        Duration::from_secs(600),
    );
    let rows = gradebook(out.path());
    let total = |name: &str| rows.iter().find(|r| r[0] == name).unwrap()[column(&rows, "total")].clone();
    assert_eq!(
        total("mallory"),
        total("ada"),
        "the padded copy keeps every point"
    );
    let pairs = similarity(out.path());
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        pairs
            .iter()
            .any(|p| p.0 == "ada" && p.1 == "mallory" && p.3 >= 0.9)
            || html.contains("data-a=\"ada\" data-b=\"mallory\" data-file=\"intermediate.rs\" data-regions"),
        "a whole copy with padding is not flagged: {pairs:?}"
    );
}
