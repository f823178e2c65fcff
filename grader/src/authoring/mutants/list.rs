//! cargo-mutants' mutant list: running `cargo mutants --list --json`, reading its JSON, and applying
//! one mutant to a file's text.

use crate::error::{Error, Result};
use crate::tier::Tier;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::Command;

/// One mutant of a lesson's solution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mutant {
    /// The tier file, relative to the lesson crate: `src/advanced.rs`.
    pub file: String,
    pub tier: Tier,
    /// Where the change starts (1-based line and column, as cargo-mutants prints them).
    pub line: usize,
    pub column: usize,
    /// cargo-mutants' description without `file:line:col: `, e.g. `replace < with <= in Bank::transfer`.
    pub description: String,
    /// The text put in place of the span.
    pub replacement: String,
    #[serde(skip)]
    pub span: Span,
}

impl Mutant {
    /// `src/advanced.rs:118:48: replace == with != in Registry::current`.
    pub fn name(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.description
        )
    }
}

/// A region of a file: 1-based lines, 1-based columns counted in characters, end exclusive (the
/// convention of cargo-mutants' JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct Span {
    pub start: LineColumn,
    pub end: LineColumn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

/// The fields of cargo-mutants' `--list --json` entries that grading needs (it has more: `diff`,
/// `function`, `genre`, `package`).
#[derive(Debug, Deserialize)]
struct Listed {
    file: String,
    name: String,
    replacement: String,
    span: Span,
}

/// Runs `cargo mutants --list --json` in `root` for the given files (paths relative to `root`).
pub fn cargo_mutants_list(root: &Path, files: &[String]) -> Result<String> {
    let mut command = Command::new("cargo");
    command
        .current_dir(root)
        .args(["mutants", "--list", "--json", "--no-shuffle"]);
    for file in files {
        command.args(["-f", file]);
    }
    let output = command.output().map_err(|e| Error::Cargo(e.to_string()))?;
    if !output.status.success() {
        return Err(failure(&String::from_utf8_lossy(&output.stderr)));
    }
    String::from_utf8(output.stdout).map_err(|e| Error::CargoMutants(e.to_string()))
}

/// The error for a failed `cargo mutants` run, from its stderr.
fn failure(stderr: &str) -> Error {
    // cargo's own words for a subcommand it cannot find: tell the author how to install it.
    if stderr.contains("no such command") {
        Error::CargoMutantsMissing
    } else {
        Error::CargoMutants(stderr.trim().to_owned())
    }
}

/// Reads cargo-mutants' JSON list, in tier order (cargo-mutants' order within a file). `crate_dir`
/// is the lesson crate as cargo-mutants names it (`solutions/lesson05-races`); mutants outside its
/// tier files are refused.
pub fn parse(json: &str, crate_dir: &str) -> Result<Vec<Mutant>> {
    let listed: Vec<Listed> =
        serde_json::from_str(json).map_err(|e| Error::CargoMutants(format!("unreadable list: {e}")))?;
    let prefix = format!("{}/", crate_dir.trim_end_matches('/'));
    let mut mutants = listed
        .into_iter()
        .map(|m| {
            let bad = |why: &str| Error::CargoMutants(format!("mutant `{}`: {why}", m.name));
            let file = m
                .file
                .strip_prefix(&prefix)
                .ok_or_else(|| bad(&format!("its file is not under {crate_dir}")))?
                .to_owned();
            let tier = Tier::ALL
                .into_iter()
                .find(|t| file == format!("src/{}", t.file_name()))
                .ok_or_else(|| bad("its file is not a tier file"))?;
            // The name is `<file>:<line>:<col>: <description>`; the line and column are the span's start.
            let description = m
                .name
                .strip_prefix(&m.file)
                .and_then(|rest| rest.strip_prefix(':'))
                .and_then(|rest| rest.split_once(": "))
                .map(|(_, d)| d.to_owned())
                .ok_or_else(|| bad("its name is not `file:line:col: description`"))?;
            Ok(Mutant {
                file,
                tier,
                line: m.span.start.line,
                column: m.span.start.column,
                description,
                replacement: m.replacement,
                span: m.span,
            })
        })
        .collect::<Result<Vec<Mutant>>>()?;
    mutants.sort_by_key(|m| m.tier);
    Ok(mutants)
}

/// `text` with `mutant`'s span replaced.
pub fn apply(text: &str, mutant: &Mutant) -> Result<String> {
    let fail = |message: String| Error::Apply {
        mutant: mutant.name(),
        message,
    };
    let start = offset(text, mutant.span.start).ok_or_else(|| {
        fail(format!(
            "{}:{} is outside the file",
            mutant.span.start.line, mutant.span.start.column
        ))
    })?;
    let end = offset(text, mutant.span.end).ok_or_else(|| {
        fail(format!(
            "{}:{} is outside the file",
            mutant.span.end.line, mutant.span.end.column
        ))
    })?;
    if end < start {
        return Err(fail("the span ends before it starts".to_owned()));
    }
    Ok(format!(
        "{}{}{}",
        &text[..start],
        mutant.replacement,
        &text[end..]
    ))
}

