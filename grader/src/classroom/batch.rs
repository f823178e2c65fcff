//! `cargo xtask grade LESSON --class DIR --out OUT`: grades every immediate subdirectory of `DIR` as
//! one student and writes `OUT/gradebook.csv`, `OUT/reports/<student>.json` and the page to hand back,
//! `OUT/feedback/<student>.md` (`report::feedback`). Students are graded
//! in parallel within the machine's cores and share one build cache; each student's tests keep their
//! own timeouts and limits, so a hanging, flooding or non-compiling student costs only their own time.
//! A student's folder is graded from where it is (`CLASS/<student>`): a folder that is a link is
//! refused, never followed, as is one whose name is not UTF-8 (no text names it), and every file in
//! it is read by `grading::read`. A name or message printed on the terminal is escaped first
//! (`report::terminal::printable`). The outputs replace the
//! previous ones only when the batch ends (`outputs`).

use super::deadline::{self, AsOf};
pub use super::gradebook::{HEADER, Row, RowStatus, csv};
use super::layout::find_tier_files;
use super::outputs::Staging;
use super::roster::Roster;
use crate::course::{Course, Lesson};
use crate::error::{Error, Result, io};
use crate::frontend::{exit, report_error};
use crate::grade::{Request, grade};
use crate::provenance::Provenance;
use crate::report::feedback::{self, Feedback, render_without_report};
use crate::report::terminal::printable;
use crate::report::{Report, json};
use crate::stage::Subject;
use crate::tier::Tier;
use indicatif::{FormattedDuration, ProgressBar, ProgressState, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A student as they are graded or skipped, for progress output.
#[derive(Debug)]
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub row: &'a Row,
}

/// What a teacher chose for a batch besides the lesson and the folders.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// The feedback pages show the held-back tests and the full score (`--release-held-back`).
    pub release_held_back: bool,
    /// Grade each clone at its last commit before this time (`--deadline`, RFC 3339 or a date).
    pub deadline: Option<String>,
    /// Re-grade only this student into the existing gradebook, reports and feedback (`--only`).
    pub only: Option<String>,
    /// Who each folder belongs to (`--roster`): their id, name and email end each row.
    pub roster: Option<Roster>,
}

impl BatchOptions {
    /// Refuses a deadline git would read as something else: git's date parser takes almost any text
    /// (`yesterday`, a typo) without complaint, so only ISO 8601 / RFC 3339 forms are let through
    /// (`2026-12-06`, `2026-12-06T23:59:00Z`, `2026-12-06 23:59:00+01:00`).
    pub fn check(&self) -> Result<()> {
        let Some(deadline) = &self.deadline else {
            return Ok(());
        };
        let bytes = deadline.as_bytes();
        let date_ok = bytes.len() >= 10
            && bytes[..4].iter().all(u8::is_ascii_digit)
            && bytes[4] == b'-'
            && bytes[5..7].iter().all(u8::is_ascii_digit)
            && bytes[7] == b'-'
            && bytes[8..10].iter().all(u8::is_ascii_digit);
        let rest_ok = bytes[10.min(bytes.len())..]
            .iter()
            .all(|b| b.is_ascii_digit() || b":+-.TZ ".contains(b));
        if date_ok && rest_ok {
            Ok(())
        } else {
            Err(Error::BadDeadline(deadline.clone()))
        }
    }
}

