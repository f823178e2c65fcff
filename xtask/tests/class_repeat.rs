//! `grade LESSON --class DIR --out OUT --repeat N` end to end: the class is graded N times, each run's
//! gradebook kept in `OUT/run-K`, and a class whose grades hold says so with exit 0. (Which students
//! and tests it names when a grade changes is unit-tested in `authoring::repeat_class`: no honest
//! fixture changes its grade on demand.)

mod common;

use common::*;

#[test]
fn a_class_graded_twice_keeps_each_run_and_says_nothing_changed() {
    let class = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let out = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    // lesson06 grades in well under a second: the reference and the untouched starters.
    let reference = submission("lesson06-thread-local", &[]);
    std::fs::rename(reference.path().join("src"), class.path().join("ada")).unwrap();
    let lesson = grader::Lesson::from_dir_name("lesson06-thread-local").unwrap();
    let stubs = starters(&lesson);
    std::fs::rename(stubs.path().join("src"), class.path().join("bob")).unwrap();
    let output = xtask(&[
        "grade",
        "lesson06",
        "--class",
        class.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--repeat",
        "2",
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("run 1: 2 students (2 graded)"), "{stdout}");
    assert!(
        stdout.contains("all 2 students got the same score and verdicts in all 2 runs"),
        "{stdout}"
    );
    for run in ["run-01", "run-02"] {
        let gradebook = std::fs::read_to_string(out.path().join(run).join("gradebook.csv")).unwrap();
        let rows: Vec<&str> = gradebook.lines().skip(1).collect();
        assert_eq!(rows.len(), 2, "{run}: {gradebook}");
        assert!(
            rows[0].starts_with("ada,") && rows[0].contains(",64,64,graded,"),
            "{run}: {gradebook}"
        );
        assert!(
            rows[1].starts_with("bob,0,0,0,0,64,graded,"),
            "{run}: {gradebook}"
        );
    }
}

#[test]
fn only_one_student_cannot_be_repeated() {
    let output = xtask(&[
        "grade", "lesson06", "--class", "c", "--out", "o", "--only", "ada", "--repeat", "2",
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--only") && stderr.contains("--repeat"),
        "{stderr}"
    );
}
