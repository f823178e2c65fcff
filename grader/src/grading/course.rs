//! The course on disk: where lessons, solutions and hidden suites live, and how a learner's
//! `lesson05`, `5` or `races` resolves to one lesson.

use crate::error::{Error, Result, io};
use std::path::{Path, PathBuf};

/// Every lesson of the course's syllabus, written or not: number, directory name, title.
pub const SYLLABUS: [(u32, &str, &str); 9] = [
    (1, "lesson01-threads", "Spawning and joining"),
    (2, "lesson02-lifecycle", "Thread lifecycle"),
    (3, "lesson03-daemons", "Daemon threads and shutdown"),
    (4, "lesson04-gil", "The GIL, and why Rust has none"),
    (5, "lesson05-races", "Race conditions"),
    (6, "lesson06-thread-local", "Thread-local storage"),
    (7, "lesson07-executors", "Executors and pools"),
    (8, "lesson08-pitfalls", "Common pitfalls"),
    (9, "lesson09-downloader", "A concurrent downloader"),
];

/// Where a student copy keeps each lesson's pristine starters and manifest (it has no `solutions/`).
pub const STUDENT_COURSE_FILES: &str = "grader/course";

/// Where a Gradescope bundle keeps the reference's sources (see [`Course::reference_src`]).
pub const REFERENCE_FILES: &str = "grader/reference";

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

    /// Every lesson of the syllabus, each with whether it is written (has a hidden suite).
    pub fn syllabus(&self) -> Result<Vec<(Lesson, bool)>> {
        let written = self.lessons()?;
        let mut all: Vec<(Lesson, bool)> = SYLLABUS
            .iter()
            .filter_map(|(_, dir, _)| Lesson::from_dir_name(dir))
            .map(|l| {
                let is_written = written.iter().any(|w| w.number == l.number);
                (l, is_written)
            })
            .collect();
        // A written lesson whose directory differs from the syllabus's name wins over it.
        for lesson in written {
            match all.iter_mut().find(|(l, _)| l.number == lesson.number) {
                Some(entry) => *entry = (lesson, true),
                None => all.push((lesson, true)),
            }
        }
        all.sort_by_key(|(l, _)| l.number);
        Ok(all)
    }

    /// Resolves a learner's name for a lesson. A lesson of the syllabus that is not written yet, and a
    /// near miss such as `lesson5`, get their own errors.
    pub fn resolve(&self, query: &str) -> Result<Lesson> {
        let lessons = self.lessons()?;
        if let Some(lesson) = lessons.iter().find(|l| l.matches(query)) {
            return Ok(lesson.clone());
        }
        let syllabus = self.syllabus()?;
        if let Some((lesson, _)) = syllabus.iter().find(|(l, written)| !written && l.matches(query)) {
            return Err(Error::LessonNotWritten {
                lesson: lesson.id.clone(),
                title: title_of(lesson).to_owned(),
                known: known(&lessons),
            });
        }
        let suggestion = suggest(query, &syllabus)
            .map(|l| format!(" (did you mean {}?)", l.id))
            .unwrap_or_default();
        Err(Error::UnknownLesson {
            given: query.to_owned(),
            suggestion,
            known: known(&lessons),
        })
    }

    /// The first written lesson after `lesson`.
    pub fn next_lesson(&self, lesson: &Lesson) -> Result<Option<Lesson>> {
        Ok(self.lessons()?.into_iter().find(|l| l.number > lesson.number))
    }

    /// `lessons/lessonNN-topic`: the learner's crate.
    pub fn lesson_dir(&self, lesson: &Lesson) -> PathBuf {
        self.root.join("lessons").join(&lesson.dir_name)
    }

    /// `solutions/lessonNN-topic`: the reference, and the source of every course file. A student copy
    /// (`cargo xtask export`) has no solutions: there, `grader/course/lessonNN-topic` holds the pristine
    /// starters and manifest instead, which is all grading needs of it.
    pub fn solution_dir(&self, lesson: &Lesson) -> PathBuf {
        if self.is_student_copy() {
            self.root.join(STUDENT_COURSE_FILES).join(&lesson.dir_name)
        } else {
            self.root.join("solutions").join(&lesson.dir_name)
        }
    }

    /// The reference's sources, for the hidden tests' differential checks: `solutions/…/src` in the
    /// course, `grader/reference/…/src` in a Gradescope bundle (graded on Gradescope's machines, out
    /// of the students' sight), none in a student copy.
    pub fn reference_src(&self, lesson: &Lesson) -> Option<PathBuf> {
        [
            self.root.join("solutions").join(&lesson.dir_name).join("src"),
            self.root.join(REFERENCE_FILES).join(&lesson.dir_name).join("src"),
        ]
        .into_iter()
        .find(|dir| dir.is_dir())
    }

    /// A student copy made by `cargo xtask export`: no `solutions/`, only the tests a suite marks
    /// visible.
    pub fn is_student_copy(&self) -> bool {
        !self.root.join("solutions").is_dir() && self.root.join(STUDENT_COURSE_FILES).is_dir()
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

/// The syllabus's title of a lesson (its topic when the syllabus does not list it).
pub fn title_of(lesson: &Lesson) -> &str {
    SYLLABUS
        .iter()
        .find(|(n, _, _)| *n == lesson.number)
        .map_or(lesson.topic.as_str(), |(_, _, title)| title)
}

fn known(lessons: &[Lesson]) -> String {
    lessons
        .iter()
        .map(|l| format!("{} ({})", l.id, l.topic))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A lesson the learner probably meant: `lesson5` or `l5` for lesson05, or a topic one or two
/// keystrokes away (`race`, `deamons`).
fn suggest<'a>(query: &str, syllabus: &'a [(Lesson, bool)]) -> Option<&'a Lesson> {
    let query = query.trim().to_ascii_lowercase();
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    let letters: String = query.chars().filter(|c| !c.is_ascii_digit()).collect();
    if let Ok(number) = digits.parse::<u32>() {
        if ["lesson", "l", "lesson-", "lesson_"].contains(&letters.as_str()) {
            return syllabus.iter().map(|(l, _)| l).find(|l| l.number == number);
        }
    }
    syllabus
        .iter()
        .map(|(l, _)| l)
        .map(|l| (edit_distance(&query, &l.topic), l))
        .filter(|(d, l)| *d <= 2 && *d < l.topic.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, l)| l)
}

