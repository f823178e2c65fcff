//! Staging: a pristine crate under `target/threadlab/stage/` made of the course's manifest and course
//! files, the subject's three tier files and nothing else of theirs, and the hidden tests.
//!
//! A submission's `Cargo.toml`, build script, extra modules or dependencies never reach the build.
//! Files are rewritten only when their contents change, so cargo's incremental rebuilds stay warm.

use crate::compile_sandbox::{CratePolicy, Policy};
use crate::course::{Course, Lesson, path_dependencies, read_table};
use crate::error::{Error, Result, io};
use crate::grading::{place, read};
use crate::starter;
use crate::suite::Suite;
use crate::tier::Tier;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Whose code is graded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The learner's own `lessons/lessonNN-topic`.
    Learner,
    /// A directory holding `src/` (with or without a `Cargo.toml`), or that `src/` itself.
    Submission(PathBuf),
    /// The reference solution.
    Reference,
}

/// Where one tier's code came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TierSource {
    /// The subject's file.
    Subject(PathBuf),
    /// The subject has no such file: the generated starter stands in (its tests are `not_started`).
    MissingFile(PathBuf),
    /// The subject's file was not read (a link, a FIFO, a device, too large: `read`): the starter
    /// stands in for the build and the tier is `refused`, with `why` as its message.
    Refused { path: PathBuf, why: String },
}

/// A staged crate, ready to build.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The crate directory.
    pub dir: PathBuf,
    /// The shared cargo target directory.
    pub target_dir: PathBuf,
    /// What the report calls the subject: a path relative to the course root, or `reference`.
    pub subject_label: String,
    pub tiers: BTreeMap<Tier, TierSource>,
    /// Each tier's text as staged, for the facade check.
    pub tier_text: BTreeMap<Tier, String>,
    /// The tier packages' names, less their `-beginner`, `-intermediate`, `-advanced`.
    pub package_prefix: String,
    /// What the build depends on besides the three tier files: every other staged file, the course's
    /// lock file and the sources of the course's own crates (harness, trace, …). `replay` re-runs a
    /// recorded rustc command only while this stays the same.
    pub inputs_key: String,
    /// The tier modules each tier's binary holds: its own, and those it names (a learner may use
    /// their beginner code in a later tier).
    pub crates: BTreeMap<Tier, Vec<Tier>>,
    /// This grade's hold on the stage directory: no prune removes it, or what was built from it,
    /// while the grade runs (see `prune`).
    pub hold: std::sync::Arc<crate::prune::Hold>,
}

impl Staged {
    /// The message of each tier whose file was not read: those tiers are `refused`, not built.
    pub fn refused(&self) -> BTreeMap<Tier, String> {
        self.tiers
            .iter()
            .filter_map(|(tier, source)| match source {
                TierSource::Refused { why, .. } => Some((*tier, format!("{}{why}", read::NOT_READ))),
                _ => None,
            })
            .collect()
    }

    /// The tier modules `tier`'s library holds ([`Staged::crates`]): its own at least.
    pub fn modules(&self, tier: Tier) -> Vec<Tier> {
        self.crates.get(&tier).cloned().unwrap_or_else(|| vec![tier])
    }

    /// The staged text of `tier`'s file.
    pub fn text(&self, tier: Tier) -> &str {
        self.tier_text.get(&tier).map_or("", String::as_str)
    }

    /// The tiers whose file the subject does not have, each with what to tell the learner.
    pub fn missing(&self) -> BTreeMap<Tier, String> {
        self.tiers
            .iter()
            .filter_map(|(tier, source)| match source {
                TierSource::MissingFile(path) => Some((
                    *tier,
                    format!(
                        "{} is missing: nothing was handed in for this tier",
                        path.display()
                    ),
                )),
                _ => None,
            })
            .collect()
    }

    /// The staged package of `tier`'s library: the course modules and the learner's code. Its test
    /// binary is named like it.
    pub fn package(&self, tier: Tier) -> String {
        format!("{}-{tier}", self.package_prefix)
    }

    /// The compiler's `TMPDIR` (see `compile_sandbox`): beside `stage/`, in the grader's work
    /// directory.
    pub fn compile_tmp(&self) -> PathBuf {
        compile_tmp(self.dir.parent().and_then(Path::parent).unwrap_or(&self.dir))
    }

    /// The staged package of `tier`'s hidden tests, a binary that depends on [`Staged::package`].
    pub fn tests_package(&self, tier: Tier) -> String {
        tests_package(&self.package_prefix, tier)
    }

