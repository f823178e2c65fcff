//! `cargo xtask watch LESSON`: grade the learner's files again on every save, on a cleared screen,
//! with only the first unfinished tier's details. Saves are debounced (an editor's save is often
//! several writes), and only a change to the contents of a `.rs` file of the lesson's `src/` counts:
//! the file watcher also reports reads (grading reads those files) and saves that changed nothing.

use crate::course::Course;
use crate::frontend::{Format, exit, grade_and_print, report_error};
use crate::grade::Request;
use crate::stage::Subject;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How long the files must be quiet before a grade starts.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// Watches until interrupted (Ctrl-C) or until the watcher fails; returns the exit code.
pub fn watch_command(course: &Course, lesson: &str) -> u8 {
    let mut err = anstream::stderr();
    let lesson = match course.resolve(lesson) {
        Ok(lesson) => lesson,
        Err(error) => return report_error(&error),
    };
    let src = course.lesson_dir(&lesson).join("src");
    let (sender, changes) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = match new_debouncer(DEBOUNCE, sender) {
        Ok(debouncer) => debouncer,
        Err(error) => {
            let _ = writeln!(err, "error: cannot watch files: {error}");
            return exit::CANNOT_GRADE;
        }
    };
    if let Err(error) = debouncer.watcher().watch(&src, RecursiveMode::NonRecursive) {
        let _ = writeln!(err, "error: cannot watch {}: {error}", src.display());
        return exit::CANNOT_GRADE;
    }
    let request = Request {
        lesson: lesson.id.clone(),
        subject: Subject::Learner,
        // The loop the re-use is for: the tiers the save did not touch keep their verdicts.
        reuse: true,
    };
    let shown = course.display_path(&src);
    let mut reason = "first grade".to_owned();
    let mut graded = sources(&src);
    loop {
        clear_screen();
        let mut out = anstream::stdout();
        let _ = writeln!(out, "watch {} ({reason})", lesson.id);
        let _ = out.flush();
        if let Err(code) = grade_and_print(course, &request, Format::Terminal, true) {
            if code != exit::CANNOT_GRADE {
                return code;
            }
        }
        let _ = writeln!(
            out,
            "\nWatching {shown} for changes: save a file to grade again (Ctrl-C to stop)."
        );
        let _ = out.flush();
        // Wait for an exercise file whose contents differ from what was graded.
        let changed = loop {
            match changes.recv() {
                Ok(Ok(events)) => {
                    if !events.iter().any(|e| is_source(&e.path)) {
                        continue;
                    }
                    let now = sources(&src);
                    let differs = now.iter().find(|(path, text)| graded.get(*path) != Some(*text));
                    let removed = graded.keys().find(|path| !now.contains_key(*path));
                    if let Some(path) = differs.map(|(p, _)| p).or(removed) {
                        let path = path.clone();
                        graded = now;
                        break path;
                    }
                }
                Ok(Err(error)) => {
                    let _ = writeln!(err, "error: watching {shown} failed: {error}");
                    return exit::CANNOT_GRADE;
                }
                Err(_) => return exit::CANNOT_GRADE,
            }
        };
        reason = format!(
            "{} changed",
            changed.file_name().unwrap_or_default().to_string_lossy()
        );
    }
}

/// The contents of every Rust source in `dir`.
fn sources(dir: &Path) -> BTreeMap<PathBuf, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_source(p))
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|text| (p, text)))
        .collect()
}

/// A Rust source file (not an editor's backup or swap file).
fn is_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
        && !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(['.', '#']))
}

fn clear_screen() {
    let mut out = std::io::stdout();
    if out.is_terminal() {
        // Clear the screen and the scrollback, then home the cursor.
        let _ = out.write_all(b"\x1b[2J\x1b[3J\x1b[H");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rust_sources_trigger_a_grade() {
        assert!(is_source(Path::new("/x/src/beginner.rs")));
        for path in [
            "/x/src/.beginner.rs.swp",
            "/x/src/beginner.rs~",
            "/x/src/#beginner.rs#",
            "/x/src/.#beginner.rs",
        ] {
            assert!(!is_source(Path::new(path)), "{path}");
        }
    }
}