/// Levenshtein distance, for suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// A TOML file of the course, parsed.
pub(crate) fn read_table(path: &Path) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(io("read", path))?;
    text.parse().map_err(|e: toml::de::Error| Error::Course {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// The directories of the workspace's path dependencies (the grader, the harness, ...).
pub(crate) fn path_dependencies(manifest: &toml::Table) -> Vec<String> {
    manifest
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .map(|deps| {
            deps.values()
                .filter_map(|d| d.get("path").and_then(|p| p.as_str()).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
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
    fn near_misses_are_suggested_and_unwritten_lessons_named() {
        let root = tempfile::tempdir().unwrap();
        for dir in ["lesson01-threads", "lesson05-races"] {
            let suite = root.path().join("grader/suites").join(dir);
            std::fs::create_dir_all(&suite).unwrap();
            std::fs::write(suite.join("suite.toml"), "").unwrap();
        }
        let course = Course::new(root.path());
        assert_eq!(course.resolve("races").unwrap().id, "lesson05");
        for (query, expected) in [
            ("lesson5", "did you mean lesson05?"),
            ("race", "did you mean lesson05?"),
            ("threds", "did you mean lesson01?"),
        ] {
            let message = course.resolve(query).unwrap_err().to_string();
            assert!(message.contains(expected), "{query}: {message}");
        }
        let message = course.resolve("lesson04").unwrap_err().to_string();
        assert!(
            message.contains("not written yet") && message.contains("GIL"),
            "{message}"
        );
        let message = course.resolve("lesson42").unwrap_err().to_string();
        assert!(
            !message.contains("did you mean") && message.contains("lesson01 (threads)"),
            "{message}"
        );
        let next = course.next_lesson(&course.resolve("1").unwrap()).unwrap();
        assert_eq!(next.map(|l| l.id), Some("lesson05".to_owned()));
        let syllabus = course.syllabus().unwrap();
        assert_eq!(syllabus.len(), 9);
        assert_eq!(syllabus.iter().filter(|(_, written)| *written).count(), 2);
    }

    #[test]
    fn directory_names_that_are_not_lessons_are_ignored() {
        for name in ["lesson5-races", "lesson05", "lesson05-", "notes", "lessonab-x"] {
            assert_eq!(Lesson::from_dir_name(name), None, "{name}");
        }
    }
}
