//! Starter files generated from the reference solution, so the two never drift (as nbgrader does
//! for notebooks).
//!
//! A solution marks each region a learner writes:
//!
//! ```text
//! // BEGIN SOLUTION: what to do            -> `// TODO: what to do` and `todo!("what to do")`
//! // BEGIN SOLUTION (comment): what to do  -> `// TODO: what to do` only (fields, imports, helpers)
//! // BEGIN SOLUTION (starter): what to do  -> `// TODO: what to do` and the lines after `// STARTER`,
//! //                                           uncommented (buggy code for the learner to fix)
//! ...solution lines...
//! // END SOLUTION
//! ```
//!
//! Every other line is copied as it is. Files without markers (the `sync` facade) are course code
//! and copied whole; `lib.rs` also gets the lesson README as its crate docs.

use crate::course::{Course, Lesson};
use crate::error::{Error, Result, io};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const BEGIN: &str = "// BEGIN SOLUTION";
const END: &str = "// END SOLUTION";
const STARTER: &str = "// STARTER";

/// The header every generated exercise file starts with.
const STUB_HEADER: &str = "\
// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (Generated from the reference solution by `cargo xtask sync`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
";

/// The line that makes a lesson's README its crate docs, so every example in it is a doc test.
const README_DOC: &str = "#![doc = include_str!(\"../README.md\")]\n";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Todo,
    Comment,
    Starter,
}

/// Turns one solution file into its starter. `path` is only for error messages.
pub fn generate(solution: &str, path: &Path) -> Result<String> {
    let marker = |line: usize, message: String| Error::Marker {
        path: path.to_owned(),
        line,
        message,
    };
    let mut out = String::new();
    let mut lines = solution.lines().enumerate().map(|(i, l)| (i + 1, l));
    let mut had_region = false;
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with(END) || trimmed.starts_with(STARTER) {
            return Err(marker(
                number,
                format!("`{}` without a `{BEGIN}` before it", trimmed),
            ));
        }
        let Some(spec) = trimmed.strip_prefix(BEGIN) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        had_region = true;
        let indent = &line[..line.len() - trimmed.len()];
        let (kind, what) = parse_spec(spec).ok_or_else(|| {
            marker(
                number,
                format!("expected `{BEGIN}: what to do` or `{BEGIN} (comment|starter): what to do`"),
            )
        })?;
        let mut starter = Vec::new();
        let mut in_starter = false;
        loop {
            let Some((inner_number, inner)) = lines.next() else {
                return Err(marker(number, format!("`{BEGIN}` is never closed by `{END}`")));
            };
            let inner_trimmed = inner.trim_start();
            if inner_trimmed.starts_with(END) {
                break;
            } else if inner_trimmed.starts_with(BEGIN) {
                return Err(marker(inner_number, "regions cannot nest".to_owned()));
            } else if inner_trimmed.starts_with(STARTER) {
                if kind != Kind::Starter {
                    return Err(marker(
                        inner_number,
                        "`// STARTER` belongs in a `(starter)` region".to_owned(),
                    ));
                }
                in_starter = true;
            } else if in_starter {
                let code = inner_trimmed
                    .strip_prefix("// ")
                    .or_else(|| inner_trimmed.strip_prefix("//"));
                let code = code
                    .ok_or_else(|| marker(inner_number, "starter lines must be commented out".to_owned()))?;
                starter.push(if code.is_empty() {
                    String::new()
                } else {
                    format!("{indent}{code}")
                });
            }
        }
        out.push_str(&format!("{indent}// TODO: {what}\n"));
        match kind {
            Kind::Todo => {
                // todo!'s message is a format string: braces in it must be doubled.
                let message = what.replace('{', "{{").replace('}', "}}");
                out.push_str(&format!("{indent}todo!({message:?})\n"));
            }
            Kind::Comment => {}
            Kind::Starter => {
                if starter.is_empty() {
                    return Err(marker(
                        number,
                        "a `(starter)` region needs `// STARTER` lines".to_owned(),
                    ));
                }
                for line in starter {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    }
    if had_region {
        Ok(format!("{STUB_HEADER}{out}"))
    } else {
        Ok(out)
    }
}

fn parse_spec(spec: &str) -> Option<(Kind, String)> {
    let spec = spec.trim_start();
    let (kind, rest) = if let Some(rest) = spec.strip_prefix("(comment)") {
        (Kind::Comment, rest)
    } else if let Some(rest) = spec.strip_prefix("(starter)") {
        (Kind::Starter, rest)
    } else {
        (Kind::Todo, spec)
    };
    let what = rest.strip_prefix(':')?.trim();
    (!what.is_empty()).then(|| (kind, what.to_owned()))
}

/// Every file of a lesson's `src/` as the starters should be: relative path → contents.
pub fn expected_files(course: &Course, lesson: &Lesson) -> Result<BTreeMap<PathBuf, String>> {
    let src = course.solution_dir(lesson).join("src");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&src).map_err(io("read", &src))? {
        let path = entry.map_err(io("read", &src))?.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        let name = PathBuf::from(path.file_name().unwrap_or_default());
        let mut generated = generate(&text, &path)?;
        if name == Path::new("lib.rs") {
            generated = format!("{README_DOC}{generated}");
        }
        files.insert(name, generated);
    }
    Ok(files)
}

/// What `sync` found or changed for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// Relative to the course root.
    pub path: String,
    pub what: &'static str,
    /// Where the replaced file was saved (relative to the course root), when one was replaced.
    pub saved_to: Option<String>,
}

