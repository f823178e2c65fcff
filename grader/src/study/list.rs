//! `cargo xtask list`: every lesson of the syllabus, written or not yet, with each tier's last and best
//! score from the learner's own grades, and the next step.

use super::progress::{LessonProgress, Progress};
use crate::course::{Course, Lesson, title_of};
use crate::error::Result;
use crate::tier::Tier;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

/// `cargo xtask list`; returns the exit code.
pub fn command(course: &Course) -> u8 {
    match print(course, &mut anstream::stdout()) {
        Ok(()) => crate::frontend::exit::REPORTED,
        Err(error) => {
            let _ = writeln!(anstream::stderr(), "error: {error}");
            crate::frontend::exit::CANNOT_GRADE
        }
    }
}

/// Prints the list to `out`.
pub fn print(course: &Course, out: &mut dyn Write) -> Result<()> {
    let lessons = lessons_to_list(course)?;
    let progress = Progress::load(course);
    let _ = render(&lessons, &progress, course, out);
    Ok(())
}

/// The lessons to list: the whole syllabus in the course; in a student copy only the lessons it
/// holds (the teacher chose them: the others are not "not written yet", they are not in the copy).
fn lessons_to_list(course: &Course) -> Result<Vec<(Lesson, bool)>> {
    if course.is_student_copy() {
        Ok(course.lessons()?.into_iter().map(|l| (l, true)).collect())
    } else {
        course.syllabus()
    }
}

fn render(
    syllabus: &[(Lesson, bool)],
    progress: &Progress,
    course: &Course,
    out: &mut dyn Write,
) -> io::Result<()> {
    let written = syllabus.iter().filter(|(_, w)| *w).count();
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let count = if course.is_student_copy() {
        let lessons = if written == 1 { "lesson" } else { "lessons" };
        format!("{written} {lessons} in this copy")
    } else {
        format!("{written} of {} lessons written", syllabus.len())
    };
    writeln!(
        out,
        "{bold}threadlab{bold:#}: {count} (scores are last grade, best in brackets)"
    )?;
    writeln!(out)?;
    for (lesson, is_written) in syllabus {
        let title = title_of(lesson);
        let state = if !is_written {
            format!("{dim}not written yet{dim:#}")
        } else {
            match progress.lessons.get(&lesson.id) {
                None => "not graded yet".to_owned(),
                Some(record) => tiers(record),
            }
        };
        writeln!(out, "  {:<9} {title:<31} {state}", lesson.id)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", next_step(syllabus, progress, course))
}

/// `beginner 20/20  intermediate 12/20 (15)  advanced 0/20`.
fn tiers(record: &LessonProgress) -> String {
    Tier::ALL
        .iter()
        .map(|tier| match record.tiers.get(tier) {
            None => format!("{tier} -"),
            Some(t) => {
                let style = if t.last == t.max {
                    Style::new().fg_color(Some(AnsiColor::Green.into()))
                } else {
                    Style::new()
                };
                let best = if t.best > t.last {
                    format!(" ({})", t.best)
                } else {
                    String::new()
                };
                format!("{tier} {style}{}/{}{style:#}{best}", t.last, t.max)
            }
        })
        .collect::<Vec<_>>()
        .join("  ")
}

/// The first written lesson without full marks in its last grade.
fn next_step(syllabus: &[(Lesson, bool)], progress: &Progress, course: &Course) -> String {
    let unfinished = syllabus
        .iter()
        .filter(|(_, w)| *w)
        .map(|(l, _)| l)
        .find(|lesson| {
            progress.lessons.get(&lesson.id).is_none_or(|record| {
                record.tiers.len() < Tier::ALL.len() || record.tiers.values().any(|t| t.last < t.max)
            })
        });
    match unfinished {
        None if course.is_student_copy() => "Every lesson of this copy has full marks.".to_owned(),
        None => "Every written lesson has full marks. The others are on their way.".to_owned(),
        Some(lesson) => match progress.lessons.get(&lesson.id) {
            None => format!(
                "Next: read {}, then `cargo xtask grade {}`.",
                course.display_path(&course.lesson_dir(lesson).join("README.md")),
                lesson.id
            ),
            Some(_) => format!(
                "Next: {} ({}): `cargo xtask grade {}` (`cargo xtask hint {}` when stuck).",
                lesson.id,
                title_of(lesson),
                lesson.id,
                lesson.id
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;

    #[test]
    fn the_list_shows_every_lesson_scores_and_the_next_step() {
        let root = tempfile::tempdir().unwrap();
        for dir in ["lesson01-threads", "lesson05-races"] {
            let suite = root.path().join("grader/suites").join(dir);
            std::fs::create_dir_all(&suite).unwrap();
            std::fs::write(suite.join("suite.toml"), "").unwrap();
        }
        let course = Course::new(root.path());
        let mut progress = Progress::default();
        progress.record(&super::super::progress::tests::report(
            "lesson01",
            &[
                ("a", Tier::Beginner, 5, 5, Status::Passed),
                ("b", Tier::Intermediate, 5, 5, Status::Passed),
                ("c", Tier::Advanced, 0, 5, Status::Failed),
            ],
        ));
        let mut out = Vec::new();
        render(&lessons_to_list(&course).unwrap(), &progress, &course, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("2 of 9 lessons written"), "{text}");
        assert!(text.contains("advanced 0/5"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.contains("lesson04") && l.contains("not written yet")),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.contains("lesson05") && l.contains("not graded yet")),
            "{text}"
        );
        assert!(text.contains("Next: lesson01"), "{text}");
    }

    #[test]
    fn a_student_copy_lists_only_its_own_lessons() {
        let root = tempfile::tempdir().unwrap();
        for dir in ["lesson01-threads", "lesson05-races"] {
            let suite = root.path().join("grader/suites").join(dir);
            std::fs::create_dir_all(&suite).unwrap();
            std::fs::write(suite.join("suite.toml"), "").unwrap();
            std::fs::create_dir_all(root.path().join("grader/course").join(dir)).unwrap();
        }
        let course = Course::new(root.path());
        assert!(course.is_student_copy());
        let mut out = Vec::new();
        render(
            &lessons_to_list(&course).unwrap(),
            &Progress::default(),
            &course,
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("2 lessons in this copy"), "{text}");
        assert!(
            !text.contains("not written yet") && !text.contains("of 9"),
            "{text}"
        );
        assert!(text.contains("lesson05"), "{text}");
    }
}
