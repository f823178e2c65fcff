//! The class report of a batch: `OUT/report.html`, one page a teacher opens offline (the score
//! distribution per tier, which tests most students fail and with which messages, every student's
//! row with links to their files, and the pairs of students whose tier files are alike), and
//! `OUT/similarity.csv`, every scored pair for a spreadsheet.
//!
//! It is built from the batch's own JSON reports (the contract of DESIGN.md, so a field added there
//! never breaks it) and the tier files each student was graded from (`Row::graded_from`: their folder,
//! or under `--deadline` the snapshot of their commit, so a copy committed before the deadline and
//! taken back after it is compared as it was graded), read as the grader reads them
//! (`read::read_beneath`: regular files only, never through a link, capped). Both files are built before the gradebook is
//! published and replace the previous ones right after it, each by a rename.

mod html;

use super::gradebook::{Row, RowStatus};
use super::layout::find_tier_files;
use super::similarity::{self, Submission};
use crate::course::{Course, Lesson};
use crate::error::{Result, io};
use crate::grading::read::{TIER_FILE_LIMIT, read_beneath};
use crate::tier::Tier;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// How many of a test's most common failure messages the report shows.
const TOP_MESSAGES: usize = 3;
/// Messages are cut to this many characters (they can hold a whole schedule drawing).
const MESSAGE_CHARS: usize = 160;

/// A batch's class report, ready to be published.
#[derive(Debug)]
pub struct ClassReport {
    pub html: String,
    pub similarity_csv: String,
}

/// One test of one graded student, as their JSON report says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub tier: String,
    pub status: String,
    pub message: String,
}

/// A student's row, with the tiers' maxima and tests of their report when they were graded.
#[derive(Debug, Clone)]
pub struct Student {
    pub row: Row,
    pub tier_max: [u32; 3],
    pub tests: Vec<TestResult>,
}

/// How the graded students did on one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestStats {
    pub name: String,
    pub tier: String,
    pub graded: usize,
    /// Students for whom it did not pass (any status but `passed`).
    pub failed: usize,
    /// Each status other than `passed`, with its count.
    pub statuses: BTreeMap<String, usize>,
    /// The most common messages of the failures (trimmed), with their counts, most common first.
    pub messages: Vec<(String, usize)>,
}

/// Labels of the histogram's bins, by share of the maximum: five of 20 points each, and full marks.
pub const BINS: [&str; 6] = ["0–19%", "20–39%", "40–59%", "60–79%", "80–99%", "100%"];

/// The score distribution of one tier (or of the total) over the graded students.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    /// `beginner`, `intermediate`, `advanced` or `total`.
    pub label: String,
    pub counts: [usize; 6],
    pub scores: Vec<u32>,
    pub max: u32,
}

/// The bin of `score` out of `max`: 0..=4 by fifths, 5 for full marks.
pub fn bin(score: u32, max: u32) -> usize {
    if max == 0 || score >= max {
        5
    } else {
        (score as usize * 5) / max as usize
    }
}

/// Builds the class report of a batch whose rows are `rows` and whose JSON reports are in
/// `reports` (the batch's staging folder), reading the graded students' tier files from the folder
/// each was graded from (`class/<student>` for a row that does not say).
pub fn build(
    course: &Course,
    lesson: &Lesson,
    class: &Path,
    rows: &[Row],
    reports: &Path,
) -> Result<ClassReport> {
    let mut students = Vec::with_capacity(rows.len());
    for row in rows {
        let mut student = Student {
            row: row.clone(),
            tier_max: [0; 3],
            tests: Vec::new(),
        };
        if row.status == RowStatus::Graded {
            let path = reports.join(format!("{}.json", row.student));
            let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
            let report: Value =
                serde_json::from_str(&text).map_err(|e| io("parse", &path)(std::io::Error::other(e)))?;
            read_report(&report, &mut student);
            let mut folders = vec![class.join(&row.student)];
            folders.extend(row.graded_from.clone());
            let folders: Vec<String> = folders
                .iter()
                .flat_map(|f| [f.display().to_string(), course.display_path(f)])
                .collect();
            let folders: Vec<&str> = folders.iter().map(String::as_str).collect();
            for test in &mut student.tests {
                test.message = generalise(&test.message, &folders);
            }
        }
        students.push(student);
    }
    // Without its starters the comparison still runs (the starter's code then counts as the
    // students' own, so every pair scores higher); the page says so. Losing the whole batch's
    // gradebook over the report would be worse.
    let (starters, mut note) = match crate::starter::expected_files(course, lesson) {
        Ok(files) => (files, None),
        Err(error) => (
            BTreeMap::new(),
            Some(format!("the starters could not be generated: {error}")),
        ),
    };
    let starters: BTreeMap<Tier, String> = starters
        .into_iter()
        .filter_map(|(name, text)| {
            let tier = Tier::ALL
                .into_iter()
                .find(|t| Path::new(&t.file_name()) == name)?;
            Some((tier, text))
        })
        .collect();
    let material = similarity::material::of_course(course, lesson, &starters);
    if material
        .values()
        .all(|m| m.authors() < similarity::material::AUTHORS_ALIKE)
    {
        let missing = "this course has no reference solution and bug banks to tell the code anyone \
                       writes for these exercises from the students' own, so similar correct \
                       solutions score higher";
        note = Some(match note {
            Some(note) => format!("{note}; {missing}"),
            None => missing.to_owned(),
        });
    }
    let submissions = tier_files(lesson, class, &students);
    let comparison = similarity::compare(&material, &submissions);
    let title = format!("{} ({})", lesson.id, crate::course::title_of(lesson));
    Ok(ClassReport {
        html: html::render(&title, &students, &comparison, &submissions, note.as_deref()),
        similarity_csv: similarity::csv(&comparison.pairs),
    })
}