    /// Which tier's packages cargo's `package_id` (`path+file:///…#name@0.0.0`, or
    /// `name 0.0.0 (path+file:///…)` before cargo 1.77) is, and whether it is the hidden tests'.
    pub fn package_of(&self, package_id: &str) -> Option<(Tier, bool)> {
        let is = |name: &str| {
            package_id.contains(&format!("#{name}@")) || package_id.starts_with(&format!("{name} "))
        };
        Tier::ALL.into_iter().find_map(|tier| {
            if is(&self.tests_package(tier)) {
                Some((tier, true))
            } else {
                is(&self.package(tier)).then_some((tier, false))
            }
        })
    }
}

/// Where and how the staged workspace is laid out, for [`manifest`].
struct Layout<'a> {
    /// The staged workspace's directory.
    dir: &'a Path,
    /// The prefix of its packages' names.
    package_name: &'a str,
    /// Keep rustc's incremental caches (see [`manifest`]).
    incremental: bool,
    /// The lesson's reference library, where there is one.
    reference: Option<&'a Path>,
}

/// The package of a lesson's reference library (`reference` in the hidden tests).
fn reference_package(lesson: &str) -> String {
    format!("threadlab-reference-{lesson}")
}

/// The reference library's sources, by absolute path: the solution's files and a crate root with
/// every tier.
fn reference_files(
    solution_src: &Path,
    lib: &str,
    lib_path: &Path,
    reference: &Path,
) -> Result<BTreeMap<PathBuf, String>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(solution_src).map_err(io("read", solution_src))? {
        let path = entry.map_err(io("read", solution_src))?.path();
        let name = path.file_name().unwrap_or_default().to_owned();
        if path.extension().is_some_and(|e| e == "rs") && name != "lib.rs" {
            let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
            files.insert(reference.join("src").join(name), text);
        }
    }
    let root = lib_root(lib, Tier::Advanced, &Tier::ALL, lib_path)?
        .replace("the advanced tier's library", "the reference library, every tier");
    files.insert(reference.join("lib.rs"), root);
    Ok(files)
}

/// The hidden tests' package of `tier` among the staged packages named `prefix-…`.
fn tests_package(prefix: &str, tier: Tier) -> String {
    format!("{prefix}-{tier}-tests")
}

/// The directory of `tier`'s hidden tests' package.
pub(crate) fn tests_dir(tier: Tier) -> String {
    format!("{tier}-tests")
}

/// Resolves the subject to the directory holding its tier files.
pub fn subject_src(course: &Course, lesson: &Lesson, subject: &Subject) -> Result<PathBuf> {
    match subject {
        Subject::Learner => Ok(course.lesson_dir(lesson).join("src")),
        Subject::Reference if course.is_student_copy() => Err(Error::NoReference),
        Subject::Reference => Ok(course.solution_dir(lesson).join("src")),
        Subject::Submission(dir) => {
            // A link is not followed, but it is found, so that the grade can say it was refused.
            if !dir.is_dir() && !dir.is_symlink() {
                return Err(Error::MissingSubmission(dir.clone()));
            }
            crate::classroom::layout::find_tier_files(dir, lesson)
                .ok_or_else(|| Error::NoTierFiles(dir.clone()))
        }
    }
}

