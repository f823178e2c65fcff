//! Building a staged crate's hidden test binaries, one per tier.
//!
//! Each tier is its own package in the staged workspace (see `stage`), all built in one cargo run
//! with `--keep-going`: a broken `advanced.rs` costs only the advanced tier, its diagnostics kept for
//! the report, and an edit of one tier file rebuilds only that tier.

use crate::error::{Error, Result};
use crate::interrupt::Registered;
use crate::stage::Staged;
use crate::tier::Tier;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How many compiler errors to show per tier, and how many lines of each.
const MAX_ERRORS: usize = 3;
const MAX_LINES_PER_ERROR: usize = 14;
const MAX_LINE_CHARS: usize = 400;

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
    /// The tiers whose code uses what the suite disallows (`[[disallow]]`): their diagnostics.
    pub refused: BTreeMap<Tier, String>,
    /// The tiers whose file was not handed in (not built; see `grade`), with what to tell.
    pub missing: BTreeMap<Tier, String>,
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
    // A tier whose file uses what the suite disallows is refused even when it built (the lint was
    // only a warning there: see `run_cargo`), so it gets no binary.
    for error in run.errors.iter().filter(|e| e.disallowed) {
        if let Some(tier) = error.tier {
            built.binaries.remove(&tier);
            built.fresh.remove(&tier);
        }
    }
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
        // Under the checker, `crate::sync` is the checked facade's: std's types do not mix with it,
        // and the compiler stops at the mismatch before the `[[disallow]]` lints could say why.
        let text = if errors
            .iter()
            .any(|e| e.rendered.contains("threadlab_trace::checked"))
        {
            format!(
                "{text}\n\nnote: the grader builds this tier with checked versions of `crate::sync` and \
                 `crate::thread` (that is how it watches your threads), so a `std::sync` or `std::thread` \
                 item next to them does not fit: take them all from `crate::sync` and `crate::thread`"
            )
        } else {
            text
        };
        if errors.iter().any(|e| e.disallowed) {
            let refused: Vec<Diagnostic> = errors
                .into_iter()
                .filter(|e| e.disallowed)
                .map(|mut e| {
                    e.rendered = without_lint_notes(&e.rendered);
                    // A refusal is an error, whatever level clippy gave the lint (see `run_cargo`).
                    if let Some(rest) = e.rendered.strip_prefix("warning:") {
                        e.rendered = format!("error:{rest}");
                    }
                    e
                })
                .collect();
            built
                .refused
                .insert(tier, format!("refused: {}", shorten(&refused)));
        } else {
            built.errors.insert(tier, text);
        }
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
    /// A `[[disallow]]` rule's lint (clippy's `disallowed_types`, `…_methods`, `…_macros`).
    disallowed: bool,
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
    #[serde(default)]
    code: Option<Code>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
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
        command.arg("--package").arg(staged.tests_package(*tier));
    }
    // Every staged crate's compiler runs inside the compile sandbox (`compile_sandbox`).
    let wrapper = crate::compile_sandbox::wrapper().ok_or_else(|| {
        Error::Cargo(
            "this program cannot build learner code: it does not serve as the compile sandbox".to_owned(),
        )
    })?;
    command.env("RUSTC_WORKSPACE_WRAPPER", wrapper).env(
        crate::compile_sandbox::POLICY_VAR,
        staged.dir.join(crate::stage::POLICY_FILE),
    );
    // The grader decides how the subject is built: flags from the caller's environment (an outer
    // `cargo test`, a CI's -D warnings) must not change it.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        // clippy reads these, and names them in the dep-info: set here, they would send it to
        // another configuration, and a value that differs from the one the wrapper runs with
        // would make cargo rebuild every tier on every grade.
        "CLIPPY_CONF_DIR",
        "CLIPPY_ARGS",
        // A caching or other wrapper of the caller's would run outside the compile sandbox.
        "RUSTC_WRAPPER",
        "CARGO_BUILD_RUSTC_WRAPPER",
        "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
    ] {
        command.env_remove(var);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = command
        .registered_output()
        .map_err(|e| Error::Cargo(e.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();

    let mut binaries = BTreeMap::new();
    let mut fresh = BTreeSet::new();
    let mut errors = Vec::new();
    let tier_of = |package_id: &str| {
        staged
            .package_of(package_id)
            .map(|(tier, _)| tier)
            .filter(|t| tiers.contains(t))
    };
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
                let disallowed = msg
                    .code
                    .as_ref()
                    .is_some_and(|c| c.code.starts_with("clippy::disallowed_"));
                // Clippy reports a disallowed macro called at item level (`thread_local! { .. }`,
                // `const S: &str = include_str!(..)` outside any function) at the crate's lint
                // level, not at the tier module's, where the lints are forbidden: a warning. In a
                // tier file it is refused all the same.
                let in_tier_file = msg.spans.iter().any(|s| {
                    s.is_primary
                        && Tier::ALL
                            .iter()
                            .any(|t| Path::new(&s.file_name).file_name() == Some(t.file_name().as_ref()))
                });
                let refused_warning = msg.level == "warning" && disallowed && in_tier_file;
                if (msg.level != "error" && !refused_warning) || msg.message.starts_with("aborting due to") {
                    continue;
                }
                // Everything the compiler says about the hidden tests' crate is about hidden code,
                // also where the span lies in a macro the tests call (`expect_eq!`'s bounds): its
                // source is never shown, only the headline. The compile sandbox's own messages
                // (a time limit) quote no source.
                let sandbox_says = msg
                    .code
                    .as_ref()
                    .is_some_and(|c| c.code.starts_with("threadlab::"));
                let in_hidden_tests = !sandbox_says
                    && (staged
                        .package_of(&message.package_id)
                        .is_some_and(|(_, tests)| tests)
                        || msg
                            .spans
                            .iter()
                            .any(|s| s.is_primary && s.file_name.starts_with("tests/")));
                errors.push(Diagnostic {
                    tier: tier_of(&message.package_id),
                    rendered: msg.rendered.unwrap_or_else(|| msg.message.clone()),
                    in_hidden_tests,
                    headline: msg.message,
                    disallowed,
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
            let lines: Vec<String> = error
                .rendered
                .trim_end()
                .lines()
                .take(MAX_LINES_PER_ERROR)
                .map(cut_line)
                .collect();
            let lines_in_all = error.rendered.trim_end().lines().count();
            let mut kept = lines.join("\n");
            if lines_in_all > MAX_LINES_PER_ERROR {
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

/// A line of a diagnostic as the report shows it: at most [`MAX_LINE_CHARS`] characters (a learner
/// can make one as long as the compiler will print).
fn cut_line(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((at, _)) => format!("{} ... (cut)", &line[..at]),
        None => line.to_owned(),
    }
}

/// A `[[disallow]]` diagnostic without what points away from the learner's file: the note on where
/// the lint level is set (the grader's generated crate root) and clippy's link to its lint list.
fn without_lint_notes(rendered: &str) -> String {
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in rendered.lines() {
        if line.starts_with("note: the lint level is defined here") {
            skipping = true;
        } else if skipping && (line.trim().is_empty() || line.starts_with(|c: char| c.is_alphabetic())) {
            skipping = false;
        }
        // The grader's own `-W clippy::disallowed-macros` (see `compile_sandbox`) is no news to
        // the learner.
        if !skipping
            && !line.contains("for further information visit")
            && !line.contains("requested on the command line with")
        {
            kept.push(line);
        }
    }
    kept.join("\n")
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
