//! `cargo xtask grade` end to end on lesson05 fixture submissions: each bug or cheat costs points in
//! its own tier only, and the grader always finishes with a report (or a clear error and exit code).

mod common;

use common::*;
use predicates::prelude::*;

const LESSON: &str = "lesson05-races";

/// `add_capped` checking the limit with one lock and adding under another: a check-then-act race.
const CHECK_THEN_ACT: (&str, &str, &str) = (
    "intermediate",
    "let mut value = self.lock();\n        match value.checked_add(amount) {",
    "if self.value() + amount <= limit {\n            self.increment(amount);\n            return true;\n        }\n        \
     let mut value = self.lock();\n        match value.checked_add(amount) {",
);

#[test]
fn a_lost_update_costs_beginner_points_only() {
    let dir = submission(LESSON, &[LOST_UPDATE]);
    let report = grade_json("lesson05", dir.path());
    assert_eq!(
        tiers(&report)[1..],
        [(20, "passed".to_owned()), (20, "passed".to_owned())]
    );
    let records = test(&report, "records_from_two_threads_are_all_kept");
    assert_eq!(records["status"], "failed");
    assert!(
        records["message"].as_str().unwrap().contains("expected 4, got"),
        "{records}"
    );
    assert!(
        records["hint"].as_str().unwrap().contains("fetch_add"),
        "{records}"
    );
    assert!(
        !records["message"].as_str().unwrap().contains("tests/"),
        "no place inside a hidden test file: {records}"
    );
    // The interleaving that lost the update is drawn, and given as data.
    let message = records["message"].as_str().unwrap();
    assert!(message.contains("A lost update: thread "), "{message}");
    assert!(
        message.contains("load -> ") && message.contains("(beginner.rs:"),
        "{message}"
    );
    let trace = &records["trace"];
    assert!(
        trace["focus"].as_str().unwrap().starts_with("AtomicU64 made at"),
        "{trace}"
    );
    let steps = trace["steps"].as_array().unwrap();
    assert!(steps.iter().any(|s| s["op"] == "store"), "{trace}");
    let threads: std::collections::BTreeSet<&str> =
        steps.iter().map(|s| s["thread"].as_str().unwrap()).collect();
    assert!(threads.len() >= 2, "two threads' lanes: {trace}");
    assert!(
        steps
            .iter()
            .all(|s| s["at"].is_null() || s["at"].as_str().unwrap().contains("/src/beginner.rs:")),
        "places name the learner's own file: {trace}"
    );
    assert!(
        test(&report, "new_counter_counts_each_record")
            .get("trace")
            .is_none()
    );
    assert_eq!(tiers(&report)[0].1, "partial");
}

#[test]
fn a_buggy_submission_gets_the_same_verdicts_on_every_run() {
    let dir = submission(LESSON, &[CHECK_THEN_ACT]);
    let summary = repeat_json("lesson05", dir.path(), 3);
    assert_eq!(summary["runs"], 3);
    assert_eq!(summary["scores"], serde_json::json!([51, 51, 51]));
    assert_eq!(summary["unstable"], serde_json::json!([]));
}

#[test]
fn repeat_names_a_test_whose_verdict_changes_between_runs() {
    // This submission fails `spawn_named` on every other grade: it counts its calls in a file.
    let counter = tempfile::tempdir().unwrap();
    let file = counter.path().join("calls");
    let dir = submission(
        "lesson01-threads",
        &[(
            "beginner",
            "thread::Builder::new()",
            &format!(
                "let calls = std::fs::read_to_string({file:?}).map_or(0, |t| t.len()) + usize::from(name == \"worker\");\n    \
                 std::fs::write({file:?}, \"x\".repeat(calls)).unwrap();\n    \
                 assert!(name != \"worker\" || calls % 2 == 0, \"an odd call\");\n    \
                 thread::Builder::new()"
            ),
        )],
    );
    // The counter lives outside the test's own directory and is shared by successive test processes,
    // both of which the sandbox forbids (Landlock; a user id of its own per test): lift just those.
    let output = xtask(&[
        "grade",
        "lesson01",
        "--repeat",
        "3",
        "--submission",
        dir.path().to_str().unwrap(),
    ])
    .env("THREADLAB_NO_LANDLOCK", "1")
    .env("THREADLAB_NO_OWN_USER", "1")
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("1 test(s) changed verdict between runs:")
            && text.lines().any(|line| {
                line.contains("spawn_named_sets_the_thread_name: ")
                    && line.contains("failed")
                    && line.contains("passed")
            }),
        "{text}"
    );
}

