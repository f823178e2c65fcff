//! `cargo xtask gradebook --out FILE.csv OUT1 OUT2 ...`: one gradebook over several lessons of a class,
//! made from the `gradebook.csv` of each lesson's `grade LESSON --class DIR --out OUTn` run (nothing is
//! graded again).
//!
//! A lesson's gradebook does not name its lesson: it is read from the `lesson` field of the folder's
//! `reports/*.json` (which must all agree), or, when no student has a report (nobody handed anything
//! in), from the heading of its `feedback/*.md` pages (`# lesson05 ...: feedback for ...`).
//!
//! The combined file has a row per student of any input (sorted by name) and, per lesson (sorted by
//! id), `<lesson>_total,<lesson>_max,<lesson>_status`, then `total,max_score` summed over the lessons
//! and `roster_id,roster_name,roster_email`, each from the first lesson (by id) whose gradebook gives
//! it; a later lesson that gives another value is a [`RosterConflict`], said as a warning. A student
//! missing from a lesson's gradebook is `0` out of that lesson's points, `no_submission`, as a student
//! without files is in a lesson's own gradebook. Every cell goes through `gradebook::csv_field`, and the
//! file is written beside its place and renamed there.

use super::gradebook::{cell_text, csv_field, records};
use crate::error::{Error, Result, io};
use crate::frontend::{exit, report_error};
use crate::report::terminal::printable;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The statuses a lesson's gradebook writes (`gradebook::RowStatus`).
const STATUSES: [&str; 4] = ["graded", "no_submission", "error", "refused"];

/// The roster's columns, carried from the lessons' gradebooks.
const ROSTER: [&str; 3] = ["roster_id", "roster_name", "roster_email"];

/// One student's line of a lesson's gradebook, as far as the combined gradebook needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonRow {
    pub student: String,
    pub total: u32,
    pub max_score: u32,
    pub status: String,
    /// `roster_id`, `roster_name`, `roster_email` (empty when the gradebook has none).
    pub roster: [String; 3],
}

/// One lesson's gradebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonBook {
    pub lesson: String,
    /// The folder it came from (for messages).
    pub source: PathBuf,
    pub rows: Vec<LessonRow>,
}

impl LessonBook {
    /// The lesson's points: the largest `max_score` of its rows (every row of a lesson's gradebook
    /// is out of the lesson's points; one written before that was so says 0).
    pub fn max_score(&self) -> u32 {
        self.rows.iter().map(|r| r.max_score).max().unwrap_or(0)
    }
}

/// Two lessons' gradebooks that give one student different values of one roster field (each lesson
/// was graded with its own `--roster`, and the rosters disagree: a typo, an email changed between
/// the lessons, or two people under one folder name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterConflict {
    pub student: String,
    /// `roster_id`, `roster_name` or `roster_email`.
    pub field: &'static str,
    /// The lesson whose value the combined gradebook keeps, and that value.
    pub kept: (String, String),
    /// A later lesson that gives another value, and that value.
    pub other: (String, String),
}

impl std::fmt::Display for RosterConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Quoted, with control characters escaped: the values come from CSV files and reach a
        // terminal.
        let quoted = |text: &str| format!("\"{}\"", printable(text));
        write!(
            f,
            "{} has two {}: {} says {}, {} says {}; kept {}'s (the first lesson that gives one)",
            quoted(&self.student),
            self.field,
            self.kept.0,
            quoted(&self.kept.1),
            self.other.0,
            quoted(&self.other.1),
            self.kept.0
        )
    }
}

/// A combined gradebook, and the roster details its lessons disagreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combined {
    pub text: String,
    pub conflicts: Vec<RosterConflict>,
}

/// `cargo xtask gradebook --out FILE OUT...`: writes the combined gradebook and says where. Returns
/// the exit code.
pub fn command(out: &Path, inputs: &[PathBuf]) -> u8 {
    let result = inputs
        .iter()
        .map(|input| load(input))
        .collect::<Result<Vec<_>>>()
        .and_then(|books| {
            check_out(out, inputs)?;
            let combined = combine(&books)?;
            write(out, &combined.text)?;
            Ok((books, combined.conflicts))
        });
    match result {
        Ok((mut books, conflicts)) => {
            let mut err = anstream::stderr();
            for conflict in &conflicts {
                let _ = writeln!(err, "warning: {conflict}");
            }
            books.sort_by(|a, b| a.lesson.cmp(&b.lesson));
            let lessons: Vec<&str> = books.iter().map(|b| b.lesson.as_str()).collect();
            let students = students(&books).len();
            let _ = writeln!(
                anstream::stdout(),
                "{students} students over {}: {}",
                lessons.join(", "),
                out.display()
            );
            exit::REPORTED
        }
        Err(error) => report_error(&error),
    }
}

