//! `cargo xtask export --out DIR [--lessons 01,05]`: a student copy of the course. It holds the
//! lessons (READMEs, examples, starters generated afresh), the grader, the harness and the CLI, and of
//! each hidden suite only the tests it marks `visible`: the others are cut from the test files (see
//! [`super::strip`]) and counted in the suite's `held_back`, so a local grade says plainly that they run
//! when the work is handed in. No `solutions/`, no authoring files, no git history.

use super::strip::strip_tests;
use crate::course::{Course, Lesson, STUDENT_COURSE_FILES, path_dependencies, read_table};
use crate::error::{Error, Result, io};
use crate::frontend::{exit, report_error};
use crate::starter;
use crate::suite::{Suite, Visibility};
use crate::tier::Tier;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What one exported lesson holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub lesson: Lesson,
    /// Tests shipped in the copy.
    pub visible: usize,
    /// Tests left out (they run when the work is handed in).
    pub held_back: usize,
    /// The points of the tests shipped: what the copy's own grade is out of.
    pub points: u32,
}

/// Which tests of each suite a copy holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tests {
    /// Only those marked `visible` (a student copy).
    Visible,
    /// All of them (a grading bundle such as Gradescope's, which students never see).
    All,
}

/// Writes the student copy of `lessons` (all written lessons when `None`) into `out`, which must not
/// exist or be empty.
pub fn export(course: &Course, out: &Path, lessons: Option<&[String]>) -> Result<Vec<Exported>> {
    export_with(course, out, lessons, Tests::Visible)
}

/// Adds `lessons` to the student copy in `out` (`export --add`): their files, and the copy's
/// workspace, README and Classroom workflow rewritten for every lesson it then holds. The lessons
/// already there are left as they are (a template a teacher may have edited); the grader, harness
/// and CLI are copied afresh, since the new lessons may need the course's newer ones. Returns the
/// lessons added.
pub fn add_to_copy(course: &Course, out: &Path, lessons: &[String]) -> Result<Vec<Exported>> {
    if course.is_student_copy() {
        return Err(Error::FullCourseOnly("export"));
    }
    let copy = Course::new(out);
    if !copy.is_student_copy() {
        return Err(Error::NotAStudentCopy(out.to_owned()));
    }
    let present = copy.lessons()?;
    let lessons: Vec<Lesson> = lessons.iter().map(|q| course.resolve(q)).collect::<Result<_>>()?;
    if let Some(twice) = lessons
        .iter()
        .find(|l| present.iter().any(|p| p.number == l.number))
    {
        return Err(Error::AlreadyInCopy {
            lesson: twice.id.clone(),
            copy: out.to_owned(),
        });
    }
    let mut all = Vec::new();
    for lesson in &present {
        // What the copy's own (visible) suite holds, as `export_lesson` counted it.
        let suite = Suite::load(&copy.suite_dir(lesson))?;
        all.push(Exported {
            lesson: lesson.clone(),
            visible: suite.tests.len(),
            held_back: suite.held_back.iter().map(|h| h.tests as usize).sum(),
            points: suite.tests.iter().map(|t| t.points).sum(),
        });
    }
    let added = write_copy(course, out, &lessons, Tests::Visible, all)?;
    Ok(added)
}

/// [`export`], choosing which tests the copy holds.
pub fn export_with(
    course: &Course,
    out: &Path,
    lessons: Option<&[String]>,
    tests: Tests,
) -> Result<Vec<Exported>> {
    if course.is_student_copy() {
        let command = match tests {
            Tests::Visible => "export",
            Tests::All => "gradescope",
        };
        return Err(Error::FullCourseOnly(command));
    }
    if out.exists() && std::fs::read_dir(out).map_err(io("read", out))?.next().is_some() {
        return Err(Error::OutputNotEmpty(out.to_owned()));
    }
    let lessons: Vec<Lesson> = match lessons {
        Some(queries) => queries.iter().map(|q| course.resolve(q)).collect::<Result<_>>()?,
        None => course.lessons()?,
    };
    write_copy(course, out, &lessons, tests, Vec::new())
}

