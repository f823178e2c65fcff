//! Self-study only: the last verdicts of a tier nothing of which changed, shown as re-used.
//!
//! A learner re-grades after every edit, and an edit touches one tier file. The other tiers' test
//! binaries are then exactly the ones that ran last time (cargo found them up to date), graded by
//! the same grader against the same suite, so running them again would only repeat the same
//! deterministic verdicts. Their outcomes are kept in `target/threadlab/verdicts/` with a key made
//! of everything a verdict depends on: the test binary (path, size, modification time: cargo
//! rewrites it whenever the learner's tier file, the hidden tests, the harness or a dependency
//! change), the suite manifest's text (points, timeouts) and the grader's own executable.
//!
//! Never for a `--submission`, the reference, a batch, Gradescope or `--repeat`: those always run
//! every test (the caller decides, through `Request::reuse`).

use crate::course::Lesson;
use crate::error::{Result, io};
use crate::outcome::{Outcome, Status};
use crate::sandbox::Protections;
use crate::tier::Tier;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

/// The stored verdicts of one lesson's learner crate.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Store {
    tiers: BTreeMap<Tier, StoredTier>,
    /// The protections of the last grade that ran tests: a grade that re-uses every tier reports
    /// those its verdicts were obtained under.
    #[serde(default)]
    sandbox: Option<StoredProtections>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredProtections {
    landlock: String,
    pid_namespace: bool,
    #[serde(default)]
    network_namespace: bool,
    unprivileged_user: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredTier {
    key: String,
    /// Test name → its outcome, for every test of the tier.
    outcomes: BTreeMap<String, StoredOutcome>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredOutcome {
    status: Status,
    message: String,
    output: String,
    duration_ms: u64,
}

/// Where a lesson's verdicts are kept.
pub fn path(work_dir: &Path, lesson: &Lesson) -> PathBuf {
    work_dir.join("verdicts").join(format!("{}.json", lesson.id))
}

/// What a tier's verdicts depend on, or `None` when it cannot be told (then nothing is re-used).
pub fn key(binary: &Path, suite_digest: u64) -> Option<String> {
    let identity = |path: &Path| -> Option<String> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(format!(
            "{}:{}:{}",
            path.display(),
            meta.len(),
            modified.as_nanos()
        ))
    };
    let grader = identity(&std::env::current_exe().ok()?)?;
    Some(format!(
        "{}|{grader}|suite {:016x}",
        identity(binary)?,
        suite_digest
    ))
}

impl Store {
    /// The stored verdicts, or none when there are none or they cannot be read (a missing or damaged
    /// store only costs a full run).
    pub fn load(path: &Path) -> Store {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// The outcomes of `tier`'s tests if they were stored under `key` and every test of `names` has
    /// one. Each comes back marked as re-used.
    pub fn reuse(&self, tier: Tier, key: &str, names: &[&str]) -> Option<Vec<Outcome>> {
        let stored = self.tiers.get(&tier).filter(|s| s.key == key)?;
        names
            .iter()
            .map(|name| {
                let s = stored.outcomes.get(*name)?;
                Some(Outcome {
                    status: s.status,
                    message: s.message.clone(),
                    output: s.output.clone(),
                    duration: Duration::from_millis(s.duration_ms),
                    reused: true,
                })
            })
            .collect()
    }

    /// How long `tier`'s test `name` took when it last ran, whatever binary it ran from: a hint for
    /// the order of the next run, never a verdict.
    pub fn last_duration(&self, tier: Tier, name: &str) -> Option<Duration> {
        let stored = self.tiers.get(&tier)?.outcomes.get(name)?;
        Some(Duration::from_millis(stored.duration_ms))
    }

    /// Keeps `tier`'s outcomes under `key` (replacing what was there).
    pub fn keep(&mut self, tier: Tier, key: String, outcomes: &[(&str, &Outcome)]) {
        let outcomes = outcomes
            .iter()
            .map(|(name, o)| {
                let stored = StoredOutcome {
                    status: o.status,
                    message: o.message.clone(),
                    output: o.output.clone(),
                    duration_ms: o.duration.as_millis() as u64,
                };
                ((*name).to_owned(), stored)
            })
            .collect();
        self.tiers.insert(tier, StoredTier { key, outcomes });
    }

    /// Remembers the protections tests just ran under.
    pub fn keep_protections(&mut self, protections: &Protections) {
        self.sandbox = Some(StoredProtections {
            landlock: protections.landlock.clone(),
            pid_namespace: protections.pid_namespace,
            network_namespace: protections.network_namespace,
            unprivileged_user: protections.unprivileged_user,
        });
    }

    /// The protections of the last grade that ran tests.
    pub fn protections(&self) -> Option<Protections> {
        self.sandbox.as_ref().map(|s| Protections {
            landlock: s.landlock.clone(),
            pid_namespace: s.pid_namespace,
            network_namespace: s.network_namespace,
            unprivileged_user: s.unprivileged_user,
            verdict: crate::run::VERDICT,
            compile: String::new(),
        })
    }

    /// Forgets `tier` (it did not build, or was not graded this time).
    pub fn forget(&mut self, tier: Tier) {
        self.tiers.remove(&tier);
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        let text = serde_json::to_string(self).expect("verdicts serialize");
        std::fs::write(path, text).map_err(io("write", path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Status) -> Outcome {
        Outcome::new(status, "why")
    }

    #[test]
    fn verdicts_come_back_only_under_the_same_key_and_marked_reused() {
        let mut store = Store::default();
        let (a, b) = (outcome(Status::Passed), outcome(Status::Failed));
        store.keep(Tier::Beginner, "k1".into(), &[("a", &a), ("b", &b)]);
        let back = store.reuse(Tier::Beginner, "k1", &["a", "b"]).unwrap();
        assert_eq!(
            back.iter().map(|o| o.status).collect::<Vec<_>>(),
            [Status::Passed, Status::Failed]
        );
        assert!(back.iter().all(|o| o.reused));
        assert!(
            store.reuse(Tier::Beginner, "k2", &["a", "b"]).is_none(),
            "another key"
        );
        assert!(
            store.reuse(Tier::Advanced, "k1", &["a"]).is_none(),
            "another tier"
        );
        assert!(
            store.reuse(Tier::Beginner, "k1", &["a", "c"]).is_none(),
            "a test added to the suite"
        );
        store.forget(Tier::Beginner);
        assert!(store.reuse(Tier::Beginner, "k1", &["a"]).is_none());
    }

    #[test]
    fn a_store_survives_a_round_trip_and_a_damaged_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v/lesson05.json");
        let mut store = Store::default();
        store.keep(
            Tier::Intermediate,
            "k".into(),
            &[("t", &outcome(Status::TimedOut))],
        );
        store.save(&file).unwrap();
        let back = Store::load(&file).reuse(Tier::Intermediate, "k", &["t"]).unwrap();
        assert_eq!(back[0].status, Status::TimedOut);
        std::fs::write(&file, "{not json").unwrap();
        assert!(
            Store::load(&file)
                .reuse(Tier::Intermediate, "k", &["t"])
                .is_none()
        );
    }

    #[test]
    fn the_key_changes_with_the_binary_and_the_suite() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("beginner");
        std::fs::write(&binary, "one").unwrap();
        let first = key(&binary, 1).unwrap();
        assert_eq!(key(&binary, 1).unwrap(), first);
        assert_ne!(key(&binary, 2).unwrap(), first, "the suite's manifest changed");
        std::fs::write(&binary, "relinked").unwrap();
        assert_ne!(key(&binary, 1).unwrap(), first);
        assert!(key(&dir.path().join("missing"), 1).is_none());
    }
}
