//! `cargo xtask grade LESSON --class DIR --out OUT --repeat N`: grade a whole class N times, each run
//! as the batch a teacher runs (students in parallel, one build cache), and name every student whose
//! score changed between runs, with the tests that changed verdict. A course author points it at a
//! bug bank (`--class bugbanks/<lesson>/fresh`: loose tier files are a student's folder) to check that
//! every bank entry scores the same on every run, and runs it again under `taskset -c 0` for one CPU;
//! a teacher points it at a class whose grades are disputed. Run K's gradebook, reports and feedback
//! stay in `OUT/run-K`, so a changed verdict can be read in both runs' reports.

use super::repeat::{Unstable, flipped};
use crate::classroom::batch::{BatchOptions, Progress, Row, grade_class};
use crate::course::{Course, Lesson};
use crate::error::Result;
use crate::frontend::{exit, report_error};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One student's scores over the runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentRuns {
    pub student: String,
    /// Each run's total (0 for a run that did not grade the student).
    pub totals: Vec<u32>,
    /// Each run's gradebook status (`graded`, `error`, ...).
    pub statuses: Vec<String>,
    /// Tests whose verdict changed between runs, in the first run's report order.
    pub unstable: Vec<Unstable>,
}

impl StudentRuns {
    pub fn changed(&self) -> bool {
        self.totals.iter().any(|t| *t != self.totals[0])
            || self.statuses.iter().any(|s| *s != self.statuses[0])
            || !self.unstable.is_empty()
    }
}

/// Where run `run` (from 0) of a repeated batch writes its outputs.
pub fn run_dir(out: &Path, run: usize) -> PathBuf {
    out.join(format!("run-{:02}", run + 1))
}

/// Grades `class` `runs` times into `OUT/run-K`; `each` sees every finished run's rows and seconds.
pub fn repeat_class(
    course: &Course,
    lesson: &Lesson,
    class: &Path,
    out: &Path,
    options: &BatchOptions,
    runs: usize,
    each: &mut dyn FnMut(usize, &[Row], f64),
) -> Result<Vec<StudentRuns>> {
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut all_rows = Vec::with_capacity(runs);
    for run in 0..runs {
        let started = Instant::now();
        let rows = grade_class(
            course,
            lesson,
            class,
            &run_dir(out, run),
            options,
            jobs,
            &|_: Progress<'_>| {},
        )?;
        each(run, &rows, started.elapsed().as_secs_f64());
        all_rows.push(rows);
    }
    Ok(compare(out, &all_rows))
}

/// Lines up each student's rows across the runs; for a student whose score or status changed, or
/// whose reports differ in any test's verdict, reads the runs' reports to name those tests.
fn compare(out: &Path, runs: &[Vec<Row>]) -> Vec<StudentRuns> {
    let mut by_student: BTreeMap<&str, Vec<Option<&Row>>> = BTreeMap::new();
    for (run, rows) in runs.iter().enumerate() {
        for row in rows {
            by_student
                .entry(row.student.as_str())
                .or_insert_with(|| vec![None; runs.len()])[run] = Some(row);
        }
    }
    by_student
        .into_iter()
        .map(|(student, rows)| {
            let reports: Vec<Option<serde_json::Value>> = (0..runs.len())
                .map(|run| {
                    let path = run_dir(out, run).join("reports").join(format!("{student}.json"));
                    std::fs::read_to_string(path)
                        .ok()
                        .and_then(|text| serde_json::from_str(&text).ok())
                })
                .collect();
            StudentRuns {
                student: student.to_owned(),
                totals: rows.iter().map(|r| r.map_or(0, |r| r.total)).collect(),
                statuses: rows
                    .iter()
                    .map(|r| r.map_or_else(|| "missing".to_owned(), |r| r.status.as_str().to_owned()))
                    .collect(),
                unstable: unstable_tests(&reports),
            }
        })
        .collect()
}

