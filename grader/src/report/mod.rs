//! The graded result and its renderings: a terminal view and the JSON contract of DESIGN.md.

pub mod classroom;
pub mod feedback;
pub mod gradescope;
pub mod json;
pub mod junit;
pub mod terminal;

use crate::provenance::Provenance;
use crate::sandbox::Protections;
use crate::score::{TestReport, TierReport};
use serde::Serialize;

/// The version of the JSON report; fields may be added, never renamed.
pub const FORMAT_VERSION: u32 = 1;

/// A finished grade.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format_version: u32,
    pub lesson: String,
    pub title: String,
    pub subject: String,
    pub score: u32,
    pub max_score: u32,
    pub duration_ms: u64,
    pub tiers: Vec<TierReport>,
    pub tests: Vec<TestReport>,
    /// The protections that were active around the test processes (added in format 1; see
    /// `SECURITY.md`).
    pub sandbox: Protections,
    /// Where the time went, for `cargo xtask bench` and anyone timing a grade (added in format 1).
    pub phases_ms: Phases,
    /// What was graded, when and by what (added in format 1, at the top level: `files_sha256`,
    /// `commit`, `graded_at`, `grader_version`).
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Milliseconds spent in each step of the pipeline.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Phases {
    /// Resolving the lesson, loading the suite, staging the subject's files.
    pub stage: u64,
    /// Kept for readers of the report; always 0 now: what tier files may not use is checked while
    /// they build (`grading/disallow.rs`), and the token check for compile-time reads is part of
    /// `build`.
    pub lint: u64,
    /// cargo: compiling the subject and linking the test binaries.
    pub build: u64,
    /// Asking each test binary for its list of tests.
    pub list: u64,
    /// Running every test in its own sandboxed process.
    pub run: u64,
}

impl Report {
    /// The score as a percentage of the maximum (100 for an empty suite).
    pub fn percent(&self) -> f64 {
        if self.max_score == 0 {
            100.0
        } else {
            f64::from(self.score) * 100.0 / f64::from(self.max_score)
        }
    }
}
