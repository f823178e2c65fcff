//! The class report of a batch: `grade lesson01 --class DIR --out OUT` over five students (the
//! reference, a disguised copy of it, an independent correct solution, an untouched starter and a
//! buggy one) writes `report.html`, whose numbers must agree with `reports/*.json`, and
//! `similarity.csv`, which must flag the copy and not the independent pair. The page is also rendered
//! in a real headless browser (Debian's `chromium`; `.ci/run` installs it).

mod common;

use common::*;
use grader::classroom::class_report::bin;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const LESSON: &str = "lesson01-threads";

/// Names a copier changes (whole words; none is in a string literal of the reference).
const RENAMES: &[(&str, &str)] = &[
    ("handles", "hs"),
    ("handle", "hnd"),
    ("sender", "tx"),
    ("result", "rx"),
    ("workers", "n_workers"),
    ("base", "each"),
    ("extra", "spare"),
    ("rest", "left"),
    ("chunk", "part"),
    ("tail", "after"),
    ("partial", "sub"),
    ("results", "answers"),
    ("up", "alive"),
    ("text", "msg"),
];

/// `text` with each whole-word rename applied.
fn rename(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let renamed = RENAMES
            .iter()
            .find(|(from, _)| from == word)
            .map_or(word.as_str(), |r| r.1);
        out.push_str(renamed);
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The reference's tier file as a copier hands it in: names changed, its comments dropped and others
/// added, indented by two spaces instead of four, with blank lines between statements.
fn disguise(text: &str) -> String {
    let mut out = String::from("// my own work, honestly\n");
    for line in rename(text).lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("// ") {
            continue;
        }
        let depth = (line.len() - trimmed.len()) / 4;
        out.push_str(&"  ".repeat(depth));
        out.push_str(trimmed);
        if trimmed.ends_with(';') {
            out.push_str(" // step\n");
        }
        out.push('\n');
    }
    out
}

/// A beginner tier written another way than the reference: loops instead of iterator chains, a
/// `match` on the builder's result.
const OWN_BEGINNER: &str = r#"//! Beginner tier.

use crate::thread::{self, JoinHandle};

pub fn run_concurrently<T: Send + 'static>(tasks: Vec<Box<dyn FnOnce() -> T + Send>>) -> Vec<T> {
    let mut started = Vec::new();
    for task in tasks {
        started.push(thread::spawn(move || task()));
    }
    let mut out = Vec::with_capacity(started.len());
    for joiner in started {
        match joiner.join() {
            Ok(v) => out.push(v),
            Err(e) => std::panic::resume_unwind(e),
        }
    }
    out
}

pub fn spawn_named<T, F>(name: &str, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let builder = thread::Builder::new().name(String::from(name));
    match builder.spawn(f) {
        Ok(joiner) => joiner,
        Err(e) => panic!("could not start thread {name}: {e}"),
    }
}
"#;

/// An intermediate tier written for this test, in no bug bank (so in none of the course's material
/// that similarity leaves out): chunks by `chunks`, sums and answers sent over channels.
const OWN_INTERMEDIATE: &str = r#"//! Intermediate tier.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;

pub fn sum_chunks(data: &[u64], threads: usize) -> u64 {
    sum_chunks_with(data, threads, |chunk| chunk.iter().sum())
}

pub fn sum_chunks_with<F>(data: &[u64], threads: usize, sum_chunk: F) -> u64
where
    F: Fn(&[u64]) -> u64 + Sync,
{
    if data.is_empty() {
        return 0;
    }
    let count = if threads == 0 { 1 } else { threads.min(data.len()) };
    // The first `longer` chunks take one item more than the others.
    let short = data.len() / count;
    let longer = data.len() - short * count;
    let mut pieces: Vec<&[u64]> = Vec::new();
    let mut at = 0;
    for n in 0..count {
        let size = if n < longer { short + 1 } else { short };
        pieces.push(&data[at..at + size]);
        at += size;
    }
    let (tx, rx) = mpsc::channel::<u64>();
    let mut total = 0;
    thread::scope(|scope| {
        let mut joins = Vec::new();
        for piece in pieces {
            let tx = tx.clone();
            let sum_chunk = &sum_chunk;
            joins.push(scope.spawn(move || {
                let value = sum_chunk(piece);
                tx.send(value).expect("the receiver lives to the end");
            }));
        }
        drop(tx);
        for join in joins {
            if let Err(e) = join.join() {
                std::panic::resume_unwind(e);
            }
        }
        for value in rx {
            total += value;
        }
    });
    total
}