/// Writes `lessons` into the copy at `out` beside `present` (lessons the copy already holds), with
/// the course's crates and a workspace, README and workflow for all of them. Returns the lessons
/// written.
fn write_copy(
    course: &Course,
    out: &Path,
    lessons: &[Lesson],
    tests: Tests,
    present: Vec<Exported>,
) -> Result<Vec<Exported>> {
    let root = course.root();
    let manifest = read_table(&root.join("Cargo.toml"))?;
    let path_members = path_dependencies(&manifest);
    for member in path_members.iter().chain(["xtask".to_owned()].iter()) {
        copy_tree(
            &root.join(member),
            &out.join(member),
            &["target", "tests", "suites"],
        )?;
    }
    for file in ["Cargo.lock", "rustfmt.toml", ".cargo/config.toml"] {
        copy_file(&root.join(file), &out.join(file))?;
    }
    let mut exported = Vec::new();
    for lesson in lessons {
        exported.push(export_lesson(course, lesson, out, tests)?);
    }
    let mut all: Vec<Exported> = present.into_iter().chain(exported.iter().cloned()).collect();
    all.sort_by_key(|e| e.lesson.number);
    let all_lessons: Vec<Lesson> = all.iter().map(|e| e.lesson.clone()).collect();
    write(
        &out.join("Cargo.toml"),
        &workspace_manifest(manifest, &path_members, &all_lessons),
    )?;
    write(&out.join(".gitignore"), "/target\n/.threadlab\n")?;
    write(&out.join("README.md"), &student_readme(&all))?;
    let runners: Vec<super::workflow::Runner<'_>> = all
        .iter()
        .map(|e| super::workflow::Runner {
            lesson: &e.lesson,
            max_score: e.points,
        })
        .collect();
    write(
        &out.join(".github/workflows/classroom.yml"),
        &super::workflow::classroom_yml(&runners),
    )?;
    Ok(exported)
}

/// `cargo xtask export`, or with `add` `export --add`; returns the exit code.
pub fn command(course: &Course, out: &Path, lessons: Option<&[String]>, add: bool) -> u8 {
    let result = match (add, lessons) {
        (false, _) => export(course, out, lessons),
        (true, Some(lessons)) => add_to_copy(course, out, lessons),
        (true, None) => Err(Error::AddNeedsLessons),
    };
    match result {
        Ok(exported) => {
            let mut stdout = anstream::stdout();
            for e in &exported {
                let _ = writeln!(
                    stdout,
                    "{}: starters, README, examples and {} visible tests ({} held back)",
                    e.lesson.id, e.visible, e.held_back
                );
            }
            let _ = writeln!(
                stdout,
                "student copy written to {} (no solutions, no held-back tests, no git history)",
                out.display()
            );
            exit::REPORTED
        }
        Err(error) => report_error(&error),
    }
}