impl ClassReport {
    /// Puts `report.html` and `similarity.csv` in place in `out`, each written beside its target and
    /// renamed over it, so a reader never sees half a file.
    pub fn publish(self, out: &Path) -> Result<()> {
        for (name, text) in [
            ("report.html", &self.html),
            ("similarity.csv", &self.similarity_csv),
        ] {
            let temporary = out.join(format!(".{name}.{}.tmp", std::process::id()));
            std::fs::write(&temporary, text).map_err(io("write", &temporary))?;
            let target = out.join(name);
            std::fs::rename(&temporary, &target).map_err(io("rename", &temporary))?;
        }
        Ok(())
    }
}

/// Fills a student's tier maxima and tests from their JSON report (missing fields are left empty:
/// the report is ours, but a page must never fail on it).
fn read_report(report: &Value, student: &mut Student) {
    for tier in report["tiers"].as_array().into_iter().flatten() {
        let Some(index) = Tier::ALL.iter().position(|t| tier["tier"] == t.name()) else {
            continue;
        };
        student.tier_max[index] = tier["max_score"].as_u64().unwrap_or(0) as u32;
    }
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    student.tests = report["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| TestResult {
            name: text(&t["name"]),
            tier: text(&t["tier"]),
            status: text(&t["status"]),
            message: text(&t["message"]),
        })
        .collect();
}

/// The graded students' tier files that they handed in and that could be read, from the folder each
/// was graded from.
fn tier_files(lesson: &Lesson, class: &Path, students: &[Student]) -> Vec<Submission> {
    let mut files = Vec::new();
    for student in students.iter().filter(|s| s.row.status == RowStatus::Graded) {
        let folder = match &student.row.graded_from {
            Some(folder) => folder.clone(),
            None => class.join(&student.row.student),
        };
        // Checked from the folder holding it down, as the grading checks it (`read::tier_file`):
        // the class folder, or the batch's own folder of the student's snapshot.
        let Some(root) = folder.parent() else {
            continue;
        };
        let Some(dir) = find_tier_files(&folder, lesson) else {
            continue;
        };
        let Ok(relative) = dir.strip_prefix(root) else {
            continue;
        };
        for tier in Tier::ALL {
            // A file refused by the grading (a link, a FIFO, too large) is refused here too.
            if let Ok(text) = read_beneath(root, &relative.join(tier.file_name()), TIER_FILE_LIMIT) {
                files.push(Submission {
                    student: student.row.student.clone(),
                    tier,
                    text,
                });
            }
        }
    }
    files
}

/// A failure message as the class shares it: without its place in the student's file (`(at
/// src/beginner.rs:12)`, different for each) and with the student's folder written as `STUDENT/`, so
/// the same failure of two students reads the same.
pub fn generalise(message: &str, folders: &[&str]) -> String {
    let message = match message.rfind(" (at ") {
        Some(at) if message[at..].contains(".rs:") => &message[..at],
        _ => message,
    };
    let mut message = message.to_owned();
    // The longest first: the absolute path holds the one relative to the course.
    let mut folders: Vec<&str> = folders.iter().copied().filter(|f| !f.is_empty()).collect();
    folders.sort_by_key(|f| std::cmp::Reverse(f.len()));
    for folder in folders {
        message = message.replace(folder, "STUDENT");
    }
    message
}

