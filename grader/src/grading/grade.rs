//! The grading pipeline: resolve → stage → check the facade → build → run → score → report.

use crate::compile;
use crate::course::{Course, Lesson};
use crate::error::Result;
use crate::lint;
use crate::location;
use crate::outcome::{Outcome, Status};
use crate::report::{FORMAT_VERSION, Phases, Report};
use crate::reuse;
use crate::run::{self, Job};
use crate::score;
use crate::stage::{self, Subject, TierSource};
use crate::suite::{Suite, TestSpec};
use crate::tier::Tier;
use std::collections::BTreeMap;
use std::time::Instant;

/// What to grade.
#[derive(Debug, Clone)]
pub struct Request {
    /// A learner's name for the lesson: `lesson05`, `5` or `races`.
    pub lesson: String,
    pub subject: Subject,
    /// Self-study: a tier whose test binary, suite and grader did not change since the last grade
    /// gets that grade's verdicts back, marked as re-used, instead of running again. Only ever for
    /// `Subject::Learner`; front ends turn it off for `--repeat` and the teachers' formats.
    pub reuse: bool,
}

/// Progress, for a front end that streams.
#[derive(Debug)]
pub enum Event<'a> {
    /// The subject is staged; building starts.
    Staged {
        lesson: &'a Lesson,
        title: &'a str,
        subject: &'a str,
        /// Nothing has been built yet: this build compiles the dependencies too and takes longer.
        first_build: bool,
        /// In a student copy: the tests (and points) held back until the work is handed in.
        held_back: Option<(u32, u32)>,
    },
    /// A test finished.
    TestDone {
        spec: &'a TestSpec,
        outcome: &'a Outcome,
    },
}

