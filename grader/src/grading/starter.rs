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
//! // BEGIN SOLUTION (bug): what is wrong      -> the lines after `// STARTER` only, uncommented: a
//! //                                           bug to find, so nothing points at it (lesson08)
//! ...solution lines...
//! // END SOLUTION
//! ```
//!
//! Every other line is copied as it is. Files without markers (the `sync` facade) are course code
//! and copied whole. A solution's `lib.rs` takes the lesson README (under `lessons/`) as its crate
//! docs, so `cargo test` runs the README's examples without compiling the learner's crate; the
//! starter's `lib.rs` points the same line at its own `../README.md`.

use crate::course::{Course, Lesson};
use crate::error::{Error, Result, io};
use crate::study::backup::Backup;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const BEGIN: &str = "// BEGIN SOLUTION";
const END: &str = "// END SOLUTION";
const STARTER: &str = "// STARTER";

/// The header every generated exercise file starts with.
const STUB_HEADER: &str = "\
// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
";

/// The header of a generated file whose regions are all bugs to find (lesson08's programs).
const BUG_HEADER: &str = "\
// Starter file: this program compiles and runs, but it has the bugs this lesson is about. Find them,
// fix them, and run `cargo xtask grade` for this lesson to see which are left.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
";

/// The line that makes a lesson's README its crate docs, so every example in it is a doc test.
const README_DOC: &str = "#![doc = include_str!(\"../README.md\")]";

/// Whether `line` is a crate-docs `include_str!` of a README (a solution's or a starter's).
pub(crate) fn is_readme_doc(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("#![doc = include_str!(") && line.ends_with("README.md\")]")
}

/// A solution `lib.rs` must name the lesson README as its crate docs (that is how `cargo test` runs the
/// README's examples); the starter's `lib.rs` names its own copy instead.
fn starter_lib(solution_lib: &str, generated: &str, path: &Path, lesson: &Lesson) -> Result<String> {
    let wanted = format!(
        "#![doc = include_str!(\"../../../lessons/{}/README.md\")]",
        lesson.dir_name
    );
    let first = solution_lib.lines().next().map(str::trim);
    // A student copy keeps the starter's own lib.rs as its course file.
    if first == Some(README_DOC) {
        return Ok(generated.to_owned());
    }
    if first != Some(wanted.as_str()) {
        return Err(Error::Marker {
            path: path.to_owned(),
            line: 1,
            message: format!(
                "a solution's lib.rs must start with `{wanted}` (the lesson README as crate docs)"
            ),
        });
    }
    let mut lines = generated.lines();
    lines.next();
    let mut out = format!("{README_DOC}\n");
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Todo,
    Comment,
    Starter,
    /// Like `Starter`, without the `// TODO` line: the learner has to find the bug.
    Bug,
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
    let mut only_bugs = true;
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
                format!("expected `{BEGIN}: what to do` or `{BEGIN} (comment|starter|bug): what to do`"),
            )
        })?;
        only_bugs &= kind == Kind::Bug;
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
                if !matches!(kind, Kind::Starter | Kind::Bug) {
                    return Err(marker(
                        inner_number,
                        "`// STARTER` belongs in a `(starter)` or `(bug)` region".to_owned(),
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
        if kind != Kind::Bug {
            out.push_str(&format!("{indent}// TODO: {what}\n"));
        }
        match kind {
            Kind::Todo => {
                // todo!'s message is a format string: braces in it must be doubled.
                let message = what.replace('{', "{{").replace('}', "}}");
                out.push_str(&format!("{indent}todo!({message:?})\n"));
            }
            Kind::Comment => {}
            Kind::Starter | Kind::Bug => {
                if starter.is_empty() {
                    return Err(marker(
                        number,
                        "a `(starter)` or `(bug)` region needs `// STARTER` lines".to_owned(),
                    ));
                }
                for line in starter {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    }
    if had_region && only_bugs {
        Ok(format!("{BUG_HEADER}{out}"))
    } else if had_region {
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
    } else if let Some(rest) = spec.strip_prefix("(bug)") {
        (Kind::Bug, rest)
    } else {
        (Kind::Todo, spec)
    };
    let what = rest.strip_prefix(':')?.trim();
    (!what.is_empty()).then(|| (kind, what.to_owned()))
}

/// One bug of a solution file put back: the file as the solution has it, except that one `(bug)` or
/// `(starter)` region holds its starter lines. Authors grade each of these to prove every fix is
/// needed (lesson08).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BugVariant {
    /// The region's text after the marker (what is wrong).
    pub what: String,
    /// The marker's line in the solution file.
    pub line: usize,
    /// The whole file with that one region reverted.
    pub text: String,
}

/// Every single-bug variant of a solution file, in the file's order. The file must be well formed
/// (`generate` accepts it).
pub fn bug_variants(solution: &str, path: &Path) -> Result<Vec<BugVariant>> {
    generate(solution, path)?;
    let lines: Vec<&str> = solution.lines().collect();
    let mut regions = Vec::new();
    let mut open: Option<(usize, String, Option<usize>)> = None;
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if let Some(spec) = trimmed.strip_prefix(BEGIN) {
            open = parse_spec(spec)
                .filter(|(kind, _)| matches!(kind, Kind::Starter | Kind::Bug))
                .map(|(_, what)| (index, what, None));
        } else if trimmed.starts_with(STARTER) {
            if let Some(region) = open.as_mut() {
                region.2 = Some(index);
            }
        } else if trimmed.starts_with(END) {
            if let Some((begin, what, Some(starter))) = open.take() {
                regions.push((begin, starter, index, what));
            }
        }
    }
    let variants = regions.into_iter().map(|(begin, starter, end, what)| {
        let mut text = String::new();
        for line in &lines[..=begin] {
            text.push_str(line);
            text.push('\n');
        }
        for line in &lines[starter + 1..end] {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let code = trimmed
                .strip_prefix("// ")
                .or_else(|| trimmed.strip_prefix("//"))
                .unwrap_or(trimmed);
            if !code.is_empty() {
                text.push_str(indent);
                text.push_str(code);
            }
            text.push('\n');
        }
        for line in &lines[end..] {
            text.push_str(line);
            text.push('\n');
        }
        BugVariant {
            what,
            line: begin + 1,
            text,
        }
    });
    Ok(variants.collect())
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
            generated = starter_lib(&text, &generated, &path, lesson)?;
        }
        files.insert(name, generated);
    }
    Ok(files)
}

