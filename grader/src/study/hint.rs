//! `cargo xtask hint LESSON [TEST]`: hints for the tests that did not pass in the learner's last
//! grade, one level more each time: a nudge (the test's hint), then the concept (what the test checks,
//! from the lesson's promise list, and what the grader saw), then the README section to reread. The
//! level reached is kept per test until the test passes.

use super::progress::Progress;
use crate::course::{Course, Lesson};
use crate::error::{Error, Result};
use crate::frontend::{exit, report_error};
use crate::suite::{Suite, TestSpec};
use std::io::Write;

/// How many levels a hint has.
pub const LEVELS: u8 = 3;

/// What `hint` shows for one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub test: String,
    pub tier: String,
    /// The levels revealed so far (1 to [`LEVELS`]), each a titled text.
    pub levels: Vec<(&'static str, String)>,
    /// Other tests of the same tier that did not pass in the last grade.
    pub others: Vec<String>,
    /// How many tests of other tiers did not pass.
    pub elsewhere: usize,
}

/// Why there is no hint to give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoHint {
    /// The lesson was never graded from the learner's files.
    NotGraded,
    /// Every test passed in the last grade.
    AllPassed,
    /// The named test is not in the suite.
    UnknownTest { known: Vec<String> },
}

/// Reveals the next level for `test` (or the first test that did not pass) and remembers it.
pub fn next(course: &Course, lesson: &Lesson, test: Option<&str>) -> Result<Result<Hint, NoHint>> {
    let suite = Suite::load(&course.suite_dir(lesson))?;
    let mut progress = Progress::load(course);
    let Some(record) = progress.lessons.get_mut(&lesson.id) else {
        return Ok(Err(NoHint::NotGraded));
    };
    let name = match test {
        Some(name) => name.to_owned(),
        None => match record.not_passed.first() {
            Some(first) => first.name.clone(),
            None => return Ok(Err(NoHint::AllPassed)),
        },
    };
    let Some(spec) = suite.tests.iter().find(|t| t.name == name) else {
        return Ok(Err(NoHint::UnknownTest {
            known: suite.tests.iter().map(|t| t.name.clone()).collect(),
        }));
    };
    let level = record
        .hint_levels
        .get(&name)
        .copied()
        .unwrap_or(0)
        .saturating_add(1)
        .min(LEVELS);
    record.hint_levels.insert(name.clone(), level);
    let seen = record
        .not_passed
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.message.clone());
    let (same_tier, elsewhere): (Vec<_>, Vec<_>) = record
        .not_passed
        .iter()
        .filter(|t| t.name != name)
        .partition(|t| t.tier == spec.tier);
    let others = same_tier.iter().map(|t| t.name.clone()).collect();
    let elsewhere = elsewhere.len();
    progress.save(course)?;

    let mut levels = vec![("nudge", spec.hint.clone())];
    if level >= 2 {
        levels.push(("concept", concept(course, lesson, spec, seen.as_deref())?));
    }
    if level >= 3 {
        levels.push(("reread", reread(course, lesson, spec)?));
    }
    Ok(Ok(Hint {
        test: name,
        tier: spec.tier.to_string(),
        levels,
        others,
        elsewhere,
    }))
}

/// `cargo xtask hint LESSON [TEST]`; returns the exit code.
pub fn command(course: &Course, lesson: &str, test: Option<&str>) -> u8 {
    let mut out = anstream::stdout();
    let mut err = anstream::stderr();
    let lesson = match course.resolve(lesson) {
        Ok(lesson) => lesson,
        Err(error) => return report_error(&error),
    };
    let hint = match next(course, &lesson, test) {
        Ok(Ok(hint)) => hint,
        Ok(Err(none)) => {
            let text = match none {
                NoHint::NotGraded => format!(
                    "No grade of {0} yet: run `cargo xtask grade {0}` first; hints follow the tests that fail.",
                    lesson.id
                ),
                NoHint::AllPassed => format!(
                    "Every test of {} passed in your last grade: no hint needed.",
                    lesson.id
                ),
                NoHint::UnknownTest { known } => {
                    let _ = writeln!(
                        err,
                        "error: {} has no test `{}`; its tests are: {}",
                        lesson.id,
                        test.unwrap_or_default(),
                        known.join(", ")
                    );
                    return exit::USAGE;
                }
            };
            let _ = writeln!(out, "{text}");
            return exit::REPORTED;
        }
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            return exit::CANNOT_GRADE;
        }
    };
    let bold = anstyle::Style::new().bold();
    let _ = writeln!(
        out,
        "{bold}{} ({} tier){bold:#}: hint {} of {LEVELS}",
        hint.test,
        hint.tier,
        hint.levels.len()
    );
    for (title, text) in &hint.levels {
        let _ = writeln!(out, "\n  {title}:");
        for line in text.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    let _ = writeln!(out);
    if hint.levels.len() < usize::from(LEVELS) {
        let _ = writeln!(out, "Run the same command again for the next level.");
    }
    if !hint.others.is_empty() {
        let _ = writeln!(
            out,
            "Also not passing in the {} tier: {} (`cargo xtask hint {} TEST`).",
            hint.tier,
            hint.others.join(", "),
            lesson.id
        );
    }
    if hint.elsewhere > 0 {
        let _ = writeln!(
            out,
            "{} more in other tiers; one tier at a time works best.",
            hint.elsewhere
        );
    }
    exit::REPORTED
}

/// What the test checks (the promises that name it) and what the grader saw last time.
fn concept(course: &Course, lesson: &Lesson, spec: &TestSpec, seen: Option<&str>) -> Result<String> {
    let promises = promises_of(course, lesson, &spec.name)?;
    let mut text = if promises.is_empty() {
        format!(
            "This test checks the {} tier's promises in the README.",
            spec.tier
        )
    } else {
        format!("This test checks that {}.", promises.join("; and that "))
    };
    if let Some(seen) = seen.filter(|s| !s.trim().is_empty()) {
        let first = seen.lines().next().unwrap_or_default();
        text.push_str(&format!("\nLast grade: {first}"));
    }
    Ok(text)
}

/// The `says` of every promise in the lesson's `promises.toml` that names `test`.
fn promises_of(course: &Course, lesson: &Lesson, test: &str) -> Result<Vec<String>> {
    let path = course.suite_dir(lesson).join("promises.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::Manifest {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let promises = table
        .get("promise")
        .and_then(|p| p.as_array())
        .cloned()
        .unwrap_or_default();
    Ok(promises
        .iter()
        .filter(|p| {
            p.get("tests")
                .and_then(|t| t.as_array())
                .is_some_and(|tests| tests.iter().any(|t| t.as_str() == Some(test)))
        })
        .filter_map(|p| p.get("says").and_then(|s| s.as_str()).map(str::to_owned))
        .collect())
}

/// The README section that teaches what the test checks: the tier's exercise section.
fn reread(course: &Course, lesson: &Lesson, spec: &TestSpec) -> Result<String> {
    let readme = course.lesson_dir(lesson).join("README.md");
    let text = std::fs::read_to_string(&readme).unwrap_or_default();
    let tier = spec.tier.name();
    let heading = text
        .lines()
        .enumerate()
        .find(|(_, line)| line.starts_with("##") && line.to_ascii_lowercase().contains(tier));
    let path = course.display_path(&readme);
    Ok(match heading {
        Some((index, line)) => format!(
            "Reread {path}, section \"{}\" (line {}), and the concept sections it points to.",
            line.trim_start_matches('#').trim(),
            index + 1
        ),
        None => format!("Reread {path}: the concepts before the exercises."),
    })
}
