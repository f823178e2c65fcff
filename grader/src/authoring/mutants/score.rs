//! Judging mutants: a graded mutant's verdict, the suite's equivalent-mutant list matched against
//! the current mutants, and the mutation score per tier and for the lesson (pure functions).

use super::list::Mutant;
use crate::report::Report;
use crate::score::TierStatus;
use crate::suite::EquivalentMutant;
use crate::tier::Tier;
use serde::Serialize;

/// What grading a mutant as a submission showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// It lost at least one point: the suite rejects this wrong solution.
    Caught,
    /// Like `Caught`, and at least one test timed out (a hang counts as caught).
    TimedOut,
    /// Full marks: the suite cannot tell it from the reference.
    Missed,
    /// Its tier does not compile; left out of the score.
    Unviable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Caught => "caught",
            Verdict::TimedOut => "timed_out",
            Verdict::Missed => "missed",
            Verdict::Unviable => "unviable",
        }
    }

    /// Counts toward the caught figure.
    pub fn is_caught(self) -> bool {
        matches!(self, Verdict::Caught | Verdict::TimedOut)
    }
}

/// The verdict of one mutant's grade.
pub fn verdict(mutant: &Mutant, report: &Report) -> Verdict {
    let mutated_tier_broken = report
        .tiers
        .iter()
        .any(|t| t.tier == mutant.tier && t.status == TierStatus::CompileError);
    if mutated_tier_broken {
        Verdict::Unviable
    } else if report.score < report.max_score {
        let hung = report
            .tests
            .iter()
            .any(|t| t.status == crate::outcome::Status::TimedOut);
        if hung { Verdict::TimedOut } else { Verdict::Caught }
    } else {
        Verdict::Missed
    }
}

/// One graded mutant.
#[derive(Debug, Clone, Serialize)]
pub struct Graded {
    #[serde(flatten)]
    pub mutant: Mutant,
    pub verdict: Verdict,
    /// Listed in `suite.toml` as equivalent, with the entry's reason: shown, left out of the score.
    pub equivalent: Option<String>,
    pub score: u32,
    pub max_score: u32,
    /// The tests that did not pass.
    pub failed_tests: Vec<String>,
    pub duration_ms: u64,
}

/// Why the suite's equivalent-mutant list does not fit the current mutants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EquivalentMismatch<'a> {
    /// The entry names no current mutant: a stale entry would hide nothing and mislead.
    Stale(&'a EquivalentMutant),
    /// The entry gives no line and several mutants (on these lines) share its description.
    Ambiguous(&'a EquivalentMutant, Vec<usize>),
}

/// For each mutant, the reason of the `[[equivalent_mutants]]` entry that names it; or the first entry
/// that names none or, without a `line`, more than one. Entries for files outside `files` are not
/// checked (the run covers only some tiers).
pub fn match_equivalents<'a>(
    mutants: &[Mutant],
    entries: &'a [EquivalentMutant],
    files: &[String],
) -> Result<Vec<Option<String>>, EquivalentMismatch<'a>> {
    let names = |m: &Mutant, e: &EquivalentMutant| {
        m.file == e.file && m.description == e.mutant && e.line.is_none_or(|line| line == m.line)
    };
    for entry in entries.iter().filter(|e| files.contains(&e.file)) {
        let lines: Vec<usize> = mutants
            .iter()
            .filter(|m| names(m, entry))
            .map(|m| m.line)
            .collect();
        if lines.is_empty() {
            return Err(EquivalentMismatch::Stale(entry));
        }
        // cargo-mutants can list the same change twice on one line (rarely); different lines mean
        // different code.
        if lines.iter().any(|&l| l != lines[0]) {
            return Err(EquivalentMismatch::Ambiguous(entry, lines));
        }
    }
    Ok(mutants
        .iter()
        .map(|m| entries.iter().find(|e| names(m, e)).map(|e| e.reason.clone()))
        .collect())
}

/// The figures of one tier, or of the lesson.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Mutants listed.
    pub mutants: usize,
    /// Compiled and not equivalent: the score's denominator.
    pub viable: usize,
    pub caught: usize,
    pub missed: usize,
    pub unviable: usize,
    pub equivalent: usize,
    /// Of `caught`, how many hung (timed out).
    pub timed_out: usize,
    /// `caught` as a percentage of `viable` (100 when nothing is viable).
    pub score: f64,
}