#[test]
fn totals_computed_without_starting_threads_do_not_pass() {
    let dir = submission(
        LESSON,
        &[
            (
                "beginner",
                "let counter = HitCounter::new();\n",
                "return threads as u64 * per_thread;\n    #[allow(unreachable_code)]\n    let counter = HitCounter::new();\n",
            ),
            (
                "beginner",
                "let total = Mutex::new(0u64);",
                "return threads as u64 * per_thread;\n    #[allow(unreachable_code)]\n    let total = Mutex::new(0u64);",
            ),
        ],
    );
    let report = grade_json("lesson05", dir.path());
    assert_eq!(
        not_passed(&report),
        [
            "count_hits_totals_every_thread",
            "count_with_mutex_totals_every_thread",
            "counts_match_the_reference"
        ]
    );
    let message = test(&report, "count_hits_totals_every_thread")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("threads started by count_hits(3, 4): expected 3, got 0"),
        "{message}"
    );
}

#[test]
fn check_then_act_costs_intermediate_points_only() {
    let dir = submission(LESSON, &[CHECK_THEN_ACT]);
    let report = grade_json("lesson05", dir.path());
    // The differential test and the histories under the checker see it too.
    assert_eq!(
        not_passed(&report),
        [
            "operation_sequences_match_the_reference",
            "add_capped_respects_the_limit",
            "add_capped_never_overshoots_under_contention",
            "counter_histories_have_a_sequential_order"
        ]
    );
    assert_eq!(tiers(&report)[1], (11, "partial".to_owned()));
}

#[test]
fn locking_from_then_to_deadlocks_and_costs_advanced_points_only() {
    // Lock `from` first, then `to`: the two locks are taken in the order the money moves.
    let dir = submission(
        LESSON,
        &[
            (
                "advanced",
                "let (first, second) = (from.min(to), from.max(to));",
                "let (first, second) = (from, to);",
            ),
            (
                "advanced",
                "let (source, target) = if from < to {",
                "let (source, target) = if first == from {",
            ),
        ],
    );
    let report = grade_json("lesson05", dir.path());
    assert_eq!(
        tiers(&report)[..2],
        [(20, "passed".to_owned()), (20, "passed".to_owned())]
    );
    let deadlock = test(&report, "opposite_transfers_never_deadlock");
    assert_eq!(deadlock["status"], "failed");
    assert!(
        deadlock["message"].as_str().unwrap().starts_with("deadlock:"),
        "{deadlock}"
    );
    // The lock-order cycle is named, with the learner's lines.
    let message = deadlock["message"].as_str().unwrap();
    assert!(
        message.contains("thread 1 holds Mutex #") && message.contains("thread 2 holds Mutex #"),
        "{message}"
    );
    assert!(
        message.contains("and waits for Mutex #") && message.contains("(asked at advanced.rs:"),
        "{message}"
    );
    let cycle = deadlock["trace"]["deadlock"].as_array().unwrap();
    assert_eq!(cycle.len(), 2, "{deadlock}");
    assert_eq!(cycle[0]["held_by"][0], "thread 2");
    assert_eq!(cycle[1]["held_by"][0], "thread 1");
}

#[test]
fn a_total_summed_one_account_at_a_time_costs_advanced_points_only() {
    let dir = submission(
        LESSON,
        &[(
            "advanced",
            "let guards: Vec<MutexGuard<'_, u64>> = self.accounts.iter().map(lock).collect();\n        \
             guards.iter().map(|balance| **balance).sum()",
            "self.accounts.iter().map(|account| *lock(account)).sum()",
        )],
    );
    let report = grade_json("lesson05", dir.path());
    assert_eq!(
        not_passed(&report),
        [
            "total_stays_constant_while_transfers_run",
            "bank_histories_have_a_sequential_order"
        ]
    );
    assert_eq!(tiers(&report)[2].1, "partial");
}