pub fn check_all<F>(hosts: &[&str], check: F) -> HashMap<String, bool>
where
    F: Fn(&str) -> bool + Sync,
{
    let (tx, rx) = mpsc::channel();
    thread::scope(|scope| {
        for host in hosts.iter().copied() {
            let tx = tx.clone();
            let check = &check;
            scope.spawn(move || {
                let answer = check(host);
                tx.send((String::from(host), answer)).unwrap();
            });
        }
    });
    drop(tx);
    let mut seen = HashMap::new();
    while let Ok((host, answer)) = rx.recv() {
        seen.insert(host, answer);
    }
    seen
}
"#;

/// The graded class, once for every test of this file: (class, out, seconds the batch took).
fn graded_class() -> &'static (PathBuf, PathBuf, f64) {
    static CLASS: OnceLock<(PathBuf, PathBuf, f64)> = OnceLock::new();
    CLASS.get_or_init(|| {
        // Under the target directory, where a failed run leaves its evidence until the next run.
        let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("class-report");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).unwrap();
        let (class, out) = (work.join("class"), work.join("out"));
        let solution = root().join("solutions").join(LESSON).join("src");
        let bank = root().join("bugbanks").join(LESSON);
        let put = |student: &str, tier: &str, text: &str| {
            let dir = class.join(student).join("src");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("{tier}.rs")), text).unwrap();
        };
        let read = |path: PathBuf| std::fs::read_to_string(path).unwrap();
        for tier in ["beginner", "intermediate", "advanced"] {
            let reference = read(solution.join(format!("{tier}.rs")));
            put("ada", tier, &reference);
            put("ben", tier, &disguise(&reference));
        }
        // Written from the README alone: here (beginner, intermediate: in none of the material
        // similarity leaves out, so their low scores are earned) and by the first bank's author
        // (advanced: the code that author and the reference share is left out by construction).
        put("cat", "beginner", OWN_BEGINNER);
        put("cat", "intermediate", OWN_INTERMEDIATE);
        put(
            "cat",
            "advanced",
            &read(bank.join("first/16-correct-condvar-slot/advanced.rs")),
        );
        let lesson = grader::Lesson::from_dir_name(LESSON).unwrap();
        let starters = starters(&lesson);
        std::fs::rename(starters.path().join("src"), class.join("dan")).unwrap();
        put(
            "eve",
            "beginner",
            &read(bank.join("fresh/01-lazy-handles-iterator/beginner.rs")),
        );
        put(
            "eve",
            "intermediate",
            &read(bank.join("fresh/07-remainder-dropped/intermediate.rs")),
        );

        let started = Instant::now();
        let output = xtask(&[
            "grade",
            "lesson01",
            "--class",
            class.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
        eprintln!("the class of 5 took {seconds:.1} s to grade, report and similarity included");
        (class, out, seconds)
    })
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every value of `attribute` in `html`, in order (the page writes them as `name="value"`).
fn attributes<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let key = format!(" {attribute}=\"");
    html.match_indices(&key)
        .map(|(at, _)| {
            let rest = &html[at + key.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// The opening tag holding `needle`.
fn tag_with<'a>(html: &'a str, needle: &str) -> Option<&'a str> {
    let at = html.find(needle)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    Some(&html[start..=end])
}

fn attribute<'a>(tag: &'a str, name: &str) -> &'a str {
    attributes(tag, name)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
}

