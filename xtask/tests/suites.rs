//! Every lesson's hidden suite gives its reference full marks and its starters nothing, with every
//! tier `not_started`. The starters graded here are generated afresh from the solutions, never read
//! from `lessons/`: a learner's edits there must not fail `cargo test`. Whether the committed
//! starters (and the learners' manifests) match the solutions is `cargo xtask sync --check`, in CI.

mod common;

use common::*;

fn lessons() -> Vec<grader::Lesson> {
    let lessons = grader::Course::new(root()).lessons().unwrap();
    assert!(!lessons.is_empty(), "no lesson has a hidden suite");
    lessons
}

#[test]
fn every_reference_scores_full_marks() {
    for lesson in lessons() {
        let report = report(&["grade", &lesson.id, "--reference", "--format", "json"]);
        assert_eq!(
            not_passed(&report),
            Vec::<String>::new(),
            "{}: reference tests that did not pass",
            lesson.id
        );
        assert_eq!(report["score"], report["max_score"], "{}", lesson.id);
        for (score, status) in tiers(&report) {
            assert!(
                score > 0 && status == "passed",
                "{}: tier {status} with {score}",
                lesson.id
            );
        }
    }
}

#[test]
fn every_starter_scores_zero_with_every_tier_not_started() {
    for lesson in lessons() {
        let dir = starters(&lesson);
        if !has_todo(dir.path()) {
            // Buggy programs to fix rather than stubs (lesson08): `tests/lesson08.rs` checks them.
            continue;
        }
        let report = grade_json(&lesson.id, dir.path());
        assert_eq!(report["score"], 0, "{}", lesson.id);
        assert_eq!(
            tiers(&report),
            vec![(0, "not_started".to_owned()); 3],
            "{}",
            lesson.id
        );
        for test in report["tests"].as_array().unwrap() {
            assert_eq!(test["status"], "not_started", "{}: {}", lesson.id, test["name"]);
        }
    }
}

/// Whether any generated tier file holds a `todo!()`.
fn has_todo(dir: &std::path::Path) -> bool {
    ["beginner", "intermediate", "advanced"].iter().any(|tier| {
        std::fs::read_to_string(dir.join("src").join(format!("{tier}.rs")))
            .is_ok_and(|text| text.contains("todo!("))
    })
}

#[test]
fn every_suite_lists_at_least_three_tests_per_tier_each_with_a_hint() {
    let course = grader::Course::new(root());
    for lesson in lessons() {
        let suite = grader::suite::Suite::load(&course.suite_dir(&lesson)).unwrap();
        for tier in grader::Tier::ALL {
            let tests: Vec<_> = suite.tier_tests(tier).collect();
            assert!(
                tests.len() >= 3,
                "{} {tier}: only {} tests",
                lesson.id,
                tests.len()
            );
        }
        // The binaries must hold exactly the manifest's tests: checked by grading the reference above,
        // where a test missing from a binary would not pass.
    }
}

#[test]
fn every_suite_has_a_valid_promise_list() {
    // Set THREADLAB_PROMISE_LESSONS=lesson01,lesson02 to check some lessons only.
    let only = std::env::var("THREADLAB_PROMISE_LESSONS").ok();
    let course = grader::Course::new(root());
    let mut failures = Vec::new();
    for lesson in lessons() {
        if only
            .as_deref()
            .is_some_and(|only| !only.split(',').any(|id| id == lesson.id))
        {
            continue;
        }
        let dir = course.suite_dir(&lesson);
        let suite = grader::suite::Suite::load(&dir).unwrap();
        if let Err(error) = grader::authoring::promises::Promises::load(&dir, &suite) {
            failures.push(format!("{}: {error}", lesson.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The hidden tests are a crate of their own so that nothing a tier file declares reaches them: a
/// glob import from the lesson's library would bring it back (a `#[macro_export]`ed `panic` re-exported
/// by a tier module). And the reference, which a student copy does not have, is used only inside
/// tests that copy never holds: never at module level, never in a visible test.
#[test]
fn hidden_tests_import_learner_items_by_name_and_keep_the_reference_out_of_visible_tests() {
    let course = grader::Course::new(root());
    let mut failures = Vec::new();
    for lesson in lessons() {
        let dir = course.suite_dir(&lesson);
        let suite = grader::suite::Suite::load(&dir).unwrap();
        for tier in grader::Tier::ALL {
            let file = dir.join(tier.file_name());
            let text = std::fs::read_to_string(&file).unwrap();
            let mut function: Option<&str> = None;
            for (index, line) in text.lines().enumerate() {
                let place = format!("{}:{}", file.display(), index + 1);
                if let Some(rest) = line.strip_prefix("fn ") {
                    function = rest.split(['(', '<']).next();
                }
                let code = line.split("//").next().unwrap_or_default();
                if code.contains(&format!("{}::", lesson.id)) && code.contains("*") {
                    failures.push(format!("{place}: a glob import from {}", lesson.id));
                }
                if !code.contains("reference::") {
                    continue;
                }
                match function {
                    None => failures.push(format!("{place}: `reference` at module level")),
                    Some(name) => match suite.tests.iter().find(|t| t.name == name) {
                        // A helper stays in a student copy's stripped suite, where there is none.
                        None => failures.push(format!(
                            "{place}: `reference` in the helper {name}: move it into the test that uses it"
                        )),
                        Some(t) if t.visibility == grader::suite::Visibility::Visible => {
                            failures.push(format!("{place}: the visible test {name} uses the reference"));
                        }
                        Some(_) => {}
                    },
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