impl Figures {
    fn add(&mut self, graded: &Graded) {
        self.mutants += 1;
        if graded.equivalent.is_some() {
            self.equivalent += 1;
        } else if graded.verdict == Verdict::Unviable {
            self.unviable += 1;
        } else {
            self.viable += 1;
            if graded.verdict.is_caught() {
                self.caught += 1;
                self.timed_out += usize::from(graded.verdict == Verdict::TimedOut);
            } else {
                self.missed += 1;
            }
        }
        self.score = if self.viable == 0 {
            100.0
        } else {
            self.caught as f64 * 100.0 / self.viable as f64
        };
    }
}

/// The figures per tier (only tiers with mutants, in tier order) and for the whole lesson.
pub fn figures(graded: &[Graded]) -> (Vec<(Tier, Figures)>, Figures) {
    let mut total = Figures {
        score: 100.0,
        ..Figures::default()
    };
    let mut tiers = Vec::new();
    for tier in Tier::ALL {
        let mut figures = Figures {
            score: 100.0,
            ..Figures::default()
        };
        for g in graded.iter().filter(|g| g.mutant.tier == tier) {
            figures.add(g);
            total.add(g);
        }
        if figures.mutants > 0 {
            tiers.push((tier, figures));
        }
    }
    (tiers, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authoring::mutants::list::Span;
    use crate::outcome::Status;
    use crate::score::{TestReport, TierReport};
    use crate::suite::Visibility;

    fn mutant(tier: Tier, description: &str) -> Mutant {
        Mutant {
            file: format!("src/{}", tier.file_name()),
            tier,
            line: 1,
            column: 1,
            description: description.into(),
            replacement: "x".into(),
            span: Span::default(),
        }
    }

    fn report(statuses: &[(Tier, Status)], broken: Option<Tier>) -> Report {
        let tests: Vec<TestReport> = statuses
            .iter()
            .enumerate()
            .map(|(i, &(tier, status))| TestReport {
                name: format!("t{i}"),
                tier,
                score: if status == Status::Passed { 2 } else { 0 },
                max_score: 2,
                status,
                message: String::new(),
                hint: String::new(),
                duration_ms: 0,
                visibility: Visibility::Visible,
                output: String::new(),
                trace: None,
                reused: false,
            })
            .collect();
        let tiers = Tier::ALL
            .into_iter()
            .map(|tier| TierReport {
                tier,
                score: 0,
                max_score: 0,
                status: if broken == Some(tier) {
                    TierStatus::CompileError
                } else {
                    TierStatus::Passed
                },
                message: String::new(),
            })
            .collect();
        Report {
            format_version: 1,
            lesson: "lesson05".into(),
            title: "T".into(),
            subject: "s".into(),
            score: tests.iter().map(|t| t.score).sum(),
            max_score: tests.iter().map(|t| t.max_score).sum(),
            duration_ms: 0,
            tiers,
            tests,
            sandbox: Default::default(),
            phases_ms: Default::default(),
            provenance: Default::default(),
        }
    }

    #[test]
    fn a_lost_point_catches_a_hang_counts_as_caught_full_marks_miss_and_a_broken_tier_is_unviable() {
        let m = mutant(Tier::Intermediate, "replace + with - in f");
        let b = Tier::Beginner;
        let i = Tier::Intermediate;
        let pass = Status::Passed;
        assert_eq!(
            verdict(&m, &report(&[(b, pass), (i, Status::Failed)], None)),
            Verdict::Caught
        );
        assert_eq!(
            verdict(&m, &report(&[(b, pass), (i, Status::TimedOut)], None)),
            Verdict::TimedOut
        );
        assert_eq!(
            verdict(&m, &report(&[(b, pass), (i, pass)], None)),
            Verdict::Missed
        );
        assert_eq!(
            verdict(&m, &report(&[(b, pass), (i, Status::CompileError)], Some(i))),
            Verdict::Unviable
        );
        // Another tier failing to build is not this mutant's doing; the lost points still count.
        assert_eq!(
            verdict(&m, &report(&[(b, Status::CompileError), (i, pass)], Some(b))),
            Verdict::Caught
        );
    }

    fn entry(file: &str, mutant: &str) -> EquivalentMutant {
        EquivalentMutant {
            file: file.into(),
            mutant: mutant.into(),
            line: None,
            reason: "r".into(),
        }
    }

    #[test]
    fn equivalents_match_by_file_and_description_and_a_stale_entry_is_named() {
        let mutants = [
            mutant(Tier::Advanced, "replace < with <= in Bank::transfer"),
            mutant(Tier::Advanced, "replace < with > in Bank::transfer"),
            mutant(Tier::Beginner, "replace < with <= in Bank::transfer"),
        ];
        let files = vec!["src/beginner.rs".to_owned(), "src/advanced.rs".to_owned()];
        let entries = [entry("src/advanced.rs", "replace < with <= in Bank::transfer")];
        assert_eq!(
            match_equivalents(&mutants, &entries, &files).unwrap(),
            vec![Some("r".to_owned()), None, None]
        );
        let stale = [
            entries[0].clone(),
            entry("src/advanced.rs", "replace < with == in Bank::transfer"),
        ];
        assert_eq!(
            match_equivalents(&mutants, &stale, &files).unwrap_err(),
            EquivalentMismatch::Stale(&stale[1])
        );
        // An entry for a tier this run does not cover is not checked.
        let other = [entry("src/intermediate.rs", "gone")];
        assert_eq!(
            match_equivalents(&mutants, &other, &files).unwrap(),
            vec![None; 3]
        );
    }

    #[test]
    fn an_entry_shared_by_mutants_on_several_lines_needs_its_line() {
        let at = |line: usize, description: &str| Mutant {
            line,
            ..mutant(Tier::Advanced, description)
        };
        let mutants = [
            at(76, "replace < with <= in Bank::transfer"),
            at(81, "replace < with <= in Bank::transfer"),
        ];
        let files = vec!["src/advanced.rs".to_owned()];
        let bare = [entry("src/advanced.rs", "replace < with <= in Bank::transfer")];
        assert_eq!(
            match_equivalents(&mutants, &bare, &files).unwrap_err(),
            EquivalentMismatch::Ambiguous(&bare[0], vec![76, 81])
        );
        let lined = [EquivalentMutant {
            line: Some(76),
            ..bare[0].clone()
        }];
        assert_eq!(
            match_equivalents(&mutants, &lined, &files).unwrap(),
            vec![Some("r".to_owned()), None]
        );
        let moved = [EquivalentMutant {
            line: Some(77),
            ..bare[0].clone()
        }];
        assert_eq!(
            match_equivalents(&mutants, &moved, &files).unwrap_err(),
            EquivalentMismatch::Stale(&moved[0])
        );
    }

    fn graded(tier: Tier, verdict: Verdict, equivalent: bool) -> Graded {
        Graded {
            mutant: mutant(tier, "d"),
            verdict,
            equivalent: equivalent.then(|| "r".to_owned()),
            score: 0,
            max_score: 0,
            failed_tests: Vec::new(),
            duration_ms: 0,
        }
    }

    #[test]
    fn the_score_is_caught_over_viable_leaving_out_unviable_and_equivalent_mutants() {
        let all = [
            graded(Tier::Beginner, Verdict::Caught, false),
            graded(Tier::Beginner, Verdict::TimedOut, false),
            graded(Tier::Beginner, Verdict::Missed, false),
            graded(Tier::Beginner, Verdict::Unviable, false),
            graded(Tier::Advanced, Verdict::Missed, true),
            graded(Tier::Advanced, Verdict::Caught, false),
        ];
        let (tiers, total) = figures(&all);
        assert_eq!(tiers.len(), 2, "only tiers with mutants");
        let (tier, beginner) = tiers[0];
        assert_eq!(tier, Tier::Beginner);
        assert_eq!(
            (
                beginner.mutants,
                beginner.viable,
                beginner.caught,
                beginner.missed,
                beginner.unviable,
                beginner.timed_out
            ),
            (4, 3, 2, 1, 1, 1)
        );
        assert!((beginner.score - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(tiers[1].1.equivalent, 1);
        assert_eq!(tiers[1].1.score, 100.0);
        assert_eq!((total.mutants, total.viable, total.caught), (6, 4, 3));
        assert_eq!(total.score, 75.0);
        assert_eq!(figures(&[]).1.score, 100.0, "nothing viable scores 100");
    }
}
