//! What happened to each test, as data. A learner's failing, hanging or cheating code is an outcome
//! here, never an error of the grader.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// A test's status in the report (the JSON contract's strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    TimedOut,
    Crashed,
    NotStarted,
    CompileError,
    /// The tier file uses what the suite disallows (`[[disallow]]`: std's threads around the checked
    /// facade, course code that would do the exercise, `include!`/`env!`), seen by the compiler.
    Refused,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::TimedOut => "timed_out",
            Status::Crashed => "crashed",
            Status::NotStarted => "not_started",
            Status::CompileError => "compile_error",
            Status::Refused => "refused",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    /// What was expected and what happened; empty for a pass.
    pub message: String,
    /// The test process's stdout and stderr, capped.
    pub output: String,
    pub duration: Duration,
    /// Not run this time: the verdict of the last grade, whose test binary, suite and grader are
    /// the same (self-study only; see `reuse`).
    pub reused: bool,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>) -> Outcome {
        Outcome {
            status,
            message: message.into(),
            output: String::new(),
            duration: Duration::ZERO,
            reused: false,
        }
    }
}
