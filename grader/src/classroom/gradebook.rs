//! The gradebook of a class batch (`gradebook.csv`): a row per student, safe to open in a spreadsheet.
//!
//! A student names their own folder, and the folder's name is the row's first cell: a name such as
//! `=SUM(40,2)` or `@cmd` would be a formula to Excel, LibreOffice or Google Sheets, evaluated when
//! the teacher opens the file. Every cell that starts with a character a spreadsheet reads as the start
//! of a formula gets a leading `'` (OWASP's rule against CSV injection), and is then quoted as RFC 4180
//! says.

use crate::provenance::Provenance;

/// The gradebook's header (a contract: spreadsheets and scripts read these columns; new ones are
/// only ever added at the end). The last four are the row's provenance (`grading::provenance`).
pub const HEADER: &str = "student,beginner,intermediate,advanced,total,max_score,status,\
                          files_sha256,commit,graded_at,grader_version";

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
}

/// The gradebook: the header, then a row per student.
pub fn csv(rows: &[Row]) -> String {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        let p = &row.provenance;
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\n",
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
            csv_field(&p.grader_version)
        ));
    }
    text
}

/// A cell as text no spreadsheet evaluates: a leading `'` before `=`, `+`, `-`, `@`, a tab or a
/// carriage return (spreadsheets read these as a formula's start and hide the `'`), then quoted when
/// it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    quote(&neutralize(text))
}

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn neutralize(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn quote(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
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
             files_sha256,commit,graded_at,grader_version\n\
             ada,20,10,0,30,60,graded,,,,\n\
             \"o\"\"neil, b\",20,10,0,30,60,error,,,,\n\
             cy,20,10,0,30,60,refused,,,,\n"
        );
    }

    #[test]
    fn provenance_ends_each_row() {
        let mut graded = row("ada", RowStatus::Graded);
        graded.provenance = Provenance {
            files_sha256: "ab".repeat(32),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            graded_at: "2026-12-06T04:05:09Z".into(),
            grader_version: "0.1.0+fedc".into(),
        };
        let text = csv(&[graded]);
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            format!(
                "ada,20,10,0,30,60,graded,{},0123456789abcdef0123456789abcdef01234567,\
                 2026-12-06T04:05:09Z,0.1.0+fedc",
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
        ] {
            assert_eq!(csv_field(name), cell, "{name:?}");
        }
    }
}