/// Reads the gradebook of `input` (a batch's `--out` folder, or its `gradebook.csv`) and its lesson.
pub fn load(input: &Path) -> Result<LessonBook> {
    let (folder, file) = if input.is_file() {
        (
            input.parent().unwrap_or(Path::new(".")).to_owned(),
            input.to_owned(),
        )
    } else {
        (input.to_owned(), input.join("gradebook.csv"))
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::NoGradebook(folder)),
        Err(e) => return Err(io("read", &file)(e)),
    };
    let bad = |message: String| Error::BadGradebook {
        path: file.clone(),
        message,
    };
    let rows = parse(&text).map_err(bad)?;
    let lesson = lesson_of(&folder)?;
    Ok(LessonBook {
        lesson,
        source: folder,
        rows,
    })
}

/// The rows of a lesson's gradebook text: columns found by their header's names (so an older
/// gradebook with fewer columns, or a later one with more, reads the same).
pub fn parse(text: &str) -> std::result::Result<Vec<LessonRow>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = records(text).into_iter().map(|mut record| {
        // A spreadsheet that saved the file may end lines with CRLF.
        if let Some(last) = record.last_mut()
            && last.ends_with('\r')
        {
            last.pop();
        }
        record
    });
    let header = records.next().ok_or("empty file: no header")?;
    if header.first().map(String::as_str) != Some("student") {
        return Err("not a gradebook: its header does not start with `student`".into());
    }
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("not a gradebook: no `{name}` column"))
    };
    let (total, max_score, status) = (column("total")?, column("max_score")?, column("status")?);
    let roster = ROSTER.map(|name| header.iter().position(|h| h == name));
    let mut rows: Vec<LessonRow> = Vec::new();
    for (index, record) in records.enumerate() {
        let line = index + 2;
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() != header.len() {
            return Err(format!(
                "record {line} has {} cells, the header {} (a quote left open?)",
                record.len(),
                header.len()
            ));
        }
        let number = |at: usize| {
            record[at].parse::<u32>().map_err(|_| {
                format!(
                    "record {line}: `{}` is not a whole number ({})",
                    record[at], header[at]
                )
            })
        };
        let student = cell_text(&record[0]).to_owned();
        if student.is_empty() {
            return Err(format!("record {line} names no student"));
        }
        if rows.iter().any(|r| r.student == student) {
            return Err(format!("{student} has two rows"));
        }
        if !STATUSES.contains(&record[status].as_str()) {
            return Err(format!(
                "record {line}: status `{}` is none of {}",
                record[status],
                STATUSES.join(", ")
            ));
        }
        rows.push(LessonRow {
            student,
            total: number(total)?,
            max_score: number(max_score)?,
            status: record[status].clone(),
            roster: roster.map(|at| at.map_or(String::new(), |at| cell_text(&record[at]).to_owned())),
        });
    }
    Ok(rows)
}

/// The lesson whose outputs `folder` holds: the `lesson` of its reports, or else the heading of its
/// feedback pages.
pub fn lesson_of(folder: &Path) -> Result<String> {
    let bad = |message: String| Error::BadGradebook {
        path: folder.to_owned(),
        message,
    };
    // (the lesson named, by which file)
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    for file in files(&folder.join("reports"), ".json")? {
        let text = std::fs::read_to_string(&file).map_err(io("read", &file))?;
        let lesson = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|report| report["lesson"].as_str().map(str::to_owned))
            .ok_or_else(|| bad(format!("{} is not a report with a `lesson`", file.display())))?;
        named.push((lesson, file));
    }
    if named.is_empty() {
        for file in files(&folder.join("feedback"), ".md")? {
            let text = std::fs::read_to_string(&file).map_err(io("read", &file))?;
            let lesson = text
                .lines()
                .next()
                .and_then(|heading| heading.strip_prefix("# "))
                .and_then(|rest| rest.split([' ', ':']).next())
                .unwrap_or_default()
                .to_owned();
            named.push((lesson, file));
        }
    }
    let Some((lesson, first)) = named.first() else {
        return Err(bad(
            "no reports/*.json or feedback/*.md to tell which lesson its gradebook is of".into(),
        ));
    };
    for (other, file) in &named {
        if !is_lesson_id(other) {
            return Err(bad(format!("{} names the lesson `{other}`", file.display())));
        }
        if other != lesson {
            return Err(bad(format!(
                "its outputs are of two lessons: {} is {lesson}, {} is {other}",
                first.display(),
                file.display()
            )));
        }
    }
    Ok(lesson.clone())
}

