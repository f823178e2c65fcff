//! `cargo xtask bench [LESSON]`: how long the learner's loop and a teacher's batch take, measured the
//! way people run them (the real `cargo xtask` command, as a subprocess) on a scratch copy of the
//! course under `target/threadlab/bench/`, so nothing of the learner's is touched. Each measure runs
//! several times and is reported as a median with its spread:
//!
//! - the warm re-grade after a one-line edit of a solved tier file (the other tiers' verdicts
//!   re-used, as in the learner's loop), and the same re-grade with `--fresh` (every test runs);
//! - the time from that edit to the first streamed result line of a test that ran (re-used lines do
//!   not count: they are not what the learner waits for);
//! - when `rustlings` is on the PATH, its re-check of a solved `threads3` after a one-line edit
//!   (sleeps set to 0 ms, so only the tool's own cost remains), timed in alternation with ours so the
//!   ratio holds on a busy machine;
//! - one student's share of a batch (`--class`), each student's crate built from cold but the
//!   dependencies shared;
//! - with `--cold`, a first grade in a fresh `git clone` (its own target directory, cargo's registry
//!   warm): what a new learner waits for.

use crate::classroom::export::{copy_file, copy_tree};
use crate::course::{Course, Lesson};
use crate::course::{path_dependencies, read_table};
use crate::error::{Error, Result, io};
use crate::frontend::{exit, report_error};
use crate::tier::Tier;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub lesson: String,
    pub runs: usize,
    /// Students in the batch measure.
    pub students: usize,
    /// Also time a first grade in a fresh clone (slow: it builds everything).
    pub cold: bool,
}

/// One measure's samples.
#[derive(Debug, Clone)]
pub struct Measure {
    pub name: &'static str,
    pub samples: Vec<Duration>,
}

impl Measure {
    fn new(name: &'static str) -> Measure {
        Measure {
            name,
            samples: Vec::new(),
        }
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut samples = self.samples.clone();
        samples.sort();
        samples
    }

    pub fn median(&self) -> Duration {
        let sorted = self.sorted();
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    }

    pub fn min(&self) -> Duration {
        self.sorted().first().copied().unwrap_or_default()
    }

    pub fn max(&self) -> Duration {
        self.sorted().last().copied().unwrap_or_default()
    }
}

/// A scratch copy of one lesson of the course, sharing the real build cache.
struct Scratch {
    root: PathBuf,
    lesson: Lesson,
}

impl Scratch {
    fn new(course: &Course, lesson: &Lesson) -> Result<Scratch> {
        let root = course.work_dir().join("bench/course");
        if root.exists() {
            // A bench stopped halfway leaves its batch's stages: their builds go with them.
            forget_batches(&root);
            std::fs::remove_dir_all(&root).map_err(io("remove", &root))?;
        }
        let manifest = read_table(&course.root().join("Cargo.toml"))?;
        let mut parts: Vec<String> = path_dependencies(&manifest);
        parts.extend([
            format!("lessons/{}", lesson.dir_name),
            format!("solutions/{}", lesson.dir_name),
            format!("grader/suites/{}", lesson.dir_name),
        ]);
        for part in &parts {
            if part != "grader" {
                copy_tree(&course.root().join(part), &root.join(part), &["target"])?;
            }
        }
        for file in ["Cargo.toml", "Cargo.lock"] {
            copy_file(&course.root().join(file), &root.join(file))?;
        }
        let build = course.work_dir().join("build");
        std::fs::create_dir_all(&build).map_err(io("create", &build))?;
        let link = root.join("target/threadlab/build");
        std::fs::create_dir_all(root.join("target/threadlab")).map_err(io("create", &root))?;
        std::os::unix::fs::symlink(&build, &link).map_err(io("link", &link))?;
        Ok(Scratch {
            root,
            lesson: lesson.clone(),
        })
    }

    fn src(&self) -> PathBuf {
        self.root.join("lessons").join(&self.lesson.dir_name).join("src")
    }

    /// The reference's tier files in place of the starters.
    fn solve(&self, course: &Course) -> Result<()> {
        for tier in Tier::ALL {
            let from = course
                .solution_dir(&self.lesson)
                .join("src")
                .join(tier.file_name());
            copy_file(&from, &self.src().join(tier.file_name()))?;
        }
        Ok(())
    }
}

