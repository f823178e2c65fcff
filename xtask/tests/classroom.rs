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
    let lost_update = submission(LESSON, &[LOST_UPDATE]);
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
            "println!(\"test count_hits_totals_every_thread ... ok\");\n    \
             std::process::exit(0);\n    #[allow(unreachable_code)]\n    let counter = HitCounter::new();\n    // A scope",
        )],
    );
    hand_in(c, "eve", "src", &cheats);
    std::fs::create_dir_all(c.join("fay/notes")).unwrap();
    // ada's folder is a git clone (as `gh classroom clone` makes them): its commit is recorded.
    let git = |args: &[&str]| {
        let output = std::process::Command::new("git")
            .args(args)
            .current_dir(c.join("ada"))
            .env("GIT_AUTHOR_NAME", "ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "work"]);
    let ada_commit = git(&["rev-parse", "HEAD"]);

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
        "student,beginner,intermediate,advanced,total,max_score,status,\
         files_sha256,commit,graded_at,grader_version,roster_id,roster_name,roster_email",
        "the first seven columns stay; provenance and the roster's are added at the end"
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
        "fake output and an early exit are no pass: {eve:?}"
    );
    assert_eq!(
        (row("fay"), status("fay")),
        (vec![0, 0, 0, 0, 60], "no_submission".to_owned()),
        "a row without a submission is out of the lesson's points"
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

    // Provenance: the report and the gradebook say what was graded, when and by what.
    let ada: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("reports/ada.json")).unwrap()).unwrap();
    let cell = |name: &str, column: usize| rows.iter().find(|r| r[0] == name).unwrap()[column].clone();
    assert_eq!(ada["commit"], ada_commit.as_str());
    assert_eq!(cell("ada", 8), ada_commit);
    assert_eq!(cell("bob", 8), "", "bob's folder is no clone");
    // The hash is the one the documented recipe gives (report/provenance.rs).
    let recipe = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            "cd lessons/lesson05-races/src && for f in beginner.rs intermediate.rs advanced.rs; do \
             [ -f $f ] && printf '%s\\0%s\\0' $f $(wc -c < $f) && cat $f; done | sha256sum",
        )
        .current_dir(c.join("ada"))
        .output()
        .unwrap();
    let expected = String::from_utf8(recipe.stdout).unwrap();
    let expected = expected.split_whitespace().next().unwrap();
    assert_eq!(ada["files_sha256"], expected);
    assert_eq!(cell("ada", 7), expected);
    assert_eq!(cell("fay", 7), "", "no files, no hash");
    for student in ["ada", "bob", "fay"] {
        let graded_at = cell(student, 9);
        assert!(
            graded_at.len() == 20 && graded_at.ends_with('Z') && graded_at.as_bytes()[10] == b'T',
            "{graded_at}"
        );
        assert!(cell(student, 10).starts_with(env!("CARGO_PKG_VERSION")));
    }
    assert_eq!(ada["graded_at"], cell("ada", 9).as_str());

    // Feedback to hand back: failures with message and hint, no teacher's path, nothing held back.
    let bob: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("reports/bob.json")).unwrap()).unwrap();
    let page = std::fs::read_to_string(out.path().join("feedback/bob.md")).unwrap();
    for path in [c.to_str().unwrap(), root().to_str().unwrap()] {
        assert!(!page.contains(path), "teacher's path {path} in {page}");
    }
    let mut failed_visible = 0;
    for test in bob["tests"].as_array().unwrap() {
        let name = test["name"].as_str().unwrap();
        if test["visibility"] != "visible" {
            assert!(!page.contains(&format!("`{name}`")), "held-back {name} in {page}");
        } else if test["status"] != "passed" {
            failed_visible += 1;
            assert!(
                page.contains(&format!("### `{name}`")),
                "{name} missing from {page}"
            );
            let hint = test["hint"].as_str().unwrap();
            assert!(hint.is_empty() || page.contains(hint), "hint of {name}: {page}");
        }
    }
    assert!(
        failed_visible > 0,
        "bob's lost update fails a visible test: {page}"
    );
    let fay = std::fs::read_to_string(out.path().join("feedback/fay.md")).unwrap();
    assert!(fay.contains("No exercise files of lesson05"), "{fay}");
    let cyd = std::fs::read_to_string(out.path().join("feedback/cyd.md")).unwrap();
    assert!(cyd.contains("does not compile"), "{cyd}");
    assert!(!cyd.contains(c.to_str().unwrap()), "{cyd}");
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

