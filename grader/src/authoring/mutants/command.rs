//! `cargo xtask mutants` minus flag parsing: list or read the mutants, grade them with streaming
//! output, print the summary or the JSON document, and choose the exit code.

use super::report::{mutant_line, render_json, summary};
use super::{Event, list_mutants, read_mutants, test_mutants};
use crate::course::Course;
use crate::error::Error;
use crate::frontend::exit;
use crate::tier::Tier;
use std::io::Write;
use std::path::PathBuf;

/// How the run is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Json,
}

/// What `cargo xtask mutants` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// `lesson05`, `5` or `races`.
    pub lesson: String,
    /// The tiers whose files are mutated; empty means all three.
    pub tiers: Vec<Tier>,
    /// Exit 1 when the mutation score is below this percentage.
    pub min: Option<f64>,
    pub format: Format,
    /// A recorded `cargo mutants --list --json` output to use instead of running cargo-mutants.
    pub mutants_file: Option<PathBuf>,
}

/// Runs `cargo xtask mutants` and prints; returns the exit code (as `cargo xtask grade`: 1 below
/// `--min`, 2 for an unknown lesson, 3 when the run could not happen).
pub fn command(course: &Course, options: &Options) -> u8 {
    let mut out = anstream::stdout();
    let mut err = anstream::stderr();
    let tiers: Vec<Tier> = if options.tiers.is_empty() {
        Tier::ALL.to_vec()
    } else {
        Tier::ALL
            .into_iter()
            .filter(|t| options.tiers.contains(t))
            .collect()
    };
    let result = course.resolve(&options.lesson).and_then(|lesson| {
        let mutants = match &options.mutants_file {
            Some(path) => {
                let json = std::fs::read_to_string(path).map_err(crate::error::io("read", path))?;
                read_mutants(course, &lesson, &json, &tiers)?
            }
            None => list_mutants(course, &lesson, &tiers)?,
        };
        let terminal = options.format == Format::Terminal;
        test_mutants(course, &lesson, &tiers, mutants, &mut |event| {
            if !terminal {
                return;
            }
            let _ = match event {
                Event::Listed { lesson, mutants } => writeln!(
                    out,
                    "{}: {mutants} mutants of {}; grading the unmutated copy first...",
                    lesson.id,
                    tier_files_text(&tiers)
                ),
                Event::Baseline { duration_ms } => writeln!(
                    out,
                    "the unmutated copy has full marks ({:.1} s); grading each mutant as a submission:",
                    duration_ms as f64 / 1000.0
                ),
                Event::Graded { index, total, graded } => mutant_line(&mut out, index, total, graded),
            };
            let _ = out.flush();
        })
    });
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            return match error {
                Error::UnknownLesson { .. } => exit::USAGE,
                _ => exit::CANNOT_GRADE,
            };
        }
    };
    let printed = match options.format {
        Format::Terminal => summary(&mut out, &report),
        Format::Json => writeln!(out, "{}", render_json(&report)),
    };
    if printed.is_err() {
        return exit::CANNOT_GRADE;
    }
    match options.min {
        Some(min) if report.total.score < min => {
            let _ = writeln!(
                err,
                "mutation score {:.1}% is below --min {min}",
                report.total.score
            );
            exit::BELOW_THRESHOLD
        }
        _ => exit::REPORTED,
    }
}

fn tier_files_text(tiers: &[Tier]) -> String {
    super::tier_files(tiers).join(", ")
}
