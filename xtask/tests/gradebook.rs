//! `cargo xtask gradebook --out FILE.csv OUT...`: one gradebook over several lessons, from the outputs
//! of `grade LESSON --class DIR --out OUT` runs. The outputs here are written by hand (nothing is
//! graded): a gradebook, a report or a feedback page per folder, as a batch leaves them.

mod common;

use common::xtask;
use std::path::Path;

const HEADER: &str = "student,beginner,intermediate,advanced,total,max_score,status,\
                      files_sha256,commit,graded_at,grader_version,roster_id,roster_name,roster_email";

/// A batch's `--out` folder: its gradebook, and a report (or, without one, a feedback page) naming
/// `lesson`.
fn outputs(dir: &Path, lesson: &str, rows: &str, with_report: bool) {
    std::fs::create_dir_all(dir.join("reports")).unwrap();
    std::fs::create_dir_all(dir.join("feedback")).unwrap();
    std::fs::write(dir.join("gradebook.csv"), format!("{HEADER}\n{rows}")).unwrap();
    if with_report {
        std::fs::write(
            dir.join("reports/ada.json"),
            format!(r#"{{"format_version": 1, "lesson": "{lesson}", "score": 15, "max_score": 30}}"#),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("feedback/bob.md"),
        format!("# {lesson}: feedback for bob\n\n**Not graded.** No exercise files.\n"),
    )
    .unwrap();
}

#[test]
fn two_lessons_make_one_gradebook_and_bad_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (one, five) = (dir.path().join("grades01"), dir.path().join("grades05"));
    outputs(
        &one,
        "lesson01",
        "ada,10,5,0,15,30,graded,ab,,2026-12-06T04:00:00Z,0.1.0,42,\"Lovelace, Ada\",ada@uni.edu\n\
         bob,0,0,0,0,30,no_submission,,,2026-12-06T04:00:00Z,0.1.0,,,\n",
        true,
    );
    // Nobody handed lesson05 in with a grade: its lesson is read from a feedback page.
    outputs(
        &five,
        "lesson05",
        "\"'=SUM(40,2)\",0,0,0,0,45,error,,,2026-12-06T04:00:00Z,0.1.0,,,\n\
         bob,0,0,0,0,45,no_submission,,,2026-12-06T04:00:00Z,0.1.0,7,Bob,bob@uni.edu\n",
        false,
    );
    let out = dir.path().join("all/gradebook.csv");
    let output = xtask(&["gradebook", "--out", out.to_str().unwrap()])
        .arg(&five)
        .arg(&one)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("3 students over lesson01, lesson05"), "{stdout}");
    let combined = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        combined.lines().collect::<Vec<_>>(),
        [
            "student,lesson01_total,lesson01_max,lesson01_status,lesson05_total,lesson05_max,\
             lesson05_status,total,max_score,roster_id,roster_name,roster_email",
            "\"'=SUM(40,2)\",0,30,no_submission,0,45,error,0,75,,,",
            "ada,15,30,graded,0,45,no_submission,15,75,42,\"Lovelace, Ada\",ada@uni.edu",
            "bob,0,30,no_submission,0,45,no_submission,0,75,7,Bob,bob@uni.edu",
        ]
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("all"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(leftovers.len(), 1, "only the gradebook, no temporary file");

    // Refused, with the old combined gradebook left as it was: a lesson twice, a folder without a
    // gradebook, a malformed gradebook, the output over an input.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let broken = dir.path().join("broken");
    outputs(&broken, "lesson02", "ada,1,0,0,x,30,graded,,,,,,,\n", true);
    let out_text = out.to_str().unwrap();
    let input_gradebook = one.join("gradebook.csv");
    for (args, says) in [
        (vec![&one, &one], "are both gradebooks of lesson01"),
        (vec![&one, &empty], "holds no gradebook.csv"),
        (vec![&one, &broken], "`x` is not a whole number"),
    ] {
        let output = xtask(&["gradebook", "--out", out_text])
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), combined);
    }
    let output = xtask(&["gradebook", "--out", input_gradebook.to_str().unwrap()])
        .arg(&one)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is the gradebook of an input"));
    let output = xtask(&["gradebook", "--out", out_text]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "at least one folder is needed");
}

#[test]
fn roster_details_two_lessons_disagree_on_are_said_and_the_first_lessons_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("grades01"), dir.path().join("grades02"));
    outputs(
        &one,
        "lesson01",
        "ada,10,5,0,15,30,graded,ab,,2026-12-06T04:00:00Z,0.1.0,42,Ada,ada@uni.edu\n",
        true,
    );
    outputs(
        &two,
        "lesson02",
        "ada,10,0,0,10,30,graded,cd,,2026-12-07T04:00:00Z,0.1.0,42,Ada,a.lovelace@uni.edu\n",
        true,
    );
    let out = dir.path().join("all.csv");
    let output = xtask(&["gradebook", "--out", out.to_str().unwrap()])
        .arg(&two)
        .arg(&one)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "warning: \"ada\" has two roster_email: lesson01 says \"ada@uni.edu\", lesson02 says \
         \"a.lovelace@uni.edu\"; kept lesson01's (the first lesson that gives one)"
    );
    let combined = std::fs::read_to_string(&out).unwrap();
    assert!(
        combined.ends_with("\nada,15,30,graded,10,30,graded,25,60,42,Ada,ada@uni.edu\n"),
        "{combined}"
    );
}