/// What `sync` does with starters that differ from what the solutions generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Only compare.
    Check,
    /// Rewrite every differing starter (each replaced file is saved first).
    Write,
    /// Rewrite differing starters, but leave alone a file with uncommitted edits: a learner's work.
    WriteKeepingEdits,
}

/// What `sync` found or changed for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// Relative to the course root.
    pub path: String,
    pub what: &'static str,
    /// Where the replaced file was saved (relative to the course root), when one was replaced.
    pub saved_to: Option<String>,
    /// Left as it is: it has uncommitted edits (`WriteKeepingEdits`), or it cannot be generated
    /// (a manifest that declares other dependencies than the solution's).
    pub kept: bool,
}

/// Compares (and unless `mode` is `Check`, rewrites) the starters of one lesson, and checks that the
/// learner's `Cargo.toml` declares the solution's dependencies and features (the grader builds with
/// the solution's). Returns the files that differed. A replaced file is first copied into `backup`.
pub fn sync_lesson(
    course: &Course,
    lesson: &Lesson,
    mode: SyncMode,
    backup: &mut Backup,
) -> Result<Vec<Drift>> {
    let src = course.lesson_dir(lesson).join("src");
    let expected = expected_files(course, lesson)?;
    let mut drift = Vec::new();
    for (name, contents) in &expected {
        let path = src.join(name);
        let (what, current) = match std::fs::read_to_string(&path) {
            Ok(current) if current == *contents => continue,
            Ok(current) => ("differs from what the solution generates", Some(current)),
            Err(_) => ("is missing", None),
        };
        let kept = mode == SyncMode::WriteKeepingEdits && current.is_some() && has_local_edits(course, &path);
        let mut saved_to = None;
        if mode != SyncMode::Check && !kept {
            if current.is_some() {
                saved_to = Some(course.display_path(&backup.save(course, &path)?));
            }
            std::fs::create_dir_all(&src).map_err(io("create", &src))?;
            std::fs::write(&path, contents).map_err(io("write", &path))?;
        }
        drift.push(Drift {
            path: course.display_path(&path),
            what,
            saved_to,
            kept,
        });
    }
    if let Some(section) = manifest_difference(course, lesson)? {
        drift.push(Drift {
            path: course.display_path(&course.lesson_dir(lesson).join("Cargo.toml")),
            what: section,
            saved_to: None,
            kept: true,
        });
    }
    Ok(drift)
}