fn export_lesson(course: &Course, lesson: &Lesson, out: &Path, tests: Tests) -> Result<Exported> {
    let starters = starter::expected_files(course, lesson)?;
    let learner = course.lesson_dir(lesson);
    let lesson_out = out.join("lessons").join(&lesson.dir_name);
    let course_files = out.join(STUDENT_COURSE_FILES).join(&lesson.dir_name);
    for dir in [&lesson_out, &course_files] {
        copy_file(&learner.join("Cargo.toml"), &dir.join("Cargo.toml"))?;
        for (name, text) in &starters {
            write(&dir.join("src").join(name), text)?;
        }
    }
    copy_file(&learner.join("README.md"), &lesson_out.join("README.md"))?;
    if learner.join("examples").is_dir() {
        copy_tree(&learner.join("examples"), &lesson_out.join("examples"), &[])?;
    }

    // A copy with every test (a Gradescope bundle) runs the differential tests, which need the
    // reference; a student copy never holds it.
    if tests == Tests::All
        && let Some(reference) = course.reference_src(lesson)
    {
        copy_tree(
            &reference,
            &out.join(crate::course::REFERENCE_FILES)
                .join(&lesson.dir_name)
                .join("src"),
            &[],
        )?;
    }

    let suite_dir = course.suite_dir(lesson);
    let suite = Suite::load(&suite_dir)?;
    let held_back: BTreeSet<String> = suite
        .tests
        .iter()
        .filter(|t| tests == Tests::Visible && t.visibility != Visibility::Visible)
        .map(|t| t.name.clone())
        .collect();
    let suite_out = out.join("grader/suites").join(&lesson.dir_name);
    for tier in Tier::ALL {
        let path = suite_dir.join(tier.file_name());
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        let of_tier: BTreeSet<String> = suite
            .tier_tests(tier)
            .filter(|t| held_back.contains(&t.name))
            .map(|t| t.name.clone())
            .collect();
        let stripped = strip_tests(&text, &of_tier).map_err(|message| Error::Course {
            path: path.clone(),
            message,
        })?;
        write(&suite_out.join(tier.file_name()), &stripped)?;
    }
    let manifest_path = suite_dir.join("suite.toml");
    let mut manifest = read_table(&manifest_path)?;
    if let Some(toml::Value::Array(tests)) = manifest.get_mut("tests") {
        tests.retain(|t| {
            t.get("name")
                .and_then(|n| n.as_str())
                .is_none_or(|name| !held_back.contains(name))
        });
    }
    let counts: Vec<toml::Value> = Tier::ALL
        .into_iter()
        .filter_map(|tier| {
            let back: Vec<_> = suite
                .tier_tests(tier)
                .filter(|t| held_back.contains(&t.name))
                .collect();
            (!back.is_empty()).then(|| {
                toml::Value::Table(toml::Table::from_iter([
                    ("tier".to_owned(), tier.name().into()),
                    ("tests".to_owned(), (back.len() as i64).into()),
                    (
                        "points".to_owned(),
                        i64::from(back.iter().map(|t| t.points).sum::<u32>()).into(),
                    ),
                ]))
            })
        })
        .collect();
    if !counts.is_empty() {
        manifest.insert("held_back".to_owned(), counts.into());
    }
    write(
        &suite_out.join("suite.toml"),
        &format!(
            "# The visible part of lesson {}'s suite, for a student copy of the course.\n{manifest}",
            lesson.id
        ),
    )?;
    Ok(Exported {
        lesson: lesson.clone(),
        visible: suite.tests.len() - held_back.len(),
        held_back: held_back.len(),
        points: suite
            .tests
            .iter()
            .filter(|t| !held_back.contains(&t.name))
            .map(|t| t.points)
            .sum(),
    })
}

/// The course's root manifest with the student copy's members: the lessons, the path dependencies and
/// xtask. `cargo test` there builds no lesson crate (as in the course).
fn workspace_manifest(mut manifest: toml::Table, path_members: &[String], lessons: &[Lesson]) -> String {
    let mut default_members: Vec<String> = path_members.to_vec();
    default_members.push("xtask".to_owned());
    let mut members: Vec<String> = lessons
        .iter()
        .map(|l| format!("lessons/{}", l.dir_name))
        .collect();
    members.extend(default_members.iter().cloned());
    if let Some(toml::Value::Table(workspace)) = manifest.get_mut("workspace") {
        workspace.insert("members".to_owned(), members.into());
        workspace.insert("default-members".to_owned(), default_members.into());
    }
    format!("# A student copy of threadlab, made by `cargo xtask export`.\n{manifest}")
}

