//! A hidden suite's manifest (`grader/suites/lessonNN-topic/suite.toml`): which tests exist, their
//! tier, points, timeout, hint and visibility, and how the lesson crate is built for them.

use crate::error::{Error, Result, io};
use crate::tier::Tier;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// Whether a test's name and message may be shown to the learner (Gradescope's terms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Visible,
    Hidden,
    AfterDueDate,
    AfterPublished,
}

/// One hidden test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    /// The function's name in `<tier>.rs`.
    pub name: String,
    pub tier: Tier,
    pub points: u32,
    /// Overrides the suite's `timeout_ms`.
    pub timeout_ms: Option<u64>,
    /// Shown under a failure: what to look at, never the answer.
    pub hint: String,
    /// Shown instead of the generic text when this test runs out of time: what a hang in this
    /// particular test means (e.g. "the writer thread never ended: was the sender dropped before
    /// join?").
    #[serde(default)]
    pub timeout_message: Option<String>,
    #[serde(default)]
    pub visibility: Visibility,
}

/// A lesson's hidden suite.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub title: String,
    /// A hash of the manifest's text (set by `load`, not read from it): re-used verdicts depend on
    /// every line of it (points, timeouts, tests).
    #[serde(skip)]
    pub digest: u64,
    /// Cargo features of the lesson crate turned on for grading (e.g. the checked facade).
    #[serde(default)]
    pub features: Vec<String>,
    /// Features of `threadlab-harness` turned on for grading.
    #[serde(default)]
    pub harness_features: Vec<String>,
    /// Workspace dependencies the hidden tests use (e.g. `assert_cmd`, `predicates`), by name.
    #[serde(default)]
    pub dev_dependencies: Vec<String>,
    /// Default per-test timeout.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    pub tests: Vec<TestSpec>,
    /// In a student copy (`cargo xtask export`): the tests left out of it, per tier. They run when the
    /// work is handed in.
    #[serde(default)]
    pub held_back: Vec<HeldBack>,
    /// What tier files may not use (std's threads behind the checked facade's back, course code
    /// that would do the exercise), checked by the compiler on resolved paths.
    #[serde(default)]
    pub disallow: Vec<Disallow>,
    /// Mutants of the solution that cannot change behaviour, left out of the mutation score.
    #[serde(default)]
    pub equivalent_mutants: Vec<EquivalentMutant>,
}

/// Items a tier file may not use, however it names them (an alias, a re-export, a raw identifier, a
/// path a macro builds): clippy's `disallowed_types`, `disallowed_methods` and `disallowed_macros`
/// see the compiler's resolved paths, so the rule holds where a scan of the tokens would not (see
/// `grading/disallow.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disallow {
    /// The tiers the rule holds in (all three when left out).
    #[serde(default = "all_tiers")]
    pub tiers: Vec<Tier>,
    /// Every thread, lock, atomic and channel of `std::sync` and `std::thread`: what the checked
    /// facade (`crate::sync`, `crate::thread`) replaces; and the functions of the checker's own log.
    #[serde(default)]
    pub std_sync_and_thread: bool,
    /// std's files, pipes, sockets and processes, and the process-wide settings a program can change
    /// (`std::env::set_var`, `set_current_dir`): state kept there changes outside the checker's view.
    #[serde(default)]
    pub std_fs_process_and_net: bool,
    /// Paths of types, e.g. `lesson04::interp::CourseGil` (the lesson's crate is named like it).
    #[serde(default)]
    pub types: Vec<String>,
    /// Paths of functions and methods, e.g. `std::thread::spawn`.
    #[serde(default)]
    pub functions: Vec<String>,
    /// Paths of macros, e.g. `std::thread_local`.
    #[serde(default)]
    pub macros: Vec<String>,
    /// Why, in the learner's terms (shown with the refused line).
    pub why: String,
}

fn all_tiers() -> Vec<Tier> {
    Tier::ALL.to_vec()
}

/// Tests of one tier that a student copy does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldBack {
    pub tier: Tier,
    pub tests: u32,
    pub points: u32,
}

