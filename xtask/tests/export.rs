//! `cargo xtask export`: a student copy holds no solution and no held-back test, grades the visible
//! tests (saying the rest run when the work is handed in), and its own `cargo test` passes.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every file of the copy as text.
fn texts(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    all_files(dir, &mut files);
    files
        .into_iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (p, text)
        })
        .collect()
}

/// The lines inside `// BEGIN SOLUTION` regions of a solution file.
fn solution_lines(text: &str) -> Vec<String> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("// BEGIN SOLUTION") {
            inside = true;
        } else if trimmed.starts_with("// END SOLUTION") {
            inside = false;
        } else if inside {
            lines.push(trimmed.to_owned());
        }
    }
    lines
}

#[test]
fn a_student_copy_leaks_no_solution_and_no_held_back_test() {
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("copy");
    let output = xtask(&["export", "--out", copy.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!copy.join("solutions").exists() && !copy.join(".git").exists());
    assert!(!copy.join("xtask/tests").exists() && !copy.join("AUTHORING.md").exists());
    let files = texts(&copy);
    let course = grader::Course::new(root());
    // Lines that also stand anywhere else in the course (the lessons, the suites, the grader, the
    // harness, ...) are not the solution's secret: only what nothing but `solutions/` holds is.
    let public: String = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            !["solutions", "target", ".git", ".threadlab"]
                .iter()
                .any(|n| p.ends_with(n))
        })
        .flat_map(|dir| texts(&dir))
        .map(|(_, text)| text)
        .collect();
    let mut held_back_total = 0;
    let mut secret_total = 0;
    for lesson in course.lessons().unwrap() {
        let suite = grader::suite::Suite::load(&course.suite_dir(&lesson)).unwrap();
        let exported =
            grader::suite::Suite::load(&copy.join("grader/suites").join(&lesson.dir_name)).unwrap();
        for test in &suite.tests {
            let shipped = exported.tests.iter().any(|t| t.name == test.name);
            let visible = test.visibility == grader::suite::Visibility::Visible;
            assert_eq!(shipped, visible, "{}: {}", lesson.id, test.name);
            if visible {
                continue;
            }
            held_back_total += 1;
            for (path, text) in &files {
                assert!(
                    !text.contains(&test.name),
                    "held-back test {} named in {}",
                    test.name,
                    path.display()
                );
                assert!(
                    !text.contains(&test.hint),
                    "held-back hint of {} in {}",
                    test.name,
                    path.display()
                );
            }
        }
        let held: u32 = exported.held_back.iter().map(|h| h.tests).sum();
        assert_eq!(
            held as usize,
            suite.tests.len() - exported.tests.len(),
            "{}",
            lesson.id
        );

        // No line that only a solution region holds.
        let solution_src = course.solution_dir(&lesson).join("src");
        for tier in grader::Tier::ALL {
            let text = std::fs::read_to_string(solution_src.join(tier.file_name())).unwrap();
            let secret: BTreeSet<String> = solution_lines(&text)
                .into_iter()
                .filter(|l| l.len() >= 20 && !l.starts_with("//") && !l.starts_with("use "))
                .filter(|l| !public.contains(l.as_str()))
                .collect();
            secret_total += secret.len();
            for (path, text) in &files {
                for line in &secret {
                    assert!(
                        !text.contains(line.as_str()),
                        "solution line of {} {tier} in {}: {line}",
                        lesson.id,
                        path.display()
                    );
                }
            }
        }
    }
    assert!(
        secret_total > 100,
        "only {secret_total} lines are the solutions' own: the check has no teeth"
    );
    assert!(
        held_back_total > 0,
        "the suites hold some tests back from the student copy"
    );
    let workflow = std::fs::read_to_string(copy.join(".github/workflows/classroom.yml")).unwrap();
    assert!(workflow.contains("name: Autograding Tests") && workflow.contains("--format classroom"));
}

