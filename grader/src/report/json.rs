//! `--format json`: the report as DESIGN.md's contract, one JSON document on stdout.

use super::Report;

/// The report as pretty-printed JSON.
pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;
    use crate::score::{TestReport, TierReport, TierStatus};
    use crate::suite::Visibility;
    use crate::tier::Tier;

    #[test]
    fn the_json_has_every_field_of_the_contract() {
        let report = Report {
            format_version: 1,
            lesson: "lesson05".into(),
            title: "Race conditions".into(),
            subject: "lessons/lesson05-races".into(),
            score: 5,
            max_score: 10,
            duration_ms: 12,
            tiers: vec![TierReport {
                tier: Tier::Beginner,
                score: 5,
                max_score: 10,
                status: TierStatus::NotStarted,
                message: String::new(),
            }],
            sandbox: Default::default(),
            phases_ms: Default::default(),
            provenance: Default::default(),
            tests: vec![TestReport {
                name: "t".into(),
                tier: Tier::Beginner,
                score: 0,
                max_score: 5,
                status: Status::TimedOut,
                message: "m".into(),
                hint: "h".into(),
                duration_ms: 3,
                visibility: Visibility::AfterDueDate,
                output: String::new(),
                trace: None,
                reused: false,
            }],
        };
        let value: serde_json::Value = serde_json::from_str(&render(&report)).unwrap();
        for key in [
            "format_version",
            "lesson",
            "title",
            "subject",
            "score",
            "max_score",
            "duration_ms",
            "tiers",
            "tests",
            "sandbox",
            "files_sha256",
            "commit",
            "graded_at",
            "grader_version",
        ] {
            assert!(value.get(key).is_some(), "missing {key}");
        }
        for key in [
            "landlock",
            "pid_namespace",
            "network_namespace",
            "unprivileged_user",
            "verdict",
            "compile",
        ] {
            assert!(value["sandbox"].get(key).is_some(), "missing sandbox.{key}");
        }
        assert_eq!(value["tiers"][0]["status"], "not_started");
        assert_eq!(value["tiers"][0]["tier"], "beginner");
        let test = &value["tests"][0];
        for key in [
            "name",
            "tier",
            "score",
            "max_score",
            "status",
            "message",
            "hint",
            "duration_ms",
            "visibility",
        ] {
            assert!(test.get(key).is_some(), "missing tests[].{key}");
        }
        assert_eq!(test["status"], "timed_out");
        assert_eq!(test["visibility"], "after_due_date");
    }
}
