//! `cargo xtask reset LESSON [--tier TIER]`: puts a lesson's starter files back, after copying the
//! learner's versions into a dated backup folder (outside `target/`) and saying how to get them back.

use super::backup::Backup;
use crate::course::{Course, Lesson};
use crate::error::{Result, io};
use crate::frontend::{exit, report_error};
use crate::starter;
use crate::tier::Tier;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// A starter file that differs from the learner's file (or is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub path: PathBuf,
    pub contents: String,
    /// The learner has a file there (it gets saved first).
    pub exists: bool,
}

/// The files a reset would write: every starter of the lesson that differs from the learner's file,
/// or only the tier's exercise file.
pub fn plan(course: &Course, lesson: &Lesson, tier: Option<Tier>) -> Result<Vec<Replacement>> {
    let src = course.lesson_dir(lesson).join("src");
    let mut replacements = Vec::new();
    for (name, contents) in starter::expected_files(course, lesson)? {
        if tier.is_some_and(|t| name != t.file_name()) {
            continue;
        }
        let path = src.join(&name);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() != Some(contents.as_str()) {
            replacements.push(Replacement {
                exists: path.exists(),
                path,
                contents,
            });
        }
    }
    Ok(replacements)
}

/// Saves every existing file of `plan` into `backup`, then writes the starters.
pub fn apply(course: &Course, plan: &[Replacement], backup: &mut Backup) -> Result<()> {
    // Every copy is made before anything is overwritten, so a failure loses nothing.
    for replacement in plan.iter().filter(|r| r.exists) {
        backup.save(course, &replacement.path)?;
    }
    for replacement in plan {
        if let Some(parent) = replacement.path.parent() {
            std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        std::fs::write(&replacement.path, &replacement.contents).map_err(io("write", &replacement.path))?;
    }
    Ok(())
}

/// `cargo xtask reset`: asks on a terminal unless `yes`, refuses without `--yes` elsewhere; returns
/// the exit code.
pub fn command(course: &Course, lesson: &str, tier: Option<Tier>, yes: bool) -> u8 {
    let mut out = anstream::stdout();
    let mut err = anstream::stderr();
    let lesson = match course.resolve(lesson) {
        Ok(lesson) => lesson,
        Err(error) => return report_error(&error),
    };
    let replacements = match plan(course, &lesson, tier) {
        Ok(plan) => plan,
        Err(error) => return report_error(&error),
    };
    let what = tier.map_or_else(
        || "starter files".to_owned(),
        |t| format!("{} file", t.file_name()),
    );
    if replacements.is_empty() {
        let _ = writeln!(
            out,
            "{} {what} are already as they started: nothing to reset.",
            lesson.id
        );
        return exit::REPORTED;
    }
    let _ = writeln!(out, "These files go back to the starter:");
    for r in &replacements {
        let _ = writeln!(out, "  {}", course.display_path(&r.path));
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            let _ = writeln!(
                err,
                "error: not on a terminal: pass --yes to reset without asking"
            );
            return exit::USAGE;
        }
        let _ = write!(
            out,
            "Your versions are copied to .threadlab/backups/ first. Reset? [y/N] "
        );
        let _ = out.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            let _ = writeln!(out, "Nothing was changed.");
            return exit::REPORTED;
        }
    }
    let mut backup = Backup::new(course);
    if let Err(error) = apply(course, &replacements, &mut backup) {
        return report_error(&error);
    }
    let _ = writeln!(out, "Reset {} {what}.", lesson.id);
    if !backup.saved().is_empty() {
        let saved = course.display_path(backup.dir());
        let src = course.display_path(&course.lesson_dir(&lesson).join("src"));
        let _ = writeln!(out, "Your versions are in {saved}/{src}/");
        let _ = writeln!(out, "To get them back: cp {saved}/{src}/*.rs {src}/");
    }
    exit::REPORTED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_saves_the_learners_files_then_restores_the_starters() {
        let root = tempfile::tempdir().unwrap();
        let course = Course::new(root.path());
        let lesson = Lesson::from_dir_name("lesson09-demo").unwrap();
        let solution = course.solution_dir(&lesson).join("src");
        std::fs::create_dir_all(&solution).unwrap();
        for tier in ["beginner", "advanced"] {
            std::fs::write(
                solution.join(format!("{tier}.rs")),
                format!("// BEGIN SOLUTION: {tier}\n1\n// END SOLUTION\n"),
            )
            .unwrap();
        }
        let src = course.lesson_dir(&lesson).join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("beginner.rs"), "half done").unwrap();
        std::fs::write(src.join("advanced.rs"), "does not compile {").unwrap();

        let only_advanced = plan(&course, &lesson, Some(Tier::Advanced)).unwrap();
        assert_eq!(only_advanced.len(), 1);
        let mut backup = Backup::new(&course);
        apply(&course, &only_advanced, &mut backup).unwrap();
        assert!(
            std::fs::read_to_string(src.join("advanced.rs"))
                .unwrap()
                .contains("todo!(\"advanced\")")
        );
        assert_eq!(
            std::fs::read_to_string(src.join("beginner.rs")).unwrap(),
            "half done"
        );
        assert_eq!(
            std::fs::read_to_string(&backup.saved()[0]).unwrap(),
            "does not compile {"
        );
        assert!(!backup.saved()[0].starts_with(root.path().join("target")));

        assert_eq!(
            plan(&course, &lesson, None).unwrap().len(),
            1,
            "only beginner.rs is left to reset"
        );
        assert!(plan(&course, &lesson, Some(Tier::Advanced)).unwrap().is_empty());
    }
}