#[test]
fn a_student_copy_grades_its_visible_tests_and_passes_its_own_cargo_test() {
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("copy");
    xtask(&["export", "--out", copy.to_str().unwrap(), "--lessons", "05"])
        .assert()
        .success();
    // Share the course's build caches: the copy's own first build would take minutes.
    share_build_cache(&copy);
    let cargo = |args: &[&str]| {
        let output = Command::new(env!("CARGO"))
            .args(args)
            .current_dir(&copy)
            .env("CARGO_TARGET_DIR", root().join("target/export-copy"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), text)
    };
    let (code, text) = cargo(&["xtask", "grade", "lesson05"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("beginner     --------------------   0/"), "{text}");
    assert!(
        text.contains("held back in this copy: they run when your work is handed in"),
        "{text}"
    );
    assert!(
        text.contains("building the visible tests") && !text.contains("hidden tests"),
        "the copy holds no hidden tests: {text}"
    );
    let (code, text) = cargo(&["xtask", "list"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("1 lesson in this copy") && !text.contains("not written yet"),
        "{text}"
    );
    let (code, text) = cargo(&["xtask", "gradescope", "lesson05", "--out", "g.zip"]);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("`gradescope` works on the full course") && !text.contains("`sync`"),
        "{text}"
    );
    let solution = root().join("solutions/lesson05-races");
    let (code, text) = cargo(&[
        "xtask",
        "grade",
        "lesson05",
        "--submission",
        solution.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("(100%)"),
        "the reference passes every visible test: {text}"
    );
    let (code, text) = cargo(&["xtask", "grade", "lesson05", "--reference"]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("no reference solution"), "{text}");
    let (code, text) = cargo(&["xtask", "sync"]);
    assert_ne!(code, Some(0), "{text}");
    let (code, text) = cargo(&["test", "--quiet"]);
    assert_eq!(code, Some(0), "the copy's own cargo test: {text}");
}

#[test]
fn export_never_writes_into_a_non_empty_directory() {
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("keep.txt"), "mine").unwrap();
    xtask(&["export", "--out", out.path().to_str().unwrap()])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("is not empty"));
    assert_eq!(
        std::fs::read_to_string(out.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_lesson_is_added_to_an_existing_student_copy() {
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("copy");
    let copy_arg = copy.to_str().unwrap();
    xtask(&["export", "--out", copy_arg, "--lessons", "05"])
        .assert()
        .success();
    // The teacher's own edit of the template stays.
    let starter = copy.join("lessons/lesson05-races/src/beginner.rs");
    std::fs::write(&starter, "// edited by the teacher\n").unwrap();
    xtask(&["export", "--out", copy_arg, "--add", "--lessons", "01"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&starter).unwrap(),
        "// edited by the teacher\n"
    );
    assert!(copy.join("lessons/lesson01-threads/src/beginner.rs").is_file());
    assert!(copy.join("grader/suites/lesson01-threads/suite.toml").is_file());
    let manifest = std::fs::read_to_string(copy.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("lessons/lesson01-threads") && manifest.contains("lessons/lesson05-races"),
        "{manifest}"
    );
    let workflow = std::fs::read_to_string(copy.join(".github/workflows/classroom.yml")).unwrap();
    assert!(workflow.ends_with("runners: lesson01,lesson05\n"), "{workflow}");
    let readme = std::fs::read_to_string(copy.join("README.md")).unwrap();
    assert!(
        readme.contains("| lesson01 |") && readme.contains("| lesson05 |"),
        "{readme}"
    );
    assert!(!copy.join("solutions").exists());
    xtask(&["export", "--out", copy_arg, "--add", "--lessons", "05"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "lesson05 is already in the student copy",
        ));
    xtask(&[
        "export",
        "--out",
        out.path().to_str().unwrap(),
        "--add",
        "--lessons",
        "01",
    ])
    .assert()
    .code(3)
    .stderr(predicates::str::contains("is not a student copy"));
}
