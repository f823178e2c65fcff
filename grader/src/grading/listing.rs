//! A hidden test binary must hold exactly its tier's tests in the manifest: a test missing from the
//! manifest would never run, one missing from the binary could never pass.
//!
//! This is a check of the course, not of the learner: the list a binary prints is the table of its
//! tier's tests file (`tests/<tier>.rs`, staged from the suite), which no learner code can reach (it is
//! a crate of its own). So a list found right once is right for every later binary built from the same
//! tests file against the same manifest, and each such pair is checked once: a marker file named by
//! their hash records the check (`target/threadlab/listed/`). A warm re-grade then starts no `--list`
//! process at all (three of them, one per tier, were about 60 ms of a 0.6 s re-grade), and a batch runs
//! them for its first student only. Binaries still unchecked are listed side by side.

use crate::error::{Error, Result};
use crate::interrupt::Registered;
use crate::stage::Staged;
use crate::suite::Suite;
use crate::tier::Tier;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Checks every binary of `binaries` whose tests file and manifest were not checked together before.
pub fn check_all(
    work_dir: &Path,
    suite: &Suite,
    staged: &Staged,
    binaries: &BTreeMap<Tier, PathBuf>,
    suite_dir: &Path,
) -> Result<()> {
    let markers = work_dir.join("listed");
    // A tests file that cannot be read has no marker and is checked every time.
    let unchecked: Vec<(Tier, &PathBuf, Option<PathBuf>)> = binaries
        .iter()
        .map(|(tier, binary)| {
            (
                *tier,
                binary,
                marker_name(suite, staged, *tier).map(|m| markers.join(m)),
            )
        })
        .filter(|(_, _, marker)| !marker.as_ref().is_some_and(|m| m.is_file()))
        .collect();
    let results: Vec<Result<()>> = std::thread::scope(|s| {
        let runs: Vec<_> = unchecked
            .iter()
            .map(|(tier, binary, _)| s.spawn(move || check(suite, *tier, binary, suite_dir)))
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("a listing check does not panic"))
            .collect()
    });
    for ((_, _, marker), result) in unchecked.iter().zip(results) {
        result?;
        if let Some(marker) = marker {
            // A marker that cannot be written only costs the next grade the same check again.
            let _ = std::fs::create_dir_all(&markers).and_then(|()| std::fs::write(marker, b""));
        }
    }
    Ok(())
}

/// The marker of `tier`'s staged tests file checked against this manifest, or `None` when the file
/// cannot be read.
fn marker_name(suite: &Suite, staged: &Staged, tier: Tier) -> Option<String> {
    let tests = std::fs::read(staged.dir.join("tests").join(tier.file_name())).ok()?;
    let mut text = format!("{tier}\n{:016x}\n", suite.digest).into_bytes();
    text.extend_from_slice(&tests);
    Some(format!("{:016x}-{}", crate::stage::fnv1a(&text), text.len()))
}

fn check(suite: &Suite, tier: Tier, binary: &Path, suite_dir: &Path) -> Result<()> {
    let output = std::process::Command::new(binary)
        .arg("--list")
        .registered_output()
        .map_err(|source| Error::Spawn {
            test: format!("{tier} --list"),
            source,
        })?;
    let listed: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let manifest: BTreeSet<String> = suite.tier_tests(tier).map(|t| t.name.clone()).collect();
    if listed != manifest {
        let only_binary: Vec<_> = listed.difference(&manifest).cloned().collect();
        let only_manifest: Vec<_> = manifest.difference(&listed).cloned().collect();
        return Err(Error::Manifest {
            path: suite_dir.join("suite.toml"),
            message: format!(
                "the {tier} tests in the manifest and in {tier}.rs differ: only in {tier}.rs: {only_binary:?}; \
                 only in suite.toml: {only_manifest:?}"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn suite(digest: u64) -> Suite {
        let mut suite: Suite = toml::from_str(
            r#"
            title = "t"
            [[tests]]
            name = "first"
            tier = "beginner"
            points = 1
            hint = "h"
            "#,
        )
        .unwrap();
        suite.digest = digest;
        suite
    }

    fn staged(dir: &Path, tests_file: &str) -> Staged {
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(dir.join("tests/beginner.rs"), tests_file).unwrap();
        Staged {
            dir: dir.to_owned(),
            target_dir: dir.join("target"),
            subject_label: "lessons/x".into(),
            tiers: BTreeMap::new(),
            tier_text: BTreeMap::new(),
            package_prefix: "p".into(),
            inputs_key: "k".into(),
            crates: BTreeMap::new(),
            hold: std::sync::Arc::new(crate::prune::hold(&dir.join("stage")).unwrap()),
        }
    }

    /// A stand-in test binary that lists `names`.
    fn binary(dir: &Path, names: &str) -> BTreeMap<Tier, PathBuf> {
        let path = dir.join(format!("bin-{}", names.replace(' ', "-")));
        std::fs::write(
            &path,
            format!("#!/bin/sh\nprintf '{}\\n'\n", names.replace(' ', "\\n")),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        BTreeMap::from([(Tier::Beginner, path)])
    }

    #[test]
    fn a_tests_file_is_listed_once_per_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        let staged = staged(dir.path(), "// tests v1");
        let check = |suite: &Suite, staged: &Staged, names: &str| {
            check_all(&work, suite, staged, &binary(dir.path(), names), dir.path())
        };

        // A binary with a test the manifest does not have is refused, and nothing is remembered.
        let error = check(&suite(1), &staged, "first extra").unwrap_err().to_string();
        assert!(error.contains("only in beginner.rs: [\"extra\"]"), "{error}");
        assert!(check(&suite(1), &staged, "first extra").is_err());

        // The right list passes and is remembered: the same tests file and manifest are not listed
        // again (the stand-in's wrong list is never read).
        check(&suite(1), &staged, "first").unwrap();
        check(&suite(1), &staged, "first extra").unwrap();

        // Another manifest, or another tests file, is listed again.
        assert!(check(&suite(2), &staged, "first extra").is_err());
        let edited = self::staged(dir.path(), "// tests v2");
        assert!(check(&suite(1), &edited, "other").is_err());
    }
}