#[test]
fn the_class_report_agrees_with_the_reports_and_flags_the_copy_only() {
    let (_, out, seconds) = graded_class();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let students = ["ada", "ben", "cat", "dan", "eve"];
    let reports: Vec<serde_json::Value> = students
        .iter()
        .map(|s| json(&out.join(format!("reports/{s}.json"))))
        .collect();

    // Each student's row: the tier scores, total and maximum of their report, and links to it and to
    // their feedback.
    for (student, report) in students.iter().zip(&reports) {
        let tag = tag_with(&html, &format!("data-student=\"{student}\"")).unwrap();
        let mut expected: Vec<String> = report["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["score"].to_string())
            .collect();
        expected.push(report["score"].to_string());
        expected.push(report["max_score"].to_string());
        assert_eq!(attribute(tag, "data-scores"), expected.join(","), "{student}");
        assert_eq!(attribute(tag, "data-status"), "graded");
        assert!(html.contains(&format!("href=\"reports/{student}.json\"")));
        assert!(html.contains(&format!("href=\"feedback/{student}.md\"")));
    }
    assert_eq!(
        reports[0]["score"], reports[0]["max_score"],
        "the reference has full marks"
    );
    assert_eq!(reports[3]["score"], 0, "the starter has nothing");
    assert!(reports[4]["score"].as_u64().unwrap() < reports[2]["score"].as_u64().unwrap());

    // The histograms: each tier's and the total's bins, counted from the reports.
    let figures: Vec<&str> = html.split("<figure ").skip(1).collect();
    assert_eq!(figures.len(), 4);
    for (index, figure) in figures.iter().enumerate() {
        let mut expected = [0usize; 6];
        for report in &reports {
            let (score, max) = if index < 3 {
                let tier = &report["tiers"][index];
                (
                    tier["score"].as_u64().unwrap(),
                    tier["max_score"].as_u64().unwrap(),
                )
            } else {
                (
                    report["score"].as_u64().unwrap(),
                    report["max_score"].as_u64().unwrap(),
                )
            };
            expected[bin(score as u32, max as u32)] += 1;
        }
        let counts: Vec<usize> = attributes(figure, "data-count")
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        assert_eq!(counts, expected, "{}", attribute(figure, "data-tier"));
    }

    // Every test: how many students did not pass it, from the reports.
    let tests = reports[0]["tests"].as_array().unwrap();
    for test in tests {
        let name = test["name"].as_str().unwrap();
        let failed = reports
            .iter()
            .filter(|r| {
                r["tests"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["name"] == name && t["status"] != "passed")
            })
            .count();
        let tag = tag_with(&html, &format!("data-test=\"{name}\"")).unwrap();
        assert_eq!(attribute(tag, "data-failed"), failed.to_string(), "{name}");
        assert_eq!(attribute(tag, "data-graded"), "5", "{name}");
    }
    let failed_first: Vec<usize> = attributes(&html, "data-failed")
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(failed_first.len(), tests.len());
    assert!(
        failed_first.windows(2).all(|w| w[0] >= w[1]),
        "the most failed first: {failed_first:?}"
    );

    // similarity.csv: the header, highest first, every pair of the three who wrote code of their own
    // (the starter has none, and eve's two files).
    let csv = std::fs::read_to_string(out.join("similarity.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("student_a,student_b,file,similarity"));
    let rows: Vec<(String, String, String, f64)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (
                cells[0].to_owned(),
                cells[1].to_owned(),
                cells[2].to_owned(),
                cells[3].parse().unwrap(),
            )
        })
        .collect();
    assert!(rows.windows(2).all(|w| w[0].3 >= w[1].3), "{csv}");
    assert!(
        !csv.contains("dan"),
        "the untouched starter has nothing to compare: {csv}"
    );
    let score = |a: &str, b: &str, file: &str| {
        rows.iter()
            .find(|r| r.0 == a && r.1 == b && r.2 == file)
            .unwrap_or_else(|| panic!("no {a},{b},{file} in {csv}"))
            .3
    };
    // The reference's beginner.rs is two short functions, and every run of tokens in it was also
    // written by one of the bug banks' blind authors: it is what anyone writes, so a copy of it is
    // no evidence and the pair is not scored.
    assert!(!csv.contains("ada,ben,beginner.rs"), "{csv}");
    for file in ["intermediate.rs", "advanced.rs"] {
        let copy = score("ada", "ben", file);
        let honest = score("ada", "cat", file);
        eprintln!("{file}: the disguised copy scores {copy:.3}, the independent solution {honest:.3}");
        assert!(copy >= 0.9, "{file}: {copy}");
        assert!(honest < 0.5, "{file}: {honest}");
        let pair = tag_with(
            &html,
            &format!("data-a=\"ada\" data-b=\"ben\" data-file=\"{file}\" data-regions"),
        )
        .unwrap_or_else(|| panic!("the copy of {file} is not shown side by side"));
        assert!(attribute(pair, "data-regions").parse::<usize>().unwrap() >= 1);
        assert!(
            tag_with(
                &html,
                &format!("data-a=\"ada\" data-b=\"cat\" data-file=\"{file}\" data-regions")
            )
            .is_none(),
            "the honest pair is not flagged"
        );
    }
    assert!(html.contains("class=\"hl\""), "shared lines are highlighted");
    // Only the copy's two files.
    let section = tag_with(&html, "<section id=\"similarity\"").unwrap();
    assert_eq!(attribute(section, "data-flagged"), "2", "{csv}");
    let honest = score("cat", "eve", "intermediate.rs");
    eprintln!("cat and eve (a bug bank's file), intermediate.rs: {honest:.3}");
    assert!(honest < 0.5, "{honest}");
    eprintln!("batch time: {seconds:.1} s");
}

/// Where Debian's chromium is, if it is installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

#[test]
fn the_class_report_renders_in_a_headless_browser() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED the_class_report_renders_in_a_headless_browser: no `chromium` on PATH \
             (apt-get install -y chromium; .ci/run installs it)"
        );
        return;
    };
    let (_, out, _) = graded_class();
    let profile = tempfile::tempdir().unwrap();
    let page = format!("file://{}", out.join("report.html").display());
    let output = assert_cmd::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", &page])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The DOM after the page's script ran (it marks the body), with every section and its parts.
    assert!(
        dom.contains("data-scripted=\"yes\""),
        "the inline script did not run: {dom}"
    );
    for id in ["distribution", "tests", "students", "similarity"] {
        assert!(
            dom.contains(&format!("<section id=\"{id}\"")),
            "no {id} section: {dom}"
        );
    }
    assert_eq!(
        dom.matches("<svg").count(),
        4,
        "a histogram per tier and the total"
    );
    assert!(
        dom.contains("<article class=\"pair\""),
        "the flagged pair side by side"
    );
    assert!(dom.contains("class=\"sort\""), "the students table is sortable");
}