/// The files of `dir` whose name ends with `suffix`, by name (none when `dir` is missing).
fn files(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read", dir)(e)),
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    files.sort();
    Ok(files)
}

/// A lesson id as the course names lessons (`lesson05`): letters, digits, `_` and `-`.
fn is_lesson_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Every student of any of the lessons, by name.
fn students(books: &[LessonBook]) -> Vec<&str> {
    let mut students: Vec<&str> = books
        .iter()
        .flat_map(|b| b.rows.iter().map(|r| r.student.as_str()))
        .collect();
    students.sort_unstable();
    students.dedup();
    students
}

/// The combined gradebook of `books` (in any order; a lesson may be given once).
pub fn combine(books: &[LessonBook]) -> Result<Combined> {
    let mut by_lesson: BTreeMap<&str, &LessonBook> = BTreeMap::new();
    for book in books {
        if let Some(first) = by_lesson.insert(&book.lesson, book) {
            return Err(Error::SameLesson {
                lesson: book.lesson.clone(),
                first: first.source.clone(),
                second: book.source.clone(),
            });
        }
    }
    let mut header = vec!["student".to_owned()];
    for lesson in by_lesson.keys() {
        header.extend(["total", "max", "status"].map(|c| format!("{lesson}_{c}")));
    }
    header.extend(["total", "max_score"].map(str::to_owned));
    header.extend(ROSTER.map(str::to_owned));
    let mut text = header.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(",");
    text.push('\n');
    let mut conflicts = Vec::new();
    for student in students(books) {
        let mut cells = vec![csv_field(student)];
        let (mut total, mut max_score) = (0u64, 0u64);
        // Each field as the first lesson that gives it: (lesson, value).
        let mut roster: [Option<(&str, &str)>; 3] = [None; 3];
        for (lesson, book) in &by_lesson {
            let (row_total, row_max, status) = match book.rows.iter().find(|r| r.student == student) {
                Some(row) => {
                    for (at, value) in row.roster.iter().enumerate() {
                        match roster[at] {
                            _ if value.is_empty() => {}
                            None => roster[at] = Some((lesson, value)),
                            Some((kept_lesson, kept)) if kept != value => {
                                conflicts.push(RosterConflict {
                                    student: student.to_owned(),
                                    field: ROSTER[at],
                                    kept: (kept_lesson.to_owned(), kept.to_owned()),
                                    other: ((*lesson).to_owned(), value.clone()),
                                });
                            }
                            Some(_) => {}
                        }
                    }
                    // A row written before rows without a grade kept the lesson's points says 0.
                    let max = if row.max_score == 0 {
                        book.max_score()
                    } else {
                        row.max_score
                    };
                    (row.total, max, row.status.as_str())
                }
                None => (0, book.max_score(), "no_submission"),
            };
            total += u64::from(row_total);
            max_score += u64::from(row_max);
            cells.extend([row_total.to_string(), row_max.to_string(), csv_field(status)]);
        }
        cells.extend([total.to_string(), max_score.to_string()]);
        cells.extend(roster.map(|field| field.map_or(String::new(), |(_, value)| csv_field(value))));
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    Ok(Combined { text, conflicts })
}

/// Refuses an `out` that is one of the inputs' gradebooks (it would be read and replaced at once).
fn check_out(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let Some(out_real) = real_file(out) else {
        return Ok(());
    };
    for input in inputs {
        let gradebook = if input.is_file() {
            input.clone()
        } else {
            input.join("gradebook.csv")
        };
        if real_file(&gradebook) == Some(out_real.clone()) {
            return Err(Error::OutIsInput(out.to_owned()));
        }
    }
    Ok(())
}

/// Where `path` is: its folder resolved, its name kept (the file need not exist).
fn real_file(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(name))
}

