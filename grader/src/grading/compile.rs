//! Building a staged crate's hidden test binaries, one per tier.
//!
//! Each tier is its own package in the staged workspace (see `stage`), all built in one cargo run
//! with `--keep-going`: a broken `advanced.rs` costs only the advanced tier, its diagnostics kept for
//! the report, and an edit of one tier file rebuilds only that tier.

use crate::error::{Error, Result};
use crate::stage::Staged;
use crate::tier::Tier;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// How many compiler errors to show per tier, and how many lines of each.
const MAX_ERRORS: usize = 3;
const MAX_LINES_PER_ERROR: usize = 14;

/// What the build produced.
#[derive(Debug, Default)]
pub struct Built {
    /// The test binary of each tier that compiled.
    pub binaries: BTreeMap<Tier, PathBuf>,
    /// The tiers whose test binary cargo found up to date (nothing of theirs changed since the last
    /// build).
    pub fresh: BTreeSet<Tier>,
    /// Shortened compiler diagnostics of each tier that did not.
    pub errors: BTreeMap<Tier, String>,
}

/// Builds the test binaries of `tiers` (tiers left out, e.g. refused by a lint, are not built).
/// With `replay` (self-study), an edited tier is rebuilt with the rustc command cargo last ran for it
/// when nothing else changed (see `replay`), and cargo's commands are recorded for that.
pub fn build(staged: &Staged, tiers: &[Tier], replay: bool) -> Result<Built> {
    let mut built = Built::default();
    if tiers.is_empty() {
        return Ok(built);
    }
    // Two self-study grades at once (`watch` and a grade by hand) must not both run a recorded rustc
    // on one output file; cargo's own lock does not cover a replay, so this one covers both paths.
    let _lock = replay.then(|| crate::replay::BuildLock::take(staged));
    if replay && let Some(built) = crate::replay::build(staged, tiers) {
        return Ok(built);
    }
    let run = run_cargo(staged, tiers, replay)?;
    built.binaries = run.binaries;
    built.fresh = run.fresh;
    if replay {
        let recorded = crate::replay::remember(staged, &staged.dir, &run.stderr, &built);
        built.binaries.extend(recorded);
    }
    for tier in tiers.iter().copied().filter(|t| !built.binaries.contains_key(t)) {
        let errors: Vec<Diagnostic> = run
            .errors
            .iter()
            .filter(|e| e.tier == Some(tier))
            .cloned()
            .collect();
        let text = if errors.is_empty() {
            format!(
                "cargo could not build the {tier} tier:\n{}",
                tail(&run.stderr, 20)
            )
        } else {
            shorten(&errors)
        };
        built.errors.insert(tier, text);
    }
    Ok(built)
}

struct CargoRun {
    binaries: BTreeMap<Tier, PathBuf>,
    fresh: BTreeSet<Tier>,
    errors: Vec<Diagnostic>,
    stderr: String,
}

#[derive(Debug, Clone)]
struct Diagnostic {
    /// The tier whose package the error is in.
    tier: Option<Tier>,
    rendered: String,
    /// The error is in a hidden test file, whose source the learner is not shown.
    in_hidden_tests: bool,
    headline: String,
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    package_id: String,
    #[serde(default)]
    fresh: bool,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    profile: Option<Profile>,
    #[serde(default)]
    message: Option<CompilerMessage>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

#[derive(Deserialize)]
struct Profile {
    test: bool,
}

#[derive(Deserialize)]
struct CompilerMessage {
    level: String,
    message: String,
    #[serde(default)]
    rendered: Option<String>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    is_primary: bool,
}

fn run_cargo(staged: &Staged, tiers: &[Tier], verbose: bool) -> Result<CargoRun> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--keep-going")
        .arg("--message-format=json")
        .arg("--manifest-path")
        .arg(staged.dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&staged.target_dir)
        .arg("--bins");
    if verbose {
        // `-vv` prints each rustc command with its environment, for `replay` to record.
        command.arg("-vv");
    }
    for tier in tiers {
        command.arg("--package").arg(staged.package(*tier));
    }
    // The grader decides how the subject is built: flags from the caller's environment (an outer
    // `cargo test`, a CI's -D warnings) must not change it.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
    ] {
        command.env_remove(var);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = command.output().map_err(|e| Error::Cargo(e.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();

    let mut binaries = BTreeMap::new();
    let mut fresh = BTreeSet::new();
    let mut errors = Vec::new();
    let tier_of = |package_id: &str| tiers.iter().copied().find(|t| staged.is_package(package_id, *t));
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Message>(line) else {
            continue;
        };
        match message.reason.as_str() {
            "compiler-artifact" => {
                let (Some(target), Some(exe), Some(profile)) =
                    (message.target, message.executable, message.profile)
                else {
                    continue;
                };
                let tier = tiers.iter().copied().find(|t| staged.package(*t) == target.name);
                // Each tier package has one binary, named like the package (see `stage::manifest`).
                let is_binary = !profile.test && target.kind.iter().any(|k| k == "bin");
                if let Some(tier) = tier.filter(|_| is_binary) {
                    binaries.insert(tier, exe);
                    if message.fresh {
                        fresh.insert(tier);
                    }
                }
            }
            "compiler-message" => {
                let Some(msg) = message.message else { continue };
                if msg.level != "error" || msg.message.starts_with("aborting due to") {
                    continue;
                }
                let in_hidden_tests = msg
                    .spans
                    .iter()
                    .any(|s| s.is_primary && s.file_name.starts_with("tests/"));
                errors.push(Diagnostic {
                    tier: tier_of(&message.package_id),
                    rendered: msg.rendered.unwrap_or_else(|| msg.message.clone()),
                    in_hidden_tests,
                    headline: msg.message,
                });
            }
            _ => {}
        }
    }
    if binaries.is_empty() && errors.is_empty() && !output.status.success() && !stderr.contains("error") {
        return Err(Error::Cargo(format!(
            "cargo failed without a diagnostic:\n{}",
            tail(&stderr, 20)
        )));
    }
    Ok(CargoRun {
        binaries,
        fresh,
        errors,
        stderr,
    })
}

/// The first few errors, each cut to a few lines. Errors inside the hidden tests show only their
/// headline and what it usually means.
fn shorten(errors: &[Diagnostic]) -> String {
    let mut out = Vec::new();
    for error in errors.iter().take(MAX_ERRORS) {
        if error.in_hidden_tests {
            out.push(format!(
                "error: {}\n  (in the hidden tests: they call the functions and types the starter file declares; \
                 check that your names, signatures and derives still match it)",
                error.headline
            ));
        } else {
            let lines: Vec<&str> = error.rendered.trim_end().lines().collect();
            let mut kept = lines[..lines.len().min(MAX_LINES_PER_ERROR)].join("\n");
            if lines.len() > MAX_LINES_PER_ERROR {
                kept.push_str("\n   ... (cut)");
            }
            out.push(kept);
        }
    }
    if errors.len() > MAX_ERRORS {
        out.push(format!("... and {} more error(s)", errors.len() - MAX_ERRORS));
    }
    out.join("\n\n")
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
