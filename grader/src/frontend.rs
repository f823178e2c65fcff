//! What `cargo xtask grade` and `sync` do, minus flag parsing: grade with streaming output, a summary
//! and exit codes (the other commands live with their modules: `study`, `classroom`, `authoring`, and
//! call back into [`grade_and_print`] and [`exit`]). xtask only parses flags and calls these.

use crate::course::{Course, title_of};
use crate::error::Error;
use crate::grade::{Event, Request, grade};
use crate::report::terminal::SummaryView;
use crate::report::{Report, classroom, gradescope, json, junit, terminal};
use crate::stage::{self, Subject};
use crate::starter::{self, SyncMode};
use crate::study::backup::Backup;
use crate::study::progress::Progress;
use std::io::Write;

/// How the grade is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Json,
    /// Gradescope's `results.json`.
    Gradescope,
    /// GitHub Classroom's runner result (the grading reporter's input, before base64).
    Classroom,
    /// JUnit XML.
    Junit,
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

/// How `grade` runs and reports.
#[derive(Debug, Clone, Copy)]
pub struct GradeOptions {
    pub format: Format,
    /// Exit with [`exit::BELOW_THRESHOLD`] when the score is below this percentage.
    pub fail_under: Option<f64>,
}

/// Grades and prints; returns the process exit code. A grade of the learner's own files is recorded
/// in their progress (`cargo xtask list`, `hint`).
pub fn grade_command(course: &Course, request: &Request, options: GradeOptions) -> u8 {
    let mut err = anstream::stderr();
    let report = match grade_and_print(course, request, options.format, false) {
        Ok(report) => report,
        Err(code) => return code,
    };
    match options.fail_under {
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

/// One grade, streamed and summarised in `format`; `focus` shows only the first unfinished tier's
/// details (for `watch`). On failure the error is printed and the exit code returned.
pub fn grade_and_print(
    course: &Course,
    request: &Request,
    format: Format,
    focus: bool,
) -> Result<Report, u8> {
    let mut out = anstream::stdout();
    let mut err = anstream::stderr();
    let mut view = SummaryView {
        focus,
        offer_hints: request.subject == Subject::Learner,
        ..SummaryView::default()
    };
    let result = grade(course, request, &mut |event| {
        match (&event, format) {
            (
                Event::Staged {
                    lesson,
                    title,
                    subject,
                    first_build,
                    held_back,
                },
                Format::Terminal,
            ) => {
                view.readme = course.display_path(&course.lesson_dir(lesson).join("README.md"));
                view.held_back = *held_back;
                view.subject_src = stage::subject_src(course, lesson, &request.subject)
                    .map(|src| course.display_path(&src))
                    .unwrap_or_else(|_| "src".to_owned());
                let _ = terminal::header(&mut out, &lesson.id, title, subject);
                let note = building_note(*first_build, course.is_student_copy());
                let _ = terminal::note(&mut out, &note);
            }
            (Event::TestDone { spec, outcome }, Format::Terminal) => {
                let _ = terminal::test_line(&mut out, spec, outcome);
            }
            (_, _) => {}
        }
        let _ = out.flush();
    });
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            // Escaped: an error may name the student's folder or quote their text.
            let _ = writeln!(err, "error: {}", terminal::printable(&error.to_string()));
            // The platforms and CI still get a result, so the student sees why; it is out of the
            // lesson's points, or a total over several lessons would leave this one out.
            let max_score = lesson_max_score(course, &request.lesson);
            match format {
                Format::Classroom => {
                    let _ = writeln!(out, "{}", classroom::render_error(&error.to_string(), max_score));
                }
                Format::Gradescope => {
                    let _ = writeln!(out, "{}", gradescope::render_error(&error.to_string()));
                }
                Format::Junit => {
                    let lesson = course
                        .resolve(&request.lesson)
                        .map_or_else(|_| request.lesson.clone(), |l| l.id);
                    let _ = write!(
                        out,
                        "{}",
                        junit::render_error(&lesson, &error.to_string(), max_score)
                    );
                }
                Format::Terminal | Format::Json => {}
            }
            return Err(error_code(&error));
        }
    };
    if request.subject == Subject::Learner {
        let mut progress = Progress::load(course);
        progress.record(&report);
        if let Err(error) = progress.save(course) {
            let _ = writeln!(err, "warning: your progress was not saved: {error}");
        }
    }
    let printed = match format {
        Format::Terminal => {
            view.next_lesson = course
                .resolve(&report.lesson)
                .and_then(|lesson| course.next_lesson(&lesson))
                .ok()
                .flatten()
                .map(|l| (l.id.clone(), title_of(&l).to_owned()));
            terminal::summary(&mut out, &report, &view)
        }
        Format::Json => writeln!(out, "{}", json::render(&report)),
        Format::Gradescope => writeln!(out, "{}", gradescope::render(&report)),
        Format::Classroom => writeln!(out, "{}", classroom::render(&report)),
        Format::Junit => write!(out, "{}", junit::render(&report)),
    };
    let _ = out.flush();
    if printed.is_err() {
        return Err(exit::CANNOT_GRADE);
    }
    Ok(report)
}