/// Compares (and unless `check`, rewrites) the starters of one lesson. Returns the files that
/// differed; with `check` nothing is written.
pub fn sync_lesson(course: &Course, lesson: &Lesson, check: bool) -> Result<Vec<Drift>> {
    let src = course.lesson_dir(lesson).join("src");
    let expected = expected_files(course, lesson)?;
    // A learner's edited starter is never lost: it is copied here before being replaced.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let saves = course
        .work_dir()
        .join("replaced")
        .join(stamp.to_string())
        .join(&lesson.dir_name);
    let mut drift = Vec::new();
    for (name, contents) in &expected {
        let path = src.join(name);
        let (what, current) = match std::fs::read_to_string(&path) {
            Ok(current) if current == *contents => continue,
            Ok(current) => ("differs from what the solution generates", Some(current)),
            Err(_) => ("is missing", None),
        };
        let mut saved_to = None;
        if !check {
            if let Some(current) = current {
                let save = saves.join(name);
                std::fs::create_dir_all(&saves).map_err(io("create", &saves))?;
                std::fs::write(&save, current).map_err(io("write", &save))?;
                saved_to = Some(course.display_path(&save));
            }
            std::fs::create_dir_all(&src).map_err(io("create", &src))?;
            std::fs::write(&path, contents).map_err(io("write", &path))?;
        }
        drift.push(Drift {
            path: course.display_path(&path),
            what,
            saved_to,
        });
    }
    Ok(drift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_text(text: &str) -> Result<String> {
        generate(text, Path::new("x.rs"))
    }

    #[test]
    fn a_solution_region_becomes_a_todo_with_its_message() {
        let solution =
            "fn f() -> u32 {\n    // BEGIN SOLUTION: return the answer\n    41 + 1\n    // END SOLUTION\n}\n";
        let stub = gen_text(solution).unwrap();
        assert!(stub.starts_with(STUB_HEADER));
        assert!(stub.ends_with(
            "fn f() -> u32 {\n    // TODO: return the answer\n    todo!(\"return the answer\")\n}\n"
        ));
        assert!(!stub.contains("41"));
    }

    #[test]
    fn comment_regions_leave_a_note_and_starter_regions_leave_their_code() {
        let solution = "struct S {\n    // BEGIN SOLUTION (comment): pick fields\n    x: u8,\n    // END SOLUTION\n}\n\
                        fn g() {\n    // BEGIN SOLUTION (starter): fix the join\n    good();\n    // STARTER\n    // bad();\n    //\n    // worse();\n    // END SOLUTION\n}\n";
        let stub = gen_text(solution).unwrap();
        assert!(stub.contains("struct S {\n    // TODO: pick fields\n}\n"));
        assert!(stub.contains("fn g() {\n    // TODO: fix the join\n    bad();\n\n    worse();\n}\n"));
        assert!(!stub.contains("good()") && !stub.contains("x: u8"));
    }

    #[test]
    fn sync_saves_a_learners_edited_starter_before_replacing_it() {
        let root = tempfile::tempdir().unwrap();
        let course = Course::new(root.path());
        let lesson = Lesson::from_dir_name("lesson09-demo").unwrap();
        let solution = course.solution_dir(&lesson).join("src");
        std::fs::create_dir_all(&solution).unwrap();
        std::fs::write(
            solution.join("beginner.rs"),
            "// BEGIN SOLUTION: answer\n1\n// END SOLUTION\n",
        )
        .unwrap();
        let learner = course.lesson_dir(&lesson).join("src");
        std::fs::create_dir_all(&learner).unwrap();
        std::fs::write(learner.join("beginner.rs"), "my work in progress\n").unwrap();

        let checked = sync_lesson(&course, &lesson, true).unwrap();
        assert_eq!(checked.len(), 1);
        assert_eq!(
            std::fs::read_to_string(learner.join("beginner.rs")).unwrap(),
            "my work in progress\n"
        );

        let drift = sync_lesson(&course, &lesson, false).unwrap();
        let saved = root
            .path()
            .join(drift[0].saved_to.as_ref().expect("the edited file is saved"));
        assert_eq!(std::fs::read_to_string(saved).unwrap(), "my work in progress\n");
        assert!(
            std::fs::read_to_string(learner.join("beginner.rs"))
                .unwrap()
                .contains("todo!(\"answer\")")
        );
        assert_eq!(
            sync_lesson(&course, &lesson, true).unwrap(),
            Vec::new(),
            "in sync afterwards"
        );
    }

    #[test]
    fn files_without_regions_are_copied_unchanged() {
        let course_code = "pub use std::sync::Mutex;\n";
        assert_eq!(gen_text(course_code).unwrap(), course_code);
    }

    #[test]
    fn broken_markers_are_reported_with_their_line() {
        let cases = [
            ("// BEGIN SOLUTION: x\nbody\n", "never closed", 1),
            ("a\n// END SOLUTION\n", "without a", 2),
            ("// BEGIN SOLUTION x\n// END SOLUTION\n", "expected", 1),
            ("// BEGIN SOLUTION: x\n// BEGIN SOLUTION: y\n", "cannot nest", 2),
            (
                "// BEGIN SOLUTION (starter): x\ngood\n// END SOLUTION\n",
                "needs",
                1,
            ),
            (
                "// BEGIN SOLUTION (starter): x\n// STARTER\nbad\n// END SOLUTION\n",
                "commented out",
                3,
            ),
        ];
        for (text, expected, line) in cases {
            match gen_text(text) {
                Err(Error::Marker {
                    line: got, message, ..
                }) => {
                    assert!(message.contains(expected), "{text:?}: {message}");
                    assert_eq!(got, line, "{text:?}");
                }
                other => panic!("{text:?} should fail, got {other:?}"),
            }
        }
    }
}
