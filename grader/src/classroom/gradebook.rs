//! The gradebook of a class batch (`gradebook.csv`): a row per student, safe to open in a spreadsheet.
//!
//! A student names their own folder, and the folder's name is the row's first cell: a name such as
//! `=SUM(40,2)` or `@cmd` would be a formula to Excel, LibreOffice or Google Sheets, evaluated when
//! the teacher opens the file. Every cell that starts with a character a spreadsheet reads as the start
//! of a formula gets a leading `'` (OWASP's rule against CSV injection), and is then quoted as RFC 4180
//! says.

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

/// A cell as text no spreadsheet evaluates: a leading `'` before `=`, `+`, `-`, `@`, a tab or a
/// carriage return (spreadsheets read these as a formula's start and hide the `'`), then quoted when
/// it holds a comma, a quote or a line break (RFC 4180).
pub(crate) fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
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
            "student,beginner,intermediate,advanced,total,max_score,status\n\
             ada,20,10,0,30,60,graded\n\
             \"o\"\"neil, b\",20,10,0,30,60,error\n\
             cy,20,10,0,30,60,refused\n"
        );
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