fn student_readme(exported: &[Exported]) -> String {
    // The commands name a lesson this copy holds (a copy of lesson05 alone has no lesson01).
    let first = exported.first().map_or("lesson01", |e| e.lesson.id.as_str());
    let number = first.trim_start_matches("lesson").trim_start_matches('0');
    let mut lessons = String::new();
    for e in exported {
        lessons.push_str(&format!(
            "| {} | {} | `lessons/{}/README.md` | {} here, {} more when handed in |\n",
            e.lesson.id,
            crate::course::title_of(&e.lesson),
            e.lesson.dir_name,
            e.visible,
            e.held_back
        ));
    }
    format!(
        "# threadlab: your copy of the course\n\n\
         A Rust course on threads that grades itself. Each lesson has a README that teaches, starter\n\
         files to fill in, and tests that `cargo xtask grade` runs against your code, scoring three\n\
         tiers: beginner, intermediate and advanced.\n\n\
         | lesson | topic | read | tests |\n|---|---|---|---|\n{lessons}\n\
         ## How to work\n\n\
         ```sh\n\
         cargo xtask list             # every lesson, your last and best score per tier, the next step\n\
         cargo xtask grade {first}   # grade your work on a lesson (also: `{number}`)\n\
         cargo xtask hint {first}    # a hint for a test that failed, one level more each time\n\
         cargo xtask watch {first}   # grade again every time you save\n\
         cargo xtask reset {first} --tier advanced   # start a file over (your version is saved first)\n\
         ```\n\n\
         1. Read the lesson's README, then open `src/beginner.rs` and replace each `todo!()`.\n\
         2. Grade, fix what the report says, grade again; then `intermediate.rs` and `advanced.rs`.\n\n\
         You need a Rust toolchain (1.85 or newer). The first grade builds the grader (about half a\n\
         minute); after that a grade takes a second or two.\n\n\
         ## What this copy grades\n\n\
         This copy holds only the tests your teacher made visible. The other tests of each lesson are\n\
         held back: they run when you hand your work in, and your grade comes from all of them. A local\n\
         grade says how many tests and points are held back. Passing every visible test is a good sign,\n\
         not a promise: write your code to do what the README and the starter's docs say, not just what\n\
         the visible tests check.\n\n\
         Only `src/beginner.rs`, `src/intermediate.rs` and `src/advanced.rs` of each lesson are graded;\n\
         keep the names and signatures the starter declares. If your repository came from GitHub\n\
         Classroom, every push is graded by `.github/workflows/classroom.yml`: that score counts the\n\
         visible tests only, and it is feedback, not your grade (your teacher grades the work you hand\n\
         in with every test).\n\n\
         `cargo test` checks the grader itself; it never builds your exercise files.\n"
    )
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    std::fs::write(path, text).map_err(io("write", path))
}

pub(crate) fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    std::fs::copy(from, to).map_err(io("copy", from)).map(|_| ())
}

/// Copies a directory tree, leaving out subdirectories named in `skip` (at any depth) and hidden files.
pub(crate) fn copy_tree(from: &Path, to: &Path, skip: &[&str]) -> Result<()> {
    for entry in std::fs::read_dir(from).map_err(io("read", from))? {
        let entry = entry.map_err(io("read", from))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path: PathBuf = entry.path();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if !skip.contains(&name.as_str()) {
                copy_tree(&path, &to.join(&name), skip)?;
            }
        } else {
            copy_file(&path, &to.join(&name))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_of_a_copy_names_a_lesson_it_holds() {
        let exported = [Exported {
            lesson: Lesson::from_dir_name("lesson05-races").unwrap(),
            visible: 3,
            held_back: 2,
            points: 15,
        }];
        let readme = student_readme(&exported);
        assert!(readme.contains("cargo xtask grade lesson05"), "{readme}");
        assert!(!readme.contains("lesson01"), "{readme}");
        assert!(readme.contains("visible tests only"), "{readme}");
    }

    #[test]
    fn export_and_gradescope_in_a_student_copy_name_themselves() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("grader/course/lesson05-races")).unwrap();
        std::fs::create_dir_all(root.path().join("grader/suites/lesson05-races")).unwrap();
        std::fs::write(root.path().join("grader/suites/lesson05-races/suite.toml"), "").unwrap();
        let course = Course::new(root.path());
        let out = root.path().join("out");
        let error = export(&course, &out, None).unwrap_err().to_string();
        assert!(error.starts_with("`export` works on the full course"), "{error}");
        let zip = root.path().join("lesson05.zip");
        let error = super::super::gradescope::bundle(&course, "lesson05", &zip)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("`gradescope` works on the full course") && !error.contains("sync"),
            "{error}"
        );
    }
}