/// The tests whose status differs between the runs' reports (a run without a report counts as
/// `missing` for every test).
fn unstable_tests(reports: &[Option<serde_json::Value>]) -> Vec<Unstable> {
    let runs: Vec<Vec<(String, String, String)>> = reports
        .iter()
        .map(|report| {
            report
                .as_ref()
                .and_then(|r| r["tests"].as_array())
                .into_iter()
                .flatten()
                .map(|t| {
                    let field = |key: &str| t[key].as_str().unwrap_or_default().to_owned();
                    (field("name"), field("tier"), field("status"))
                })
                .collect()
        })
        .collect();
    flipped(&runs)
}

/// The command: a line per run, then every student whose grade changed (exit 1) or a line that
/// none did.
pub fn command(
    course: &Course,
    lesson: &str,
    class: &Path,
    out: &Path,
    options: &BatchOptions,
    runs: usize,
) -> u8 {
    let lesson = match course.resolve(lesson) {
        Ok(lesson) => lesson,
        Err(error) => return report_error(&error),
    };
    let mut stdout = anstream::stdout();
    let result = repeat_class(
        course,
        &lesson,
        class,
        out,
        options,
        runs,
        &mut |run, rows, seconds| {
            let graded = rows.iter().filter(|r| r.status.as_str() == "graded").count();
            let _ = writeln!(
                stdout,
                "run {}: {} students ({graded} graded) in {seconds:.1} s: {}",
                run + 1,
                rows.len(),
                run_dir(out, run).display()
            );
        },
    );
    let students = match result {
        Ok(students) => students,
        Err(error) => return report_error(&error),
    };
    let changed: Vec<&StudentRuns> = students.iter().filter(|s| s.changed()).collect();
    let mut stdout = anstream::stdout();
    if changed.is_empty() {
        let _ = writeln!(
            stdout,
            "all {} students got the same score and verdicts in all {runs} runs",
            students.len()
        );
        return exit::REPORTED;
    }
    let _ = writeln!(
        stdout,
        "{} of {} students changed between runs:",
        changed.len(),
        students.len()
    );
    for student in changed {
        let scores: Vec<String> = student
            .totals
            .iter()
            .zip(&student.statuses)
            .map(|(total, status)| match status.as_str() {
                "graded" => total.to_string(),
                other => other.to_owned(),
            })
            .collect();
        // The folder's name is the student's: escaped, or it could drive the terminal.
        let name = crate::report::terminal::printable(&student.student);
        let _ = writeln!(stdout, "  {name}: {}", scores.join(", "));
        for test in &student.unstable {
            let _ = writeln!(stdout, "    {}", test.line());
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(statuses: &[(&str, &str)]) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "tests": statuses
                .iter()
                .map(|(name, status)| serde_json::json!({"name": name, "tier": "beginner", "status": status}))
                .collect::<Vec<_>>()
        }))
    }

    #[test]
    fn a_test_that_flips_is_named_with_each_runs_status() {
        let unstable = unstable_tests(&[
            report(&[("a", "passed"), ("b", "failed")]),
            report(&[("a", "passed"), ("b", "passed")]),
            None,
        ]);
        assert_eq!(
            unstable,
            [
                Unstable {
                    name: "a".into(),
                    tier: "beginner".into(),
                    statuses: vec!["passed".into(), "passed".into(), "missing".into()],
                },
                Unstable {
                    name: "b".into(),
                    tier: "beginner".into(),
                    statuses: vec!["failed".into(), "passed".into(), "missing".into()],
                },
            ]
        );
    }

    #[test]
    fn the_same_verdicts_every_run_are_no_change() {
        let same = || report(&[("a", "passed"), ("b", "failed")]);
        assert!(unstable_tests(&[same(), same(), same()]).is_empty());
        let student = StudentRuns {
            student: "ada".into(),
            totals: vec![3, 3],
            statuses: vec!["graded".into(), "graded".into()],
            unstable: vec![],
        };
        assert!(!student.changed());
        assert!(
            StudentRuns {
                totals: vec![3, 4],
                ..student.clone()
            }
            .changed()
        );
        assert!(
            StudentRuns {
                statuses: vec!["graded".into(), "error".into()],
                ..student
            }
            .changed()
        );
    }
}