/// `cargo xtask grade LESSON --class DIR --out OUT`: a progress bar on a terminal (plain lines
/// otherwise), then where the gradebook is. Returns the exit code.
pub fn command(course: &Course, lesson: &str, class: &Path, out: &Path, options: &BatchOptions) -> u8 {
    let mut err = anstream::stderr();
    let lesson = match course.resolve(lesson).and_then(|l| options.check().map(|()| l)) {
        Ok(lesson) => lesson,
        Err(error) => return report_error(&error),
    };
    let total = match &options.only {
        Some(_) => 1,
        None => students(class, out).map_or(0, |s| s.len()),
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total as u64);
        // The time spent is shown beside the estimate: a student who hangs uses up their tests'
        // timeouts, and a teacher sees the batch is alive while it waits. Both to the second
        // (`00:01:35`): a human "2m" would stand still for a minute.
        let style = ProgressStyle::with_template(
            "{bar:30} {pos}/{len} students, {elapsed_precise} elapsed, ETA {class_eta}  {msg}",
        )
        .expect("a valid template")
        .with_key("class_eta", class_eta);
        bar.set_style(style);
        // Redrawn twice a second, not only when a student finishes: indicatif's ETA counts the time
        // since the last step, but a bar redrawn only on steps showed a frozen ETA while a hanging
        // student used up their timeouts.
        bar.enable_steady_tick(std::time::Duration::from_millis(500));
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
            RowStatus::Refused => format!("{}: refused: {}", p.row.student, p.row.error),
        };
        // The name and the message are the student's: escaped, or they could drive the terminal.
        let line = printable(&line).into_owned();
        match &bar {
            Some(bar) => {
                bar.set_position(p.done as u64);
                bar.set_message(line);
            }
            None => eprintln!("[{}/{}] {line}", p.done, p.total),
        }
    };
    let result = grade_class(course, &lesson, class, out, options, jobs, &on_progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(rows) => {
            let count = |status| rows.iter().filter(|r| r.status == status).count();
            let mut stdout = anstream::stdout();
            let refused = match count(RowStatus::Refused) {
                0 => String::new(),
                n => format!(", {n} refused (a link instead of a folder, or a name that is not UTF-8)"),
            };
            if let Some(deadline) = &options.deadline {
                let _ = writeln!(
                    stdout,
                    "graded each git clone at its last commit before {deadline} (the commit's own date, \
                     which the student's machine wrote); folders that are no clone as they are"
                );
            }
            if let Some(only) = &options.only {
                let _ = writeln!(
                    stdout,
                    "re-graded {} only: the gradebook's other rows, reports and feedback are kept",
                    printable(only)
                );
            }
            let _ = writeln!(
                stdout,
                "{} students: {} graded, {} without a submission, {} could not be graded{refused}",
                rows.len(),
                count(RowStatus::Graded),
                count(RowStatus::NoSubmission),
                count(RowStatus::Error)
            );
            let _ = writeln!(
                stdout,
                "gradebook: {}
reports:   {}
feedback:  {} ({})",
                out.join("gradebook.csv").display(),
                out.join("reports").display(),
                out.join("feedback").display(),
                if options.release_held_back {
                    "held-back tests released"
                } else {
                    "visible tests only; --release-held-back shows every test"
                }
            );
            exit::REPORTED
        }
        Err(error) => {
            let _ = writeln!(err, "error: {}", printable(&error.to_string()));
            exit::CANNOT_GRADE
        }
    }
}

/// The bar's ETA: the batch's time so far per student done, times the students left ("…" until one
/// is done). indicatif's own estimate is a weighted rate that, after one student, barely moves while
/// the next one hangs (11 s stayed 11 s, seen); this one grows with the wait it predicts.
fn class_eta(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let done = state.pos();
    let left = state.len().unwrap_or(0).saturating_sub(done);
    let _ = match done {
        0 => w.write_str("…"),
        _ => write!(
            w,
            "{}",
            FormattedDuration(state.elapsed().mul_f64(left as f64 / done as f64))
        ),
    };
}

/// A student of a class: a folder of the class folder, by its name there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub name: String,
    /// `CLASS/<name>`, as found: never resolved, so the student's stage, run directory and report are
    /// keyed by their place in the class (`grading::place`).
    pub dir: PathBuf,
    /// The entry is a symbolic link to a folder (a classmate's, say): refused, not graded.
    pub link: bool,
    /// The folder's name is not UTF-8: `name` only stands in for it (`folder_name`), so the
    /// student is refused, not graded (see `refuse_not_utf8`).
    pub not_utf8: bool,
}

