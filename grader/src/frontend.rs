//! What the `cargo xtask` commands do, minus flag parsing: grade with streaming output and exit
//! codes, and keep the starters in sync. xtask only parses flags and calls these.

use crate::course::Course;
use crate::error::Error;
use crate::grade::{Event, Request, grade};
use crate::report::{gradescope, json, terminal};
use crate::starter;
use std::io::Write;

/// How the grade is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Json,
    /// Gradescope's `results.json`.
    Gradescope,
}

/// Exit codes of `cargo xtask grade` (DESIGN.md).
pub mod exit {
    /// A report was produced.
    pub const REPORTED: u8 = 0;
    /// `--fail-under` was given and the score is below it.
    pub const BELOW_THRESHOLD: u8 = 1;
    /// Wrong flags (clap uses the same code).
    pub const USAGE: u8 = 2;
    /// Grading could not run.
    pub const CANNOT_GRADE: u8 = 3;
}

/// Grades and prints; returns the process exit code.
pub fn grade_command(course: &Course, request: &Request, format: Format, fail_under: Option<f64>) -> u8 {
    let mut out = anstream::stdout();
    let mut err = anstream::stderr();
    let mut lesson_dir = String::new();
    let result = grade(course, request, &mut |event| {
        match (&event, format) {
            (
                Event::Staged {
                    lesson,
                    title,
                    subject,
                    first_build,
                },
                Format::Terminal,
            ) => {
                lesson_dir = course.display_path(&course.lesson_dir(lesson));
                let _ = terminal::header(&mut out, &lesson.id, title, subject);
                let note = if *first_build {
                    "building the hidden tests against your code (the first build also compiles the \
                     grader's dependencies: about half a minute)..."
                } else {
                    "building the hidden tests against your code..."
                };
                let _ = terminal::note(&mut out, note);
            }
            (Event::TestDone { spec, outcome }, Format::Terminal) => {
                let _ = terminal::test_line(&mut out, spec, outcome);
            }
            (_, Format::Json | Format::Gradescope) => {}
        }
        let _ = out.flush();
    });
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            if let Error::UnknownLesson { .. } = error {
                return exit::USAGE;
            }
            return exit::CANNOT_GRADE;
        }
    };
    let printed = match format {
        Format::Terminal => terminal::summary(&mut out, &report, &lesson_dir),
        Format::Json => writeln!(out, "{}", json::render(&report)),
        Format::Gradescope => writeln!(out, "{}", gradescope::render(&report)),
    };
    if printed.is_err() {
        return exit::CANNOT_GRADE;
    }
    match fail_under {
        Some(threshold) if report.percent() < threshold => {
            let _ = writeln!(
                err,
                "score {:.1}% is below --fail-under {threshold}",
                report.percent()
            );
            exit::BELOW_THRESHOLD
        }
        _ => exit::REPORTED,
    }
}

/// Regenerates (or with `check`, compares) the starters of every lesson, or of one. Returns the exit
/// code: 1 when `check` found drift.
pub fn sync_command(course: &Course, lesson: Option<&str>, check: bool) -> u8 {
    let mut err = anstream::stderr();
    let lessons = match lesson {
        Some(query) => course.resolve(query).map(|l| vec![l]),
        None => course.solution_lessons(),
    };
    let lessons = match lessons {
        Ok(lessons) => lessons,
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            return exit::CANNOT_GRADE;
        }
    };
    let mut drifted = false;
    for lesson in &lessons {
        match starter::sync_lesson(course, lesson, check) {
            Ok(drift) => {
                for d in &drift {
                    let verb = if check { "out of date" } else { "regenerated" };
                    let _ = writeln!(err, "{verb}: {} {}", d.path, d.what);
                    if let Some(saved) = &d.saved_to {
                        let _ = writeln!(err, "  your version was saved as {saved}");
                    }
                }
                drifted |= !drift.is_empty();
            }
            Err(error) => {
                let _ = writeln!(err, "error: {error}");
                return exit::CANNOT_GRADE;
            }
        }
    }
    if check && drifted {
        let _ = writeln!(
            err,
            "the starters differ from the solutions: run `cargo xtask sync`"
        );
        return 1;
    }
    exit::REPORTED
}
