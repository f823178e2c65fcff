//! `cargo xtask grade LESSON --class DIR --out OUT`: grades every immediate subdirectory of `DIR` as
//! one student and writes `OUT/gradebook.csv` and `OUT/reports/<student>.json`. Students are graded
//! in parallel within the machine's cores and share one build cache; each student's tests keep their
//! own timeouts and limits, so a hanging, flooding or non-compiling student costs only their own time.

use super::layout::find_tier_files;
use crate::course::{Course, Lesson};
use crate::error::{Error, Result, io};
use crate::frontend::{exit, report_error};
use crate::grade::{Request, grade};
use crate::report::{Report, json};
use crate::stage::Subject;
use crate::tier::Tier;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The gradebook's header (a contract: spreadsheets and scripts read these columns).
pub const HEADER: &str = "student,beginner,intermediate,advanced,total,max_score,status";

/// How a student's row came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Graded,
    /// No tier file for the lesson in any layout.
    NoSubmission,
    /// Grading could not run for this student (the message says why).
    Error,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Graded => "graded",
            RowStatus::NoSubmission => "no_submission",
            RowStatus::Error => "error",
        }
    }
}

/// One student's line of the gradebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub student: String,
    /// Beginner, intermediate, advanced.
    pub tiers: [u32; 3],
    pub total: u32,
    pub max_score: u32,
    pub status: RowStatus,
    /// Why an `error` row is one.
    pub error: String,
}

/// A student as they are graded or skipped, for progress output.
#[derive(Debug)]
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub row: &'a Row,
}

/// `cargo xtask grade LESSON --class DIR --out OUT`: a progress bar on a terminal (plain lines
/// otherwise), then where the gradebook is. Returns the exit code.
pub fn command(course: &Course, lesson: &str, class: &Path, out: &Path) -> u8 {
    let mut err = anstream::stderr();
    let lesson = match course.resolve(lesson) {
        Ok(lesson) => lesson,
        Err(error) => return report_error(&error),
    };
    let total = students(class).map_or(0, |s| s.len());
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total as u64);
        let style = ProgressStyle::with_template("{bar:30} {pos}/{len} students, ETA {eta}  {msg}")
            .expect("a valid template");
        bar.set_style(style);
        Some(bar)
    } else {
        None
    };
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let on_progress = |p: Progress<'_>| {
        let line = match p.row.status {
            RowStatus::Graded => format!("{} {}/{}", p.row.student, p.row.total, p.row.max_score),
            RowStatus::NoSubmission => format!("{} has no {} files", p.row.student, lesson.id),
            RowStatus::Error => format!("{}: error: {}", p.row.student, p.row.error),
        };
        match &bar {
            Some(bar) => {
                bar.set_position(p.done as u64);
                bar.set_message(line);
            }
            None => eprintln!("[{}/{}] {line}", p.done, p.total),
        }
    };
    let result = grade_class(course, &lesson, class, out, jobs, &on_progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(rows) => {
            let count = |status| rows.iter().filter(|r| r.status == status).count();
            let mut stdout = anstream::stdout();
            let _ = writeln!(
                stdout,
                "{} students: {} graded, {} without a submission, {} could not be graded",
                rows.len(),
                count(RowStatus::Graded),
                count(RowStatus::NoSubmission),
                count(RowStatus::Error)
            );
            let _ = writeln!(
                stdout,
                "gradebook: {}
reports:   {}",
                out.join("gradebook.csv").display(),
                out.join("reports").display()
            );
            exit::REPORTED
        }
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            exit::CANNOT_GRADE
        }
    }
}

/// The students of a class folder: its immediate subdirectories (hidden ones skipped), by name.
pub fn students(class: &Path) -> Result<Vec<(String, PathBuf)>> {
    if !class.is_dir() {
        return Err(Error::MissingClass(class.to_owned()));
    }
    let mut students: Vec<(String, PathBuf)> = std::fs::read_dir(class)
        .map_err(io("read", class))?
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    students.sort();
    Ok(students)
}