/// Writes the staged crate for `subject` and returns where it is.
pub fn stage(course: &Course, lesson: &Lesson, suite: &Suite, subject: &Subject) -> Result<Staged> {
    let subject_dir = subject_src(course, lesson, subject)?;
    let (key, subject_label) = match subject {
        Subject::Learner => (
            "learner".to_owned(),
            course.display_path(&course.lesson_dir(lesson)),
        ),
        Subject::Reference => ("reference".to_owned(), "reference".to_owned()),
        Subject::Submission(_) => place::submission(course, &subject_dir),
    };
    let work = course.work_dir();
    let dir = work.join("stage").join(format!("{}-{key}", lesson.id));
    // Held before anything is written in it, so that no prune removes it half-way.
    let hold = std::sync::Arc::new(crate::prune::hold(&dir)?);
    let solution_src = course.solution_dir(lesson).join("src");

    // Course files: everything in the solution's src/ that is not a tier file; lib.rs becomes each
    // tier's crate root.
    let mut files: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut lib = None;
    for entry in std::fs::read_dir(&solution_src).map_err(io("read", &solution_src))? {
        let path = entry.map_err(io("read", &solution_src))?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if !name.ends_with(".rs") || Tier::ALL.iter().any(|t| t.file_name() == name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        if name == "lib.rs" {
            lib = Some((text, path));
        } else {
            files.insert(PathBuf::from("src").join(name), text);
        }
    }

    let mut tiers = BTreeMap::new();
    let mut tier_text = BTreeMap::new();
    for tier in Tier::ALL {
        let own = subject_dir.join(tier.file_name());
        let stand_in = || {
            let solution = solution_src.join(tier.file_name());
            let text = std::fs::read_to_string(&solution).map_err(io("read", &solution))?;
            starter::generate(&text, &solution)
        };
        let (text, source) = match read::tier_file(subject, &subject_dir, tier) {
            Ok(text) => (text, TierSource::Subject(own)),
            Err(refusal) if refusal.is_missing() => (stand_in()?, TierSource::MissingFile(own)),
            Err(refusal) => (
                stand_in()?,
                TierSource::Refused {
                    path: own,
                    why: refusal.to_string(),
                },
            ),
        };
        files.insert(PathBuf::from("src").join(tier.file_name()), text.clone());
        tier_text.insert(tier, text);
        tiers.insert(tier, source);
        // The hidden tests are a crate of their own (the root of the tier's test binary), so nothing
        // a tier file declares (a macro, an attribute, a prelude name) reaches them.
        let hidden = course.suite_dir(lesson).join(tier.file_name());
        let tests = std::fs::read_to_string(&hidden).map_err(io("read", &hidden))?;
        files.insert(PathBuf::from("tests").join(tier.file_name()), tests);
    }

    let (lib, lib_path) = lib.ok_or_else(|| Error::Course {
        path: solution_src.join("lib.rs"),
        message: "the solution has no lib.rs".to_owned(),
    })?;
    let crates = tier_crates(&tier_text);
    for tier in Tier::ALL {
        files.insert(
            lib_root_file(tier),
            lib_root(&lib, tier, &crates[&tier], &lib_path)?,
        );
        // Beside the library's manifest, where clippy looks (`CARGO_MANIFEST_DIR`); clippy names it in
        // the dep-info, so cargo rebuilds the library when the rules change.
        files.insert(
            PathBuf::from(tier.name()).join("clippy.toml"),
            crate::disallow::clippy_toml(suite, tier, &lesson.id),
        );
    }

    // The staged directory's own path is in the name too: cargo keys a path package's artifacts and
    // fingerprints by name and workspace-relative path, so two checkouts sharing one build directory
    // (the CLI tests' course copies share the real one) would otherwise reuse each other's binaries.
    let package_name = package_prefix(&dir);
    files.insert(
        PathBuf::from(POLICY_FILE),
        compile_policy(&dir, &work, &package_name)?,
    );
    let root_manifest = read_table(&course.root().join("Cargo.toml"))?;
    // The reference, for the hidden tests' differential checks: one library per lesson outside the
    // staged workspaces, so every grade's tests link the same build of it. A student copy has none
    // (its tests are the visible ones, which never use it); a Gradescope bundle carries it.
    let reference_src = course.reference_src(lesson);
    let reference = reference_src
        .as_ref()
        .map(|_| work.join("stage").join(format!("{}-reference-lib", lesson.id)));
    if let (Some(src), Some(reference)) = (&reference_src, &reference) {
        files.extend(reference_files(src, &lib, &lib_path, reference)?);
    }
    let layout = Layout {
        dir: &dir,
        package_name: &package_name,
        incremental: !matches!(subject, Subject::Submission(_)),
        reference: reference.as_deref(),
    };
    files.extend(manifest(course, lesson, suite, &root_manifest, &layout)?);
    for (relative, text) in &files {
        write_if_changed(&dir.join(relative), text)?;
    }
    let lock_hash = stage_lock(course, &dir)?;
    remove_strays(&dir, &files)?;
    let inputs_key = inputs_key(course, &files, &root_manifest, lock_hash);
    Ok(Staged {
        dir,
        target_dir: work.join("build"),
        subject_label,
        tiers,
        tier_text,
        package_prefix: package_name,
        inputs_key,
        crates,
        hold,
    })
}

/// The name the staged packages of the stage directory `dir` (`<lesson>-<key>`) begin with.
pub(crate) fn package_prefix(dir: &Path) -> String {
    format!(
        "threadlab-stage-{}-{:08x}",
        dir.file_name().unwrap_or_default().to_string_lossy(),
        fnv1a(dir.to_string_lossy().as_bytes()) as u32
    )
}

pub(crate) fn compile_tmp(work: &Path) -> PathBuf {
    work.join("compile-tmp")
}

/// Where self-study's replay hands a tier's library to its test binary's compiler (see `replay`).
pub(crate) fn pipeline_dir(dir: &Path, tier: Tier) -> PathBuf {
    dir.join("pipeline").join(tier.name())
}

/// The compile step's policy file in a staged workspace (see `compile_sandbox`).
pub(crate) const POLICY_FILE: &str = "sandbox.json";

/// What each staged crate's compiler may read: a tier's library its own sources (the course modules
/// and this student's tier files), never the hidden tests; the tests' binary the hidden test file.
fn compile_policy(dir: &Path, work: &Path, package_name: &str) -> Result<String> {
    let mut policy = Policy::new(compile_tmp(work));
    for tier in Tier::ALL {
        policy.crates.insert(
            format!("{package_name}-{tier}"),
            CratePolicy {
                // The package directory holds its manifest and `clippy.toml`.
                read: vec![
                    dir.join("src"),
                    dir.join(lib_root_file(tier)),
                    dir.join(tier.name()),
                ],
                clippy: true,
                label: format!("the {tier} tier's code"),
            },
        );
        policy.crates.insert(
            tests_package(package_name, tier),
            CratePolicy {
                // And its pipelined replay's directory: the library's metadata, then the library,
                // under one name (see `replay`).
                read: vec![
                    dir.join("tests").join(tier.file_name()),
                    dir.join("src"),
                    pipeline_dir(dir, tier),
                ],
                clippy: false,
                label: format!("the {tier} tier's hidden tests"),
            },
        );
    }
    serde_json::to_string_pretty(&policy).map_err(|e| Error::Course {
        path: dir.join(POLICY_FILE),
        message: e.to_string(),
    })
}

/// See [`Staged::inputs_key`]. The course's crates are stamped by path, size and modification time
/// of their `Cargo.toml` and `src/` files: an edit of the harness changes it, a grade alone does not.
fn inputs_key(
    course: &Course,
    files: &BTreeMap<PathBuf, String>,
    root_manifest: &toml::Table,
    lock_hash: u64,
) -> String {
    let mut text = String::new();
    for (path, contents) in files {
        let is_tier = Tier::ALL
            .iter()
            .any(|t| path == &PathBuf::from("src").join(t.file_name()));
        if !is_tier {
            text.push_str(&format!(
                "{}\n{:016x}\n",
                path.display(),
                fnv1a(contents.as_bytes())
            ));
        }
    }
    text.push_str(&format!("lock {lock_hash:016x}\n"));
    for path in path_dependencies(root_manifest) {
        stamp_crate(&course.root().join(path), &mut text);
    }
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// Appends path, size and modification time of a crate's manifest and every file under its `src/`.
fn stamp_crate(dir: &Path, out: &mut String) {
    let mut lines = Vec::new();
    let mut pending = vec![dir.join("Cargo.toml"), dir.join("src")];
    while let Some(path) = pending.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                pending.extend(entries.flatten().map(|e| e.path()));
            }
        } else {
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok());
            lines.push(format!(
                "{} {} {}\n",
                path.display(),
                meta.len(),
                modified.unwrap_or_default().as_nanos()
            ));
        }
    }
    // Directory order is the file system's; the key must not depend on it.
    lines.sort();
    out.extend(lines);
}

