//! `--format gradescope`: Gradescope's `results.json`, so the grader can run inside a Gradescope
//! autograder container (write it to `/autograder/results/results.json`).

use super::Report;
use crate::outcome::Status;
use serde_json::{Value, json};

/// The report in Gradescope's results format: one entry per test with its tier as a tag; failures
/// carry their message and hint, and a tier that did not compile carries the diagnostics.
pub fn render(report: &Report) -> String {
    let tests: Vec<Value> = report
        .tests
        .iter()
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
            json!({
                "name": test.name,
                "number": format!("{}", index + 1),
                "score": test.score,
                "max_score": test.max_score,
                "status": if test.status == Status::Passed { "passed" } else { "failed" },
                "output": output,
                "tags": [test.tier.name()],
                "visibility": test.visibility,
            })
        })
        .collect();
    let summary: Vec<String> = report
        .tiers
        .iter()
        .map(|t| format!("{}: {}/{} ({})", t.tier, t.score, t.max_score, t.status.as_str()))
        .collect();
    let results = json!({
        "score": report.score,
        "execution_time": report.duration_ms.div_ceil(1000),
        "output": format!("{} ({}): {}", report.lesson, report.title, summary.join(", ")),
        "tests": tests,
    });
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

    #[test]
    fn failures_carry_message_hint_and_tier_diagnostics() {
        let test = |name: &str, status, score| TestReport {
            name: name.into(),
            tier: Tier::Advanced,
            score,
            max_score: 4,
            status,
            message: "expected 1, got 2".into(),
            hint: if status == Status::Passed {
                String::new()
            } else {
                "lock in order".into()
            },
            duration_ms: 1,
            visibility: Visibility::Hidden,
            output: String::new(),
            trace: None,
            reused: false,
        };
        let report = Report {
            format_version: 1,
            lesson: "lesson05".into(),
            title: "Race conditions".into(),
            subject: "s".into(),
            score: 4,
            max_score: 8,
            duration_ms: 1500,
            tiers: vec![TierReport {
                tier: Tier::Advanced,
                score: 4,
                max_score: 8,
                status: TierStatus::Partial,
                message: String::new(),
            }],
            sandbox: Default::default(),
            phases_ms: Default::default(),
            tests: vec![test("a", Status::Passed, 4), test("b", Status::TimedOut, 0)],
        };
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
            "timed_out: expected 1, got 2\n\nHint: lock in order"
        );
        assert_eq!(value["tests"][1]["visibility"], "hidden");
        assert_eq!(value["tests"][1]["tags"][0], "advanced");
        assert!(
            value["output"]
                .as_str()
                .unwrap()
                .contains("advanced: 4/8 (partial)")
        );
    }
}
