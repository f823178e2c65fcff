//! The learner's progress between grades: each tier's best and last score, the tests that did not pass
//! in the last grade, and how far `hint` has gone for each. Kept in `.threadlab/progress.json`; only
//! grades of the learner's own `lessons/` are recorded, never a submission or the reference.

use crate::course::Course;
use crate::error::{Result, io};
use crate::report::Report;
use crate::score::TierStatus;
use crate::tier::Tier;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Everything kept, by lesson id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
}

/// One lesson's record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    #[serde(default)]
    pub tiers: BTreeMap<Tier, TierProgress>,
    /// The tests that did not pass in the last grade, in suite order.
    #[serde(default)]
    pub not_passed: Vec<NotPassed>,
    /// How many hint levels `hint` has shown, by test name.
    #[serde(default)]
    pub hint_levels: BTreeMap<String, u8>,
}

/// A tier's scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierProgress {
    pub best: u32,
    pub last: u32,
    pub max: u32,
    /// The last grade's status (`passed`, `partial`, ...).
    pub status: TierStatus,
}

/// A test that did not pass, with what the grader said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotPassed {
    pub name: String,
    pub tier: Tier,
    pub status: String,
    pub message: String,
}

fn path(course: &Course) -> PathBuf {
    super::state_dir(course).join("progress.json")
}

impl Progress {
    /// The saved progress; nothing saved (or a file this version cannot read) is a fresh start.
    pub fn load(course: &Course) -> Progress {
        std::fs::read_to_string(path(course))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Writes the progress file (through a temporary file, so a crash never leaves half a file).
    pub fn save(&self, course: &Course) -> Result<()> {
        let path = path(course);
        let dir = path.parent().expect("progress.json has a parent");
        std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        let temporary = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("progress always serializes");
        std::fs::write(&temporary, text).map_err(io("write", &temporary))?;
        std::fs::rename(&temporary, &path).map_err(io("write", &path))
    }

    /// Takes in one grade of the learner's own files.
    pub fn record(&mut self, report: &Report) {
        let lesson = self.lessons.entry(report.lesson.clone()).or_default();
        for tier in &report.tiers {
            let best = lesson.tiers.get(&tier.tier).map_or(0, |t| t.best);
            lesson.tiers.insert(
                tier.tier,
                TierProgress {
                    best: best.max(tier.score),
                    last: tier.score,
                    max: tier.max_score,
                    status: tier.status,
                },
            );
        }
        lesson.not_passed = report
            .tests
            .iter()
            .filter(|t| t.status != crate::outcome::Status::Passed)
            .map(|t| NotPassed {
                name: t.name.clone(),
                tier: t.tier,
                status: t.status.as_str().to_owned(),
                message: t.message.clone(),
            })
            .collect();
        // A test that passes again starts its hints over the next time it fails.
        let failing: Vec<&str> = lesson.not_passed.iter().map(|t| t.name.as_str()).collect();
        lesson
            .hint_levels
            .retain(|name, _| failing.contains(&name.as_str()));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::outcome::Status;
    use crate::score::{TestReport, TierReport};
    use crate::suite::Visibility;

    pub(crate) fn report(lesson: &str, results: &[(&str, Tier, u32, u32, Status)]) -> Report {
        let tests: Vec<TestReport> = results
            .iter()
            .map(|(name, tier, score, max, status)| TestReport {
                name: (*name).to_owned(),
                tier: *tier,
                score: *score,
                max_score: *max,
                status: *status,
                message: format!("{name} said why"),
                hint: String::new(),
                duration_ms: 1,
                visibility: Visibility::Visible,
                output: String::new(),
                trace: None,
                reused: false,
            })
            .collect();
        let tiers = Tier::ALL
            .into_iter()
            .map(|tier| {
                let of: Vec<_> = tests.iter().filter(|t| t.tier == tier).collect();
                let score = of.iter().map(|t| t.score).sum();
                let max_score = of.iter().map(|t| t.max_score).sum();
                TierReport {
                    tier,
                    score,
                    max_score,
                    status: if score == max_score {
                        TierStatus::Passed
                    } else {
                        TierStatus::Partial
                    },
                    message: String::new(),
                }
            })
            .collect();
        Report {
            format_version: 1,
            lesson: lesson.to_owned(),
            title: "T".to_owned(),
            subject: "lessons/x".to_owned(),
            score: tests.iter().map(|t| t.score).sum(),
            max_score: tests.iter().map(|t| t.max_score).sum(),
            duration_ms: 1,
            tiers,
            tests,
            sandbox: Default::default(),
            phases_ms: Default::default(),
            provenance: Default::default(),
        }
    }

    #[test]
    fn best_is_kept_last_is_replaced_and_passing_tests_forget_their_hints() {
        let mut progress = Progress::default();
        progress.record(&report(
            "lesson05",
            &[
                ("a", Tier::Beginner, 5, 5, Status::Passed),
                ("b", Tier::Beginner, 0, 5, Status::Failed),
            ],
        ));
        let lesson = progress.lessons.get_mut("lesson05").unwrap();
        assert_eq!(lesson.not_passed.len(), 1);
        lesson.hint_levels.insert("b".into(), 2);
        progress.record(&report(
            "lesson05",
            &[
                ("a", Tier::Beginner, 0, 5, Status::Failed),
                ("b", Tier::Beginner, 5, 5, Status::Passed),
            ],
        ));
        let lesson = &progress.lessons["lesson05"];
        let beginner = lesson.tiers[&Tier::Beginner];
        assert_eq!((beginner.best, beginner.last, beginner.max), (5, 5, 10));
        assert_eq!(lesson.not_passed[0].name, "a");
        assert!(lesson.hint_levels.is_empty(), "b passed, so its hints start over");
    }

    #[test]
    fn progress_survives_a_save_and_a_broken_file_is_a_fresh_start() {
        let root = tempfile::tempdir().unwrap();
        let course = Course::new(root.path());
        assert_eq!(Progress::load(&course), Progress::default());
        let mut progress = Progress::default();
        progress.record(&report(
            "lesson01",
            &[("a", Tier::Advanced, 3, 5, Status::Failed)],
        ));
        progress.save(&course).unwrap();
        assert_eq!(Progress::load(&course), progress);
        std::fs::write(root.path().join(".threadlab/progress.json"), "{not json").unwrap();
        assert_eq!(Progress::load(&course), Progress::default());
    }
}
