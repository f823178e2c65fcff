//! Hostile submissions against what a teacher collects and opens: tier files and student folders that
//! are links (to a classmate, to `solutions/`, to `/dev/zero`, to `/dev/stdin`), FIFOs, oversized
//! files, a folder named like a spreadsheet formula, an interrupted batch, and a Gradescope run whose
//! results must not reveal the held-back tests. Each scores only what its honest part earns, in
//! `--submission`, `--class` and Gradescope modes, and no grade blocks: every command runs with a
//! stdin that never ends, which a grader reading `/dev/stdin` would wait on for ever.

mod common;

use common::*;
use serde_json::Value;
use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const LESSON: &str = "lesson05-races";

/// Far beyond a grade of a few students; a grade that waits on stdin never ends.
const DEADLINE: Duration = Duration::from_secs(600);

/// `cargo xtask` with a stdin pipe that stays open while it runs.
fn spawn(args: &[&str]) -> (Child, std::process::ChildStdin) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

/// Runs `cargo xtask` to the end with a stdin that never ends; fails the test if it has not ended by
/// the deadline (it blocked) or did not exit with 0.
fn run(args: &[&str]) -> Output {
    let (mut child, stdin) = spawn(args);
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let stdout = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        out.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let stderr = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        err.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            child.kill().unwrap();
            panic!("{args:?} blocked: still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    let output = Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Grades `dir` as a submission in `format`; returns the parsed output.
fn grade(dir: &Path, format: &str) -> Value {
    let output = run(&[
        "grade",
        "lesson05",
        "--format",
        format,
        "--submission",
        dir.to_str().unwrap(),
    ]);
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The reference's tier file of `tier`.
fn solution(tier: &str) -> PathBuf {
    root()
        .join("solutions")
        .join(LESSON)
        .join("src")
        .join(format!("{tier}.rs"))
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// The reference's `tier` padded with comments to 300 KiB: honest code, but over the 256 KiB cap.
fn oversized(path: &Path, tier: &str) {
    let mut text = std::fs::read_to_string(solution(tier)).unwrap();
    while text.len() < 300 * 1024 {
        text.push_str("// padding padding padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(path, text).unwrap();
}

/// Replaces `dir/src/<tier>.rs` by a link to `target`.
fn link_tier(dir: &Path, tier: &str, target: &Path) {
    let path = dir.join("src").join(format!("{tier}.rs"));
    std::fs::remove_file(&path).unwrap();
    symlink(target, path).unwrap();
}

fn tier_message(report: &Value, index: usize) -> &str {
    report["tiers"][index]["message"].as_str().unwrap()
}

fn refused() -> (u64, String) {
    (0, "refused".to_owned())
}

fn passed() -> (u64, String) {
    (20, "passed".to_owned())
}

#[test]
fn a_submissions_links_fifos_and_devices_are_refused_and_never_block_the_grade() {
    // stdin that never ends and a FIFO nobody writes: reading either would block the grade.
    let blocking = submission(LESSON, &[]);
    link_tier(blocking.path(), "beginner", Path::new("/dev/stdin"));
    let fifo = blocking.path().join("src/intermediate.rs");
    std::fs::remove_file(&fifo).unwrap();
    mkfifo(&fifo);
    let report = grade(blocking.path(), "json");
    assert_eq!(tiers(&report), [refused(), refused(), passed()]);
    assert!(
        tier_message(&report, 0).contains("src/beginner.rs is a symbolic link"),
        "{report}"
    );
    assert!(
        tier_message(&report, 1).contains("src/intermediate.rs is a FIFO"),
        "{report}"
    );
    assert_eq!(
        test(&report, "new_counter_counts_each_record")["status"],
        "refused"
    );

    // /dev/zero would fill the grader's memory; the reference's file would earn its points.
    let borrowed = submission(LESSON, &[]);
    link_tier(borrowed.path(), "intermediate", Path::new("/dev/zero"));
    link_tier(borrowed.path(), "advanced", &solution("advanced"));
    let report = grade(borrowed.path(), "json");
    assert_eq!(tiers(&report), [passed(), refused(), refused()]);
    assert_eq!(report["score"], 20);

    // The submission's folder itself a link: nothing in it is read.
    let honest = submission(LESSON, &[]);
    let holder = tempfile::tempdir().unwrap();
    let linked = holder.path().join("linked");
    symlink(honest.path(), &linked).unwrap();
    let report = grade(&linked, "json");
    assert_eq!(tiers(&report), [refused(), refused(), refused()]);
    assert!(
        tier_message(&report, 2).contains("linked is a symbolic link"),
        "{report}"
    );
}

/// Reads the gradebook, quoted fields and all.
fn gradebook(out: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(out.join("gradebook.csv")).unwrap();
    text.lines()
        .map(|line| {
            let mut fields = vec![String::new()];
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        chars.next();
                        fields.last_mut().unwrap().push('"');
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => fields.push(String::new()),
                    (c, _) => fields.last_mut().unwrap().push(c),
                }
            }
            fields
        })
        .collect()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A student folder holding the reference's `src/` (edits applied), in `layout` below the folder.
fn hand_in(class: &Path, student: &str, layout: &str, edits: &[(&str, &str, &str)]) -> PathBuf {
    let fixture = submission(LESSON, edits);
    let target = class.join(student).join(layout);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::rename(fixture.path().join("src"), &target).unwrap();
    target
}

fn batch(class: &Path, out: &Path) -> String {
    let output = run(&[
        "grade",
        "lesson05",
        "--class",
        class.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_class_of_linked_special_and_formula_named_folders_grades_each_student_on_their_own() {
    let class = tempfile::tempdir().unwrap();
    let c = class.path();
    let ada = hand_in(c, "ada", "lessons/lesson05-races/src", &[]);
    // A classmate's file, the reference's, a device, the terminal, a FIFO, an oversized file.
    hand_in(c, "ben", "src", &[]);
    link_tier(&c.join("ben"), "beginner", &ada.join("beginner.rs"));
    hand_in(c, "cat", "src", &[]);
    link_tier(&c.join("cat"), "beginner", &solution("beginner"));
    link_tier(&c.join("cat"), "intermediate", Path::new("/dev/zero"));
    hand_in(c, "dan", "src", &[]);
    link_tier(&c.join("dan"), "beginner", Path::new("/dev/stdin"));
    std::fs::remove_file(c.join("dan/src/advanced.rs")).unwrap();
    mkfifo(&c.join("dan/src/advanced.rs"));
    hand_in(c, "eve", "src", &[]);
    oversized(&c.join("eve/src/advanced.rs"), "advanced");
    // Two names for one folder: fay's folder is ada's; gus's src/ is ada's.
    symlink(c.join("ada"), c.join("fay")).unwrap();
    std::fs::create_dir(c.join("gus")).unwrap();
    symlink(&ada, c.join("gus/src")).unwrap();
    // A formula for a name, with honest (buggy) work.
    hand_in(c, "=SUM(40,2)", "src", &[LOST_UPDATE]);
    // The outputs inside the class folder are no student.
    let out = c.join("grades");

    let stdout = batch(c, &out);
    assert!(
        stdout.contains("8 students: 7 graded, 0 without a submission, 0 could not be graded, 1 refused"),
        "{stdout}"
    );
    let rows = gradebook(&out);
    let raw = std::fs::read_to_string(out.join("gradebook.csv")).unwrap();
    assert!(
        raw.lines().nth(1).unwrap().starts_with("\"'=SUM(40,2)\","),
        "a formula is text: {raw}"
    );
    let students: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        students,
        ["'=SUM(40,2)", "ada", "ben", "cat", "dan", "eve", "fay", "gus"]
    );
    let row = |name: &str| -> (Vec<u32>, String) {
        let row = rows.iter().find(|r| r[0] == name).unwrap();
        (
            row[1..6].iter().map(|n| n.parse().unwrap()).collect(),
            row[6].clone(),
        )
    };
    let graded = |scores: [u32; 5]| (scores.to_vec(), "graded".to_owned());
    assert_eq!(row("ada"), graded([20, 20, 20, 60, 60]));
    assert_eq!(row("ben"), graded([0, 20, 20, 40, 60]));
    assert_eq!(row("cat"), graded([0, 0, 20, 20, 60]));
    assert_eq!(row("dan"), graded([0, 20, 0, 20, 60]));
    assert_eq!(row("eve"), graded([20, 20, 0, 40, 60]));
    assert_eq!(row("fay"), (vec![0, 0, 0, 0, 60], "refused".to_owned()));
    assert_eq!(row("gus"), graded([0, 0, 0, 0, 60]));
    let (formula, _) = row("'=SUM(40,2)");
    assert!(formula[0] < 20 && formula[1..3] == [20, 20], "{formula:?}");

    let report = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(out.join(format!("reports/{name}.json"))).unwrap())
            .unwrap()
    };
    for (student, tier, says) in [
        ("ben", 0, "ben/src/beginner.rs is a symbolic link"),
        ("cat", 0, "cat/src/beginner.rs is a symbolic link"),
        ("cat", 1, "cat/src/intermediate.rs is a symbolic link"),
        ("dan", 0, "dan/src/beginner.rs is a symbolic link"),
        ("dan", 2, "dan/src/advanced.rs is a FIFO"),
        ("eve", 2, "eve/src/advanced.rs is larger than 256 KiB"),
        ("gus", 1, "gus/src is a symbolic link"),
    ] {
        let message = report(student)["tiers"][tier]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(says), "{student}: {message}");
    }
    let fay = std::fs::read_to_string(out.join("reports/fay.refused.txt")).unwrap();
    assert!(fay.contains("fay is a symbolic link"), "{fay}");
    assert!(!out.join("reports/fay.json").exists());
    assert!(!out.join("reports/grades.json").exists());

    // An interrupted batch (eve has left the class) leaves the last outputs as they were.
    std::fs::remove_dir_all(c.join("eve")).unwrap();
    let before = (raw.clone(), listing(&out.join("reports")), report("ada"));
    let (mut child, _stdin) = spawn(&[
        "grade",
        "lesson05",
        "--class",
        c.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    // Stopped once a first student is graded (their report written, were it written in place).
    let progress = std::io::BufReader::new(child.stderr.take().unwrap());
    let (lines, first) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(progress).map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    loop {
        let line = first.recv_timeout(DEADLINE).expect("no student was graded");
        if line.starts_with("[1/7]") {
            break;
        }
    }
    assert!(listing(&out).iter().any(|n| n.starts_with(".threadlab-batch-")));
    // Ctrl-C, as a teacher would stop it.
    let signalled = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    child.wait().unwrap();
    let after = (
        std::fs::read_to_string(out.join("gradebook.csv")).unwrap(),
        listing(&out.join("reports")),
        report("ada"),
    );
    // Not assert_eq: the reports would fill the screen.
    assert!(after == before, "the interrupted batch changed the outputs");

    // The next batch replaces them whole: eve's report is gone with her, ada still earns 60.
    let stdout = batch(c, &out);
    assert!(stdout.contains("7 students: 6 graded"), "{stdout}");
    assert_eq!(
        listing(&out),
        [
            "feedback",
            "gradebook.csv",
            "report.html",
            "reports",
            "similarity.csv"
        ]
    );
    let reports = listing(&out.join("reports"));
    assert!(!reports.iter().any(|n| n.starts_with("eve")), "{reports:?}");
    assert_eq!(reports.len(), 7, "{reports:?}");
    let rows = gradebook(&out);
    assert_eq!(
        rows.iter().find(|r| r[0] == "ada").unwrap()[1..6],
        ["20", "20", "20", "60", "60"]
    );
}

#[test]
fn gradescope_results_show_nothing_of_held_back_tests_before_the_due_date() {
    let suite = grader::suite::Suite::load(&root().join("grader/suites").join(LESSON)).unwrap();
    let held_back: Vec<&str> = suite
        .tests
        .iter()
        .filter(|t| t.visibility != grader::suite::Visibility::Visible)
        .map(|t| t.name.as_str())
        .collect();
    assert!(held_back.len() >= 5, "lesson05 holds tests back");
    // Buggy beginner work (visible and held-back tests fail), a borrowed intermediate, honest advanced.
    let dir = submission(LESSON, &[LOST_UPDATE]);
    link_tier(dir.path(), "intermediate", &solution("intermediate"));
    let results = grade(dir.path(), "gradescope");

    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), suite.tests.len(), "every test is in the results");
    let visible: Vec<&Value> = tests.iter().filter(|t| t["visibility"] == "visible").collect();
    let numbers: Vec<String> = visible
        .iter()
        .map(|t| t["number"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (1..=visible.len()).map(|n| n.to_string()).collect();
    assert_eq!(numbers, expected, "visible tests are numbered without gaps");
    // What a student sees before the due date: the top-level output and the visible tests.
    let seen = format!(
        "{}\n{}",
        results["output"],
        serde_json::to_string(&visible).unwrap()
    );
    for name in &held_back {
        assert!(
            !seen.contains(name),
            "{name} is shown before the due date: {seen}"
        );
    }
    for test in tests.iter().filter(|t| t["visibility"] != "visible") {
        assert!(held_back.contains(&test["name"].as_str().unwrap()));
        // These hide the total score too (Gradescope's documented rule).
        assert!(
            ["after_due_date", "after_published"].contains(&test["visibility"].as_str().unwrap()),
            "{test}"
        );
    }
    assert!(results.get("execution_time").is_none());
    assert_eq!(results["stdout_visibility"], "hidden");
    // The output's tier totals are those of the visible tests.
    let output = results["output"].as_str().unwrap();
    for tier in ["beginner", "intermediate", "advanced"] {
        let of_tier = visible.iter().filter(|t| t["tags"][0] == tier);
        let score: u64 = of_tier.clone().map(|t| t["score"].as_u64().unwrap()).sum();
        let max: u64 = of_tier.map(|t| t["max_score"].as_u64().unwrap()).sum();
        assert!(
            output.contains(&format!("{tier}: {score}/{max} (")),
            "{tier}: {output}"
        );
    }
    // The recorded grade is the whole grade of the honest part: no intermediate points.
    let sum = |tier: &str| -> u64 {
        tests
            .iter()
            .filter(|t| t["tags"][0] == tier)
            .map(|t| t["score"].as_u64().unwrap())
            .sum()
    };
    assert_eq!((sum("intermediate"), sum("advanced")), (0, 20));
    assert!(sum("beginner") < 20);
    assert_eq!(
        results["score"].as_u64().unwrap(),
        sum("beginner") + sum("intermediate") + sum("advanced")
    );
    let intermediate = tests.iter().find(|t| t["tags"][0] == "intermediate").unwrap();
    assert!(
        intermediate["output"]
            .as_str()
            .unwrap()
            .contains("is a symbolic link"),
        "{intermediate}"
    );
}
