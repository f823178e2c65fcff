//! `grade LESSON --class DIR --out OUT --roster FILE.csv --release-held-back` end to end: the roster's
//! id, name and email end each gradebook row (a Classroom clone's folder found by its GitHub user, a
//! roster student without a folder given a row of their own), and the released feedback shows the
//! tests a batch without the flag holds back. The parts have unit tests; this one checks the
//! command line reaches them.

mod common;

use common::*;

const LESSON: &str = "lesson01-threads";

#[test]
fn a_roster_names_the_rows_and_released_feedback_shows_held_back_tests() {
    let class = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let out = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let work = tempfile::tempdir().unwrap();
    // As `gh classroom clone` names it: <assignment>-<GitHub user>. The untouched starters fail
    // every test, held-back ones included.
    let lesson = grader::Lesson::from_dir_name(LESSON).unwrap();
    let ada = starters(&lesson);
    std::fs::rename(
        ada.path().join("src"),
        class.path().join("threads-lesson01-AdaLove"),
    )
    .unwrap();
    let roster = work.path().join("roster.csv");
    std::fs::write(
        &roster,
        "identifier,github_username,github_id,name,email\n\
         42,adalove,1,\"Lovelace, Ada\",ada@uni.edu\n\
         43,cyd,2,Cyd,cyd@uni.edu\n",
    )
    .unwrap();
    let output = xtask(&[
        "grade",
        "lesson01",
        "--class",
        class.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--roster",
        roster.to_str().unwrap(),
        "--release-held-back",
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("held-back tests released"), "{stdout}");
    let gradebook = std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap();
    let rows: Vec<&str> = gradebook.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{gradebook}");
    assert!(
        rows[0].starts_with("cyd,0,0,0,0,60,no_submission,") && rows[0].ends_with(",43,Cyd,cyd@uni.edu"),
        "a roster student without a folder has a row: {gradebook}"
    );
    assert!(
        rows[1].starts_with("threads-lesson01-AdaLove,0,0,0,0,60,graded,")
            && rows[1].ends_with(",42,\"Lovelace, Ada\",ada@uni.edu"),
        "{gradebook}"
    );
    let page = std::fs::read_to_string(out.path().join("feedback/threads-lesson01-AdaLove.md")).unwrap();
    assert!(
        page.contains("`tasks_all_run_at_the_same_time`"),
        "a held-back test, released: {page}"
    );

    // Without the flag the same page keeps it back.
    let held = work.path().join("held");
    let output = xtask(&[
        "grade",
        "lesson01",
        "--class",
        class.path().to_str().unwrap(),
        "--out",
        held.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = std::fs::read_to_string(held.join("feedback/threads-lesson01-AdaLove.md")).unwrap();
    assert!(
        !page.contains("tasks_all_run_at_the_same_time")
            && page.contains("16 more tests were run; their results are released later"),
        "{page}"
    );

    // A roster that cannot be read stops the batch before anything is graded.
    std::fs::write(&roster, "").unwrap();
    let output = xtask(&[
        "grade",
        "lesson01",
        "--class",
        class.path().to_str().unwrap(),
        "--out",
        work.path().join("out").to_str().unwrap(),
        "--roster",
        roster.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("the roster is empty"), "{stderr}");
    assert!(!work.path().join("out").exists(), "nothing was written");
}
