//! The gradebook of a class batch (`gradebook.csv`): a row per student, safe to open in a spreadsheet.
//!
//! A student names their own folder, and the folder's name is the row's first cell: a name such as
//! `=SUM(40,2)` or `@cmd` would be a formula to Excel, LibreOffice or Google Sheets, evaluated when
//! the teacher opens the file. Every cell that starts with a character a spreadsheet reads as the start
//! of a formula (or with `'`s and then one, so that no two names become one cell) gets a leading `'`
//! (OWASP's rule against CSV injection), and is then quoted as RFC 4180 says.

use super::roster::Entry;
use crate::provenance::Provenance;
use std::path::PathBuf;

/// The gradebook's header (a contract: spreadsheets and scripts read these columns; new ones are
/// only ever added at the end). Then four of the row's provenance (`grading::provenance`), and three
/// from `--roster` (empty without one, or for a folder the roster does not name).
pub const HEADER: &str = "student,beginner,intermediate,advanced,total,max_score,status,\
                          files_sha256,commit,graded_at,grader_version,\
                          roster_id,roster_name,roster_email";

/// How a student's row came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Graded,
    /// No tier file for the lesson in any layout.
    NoSubmission,
    /// Grading could not run for this student (the message says why).
    Error,
    /// The student's folder is a symbolic link (to a classmate's folder, say): not graded, never
    /// followed (the message says so).
    Refused,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Graded => "graded",
            RowStatus::NoSubmission => "no_submission",
            RowStatus::Error => "error",
            RowStatus::Refused => "refused",
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
    /// Why an `error` or `refused` row is one.
    pub error: String,
    /// What was graded, when and by what: the report's, or for a row without a report what is known
    /// (no files hash).
    pub provenance: Provenance,
    /// The roster's entry for this folder (`--roster`), or an empty one.
    pub roster: Entry,
    /// The folder the row was graded from: the student's own, or under `--deadline` the snapshot of
    /// their commit. The class report compares the files there, so what is compared is what was
    /// graded (never in the gradebook: it is the batch's own place).
    pub graded_from: Option<PathBuf>,
}

/// The gradebook: the header, then a row per student.
pub fn csv(rows: &[Row]) -> String {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        let p = &row.provenance;
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(&row.student),
            row.tiers[0],
            row.tiers[1],
            row.tiers[2],
            row.total,
            row.max_score,
            row.status.as_str(),
            csv_field(&p.files_sha256),
            csv_field(p.commit.as_deref().unwrap_or_default()),
            csv_field(&p.graded_at),
            csv_field(&p.grader_version),
            csv_field(&row.roster.id),
            csv_field(&row.roster.name),
            csv_field(&row.roster.email)
        ));
    }
    text
}

