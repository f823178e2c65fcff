//! The grader's own errors: grading could not run at all. A learner's failing, hanging or cheating
//! test is never one of these; it is an [`crate::outcome::Status`] in the report.

use std::path::PathBuf;

/// Why grading (or starter generation) could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown lesson `{given}`{suggestion}; the lessons are: {known}")]
    UnknownLesson {
        given: String,
        /// ` (did you mean lesson05?)` or empty.
        suggestion: String,
        known: String,
    },
    #[error(
        "{lesson} ({title}) is part of the course but not written yet; the lessons you can grade are: {known}"
    )]
    LessonNotWritten {
        lesson: String,
        title: String,
        known: String,
    },
    #[error("class directory {0} does not exist (it should hold one folder per student)")]
    MissingClass(PathBuf),
    #[error(
        "--out {out} is inside the class folder {class}: give a folder outside it, or one directly in it \
         (which is then no student)"
    )]
    OutInClass { out: PathBuf, class: PathBuf },
    #[error(
        "{0} is not empty: export writes into a new or empty directory (or, with --add, adds lessons \
         to the student copy there)"
    )]
    OutputNotEmpty(PathBuf),
    #[error("{0} is not a student copy made by `cargo xtask export`: --add adds lessons to one")]
    NotAStudentCopy(PathBuf),
    #[error("{lesson} is already in the student copy {copy}")]
    AlreadyInCopy { lesson: String, copy: PathBuf },
    #[error("export --add needs --lessons: which lessons to add")]
    AddNeedsLessons,
    #[error("this is a student copy of the course: it has no reference solution to grade")]
    NoReference,
    #[error("`sync` works on the full course; this student copy has no solutions (use `cargo xtask reset`)")]
    NoSolutions,
    /// `export` or `gradescope` in a student copy: they need the solutions and every test.
    #[error(
        "`{0}` works on the full course (with its solutions and every test); this is a student copy: run \
         it in the course the copy was exported from"
    )]
    FullCourseOnly(&'static str),
    #[error(
        "--deadline {0}: give a date and time as 2026-12-06T23:59:00Z, 2026-12-06T23:59:00+01:00 or \
         2026-12-06"
    )]
    BadDeadline(String),
    #[error("roster {path}: {message}")]
    BadRoster { path: PathBuf, message: String },
    #[error("--only {name}: no student folder of that name in {class}")]
    UnknownStudent { name: String, class: PathBuf },
    #[error(
        "{0} holds no gradebook.csv: give the --out folder of a `cargo xtask grade LESSON --class DIR \
         --out OUT` run"
    )]
    NoGradebook(PathBuf),
    #[error("{path}: {message}")]
    BadGradebook { path: PathBuf, message: String },
    #[error("{first} and {second} are both gradebooks of {lesson}: give each lesson once")]
    SameLesson {
        lesson: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("--out {0} is the gradebook of an input: write the combined gradebook to another file")]
    OutIsInput(PathBuf),
    #[error("submission directory {0} does not exist")]
    MissingSubmission(PathBuf),
    #[error(
        "{0} holds no exercise files: expected beginner.rs, intermediate.rs or advanced.rs in \
         lessons/<lesson dir>/src/, in src/, or in the directory itself"
    )]
    NoTierFiles(PathBuf),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid suite manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("invalid course file {path}: {message}")]
    Course { path: PathBuf, message: String },
    #[error("cannot run cargo: {0}")]
    Cargo(String),
    #[error("{path}:{line}: {message}")]
    Marker {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot start a test process for {test}: {source}")]
    Spawn { test: String, source: std::io::Error },
    #[error("cargo-mutants is not installed; install it with `cargo install cargo-mutants --locked`")]
    CargoMutantsMissing,
    #[error("cargo mutants failed: {0}")]
    CargoMutants(String),
    #[error(
        "{path}: the equivalent mutant `{mutant}` in {file}{at} matches no mutant cargo-mutants lists now \
         (was the code changed? remove or update the entry)"
    )]
    UnknownEquivalent {
        path: PathBuf,
        file: String,
        /// ` at line N` when the entry names a line, else empty.
        at: String,
        mutant: String,
    },
    #[error(
        "{path}: the equivalent mutant `{mutant}` in {file} is ambiguous: mutants on lines {lines} are \
         described so; add `line = N` to the entry to say which one is equivalent"
    )]
    AmbiguousEquivalent {
        path: PathBuf,
        file: String,
        mutant: String,
        lines: String,
    },
    #[error("cannot apply mutant `{mutant}`: {message}")]
    Apply { mutant: String, message: String },
    #[error(
        "the reference solution of {lesson} scores {score} of {max_score}: every mutant would look caught, \
         so fix the suite or the solution first"
    )]
    ReferenceNotFull {
        lesson: String,
        score: u32,
        max_score: u32,
    },
}

/// Shorthand for the grader's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Wraps an I/O error with what was being done and to which path.
pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { action, path, source }
}