/// The course's lock file pins the dependency versions the course was tested with. cargo trims the
/// staged copy to what the staged crates use and rewrites it; copying the course's whole lock again
/// on every grade made every build re-resolve and rewrite it (about 20 ms of each re-grade), so it is
/// copied only when the course's lock changed since (its hash is kept beside it).
///
/// Returns the course lock's hash (0 without one), for [`Staged::inputs_key`].
fn stage_lock(course: &Course, dir: &Path) -> Result<u64> {
    let Ok(text) = std::fs::read_to_string(course.root().join("Cargo.lock")) else {
        return Ok(0);
    };
    let hash = fnv1a(text.as_bytes());
    let mark_text = format!("{hash:016x}\n");
    let (lock, mark) = (dir.join("Cargo.lock"), dir.join("Cargo.lock.course"));
    let current = std::fs::read_to_string(&mark).ok();
    if lock.exists() && current.as_deref() == Some(mark_text.as_str()) {
        return Ok(hash);
    }
    std::fs::write(&lock, &text).map_err(io("write", &lock))?;
    std::fs::write(&mark, mark_text).map_err(io("write", &mark))?;
    Ok(hash)
}

/// The root file of `tier`'s library (the course modules and the learner's code), in the staged
/// directory itself: rustc names every file relative to the root's directory, so places stay
/// `src/beginner.rs:12`. The test binary's root is the hidden test file, `tests/beginner.rs`.
pub(crate) fn lib_root_file(tier: Tier) -> PathBuf {
    PathBuf::from(format!("lib-{tier}.rs"))
}

/// The lints that hold a tier module to the suite's `[[disallow]]` rules. `forbid` on the module's
/// declaration, so the tier file cannot lift them with an `#![allow]` of its own; clippy's levels
/// for the course modules stay `allow` (the wrapper passes `-A clippy::all`).
const TIER_LINTS: &str =
    "#[forbid(clippy::disallowed_types, clippy::disallowed_methods, clippy::disallowed_macros)]";

