//! The blind bug banks (`bugbanks/`, see its README): every submission graded once, a lesson's bank
//! as one class (one batch: one build directory, builds in parallel), each submission's own tier
//! file alone. A `bug` must cost points in
//! its own tier, exactly the pinned `score` when it has one; a `correct` one must keep its tier's
//! full marks. A bug the suite does not catch yet is listed with `known_miss = "why"`, so the test
//! says what it is and fails the day the suite catches it (then pin its score instead), unless it is
//! also marked `sometimes_caught = true`: a race that real threads hit on some runs only.

mod common;

use common::*;
use std::path::{Path, PathBuf};

#[derive(Debug, serde::Deserialize)]
struct Bug {
    kind: String,
    tier: String,
    #[serde(default)]
    score: Option<u64>,
    #[serde(default)]
    known_miss: Option<String>,
    /// A known miss that real threads catch on some runs only (a race no test can force): its score
    /// is not pinned, and a run that catches it is no news.
    #[serde(default)]
    sometimes_caught: bool,
}

/// Each submission of `lesson_dir`'s banks: its folder (named `<bank>-<NN-name>` in the class) and
/// its `bug.toml`.
fn submissions(lesson_dir: &str) -> Vec<(String, PathBuf, Bug)> {
    let mut found = Vec::new();
    let banks = root().join("bugbanks").join(lesson_dir);
    let Ok(entries) = std::fs::read_dir(&banks) else {
        return found;
    };
    for bank in entries.flatten().filter(|e| e.path().is_dir()) {
        for entry in std::fs::read_dir(bank.path()).unwrap().flatten() {
            let path = entry.path();
            let Ok(text) = std::fs::read_to_string(path.join("bug.toml")) else {
                continue;
            };
            let bug: Bug =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.join("bug.toml").display()));
            let name = format!(
                "{}-{}",
                bank.file_name().to_string_lossy(),
                entry.file_name().to_string_lossy()
            );
            found.push((name, path, bug));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Grades `lesson_dir`'s banks as one class and checks every submission's tier.
fn grade_bank(lesson: &str, lesson_dir: &str) {
    let submissions = submissions(lesson_dir);
    assert!(!submissions.is_empty(), "no bug bank for {lesson_dir}");
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    for (name, path, bug) in &submissions {
        // Only the bank's tier file: the two others are missing, so the starters stand in and their
        // tests stop at the first `todo!()` (grading them as the reference would only cost time; a
        // tier's tests use nothing of another tier).
        let src = class.path().join(name).join("src");
        std::fs::create_dir_all(&src).unwrap();
        let file = format!("{}.rs", bug.tier);
        let from = path.join(&file);
        std::fs::copy(&from, src.join(&file)).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    let output = xtask(&[
        "grade",
        lesson,
        "--class",
        class.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut wrong = Vec::new();
    for (name, _, bug) in &submissions {
        let report = read_report(out.path(), name);
        let tier = report["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tier"] == bug.tier.as_str())
            .unwrap_or_else(|| panic!("{name}: no {} tier in {report}", bug.tier));
        let (score, max) = (
            tier["score"].as_u64().unwrap(),
            tier["max_score"].as_u64().unwrap(),
        );
        let failing: Vec<String> = not_passed(&report);
        // `cargo test --test bugbanks -- --nocapture` shows the whole table.
        eprintln!(
            "{lesson} {name:<40} {:<12} {} {score:>2}/{max} {failing:?}",
            bug.tier, bug.kind
        );
        let verdict = match (bug.kind.as_str(), &bug.known_miss, bug.score) {
            ("correct", None, _) if score != max => {
                Some(format!("a correct design scored {score}/{max}: {failing:?}"))
            }
            ("correct", Some(why), _) if score == max => {
                Some(format!("full marks now: remove `known_miss = \"{why}\"`"))
            }
            ("bug", None, _) if score == max => Some(format!("not caught: {score}/{max}")),
            ("bug", None, Some(pinned)) if score != pinned => {
                Some(format!("scored {score}/{max}, pinned at {pinned}: {failing:?}"))
            }
            ("bug", Some(why), _) if score < max && !bug.sometimes_caught => Some(format!(
                "caught now ({score}/{max}, {failing:?}): remove `known_miss = \"{why}\"` and pin the score"
            )),
            ("bug" | "correct", _, _) => None,
            (other, _, _) => Some(format!("unknown kind `{other}`")),
        };
        if let Some(verdict) = verdict {
            wrong.push(format!("{name} ({}): {verdict}", bug.tier));
        }
    }
    assert!(wrong.is_empty(), "{lesson}'s bug banks:\n{}", wrong.join("\n"));
}

fn read_report(out: &Path, student: &str) -> serde_json::Value {
    let path = out.join("reports").join(format!("{student}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn lesson01_bug_banks() {
    grade_bank("lesson01", "lesson01-threads");
}

#[test]
fn lesson02_bug_banks() {
    grade_bank("lesson02", "lesson02-lifecycle");
}

#[test]
fn lesson03_bug_banks() {
    grade_bank("lesson03", "lesson03-daemons");
}

#[test]
fn lesson04_bug_banks() {
    grade_bank("lesson04", "lesson04-gil");
}

#[test]
fn lesson05_bug_banks() {
    grade_bank("lesson05", "lesson05-races");
}

#[test]
fn lesson06_bug_banks() {
    grade_bank("lesson06", "lesson06-thread-local");
}

#[test]
fn lesson07_bug_banks() {
    grade_bank("lesson07", "lesson07-executors");
}

#[test]
fn lesson08_bug_banks() {
    grade_bank("lesson08", "lesson08-pitfalls");
}

#[test]
fn lesson09_bug_banks() {
    grade_bank("lesson09", "lesson09-downloader");
}