/// `cargo xtask ARGS` from the course root with `THREADLAB_ROOT` set; returns the time to the first
/// streamed test line (if any) and to the end. A grade must end with full marks (the scratch copy is
/// solved): a benchmark of a broken build would time the wrong thing.
fn timed_xtask(course: &Course, root: &Path, args: &[&str]) -> Result<(Option<Duration>, Duration)> {
    let started = Instant::now();
    let mut child = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("xtask")
        .args(args)
        .current_dir(course.root())
        .env("THREADLAB_ROOT", root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io("run", "cargo"))?;
    let mut first = None;
    let mut full_marks = false;
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.map_err(io("read", "cargo xtask's output"))?;
        let trimmed = line.trim_start();
        full_marks |= trimmed.starts_with("total") && trimmed.contains("(100%)")
            || trimmed.contains(" students: ") && trimmed.contains(" 0 could not be graded");
        let result = ["PASS ", "FAIL ", "TODO "].iter().any(|m| trimmed.starts_with(m));
        if first.is_none() && result && !trimmed.contains("[re-used") {
            first = Some(started.elapsed());
        }
    }
    child.wait().map_err(io("wait for", "cargo"))?;
    let took = started.elapsed();
    if !full_marks {
        return Err(Error::Cargo(format!(
            "`cargo xtask {}` on the bench's solved copy did not give full marks: run it with \
             THREADLAB_ROOT={} to see why",
            args.join(" "),
            root.display()
        )));
    }
    Ok((first, took))
}

/// Runs every measure of `options`; `each` sees each sample as it comes.
pub fn bench(
    course: &Course,
    options: &BenchOptions,
    each: &mut dyn FnMut(&str, Duration),
) -> Result<Vec<Measure>> {
    let lesson = course.resolve(&options.lesson)?;
    let scratch = Scratch::new(course, &lesson)?;
    scratch.solve(course)?;
    // One grade first: the scratch copy's own crate is built once, as a learner's is.
    timed_xtask(course, &scratch.root, &["grade", &lesson.id])?;

    let mut regrade = Measure::new("warm re-grade after a one-line edit");
    let mut first_line = Measure::new("edit to the first result line");
    let mut fresh = Measure::new("re-grade running every test (--fresh)");
    let mut rustlings = Measure::new("rustlings: re-check of threads3");
    let rustlings_dir = rustlings_setup()?;
    let beginner = scratch.src().join(Tier::Beginner.file_name());
    for run in 0..options.runs {
        append_line(&beginner, &format!("// bench edit {run}"))?;
        let (first, total) = timed_xtask(course, &scratch.root, &["grade", &lesson.id])?;
        each(regrade.name, total);
        regrade.samples.push(total);
        if let Some(first) = first {
            each(first_line.name, first);
            first_line.samples.push(first);
        }
        append_line(&beginner, &format!("// bench edit {run}, fresh"))?;
        let (_, total) = timed_xtask(course, &scratch.root, &["grade", &lesson.id, "--fresh"])?;
        each(fresh.name, total);
        fresh.samples.push(total);
        if let Some(dir) = &rustlings_dir {
            let took = rustlings_recheck(dir, run)?;
            each(rustlings.name, took);
            rustlings.samples.push(took);
        }
    }
    if let Some(dir) = &rustlings_dir {
        let _ = std::fs::remove_dir_all(dir);
    }

    let mut batch = Measure::new("one student's share of a batch");
    for run in 0..options.runs.min(3) {
        // A class folder never graded before: each student's crate is built from cold, as in a real
        // batch (staged crates are keyed by the submission's path).
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let class = course.work_dir().join(format!("bench/class-{stamp}-{run}"));
        let out = course.work_dir().join(format!("bench/grades-{stamp}-{run}"));
        for student in 0..options.students {
            copy_tree(
                &scratch.src(),
                &class.join(format!("student{student:02}/src")),
                &[],
            )?;
        }
        let (class_arg, out_arg) = (
            class.to_string_lossy().into_owned(),
            out.to_string_lossy().into_owned(),
        );
        let (_, total) = timed_xtask(
            course,
            &scratch.root,
            &["grade", &lesson.id, "--class", &class_arg, "--out", &out_arg],
        )?;
        let share = total / options.students.max(1) as u32;
        // The class, its staged crates and their runs are of no further use.
        for dir in [&class, &out] {
            let _ = std::fs::remove_dir_all(dir);
        }
        forget_batches(&scratch.root);
        each(batch.name, share);
        batch.samples.push(share);
    }

    let mut measures = vec![regrade, first_line, fresh];
    if !rustlings.samples.is_empty() {
        measures.push(rustlings);
    }
    measures.push(batch);
    if options.cold {
        measures.push(cold_grade(course, &lesson, each)?);
    }
    Ok(measures)
}