/// Grades one subject against a lesson's hidden suite.
pub fn grade(course: &Course, request: &Request, on_event: &mut dyn FnMut(Event<'_>)) -> Result<Report> {
    let started = Instant::now();
    let lesson = course.resolve(&request.lesson)?;
    let suite = Suite::load(&course.suite_dir(&lesson))?;
    let staged = stage::stage(course, &lesson, &suite, &request.subject)?;
    let mut phases = Phases::default();
    let mut lap = Instant::now();
    let mut time = |slot: &mut u64| {
        *slot = lap.elapsed().as_millis() as u64;
        lap = Instant::now();
    };
    phases.stage = started.elapsed().as_millis() as u64;
    on_event(Event::Staged {
        lesson: &lesson,
        title: &suite.title,
        subject: &staged.subject_label,
        first_build: !staged.target_dir.exists(),
        held_back: (!suite.held_back.is_empty()).then(|| {
            let tests = suite.held_back.iter().map(|h| h.tests).sum();
            (tests, suite.held_back.iter().map(|h| h.points).sum())
        }),
    });

    // Each tier's binary is checked as a whole: its own file and any other tier file it uses must
    // keep to the facade and to the tier's forbidden names (otherwise a later tier could reach a
    // forbidden item through an earlier tier's file).
    let mut refused: BTreeMap<Tier, String> = BTreeMap::new();
    for tier in Tier::ALL {
        let mut lines = Vec::new();
        for module in staged.crates.get(&tier).map_or(&[tier][..], Vec::as_slice) {
            let text = staged.tier_text.get(module).map_or("", String::as_str);
            let mut found = if suite.facade {
                lint::facade_violations(text)
            } else {
                Vec::new()
            };
            for rule in suite.forbid.iter().filter(|f| f.tiers.contains(&tier)) {
                found.extend(lint::uses_of(text, &rule.name, &rule.why));
            }
            found.sort_by_key(|v| v.line);
            lines.extend(
                found
                    .iter()
                    .map(|v| format!("src/{}:{}: {}", module.file_name(), v.line, v.message)),
            );
        }
        if !lines.is_empty() {
            refused.insert(tier, format!("refused before building:\n{}", lines.join("\n")));
        }
    }
    let to_build: Vec<Tier> = Tier::ALL
        .into_iter()
        .filter(|t| !refused.contains_key(t))
        .collect();
    time(&mut phases.lint);
    // Self-study: verdicts of unchanged tiers are re-used and an edited tier may be rebuilt without
    // cargo (`reuse`, `replay`); never for a submission, the reference, a batch or `--repeat`.
    let reusing = request.reuse && request.subject == Subject::Learner;
    let built = compile::build(&staged, &to_build, reusing)?;
    time(&mut phases.build);
    // Places in messages name the learner's own files from the course root.
    let subject_src = course.display_path(&stage::subject_src(course, &lesson, &request.subject)?);
    let tier_message = |tier: Tier| -> String {
        let message = refused.get(&tier).or_else(|| built.errors.get(&tier));
        location::for_learner(message.map_or("", String::as_str), &subject_src)
    };

    for (tier, binary) in &built.binaries {
        check_binary_lists_suite(&suite, *tier, binary, &course.suite_dir(&lesson))?;
    }
    time(&mut phases.list);

    // One directory per grading process, so two grades of the same subject never share test dirs.
    let run_root = course
        .work_dir()
        .join("runs")
        .join(staged.dir.file_name().unwrap_or_default())
        .join(std::process::id().to_string());
    // Self-study: the verdicts of tiers nothing of which changed since the last grade.
    let store_path = reuse::path(&course.work_dir(), &lesson);
    let mut store = if reusing {
        reuse::Store::load(&store_path)
    } else {
        reuse::Store::default()
    };
    // Test name → its re-used outcome, for whole tiers only.
    let mut reused: BTreeMap<&str, Outcome> = BTreeMap::new();
    if reusing {
        for tier in &built.fresh {
            let names: Vec<&str> = suite
                .tests
                .iter()
                .filter(|s| s.tier == *tier)
                .map(|s| s.name.as_str())
                .collect();
            let kept = reuse::key(&built.binaries[tier], suite.digest)
                .and_then(|key| store.reuse(*tier, &key, &names));
            if let Some(outcomes) = kept {
                reused.extend(names.into_iter().zip(outcomes));
            }
        }
    }
    let runnable = |spec: &TestSpec| built.binaries.contains_key(&spec.tier);
    let to_run: Vec<&TestSpec> = suite
        .tests
        .iter()
        .filter(|spec| runnable(spec) && !reused.contains_key(spec.name.as_str()))
        .collect();
    for spec in &suite.tests {
        if let Some(outcome) = reused.get(spec.name.as_str()) {
            on_event(Event::TestDone { spec, outcome });
        }
    }
    let jobs: Vec<Job> = to_run
        .iter()
        .map(|spec| Job {
            test: spec.name.clone(),
            binary: built.binaries[&spec.tier].clone(),
            timeout: suite.timeout(spec),
            dir: run_root.join(&spec.name),
        })
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    // A test's own timeout message replaces the runner's generic one, in the stream and the report.
    let explain_timeout = |spec: &TestSpec, mut outcome: Outcome| {
        if outcome.status == Status::TimedOut
            && let Some(message) = suite.timeout_message(spec)
        {
            outcome.message = message;
        }
        outcome
    };
    let (ran, sandbox) = run::run_all(&jobs, workers, &mut |index, outcome| {
        on_event(Event::TestDone {
            spec: to_run[index],
            outcome: &explain_timeout(to_run[index], outcome.clone()),
        });
    })?;
    time(&mut phases.run);
    // What the tests left behind is of no further use; a failure to remove it is harmless.
    let _ = std::fs::remove_dir_all(&run_root);
    let mut ran = ran.into_iter();
    let mut outcomes: Vec<Outcome> = suite
        .tests
        .iter()
        .map(|spec| {
            if let Some(outcome) = reused.remove(spec.name.as_str()) {
                return outcome;
            }
            if runnable(spec) {
                return explain_timeout(spec, ran.next().expect("one outcome per job"));
            }
            let (status, why) = if refused.contains_key(&spec.tier) {
                (Status::Refused, "was refused before building")
            } else {
                (Status::CompileError, "does not compile")
            };
            Outcome::new(
                status,
                format!(
                    "src/{} {why}, so this test did not run (the tier's message says why)",
                    spec.tier.file_name()
                ),
            )
        })
        .collect();
    let sandbox = match store.protections() {
        Some(stored) if jobs.is_empty() && outcomes.iter().any(|o| o.reused) => stored,
        _ => sandbox,
    };
    if reusing {
        if !jobs.is_empty() {
            store.keep_protections(&sandbox);
        }
        remember(&mut store, &built, &suite, &outcomes);
        // A store that cannot be written only costs the next grade a full run.
        let _ = store.save(&store_path);
    }
    for (spec, outcome) in suite.tests.iter().zip(&mut outcomes) {
        outcome.message = location::for_learner(&outcome.message, &subject_src);
        if let Some(TierSource::MissingFile(path)) = staged.tiers.get(&spec.tier) {
            outcome.message = format!(
                "{} is missing, so this tier was graded as the starter: {}",
                path.display(),
                outcome.message
            );
        }
    }

    let (tiers, tests) = score::score(&suite, &outcomes, tier_message);
    Ok(Report {
        format_version: FORMAT_VERSION,
        lesson: lesson.id.clone(),
        title: suite.title.clone(),
        subject: staged.subject_label.clone(),
        score: tests.iter().map(|t| t.score).sum(),
        max_score: tests.iter().map(|t| t.max_score).sum(),
        duration_ms: started.elapsed().as_millis() as u64,
        tiers,
        tests,
        sandbox,
        phases_ms: phases,
    })
}

/// Keeps the verdicts of every tier that ran this time (raw, before messages are rewritten for the
/// learner), so that the next grade can re-use those whose binary stays the same; forgets tiers that
/// did not build. A re-used tier is already stored as it is.
fn remember(store: &mut reuse::Store, built: &compile::Built, suite: &Suite, outcomes: &[Outcome]) {
    for tier in Tier::ALL {
        let of_tier: Vec<(&str, &Outcome)> = suite
            .tests
            .iter()
            .zip(outcomes)
            .filter(|(spec, _)| spec.tier == tier)
            .map(|(spec, outcome)| (spec.name.as_str(), outcome))
            .collect();
        if of_tier.iter().any(|(_, outcome)| outcome.reused) {
            continue;
        }
        match built
            .binaries
            .get(&tier)
            .and_then(|b| reuse::key(b, suite.digest))
        {
            Some(key) => store.keep(tier, key, &of_tier),
            None => store.forget(tier),
        }
    }
}

/// A hidden test binary must hold exactly its tier's tests in the manifest: a test missing from the
/// manifest would never run, one missing from the binary could never pass.
fn check_binary_lists_suite(
    suite: &Suite,
    tier: Tier,
    binary: &std::path::Path,
    suite_dir: &std::path::Path,
) -> Result<()> {
    let output = std::process::Command::new(binary)
        .arg("--list")
        .output()
        .map_err(|source| crate::Error::Spawn {
            test: format!("{tier} --list"),
            source,
        })?;
    let listed: std::collections::BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let manifest: std::collections::BTreeSet<String> =
        suite.tier_tests(tier).map(|t| t.name.clone()).collect();
    if listed != manifest {
        let only_binary: Vec<_> = listed.difference(&manifest).cloned().collect();
        let only_manifest: Vec<_> = manifest.difference(&listed).cloned().collect();
        return Err(crate::Error::Manifest {
            path: suite_dir.join("suite.toml"),
            message: format!(
                "the {tier} tests in the manifest and in {tier}.rs differ: only in {tier}.rs: {only_binary:?}; \
                 only in suite.toml: {only_manifest:?}"
            ),
        });
    }
    Ok(())
}