/// Grades every student of `class` for `lesson` with `jobs` students at a time, writes the reports and
/// the gradebook under `out`, and returns the rows sorted by student.
pub fn grade_class(
    course: &Course,
    lesson: &Lesson,
    class: &Path,
    out: &Path,
    jobs: usize,
    on_progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<Row>> {
    let students = students(class)?;
    let reports = out.join("reports");
    std::fs::create_dir_all(&reports).map_err(io("create", &reports))?;
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let rows: Mutex<Vec<Row>> = Mutex::new(Vec::with_capacity(students.len()));
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, students.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some((name, dir)) = students.get(index) else {
                        break;
                    };
                    match grade_student(course, lesson, name, dir, &reports) {
                        Ok(row) => {
                            let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                            on_progress(Progress {
                                done: finished,
                                total: students.len(),
                                row: &row,
                            });
                            rows.lock().expect("rows lock").push(row);
                        }
                        // Only the grader's own failures (writing the report) stop the batch.
                        Err(error) => {
                            failure.lock().expect("failure lock").get_or_insert(error);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = failure.into_inner().expect("failure lock") {
        return Err(error);
    }
    let mut rows = rows.into_inner().expect("rows lock");
    rows.sort_by(|a, b| a.student.cmp(&b.student));
    let gradebook = out.join("gradebook.csv");
    std::fs::write(&gradebook, csv(&rows)).map_err(io("write", &gradebook))?;
    Ok(rows)
}

/// Grades one student; their own problems are a row, never an error. Errors are only the grader's:
/// a report that cannot be written.
fn grade_student(course: &Course, lesson: &Lesson, name: &str, dir: &Path, reports: &Path) -> Result<Row> {
    let mut row = Row {
        student: name.to_owned(),
        tiers: [0; 3],
        total: 0,
        max_score: 0,
        status: RowStatus::NoSubmission,
        error: String::new(),
    };
    let Some(src) = find_tier_files(dir, lesson) else {
        return Ok(row);
    };
    let request = Request {
        lesson: lesson.id.clone(),
        subject: Subject::Submission(src),
        reuse: false,
    };
    match grade(course, &request, &mut |_| {}) {
        Ok(report) => {
            write_report(&reports.join(format!("{name}.json")), &report)?;
            for (slot, tier) in row.tiers.iter_mut().zip(Tier::ALL) {
                *slot = report
                    .tiers
                    .iter()
                    .find(|t| t.tier == tier)
                    .map_or(0, |t| t.score);
            }
            row.total = report.score;
            row.max_score = report.max_score;
            row.status = RowStatus::Graded;
        }
        Err(error) => {
            row.status = RowStatus::Error;
            row.error = error.to_string();
            let path = reports.join(format!("{name}.error.txt"));
            std::fs::write(&path, format!("{}\n", row.error)).map_err(io("write", &path))?;
        }
    }
    Ok(row)
}

fn write_report(path: &Path, report: &Report) -> Result<()> {
    std::fs::write(path, format!("{}\n", json::render(report))).map_err(io("write", path))
}

/// The gradebook: the header, then a row per student.
pub fn csv(rows: &[Row]) -> String {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            csv_field(&row.student),
            row.tiers[0],
            row.tiers[1],
            row.tiers[2],
            row.total,
            row.max_score,
            row.status.as_str()
        ));
    }
    text
}

/// A field quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gradebook_quotes_awkward_names_and_keeps_the_header() {
        let row = |student: &str, status| Row {
            student: student.to_owned(),
            tiers: [20, 10, 0],
            total: 30,
            max_score: 60,
            status,
            error: String::new(),
        };
        let text = csv(&[row("ada", RowStatus::Graded), row("o\"neil, b", RowStatus::Error)]);
        assert_eq!(
            text,
            "student,beginner,intermediate,advanced,total,max_score,status\n\
             ada,20,10,0,30,60,graded\n\
             \"o\"\"neil, b\",20,10,0,30,60,error\n"
        );
    }

    #[test]
    fn students_are_the_visible_subdirectories_by_name() {
        let class = tempfile::tempdir().unwrap();
        for name in ["zoe", "adam", ".git"] {
            std::fs::create_dir(class.path().join(name)).unwrap();
        }
        std::fs::write(class.path().join("notes.txt"), "").unwrap();
        let names: Vec<String> = students(class.path())
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["adam", "zoe"]);
        assert!(students(&class.path().join("missing")).is_err());
    }
}
