//! `cargo xtask mutants LESSON`: how many wrong solutions a hidden suite rejects.
//!
//! cargo-mutants lists small changes to the reference solution's tier files (a `<` become `<=`, a
//! body replaced by a default value); each one is applied to a copy of the solution and graded as a
//! submission through the ordinary pipeline ([`crate::grade`]). One scratch submission directory
//! serves every mutant, so the staged crate and its build cache stay the same and each rebuild is
//! incremental. A mutant that loses a point is caught; one with full marks is missed; one whose tier
//! does not compile is unviable and, like the suite's listed equivalent mutants, left out of the score.

pub mod command;
pub mod list;
pub mod report;
pub mod score;

use crate::course::{Course, Lesson};
use crate::error::{Error, Result, io};
use crate::grade::{Request, grade};
use crate::stage::Subject;
use crate::suite::Suite;
use crate::tier::Tier;
use list::Mutant;
use score::{Figures, Graded};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// The version of the JSON document; fields may be added, never renamed.
pub const FORMAT_VERSION: u32 = 1;

/// Progress, for a front end that streams.
#[derive(Debug)]
pub enum Event<'a> {
    /// The mutants are listed and the unmutated copy is about to be graded.
    Listed { lesson: &'a Lesson, mutants: usize },
    /// The unmutated copy scored full marks (checked before any mutant counts).
    Baseline { duration_ms: u64 },
    /// One mutant was graded.
    Graded {
        index: usize,
        total: usize,
        graded: &'a Graded,
    },
}

/// The outcome of a run: every mutant's verdict and the figures.
#[derive(Debug, Clone, Serialize)]
pub struct MutantsReport {
    pub format_version: u32,
    pub lesson: String,
    pub title: String,
    pub duration_ms: u64,
    /// The lesson's figures; `score` is the mutation score in percent.
    pub total: Figures,
    pub tiers: Vec<TierFigures>,
    pub mutants: Vec<Graded>,
}

/// One tier's figures.
#[derive(Debug, Clone, Serialize)]
pub struct TierFigures {
    pub tier: Tier,
    #[serde(flatten)]
    pub figures: Figures,
}

impl MutantsReport {
    /// Mutants graded full marks and not listed as equivalent: the suite's gaps.
    pub fn missed(&self) -> impl Iterator<Item = &Graded> {
        self.mutants
            .iter()
            .filter(|g| g.equivalent.is_none() && g.verdict == score::Verdict::Missed)
    }

    /// Mutants listed as equivalent that lost points anyway: their entry's claim is wrong.
    pub fn caught_equivalents(&self) -> impl Iterator<Item = &Graded> {
        self.mutants
            .iter()
            .filter(|g| g.equivalent.is_some() && g.verdict.is_caught())
    }
}

/// The tier files of `tiers` as cargo-mutants and `suite.toml` name them: `src/beginner.rs`.
pub fn tier_files(tiers: &[Tier]) -> Vec<String> {
    tiers.iter().map(|t| format!("src/{}", t.file_name())).collect()
}

/// Lists the mutants of a lesson's solution tier files with cargo-mutants.
pub fn list_mutants(course: &Course, lesson: &Lesson, tiers: &[Tier]) -> Result<Vec<Mutant>> {
    let crate_dir = course.display_path(&course.solution_dir(lesson));
    let files: Vec<String> = tier_files(tiers)
        .iter()
        .map(|f| format!("{crate_dir}/{f}"))
        .collect();
    let json = list::cargo_mutants_list(course.root(), &files)?;
    list::parse(&json, &crate_dir)
}

/// Reads a mutant list recorded from `cargo mutants --list --json` (e.g. by a test), keeping the
/// mutants of `tiers`.
pub fn read_mutants(course: &Course, lesson: &Lesson, json: &str, tiers: &[Tier]) -> Result<Vec<Mutant>> {
    let crate_dir = course.display_path(&course.solution_dir(lesson));
    Ok(list::parse(json, &crate_dir)?
        .into_iter()
        .filter(|m| tiers.contains(&m.tier))
        .collect())
}

