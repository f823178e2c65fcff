//! `--format classroom`: the runner result that GitHub Classroom's grading reporter
//! (`classroom-resources/autograding-grading-reporter@v1`) reads, base64-encoded, from a step output:
//! `{"version": 1, "status": "pass"|"fail"|"error", "max_score": N, "tests": [{"name", "status",
//! "score", "message"}]}`.

use super::Report;
use crate::outcome::Status;
use serde_json::{Value, json};

/// The report as a runner result.
pub fn render(report: &Report) -> String {
    let tests: Vec<Value> = report
        .tests
        .iter()
        .map(|test| {
            let status = match test.status {
                Status::Passed => "pass",
                // The code never ran: the reporter's `error`, not a failed assertion.
                Status::CompileError | Status::Refused => "error",
                _ => "fail",
            };
            let mut message = test.message.clone();
            if !test.hint.is_empty() {
                message.push_str(&format!("\nhint: {}", test.hint));
            }
            json!({
                "name": format!("{} {}: {}", report.lesson, test.tier, test.name),
                "status": status,
                "score": test.score,
                "message": message,
            })
        })
        .collect();
    let status = if report.score == report.max_score {
        "pass"
    } else {
        "fail"
    };
    serde_json::to_string(&json!({
        "version": 1,
        "status": status,
        "max_score": report.max_score,
        "tests": tests,
    }))
    .expect("always serializes")
}

/// The runner result when grading could not run at all: 0 out of the lesson's `max_score`. The
/// reporter sums each runner's `max_score` into the total, so a 0 there would drop the lesson from
/// it (23/23 shown where 23/45 is true).
pub fn render_error(message: &str, max_score: u32) -> String {
    serde_json::to_string(&json!({
        "version": 1,
        "status": "error",
        "max_score": max_score,
        "tests": [{ "name": "grading", "status": "error", "score": 0, "message": message }],
    }))
    .expect("always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::progress::tests::report;
    use crate::tier::Tier;

    #[test]
    fn each_test_becomes_pass_fail_or_error_with_its_score() {
        let graded = report(
            "lesson01",
            &[
                ("a", Tier::Beginner, 5, 5, Status::Passed),
                ("b", Tier::Intermediate, 0, 5, Status::TimedOut),
                ("c", Tier::Advanced, 0, 5, Status::CompileError),
            ],
        );
        let result: Value = serde_json::from_str(&render(&graded)).unwrap();
        assert_eq!(result["version"], 1);
        assert_eq!(result["status"], "fail");
        assert_eq!(result["max_score"], 15);
        let statuses: Vec<_> = result["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["status"].clone(), t["score"].clone()))
            .collect();
        assert_eq!(
            statuses,
            [
                (json!("pass"), json!(5)),
                (json!("fail"), json!(0)),
                (json!("error"), json!(0))
            ]
        );
        assert_eq!(result["tests"][0]["name"], "lesson01 beginner: a");
        let error: Value = serde_json::from_str(&render_error("no lesson", 45)).unwrap();
        assert_eq!(error["status"], "error");
        assert_eq!(error["max_score"], 45, "the lesson stays in the reporter's total");
    }
}
