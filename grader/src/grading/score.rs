//! Scoring: a pure function from the suite and each test's outcome to the report's numbers and
//! statuses. A test scores its points when it passed and nothing otherwise.

use crate::outcome::{Outcome, Status};
use crate::suite::{Suite, Visibility};
use crate::tier::Tier;
use serde::{Deserialize, Serialize};

/// A tier's status in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierStatus {
    Passed,
    Partial,
    Failed,
    NotStarted,
    CompileError,
    /// The tier file uses what the suite disallows (see `Status::Refused`).
    Refused,
}

impl TierStatus {
    /// The JSON contract's string.
    pub fn as_str(self) -> &'static str {
        match self {
            TierStatus::Passed => "passed",
            TierStatus::Partial => "partial",
            TierStatus::Failed => "failed",
            TierStatus::NotStarted => "not_started",
            TierStatus::CompileError => "compile_error",
            TierStatus::Refused => "refused",
        }
    }
}

/// One test's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub name: String,
    pub tier: Tier,
    pub score: u32,
    pub max_score: u32,
    pub status: Status,
    pub message: String,
    /// The manifest's hint, given only when the test did not pass.
    pub hint: String,
    pub duration_ms: u64,
    pub visibility: Visibility,
    /// The test process's output (capped), kept only when the test did not pass.
    pub output: String,
    /// The interleaving that broke the test, when the checked facade recorded one: `focus`,
    /// `threads`, `steps` (`step`, `thread`, `op`, `text`, `object`, `at`) and `deadlock` (`thread`,
    /// `holds`, `waits_for`, `held_by`). The message carries the same drawn as lanes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<serde_json::Value>,
    /// The verdict is the last grade's: nothing it depends on changed, so the test did not run again
    /// (self-study only; added in format 1).
    pub reused: bool,
}

/// Splits the trace's JSON line (the harness appends it to a failure message) from the message.
pub fn split_trace(message: &str) -> (String, Option<serde_json::Value>) {
    let marker = format!("\n{}", TRACE_MARKER);
    match message.rfind(&marker) {
        Some(at) => {
            let json = message[at + marker.len()..].lines().next().unwrap_or_default();
            match serde_json::from_str(json) {
                Ok(trace) => (message[..at].trim_end().to_owned(), Some(trace)),
                Err(_) => (message.to_owned(), None),
            }
        }
        None => (message.to_owned(), None),
    }
}

/// What starts the trace's line in a message (`threadlab_trace::render::JSON_MARKER`).
const TRACE_MARKER: &str = "threadlab-trace-json ";

/// One tier's summary.
#[derive(Debug, Clone, Serialize)]
pub struct TierReport {
    pub tier: Tier,
    pub score: u32,
    pub max_score: u32,
    pub status: TierStatus,
    /// Why the tier did not build (shortened compiler diagnostics or the facade check), else empty.
    pub message: String,
}

/// Scores each tier's tests. `outcomes` is in manifest order; `tier_messages` holds the reason for
/// each tier that did not build.
pub fn score(
    suite: &Suite,
    outcomes: &[Outcome],
    tier_message: impl Fn(Tier) -> String,
) -> (Vec<TierReport>, Vec<TestReport>) {
    let tests: Vec<TestReport> = suite
        .tests
        .iter()
        .zip(outcomes)
        .map(|(spec, outcome)| {
            let passed = outcome.status == Status::Passed;
            let (message, trace) = split_trace(&outcome.message);
            TestReport {
                name: spec.name.clone(),
                tier: spec.tier,
                score: if passed { spec.points } else { 0 },
                max_score: spec.points,
                status: outcome.status,
                message,
                trace,
                reused: outcome.reused,
                hint: if passed { String::new() } else { spec.hint.clone() },
                duration_ms: outcome.duration.as_millis() as u64,
                visibility: spec.visibility,
                output: if passed {
                    String::new()
                } else {
                    outcome.output.clone()
                },
            }
        })
        .collect();
    let tiers = Tier::ALL
        .into_iter()
        .map(|tier| {
            let of_tier: Vec<&TestReport> = tests.iter().filter(|t| t.tier == tier).collect();
            let score = of_tier.iter().map(|t| t.score).sum();
            let max_score = of_tier.iter().map(|t| t.max_score).sum();
            let status = tier_status(
                &of_tier.iter().map(|t| t.status).collect::<Vec<_>>(),
                score,
                max_score,
            );
            let message = if matches!(status, TierStatus::CompileError | TierStatus::Refused) {
                tier_message(tier)
            } else {
                String::new()
            };
            TierReport {
                tier,
                score,
                max_score,
                status,
                message,
            }
        })
        .collect();
    (tiers, tests)
}