/// The crate root of one tier's library, made from the course's `lib.rs`: its attributes and
/// course modules, and of the tier modules only the tier's own and those it uses. The hidden tests
/// are another crate that depends on this one (`stage::manifest`), so a tier file's macros,
/// attributes and names cannot change what a test means.
fn lib_root(lib: &str, tier: Tier, modules: &[Tier], path: &Path) -> Result<String> {
    let mut body = String::new();
    let mut seen = Vec::new();
    for line in lib.lines() {
        let trimmed = line.trim();
        // The README include names a path relative to solutions/; grading needs no crate docs.
        if starter::is_readme_doc(line) || trimmed.starts_with("//!") {
            continue;
        }
        if let Some(module) = module_name(trimmed) {
            if let Some(t) = Tier::ALL.into_iter().find(|t| t.name() == module) {
                seen.push(t);
                if !modules.contains(&t) {
                    continue;
                }
                body.push_str(TIER_LINTS);
                body.push('\n');
            }
            body.push_str(&format!("#[path = \"src/{module}.rs\"]\n{line}\n"));
            continue;
        }
        body.push_str(line);
        body.push('\n');
    }
    if seen.len() != Tier::ALL.len() {
        return Err(Error::Course {
            path: path.to_owned(),
            message:
                "lib.rs must declare `pub mod beginner;`, `pub mod intermediate;` and `pub mod advanced;` \
                      each on a line of its own"
                    .to_owned(),
        });
    }
    Ok(format!(
        "// Generated by the threadlab grader: the {tier} tier's library (see grader/src/grading/stage.rs).\n{body}"
    ))
}

/// The tier modules each tier's crate needs: its own, and every tier module its file names as a
/// path (`crate::beginner::X`, `use crate::{beginner, ..}`, `super::beginner`), with what those name
/// in turn. A mention in a comment that looks like a path only costs build time, never a grade.
fn tier_crates(texts: &BTreeMap<Tier, String>) -> BTreeMap<Tier, Vec<Tier>> {
    Tier::ALL
        .into_iter()
        .map(|tier| {
            let mut modules = vec![tier];
            let mut index = 0;
            while let Some(&current) = modules.get(index) {
                let text = texts.get(&current).map_or("", String::as_str);
                for other in Tier::ALL {
                    if !modules.contains(&other) && names_tier(text, other) {
                        modules.push(other);
                    }
                }
                index += 1;
            }
            modules.sort();
            (tier, modules)
        })
        .collect()
}

/// Whether `text` has the word `tier` followed by `::`, `,`, `}` or `;`: how a path names a module.
fn names_tier(text: &str, tier: Tier) -> bool {
    let name = tier.name();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].trim_start();
        before.is_none_or(|c| !is_ident(c))
            && after.chars().next().is_none_or(|c| !is_ident(c))
            && (after.starts_with("::") || after.starts_with([',', '}', ';']))
    })
}

/// `x` of a `mod x;` line (`pub`, `pub(crate)` or private), if it is one.
fn module_name(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix("pub(crate) ")
        .or_else(|| line.strip_prefix("pub "))
        .unwrap_or(line);
    let name = rest.strip_prefix("mod ")?.strip_suffix(';')?.trim();
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(name)
}

