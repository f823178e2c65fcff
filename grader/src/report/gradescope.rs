//! `--format gradescope`: Gradescope's `results.json`, so the grader can run inside a Gradescope
//! autograder container (write it to `/autograder/results/results.json`).
//!
//! Before the due date a student must learn nothing of the held-back tests (a suite's tests whose
//! `visibility` is not `visible`): not their names, messages, points or tier totals, or they could
//! probe them by resubmitting. What Gradescope shows a student, field by field, after its documented
//! rules ("Controlling Test Case Visibility" in the autograder specifications,
//! gradescope-autograders.readthedocs.io/en/latest/specs/):
//!
//! - a test's entry (`name`, `output`, `score`, `max_score`, `tags`, `number`) is shown as its
//!   `visibility` says: `visible` always, `after_due_date` after the due date, `after_published` once
//!   grades are published, `hidden` never. A held-back test keeps its suite's visibility, so its
//!   entry is out of sight until then.
//! - the top-level `output` has no visibility of its own: it is shown with the results. It therefore
//!   sums up the visible tests only, and says no more of the others than that some are held back.
//! - the total `score`: "If test cases are hidden, students will not be able to see their total
//!   score. Test cases with visibility set to `hidden` don't affect this, since they should only be
//!   used for tests which don't contribute points to the total." The total stays the full score (it
//!   is the grade Gradescope records; a score of the visible tests alone would be a wrong grade
//!   unless every submission were graded again after the due date), and it is hidden by that rule
//!   while an `after_due_date` or `after_published` test is. A held-back `hidden` test that carries
//!   points would not hide it, so it is written as `after_published`: the total and the test stay
//!   out of sight until the teacher publishes the grades, which show those points anyway.
//! - `execution_time` is not documented as hidden and includes the held-back tests' run time (a
//!   held-back test that times out adds its whole timeout), so it is left out when tests are held
//!   back.
//! - the grader's own stdout and stderr are shown to instructors only (`stdout_visibility`, set to
//!   `hidden` here in case the default changes).
//! - the `number` of a visible test counts visible tests only, so the gaps do not say where held-back
//!   tests sit.

use super::Report;
use crate::outcome::Status;
use crate::score::{TestReport, tier_status};
use crate::suite::Visibility;
use serde_json::{Value, json};

/// The report in Gradescope's results format: one entry per test with its tier as a tag; failures
/// carry their message and hint, and a tier that did not compile carries the diagnostics.
pub fn render(report: &Report) -> String {
    let held_back = |test: &TestReport| test.visibility != Visibility::Visible;
    // Visible tests first, so that their numbers are 1, 2, 3, ... whatever is held back.
    let ordered = report
        .tests
        .iter()
        .filter(|t| !held_back(t))
        .chain(report.tests.iter().filter(|t| held_back(t)));
    let tests: Vec<Value> = ordered
        .enumerate()
        .map(|(index, test)| {
            let mut output = String::new();
            if test.status != Status::Passed {
                output.push_str(&format!("{}: {}", test.status, test.message));
                if matches!(test.status, Status::CompileError | Status::Refused) {
                    if let Some(tier) = report.tiers.iter().find(|t| t.tier == test.tier) {
                        output.push_str(&format!("\n\n{}", tier.message));
                    }
                }
                if !test.hint.is_empty() {
                    output.push_str(&format!("\n\nHint: {}", test.hint));
                }
            }
            let visibility = match test.visibility {
                Visibility::Hidden if test.max_score > 0 => Visibility::AfterPublished,
                other => other,
            };
            json!({
                "name": test.name,
                "number": format!("{}", index + 1),
                "score": test.score,
                "max_score": test.max_score,
                "status": if test.status == Status::Passed { "passed" } else { "failed" },
                "output": output,
                "tags": [test.tier.name()],
                "visibility": visibility,
            })
        })
        .collect();
    // The tiers as the visible tests alone make them.
    let summary: Vec<String> = report
        .tiers
        .iter()
        .map(|tier| {
            let visible: Vec<&TestReport> = report
                .tests
                .iter()
                .filter(|t| t.tier == tier.tier && !held_back(t))
                .collect();
            if visible.is_empty() {
                return format!("{}: no visible tests", tier.tier);
            }
            let score = visible.iter().map(|t| t.score).sum();
            let max_score = visible.iter().map(|t| t.max_score).sum();
            let statuses: Vec<Status> = visible.iter().map(|t| t.status).collect();
            let status = tier_status(&statuses, score, max_score);
            format!("{}: {score}/{max_score} ({})", tier.tier, status.as_str())
        })
        .collect();
    let any_held_back = report.tests.iter().any(held_back);
    let output = if any_held_back {
        let after_due_date = report
            .tests
            .iter()
            .filter(|t| held_back(t))
            .all(|t| t.visibility == Visibility::AfterDueDate);
        let when = if after_due_date {
            "after the due date"
        } else {
            "after the due date or once grades are published"
        };
        format!(
            "{} ({}), visible tests: {}\nMore tests are held back; their results are shown {when}",
            report.lesson,
            report.title,
            summary.join(", ")
        )
    } else {
        format!("{} ({}): {}", report.lesson, report.title, summary.join(", "))
    };
    let mut results = json!({
        "score": report.score,
        "output": output,
        "stdout_visibility": "hidden",
        "tests": tests,
    });
    if !any_held_back {
        results["execution_time"] = report.duration_ms.div_ceil(1000).into();
    }
    serde_json::to_string_pretty(&results).expect("a report always serializes")
}