/// Grades every mutant of `tiers` as a submission of `lesson`.
pub fn test_mutants(
    course: &Course,
    lesson: &Lesson,
    tiers: &[Tier],
    mutants: Vec<Mutant>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<MutantsReport> {
    let started = Instant::now();
    let suite_dir = course.suite_dir(lesson);
    let suite = Suite::load(&suite_dir)?;
    let equivalents = score::match_equivalents(&mutants, &suite.equivalent_mutants, &tier_files(tiers))
        .map_err(|mismatch| {
            let path = suite_dir.join("suite.toml");
            match mismatch {
                score::EquivalentMismatch::Stale(entry) => Error::UnknownEquivalent {
                    path,
                    file: entry.file.clone(),
                    at: entry.line.map(|l| format!(" at line {l}")).unwrap_or_default(),
                    mutant: entry.mutant.clone(),
                },
                score::EquivalentMismatch::Ambiguous(entry, lines) => Error::AmbiguousEquivalent {
                    path,
                    file: entry.file.clone(),
                    mutant: entry.mutant.clone(),
                    lines: lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", "),
                },
            }
        })?;

    let scratch = Scratch::new(course, lesson)?;
    on_event(Event::Listed {
        lesson,
        mutants: mutants.len(),
    });
    let request = Request {
        lesson: lesson.id.clone(),
        subject: Subject::Submission(scratch.dir.clone()),
        reuse: false,
    };
    let baseline_started = Instant::now();
    let baseline = grade(course, &request, &mut |_| {})?;
    if baseline.score < baseline.max_score {
        return Err(Error::ReferenceNotFull {
            lesson: lesson.id.clone(),
            score: baseline.score,
            max_score: baseline.max_score,
        });
    }
    on_event(Event::Baseline {
        duration_ms: baseline_started.elapsed().as_millis() as u64,
    });

    let total = mutants.len();
    let mut graded = Vec::with_capacity(total);
    for (index, (mutant, equivalent)) in mutants.into_iter().zip(equivalents).enumerate() {
        let mutant_started = Instant::now();
        scratch.write(mutant.tier, &list::apply(scratch.original(mutant.tier), &mutant)?)?;
        let result = grade(course, &request, &mut |_| {});
        // Restore before looking at the result, so an error leaves the scratch copy unmutated.
        scratch.write(mutant.tier, scratch.original(mutant.tier))?;
        let report = result?;
        let one = Graded {
            verdict: score::verdict(&mutant, &report),
            equivalent,
            score: report.score,
            max_score: report.max_score,
            failed_tests: report
                .tests
                .iter()
                .filter(|t| t.score < t.max_score)
                .map(|t| t.name.clone())
                .collect(),
            duration_ms: mutant_started.elapsed().as_millis() as u64,
            mutant,
        };
        on_event(Event::Graded {
            index,
            total,
            graded: &one,
        });
        graded.push(one);
    }

    let (tiers, total) = score::figures(&graded);
    Ok(MutantsReport {
        format_version: FORMAT_VERSION,
        lesson: lesson.id.clone(),
        title: suite.title,
        duration_ms: started.elapsed().as_millis() as u64,
        total,
        tiers: tiers
            .into_iter()
            .map(|(tier, figures)| TierFigures { tier, figures })
            .collect(),
        mutants: graded,
    })
}

/// The one submission directory every mutant is graded from: a copy of the solution's tier files
/// under `target/threadlab/mutants/<lesson>/src/`.
struct Scratch {
    dir: PathBuf,
    originals: Vec<(Tier, String)>,
}

impl Scratch {
    fn new(course: &Course, lesson: &Lesson) -> Result<Scratch> {
        let dir = course.work_dir().join("mutants").join(&lesson.id);
        let src = dir.join("src");
        std::fs::create_dir_all(&src).map_err(io("create", &src))?;
        let solution = course.solution_dir(lesson).join("src");
        let mut originals = Vec::new();
        for tier in Tier::ALL {
            let from = solution.join(tier.file_name());
            let text = std::fs::read_to_string(&from).map_err(io("read", &from))?;
            originals.push((tier, text));
        }
        let scratch = Scratch { dir, originals };
        for (tier, text) in &scratch.originals {
            scratch.write(*tier, text)?;
        }
        Ok(scratch)
    }

    fn original(&self, tier: Tier) -> &str {
        self.originals
            .iter()
            .find(|(t, _)| *t == tier)
            .map(|(_, text)| text.as_str())
            .expect("every tier is read")
    }

    fn write(&self, tier: Tier, text: &str) -> Result<()> {
        let path = self.dir.join("src").join(tier.file_name());
        std::fs::write(&path, text).map_err(io("write", &path))
    }
}