/// Writes `text` to `out` in one step: a file beside it, then renamed over it, so a reader (or a
/// failure half-way) never sees half a gradebook.
pub fn write(out: &Path, text: &str) -> Result<()> {
    let name = out
        .file_name()
        .ok_or_else(|| Error::BadGradebook {
            path: out.to_owned(),
            message: "--out names no file".into(),
        })?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io("create", &parent))?;
    let temporary = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text).map_err(io("write", &temporary))?;
    std::fs::rename(&temporary, out).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        io("rename", &temporary)(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = super::super::gradebook::HEADER;

    fn book(lesson: &str, gradebook: &str) -> LessonBook {
        LessonBook {
            lesson: lesson.into(),
            source: PathBuf::from(format!("grades-{lesson}")),
            rows: parse(&format!("{HEADER}\n{gradebook}")).unwrap(),
        }
    }

    #[test]
    fn students_missing_from_a_lesson_are_no_submission_out_of_its_points() {
        let one = book(
            "lesson01",
            "ada,10,5,0,15,30,graded,ab,,t,v,42,Ada,ada@uni.edu\n\
             bob,0,0,0,0,30,no_submission,,,t,v,,,\n",
        );
        let five = book(
            "lesson05",
            "cy,20,0,0,20,45,graded,cd,,t,v,,,\nada,0,0,0,0,45,error,,,t,v,,,\n",
        );
        // Given in any order: columns follow the lessons' ids.
        let text = combine(&[five, one]).unwrap().text;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "student,lesson01_total,lesson01_max,lesson01_status,lesson05_total,lesson05_max,\
                 lesson05_status,total,max_score,roster_id,roster_name,roster_email",
                "ada,15,30,graded,0,45,error,15,75,42,Ada,ada@uni.edu",
                "bob,0,30,no_submission,0,45,no_submission,0,75,,,",
                "cy,0,30,no_submission,20,45,graded,20,75,,,",
            ]
        );
    }

    #[test]
    fn roster_details_the_lessons_disagree_on_are_warned_about_and_the_first_lessons_kept() {
        // ada's name and email changed between the lessons (the second name with a terminal escape,
        // which the warning must not send raw), and lesson01 was graded without her id; bob's
        // details agree; cy has a roster in one lesson only.
        let one = book(
            "lesson01",
            "ada,1,0,0,1,30,graded,,,t,v,,Ada,ada@uni.edu\n\
             bob,1,0,0,1,30,graded,,,t,v,7,Bob,bob@uni.edu\n\
             cy,1,0,0,1,30,graded,,,t,v,,,\n",
        );
        let two = book(
            "lesson02",
            "ada,2,0,0,2,30,graded,,,t,v,42,Ada L.\u{1b}[2J,a.lovelace@uni.edu\n\
             bob,2,0,0,2,30,graded,,,t,v,7,Bob,bob@uni.edu\n\
             cy,2,0,0,2,30,graded,,,t,v,9,Cy,cy@uni.edu\n",
        );
        let combined = combine(&[two, one]).unwrap();
        let lines: Vec<&str> = combined.text.lines().collect();
        assert_eq!(
            &lines[1..],
            [
                "ada,1,30,graded,2,30,graded,3,60,42,Ada,ada@uni.edu",
                "bob,1,30,graded,2,30,graded,3,60,7,Bob,bob@uni.edu",
                "cy,1,30,graded,2,30,graded,3,60,9,Cy,cy@uni.edu",
            ]
        );
        let said: Vec<String> = combined.conflicts.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            said,
            [
                "\"ada\" has two roster_name: lesson01 says \"Ada\", lesson02 says \"Ada L.\\u{1b}[2J\"; \
                 kept lesson01's (the first lesson that gives one)",
                "\"ada\" has two roster_email: lesson01 says \"ada@uni.edu\", lesson02 says \
                 \"a.lovelace@uni.edu\"; kept lesson01's (the first lesson that gives one)",
            ]
        );
    }

    #[test]
    fn a_lesson_given_twice_is_refused() {
        let a = book("lesson05", "ada,1,0,0,1,45,graded,,,,,,,\n");
        let mut b = a.clone();
        b.source = PathBuf::from("other");
        let error = combine(&[a, b]).unwrap_err();
        assert!(matches!(error, Error::SameLesson { .. }), "{error}");
        assert_eq!(
            error.to_string(),
            "grades-lesson05 and other are both gradebooks of lesson05: give each lesson once"
        );
    }

    #[test]
    fn formula_names_stay_text_and_are_not_neutralized_twice() {
        // As a lesson's gradebook writes them: already neutralized, quoted where needed.
        let one = book(
            "lesson01",
            "\"'=SUM(40,2)\",1,0,0,1,30,graded,,,,,'@x,\"'=HYPERLINK(\"\"http://x\"\")\",\n\
             '-2,0,0,0,0,30,graded,,,,,,,\n",
        );
        assert_eq!(one.rows[0].student, "=SUM(40,2)");
        let text = combine(&[one]).unwrap().text;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            &lines[1..],
            [
                "'-2,0,30,graded,0,30,,,",
                "\"'=SUM(40,2)\",1,30,graded,1,30,'@x,\"'=HYPERLINK(\"\"http://x\"\")\",",
            ]
        );
    }

    #[test]
    fn older_gradebooks_read_by_their_column_names() {
        // Before provenance and roster columns, and before rows without a grade kept the points.
        let rows = parse(
            "student,beginner,intermediate,advanced,total,max_score,status\r\n\
             ada,1,0,0,1,30,graded\r\nbob,0,0,0,0,0,no_submission\r\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].roster, [String::new(), String::new(), String::new()]);
        let text = combine(&[LessonBook {
            lesson: "lesson01".into(),
            source: PathBuf::from("g"),
            rows,
        }])
        .unwrap()
        .text;
        assert!(text.contains("\nbob,0,30,no_submission,0,30,,,\n"), "{text}");
    }

    #[test]
    fn a_malformed_gradebook_is_an_error_never_a_panic() {
        for (text, says) in [
            ("", "empty file"),
            ("name,total\nada,1\n", "does not start with `student`"),
            ("student,total,status\nada,1,graded\n", "no `max_score` column"),
            (
                "student,total,max_score,status\nada,1,30\n",
                "record 2 has 3 cells",
            ),
            (
                "student,total,max_score,status\nada,x,30,graded\n",
                "`x` is not a whole number",
            ),
            (
                "student,total,max_score,status\nada,-1,30,graded\n",
                "`-1` is not a whole number",
            ),
            ("student,total,max_score,status\nada,1,30,done\n", "status `done`"),
            (
                "student,total,max_score,status\nada,1,30,graded\nada,2,30,graded\n",
                "ada has two rows",
            ),
            (
                "student,total,max_score,status\n,1,30,graded\n",
                "names no student",
            ),
            ("student,total,max_score,status\n\"ada,1,30,graded\n", "cells"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }

    #[test]
    fn the_lesson_is_read_from_reports_or_else_feedback_pages() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        assert!(
            lesson_of(folder)
                .unwrap_err()
                .to_string()
                .contains("no reports/*.json")
        );
        std::fs::create_dir_all(folder.join("feedback")).unwrap();
        std::fs::write(
            folder.join("feedback/bob.md"),
            "# lesson05: feedback for bob\n\n**Not graded.**\n",
        )
        .unwrap();
        assert_eq!(lesson_of(folder).unwrap(), "lesson05");
        std::fs::create_dir_all(folder.join("reports")).unwrap();
        std::fs::write(folder.join("reports/ada.json"), r#"{"lesson": "lesson01"}"#).unwrap();
        std::fs::write(folder.join("reports/bob.error.txt"), "no").unwrap();
        assert_eq!(lesson_of(folder).unwrap(), "lesson01", "reports come first");
        std::fs::write(folder.join("reports/cy.json"), r#"{"lesson": "lesson02"}"#).unwrap();
        assert!(lesson_of(folder).unwrap_err().to_string().contains("two lessons"));
        std::fs::write(folder.join("reports/cy.json"), "{ not json").unwrap();
        assert!(
            lesson_of(folder)
                .unwrap_err()
                .to_string()
                .contains("not a report")
        );
        std::fs::write(folder.join("reports/cy.json"), r#"{"lesson": "=1+1"}"#).unwrap();
        assert!(
            lesson_of(folder)
                .unwrap_err()
                .to_string()
                .contains("names the lesson")
        );
    }

    #[test]
    fn a_folder_without_a_gradebook_says_so_and_out_never_replaces_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let error = load(dir.path()).unwrap_err();
        assert!(matches!(error, Error::NoGradebook(_)), "{error}");
        std::fs::write(dir.path().join("gradebook.csv"), format!("{HEADER}\n")).unwrap();
        let inputs = [dir.path().to_owned()];
        assert!(matches!(
            check_out(&dir.path().join("gradebook.csv"), &inputs),
            Err(Error::OutIsInput(_))
        ));
        assert!(check_out(&dir.path().join("all.csv"), &inputs).is_ok());
        write(&dir.path().join("all.csv"), "x\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("all.csv")).unwrap(),
            "x\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    }
}