/// The students of a class folder: its immediate subdirectories and links to folders (hidden ones
/// skipped), by name. `out`, when it is a folder of the class folder, is no student; it may not be
/// the class folder itself or lie deeper inside it (the outputs would be graded, or mixed into a
/// student's work).
pub fn students(class: &Path, out: &Path) -> Result<Vec<Student>> {
    if !class.is_dir() {
        return Err(Error::MissingClass(class.to_owned()));
    }
    let out_entry = out_entry(class, out)?;
    let mut students: Vec<Student> = std::fs::read_dir(class)
        .map_err(io("read", class))?
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| Some(e.file_name()) != out_entry)
        .filter_map(|e| {
            let link = e.file_type().ok()?.is_symlink();
            // A link is looked at only to tell a student's folder from a stray file; never read.
            let (name, not_utf8) = folder_name(&e.file_name());
            e.path().is_dir().then(|| Student {
                name,
                dir: e.path(),
                link,
                not_utf8,
            })
        })
        .collect();
    students.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(students)
}

/// A folder's name as text, and whether it is not UTF-8. Such a name stands in with its bytes
/// escaped (`m\xff`): a lossy name (`m\u{fffd}`) would make two folders one student, and every
/// place that joins `CLASS/<name>` (the class report, `--only`) would miss the folder.
fn folder_name(name: &std::ffi::OsStr) -> (String, bool) {
    use std::os::unix::ffi::OsStrExt;
    match name.to_str() {
        Some(name) => (name.to_owned(), false),
        None => (name.as_bytes().escape_ascii().to_string(), true),
    }
}

/// The name of the class folder's entry that `out` is, if `out` exists and is one.
fn out_entry(class: &Path, out: &Path) -> Result<Option<std::ffi::OsString>> {
    let (Ok(class), Ok(out)) = (class.canonicalize(), out.canonicalize()) else {
        return Ok(None);
    };
    let Ok(inside) = out.strip_prefix(&class) else {
        return Ok(None);
    };
    let mut names = inside.iter();
    match (names.next(), names.next()) {
        (Some(name), None) => Ok(Some(name.to_owned())),
        _ => Err(Error::OutInClass {
            out: out.clone(),
            class,
        }),
    }
}

