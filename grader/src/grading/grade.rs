//! The grading pipeline: resolve → stage → build (sandboxed, with the suite's rules) → run → score → report.

use crate::compile;
use crate::course::Course;
use crate::course::Lesson;
use crate::error::Result;
use crate::location;
use crate::outcome::{Outcome, Status};
use crate::provenance::{self, Provenance};
use crate::report::{FORMAT_VERSION, Phases, Report};
use crate::reuse;
use crate::run::{self, Job};
use crate::sandbox::Protections;
use crate::score;
use crate::stage::{self, Subject};
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

/// Grades one subject against a lesson's hidden suite: stage → build (in the compile sandbox,
/// where the suite's `[[disallow]]` rules are checked) → list → run → score.
pub fn grade(course: &Course, request: &Request, on_event: &mut dyn FnMut(Event<'_>)) -> Result<Report> {
    let started = Instant::now();
    let mut phases = Phases::default();
    let mut lap = Instant::now();
    let mut time = |slot: &mut u64| {
        *slot = lap.elapsed().as_millis() as u64;
        lap = Instant::now();
    };
    let graded_at = provenance::now_rfc3339();
    let lesson = course.resolve(&request.lesson)?;
    let suite = Suite::load(&course.suite_dir(&lesson))?;
    let staged = stage::stage(course, &lesson, &suite, &request.subject)?;
    let provenance = Provenance {
        files_sha256: provenance::files_sha256(&provenance::graded_files(&staged)),
        commit: stage::subject_src(course, &lesson, &request.subject)
            .ok()
            .and_then(|src| match &request.subject {
                // The student's clone: their folder, or a folder in it that holds the tier files.
                Subject::Submission(dir) => provenance::commit_between(&src, dir),
                Subject::Learner | Subject::Reference => provenance::commit_between(&src, course.root()),
            }),
        graded_at,
        grader_version: provenance::grader_version(course.root()),
        deadline: None,
    };
    time(&mut phases.stage);
    announce(&lesson, &suite, &staged, on_event);

    // Self-study: verdicts of unchanged tiers are re-used and an edited tier may be rebuilt without
    // cargo (`reuse`, `replay`); never for a submission, the reference, a batch or `--repeat`.
    let reusing = request.reuse && request.subject == Subject::Learner;
    // A tier file that was not read (a link, a device, too big), or that would read another file
    // while it compiles, is refused without building.
    let mut not_read = staged.refused();
    // And one that would break memory safety through a known compiler bug (`soundness`).
    let reads = refused_before_building(
        &staged,
        &|text, _| crate::reads::compile_time_reads(text),
        READS_WHY,
    );
    let shapes = refused_before_building(
        &staged,
        &crate::soundness::refused_shapes_among,
        crate::soundness::WHY,
    );
    for (tier, message) in reads.into_iter().chain(shapes) {
        not_read.entry(tier).or_insert(message);
    }
    // A tier whose file was not handed in has nothing of the subject's to grade: its tests are
    // `not_started` without building the starter that stands in for it (it is still staged, for a
    // later tier that uses its module). This is what the starter would score in every lesson whose
    // starters stop at `todo!()`, and the honest grade in lesson08, whose starters are buggy
    // programs that would otherwise earn points nobody handed in; a class with missing tiers
    // builds only what was handed in.
    let missing = staged.missing();
    let to_build: Vec<Tier> = Tier::ALL
        .into_iter()
        .filter(|t| !not_read.contains_key(t) && !missing.contains_key(t))
        .collect();
    let mut built = compile::build(&staged, &to_build, reusing)?;
    refuse_unscanned(&staged, &mut built);
    built.refused.extend(not_read);
    built.missing = missing;
    time(&mut phases.build);
    crate::listing::check_all(
        &course.work_dir(),
        &suite,
        &staged,
        &built.binaries,
        &course.suite_dir(&lesson),
    )?;
    time(&mut phases.list);

    let store_path = reuse::path(&course.work_dir(), &lesson);
    let mut store = if reusing {
        reuse::Store::load(&store_path)
    } else {
        reuse::Store::default()
    };
    let (mut outcomes, mut sandbox) = run_tests(
        course,
        &staged,
        &suite,
        &built,
        &store,
        Runs {
            reusing,
            // A learner grading their own copy sees every test anyway.
            held_back_last: request.subject != Subject::Learner,
        },
        on_event,
    )?;
    let packages: Vec<String> = Tier::ALL.iter().map(|t| staged.package(*t)).collect();
    sandbox.compile = crate::compile_sandbox::status(&staged.compile_tmp(), &packages);
    time(&mut phases.run);
    if reusing {
        store.keep_protections(&sandbox);
        remember(&mut store, &built, &suite, &outcomes);
        // A store that cannot be written only costs the next grade a full run.
        let _ = store.save(&store_path);
    }

    // Places in messages name the learner's own files from the course root.
    let subject_src = course.display_path(&stage::subject_src(course, &lesson, &request.subject)?);
    for outcome in &mut outcomes {
        outcome.message = location::for_learner(&outcome.message, &subject_src);
    }
    let tier_message = |tier: Tier| -> String {
        let message = built.refused.get(&tier).or_else(|| built.errors.get(&tier));
        let message = message.or_else(|| built.missing.get(&tier));
        location::for_learner(message.map_or("", String::as_str), &subject_src)
    };
    let (tiers, tests) = score::score(&suite, &outcomes, tier_message);
    // Each submission leaves its own packages in the shared build directory: keep only the latest
    // (this one is held, so it stays).
    if matches!(request.subject, Subject::Submission(_)) {
        crate::prune::prune(&course.work_dir(), &staged.target_dir, crate::prune::keep());
    }
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
        provenance,
    })
}

