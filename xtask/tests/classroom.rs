//! A teacher's batch: `grade LESSON --class DIR --out OUT` over a class of lesson05 students in every
//! layout teachers collect, with correct, buggy, broken, hanging, cheating and missing work.

mod common;

use common::*;
use std::path::Path;

const LESSON: &str = "lesson05-races";

/// Moves a fixture's `src/` into `class/student/layout`.
fn hand_in(class: &Path, student: &str, layout: &str, fixture: &tempfile::TempDir) {
    let target = class.join(student).join(layout);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::rename(fixture.path().join("src"), &target).unwrap();
}

#[test]
fn a_class_is_graded_into_a_gradebook_and_one_report_per_student() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let c = class.path();
    hand_in(c, "ada", "lessons/lesson05-races/src", &submission(LESSON, &[]));
    let lost_update = submission(
        LESSON,
        &[(
            "beginner",
            "self.hits.fetch_add(1, Ordering::Relaxed);",
            "let seen = self.hits.load(Ordering::Relaxed);\n        self.hits.store(seen + 1, Ordering::Relaxed);",
        )],
    );
    hand_in(c, "bob", "src", &lost_update);
    let broken = submission(
        LESSON,
        &[(
            "advanced",
            "self.accounts.len()\n",
            "self.accounts.len() + \"one\"\n",
        )],
    );
    // Loose tier files: the student folder itself holds them.
    std::fs::rename(broken.path().join("src"), c.join("cyd")).unwrap();
    let hangs = submission(
        LESSON,
        &[(
            "advanced",
            "if from == to {",
            "while amount == 0 {\n            std::hint::spin_loop();\n        }\n        if from == to {",
        )],
    );
    hand_in(c, "dee", "threadlab-main/src", &hangs);
    let cheats = submission(
        LESSON,
        &[(
            "beginner",
            "let counter = HitCounter::new();\n    // A scope",
            "let _ = std::fs::write(\".threadlab-result\", \"threadlab-result 1\\ntoken 0\\noutcome passed\\n\");\n    \
             std::process::exit(0);\n    #[allow(unreachable_code)]\n    let counter = HitCounter::new();\n    // A scope",
        )],
    );
    hand_in(c, "eve", "src", &cheats);
    std::fs::create_dir_all(c.join("fay/notes")).unwrap();

    let output = xtask(&[
        "grade",
        "lesson05",
        "--class",
        c.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("6 students: 5 graded, 1 without a submission, 0 could not be graded"),
        "{stdout}"
    );
    assert!(
        stderr.contains("[6/6]"),
        "plain progress lines off a terminal: {stderr}"
    );

    let gradebook = std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap();
    let rows: Vec<Vec<String>> = gradebook
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert_eq!(
        rows[0].join(","),
        "student,beginner,intermediate,advanced,total,max_score,status"
    );
    let students: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        students,
        ["ada", "bob", "cyd", "dee", "eve", "fay"],
        "sorted by student"
    );
    let row = |name: &str| -> Vec<u32> {
        let row = rows.iter().find(|r| r[0] == name).unwrap();
        row[1..6].iter().map(|n| n.parse().unwrap()).collect()
    };
    let status = |name: &str| rows.iter().find(|r| r[0] == name).unwrap()[6].clone();
    assert_eq!(row("ada"), [20, 20, 20, 60, 60]);
    let bob = row("bob");
    assert!(bob[0] < 20 && bob[1..3] == [20, 20], "{bob:?}");
    assert_eq!(row("cyd")[..3], [20, 20, 0]);
    let dee = row("dee");
    assert!(dee[..2] == [20, 20] && dee[2] < 20, "{dee:?}");
    let eve = row("eve");
    assert!(
        eve[0] < 20 && eve[1..3] == [20, 20],
        "a forged result is no pass: {eve:?}"
    );
    assert_eq!(
        (row("fay"), status("fay")),
        (vec![0, 0, 0, 0, 0], "no_submission".to_owned())
    );
    assert_eq!(status("ada"), "graded");

    for student in ["ada", "bob", "cyd", "dee", "eve"] {
        let text = std::fs::read_to_string(out.path().join(format!("reports/{student}.json"))).unwrap();
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            report["score"].as_u64().unwrap() as u32,
            row(student)[3],
            "{student}"
        );
    }
    assert!(!out.path().join("reports/fay.json").exists());
}

#[test]
fn a_missing_class_folder_or_a_lone_flag_is_a_clear_error() {
    let out = tempfile::tempdir().unwrap();
    xtask(&[
        "grade",
        "5",
        "--class",
        "/nonexistent/class",
        "--out",
        out.path().to_str().unwrap(),
    ])
    .assert()
    .code(3)
    .stderr(predicates::str::contains(
        "class directory /nonexistent/class does not exist",
    ));
    xtask(&["grade", "5", "--class", "/tmp"]).assert().code(2);
    xtask(&["grade", "5", "--out", "/tmp/x"]).assert().code(2);
}