/// The staged manifests: a workspace of one package per tier, each with the lesson's own dependencies
/// and features (workspace entries resolved), the shared `src/lib.rs` built with only its tier's
/// module, the harness, and its tier's `harness = false` test target.
///
/// The shared files are named by absolute paths: cargo hands rustc a source's path relative to the
/// workspace root when it lies under it, so places in diagnostics, panics and traces stay
/// `src/beginner.rs:12` (a relative `../src/lib.rs` would make them `beginner/../src/beginner.rs`).
///
/// One package per tier because cargo rebuilds everything downstream of a changed crate: with the
/// three tiers in one library, a one-line edit of `beginner.rs` recompiled and re-linked all three
/// test binaries; now it touches only the beginner library and its test (`cargo xtask bench`).
///
/// Each staged crate gets its own package name (its library is still called `lessonNN`): cargo names
/// artifacts after the package and its path relative to its workspace, which is the same for every
/// staged crate, so same-named packages would overwrite each other's binaries in the shared target.
///
/// `incremental` keeps rustc's incremental caches: worth it for the learner's own crate, re-graded after
/// every edit, but a submission is graded once or twice and its caches (tens of megabytes each) would
/// only fill the disk, a class at a time.
fn manifest(
    course: &Course,
    lesson: &Lesson,
    suite: &Suite,
    root_manifest: &toml::Table,
    layout: &Layout<'_>,
) -> Result<BTreeMap<PathBuf, String>> {
    let Layout {
        dir,
        package_name,
        incremental,
        reference,
    } = *layout;
    // The solution's manifest, not the learner's copy: a learner cannot add dependencies for grading.
    let lesson_manifest = read_table(&course.solution_dir(lesson).join("Cargo.toml"))?;
    let shared = root_manifest
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();

    let mut dependencies = toml::Table::new();
    if let Some(deps) = lesson_manifest.get("dependencies").and_then(|d| d.as_table()) {
        for (name, spec) in deps {
            dependencies.insert(name.clone(), resolve_dependency(course, name, spec, &shared));
        }
    }
    let mut features = lesson_manifest
        .get("features")
        .and_then(|f| f.as_table())
        .cloned()
        .unwrap_or_default();
    for tier in Tier::ALL {
        features.insert(tier.name().to_owned(), toml::Value::Array(Vec::new()));
    }
    let features = features;
    let mut harness = toml::Table::new();
    harness.insert(
        "path".into(),
        course
            .root()
            .join("harness")
            .to_string_lossy()
            .into_owned()
            .into(),
    );
    harness.insert("features".into(), suite.harness_features.clone().into());
    let mut dev_dependencies = toml::Table::new();
    dev_dependencies.insert("threadlab-harness".into(), harness.into());
    let from_workspace = toml::Value::Table(toml::Table::from_iter([("workspace".to_owned(), true.into())]));
    for name in &suite.dev_dependencies {
        if !shared.contains_key(name) {
            return Err(Error::Manifest {
                path: course.suite_dir(lesson).join("suite.toml"),
                message: format!(
                    "dev dependency `{name}` is not in the workspace's [workspace.dependencies]"
                ),
            });
        }
        dev_dependencies.insert(
            name.clone(),
            resolve_dependency(course, name, &from_workspace, &shared),
        );
    }

    let mut package = toml::Table::from_iter([
        ("version".to_owned(), "0.0.0".into()),
        ("edition".to_owned(), "2024".into()),
        ("publish".to_owned(), false.into()),
        ("autotests".to_owned(), false.into()),
        ("autoexamples".to_owned(), false.into()),
        ("autobins".to_owned(), false.into()),
        ("autobenches".to_owned(), false.into()),
        ("autolib".to_owned(), false.into()),
    ]);
    // The course's minimum Rust, so the suites are linted (and built) as the workspace is.
    if let Some(version) = root_manifest
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("rust-version"))
    {
        package.insert("rust-version".to_owned(), version.clone());
    }
    // The hidden tests may use the lesson's own (non-optional) dependencies, e.g. rayon.
    let mut test_dependencies: toml::Table = dependencies
        .iter()
        .filter(|(_, spec)| spec.get("optional").and_then(|o| o.as_bool()) != Some(true))
        .map(|(name, spec)| (name.clone(), spec.clone()))
        .collect();
    test_dependencies.extend(dev_dependencies);
    let mut manifests = BTreeMap::new();
    for tier in Tier::ALL {
        let lib_package = format!("{package_name}-{tier}");
        let mut package = package.clone();
        package.insert("name".to_owned(), lib_package.clone().into());
        // The suite's features and the tier's own: the shared lib.rs compiles only this tier.
        let mut defaults: Vec<String> = suite.features.clone();
        defaults.push(tier.name().to_owned());
        let mut features = features.clone();
        features.insert("default".to_owned(), defaults.into());
        // The learner's code and the course modules: a library named like the lesson, so the hidden
        // tests' `lessonNN::…` paths name it.
        let lib = toml::Table::from_iter([
            ("name".to_owned(), lesson.id.clone().into()),
            (
                "path".to_owned(),
                dir.join(lib_root_file(tier))
                    .to_string_lossy()
                    .into_owned()
                    .into(),
            ),
            ("test".to_owned(), false.into()),
            ("doctest".to_owned(), false.into()),
            ("bench".to_owned(), false.into()),
        ]);
        let manifest = toml::Table::from_iter([
            ("package".to_owned(), package.clone().into()),
            ("features".to_owned(), features.into()),
            ("dependencies".to_owned(), dependencies.clone().into()),
            ("lib".to_owned(), lib.into()),
        ]);
        manifests.insert(
            PathBuf::from(tier.name()).join("Cargo.toml"),
            format!("# Staged by the threadlab grader; rewritten on every grade.\n{manifest}"),
        );

        // The hidden tests: a binary of their own that depends on the library above.
        package.insert("name".to_owned(), tests_package(package_name, tier).into());
        // Named like the library's package: cargo copies every binary to `<target>/debug/<name>`,
        // shared by all staged crates, so two grades at once (a batch, the CLI tests) would
        // overwrite each other's `debug/beginner` and run the wrong tests.
        let bin = toml::Table::from_iter([
            ("name".to_owned(), lib_package.clone().into()),
            (
                "path".to_owned(),
                dir.join("tests")
                    .join(tier.file_name())
                    .to_string_lossy()
                    .into_owned()
                    .into(),
            ),
            ("test".to_owned(), false.into()),
            ("bench".to_owned(), false.into()),
        ]);
        let mut all_dependencies = test_dependencies.clone();
        all_dependencies.insert(
            lesson.id.clone(),
            toml::Table::from_iter([
                ("path".to_owned(), format!("../{}", tier.name()).into()),
                ("package".to_owned(), lib_package.into()),
            ])
            .into(),
        );
        if let Some(reference) = reference {
            all_dependencies.insert(
                "reference".to_owned(),
                toml::Table::from_iter([
                    ("path".to_owned(), reference.to_string_lossy().into_owned().into()),
                    ("package".to_owned(), reference_package(&lesson.id).into()),
                ])
                .into(),
            );
        }
        let manifest = toml::Table::from_iter([
            ("package".to_owned(), package.into()),
            ("dependencies".to_owned(), all_dependencies.into()),
            ("bin".to_owned(), vec![toml::Value::Table(bin)].into()),
        ]);
        manifests.insert(
            PathBuf::from(tests_dir(tier)).join("Cargo.toml"),
            format!("# Staged by the threadlab grader; rewritten on every grade.\n{manifest}"),
        );
    }
    if let Some(reference) = reference {
        let mut package = package.clone();
        package.insert("name".to_owned(), reference_package(&lesson.id).into());
        let mut features = features.clone();
        features.insert("default".to_owned(), suite.features.clone().into());
        let lib = toml::Table::from_iter([
            ("name".to_owned(), "reference".into()),
            ("path".to_owned(), "lib.rs".into()),
            ("test".to_owned(), false.into()),
            ("doctest".to_owned(), false.into()),
        ]);
        let manifest = toml::Table::from_iter([
            ("package".to_owned(), package.into()),
            ("features".to_owned(), features.into()),
            ("dependencies".to_owned(), dependencies.clone().into()),
            ("lib".to_owned(), lib.into()),
            // Its own workspace root: it lies inside the course's directory tree.
            ("workspace".to_owned(), toml::Table::new().into()),
        ]);
        manifests.insert(
            reference.join("Cargo.toml"),
            format!("# Staged by the threadlab grader: the reference, for differential tests.\n{manifest}"),
        );
    }
    let mut dev_profile = toml::Table::new();
    // No debug info: linking the test binaries is most of a warm rebuild.
    dev_profile.insert("debug".into(), false.into());
    dev_profile.insert("incremental".into(), incremental.into());
    // Dependencies (shuttle, the facade, the harness, the reference) optimized, the learner's crate and
    // the tests not: they are built once per machine, and the checker's scheduler, unoptimized, was most
    // of a checked test's time (lesson05's slowest beginner test, on the warm re-grade's critical path,
    // spent it choosing among runnable tasks). The tier crates stay at opt-level 0, quick to rebuild,
    // and every package keeps its debug assertions and overflow checks.
    dev_profile.insert(
        "package".into(),
        toml::Table::from_iter([(
            "*".to_owned(),
            toml::Value::Table(toml::Table::from_iter([("opt-level".to_owned(), 1.into())])),
        )])
        .into(),
    );
    let members: Vec<toml::Value> = Tier::ALL
        .iter()
        .flat_map(|t| [t.name().to_owned(), tests_dir(*t)])
        .map(toml::Value::from)
        .collect();
    let workspace = toml::Table::from_iter([
        ("members".to_owned(), members.into()),
        ("resolver".to_owned(), "3".into()),
    ]);
    let root = toml::Table::from_iter([
        ("workspace".to_owned(), workspace.into()),
        (
            "profile".to_owned(),
            toml::Table::from_iter([("dev".to_owned(), dev_profile.into())]).into(),
        ),
    ]);
    manifests.insert(
        PathBuf::from("Cargo.toml"),
        format!("# Staged by the threadlab grader; rewritten on every grade.\n{root}"),
    );
    Ok(manifests)
}