/// The byte offset of a 1-based line and character column; the column may point just past the
/// line's last character.
fn offset(text: &str, at: LineColumn) -> Option<usize> {
    let line_start = if at.line == 1 {
        0
    } else {
        text.match_indices('\n').nth(at.line.checked_sub(2)?)?.0 + 1
    };
    let line = text[line_start..].split('\n').next()?;
    let column = at.column.checked_sub(1)?;
    if column == line.chars().count() {
        return Some(line_start + line.len());
    }
    line.char_indices().nth(column).map(|(i, _)| line_start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two entries exactly as cargo-mutants 27 prints them (diff and function shortened).
    const LISTED: &str = r#"[
      {"diff": "--- ...", "file": "solutions/lesson05-races/src/advanced.rs",
       "function": {"function_name": "Bank::accounts", "return_type": "-> usize",
                    "span": {"end": {"column": 6, "line": 49}, "start": {"column": 5, "line": 44}}},
       "genre": "FnValue",
       "name": "solutions/lesson05-races/src/advanced.rs:47:9: replace Bank::accounts -> usize with 0",
       "package": "lesson05-solution", "replacement": "0",
       "span": {"end": {"column": 28, "line": 47}, "start": {"column": 9, "line": 47}}},
      {"file": "solutions/lesson05-races/src/beginner.rs",
       "name": "solutions/lesson05-races/src/beginner.rs:3:7: replace < with <= in f",
       "genre": "BinaryOperator", "package": "lesson05-solution", "replacement": "<=",
       "span": {"end": {"column": 8, "line": 3}, "start": {"column": 7, "line": 3}}}
    ]"#;

    #[test]
    fn a_missing_cargo_mutants_is_reported_with_how_to_install_it() {
        let missing = failure("error: no such command: `mutants`\n\nhelp: view all installed commands");
        assert!(matches!(missing, Error::CargoMutantsMissing));
        assert!(
            missing
                .to_string()
                .contains("cargo install cargo-mutants --locked")
        );
        assert!(
            failure("error: unexpected argument 'x'")
                .to_string()
                .contains("unexpected argument 'x'")
        );
    }

    #[test]
    fn a_listed_mutant_keeps_its_tier_file_position_description_and_replacement() {
        let mutants = parse(LISTED, "solutions/lesson05-races").unwrap();
        assert_eq!(mutants.len(), 2);
        assert_eq!(
            mutants[0].tier,
            Tier::Beginner,
            "tier order, not cargo-mutants' file order"
        );
        let first = &mutants[1];
        assert_eq!(
            (first.file.as_str(), first.tier, first.line, first.column),
            ("src/advanced.rs", Tier::Advanced, 47, 9)
        );
        assert_eq!(first.description, "replace Bank::accounts -> usize with 0");
        assert_eq!(first.replacement, "0");
        assert_eq!(first.span.end, LineColumn { line: 47, column: 28 });
        assert_eq!(mutants[0].description, "replace < with <= in f");
        assert_eq!(mutants[0].name(), "src/beginner.rs:3:7: replace < with <= in f");
    }

    #[test]
    fn a_mutant_outside_the_tier_files_or_an_unreadable_list_is_refused() {
        let lib = LISTED.replace("src/beginner.rs", "src/lib.rs");
        assert!(
            parse(&lib, "solutions/lesson05-races")
                .unwrap_err()
                .to_string()
                .contains("not a tier file")
        );
        assert!(
            parse(LISTED, "solutions/lesson01-threads")
                .unwrap_err()
                .to_string()
                .contains("not under solutions/lesson01-threads")
        );
        assert!(parse("{", "solutions/x").is_err());
    }

    fn mutant(start: (usize, usize), end: (usize, usize), replacement: &str) -> Mutant {
        Mutant {
            file: "src/beginner.rs".into(),
            tier: Tier::Beginner,
            line: start.0,
            column: start.1,
            description: "d".into(),
            replacement: replacement.into(),
            span: Span {
                start: LineColumn {
                    line: start.0,
                    column: start.1,
                },
                end: LineColumn {
                    line: end.0,
                    column: end.1,
                },
            },
        }
    }

    #[test]
    fn applying_replaces_exactly_the_span_on_one_line_or_across_lines() {
        let text = "fn f(a: u8) -> bool {\n    a < 3\n}\n";
        assert_eq!(
            apply(text, &mutant((2, 7), (2, 8), "<=")).unwrap(),
            "fn f(a: u8) -> bool {\n    a <= 3\n}\n"
        );
        assert_eq!(
            apply(text, &mutant((1, 22), (3, 1), " true ")).unwrap(),
            "fn f(a: u8) -> bool { true }\n"
        );
        // A span that ends at the end of its line.
        assert_eq!(
            apply(text, &mutant((2, 5), (2, 10), "false")).unwrap(),
            "fn f(a: u8) -> bool {\n    false\n}\n"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "let s = \"é\"; a < b\n";
        assert_eq!(
            apply(text, &mutant((1, 16), (1, 17), ">")).unwrap(),
            "let s = \"é\"; a > b\n"
        );
    }

    #[test]
    fn a_span_outside_the_file_or_backwards_is_refused() {
        let text = "a < b\n";
        assert!(apply(text, &mutant((5, 1), (5, 2), "x")).is_err());
        assert!(apply(text, &mutant((1, 9), (1, 10), "x")).is_err());
        assert!(apply(text, &mutant((1, 3), (1, 2), "x")).is_err());
    }
}