/// A tier whose file (or a file its library uses) the token checks could not read at all was left
/// to the compiler, which should refuse it too; one that built all the same is refused here, since
/// neither `reads` nor `soundness` could look at it.
fn refuse_unscanned(staged: &stage::Staged, built: &mut compile::Built) {
    let built_tiers: Vec<Tier> = built.binaries.keys().copied().collect();
    for tier in built_tiers {
        let unread = staged
            .modules(tier)
            .into_iter()
            .find(|module| !crate::soundness::tokenizes(staged.text(*module)));
        if let Some(module) = unread {
            built.binaries.remove(&tier);
            built.fresh.remove(&tier);
            built.refused.insert(
                tier,
                format!(
                    "refused: src/{} compiled, but the grader's checks could not read it as Rust \
                     tokens, so they cannot tell what it does (the compiler skips some text a \
                     tokenizer does not); write it as ordinary Rust",
                    module.file_name()
                ),
            );
        }
    }
}

/// Why a tier whose file would read a file while it compiles is refused (see `reads`).
const READS_WHY: &str = "refused before building: exercise files may not read files while they \
                         compile (write the code in this file)";

/// A check of a tier file's tokens before building: the file, and the other tier files built into
/// the same library; returns (1-based line, what) for each place it refuses.
type TokenCheck = dyn Fn(&str, &[&str]) -> Vec<(usize, String)>;

/// The tiers whose library (its own tier file or one it uses) `scan` finds something in that is
/// refused before building, each with `why` and the places: `reads` (files read while compiling)
/// and `soundness` (shapes that break memory safety through a known compiler bug).
fn refused_before_building(staged: &stage::Staged, scan: &TokenCheck, why: &str) -> BTreeMap<Tier, String> {
    let mut refused = BTreeMap::new();
    for tier in Tier::ALL {
        let mut lines = Vec::new();
        let modules = staged.modules(tier);
        for module in &modules {
            let others: Vec<&str> = modules
                .iter()
                .filter(|m| *m != module)
                .map(|m| staged.text(*m))
                .collect();
            for (line, what) in scan(staged.text(*module), &others) {
                lines.push(format!("src/{}:{line}: {what}", module.file_name()));
            }
        }
        if !lines.is_empty() {
            refused.insert(tier, format!("{why}:\n{}", lines.join("\n")));
        }
    }
    refused
}