/// Replaces `{ workspace = true, .. }` by the workspace's entry (with the local keys merged in) and
/// makes path dependencies absolute.
fn resolve_dependency(course: &Course, name: &str, spec: &toml::Value, shared: &toml::Table) -> toml::Value {
    let Some(table) = spec.as_table() else {
        return spec.clone();
    };
    let mut resolved = if table.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
        match shared.get(name) {
            Some(toml::Value::String(version)) => {
                toml::Table::from_iter([("version".to_owned(), version.clone().into())])
            }
            Some(toml::Value::Table(t)) => t.clone(),
            _ => toml::Table::new(),
        }
    } else {
        toml::Table::new()
    };
    for (key, value) in table {
        if key == "workspace" {
            continue;
        }
        if key == "features" {
            let mut merged = resolved
                .get("features")
                .and_then(|f| f.as_array())
                .cloned()
                .unwrap_or_default();
            merged.extend(value.as_array().cloned().unwrap_or_default());
            resolved.insert(key.clone(), merged.into());
        } else {
            resolved.insert(key.clone(), value.clone());
        }
    }
    if let Some(path) = resolved.get("path").and_then(|p| p.as_str()) {
        let absolute = course.root().join(path);
        resolved.insert("path".into(), absolute.to_string_lossy().into_owned().into());
    }
    resolved.into()
}

