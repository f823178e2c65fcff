//! The course on disk: where lessons, solutions and hidden suites live, and how a learner's
//! `lesson05`, `5` or `races` resolves to one lesson.

use crate::error::{Error, Result, io};
use std::path::{Path, PathBuf};

/// The root of a threadlab checkout (the workspace directory).
#[derive(Debug, Clone)]
pub struct Course {
    root: PathBuf,
}

/// One lesson, named after its directory `lessonNN-topic`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// `lesson05`: the package name and the report's `lesson` field.
    pub id: String,
    /// `lesson05-races`: the directory name under `lessons/`, `solutions/` and `grader/suites/`.
    pub dir_name: String,
    /// 5.
    pub number: u32,
    /// `races`.
    pub topic: String,
}

impl Lesson {
    /// Parses a directory name such as `lesson05-races`.
    pub fn from_dir_name(dir_name: &str) -> Option<Lesson> {
        let rest = dir_name.strip_prefix("lesson")?;
        let (digits, topic) = rest.split_once('-')?;
        if digits.len() != 2 || topic.is_empty() {
            return None;
        }
        let number = digits.parse().ok()?;
        Some(Lesson {
            id: format!("lesson{digits}"),
            dir_name: dir_name.to_owned(),
            number,
            topic: topic.to_owned(),
        })
    }

    /// Whether a learner's name for a lesson means this one: `lesson05`, `05`, `5`, `races` or
    /// `lesson05-races`, ignoring case.
    pub fn matches(&self, query: &str) -> bool {
        let query = query.trim().to_ascii_lowercase();
        query == self.id
            || query == self.dir_name
            || query == self.topic
            || query.parse::<u32>().is_ok_and(|n| n == self.number)
    }
}

impl Course {
    /// A course rooted at `root` (the directory holding `lessons/`, `solutions/` and `grader/`).
    pub fn new(root: impl Into<PathBuf>) -> Course {
        Course { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every lesson that has a hidden suite, by number.
    pub fn lessons(&self) -> Result<Vec<Lesson>> {
        self.lessons_under("grader/suites", "suite.toml")
    }

    /// Every lesson that has a reference solution (a lesson may not have a suite yet), by number.
    pub fn solution_lessons(&self) -> Result<Vec<Lesson>> {
        self.lessons_under("solutions", "src")
    }

    /// The `lessonNN-topic` directories under `dir` that hold `marker`, by number.
    fn lessons_under(&self, dir: &str, marker: &str) -> Result<Vec<Lesson>> {
        let dir = self.root.join(dir);
        let mut lessons = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io("read", &dir))? {
            let entry = entry.map_err(io("read", &dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(lesson) = Lesson::from_dir_name(&name) {
                if entry.path().join(marker).exists() {
                    lessons.push(lesson);
                }
            }
        }
        lessons.sort_by_key(|l| l.number);
        Ok(lessons)
    }

    /// Resolves a learner's name for a lesson.
    pub fn resolve(&self, query: &str) -> Result<Lesson> {
        let lessons = self.lessons()?;
        lessons
            .iter()
            .find(|l| l.matches(query))
            .cloned()
            .ok_or_else(|| Error::UnknownLesson {
                given: query.to_owned(),
                known: lessons
                    .iter()
                    .map(|l| format!("{} ({})", l.id, l.topic))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// `lessons/lessonNN-topic`: the learner's crate.
    pub fn lesson_dir(&self, lesson: &Lesson) -> PathBuf {
        self.root.join("lessons").join(&lesson.dir_name)
    }

    /// `solutions/lessonNN-topic`: the reference, and the source of every course file.
    pub fn solution_dir(&self, lesson: &Lesson) -> PathBuf {
        self.root.join("solutions").join(&lesson.dir_name)
    }

    /// `grader/suites/lessonNN-topic`: the hidden tests and their manifest.
    pub fn suite_dir(&self, lesson: &Lesson) -> PathBuf {
        self.root.join("grader/suites").join(&lesson.dir_name)
    }

    /// Where the grader keeps staged crates, their shared build directory and test run directories.
    pub fn work_dir(&self) -> PathBuf {
        self.root.join("target/threadlab")
    }

    /// The path relative to the course root, for messages and reports.
    pub fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lesson_answers_to_its_id_number_and_topic() {
        let lesson = Lesson::from_dir_name("lesson05-races").unwrap();
        assert_eq!(
            (lesson.id.as_str(), lesson.number, lesson.topic.as_str()),
            ("lesson05", 5, "races")
        );
        for query in ["lesson05", "5", "05", "races", "Lesson05-Races", " races "] {
            assert!(lesson.matches(query), "{query:?} should name lesson05");
        }
        for query in ["lesson5x", "6", "race", ""] {
            assert!(!lesson.matches(query), "{query:?} should not name lesson05");
        }
    }

    #[test]
    fn directory_names_that_are_not_lessons_are_ignored() {
        for name in ["lesson5-races", "lesson05", "lesson05-", "notes", "lessonab-x"] {
            assert_eq!(Lesson::from_dir_name(name), None, "{name}");
        }
    }
}