/// Tells the front end what is about to be built.
fn announce(lesson: &Lesson, suite: &Suite, staged: &stage::Staged, on_event: &mut dyn FnMut(Event<'_>)) {
    on_event(Event::Staged {
        lesson,
        title: &suite.title,
        subject: &staged.subject_label,
        first_build: !staged.target_dir.exists(),
        held_back: (!suite.held_back.is_empty()).then(|| {
            let tests = suite.held_back.iter().map(|h| h.tests).sum();
            (tests, suite.held_back.iter().map(|h| h.points).sum())
        }),
    });
}

/// How [`run_tests`] runs a grade's tests.
#[derive(Debug, Clone, Copy)]
struct Runs {
    /// Self-study: re-use the verdicts of tiers nothing of which changed.
    reusing: bool,
    /// Start held-back tests only once every other test has ended (`run::Job::held_back`).
    held_back_last: bool,
}

/// Every test's outcome, in the suite's order: re-used (self-study, a tier nothing of which
/// changed), run in its own sandboxed process, or explained (its tier was refused or did not
/// compile); and the protections the runs had.
fn run_tests(
    course: &Course,
    staged: &stage::Staged,
    suite: &Suite,
    built: &compile::Built,
    store: &reuse::Store,
    how: Runs,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<(Vec<Outcome>, Protections)> {
    let Runs {
        reusing,
        held_back_last,
    } = how;
    let mut reused = if reusing {
        reused_verdicts(store, built, suite)
    } else {
        BTreeMap::new()
    };
    let runnable = |spec: &TestSpec| built.binaries.contains_key(&spec.tier);
    let mut to_run: Vec<&TestSpec> = suite
        .tests
        .iter()
        .filter(|spec| runnable(spec) && !reused.contains_key(spec.name.as_str()))
        .collect();
    // Self-study: the tests that took longest last time start first, so the slowest does not start
    // last and finish alone while the other workers idle (lesson05's edited beginner tier ended
    // a re-grade about 0.1 s later in the suite's order). The outcomes keep the suite's order.
    if reusing {
        to_run.sort_by_key(|spec| std::cmp::Reverse(store.last_duration(spec.tier, &spec.name)));
    }
    for spec in &suite.tests {
        if let Some(outcome) = reused.get(spec.name.as_str()) {
            on_event(Event::TestDone { spec, outcome });
        }
    }
    // One directory per grading process, so two grades of the same subject never share test dirs.
    let run_root = course
        .work_dir()
        .join("runs")
        .join(staged.dir.file_name().unwrap_or_default())
        .join(std::process::id().to_string());
    let jobs: Vec<Job> = to_run
        .iter()
        .map(|spec| Job {
            test: spec.name.clone(),
            binary: built.binaries[&spec.tier].clone(),
            timeout: suite.timeout(spec),
            dir: run_root.join(&spec.name),
            held_back: held_back_last && spec.visibility != crate::suite::Visibility::Visible,
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
    // What the tests left behind is of no further use; a failure to remove it is harmless.
    let _ = std::fs::remove_dir_all(&run_root);
    let sandbox = match store.protections() {
        Some(stored) if jobs.is_empty() && !reused.is_empty() => stored,
        _ => sandbox,
    };
    let mut ran: BTreeMap<&str, Outcome> = to_run.iter().map(|spec| spec.name.as_str()).zip(ran).collect();
    let outcomes = suite
        .tests
        .iter()
        .map(|spec| {
            if let Some(outcome) = reused.remove(spec.name.as_str()) {
                outcome
            } else if runnable(spec) {
                let outcome = ran.remove(spec.name.as_str()).expect("one outcome per job");
                explain_timeout(spec, outcome)
            } else {
                not_built(spec, built)
            }
        })
        .collect();
    Ok((outcomes, sandbox))
}

/// Self-study: test name → its re-used outcome, for whole tiers whose binary, suite and grader did
/// not change since the last grade.
fn reused_verdicts<'a>(
    store: &reuse::Store,
    built: &compile::Built,
    suite: &'a Suite,
) -> BTreeMap<&'a str, Outcome> {
    let mut reused = BTreeMap::new();
    for tier in &built.fresh {
        let names: Vec<&str> = suite.tier_tests(*tier).map(|s| s.name.as_str()).collect();
        let kept =
            reuse::key(&built.binaries[tier], suite.digest).and_then(|key| store.reuse(*tier, &key, &names));
        if let Some(outcomes) = kept {
            reused.extend(names.into_iter().zip(outcomes));
        }
    }
    reused
}

/// The outcome of a test whose tier has no binary: its file missing, refused or not compiling.
fn not_built(spec: &TestSpec, built: &compile::Built) -> Outcome {
    if let Some(message) = built.missing.get(&spec.tier) {
        return Outcome::new(Status::NotStarted, format!("{message}, so this test did not run"));
    }
    let (status, why) = if built.refused.contains_key(&spec.tier) {
        (Status::Refused, "uses what this lesson does not allow")
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
