//! Shared helpers of the CLI tests: fixture submissions made from a lesson's reference solution with a
//! few lines changed, and running `cargo xtask grade` on them.

#![allow(dead_code)] // each test file uses its own subset

pub mod tmux;

use std::path::{Path, PathBuf};

/// The course root (xtask lives at `<root>/xtask`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// lesson05's lost update: `record` reads the count, then stores it plus one (two steps).
pub const LOST_UPDATE: (&str, &str, &str) = (
    "beginner",
    "self.hits.fetch_add(1, Ordering::Relaxed);",
    "let seen = self.hits.load(Ordering::Relaxed);\n        self.hits.store(seen + 1, Ordering::Relaxed);",
);

/// Points the grader's build directory of the course copy at `copy` to the real course's, so the copy
/// grades in seconds (staged crates are named by their directory, so nothing is reused by mistake).
pub fn share_build_cache(copy: &Path) {
    let build = root().join("target/threadlab/build");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::create_dir_all(copy.join("target/threadlab")).unwrap();
    std::os::unix::fs::symlink(&build, copy.join("target/threadlab/build")).unwrap();
}

/// A submission directory holding a copy of `lesson_dir`'s reference `src/`, with each
/// `(tier, old, new)` edit applied once. Panics when an `old` text is not found, so a fixture can
/// never silently stop testing what it claims to.
pub fn submission(lesson_dir: &str, edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for entry in std::fs::read_dir(root().join("solutions").join(lesson_dir).join("src")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), src.join(entry.file_name())).unwrap();
    }
    for (tier, old, new) in edits {
        let path = src.join(format!("{tier}.rs"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(old), "fixture edit not found in {tier}.rs: {old}");
        std::fs::write(&path, text.replacen(old, new, 1)).unwrap();
    }
    dir
}

/// A submission directory holding the starters that `cargo xtask sync` would generate.
pub fn starters(lesson: &grader::Lesson) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let course = grader::Course::new(root());
    for (name, text) in grader::starter::expected_files(&course, lesson).unwrap() {
        let path = dir.path().join("src").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// `cargo xtask grade` with `args`.
pub fn xtask(args: &[&str]) -> assert_cmd::Command {
    let mut command = assert_cmd::cargo::cargo_bin_cmd!("xtask");
    command.args(args).env("NO_COLOR", "1");
    command
}

/// Runs `cargo xtask` with `args` (a `--format json` grade) and returns the JSON report; the exit
/// code must be 0.
pub fn report(args: &[&str]) -> serde_json::Value {
    let output = xtask(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{args:?} failed: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Grades `dir` as a submission of `lesson` and returns the JSON report.
pub fn grade_json(lesson: &str, dir: &Path) -> serde_json::Value {
    report(&[
        "grade",
        lesson,
        "--format",
        "json",
        "--submission",
        dir.to_str().unwrap(),
    ])
}

/// Grades `dir` as a lesson05 submission with extra environment variables for the grader (the hostile
/// tests' switches and limits); returns the JSON report.
pub fn grade_with(dir: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    grade_lesson_with("lesson05", dir, env)
}

/// Grades `dir` as a submission of `lesson` with extra environment variables for the grader;
/// returns the JSON report.
pub fn grade_lesson_with(lesson: &str, dir: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    let mut command = xtask(&[
        "grade",
        lesson,
        "--format",
        "json",
        "--submission",
        dir.to_str().unwrap(),
    ]);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "grading failed: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `(score, status)` of each tier, in report order.
pub fn tiers(report: &serde_json::Value) -> Vec<(u64, String)> {
    report["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["score"].as_u64().unwrap(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// One test's entry in the report.
pub fn test<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no test {name}"))
}

/// The names of the tests that did not pass.
pub fn not_passed(report: &serde_json::Value) -> Vec<String> {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] != "passed")
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Grades `dir` as a submission of `lesson` `runs` times (`--repeat`) and returns the summary; fails
/// the calling test when any test's verdict changed between runs.
pub fn repeat_json(lesson: &str, dir: &Path, runs: u32) -> serde_json::Value {
    let runs = runs.to_string();
    let output = xtask(&[
        "grade",
        lesson,
        "--format",
        "json",
        "--repeat",
        &runs,
        "--submission",
        dir.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(
        output.status.code(),
        Some(0),
        "verdicts changed between runs: {}",
        summary["unstable"]
    );
    summary
}