/// Gradescope's results when grading could not run: no points, and why.
pub fn render_error(message: &str) -> String {
    let results = json!({
        "score": 0,
        "output": format!("The autograder could not grade this submission: {message}"),
        "tests": [],
    });
    serde_json::to_string_pretty(&results).expect("always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::{TestReport, TierReport, TierStatus};
    use crate::suite::Visibility;
    use crate::tier::Tier;

    fn test(name: &str, status: Status, score: u32, visibility: Visibility) -> TestReport {
        TestReport {
            name: name.into(),
            tier: Tier::Advanced,
            score,
            max_score: 4,
            status,
            message: format!("{name} expected 1, got 2"),
            hint: if status == Status::Passed {
                String::new()
            } else {
                format!("{name} lock in order")
            },
            duration_ms: 1,
            visibility,
            output: String::new(),
            trace: None,
            reused: false,
        }
    }

    fn report(tests: Vec<TestReport>) -> Report {
        let score = tests.iter().map(|t| t.score).sum();
        let max_score = tests.iter().map(|t| t.max_score).sum();
        Report {
            format_version: 1,
            lesson: "lesson05".into(),
            title: "Race conditions".into(),
            subject: "s".into(),
            score,
            max_score,
            duration_ms: 1500,
            tiers: vec![TierReport {
                tier: Tier::Advanced,
                score,
                max_score,
                status: TierStatus::Partial,
                message: String::new(),
            }],
            sandbox: Default::default(),
            phases_ms: Default::default(),
            provenance: Default::default(),
            tests,
        }
    }

    #[test]
    fn failures_carry_message_hint_and_tier_diagnostics() {
        let report = report(vec![
            test("a", Status::Passed, 4, Visibility::Visible),
            test("b", Status::TimedOut, 0, Visibility::Visible),
        ]);
        let value: Value = serde_json::from_str(&render(&report)).unwrap();
        assert_eq!(
            (value["score"].as_u64(), value["execution_time"].as_u64()),
            (Some(4), Some(2))
        );
        assert_eq!(value["tests"][0]["status"], "passed");
        assert_eq!(value["tests"][0]["output"], "");
        assert_eq!(value["tests"][1]["status"], "failed");
        assert_eq!(
            value["tests"][1]["output"],
            "timed_out: b expected 1, got 2\n\nHint: b lock in order"
        );
        assert_eq!(value["tests"][1]["tags"][0], "advanced");
        assert_eq!(value["stdout_visibility"], "hidden");
        assert_eq!(
            value["output"],
            "lesson05 (Race conditions): advanced: 4/8 (partial)"
        );
    }

    #[test]
    fn nothing_a_student_sees_before_the_due_date_tells_of_held_back_tests() {
        let report = report(vec![
            test("secret_one", Status::Passed, 4, Visibility::AfterDueDate),
            test("shown", Status::Failed, 0, Visibility::Visible),
            test("secret_two", Status::Failed, 0, Visibility::AfterDueDate),
            test("never", Status::Passed, 4, Visibility::Hidden),
        ]);
        let value: Value = serde_json::from_str(&render(&report)).unwrap();
        assert_eq!(
            value["score"], 8,
            "the grade Gradescope records is the full score"
        );
        assert!(value.get("execution_time").is_none());
        let output = value["output"].as_str().unwrap();
        assert_eq!(
            output,
            "lesson05 (Race conditions), visible tests: advanced: 0/4 (failed)\n\
             More tests are held back; their results are shown after the due date or once grades are \
             published"
        );
        let tests = value["tests"].as_array().unwrap();
        let visible: Vec<&Value> = tests.iter().filter(|t| t["visibility"] == "visible").collect();
        assert_eq!(visible.len(), 1);
        assert_eq!(
            (&visible[0]["name"], &visible[0]["number"]),
            (&json!("shown"), &json!("1"))
        );
        let seen = format!("{output}{}", serde_json::to_string(&visible).unwrap());
        assert!(!seen.contains("secret") && !seen.contains("never"), "{seen}");
        // Every held-back test that carries points hides the total by Gradescope's rule.
        for test in tests.iter().filter(|t| t["visibility"] != "visible") {
            assert!(
                ["after_due_date", "after_published"].contains(&test["visibility"].as_str().unwrap()),
                "{test}"
            );
        }
        assert_eq!(tests[3]["name"], "never");
        assert_eq!(tests[3]["visibility"], "after_published");
    }
}