/// A cell as text no spreadsheet evaluates: a leading `'` before `=`, `+`, `-`, `@`, a tab or a
/// carriage return (spreadsheets read these as a formula's start and hide the `'`), then quoted when
/// it holds a comma, a quote or a line break (RFC 4180).
pub(crate) fn csv_field(text: &str) -> String {
    quote(&neutralize(text))
}

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `text` gets a leading `'`: it starts with a formula's first character, or with `'`s and
/// then one. The second keeps the mapping one-to-one: the folders `=x` and `'=x` would otherwise
/// both be the cell `'=x`, one student's row to `--only` and to whoever reads the gradebook (and
/// `''=x` shows as `'=x`, the folder's own name, as `'=x` shows as `=x`).
fn needs_quote_prefix(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

fn neutralize(text: &str) -> String {
    if needs_quote_prefix(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A cell of a gradebook as it was before `csv_field` neutralized it (the `'` it put before a formula's
/// first character taken off again).
pub(crate) fn cell_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote_prefix(rest) => rest,
        _ => cell,
    }
}

fn quote(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The records of a CSV text (RFC 4180: quoted cells may hold commas, quotes and line breaks).
pub(crate) fn records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut cell) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records
}

/// `previous` (a gradebook) with the rows of `rows`' students replaced or added, every other row
/// kept as it was (filled with empty cells up to the current header when it came from a gradebook
/// with fewer columns), sorted by student: `--only` re-grades one student into a gradebook.
pub fn merge(previous: &str, rows: &[Row]) -> String {
    let width = HEADER.split(',').count();
    // Matched on the names as the folders have them, never on their cells.
    let replaced = |cell: &str| rows.iter().any(|r| r.student == cell_text(cell));
    // (the student's name for sorting, the line)
    let mut lines: Vec<(String, String)> = records(previous)
        .into_iter()
        .skip(1)
        .filter(|record| record.first().is_some_and(|s| !replaced(s)))
        .map(|mut record| {
            record.resize(width.max(record.len()), String::new());
            let name = cell_text(&record[0]).to_owned();
            // Cells of the old gradebook are already neutralized: only quoted again.
            let cells: Vec<String> = record.iter().map(|c| quote(c)).collect();
            (name, format!("{}\n", cells.join(",")))
        })
        .collect();
    let new = csv(rows);
    lines.extend(
        rows.iter()
            .zip(records(&new).into_iter().skip(1))
            .map(|(row, record)| {
                let cells: Vec<String> = record.iter().map(|c| quote(c)).collect();
                (row.student.clone(), format!("{}\n", cells.join(",")))
            }),
    );
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let mut text = format!("{HEADER}\n");
    text.extend(lines.into_iter().map(|(_, line)| line));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(student: &str, status: RowStatus) -> Row {
        Row {
            student: student.to_owned(),
            tiers: [20, 10, 0],
            total: 30,
            max_score: 60,
            status,
            error: String::new(),
            provenance: Provenance::default(),
            roster: Entry::default(),
            graded_from: None,
        }
    }

    #[test]
    fn the_gradebook_quotes_awkward_names_and_keeps_the_header() {
        let text = csv(&[
            row("ada", RowStatus::Graded),
            row("o\"neil, b", RowStatus::Error),
            row("cy", RowStatus::Refused),
        ]);
        assert_eq!(
            text,
            "student,beginner,intermediate,advanced,total,max_score,status,\
             files_sha256,commit,graded_at,grader_version,roster_id,roster_name,roster_email\n\
             ada,20,10,0,30,60,graded,,,,,,,\n\
             \"o\"\"neil, b\",20,10,0,30,60,error,,,,,,,\n\
             cy,20,10,0,30,60,refused,,,,,,,\n"
        );
    }

    #[test]
    fn one_student_is_merged_into_a_gradebook_and_the_other_rows_stay() {
        let old_header = "student,beginner,intermediate,advanced,total,max_score,status";
        let previous = format!(
            "{old_header}\n\"'=SUM(1,2)\",1,0,0,1,60,graded\nbob,0,0,0,0,60,no_submission\n\"o\"\"neil, b\",2,0,0,2,60,graded\n"
        );
        let mut bob = row("bob", RowStatus::Graded);
        bob.total = 31;
        let mut new = row("cyd", RowStatus::Graded);
        new.total = 7;
        let text = merge(&previous, &[bob, new]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                HEADER,
                "\"'=SUM(1,2)\",1,0,0,1,60,graded,,,,,,,",
                "bob,20,10,0,31,60,graded,,,,,,,",
                "cyd,20,10,0,7,60,graded,,,,,,,",
                "\"o\"\"neil, b\",2,0,0,2,60,graded,,,,,,,",
            ]
        );
        assert_eq!(merge("", &[]), format!("{HEADER}\n"));
    }

    #[test]
    fn provenance_ends_each_row() {
        let mut graded = row("ada", RowStatus::Graded);
        graded.provenance = Provenance {
            files_sha256: "ab".repeat(32),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            graded_at: "2026-12-06T04:05:09Z".into(),
            grader_version: "0.1.0+fedc".into(),
            deadline: None,
        };
        let text = csv(&[graded]);
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            format!(
                "ada,20,10,0,30,60,graded,{},0123456789abcdef0123456789abcdef01234567,\
                 2026-12-06T04:05:09Z,0.1.0+fedc,,,",
                "ab".repeat(32)
            )
        );
        assert_eq!(line.split(',').count(), HEADER.split(',').count());
    }

    #[test]
    fn a_name_a_spreadsheet_would_evaluate_stays_text() {
        for (name, cell) in [
            ("=SUM(40,2)", "\"'=SUM(40,2)\""),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@cmd", "'@cmd"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
            ("ada-lovelace", "ada-lovelace"),
            ("a=b", "a=b"),
            ("'=x", "''=x"),
            ("''+1", "'''+1"),
            ("'ada", "'ada"),
            ("'", "'"),
        ] {
            assert_eq!(csv_field(name), cell, "{name:?}");
            let read = records(cell).remove(0).remove(0);
            assert_eq!(cell_text(&read), name, "{cell:?} reads back as the name");
        }
    }

    #[test]
    fn a_regrade_replaces_only_the_row_of_its_own_folder() {
        let previous = csv(&[row("'=x", RowStatus::Graded), row("=x", RowStatus::Graded)]);
        let mut regraded = row("=x", RowStatus::Error);
        regraded.total = 0;
        let text = merge(&previous, &[regraded]);
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(
            lines,
            [
                "''=x,20,10,0,30,60,graded,,,,,,,",
                "'=x,20,10,0,0,60,error,,,,,,,"
            ]
        );
    }
}