/// Grades every student of `class` for `lesson` with `jobs` students at a time, writes the reports and
/// the gradebook under `out`, and returns the rows sorted by student.
pub fn grade_class(
    course: &Course,
    lesson: &Lesson,
    class: &Path,
    out: &Path,
    options: &BatchOptions,
    jobs: usize,
    on_progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<Row>> {
    options.check()?;
    let staging = Staging::new(out)?;
    let mut students = students(class, out)?;
    if let Some(only) = &options.only {
        students.retain(|s| &s.name == only);
        if students.is_empty() {
            return Err(Error::UnknownStudent {
                name: only.clone(),
                class: class.to_owned(),
            });
        }
    }
    // Every row is out of the lesson's points, also one that was not graded: a 0 out of 0 would drop
    // out of any total or average a spreadsheet or an LMS computes from the gradebook.
    let suite = crate::suite::Suite::load(&course.suite_dir(lesson))?;
    let max_score: u32 = suite.tests.iter().map(|t| t.points).sum();
    let outputs = Outputs {
        reports: staging.reports(),
        feedback: staging.feedback(),
        class: class.to_owned(),
        snapshots: staging.scratch(),
        options: options.clone(),
    };
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let rows: Mutex<Vec<Row>> = Mutex::new(Vec::with_capacity(students.len()));
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, students.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(student) = students.get(index) else {
                        break;
                    };
                    match grade_student(course, lesson, student, &outputs, max_score) {
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
    if let Some(roster) = &options.roster {
        // An entry is one student. Matched by two folders (`lesson05-bob` and `lesson05-zz-bob`,
        // whose GitHub user is `zz-bob`: both end in `-bob`), it goes to the one named exactly
        // `<what every folder starts with>-bob` (`gh classroom clone`'s `<assignment>-`), or to
        // neither, and the teacher is told: an LMS import must never take one folder's grade for
        // another's.
        let all: Vec<&str> = students.iter().map(|s| s.name.as_str()).collect();
        let common = all
            .iter()
            .skip(1)
            .fold(all.first().copied().unwrap_or(""), |common, name| {
                let shared = common
                    .char_indices()
                    .zip(name.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(common.len().min(name.len()), |((at, _), _)| at);
                &common[..shared]
            });
        let prefix = common.rfind('-').map_or("", |at| &common[..=at]);
        for row in &mut rows {
            let Some(entry) = roster.find(&row.student) else {
                continue;
            };
            let folders: Vec<&str> = all
                .iter()
                .copied()
                .filter(|name| roster.find(name) == Some(entry))
                .collect();
            if folders.len() > 1 {
                let key = entry.key.to_lowercase();
                let exact: Vec<&str> = folders
                    .iter()
                    .copied()
                    .filter(|f| {
                        let f = f.to_lowercase();
                        f == key || f == format!("{}{key}", prefix.to_lowercase())
                    })
                    .collect();
                if exact != [row.student.as_str()] {
                    eprintln!(
                        "warning: the roster's {:?} matches {} folders ({}); {:?} is not given its id, \
                         name and email (add a `folder` column to the roster to say whose it is)",
                        entry.key,
                        folders.len(),
                        folders
                            .iter()
                            .map(|f| format!("{f:?}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        row.student
                    );
                    continue;
                }
            }
            row.roster = entry.clone();
        }
        // A student on the roster without a folder is a row too: nobody is left out of an import.
        if options.only.is_none() {
            for entry in &roster.entries {
                if students.iter().any(|s| roster.find(&s.name) == Some(entry)) {
                    continue;
                }
                rows.push(Row {
                    student: entry.key.clone(),
                    tiers: [0; 3],
                    total: 0,
                    max_score,
                    status: RowStatus::NoSubmission,
                    error: "on the roster, with no folder in the class".to_owned(),
                    provenance: Provenance {
                        graded_at: crate::provenance::now_rfc3339(),
                        grader_version: crate::provenance::grader_version(course.root()),
                        ..Provenance::default()
                    },
                    roster: entry.clone(),
                    graded_from: None,
                });
            }
        }
    }
    rows.sort_by(|a, b| a.student.cmp(&b.student));
    // One student re-graded (`--only`) leaves the class's page as the last whole batch wrote it, so
    // it is not built (the similarity of a class is its costliest part).
    let class_report = match &options.only {
        None => Some(super::class_report::build(
            course,
            lesson,
            class,
            &rows,
            &staging.reports(),
        )?),
        Some(_) => None,
    };
    // After an interrupt nothing is published; a publish under way is finished before the exit.
    let _publishing = crate::interrupt::defer();
    let gradebook = match &options.only {
        // The other students' rows and files are carried over from the last batch.
        Some(only) => {
            staging.keep_previous(out, only)?;
            let previous = out.join("gradebook.csv");
            let text = match std::fs::read_to_string(&previous) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(io("read", &previous)(e)),
            };
            super::gradebook::merge(&text, &rows)
        }
        None => csv(&rows),
    };
    staging.publish(out, &gradebook)?;
    if let Some(class_report) = class_report {
        class_report.publish(out)?;
    }
    Ok(rows)
}

/// Where a batch writes each student's files, and how.
struct Outputs {
    reports: PathBuf,
    feedback: PathBuf,
    class: PathBuf,
    /// Where `--deadline` takes out each clone's commit (removed with the staging folder after the
    /// class report has read it).
    snapshots: PathBuf,
    options: BatchOptions,
}

impl Outputs {
    /// How the student's feedback page is written: every place relative to their folder or the
    /// course, never the teacher's.
    fn feedback_for(&self, course: &Course, student: &Student) -> Feedback {
        let mut strip = Vec::new();
        let snapshot = self.snapshots.join(&student.name).join("tree");
        for dir in [&snapshot, &student.dir, &self.class, &course.root().to_owned()] {
            strip.push(dir.display().to_string());
            if let Ok(absolute) = std::path::absolute(dir) {
                strip.push(absolute.display().to_string());
            }
            if let Ok(real) = dir.canonicalize() {
                strip.push(real.display().to_string());
            }
        }
        Feedback {
            release_held_back: self.options.release_held_back,
            strip,
        }
    }

    fn write_feedback(&self, student: &Student, page: &str) -> Result<()> {
        let path = self.feedback.join(format!("{}.md", student.name));
        std::fs::write(&path, page).map_err(io("write", &path))
    }
}

/// Grades one student; their own problems are a row, never an error. Errors are only the grader's:
/// a report that cannot be written.
fn grade_student(
    course: &Course,
    lesson: &Lesson,
    student: &Student,
    outputs: &Outputs,
    max_score: u32,
) -> Result<Row> {
    let reports = &outputs.reports;
    let feedback = outputs.feedback_for(course, student);
    let name = &student.name;
    let mut row = Row {
        student: name.clone(),
        tiers: [0; 3],
        total: 0,
        max_score,
        status: RowStatus::NoSubmission,
        error: String::new(),
        // A row without a report still says when and by what; a link is never looked into.
        provenance: Provenance {
            commit: (!student.link && !student.not_utf8)
                .then(|| crate::provenance::commit_between(&student.dir, &student.dir))
                .flatten(),
            graded_at: crate::provenance::now_rfc3339(),
            grader_version: crate::provenance::grader_version(course.root()),
            ..Provenance::default()
        },
        roster: Default::default(),
        graded_from: None,
    };
    if student.not_utf8 {
        return Ok(refuse_not_utf8(row));
    }
    if student.link {
        row.status = RowStatus::Refused;
        row.error = format!(
            "{name} is a symbolic link: each student's work must be a folder of its own in the class \
             folder, and a link is never followed (it could lead to a classmate's work or the solutions); \
             copy the work in instead of linking it"
        );
        let path = reports.join(format!("{name}.refused.txt"));
        std::fs::write(&path, format!("{}\n", row.error)).map_err(io("write", &path))?;
        let why = "Your hand-in is a symbolic link, not a folder of its own, so it was not graded.";
        outputs.write_feedback(student, &render_without_report(name, &lesson.id, why, &feedback))?;
        return Ok(row);
    }
    // `--deadline`: a clone is graded as its last commit before the deadline, its tier files taken
    // out apart.
    let mut graded_dir = student.dir.clone();
    let mut as_of = None;
    if let Some(deadline) = &outputs.options.deadline {
        match deadline::as_of(&student.dir, deadline, lesson, &outputs.snapshots.join(name)) {
            Ok(AsOf::NotAClone) => {}
            Ok(AsOf::Commit(snapshot)) => {
                graded_dir = snapshot.tree;
                row.provenance.commit = Some(snapshot.commit.clone());
                row.provenance.deadline = Some(deadline.clone());
                as_of = Some((snapshot.commit, deadline.clone()));
            }
            Ok(AsOf::NothingBefore(why)) => {
                // Nothing was graded: no commit to name (its HEAD is after the deadline).
                row.provenance.commit = None;
                row.provenance.deadline = Some(deadline.clone());
                row.error = why.clone();
                let why = format!("Nothing was graded: {why}.");
                outputs.write_feedback(student, &render_without_report(name, &lesson.id, &why, &feedback))?;
                return Ok(row);
            }
            Err(why) => {
                row.status = RowStatus::Error;
                row.error = why;
                let path = reports.join(format!("{name}.error.txt"));
                std::fs::write(&path, format!("{}\n", row.error)).map_err(io("write", &path))?;
                let why = format!("Grading could not run: {}", row.error);
                outputs.write_feedback(student, &render_without_report(name, &lesson.id, &why, &feedback))?;
                return Ok(row);
            }
        }
    }
    if find_tier_files(&graded_dir, lesson).is_none() {
        let why = format!(
            "No exercise files of {} were found in your hand-in: beginner.rs, intermediate.rs or \
             advanced.rs, in lessons/{}/src/, in src/, or at the top of the folder.",
            lesson.id, lesson.dir_name
        );
        outputs.write_feedback(student, &render_without_report(name, &lesson.id, &why, &feedback))?;
        return Ok(row);
    }
    // The student's folder, not the folder holding their tier files: staging reads every folder
    // below the class folder without following a link.
    let request = Request {
        lesson: lesson.id.clone(),
        subject: Subject::Submission(graded_dir.clone()),
        reuse: false,
    };
    match grade(course, &request, &mut |_| {}) {
        Ok(mut report) => {
            if let Some((commit, deadline)) = as_of {
                // Said in the report: what was graded is a commit, not the folder as it is now.
                report.subject = format!(
                    "{} at commit {commit}, its last before {deadline}",
                    course.display_path(&student.dir)
                );
                report.provenance.commit = Some(commit);
                report.provenance.deadline = Some(deadline);
            }
            write_report(&reports.join(format!("{name}.json")), &report)?;
            outputs.write_feedback(student, &feedback::render(name, &report, &feedback))?;
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
            row.provenance = report.provenance.clone();
            row.graded_from = Some(graded_dir);
        }
        Err(error) => {
            row.status = RowStatus::Error;
            row.error = error.to_string();
            let path = reports.join(format!("{name}.error.txt"));
            std::fs::write(&path, format!("{}\n", row.error)).map_err(io("write", &path))?;
            let why = format!("Grading could not run: {}", row.error);
            outputs.write_feedback(student, &render_without_report(name, &lesson.id, &why, &feedback))?;
        }
    }
    Ok(row)
}

/// The row of a folder whose name is not UTF-8: refused, with no report or feedback file. Its name
/// is only a stand-in (`folder_name`), and a classmate's folder may hold that very text: a file
/// named after it could take the classmate's place. The teacher renames the folder and grades
/// again.
fn refuse_not_utf8(mut row: Row) -> Row {
    row.status = RowStatus::Refused;
    row.error = format!(
        "the folder's name is not UTF-8 (shown as {}): rename the folder and grade again; it was \
         not graded, and has no report or feedback page",
        row.student
    );
    row
}

fn write_report(path: &Path, report: &Report) -> Result<()> {
    std::fs::write(path, format!("{}\n", json::render(report))).map_err(io("write", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A course of one lesson's manifest (lesson05, 12 points), enough for students none of whom
    /// needs a build. Made here rather than taken from the course this crate is in: a student copy
    /// runs these tests too, and may hold other lessons.
    fn course() -> Course {
        static COURSE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
        let root = COURSE.get_or_init(|| {
            let root = tempfile::tempdir().unwrap();
            let suite = root.path().join("grader/suites/lesson05-races");
            std::fs::create_dir_all(&suite).unwrap();
            let mut manifest = String::from("title = \"Race conditions\"\n");
            for (name, tier) in [("a", "beginner"), ("b", "intermediate"), ("c", "advanced")] {
                manifest.push_str(&format!(
                    "[[tests]]\nname = \"{name}\"\ntier = \"{tier}\"\npoints = 4\nhint = \"h\"\n"
                ));
            }
            std::fs::write(suite.join("suite.toml"), manifest).unwrap();
            root
        });
        Course::new(root.path())
    }

    /// A batch of students none of whom needs a build: an empty folder and a link.
    fn batch(class: &Path, out: &Path) -> Vec<Row> {
        let course = course();
        let lesson = course.resolve("lesson05").unwrap();
        grade_class(&course, &lesson, class, out, &BatchOptions::default(), 1, &|_| {}).unwrap()
    }

    #[test]
    fn rows_that_were_not_graded_are_out_of_the_lessons_points() {
        let class = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(class.path().join("fay/notes")).unwrap();
        std::os::unix::fs::symlink(class.path().join("fay"), class.path().join("gus")).unwrap();
        let course = course();
        let suite =
            crate::suite::Suite::load(&course.suite_dir(&course.resolve("lesson05").unwrap())).unwrap();
        let max: u32 = suite.tests.iter().map(|t| t.points).sum();
        assert!(max > 0);
        let rows = batch(class.path(), out.path());
        let found: Vec<(&str, u32, u32, RowStatus)> = rows
            .iter()
            .map(|r| (r.student.as_str(), r.total, r.max_score, r.status))
            .collect();
        assert_eq!(
            found,
            [
                ("fay", 0, max, RowStatus::NoSubmission),
                ("gus", 0, max, RowStatus::Refused)
            ]
        );
    }

    #[test]
    fn one_student_is_regraded_into_the_last_batchs_outputs() {
        let class = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(class.path().join("fay")).unwrap();
        std::os::unix::fs::symlink(class.path().join("fay"), class.path().join("gus")).unwrap();
        batch(class.path(), out.path());
        std::fs::create_dir_all(class.path().join("hal")).unwrap();
        let course = course();
        let lesson = course.resolve("lesson05").unwrap();
        let only = |name: &str| BatchOptions {
            only: Some(name.to_owned()),
            ..BatchOptions::default()
        };
        let rows = grade_class(
            &course,
            &lesson,
            class.path(),
            out.path(),
            &only("hal"),
            1,
            &|_| {},
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        let gradebook = std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap();
        let students: Vec<&str> = gradebook
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(students, ["fay", "gus", "hal"], "{gradebook}");
        for kept in [
            "reports/gus.refused.txt",
            "feedback/fay.md",
            "feedback/gus.md",
            "feedback/hal.md",
        ] {
            assert!(out.path().join(kept).exists(), "{kept}");
        }
        let error = grade_class(
            &course,
            &lesson,
            class.path(),
            out.path(),
            &only("zed"),
            1,
            &|_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("zed"), "{error}");
        assert_eq!(
            std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap(),
            gradebook,
            "a failed re-grade leaves the outputs as they were"
        );
    }

    #[test]
    fn a_roster_names_each_row_and_adds_students_without_a_folder() {
        let class = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(class.path().join("lesson05-adalove")).unwrap();
        std::fs::create_dir_all(class.path().join("stranger")).unwrap();
        let roster = Roster::parse(
            "github_username,identifier,name,email\nadalove,s1,Ada,ada@uni.edu\nbob,s2,Bob,bob@uni.edu\n",
        )
        .unwrap();
        let course = course();
        let lesson = course.resolve("lesson05").unwrap();
        let options = BatchOptions {
            roster: Some(roster),
            ..BatchOptions::default()
        };
        let rows = grade_class(&course, &lesson, class.path(), out.path(), &options, 1, &|_| {}).unwrap();
        let found: Vec<(&str, &str, RowStatus)> = rows
            .iter()
            .map(|r| (r.student.as_str(), r.roster.id.as_str(), r.status))
            .collect();
        assert_eq!(
            found,
            [
                ("bob", "s2", RowStatus::NoSubmission),
                ("lesson05-adalove", "s1", RowStatus::NoSubmission),
                ("stranger", "", RowStatus::NoSubmission)
            ]
        );
        let gradebook = std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap();
        assert!(gradebook.contains(",s1,Ada,ada@uni.edu\n"), "{gradebook}");
    }

    #[test]
    fn a_deadline_takes_each_clone_at_its_last_commit_before_it() {
        use crate::classroom::deadline::tests::commit_at;
        let class = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        // ada's only commit before the deadline has no exercise files; bob committed only after it.
        let ada = class.path().join("ada");
        commit_at(&ada, &[("notes.txt", "started\n")], "2026-12-01T10:00:00Z");
        commit_at(&ada, &[("src/beginner.rs", "// late\n")], "2026-12-03T10:00:00Z");
        commit_at(
            &class.path().join("bob"),
            &[("src/beginner.rs", "// late\n")],
            "2026-12-03T10:00:00Z",
        );
        let course = course();
        let lesson = course.resolve("lesson05").unwrap();
        let options = BatchOptions {
            deadline: Some("2026-12-02T00:00:00Z".to_owned()),
            ..BatchOptions::default()
        };
        let rows = grade_class(&course, &lesson, class.path(), out.path(), &options, 1, &|_| {}).unwrap();
        let found: Vec<(&str, RowStatus, bool)> = rows
            .iter()
            .map(|r| (r.student.as_str(), r.status, r.provenance.commit.is_some()))
            .collect();
        assert_eq!(
            found,
            [
                ("ada", RowStatus::NoSubmission, true),
                ("bob", RowStatus::NoSubmission, false)
            ]
        );
        let bob = std::fs::read_to_string(out.path().join("feedback/bob.md")).unwrap();
        assert!(bob.contains("no commit before the deadline"), "{bob}");
        let bad = BatchOptions {
            deadline: Some("next tuesday".to_owned()),
            ..BatchOptions::default()
        };
        assert!(grade_class(&course, &lesson, class.path(), out.path(), &bad, 1, &|_| {}).is_err());
    }

    #[test]
    fn an_out_folder_in_the_class_is_never_a_student_and_leavers_reports_go() {
        let class = tempfile::tempdir().unwrap();
        let out = class.path().join("grades");
        std::fs::create_dir_all(class.path().join("fay")).unwrap();
        std::os::unix::fs::symlink(class.path().join("fay"), class.path().join("gus")).unwrap();
        let names = |rows: &[Row]| rows.iter().map(|r| r.student.clone()).collect::<Vec<_>>();
        assert_eq!(names(&batch(class.path(), &out)), ["fay", "gus"]);
        assert!(out.join("reports/gus.refused.txt").exists());
        let page = std::fs::read_to_string(out.join("feedback/fay.md")).unwrap();
        assert!(page.contains("No exercise files of lesson05"), "{page}");
        assert!(!page.contains(&class.path().display().to_string()), "{page}");
        std::fs::remove_file(class.path().join("gus")).unwrap();
        // The second run finds `grades/` (with a gradebook and reports in it) in the class folder.
        assert_eq!(names(&batch(class.path(), &out)), ["fay"]);
        assert!(!out.join("feedback/gus.md").exists(), "gus left the class");
        assert!(
            !out.join("reports/gus.refused.txt").exists(),
            "gus left the class"
        );
        let gradebook = std::fs::read_to_string(out.join("gradebook.csv")).unwrap();
        assert!(!gradebook.contains("grades"), "{gradebook}");
    }

    #[test]
    fn students_are_the_visible_subdirectories_by_name() {
        let class = tempfile::tempdir().unwrap();
        for name in ["zoe", "adam", ".git"] {
            std::fs::create_dir(class.path().join(name)).unwrap();
        }
        std::fs::write(class.path().join("notes.txt"), "").unwrap();
        std::os::unix::fs::symlink(class.path().join("zoe"), class.path().join("bob")).unwrap();
        std::os::unix::fs::symlink("/dev/null", class.path().join("null")).unwrap();
        std::fs::create_dir(class.path().join("grades")).unwrap();
        let out = class.path().join("grades");
        let found: Vec<(String, bool)> = students(class.path(), &out)
            .unwrap()
            .into_iter()
            .map(|s| (s.name, s.link))
            .collect();
        assert_eq!(
            found,
            [
                ("adam".to_owned(), false),
                ("bob".to_owned(), true),
                ("zoe".to_owned(), false)
            ],
            "the outputs' folder is no student"
        );
        assert!(students(&class.path().join("missing"), &out).is_err());
        for out in [class.path().to_owned(), class.path().join("zoe/grades")] {
            std::fs::create_dir_all(&out).unwrap();
            let error = students(class.path(), &out).unwrap_err().to_string();
            assert!(error.contains("--out"), "{error}");
        }
    }

    #[test]
    fn a_folder_whose_name_is_not_utf8_is_refused_under_a_name_of_its_own() {
        use std::os::unix::ffi::OsStrExt;
        let class = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        // Work in them, which is never read: the refusal comes first.
        for name in [&b"a\xfe"[..], b"a\xff"] {
            let dir = class.path().join(std::ffi::OsStr::from_bytes(name));
            std::fs::create_dir_all(dir.join("src")).unwrap();
            std::fs::write(dir.join("src/beginner.rs"), "// work\n").unwrap();
        }
        std::fs::create_dir_all(class.path().join("fay/notes")).unwrap();
        let rows = batch(class.path(), out.path());
        let found: Vec<(&str, RowStatus)> = rows.iter().map(|r| (r.student.as_str(), r.status)).collect();
        assert_eq!(
            found,
            [
                ("a\\xfe", RowStatus::Refused),
                ("a\\xff", RowStatus::Refused),
                ("fay", RowStatus::NoSubmission)
            ]
        );
        assert!(rows[0].error.contains("not UTF-8"), "{}", rows[0].error);
        assert!(!out.path().join("feedback/a\\xfe.md").exists());
    }
}