/// Writes `text` to `path` unless it already holds exactly that (keeping its timestamp).
pub(crate) fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|current| current == text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    // Written beside and renamed into place: grades running side by side (a batch) stage the
    // shared reference library, and none may read a half-written file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let partial = path.with_extension(format!(
        "partial-{}-{}",
        std::process::id(),
        WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&partial, text).map_err(io("write", &partial))?;
    std::fs::rename(&partial, path).map_err(io("write", path))
}

/// Deletes files left in `src/`, `tests/` and the tier packages by an earlier staging that this one does not have.
fn remove_strays(dir: &Path, keep: &BTreeMap<PathBuf, String>) -> Result<()> {
    let mut subs = vec!["src".to_owned(), "tests".to_owned()];
    for tier in Tier::ALL {
        subs.extend([tier.name().to_owned(), tests_dir(tier)]);
    }
    for sub in subs {
        let Ok(entries) = std::fs::read_dir(dir.join(&sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let relative = PathBuf::from(&sub).join(entry.file_name());
            if !keep.contains_key(&relative) {
                let path = entry.path();
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                removed.map_err(io("remove", &path))?;
            }
        }
    }
    Ok(())
}

/// A stable 64-bit hash (FNV-1a): stage directories' names, keys of staged inputs and verdicts.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tier_library_holds_the_course_modules_and_its_own_tier_only() {
        let lib = "#![doc = include_str!(\"../../../lessons/x/README.md\")]\n//! Docs.\n#![forbid(unsafe_code)]\n\
                   pub mod sync;\npub mod beginner;\npub mod intermediate;\npub mod advanced;\n";
        let root = lib_root(
            lib,
            Tier::Intermediate,
            &[Tier::Intermediate],
            Path::new("lib.rs"),
        )
        .unwrap();
        // The crate's own lint attributes bind every module, the learner's included.
        assert!(root.contains("\n#![forbid(unsafe_code)]\n"), "{root}");
        assert!(
            root.contains("#[path = \"src/sync.rs\"]\npub mod sync;\n"),
            "{root}"
        );
        assert!(
            root.contains(&format!(
                "{TIER_LINTS}\n#[path = \"src/intermediate.rs\"]\npub mod intermediate;\n"
            )),
            "{root}"
        );
        assert!(
            !root.contains("pub mod beginner") && !root.contains("pub mod advanced"),
            "{root}"
        );
        assert!(
            !root.contains("README") && !root.contains("Docs.") && !root.contains("tests/"),
            "the hidden tests are not in the library: {root}"
        );
        assert!(
            lib_root(
                "pub mod beginner;\n",
                Tier::Beginner,
                &[Tier::Beginner],
                Path::new("lib.rs")
            )
            .is_err()
        );
        let both = lib_root(
            lib,
            Tier::Advanced,
            &[Tier::Beginner, Tier::Advanced],
            Path::new("lib.rs"),
        )
        .unwrap();
        assert!(
            both.contains("pub mod beginner;")
                && both.contains("pub mod advanced;")
                && !both.contains("pub mod intermediate;")
        );
        assert_eq!(module_name("pub(crate) mod interp;"), Some("interp"));
        assert_eq!(module_name("mod tests {"), None);
    }

    #[test]
    fn a_tier_that_names_another_tiers_module_gets_it_in_its_crate() {
        let texts: BTreeMap<Tier, String> = [
            (
                Tier::Beginner,
                "//! the intermediate tier builds on this\npub fn f() {}\n",
            ),
            (Tier::Intermediate, "use crate::{beginner::f, sync};\n"),
            (Tier::Advanced, "fn g() { crate::intermediate ::h(); }\n"),
        ]
        .into_iter()
        .map(|(t, s)| (t, s.to_owned()))
        .collect();
        let crates = tier_crates(&texts);
        assert_eq!(
            crates[&Tier::Beginner],
            [Tier::Beginner],
            "a mention in prose is no path"
        );
        assert_eq!(crates[&Tier::Intermediate], [Tier::Beginner, Tier::Intermediate]);
        assert_eq!(
            crates[&Tier::Advanced],
            Tier::ALL,
            "what intermediate names comes along"
        );
        assert!(names_tier("use super::advanced;", Tier::Advanced));
        assert!(
            !names_tier("my_beginner::x()", Tier::Beginner) && !names_tier("beginners::x", Tier::Beginner)
        );
    }

    #[test]
    fn unchanged_files_keep_their_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.rs");
        write_if_changed(&path, "x").unwrap();
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_if_changed(&path, "x").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), before);
        write_if_changed(&path, "y").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "y");
    }
}