#[test]
fn reaching_std_sync_directly_is_refused_in_that_tier_only() {
    // std's Mutex beside the facade's: it compiles, and the rule (checked on the resolved path, not
    // the spelling) refuses it.
    let dir = submission(
        LESSON,
        &[(
            "intermediate",
            "use crate::sync::Mutex;",
            "use crate::sync::Mutex;\nuse r#std::sync as plain;\n\
             pub static SHADOW: plain::Mutex<i64> = plain::Mutex::new(0);",
        )],
    );
    let report = grade_json("lesson05", dir.path());
    let intermediate = &report["tiers"][1];
    assert_eq!(intermediate["status"], "refused");
    let own_file = format!("{}/src/intermediate.rs:", dir.path().display());
    assert!(
        intermediate["message"].as_str().unwrap().contains(&own_file),
        "the refused line is named in the submission's own file: {intermediate}"
    );
    for test in report["tests"].as_array().unwrap() {
        if test["tier"] == "intermediate" {
            assert_eq!(test["status"], "refused", "{test}");
        }
    }
    assert!(
        intermediate["message"].as_str().unwrap().contains("crate::sync"),
        "{intermediate}"
    );
    assert_eq!(tiers(&report)[0], (20, "passed".to_owned()));
    assert_eq!(tiers(&report)[2], (20, "passed".to_owned()));

    // std's Mutex in place of the facade's does not even compile under the checker: the message
    // says why, in the learner's terms.
    let dir = submission(
        LESSON,
        &[(
            "intermediate",
            "use crate::sync::Mutex;",
            "use std::sync::Mutex;\nuse crate::sync::MutexGuard as _Unused;",
        )],
    );
    let report = grade_json("lesson05", dir.path());
    let intermediate = &report["tiers"][1];
    assert_eq!(intermediate["status"], "compile_error", "{intermediate}");
    assert!(
        intermediate["message"]
            .as_str()
            .unwrap()
            .contains("take them all from `crate::sync` and `crate::thread`"),
        "{intermediate}"
    );
}

