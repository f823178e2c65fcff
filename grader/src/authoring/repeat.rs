//! `cargo xtask grade LESSON --repeat N`: grade the same subject N times and name every test whose
//! verdict changed between runs. A suite must give a submission the same grade on every run; this is
//! how a course author checks a buggy variant and a teacher checks a disputed grade.

use crate::course::Course;
use crate::error::Result;
use crate::frontend::{exit, report_error};
use crate::grade::{Request, grade};
use crate::report::Report;
use serde::Serialize;
use std::io::Write;

/// What N grades of one subject gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repeated {
    pub lesson: String,
    pub subject: String,
    pub runs: usize,
    /// Each run's total score.
    pub scores: Vec<u32>,
    pub max_score: u32,
    /// Tests whose status differed between runs, in suite order.
    pub unstable: Vec<Unstable>,
}

/// A test whose verdict changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unstable {
    pub name: String,
    pub tier: String,
    /// The status of each run, in run order.
    pub statuses: Vec<String>,
}

/// Grades `request` `runs` times; `each` sees every finished run.
pub fn repeat(
    course: &Course,
    request: &Request,
    runs: usize,
    each: &mut dyn FnMut(usize, &Report),
) -> Result<Repeated> {
    let mut reports = Vec::with_capacity(runs);
    // Every run runs every test: a re-used verdict would hide exactly the flips this looks for.
    let request = Request {
        reuse: false,
        ..request.clone()
    };
    for run in 0..runs {
        let report = grade(course, &request, &mut |_| {})?;
        each(run, &report);
        reports.push(report);
    }
    Ok(compare(&reports))
}

/// `grade --repeat N`: prints each run's score and every unstable test (or the JSON of it); exit 1
/// when a verdict changed.
pub fn command(course: &Course, request: &Request, runs: usize, json: bool) -> u8 {
    let mut out = anstream::stdout();
    let result = repeat(course, request, runs, &mut |run, report| {
        if !json {
            let _ = writeln!(
                out,
                "run {}: {}/{} in {:.1} s",
                run + 1,
                report.score,
                report.max_score,
                report.duration_ms as f64 / 1000.0
            );
        }
    });
    let repeated = match result {
        Ok(repeated) => repeated,
        Err(error) => return report_error(&error),
    };
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&repeated).expect("always serializes")
        );
    } else if repeated.unstable.is_empty() {
        let _ = writeln!(
            out,
            "every test gave the same verdict in all {} runs",
            repeated.runs
        );
    } else {
        let _ = writeln!(
            out,
            "{} test(s) changed verdict between runs:",
            repeated.unstable.len()
        );
        for test in &repeated.unstable {
            let _ = writeln!(out, "  {}", test.line());
        }
    }
    if repeated.unstable.is_empty() {
        exit::REPORTED
    } else {
        1
    }
}

/// Compares reports of the same subject (at least one).
pub fn compare(reports: &[Report]) -> Repeated {
    let first = &reports[0];
    let runs: Vec<Vec<(String, String, String)>> = reports
        .iter()
        .map(|r| {
            r.tests
                .iter()
                .map(|t| (t.name.clone(), t.tier.to_string(), t.status.as_str().to_owned()))
                .collect()
        })
        .collect();
    Repeated {
        lesson: first.lesson.clone(),
        subject: first.subject.clone(),
        runs: reports.len(),
        scores: reports.iter().map(|r| r.score).collect(),
        max_score: first.max_score,
        unstable: flipped(&runs),
    }
}

/// The tests whose status differs between runs, in the order they first appear. `runs[k]` holds run
/// k's tests as (name, tier, status); a test a run does not have is `missing` in it.
pub fn flipped(runs: &[Vec<(String, String, String)>]) -> Vec<Unstable> {
    let mut tests: Vec<(&str, &str)> = Vec::new();
    for (name, tier, _) in runs.iter().flatten() {
        if !tests.iter().any(|(n, _)| n == name) {
            tests.push((name, tier));
        }
    }
    tests
        .into_iter()
        .filter_map(|(name, tier)| {
            let statuses: Vec<String> = runs
                .iter()
                .map(|run| {
                    run.iter()
                        .find(|(n, _, _)| n == name)
                        .map_or_else(|| "missing".to_owned(), |(_, _, s)| s.clone())
                })
                .collect();
            statuses.iter().any(|s| *s != statuses[0]).then(|| Unstable {
                name: name.to_owned(),
                tier: tier.to_owned(),
                statuses,
            })
        })
        .collect()
}

impl Unstable {
    /// The line both `--repeat` commands print for it: tier, name, each run's status.
    pub fn line(&self) -> String {
        format!("{:<12} {}: {}", self.tier, self.name, self.statuses.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;
    use crate::study::progress::tests::report;
    use crate::tier::Tier;

    #[test]
    fn a_test_that_changes_verdict_is_named_with_every_runs_status() {
        let steady = report(
            "lesson01",
            &[
                ("a", Tier::Beginner, 5, 5, Status::Passed),
                ("b", Tier::Advanced, 0, 5, Status::Failed),
            ],
        );
        let flipped = report(
            "lesson01",
            &[
                ("a", Tier::Beginner, 5, 5, Status::Passed),
                ("b", Tier::Advanced, 0, 5, Status::TimedOut),
            ],
        );
        let passed = report(
            "lesson01",
            &[
                ("a", Tier::Beginner, 5, 5, Status::Passed),
                ("b", Tier::Advanced, 5, 5, Status::Passed),
            ],
        );
        assert!(compare(&[steady.clone(), steady.clone()]).unstable.is_empty());
        let result = compare(&[steady.clone(), flipped, passed]);
        assert_eq!(result.scores, [5, 5, 10]);
        assert_eq!(
            result.unstable,
            [Unstable {
                name: "b".into(),
                tier: "advanced".into(),
                statuses: vec!["failed".into(), "timed_out".into(), "passed".into()],
            }]
        );
    }
}