#[test]
fn the_report_and_similarity_of_30_students_take_little_time() {
    // The five graded students six times over (their folders and reports copied), so the report is
    // built for a class of 30 without grading 30 students again.
    let (class, out, _) = graded_class();
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let (big, reports) = (work.path().join("class"), work.path().join("reports"));
    std::fs::create_dir_all(&reports).unwrap();
    let gradebook = std::fs::read_to_string(out.join("gradebook.csv")).unwrap();
    let mut rows = Vec::new();
    for copy in 0..6 {
        for line in gradebook.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let name = format!("{}{copy}", cells[0]);
            std::fs::create_dir_all(&big).unwrap();
            let copied = std::process::Command::new("cp")
                .arg("-r")
                .arg(class.join(cells[0]))
                .arg(big.join(&name))
                .status()
                .unwrap();
            assert!(copied.success());
            std::fs::copy(
                out.join(format!("reports/{}.json", cells[0])),
                reports.join(format!("{name}.json")),
            )
            .unwrap();
            let number = |i: usize| cells[i].parse::<u32>().unwrap();
            rows.push(grader::classroom::gradebook::Row {
                student: name,
                tiers: [number(1), number(2), number(3)],
                total: number(4),
                max_score: number(5),
                status: grader::classroom::gradebook::RowStatus::Graded,
                error: String::new(),
                provenance: Default::default(),
                roster: Default::default(),
                // Not said: read from `CLASS/<student>`, as a batch without `--deadline` grades it.
                graded_from: None,
            });
        }
    }
    let course = grader::Course::new(root());
    let lesson = course.resolve("lesson01").unwrap();
    let started = Instant::now();
    let report = grader::classroom::class_report::build(&course, &lesson, &big, &rows, &reports).unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "report.html ({} KB) and similarity.csv for 30 students built in {} ms",
        report.html.len() / 1024,
        elapsed.as_millis()
    );
    // 12 copies of the same code in each file: every pair of them is flagged, 40 drawn.
    assert_eq!(report.html.matches("<article class=\"pair\"").count(), 40);
    assert!(report.html.contains("more flagged pairs are not drawn here"));
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}
