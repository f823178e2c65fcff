//! The learner's loop end to end: `list`, `grade`, `hint`, `reset` and `watch` (in a real terminal,
//! through tmux). Every test works on a copy of the course (`THREADLAB_ROOT`), so running `cargo test`
//! never touches a learner's own files or progress.

mod common;

use common::root;
use common::tmux::Tmux;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const LESSON_DIR: &str = "lesson01-threads";

/// A copy of the course holding lesson01 only, sharing the real build cache (so a grade builds in
/// seconds) but not its staged crates, runs or progress.
struct CourseCopy {
    dir: tempfile::TempDir,
    lesson_dir: &'static str,
}

impl CourseCopy {
    fn new() -> CourseCopy {
        CourseCopy::of(&root(), LESSON_DIR)
    }

    /// A copy of the course at `real` holding `lesson_dir` only. Its lesson files are the starters
    /// generated from the solutions, never the ones in `real/lessons/`: those are the learner's,
    /// maybe half-done or not compiling, and a learner's work must not make the course's own tests
    /// fail.
    fn of(real: &Path, lesson_dir: &'static str) -> CourseCopy {
        let dir = tempfile::tempdir().unwrap();
        for part in [
            format!("lessons/{lesson_dir}"),
            format!("solutions/{lesson_dir}"),
            format!("grader/suites/{lesson_dir}"),
            "harness".to_owned(),
            // The lesson crate depends (under its checking feature) on the checked facade.
            "trace".to_owned(),
        ] {
            copy_dir(&real.join(&part), &dir.path().join(&part));
        }
        for file in ["Cargo.toml", "Cargo.lock"] {
            std::fs::copy(real.join(file), dir.path().join(file)).unwrap();
        }
        let course = grader::Course::new(dir.path());
        let lesson = grader::Lesson::from_dir_name(lesson_dir).unwrap();
        for (name, text) in grader::starter::expected_files(&course, &lesson).unwrap() {
            let path = dir.path().join("lessons").join(lesson_dir).join("src").join(name);
            std::fs::write(path, text).unwrap();
        }
        common::share_build_cache(dir.path());
        CourseCopy { dir, lesson_dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn learner_file(&self, tier: &str) -> PathBuf {
        self.path(&format!("lessons/{}/src/{tier}.rs", self.lesson_dir))
    }

    fn reference(&self, tier: &str) -> String {
        std::fs::read_to_string(root().join(format!("solutions/{}/src/{tier}.rs", self.lesson_dir))).unwrap()
    }

    /// The reference's tier file, copied over the learner's.
    fn solve(&self, tier: &str) {
        std::fs::write(self.learner_file(tier), self.reference(tier)).unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .args(args)
            .env("THREADLAB_ROOT", self.dir.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null());
        command
    }

    /// Runs a command; returns (exit code, stdout + stderr).
    fn run(&self, args: &[&str]) -> (i32, String) {
        let Output {
            status,
            stdout,
            stderr,
        } = self.command(args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
        (status.code().unwrap_or(-1), text)
    }
}

#[test]
fn a_copy_never_takes_the_learners_half_done_lesson_files() {
    // A learner's course: lesson01's intermediate tier mid-way and not compiling.
    let learner = CourseCopy::new();
    let broken = learner.learner_file("intermediate");
    let text = std::fs::read_to_string(&broken).unwrap();
    std::fs::write(&broken, format!("{text}fn broken( {{\n")).unwrap();
    let copy = CourseCopy::of(learner.dir.path(), LESSON_DIR);
    assert_eq!(
        std::fs::read_to_string(copy.learner_file("intermediate")).unwrap(),
        text,
        "the copy holds the starter"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn naming_no_lesson_a_near_miss_or_an_unwritten_one_says_what_to_do() {
    let course = CourseCopy::new();
    let (code, text) = course.run(&["grade"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("lesson01") && text.contains("not written yet"),
        "{text}"
    );
    let (code, text) = course.run(&["grade", "lesson1"]);
    assert_eq!(code, 2);
    assert!(text.contains("did you mean lesson01?"), "{text}");
    let (code, text) = course.run(&["grade", "5"]);
    assert_eq!(code, 2);
    assert!(
        text.contains("lesson05 (Race conditions) is part of the course but not written yet"),
        "{text}"
    );
}

#[test]
fn list_and_hint_follow_the_learners_own_grades() {
    let course = CourseCopy::new();
    let (_, text) = course.run(&["list"]);
    assert!(text.contains("not graded yet"), "{text}");
    let (_, text) = course.run(&["hint", "1"]);
    assert!(text.contains("cargo xtask grade lesson01` first"), "{text}");

    course.solve("beginner");
    let (code, text) = course.run(&["grade", "1"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("replace the todo!()s in lessons/lesson01-threads/src/intermediate.rs"),
        "{text}"
    );
    let (_, text) = course.run(&["list"]);
    let line = text.lines().find(|l| l.contains("lesson01")).unwrap();
    assert!(
        line.contains("beginner 20/20") && line.contains("intermediate 0/20"),
        "{line}"
    );

    // The first test that did not pass is now an intermediate one; each call reveals one level more.
    let (_, first) = course.run(&["hint", "lesson01"]);
    assert!(
        first.contains("(intermediate tier): hint 1 of 3") && first.contains("nudge:"),
        "{first}"
    );
    assert!(!first.contains("concept:"), "{first}");
    let (_, second) = course.run(&["hint", "lesson01"]);
    assert!(
        second.contains("hint 2 of 3") && second.contains("concept:"),
        "{second}"
    );
    assert!(second.contains("Last grade: not started"), "{second}");
    let (_, third) = course.run(&["hint", "lesson01"]);
    assert!(
        third.contains("hint 3 of 3") && third.contains("lessons/lesson01-threads/README.md, section"),
        "{third}"
    );
    let (_, fourth) = course.run(&["hint", "lesson01"]);
    assert!(fourth.contains("hint 3 of 3"), "the last level stays: {fourth}");

    let (code, text) = course.run(&["hint", "1", "no_such_test"]);
    assert_eq!(code, 2);
    assert!(text.contains("has no test `no_such_test`"), "{text}");
}

#[test]
fn reset_saves_the_learners_file_outside_target_and_restores_the_starter() {
    let course = CourseCopy::new();
    let advanced = course.learner_file("advanced");
    let starter = std::fs::read_to_string(&advanced).unwrap();
    std::fs::write(&advanced, "my attempt, not compiling {").unwrap();

    let (code, text) = course.run(&["reset", "1", "--tier", "advanced"]);
    assert_eq!(code, 2, "not a terminal and no --yes: {text}");
    assert!(text.contains("--yes"), "{text}");
    assert_eq!(
        std::fs::read_to_string(&advanced).unwrap(),
        "my attempt, not compiling {"
    );

    let (code, text) = course.run(&["reset", "1", "--tier", "advanced", "--yes"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(std::fs::read_to_string(&advanced).unwrap(), starter);
    let saved_dir = text
        .lines()
        .find_map(|l| l.strip_prefix("Your versions are in "))
        .expect("the backup folder is named");
    assert!(saved_dir.starts_with(".threadlab/backups/"), "{saved_dir}");
    let saved = course.path(saved_dir).join("advanced.rs");
    assert_eq!(
        std::fs::read_to_string(saved).unwrap(),
        "my attempt, not compiling {"
    );
    assert!(text.contains("To get them back: cp "), "{text}");

    let (code, text) = course.run(&["reset", "1", "--yes"]);
    assert_eq!(code, 0);
    assert!(text.contains("nothing to reset"), "{text}");
}

#[test]
fn watch_grades_again_on_save_in_a_real_terminal() {
    let course = CourseCopy::new();
    let command = format!(
        "env THREADLAB_ROOT={} NO_COLOR=1 {} watch lesson01",
        course.dir.path().display(),
        env!("CARGO_BIN_EXE_xtask")
    );
    let tmux = Tmux::start(&command);
    let first = tmux.wait_for(Duration::from_secs(300), |s| s.contains("Watching "));
    assert!(first.contains("watch lesson01 (first grade)"), "{first}");
    assert!(
        first.contains("beginner     --------------------   0/20  not started"),
        "{first}"
    );

    course.solve("beginner");
    let saved = Instant::now();
    tmux.wait_for(Duration::from_secs(120), |s| s.contains("beginner.rs changed"));
    let graded = tmux.wait_for(Duration::from_secs(120), |s| {
        s.contains("PASS beginner") || s.contains("FAIL beginner")
    });
    let first_line = saved.elapsed();
    let screen = tmux.wait_for(Duration::from_secs(120), |s| s.contains("Watching "));
    eprintln!(
        "watch: first result line {} ms after the save",
        first_line.as_millis()
    );
    assert!(
        !graded.contains("(first grade)"),
        "the screen was cleared:\n{graded}"
    );
    assert!(
        screen.contains("beginner     ####################  20/20  passed"),
        "{screen}"
    );
    // Only the first unfinished tier's details are shown.
    assert!(
        screen.contains("Next: read") && screen.contains("intermediate.rs"),
        "{screen}"
    );
}

#[test]
fn two_checkouts_sharing_a_build_directory_never_reuse_each_others_binaries() {
    // The stubs are staged first, so their staged files are older than the solved copy's build.
    let stubs = CourseCopy::new();
    let solved = CourseCopy::new();
    let not_started = "beginner     --------------------   0/20  not started";
    let (_, text) = stubs.run(&["grade", "1"]);
    assert!(text.contains(not_started), "{text}");
    solved.solve("beginner");
    let (_, text) = solved.run(&["grade", "1"]);
    assert!(
        text.contains("beginner     ####################  20/20"),
        "{text}"
    );
    let (_, text) = stubs.run(&["grade", "1"]);
    assert!(
        text.contains(not_started),
        "the stubs' own binaries are graded: {text}"
    );
}

/// The statuses and `reused` flags of a JSON report, tier by tier: (tier, status, reused) per test.
fn verdicts(json: &str) -> Vec<(String, String, bool)> {
    let report: serde_json::Value = serde_json::from_str(json).unwrap();
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tier"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
                t["reused"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn reused_tiers(verdicts: &[(String, String, bool)]) -> Vec<&str> {
    let mut tiers: Vec<&str> = verdicts.iter().filter(|v| v.2).map(|v| v.0.as_str()).collect();
    tiers.dedup();
    tiers
}

#[test]
fn a_regrade_reuses_the_verdicts_of_untouched_tiers_only_and_says_so() {
    let course = CourseCopy::new();
    course.solve("beginner");
    let json = |args: &[&str]| {
        let (code, text) = course.run(args);
        assert!(code == 0 || code == 1, "{text}");
        text
    };
    let first = verdicts(&json(&["grade", "1", "--format", "json"]));
    assert!(
        reused_tiers(&first).is_empty(),
        "the first grade runs everything: {first:?}"
    );

    // A one-line edit of the beginner file: the other tiers' binaries stay as they were.
    let beginner = course.learner_file("beginner");
    let mut text = std::fs::read_to_string(&beginner).unwrap();
    text.push_str("// an edit\n");
    std::fs::write(&beginner, &text).unwrap();
    let second = verdicts(&json(&["grade", "1", "--format", "json"]));
    assert_eq!(reused_tiers(&second), ["intermediate", "advanced"], "{second:?}");
    let statuses = |v: &[(String, String, bool)]| v.iter().map(|t| t.1.clone()).collect::<Vec<_>>();
    assert_eq!(
        statuses(&second),
        statuses(&first),
        "re-used verdicts are the last ones"
    );
    let (_, terminal) = course.run(&["grade", "1"]);
    assert!(
        terminal.contains("re-used the last verdicts of every tier")
            && terminal.contains("[re-used: unchanged since the last grade]"),
        "{terminal}"
    );

    // `--fresh`, a changed suite and a submission run every test.
    let fresh = verdicts(&json(&["grade", "1", "--fresh", "--format", "json"]));
    assert!(reused_tiers(&fresh).is_empty(), "{fresh:?}");
    let suite = course.path(&format!("grader/suites/{LESSON_DIR}/suite.toml"));
    let mut manifest = std::fs::read_to_string(&suite).unwrap();
    manifest.push_str("\n# a comment changes the suite's text\n");
    std::fs::write(&suite, manifest).unwrap();
    let changed = verdicts(&json(&["grade", "1", "--format", "json"]));
    assert!(reused_tiers(&changed).is_empty(), "{changed:?}");
    let lessons = course.path(&format!("lessons/{LESSON_DIR}"));
    let submitted = verdicts(&json(&[
        "grade",
        "1",
        "--submission",
        lessons.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert!(reused_tiers(&submitted).is_empty(), "{submitted:?}");
}

/// The loop after a tier's first grade (where an edited tier is rebuilt from the recorded rustc
/// command): every edit is graded as it is now, a broken one as a compile error with the learner's
/// line, a wrong one as failing tests, the repaired one as passing.
#[test]
fn every_edit_in_the_loop_is_graded_as_it_is_now() {
    let course = CourseCopy::new();
    course.solve("beginner");
    let beginner = course.learner_file("beginner");
    let solved = std::fs::read_to_string(&beginner).unwrap();
    let grade = || {
        let (_, text) = course.run(&["grade", "1", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        let tier = report["tiers"][0].clone();
        (
            tier["status"].as_str().unwrap().to_owned(),
            tier["score"].as_u64().unwrap(),
            tier["message"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(grade().0, "passed");
    std::fs::write(&beginner, format!("{solved}// an edit\n")).unwrap();
    assert_eq!(grade().0, "passed");

    std::fs::write(&beginner, format!("{solved}fn broken( {{\n")).unwrap();
    let (status, _, message) = grade();
    assert_eq!(status, "compile_error");
    assert!(
        message.contains("lessons/lesson01-threads/src/beginner.rs"),
        "{message}"
    );

    // Results in reverse input order: it compiles, and the ordering test must fail.
    let reversed = solved.replacen(
        "        .collect()\n    // END SOLUTION",
        "        .rev()\n        .collect()\n    // END SOLUTION",
        1,
    );
    assert_ne!(reversed, solved, "the edit must apply");
    std::fs::write(&beginner, &reversed).unwrap();
    let (status, score, _) = grade();
    assert_eq!(status, "partial");
    std::fs::write(&beginner, format!("{reversed}// an edit\n")).unwrap();
    assert_eq!(grade().1, score, "the same wrong code, the same score");

    std::fs::write(&beginner, &solved).unwrap();
    assert_eq!(grade().0, "passed");
}

/// Every submission is staged as packages of its own, which left their libraries and test binaries
/// in the shared build directory for ever. Only the latest `THREADLAB_KEEP_SUBMISSIONS` graded
/// submissions keep them (2 here, 32 by default); the learner's own lesson is never pruned, so its
/// re-grade after a run of submissions still re-uses every tier's verdicts (its binaries were not
/// rebuilt).
#[test]
fn the_build_directory_keeps_the_latest_submissions_and_the_learners_grade_stays_warm() {
    let course = CourseCopy::new();
    course.solve("beginner");
    let grade = |args: &[&str]| {
        let output = course
            .command(args)
            .env("THREADLAB_KEEP_SUBMISSIONS", "2")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    };
    let first = verdicts(&grade(&["grade", "1", "--format", "json"]));
    assert!(reused_tiers(&first).is_empty(), "{first:?}");

    let stages = course.path("target/threadlab/stage");
    let staged_submissions = || {
        std::fs::read_dir(&stages)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("-submission-"))
            .count()
    };
    // What cargo built for this copy's submissions (the build directory is shared with the real
    // course and other tests): the dep-info files in `deps/` that name a submission's staged sources.
    let deps = root().join("target/threadlab/build/debug/deps");
    let submission_sources = format!("{}/{}-submission-", stages.display(), "lesson01");
    let built_for_submissions = || {
        std::fs::read_dir(&deps)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".d"))
            .filter(|e| {
                std::fs::read_to_string(e.path()).is_ok_and(|text| text.contains(&submission_sources))
            })
            .count()
    };
    let handed_in: Vec<tempfile::TempDir> = (0..4).map(|_| common::submission(LESSON_DIR, &[])).collect();
    let mut after_each = Vec::new();
    for dir in &handed_in {
        let path = dir.path().to_str().unwrap();
        grade(&["grade", "1", "--format", "json", "--submission", path]);
        after_each.push((staged_submissions(), built_for_submissions()));
    }
    let (_, one) = after_each[0];
    assert!(one > 0, "a submission's artifacts are found: {after_each:?}");
    assert_eq!(
        after_each,
        [(1, one), (2, 2 * one), (2, 2 * one), (2, 2 * one)],
        "(staged submissions, their dep-info files in deps/) after each grade"
    );

    let again = verdicts(&grade(&["grade", "1", "--format", "json"]));
    assert_eq!(
        reused_tiers(&again),
        ["beginner", "intermediate", "advanced"],
        "the learner's binaries were neither removed nor rebuilt: {again:?}"
    );
}

/// An edited tier rebuilt by the replay (pipelined: `replay::rebuild`) is refused as a cargo build
/// refuses it: lesson05's item-level `thread_local!`, which clippy reports only as a warning, also
/// behind sixty harmless warnings (the compile sandbox forwards at most fifty warnings of a
/// compiler, and once dropped the refusal with the rest, so the tier passed).
#[test]
fn an_edited_tier_rebuilt_by_the_replay_is_refused_as_a_build_refuses_it() {
    let course = CourseCopy::of(&root(), "lesson05-races");
    for tier in ["beginner", "intermediate", "advanced"] {
        course.solve(tier);
    }
    let beginner = || {
        let output = course
            .command(&["grade", "5", "--format", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
        let tier = &report["tiers"][0];
        (
            tier["score"].as_u64().unwrap(),
            tier["status"].as_str().unwrap().to_owned(),
            tier["message"].as_str().unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(beginner().1, "passed", "the first grade records the commands");
    let honest = course.reference("beginner");
    let trick = "thread_local! { static HITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) }; }\n";
    let lets: String = (0..60).map(|i| format!("    let unused{i} = {i};\n")).collect();
    for (edit, what) in [
        (format!("{honest}{trick}"), "alone"),
        (
            format!("{honest}\npub fn noisy() {{\n{lets}}}\n{trick}"),
            "behind sixty warnings",
        ),
    ] {
        std::fs::write(course.learner_file("beginner"), &edit).unwrap();
        let (score, status, message) = beginner();
        assert_eq!((score, status.as_str()), (0, "refused"), "{what}: {message}");
        assert!(message.contains("std::thread_local"), "{what}: {message}");
        // Back to the honest file: the replay builds it again, and it passes.
        std::fs::write(course.learner_file("beginner"), &honest).unwrap();
        assert_eq!(beginner().1, "passed", "after the refused edit {what}");
    }
    // After a refusal the tier is built by cargo again; the next edit is replayed, and takes the
    // fast path: the test binary compiled against the library's metadata while the library
    // finished (a fall-back to one command after the other, or to cargo, grades the same, slower).
    std::fs::write(course.learner_file("beginner"), format!("{honest}// an edit\n")).unwrap();
    assert_eq!(beginner().1, "passed");
    let record = course.path("target/threadlab/stage/lesson05-learner/replay.json");
    let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(record["tiers"]["beginner"]["rebuilt"], "pipelined", "{record}");
}