/// Removes the stages of every batch the scratch copy at `root` graded, with what was built for them
/// in the shared build directory. The scratch copy's stages are not the course's, so no later grade
/// of the course would ever prune them: without this, every bench left a class's worth of libraries
/// and test binaries in `deps/` (hundreds of files after a few runs, each listed by every later
/// compile's sandbox).
fn forget_batches(root: &Path) {
    let work = root.join("target/threadlab");
    crate::prune::prune(&work, &work.join("build"), 0);
}

fn append_line(path: &Path, line: &str) -> Result<()> {
    let mut text = std::fs::read_to_string(path).map_err(io("read", path))?;
    text.push_str(line);
    text.push('\n');
    std::fs::write(path, text).map_err(io("write", path))
}

/// A rustlings course with `threads3` solved and its sleeps at 0 ms, outside every cargo workspace
/// (rustlings refuses to start inside one); `None` when `rustlings` is not installed.
fn rustlings_setup() -> Result<Option<PathBuf>> {
    let dir = std::env::temp_dir().join(format!("threadlab-bench-rustlings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(io("create", &dir))?;
    let init = Command::new("rustlings")
        .arg("init")
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !init.is_ok_and(|s| s.success()) {
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(None);
    }
    let root = dir.join("rustlings");
    let exercise = root.join("exercises/20_threads/threads3.rs");
    let text = std::fs::read_to_string(&exercise).map_err(io("read", &exercise))?;
    let solved = solve_threads3(&text).ok_or_else(|| {
        Error::Cargo(format!(
            "rustlings' threads3 is not the one the bench knows how to solve ({}): \
             compare with rustlings 6.5",
            exercise.display()
        ))
    })?;
    std::fs::write(&exercise, solved).map_err(io("write", &exercise))?;
    rustlings_recheck(&root, usize::MAX)?;
    Ok(Some(root))
}

/// threads3 solved: the second thread sends on a clone of the sender; every sleep is 0 ms.
fn solve_threads3(text: &str) -> Option<String> {
    let first_spawn = text.find("    thread::spawn(move || {")?;
    let second_send = first_spawn + text[first_spawn..].find("tx.send(val)")?;
    let mut solved = String::new();
    solved.push_str(&text[..first_spawn]);
    solved.push_str("    let tx2 = tx.clone();\n");
    solved.push_str(&text[first_spawn..second_send]);
    solved.push_str("tx2.send(val)");
    solved.push_str(&text[second_send + "tx.send(val)".len()..]);
    let sleeps = solved.matches("Duration::from_millis(250)").count();
    (sleeps > 0).then(|| solved.replace("Duration::from_millis(250)", "Duration::from_millis(0)"))
}

/// One `rustlings run threads3` after a one-line edit; it must pass.
fn rustlings_recheck(root: &Path, run: usize) -> Result<Duration> {
    append_line(
        &root.join("exercises/20_threads/threads3.rs"),
        &format!("// bench edit {run}"),
    )?;
    let started = Instant::now();
    let output = Command::new("rustlings")
        .args(["run", "threads3"])
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .map_err(io("run", "rustlings"))?;
    let took = started.elapsed();
    if !output.status.success() {
        return Err(Error::Cargo(format!(
            "`rustlings run threads3` failed in {}: the bench's solution did not pass:\n{}{}",
            root.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(took)
}

/// A first grade in a fresh clone of the course's committed state (its own target directory).
fn cold_grade(course: &Course, lesson: &Lesson, each: &mut dyn FnMut(&str, Duration)) -> Result<Measure> {
    let clone = course.work_dir().join("bench/clone");
    if clone.exists() {
        std::fs::remove_dir_all(&clone).map_err(io("remove", &clone))?;
    }
    let status = Command::new("git")
        .args(["clone", "--quiet"])
        .arg(course.root())
        .arg(&clone)
        .status()
        .map_err(io("run", "git"))?;
    if !status.success() {
        return Err(Error::Cargo(format!(
            "git clone of {} failed",
            course.root().display()
        )));
    }
    let started = Instant::now();
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["xtask", "grade", &lesson.id])
        .current_dir(&clone)
        .env_remove("CARGO_TARGET_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(io("run", "cargo"))?;
    let took = started.elapsed();
    if !status.success() {
        return Err(Error::Cargo("the cold grade in a fresh clone failed".to_owned()));
    }
    each("cold grade in a fresh clone", took);
    Ok(Measure {
        name: "cold grade in a fresh clone",
        samples: vec![took],
    })
}

/// The ratios the speed goals are stated in, from medians measured in this one run: our re-grade
/// against rustlings' re-check, and the first result line against a re-grade that runs every test.
pub fn ratios(measures: &[Measure]) -> Vec<(&'static str, f64)> {
    let median = |name: &str| {
        measures
            .iter()
            .find(|m| m.name == name && !m.samples.is_empty())
            .map(|m| m.median().as_secs_f64())
    };
    let mut ratios = Vec::new();
    let regrade = median("warm re-grade after a one-line edit");
    if let (Some(ours), Some(theirs)) = (regrade, median("rustlings: re-check of threads3")) {
        ratios.push(("re-grade / rustlings' re-check", ours / theirs));
    }
    let first = median("edit to the first result line");
    if let (Some(first), Some(full)) = (first, median("re-grade running every test (--fresh)")) {
        ratios.push(("first result line / --fresh re-grade", first / full));
    }
    ratios
}

/// `cargo xtask bench`; returns the exit code.
pub fn command(course: &Course, options: &BenchOptions) -> u8 {
    let mut out = anstream::stdout();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "threadlab bench: {} on {cores} cores, {} runs a measure",
        options.lesson, options.runs
    );
    let result = bench(course, options, &mut |name, sample| {
        let _ = writeln!(out, "  {name}: {:.2} s", sample.as_secs_f64());
    });
    match result {
        Ok(measures) => {
            let _ = writeln!(out, "\n{:<40} {:>9}  {:>17}", "measure", "median", "min - max");
            for m in &measures {
                let _ = writeln!(
                    out,
                    "{:<40} {:>7.2} s  {:>6.2} - {:>6.2} s",
                    m.name,
                    m.median().as_secs_f64(),
                    m.min().as_secs_f64(),
                    m.max().as_secs_f64()
                );
            }
            for (what, ratio) in ratios(&measures) {
                let _ = writeln!(out, "{what:<40} {ratio:>7.2} x");
            }
            exit::REPORTED
        }
        Err(error) => report_error(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measure_reports_its_median_and_spread() {
        let m = Measure {
            name: "x",
            samples: [3, 1, 2, 10, 4]
                .iter()
                .map(|s| Duration::from_millis(*s))
                .collect(),
        };
        assert_eq!(
            (m.median(), m.min(), m.max()),
            (
                Duration::from_millis(3),
                Duration::from_millis(1),
                Duration::from_millis(10)
            )
        );
        let empty = Measure::new("y");
        assert_eq!(empty.median(), Duration::ZERO);
    }

    #[test]
    fn ratios_are_taken_from_the_medians_of_one_run() {
        let measure = |name, ms: &[u64]| Measure {
            name,
            samples: ms.iter().map(|s| Duration::from_millis(*s)).collect(),
        };
        let measures = [
            measure("warm re-grade after a one-line edit", &[300, 320, 900]),
            measure("rustlings: re-check of threads3", &[400, 400, 410]),
            measure("edit to the first result line", &[200, 210, 220]),
            measure("re-grade running every test (--fresh)", &[400, 420, 430]),
        ];
        let ratios = ratios(&measures);
        assert_eq!(ratios.len(), 2);
        assert!((ratios[0].1 - 0.8).abs() < 1e-9, "{ratios:?}");
        assert!((ratios[1].1 - 0.5).abs() < 1e-9, "{ratios:?}");
        assert!(super::ratios(&measures[..1]).is_empty(), "no rustlings, no ratio");
    }

    #[test]
    fn threads3_is_solved_with_a_second_sender_and_no_sleeps() {
        let exercise = "fn send_tx(q: Queue, tx: mpsc::Sender<u32>) {\n    thread::spawn(move || {\n        tx.send(val).unwrap();\n        thread::sleep(Duration::from_millis(250));\n    });\n\n    thread::spawn(move || {\n        tx.send(val).unwrap();\n        thread::sleep(Duration::from_millis(250));\n    });\n}\n";
        let solved = solve_threads3(exercise).unwrap();
        assert_eq!(solved.matches("let tx2 = tx.clone();").count(), 1);
        assert_eq!(solved.matches("tx2.send(val)").count(), 1);
        assert_eq!(solved.matches(" tx.send(val)").count(), 1);
        assert!(!solved.contains("250"));
        assert!(solve_threads3("fn main() {}").is_none());
    }
}