#[test]
fn the_gradescope_bundle_grades_a_submission_end_to_end() {
    let work = tempfile::tempdir().unwrap();
    let zip_path = work.path().join("autograder.zip");
    xtask(&["gradescope", "lesson05", "--out", zip_path.to_str().unwrap()])
        .assert()
        .success();

    // Unzip as Gradescope does, into $AUTOGRADER_ROOT/source.
    let root_dir = work.path().join("autograder");
    let source = root_dir.join("source");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    for name in ["setup.sh", "run_autograder"] {
        let mode = archive.by_name(name).unwrap().unix_mode().unwrap();
        assert_eq!(mode & 0o777, 0o755, "{name} is executable");
    }
    assert!(
        archive
            .by_name("solutions/lesson05-races/src/beginner.rs")
            .is_err()
    );
    archive.extract(&source).unwrap();
    let suite = grader::suite::Suite::load(&source.join("grader/suites/lesson05-races")).unwrap();
    let all = grader::suite::Suite::load(&root().join("grader/suites/lesson05-races")).unwrap();
    assert_eq!(
        suite.tests.len(),
        all.tests.len(),
        "the bundle grades with every test"
    );

    // Share the course's build caches so the run takes seconds, not minutes.
    share_build_cache(&source);
    let run = |submission: Option<&tempfile::TempDir>| -> serde_json::Value {
        let _ = std::fs::remove_dir_all(root_dir.join("submission"));
        std::fs::create_dir_all(root_dir.join("submission")).unwrap();
        if let Some(dir) = submission {
            // A GitHub-submitted repository: the exported layout.
            let target = root_dir.join("submission/lessons/lesson05-races");
            std::fs::create_dir_all(&target).unwrap();
            std::fs::rename(dir.path().join("src"), target.join("src")).unwrap();
        }
        let output = std::process::Command::new("bash")
            .arg(source.join("run_autograder"))
            .env("AUTOGRADER_ROOT", &root_dir)
            .env("CARGO_TARGET_DIR", root().join("target/export-copy"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(root_dir.join("results/results.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let lost_update = submission(LESSON, &[LOST_UPDATE]);
    let results = run(Some(&lost_update));
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), all.tests.len());
    let score = results["score"].as_u64().unwrap();
    assert!((40..60).contains(&score), "{results}");
    for test in tests {
        for field in ["name", "score", "max_score", "status", "output", "visibility"] {
            assert!(test.get(field).is_some(), "{field} missing: {test}");
        }
    }
    // No execution_time: it would count the held-back tests' run time (report/gradescope.rs).
    assert!(results.get("execution_time").is_none() && results["output"].is_string());

    let empty = run(None);
    assert_eq!(empty["score"], 0);
    assert!(
        empty["output"]
            .as_str()
            .unwrap()
            .contains("holds no exercise files"),
        "{empty}"
    );
}

#[test]
fn grading_that_cannot_run_still_reports_the_lessons_points_in_classroom_and_junit() {
    let empty = tempfile::tempdir().unwrap();
    let suite = grader::suite::Suite::load(&root().join("grader/suites/lesson05-races")).unwrap();
    let max: u64 = suite.tests.iter().map(|t| u64::from(t.points)).sum();
    let run = |format: &str| {
        let output = xtask(&[
            "grade",
            "lesson05",
            "--format",
            format,
            "--submission",
            empty.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
        assert_eq!(output.status.code(), Some(3));
        String::from_utf8(output.stdout).unwrap()
    };
    let result: serde_json::Value = serde_json::from_str(&run("classroom")).unwrap();
    assert_eq!(result["status"], "error");
    assert_eq!(result["max_score"].as_u64(), Some(max), "{result}");
    let xml = run("junit");
    assert!(
        xml.starts_with("<?xml")
            && xml.contains("<failure type=\"error\"")
            && xml.contains("holds no exercise files"),
        "{xml}"
    );
    assert!(xml.contains(&format!("0/{max}")), "{xml}");
}

#[test]
fn a_deadline_grades_each_clone_as_it_was_and_only_regrades_one_student() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let c = class.path();
    hand_in(c, "ada", "src", &submission(LESSON, &[]));
    std::fs::create_dir_all(c.join("fay/notes")).unwrap();
    let git = |args: &[&str], date: &str| {
        let output = std::process::Command::new("git")
            .args(args)
            .current_dir(c.join("ada"))
            .env("GIT_AUTHOR_NAME", "ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "-q"], "");
    git(&["add", "."], "");
    git(&["commit", "-q", "-m", "done"], "2026-12-01T10:00:00Z");
    let on_time = git(&["rev-parse", "HEAD"], "");
    // After the deadline ada breaks her beginner tier.
    let beginner = c.join("ada/src/beginner.rs");
    let text = std::fs::read_to_string(&beginner).unwrap();
    std::fs::write(&beginner, text.replacen(LOST_UPDATE.1, LOST_UPDATE.2, 1)).unwrap();
    git(&["commit", "-q", "-am", "late"], "2026-12-03T10:00:00Z");

    let grade = |extra: &[&str]| {
        let mut args = vec![
            "grade",
            "lesson05",
            "--class",
            c.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let output = xtask(&args).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    let stdout = grade(&["--deadline", "2026-12-02T00:00:00Z"]);
    assert!(
        stdout.contains("last commit before 2026-12-02T00:00:00Z"),
        "{stdout}"
    );
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out.path().join("reports").join(name)).unwrap())
            .unwrap()
    };
    let ada = read("ada.json");
    assert_eq!(ada["score"], ada["max_score"], "graded as of the deadline: {ada}");
    assert_eq!(ada["commit"], on_time.as_str());
    assert_eq!(ada["deadline"], "2026-12-02T00:00:00Z");
    assert!(
        ada["subject"]
            .as_str()
            .unwrap()
            .contains(&format!("at commit {on_time}")),
        "{}",
        ada["subject"]
    );
    let page = std::fs::read_to_string(out.path().join("feedback/ada.md")).unwrap();
    assert!(page.contains("your last before the deadline"), "{page}");
    assert!(
        !page.contains("scratch"),
        "no path of the unpacked commit: {page}"
    );
    let first = std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap();

    // Re-grade ada alone, as she is now: fay's row and page stay.
    let stdout = grade(&["--only", "ada"]);
    assert!(stdout.contains("re-graded ada only"), "{stdout}");
    let ada = read("ada.json");
    assert!(ada["score"].as_u64() < ada["max_score"].as_u64(), "{ada}");
    assert!(ada["deadline"].is_null());
    let gradebook = std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap();
    let fay = |text: &str| text.lines().find(|l| l.starts_with("fay,")).unwrap().to_owned();
    assert_eq!(fay(&gradebook), fay(&first), "fay's row is kept as it was");
    assert_eq!(gradebook.lines().count(), 3, "{gradebook}");
    assert!(out.path().join("feedback/fay.md").exists());
}