/// A tier is `refused` when the facade check turned it away, `compile_error` when it did not build,
/// `not_started` when every test hit a `todo!()`, `passed` with full marks, `failed` with none,
/// `partial` in between.
pub fn tier_status(statuses: &[Status], score: u32, max_score: u32) -> TierStatus {
    if !statuses.is_empty() && statuses.iter().all(|s| *s == Status::Refused) {
        TierStatus::Refused
    } else if statuses.iter().all(|s| *s == Status::CompileError) {
        TierStatus::CompileError
    } else if statuses.iter().all(|s| *s == Status::NotStarted) {
        TierStatus::NotStarted
    } else if score == max_score {
        TierStatus::Passed
    } else if score == 0 {
        TierStatus::Failed
    } else {
        TierStatus::Partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn a_drawn_trace_leaves_the_message_as_json() {
        let message = "hits(): expected 4, got 3\n\nThe schedule ...\n  1 load -> 0\nthreadlab-trace-json {\"focus\":\"x\",\"steps\":[]}";
        let (text, trace) = split_trace(message);
        assert_eq!(
            text,
            "hits(): expected 4, got 3\n\nThe schedule ...\n  1 load -> 0"
        );
        assert_eq!(trace.unwrap()["focus"], "x");
        assert_eq!(split_trace("plain"), ("plain".to_owned(), None));
        let broken = "x\nthreadlab-trace-json {not json";
        assert_eq!(split_trace(broken), (broken.to_owned(), None));
    }

    #[test]
    fn tier_status_follows_the_design() {
        assert_eq!(
            tier_status(&[CompileError, CompileError], 0, 5),
            TierStatus::CompileError
        );
        assert_eq!(tier_status(&[Refused, Refused], 0, 5), TierStatus::Refused);
        assert_eq!(
            tier_status(&[NotStarted, NotStarted], 0, 5),
            TierStatus::NotStarted
        );
        assert_eq!(tier_status(&[NotStarted, Failed], 0, 5), TierStatus::Failed);
        assert_eq!(tier_status(&[Passed, Passed], 5, 5), TierStatus::Passed);
        assert_eq!(tier_status(&[Passed, TimedOut], 2, 5), TierStatus::Partial);
        assert_eq!(tier_status(&[Crashed, TimedOut], 0, 5), TierStatus::Failed);
    }

    #[test]
    fn only_passed_tests_score_and_hints_come_with_failures() {
        let suite: Suite = toml::from_str(
            "title = \"T\"\n[[tests]]\nname = \"a\"\ntier = \"beginner\"\npoints = 3\nhint = \"look\"\n\
             [[tests]]\nname = \"b\"\ntier = \"beginner\"\npoints = 2\nhint = \"see\"\n\
             [[tests]]\nname = \"c\"\ntier = \"advanced\"\npoints = 4\nhint = \"h\"\n",
        )
        .unwrap();
        let outcomes = [
            Outcome::new(Passed, ""),
            Outcome::new(Failed, "expected 2, got 1"),
            Outcome::new(CompileError, ""),
        ];
        let (tiers, tests) = score(&suite, &outcomes, |tier| format!("{tier} broke"));
        assert_eq!(tests.iter().map(|t| t.score).collect::<Vec<_>>(), [3, 0, 0]);
        assert_eq!((tests[0].hint.as_str(), tests[1].hint.as_str()), ("", "see"));
        assert_eq!(
            (tiers[0].score, tiers[0].max_score, tiers[0].status),
            (3, 5, TierStatus::Partial)
        );
        assert_eq!(tiers[1].max_score, 0, "a tier without tests scores 0 of 0");
        assert_eq!(
            (tiers[2].status, tiers[2].message.as_str()),
            (TierStatus::CompileError, "advanced broke")
        );
    }
}