/// Per-test statistics over the graded students, the most failed first (then in suite order).
pub fn test_stats(students: &[Student]) -> Vec<TestStats> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut stats: BTreeMap<String, TestStats> = BTreeMap::new();
    let mut messages: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for student in students.iter().filter(|s| s.row.status == RowStatus::Graded) {
        for test in &student.tests {
            let entry = stats.entry(test.name.clone()).or_insert_with(|| {
                order.push((test.name.clone(), test.tier.clone()));
                TestStats {
                    name: test.name.clone(),
                    tier: test.tier.clone(),
                    graded: 0,
                    failed: 0,
                    statuses: BTreeMap::new(),
                    messages: Vec::new(),
                }
            });
            entry.graded += 1;
            if test.status != "passed" {
                entry.failed += 1;
                *entry.statuses.entry(test.status.clone()).or_default() += 1;
                let message = trim_message(&test.message);
                // `not yet implemented: <the TODO>` says nothing the status does not.
                if !message.is_empty() && test.status != "not_started" {
                    *messages
                        .entry(test.name.clone())
                        .or_default()
                        .entry(message)
                        .or_default() += 1;
                }
            }
        }
    }
    let mut list: Vec<TestStats> = order
        .into_iter()
        .filter_map(|(name, _)| {
            let mut s = stats.remove(&name)?;
            let mut common: Vec<(String, usize)> =
                messages.remove(&name).unwrap_or_default().into_iter().collect();
            common.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            common.truncate(TOP_MESSAGES);
            s.messages = common;
            Some(s)
        })
        .collect();
    // Stable: equal counts keep the suite's order.
    list.sort_by_key(|s| std::cmp::Reverse(s.failed));
    list
}

/// A message on one line, whitespace collapsed, cut to [`MESSAGE_CHARS`] characters.
pub fn trim_message(message: &str) -> String {
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MESSAGE_CHARS {
        return line;
    }
    let cut: String = line.chars().take(MESSAGE_CHARS - 1).collect();
    format!("{cut}…")
}

/// The score distributions: each tier, then the total, over the graded students.
pub fn histograms(students: &[Student]) -> Vec<Histogram> {
    let graded: Vec<&Student> = students
        .iter()
        .filter(|s| s.row.status == RowStatus::Graded)
        .collect();
    let mut list = Vec::new();
    for (index, tier) in Tier::ALL.iter().enumerate() {
        let scores: Vec<(u32, u32)> = graded
            .iter()
            .map(|s| (s.row.tiers[index], s.tier_max[index]))
            .collect();
        list.push(histogram(tier.name(), &scores));
    }
    let totals: Vec<(u32, u32)> = graded.iter().map(|s| (s.row.total, s.row.max_score)).collect();
    list.push(histogram("total", &totals));
    list
}

fn histogram(label: &str, scores: &[(u32, u32)]) -> Histogram {
    let mut counts = [0; 6];
    for &(score, max) in scores {
        counts[bin(score, max)] += 1;
    }
    Histogram {
        label: label.to_owned(),
        counts,
        scores: scores.iter().map(|s| s.0).collect(),
        max: scores.iter().map(|s| s.1).max().unwrap_or(0),
    }
}

/// Students whose total is far below the rest: under the lower fence of a box plot (first quartile
/// minus 1.5 interquartile ranges), with at least 4 graded students to tell.
pub fn far_below(students: &[Student]) -> Vec<String> {
    let mut totals: Vec<u32> = students
        .iter()
        .filter(|s| s.row.status == RowStatus::Graded)
        .map(|s| s.row.total)
        .collect();
    if totals.len() < 4 {
        return Vec::new();
    }
    totals.sort_unstable();
    let quartile = |q: f64| {
        let at = q * (totals.len() - 1) as f64;
        let (low, high) = (at.floor() as usize, at.ceil() as usize);
        f64::from(totals[low]) + (at - at.floor()) * f64::from(totals[high] - totals[low])
    };
    let (q1, q3) = (quartile(0.25), quartile(0.75));
    let fence = q1 - 1.5 * (q3 - q1);
    students
        .iter()
        .filter(|s| s.row.status == RowStatus::Graded && f64::from(s.row.total) < fence)
        .map(|s| s.row.student.clone())
        .collect()
}

/// What the similarity section needs beyond the comparison: the texts of the files, by student and
/// tier.
pub fn texts(submissions: &[Submission]) -> BTreeMap<(&str, Tier), &str> {
    submissions
        .iter()
        .map(|s| ((s.student.as_str(), s.tier), s.text.as_str()))
        .collect()
}

#[cfg(test)]
mod tests;