/// Whether the learner's `Cargo.toml` declares other dependencies or features than the solution's.
fn manifest_difference(course: &Course, lesson: &Lesson) -> Result<Option<&'static str>> {
    let read = |path: PathBuf| -> Result<toml::Table> {
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        text.parse().map_err(|e: toml::de::Error| Error::Course {
            path,
            message: e.to_string(),
        })
    };
    let learner = read(course.lesson_dir(lesson).join("Cargo.toml"))?;
    let solution = read(course.solution_dir(lesson).join("Cargo.toml"))?;
    let differs = |section: &str| learner.get(section) != solution.get(section);
    Ok(if differs("dependencies") {
        Some("declares other [dependencies] than the solution's Cargo.toml (edit it by hand)")
    } else if differs("features") {
        Some("declares other [features] than the solution's Cargo.toml (edit it by hand)")
    } else {
        None
    })
}

/// Whether git sees uncommitted changes to `path`. Without git (or outside a repository) every file
/// counts as edited: better to leave a file alone than to overwrite someone's work.
fn has_local_edits(course: &Course, path: &Path) -> bool {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(course.root())
        .args(["status", "--porcelain", "--"])
        .arg(path)
        .output();
    match output {
        Ok(output) if output.status.success() => !output.stdout.is_empty(),
        _ => true,
    }
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
    fn bug_regions_leave_only_the_buggy_code_and_no_pointer_to_it() {
        let solution = "fn g() {\n    // BEGIN SOLUTION (bug): the join is missing\n    good();\n    // STARTER\n    // bad();\n    // END SOLUTION\n}\n";
        let stub = gen_text(solution).unwrap();
        assert!(stub.starts_with(BUG_HEADER), "{stub}");
        assert!(stub.ends_with("fn g() {\n    bad();\n}\n"), "{stub}");
        assert!(!stub.contains("TODO") && !stub.contains("join is missing"));
        // One todo region among the bugs makes it an ordinary starter again.
        let mixed = format!("{solution}// BEGIN SOLUTION: answer\n1\n// END SOLUTION\n");
        assert!(gen_text(&mixed).unwrap().starts_with(STUB_HEADER));
        let empty = "// BEGIN SOLUTION (bug): nothing\ngood();\n// END SOLUTION\n";
        assert!(gen_text(empty).is_err());
    }

    #[test]
    fn each_bug_variant_reverts_exactly_one_region() {
        let solution = "fn a() {\n    // BEGIN SOLUTION (bug): first\n    good1();\n    // STARTER\n    // bad1();\n    // END SOLUTION\n}\n\
                        fn b() {\n    // BEGIN SOLUTION: a todo\n    answer();\n    // END SOLUTION\n    // BEGIN SOLUTION (starter): second\n    good2();\n    // STARTER\n    // bad2();\n    // END SOLUTION\n}\n";
        let variants = bug_variants(solution, Path::new("x.rs")).unwrap();
        let whats: Vec<_> = variants.iter().map(|v| (v.what.as_str(), v.line)).collect();
        assert_eq!(whats, [("first", 2), ("second", 12)]);
        let first = &variants[0].text;
        assert!(first.contains("\n    bad1();\n") && !first.contains("    good1();"));
        assert!(
            first.contains("    good2();") && first.contains("answer();") && !first.contains("\n    bad2();")
        );
        let second = &variants[1].text;
        assert!(
            second.contains("    good1();")
                && second.contains("\n    bad2();\n")
                && !second.contains("    good2();")
        );
    }

    /// A course in a temporary directory with one lesson (`lesson09-demo`): a solution tier file, a
    /// lib.rs, manifests, and the learner's `beginner.rs` holding `learner`.
    fn demo_course(learner: &str) -> (tempfile::TempDir, Course, Lesson) {
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
        std::fs::write(
            solution.join("lib.rs"),
            "#![doc = include_str!(\"../../../lessons/lesson09-demo/README.md\")]\npub mod beginner;\n",
        )
        .unwrap();
        let learner_src = course.lesson_dir(&lesson).join("src");
        std::fs::create_dir_all(&learner_src).unwrap();
        std::fs::write(learner_src.join("beginner.rs"), learner).unwrap();
        for dir in [course.solution_dir(&lesson), course.lesson_dir(&lesson)] {
            std::fs::write(
                dir.join("Cargo.toml"),
                "[package]\nname = \"x\"\n[dependencies]\n",
            )
            .unwrap();
        }
        (root, course, lesson)
    }

    #[test]
    fn sync_saves_a_learners_edited_starter_before_replacing_it() {
        let (root, course, lesson) = demo_course("my work in progress\n");
        let learner = course.lesson_dir(&lesson).join("src");
        let mut backup = Backup::new(&course);
        let checked = sync_lesson(&course, &lesson, SyncMode::Check, &mut backup).unwrap();
        assert_eq!(checked.len(), 2, "beginner.rs differs, lib.rs is missing");
        assert_eq!(
            std::fs::read_to_string(learner.join("beginner.rs")).unwrap(),
            "my work in progress\n"
        );

        // Not a git repository: every differing file counts as edited and is kept.
        let kept = sync_lesson(&course, &lesson, SyncMode::WriteKeepingEdits, &mut backup).unwrap();
        assert!(kept.iter().any(|d| d.kept && d.path.ends_with("beginner.rs")));
        assert_eq!(
            std::fs::read_to_string(learner.join("beginner.rs")).unwrap(),
            "my work in progress\n"
        );

        let drift = sync_lesson(&course, &lesson, SyncMode::Write, &mut backup).unwrap();
        let saved = drift
            .iter()
            .find_map(|d| d.saved_to.as_ref())
            .expect("the edited file is saved");
        assert!(saved.starts_with(".threadlab/backups/"), "{saved}");
        assert_eq!(
            std::fs::read_to_string(root.path().join(saved)).unwrap(),
            "my work in progress\n"
        );
        let starter = std::fs::read_to_string(learner.join("beginner.rs")).unwrap();
        assert!(starter.contains("todo!(\"answer\")"));
        let lib = std::fs::read_to_string(learner.join("lib.rs")).unwrap();
        assert_eq!(
            lib,
            "#![doc = include_str!(\"../README.md\")]\npub mod beginner;\n"
        );
        assert_eq!(
            sync_lesson(&course, &lesson, SyncMode::Check, &mut backup).unwrap(),
            Vec::new(),
            "in sync afterwards"
        );
    }

    #[test]
    fn a_learner_manifest_with_other_dependencies_is_reported_and_kept() {
        let (_root, course, lesson) = demo_course("");
        std::fs::write(
            course.lesson_dir(&lesson).join("Cargo.toml"),
            "[package]\nname = \"x\"\n[dependencies]\nrand = \"0.8\"\n",
        )
        .unwrap();
        let drift = sync_lesson(&course, &lesson, SyncMode::Write, &mut Backup::new(&course)).unwrap();
        let manifest = drift.iter().find(|d| d.path.ends_with("Cargo.toml")).unwrap();
        assert!(manifest.kept && manifest.what.contains("[dependencies]"));
    }

    #[test]
    fn a_solution_lib_without_the_readme_docs_is_refused() {
        let (_root, course, lesson) = demo_course("");
        std::fs::write(
            course.solution_dir(&lesson).join("src/lib.rs"),
            "pub mod beginner;\n",
        )
        .unwrap();
        let error = expected_files(&course, &lesson).unwrap_err().to_string();
        assert!(error.contains("must start with"), "{error}");
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