/// A mutant of the reference solution that behaves exactly like it, so no test can catch it
/// (`cargo xtask mutants` leaves it out of the score and checks that it still exists).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EquivalentMutant {
    /// The tier file, relative to the lesson crate: `src/advanced.rs`.
    pub file: String,
    /// cargo-mutants' description without its `file:line:col: ` prefix:
    /// `replace < with <= in Bank::transfer`.
    pub mutant: String,
    /// The mutant's line, needed only when several mutants of the file share the description
    /// (`replace < with <= in Bank::transfer` can be two different comparisons).
    #[serde(default)]
    pub line: Option<usize>,
    /// Why no behaviour can differ.
    pub reason: String,
}

fn default_timeout_ms() -> u64 {
    10_000
}

impl Suite {
    /// Reads and checks `suite.toml` in `dir`.
    pub fn load(dir: &Path) -> Result<Suite> {
        let path = dir.join("suite.toml");
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        let mut suite: Suite = toml::from_str(&text).map_err(|e| Error::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        suite.digest = crate::stage::fnv1a(text.as_bytes());
        suite
            .validate()
            .map_err(|message| Error::Manifest { path, message })?;
        Ok(suite)
    }

    fn validate(&self) -> Result<(), String> {
        let mut names = BTreeSet::new();
        for test in &self.tests {
            if !names.insert(test.name.as_str()) {
                return Err(format!("test `{}` is listed twice", test.name));
            }
            if test.points == 0 {
                return Err(format!("test `{}` is worth 0 points", test.name));
            }
            if test.hint.trim().is_empty() {
                return Err(format!("test `{}` has no hint", test.name));
            }
        }
        for tier in Tier::ALL {
            let held_back = self.held_back.iter().any(|h| h.tier == tier && h.tests > 0);
            if !held_back && !self.tests.iter().any(|t| t.tier == tier) {
                return Err(format!("the {tier} tier has no tests"));
            }
        }
        let mut equivalents = BTreeSet::new();
        for entry in &self.equivalent_mutants {
            let what = format!("equivalent mutant `{}` in {}", entry.mutant, entry.file);
            if !Tier::ALL
                .iter()
                .any(|t| entry.file == format!("src/{}", t.file_name()))
            {
                return Err(format!(
                    "{what}: file must be src/beginner.rs, src/intermediate.rs or src/advanced.rs"
                ));
            }
            if entry.mutant.trim().is_empty() || entry.reason.trim().is_empty() {
                return Err(format!("{what}: needs a mutant description and a reason"));
            }
            if !equivalents.insert((&entry.file, &entry.mutant)) {
                return Err(format!("{what} is listed twice"));
            }
        }
        Ok(())
    }

    /// The tests of one tier, in manifest order.
    pub fn tier_tests(&self, tier: Tier) -> impl Iterator<Item = &TestSpec> {
        self.tests.iter().filter(move |t| t.tier == tier)
    }

    /// The time one test may take.
    pub fn timeout(&self, test: &TestSpec) -> Duration {
        Duration::from_millis(test.timeout_ms.unwrap_or(self.timeout_ms))
    }

    /// The message for `test` running out of time, when its manifest entry has its own.
    pub fn timeout_message(&self, test: &TestSpec) -> Option<String> {
        let own = test.timeout_message.as_deref()?.trim();
        Some(format!(
            "did not finish within {:.1} s: {own}",
            self.timeout(test).as_secs_f64()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Suite, String> {
        let suite: Suite = toml::from_str(text).map_err(|e| e.to_string())?;
        suite.validate()?;
        Ok(suite)
    }

    const TIERS: &str = r#"
[[tests]]
name = "b"
tier = "beginner"
points = 2
hint = "h"
[[tests]]
name = "i"
tier = "intermediate"
points = 3
hint = "h"
timeout_ms = 50
[[tests]]
name = "a"
tier = "advanced"
points = 4
hint = "h"
visibility = "hidden"
timeout_message = "the writer never ended: was the sender dropped before join?"
"#;

    #[test]
    fn a_manifest_gives_each_test_its_tier_points_and_timeout() {
        let suite = parse(&format!("title = \"T\"\n{TIERS}")).unwrap();
        assert_eq!(suite.tests.len(), 3);
        assert_eq!(suite.timeout(&suite.tests[0]), Duration::from_secs(10));
        assert_eq!(suite.timeout(&suite.tests[1]), Duration::from_millis(50));
        assert_eq!(suite.tests[2].visibility, Visibility::Hidden);
        assert_eq!(
            suite
                .tier_tests(Tier::Intermediate)
                .map(|t| t.points)
                .sum::<u32>(),
            3
        );
    }

    #[test]
    fn a_test_may_carry_its_own_timeout_message() {
        let suite = parse(&format!("title = \"T\"\ntimeout_ms = 1500\n{TIERS}")).unwrap();
        assert_eq!(suite.timeout_message(&suite.tests[0]), None);
        assert_eq!(
            suite.timeout_message(&suite.tests[2]).as_deref(),
            Some("did not finish within 1.5 s: the writer never ended: was the sender dropped before join?")
        );
    }

    #[test]
    fn a_manifest_with_a_missing_tier_duplicate_or_hintless_test_is_refused() {
        let no_advanced = TIERS.split("[[tests]]\nname = \"a\"").next().unwrap();
        assert!(
            parse(&format!("title = \"T\"\n{no_advanced}"))
                .unwrap_err()
                .contains("advanced tier has no tests")
        );
        let twice = format!(
            "title = \"T\"\n{TIERS}{}",
            TIERS
                .split("[[tests]]")
                .nth(1)
                .map(|t| format!("[[tests]]{t}"))
                .unwrap()
        );
        assert!(parse(&twice).unwrap_err().contains("listed twice"));
        let hintless = TIERS.replacen("hint = \"h\"", "hint = \" \"", 1);
        assert!(
            parse(&format!("title = \"T\"\n{hintless}"))
                .unwrap_err()
                .contains("no hint")
        );
        assert!(
            parse(&format!("title = \"T\"\nbogus = 1\n{TIERS}")).is_err(),
            "unknown keys are refused"
        );
    }

    const EQUIVALENT: &str = r#"
[[equivalent_mutants]]
file = "src/advanced.rs"
mutant = "replace < with <= in Bank::transfer"
reason = "from == to is refused earlier"
"#;

    #[test]
    fn equivalent_mutants_are_read_with_their_file_description_and_reason() {
        let suite = parse(&format!("title = \"T\"\n{TIERS}{EQUIVALENT}")).unwrap();
        assert_eq!(
            suite.equivalent_mutants,
            vec![EquivalentMutant {
                file: "src/advanced.rs".into(),
                mutant: "replace < with <= in Bank::transfer".into(),
                line: None,
                reason: "from == to is refused earlier".into(),
            }]
        );
        assert!(
            parse(&format!("title = \"T\"\n{TIERS}"))
                .unwrap()
                .equivalent_mutants
                .is_empty()
        );
    }

    #[test]
    fn an_equivalent_mutant_without_reason_twice_in_another_file_or_with_unknown_keys_is_refused() {
        let base = format!("title = \"T\"\n{TIERS}");
        let reasonless = EQUIVALENT.replace("from == to is refused earlier", " ");
        assert!(
            parse(&format!("{base}{reasonless}"))
                .unwrap_err()
                .contains("needs a mutant description and a reason")
        );
        assert!(
            parse(&format!("{base}{EQUIVALENT}{EQUIVALENT}"))
                .unwrap_err()
                .contains("listed twice")
        );
        let elsewhere = EQUIVALENT.replace("src/advanced.rs", "src/lib.rs");
        assert!(
            parse(&format!("{base}{elsewhere}"))
                .unwrap_err()
                .contains("file must be")
        );
        let unknown = EQUIVALENT.replace("reason =", "lines = 3\nreason =");
        assert!(parse(&format!("{base}{unknown}")).is_err());
        let with_line = EQUIVALENT.replace("reason =", "line = 76\nreason =");
        assert_eq!(
            parse(&format!("{base}{with_line}")).unwrap().equivalent_mutants[0].line,
            Some(76)
        );
    }
}