/// The points of the lesson `query` names, as this copy of the course grades it (a student copy's
/// suite holds only the visible tests), or 0 when the lesson or its suite cannot be read.
pub fn lesson_max_score(course: &Course, query: &str) -> u32 {
    course
        .resolve(query)
        .and_then(|lesson| crate::suite::Suite::load(&course.suite_dir(&lesson)))
        .map_or(0, |suite| suite.tests.iter().map(|t| t.points).sum())
}

/// The note while the tests build. A student copy holds only the visible tests: calling them hidden
/// there would be wrong (the held-back ones are not built at all).
fn building_note(first_build: bool, student_copy: bool) -> String {
    let tests = if student_copy {
        "the visible tests"
    } else {
        "the hidden tests"
    };
    if first_build {
        format!(
            "building {tests} against your code (the first build also compiles the grader's \
             dependencies: about half a minute)..."
        )
    } else {
        format!("building {tests} against your code...")
    }
}

/// Says on stderr what went wrong and returns the exit code that goes with it.
pub fn report_error(error: &Error) -> u8 {
    // Escaped: an error may name a student's folder or quote their text.
    let _ = writeln!(
        anstream::stderr(),
        "error: {}",
        terminal::printable(&error.to_string())
    );
    error_code(error)
}

/// The exit code for a grader error: wrong names are usage errors, the rest mean grading could not run.
pub fn error_code(error: &Error) -> u8 {
    match error {
        Error::UnknownLesson { .. } | Error::LessonNotWritten { .. } => exit::USAGE,
        _ => exit::CANNOT_GRADE,
    }
}

/// `cargo xtask grade` without a lesson: the lessons, and how to name one.
pub fn grade_without_lesson(course: &Course) -> u8 {
    let mut out = anstream::stdout();
    let _ = crate::study::list::print(course, &mut out);
    let _ = writeln!(
        out,
        "\nName the lesson to grade: `cargo xtask grade lesson01` (or `1`, or `threads`)."
    );
    exit::USAGE
}

/// Regenerates (or with `check`, compares) the starters of every lesson, or of one: a course
/// author's command. With no lesson named, a starter with uncommitted edits (a learner's work) is left
/// alone unless `force`. Returns the exit code: 1 when `check` found drift or a file was left alone.
pub fn sync_command(course: &Course, lesson: Option<&str>, check: bool, force: bool) -> u8 {
    let mut err = anstream::stderr();
    let lessons = match lesson {
        _ if course.is_student_copy() => Err(Error::NoSolutions),
        Some(query) => course.resolve(query).map(|l| vec![l]),
        None => course.solution_lessons(),
    };
    let lessons = match lessons {
        Ok(lessons) => lessons,
        Err(error) => return report_error(&error),
    };
    let mode = match (check, lesson.is_some() || force) {
        (true, _) => SyncMode::Check,
        (false, true) => SyncMode::Write,
        (false, false) => SyncMode::WriteKeepingEdits,
    };
    let mut backup = Backup::new(course);
    let mut unresolved = false;
    for lesson in &lessons {
        let drift = match starter::sync_lesson(course, lesson, mode, &mut backup) {
            Ok(drift) => drift,
            Err(error) => {
                let _ = writeln!(err, "error: {error}");
                return exit::CANNOT_GRADE;
            }
        };
        for d in &drift {
            let verb = match (mode, d.kept) {
                (SyncMode::Check, _) => "out of date",
                (_, true) => "left alone",
                (_, false) => "regenerated",
            };
            let _ = writeln!(err, "{verb}: {} {}", d.path, d.what);
            if let Some(saved) = &d.saved_to {
                let _ = writeln!(err, "  the replaced version was saved as {saved}");
            }
            unresolved |= mode == SyncMode::Check || d.kept;
        }
    }
    if !unresolved {
        return exit::REPORTED;
    }
    let advice = match mode {
        SyncMode::Check => "the starters differ from the solutions: run `cargo xtask sync` (course authors)",
        _ => {
            "some files were left alone: those with uncommitted edits are kept unless you name the lesson \
             or pass --force (each replaced file is saved first); a Cargo.toml is fixed by hand"
        }
    };
    let _ = writeln!(err, "{advice}");
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_student_copy_builds_its_visible_tests_not_hidden_ones() {
        for first in [true, false] {
            let copy = building_note(first, true);
            assert!(
                copy.starts_with("building the visible tests") && !copy.contains("hidden"),
                "{copy}"
            );
            assert!(building_note(first, false).starts_with("building the hidden tests"));
        }
    }
}