#[test]
fn a_compile_error_in_advanced_costs_the_advanced_tier_only() {
    let dir = submission(
        LESSON,
        &[(
            "advanced",
            "self.accounts.len()\n",
            "self.accounts.len() + \"one\"\n",
        )],
    );
    let output = xtask(&["grade", "5", "--submission", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(text.contains("does not compile"), "{text}");
    let own_file = format!("{}/src/advanced.rs:", dir.path().display());
    assert!(
        text.contains(&own_file),
        "the diagnostics point into the learner's own file ({own_file}):\n{text}"
    );
    let report = grade_json("lesson05", dir.path());
    assert_eq!(
        tiers(&report),
        [
            (20, "passed".to_owned()),
            (20, "passed".to_owned()),
            (0, "compile_error".to_owned())
        ]
    );
}

/// Each function below cheats or misbehaves in its own way; only the tests that call it may lose.
#[test]
fn cheats_hangs_crashes_and_floods_never_pass_and_never_stop_the_grader() {
    let dir = submission(
        LESSON,
        &[
            // exit(0) from learner code.
            (
                "beginner",
                "let total = Mutex::new(0u64);",
                "std::process::exit(0);\n    #[allow(unreachable_code)]\n    let total = Mutex::new(0u64);",
            ),
            // Fake test-runner output, then exit(0). (lesson05's tier files may not write files: a
            // forged result file is `hostile.rs`'s, in lesson01.)
            (
                "beginner",
                "let counter = HitCounter::new();\n    // A scope",
                "println!(\"test count_hits_totals_every_thread ... ok\\ntest result: ok. 1 passed; 0 failed\");\n    \
                 std::process::exit(0);\n    #[allow(unreachable_code)]\n    let counter = HitCounter::new();\n    // A scope",
            ),
            // An 8 GiB allocation.
            (
                "intermediate",
                "f.debug_struct(\"ThreadSafeCounter\")",
                "let hog = std::hint::black_box(vec![1u8; 8 << 30]);\n        let _ = hog.len();\n        f.debug_struct(\"ThreadSafeCounter\")",
            ),
            // Megabytes of output, then a panic.
            (
                "intermediate",
                "*self.lock() = 0;",
                "for _ in 0..200_000 {\n            println!(\"flooding the grader with output\");\n        }\n        panic!(\"reset gave up\");",
            ),
            // An endless loop, only for a zero-amount transfer.
            (
                "advanced",
                "if from == to {",
                "while amount == 0 {\n            std::hint::spin_loop();\n        }\n        if from == to {",
            ),
            // abort() for an empty bank.
            (
                "advanced",
                "self.accounts.len()\n",
                "if self.accounts.is_empty() {\n            std::process::abort();\n        }\n        self.accounts.len()\n",
            ),
        ],
    );
    let report = grade_json("lesson05", dir.path());
    let status = |name: &str| test(&report, name)["status"].as_str().unwrap().to_owned();
    let message = |name: &str| test(&report, name)["message"].as_str().unwrap().to_owned();

    assert_eq!(status("count_with_mutex_totals_every_thread"), "failed");
    assert!(
        message("count_with_mutex_totals_every_thread")
            .contains("exited with code 0 before the test finished")
    );
    assert_eq!(
        status("count_hits_totals_every_thread"),
        "failed",
        "fake output is no pass"
    );
    assert_eq!(status("new_counter_counts_each_record"), "passed");

    assert_eq!(status("default_is_zero_and_debug_shows_the_value"), "crashed");
    assert!(message("default_is_zero_and_debug_shows_the_value").contains("ran out of memory"));
    assert_eq!(status("basic_operations_follow_the_spec"), "failed");
    let flooded = test(&report, "basic_operations_follow_the_spec")["output"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        flooded.len() <= 64 * 1024 + 100,
        "output kept: {} bytes",
        flooded.len()
    );
    assert!(flooded.contains("more bytes of output not kept"));
    assert_eq!(status("add_capped_never_overshoots_under_contention"), "passed");

    assert_eq!(
        status("transfer_checks_in_order_and_refusals_change_nothing"),
        "timed_out"
    );
    // The test's own timeout message, not a generic one.
    let hung = message("transfer_checks_in_order_and_refusals_change_nothing");
    assert!(
        hung.contains("did not finish within")
            && hung.contains("a transfer on a single thread never returned"),
        "{hung}"
    );
    assert_eq!(status("new_bank_reports_accounts_and_balances"), "crashed");
    assert!(message("new_bank_reports_accounts_and_balances").contains("SIGABRT"));
    assert_eq!(status("opposite_transfers_never_deadlock"), "passed");
}

#[test]
fn a_submission_is_its_tier_files_only() {
    // A manifest and build script of the submission's own are never used; `src/` itself works too.
    let dir = submission(LESSON, &[]);
    std::fs::write(dir.path().join("Cargo.toml"), "this is not toml [").unwrap();
    std::fs::write(
        dir.path().join("build.rs"),
        "fn main() { panic!(\"build scripts never run\") }",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "compile_error!(\"the course's lib.rs is used\");",
    )
    .unwrap();
    let report = grade_json("races", &dir.path().join("src"));
    assert_eq!(report["score"], report["max_score"]);
    assert!(
        report["subject"].as_str().unwrap().ends_with("src"),
        "{}",
        report["subject"]
    );
}

#[test]
fn a_missing_tier_file_is_not_started_and_not_built() {
    let dir = submission(LESSON, &[]);
    std::fs::remove_file(dir.path().join("src/advanced.rs")).unwrap();
    let report = grade_json("lesson05", dir.path());
    assert_eq!(tiers(&report)[2], (0, "not_started".to_owned()));
    assert_eq!(tiers(&report)[0], (20, "passed".to_owned()));
    let message = test(&report, "opposite_transfers_never_deadlock")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("advanced.rs is missing"), "{message}");
    assert_eq!(
        test(&report, "opposite_transfers_never_deadlock")["status"],
        "not_started"
    );
}

#[test]
fn the_terminal_report_of_the_starters_says_where_to_start() {
    let lesson = grader::Course::new(root()).resolve("5").unwrap();
    let dir = starters(&lesson);
    xtask(&["grade", "lesson05", "--submission", dir.path().to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Grading lesson05 (Race conditions)"))
        .stdout(predicate::str::contains("not started"))
        .stdout(predicate::str::contains("0/60"))
        .stdout(predicate::str::contains(
            "Next: read lessons/lesson05-races/README.md",
        ))
        .stdout(predicate::str::contains("\u{1b}[").not());
    xtask(&[
        "grade",
        "lesson05",
        "--submission",
        dir.path().to_str().unwrap(),
        "--fail-under",
        "50",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("below --fail-under 50"));
}

#[test]
fn bad_input_gets_a_clear_message_and_exit_code() {
    xtask(&["grade", "lesson42"]).assert().code(2).stderr(
        predicate::str::contains("unknown lesson `lesson42`")
            .and(predicate::str::contains("lesson05 (races)")),
    );
    xtask(&["grade", "5", "--submission", "/nonexistent/threadlab"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "submission directory /nonexistent/threadlab does not exist",
        ));
    let empty = tempfile::tempdir().unwrap();
    xtask(&["grade", "5", "--submission", empty.path().to_str().unwrap()])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("holds no exercise files"));
    xtask(&["grade", "5", "--reference", "--submission", "x"])
        .assert()
        .code(2);
    xtask(&["grade", "5", "--format", "xml"]).assert().code(2);
    xtask(&["grade", "5", "--fail-under", "120"]).assert().code(2);
}

#[test]
fn handing_in_the_course_lock_as_your_own_is_refused() {
    // lesson04's intermediate exercise is the lock itself; the course's `CourseGil` is its answer.
    let dir = submission(
        "lesson04-gil",
        &[(
            "intermediate",
            "use ",
            "use crate::interp::CourseGil as _Answer;\nuse ",
        )],
    );
    let report = grade_json("lesson04", dir.path());
    assert_eq!(
        tiers(&report),
        [
            (20, "passed".to_owned()),
            (0, "refused".to_owned()),
            (20, "passed".to_owned())
        ]
    );
    let message = report["tiers"][1]["message"].as_str().unwrap();
    assert!(
        message.contains("use of a disallowed type `lesson04::interp::CourseGil`")
            && message.contains("the intermediate exercise is to write the lock yourself"),
        "{message}"
    );
    // An alias or a glob import names the same item: refused as well.
    let dir = submission(
        "lesson04-gil",
        &[(
            "intermediate",
            "use ",
            "pub type Answer = crate::interp::CourseGil;\nuse ",
        )],
    );
    assert_eq!(
        grade_json("lesson04", dir.path())["tiers"][1]["status"],
        "refused"
    );
}

#[test]
fn serve_announces_its_address_first_and_answers_on_it() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("serve")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    // Kept open until the server is stopped: it may print more.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    let address = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .write_all(b"GET /bytes/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdout);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("content-length: 5"),
        "{response}"
    );
}

/// A later tier may use the learner's own code of an earlier tier (each tier's binary then holds
/// both files), and is held to the same facade: an escape in the file it uses refuses it too.
#[test]
fn a_tier_that_uses_an_earlier_tiers_code_is_graded_with_it() {
    let uses_beginner = (
        "intermediate",
        "use crate::sync::Mutex;\n",
        "use crate::sync::Mutex;\n\n/// The learner's own beginner code, used again.\n\
         pub fn hits_of_a_new_counter() -> u64 {\n    crate::beginner::HitCounter::new().hits()\n}\n",
    );
    let dir = submission(LESSON, &[uses_beginner]);
    let report = grade_json("lesson05", dir.path());
    assert_eq!(report["score"], 60, "{report}");

    let escape = (
        "beginner",
        "use crate::sync::atomic::{AtomicU64, Ordering};",
        "use std::sync::atomic::{AtomicU64, Ordering};",
    );
    let dir = submission(LESSON, &[uses_beginner, escape]);
    let report = grade_json("lesson05", dir.path());
    let statuses: Vec<String> = tiers(&report).into_iter().map(|(_, status)| status).collect();
    assert_eq!(statuses, ["refused", "refused", "passed"], "{report}");
    let message = report["tiers"][1]["message"].as_str().unwrap();
    assert!(message.contains("src/beginner.rs"), "{message}");
}

/// A tier file's own `#![deny(warnings)]` with a `pub` helper no test calls: fine in the learner's
/// library, and fine in the grader's binary as long as the crate root declares the tier modules
/// `pub` (rustc counts unused `pub` items of a binary's `pub` modules as reachable).
#[test]
fn a_files_own_deny_of_warnings_costs_nothing() {
    let strict = (
        "beginner",
        "use crate::sync::Mutex;\n",
        "#![deny(warnings)]\n\nuse crate::sync::Mutex;\n\n/// A helper no test calls.\npub fn unused_helper() -> u8 {\n    1\n}\n",
    );
    let dir = submission(LESSON, &[strict]);
    let report = grade_json("lesson05", dir.path());
    assert_eq!(report["score"], 60, "{report}");
}

/// `cargo xtask` in a course that was copied or moved after xtask was built: cargo runs the old
/// binary (it may not rebuild), but says where the package is now in `CARGO_MANIFEST_DIR`.
#[test]
fn a_copied_or_moved_course_is_graded_where_cargo_runs_it() {
    let copy = tempfile::tempdir().unwrap();
    let suite = copy.path().join("grader/suites/lesson01-threads");
    std::fs::create_dir_all(&suite).unwrap();
    std::fs::write(suite.join("suite.toml"), "").unwrap();
    std::fs::create_dir_all(copy.path().join("xtask")).unwrap();
    let output = xtask(&["list"])
        .env_remove("THREADLAB_ROOT")
        .env("CARGO_MANIFEST_DIR", copy.path().join("xtask"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("1 of 9 lessons written"),
        "the copy's lessons, not the original's: {text}"
    );
}
