//! Self-study only: rebuilding an edited tier by re-running the rustc command cargo last ran for it.
//!
//! After a one-line edit of one tier file, cargo's own work (loading the staged workspace, checking
//! the fingerprints of some fifty units, rewriting them) costs about 60 ms of a 0.3 s re-grade, for
//! a rebuild whose only compiler step is known in advance: the tier's one crate, compiled with the
//! same command as last time. So cargo's `-vv` output is kept (the exact rustc command line and
//! environment of each tier's binary) and, while nothing but tier files changed, the next grade runs
//! that command itself.
//!
//! "Nothing but tier files" is checked, not assumed: a record holds the staged inputs' key
//! ([`Staged::inputs_key`]: every other staged file, the lock file, the sources of the course's
//! crates) and, per tier, the hash of the tier file its binary was built from. Any other difference,
//! a missing binary, or a command that fails (a compile error, a toolchain update) falls back to
//! cargo, which then finds the unit out of date by its own timestamps and rebuilds it: the record
//! can make a grade faster, never different. Submissions, batches and `--repeat` never use it.

use crate::compile::Built;
use crate::interrupt::Registered;
use crate::stage::Staged;
use crate::tier::Tier;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// An exclusive lock on a staged workspace's builds, released when dropped. Without it (a file
/// system without `flock`) builds simply go unserialized, as before replays existed.
#[derive(Debug)]
pub struct BuildLock {
    _file: Option<std::fs::File>,
}

impl BuildLock {
    pub fn take(staged: &Staged) -> BuildLock {
        BuildLock {
            _file: close_gate(&staged.dir.join("build.lock")),
        }
    }
}

/// Where a staged workspace keeps its record.
fn record_path(staged: &Staged) -> PathBuf {
    staged.dir.join("replay.json")
}

/// The recorded rustc commands of one staged workspace.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    inputs: String,
    tiers: BTreeMap<Tier, Recorded>,
}

/// One tier's binary, what it was built from, and how to build it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Recorded {
    /// Hash of the tier file the binary was built from.
    source: String,
    /// The rustc commands of the tier's library (the learner's code) and then of its test binary,
    /// once cargo has been seen running both (a tier cargo found up to date on the first recorded
    /// build has none yet: it can be re-used as it is, not rebuilt).
    command: Option<(Rustc, Rustc)>,
    /// The binary rustc writes (under `deps/`; cargo's copy beside it is cargo's business), or
    /// cargo's copy while there is no command.
    binary: PathBuf,
    /// How its last rebuild here went: pipelined, or one command after the other (see
    /// [`Rebuilt`]); for the tests that keep the fast path in use.
    #[serde(default)]
    rebuilt: Option<Rebuilt>,
}

/// How an edited tier was rebuilt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Rebuilt {
    /// The test binary compiled against the library's metadata while the library finished.
    Pipelined,
    /// The two commands one after the other.
    OneAfterTheOther,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Rustc {
    env: Vec<(String, String)>,
    program: String,
    args: Vec<String>,
    cwd: PathBuf,
}

impl Record {
    fn load(staged: &Staged) -> Option<Record> {
        let text = std::fs::read_to_string(record_path(staged)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// A record that cannot be written only costs the next grade a cargo run.
    fn save(&self, staged: &Staged) {
        if let Ok(text) = serde_json::to_string(self) {
            let _ = std::fs::write(record_path(staged), text);
        }
    }
}

/// The hash of every tier file `tier`'s binary is built from (its own, and the tiers it uses).
fn source_hash(staged: &Staged, tier: Tier) -> String {
    let mut text = String::new();
    for module in staged.modules(tier) {
        text.push_str(module.name());
        text.push('\n');
        text.push_str(staged.text(module));
    }
    format!("{:016x}:{}", crate::stage::fnv1a(text.as_bytes()), text.len())
}

/// Builds `tiers` without cargo if the record allows it; `None` means "ask cargo".
pub fn build(staged: &Staged, tiers: &[Tier]) -> Option<Built> {
    let mut record = Record::load(staged)?;
    if record.inputs != staged.inputs_key {
        return None;
    }
    let mut built = Built::default();
    let mut stale = Vec::new();
    for &tier in tiers {
        let recorded = record.tiers.get(&tier)?;
        if !recorded.binary.is_file() {
            return None;
        }
        built.binaries.insert(tier, recorded.binary.clone());
        if recorded.source == source_hash(staged, tier) {
            built.fresh.insert(tier);
        } else if recorded.command.is_some() {
            stale.push(tier);
        } else {
            return None;
        }
    }
    // The edited tiers compile side by side, as cargo would run them.
    let all_built = std::thread::scope(|s| {
        let runs: Vec<_> = stale
            .iter()
            .map(|tier| {
                let command = record.tiers[tier].command.as_ref();
                s.spawn(move || command.and_then(|(lib, tests)| rebuild(staged, *tier, lib, tests)))
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().ok().flatten())
            .collect::<Option<Vec<Rebuilt>>>()
    });
    let rebuilt = all_built?;
    for (tier, how) in stale.into_iter().zip(rebuilt) {
        if let Some(recorded) = record.tiers.get_mut(&tier) {
            recorded.source = source_hash(staged, tier);
            recorded.rebuilt = Some(how);
        }
    }
    record.save(staged);
    Some(built)
}

/// A recorded command as cargo ran it: through the compile sandbox (the program is the wrapper,
/// which reads its policy from the staged workspace).
fn command(staged: &Staged, recorded: &Rustc) -> Command {
    let mut command = Command::new(&recorded.program);
    command
        .args(&recorded.args)
        .envs(recorded.env.iter().map(|(k, v)| (k, v)))
        .env(
            crate::compile_sandbox::POLICY_VAR,
            staged.dir.join(crate::stage::POLICY_FILE),
        )
        .current_dir(&recorded.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Runs a recorded command; whether it built what it builds.
fn run(staged: &Staged, recorded: &Rustc) -> bool {
    command(staged, recorded)
        .registered_output()
        .is_ok_and(|o| o.status.success() && !refused_in_a_warning(&String::from_utf8_lossy(&o.stderr)))
}

/// A `[[disallow]]` lint that clippy reports as a warning in a tier file (a macro called at item
/// level) still refuses the tier: cargo's build says so, so the replay hands over to it. (Cargo
/// has rustc write one JSON diagnostic a line; a course file's warnings name no tier file.)
fn refused_in_a_warning(stderr: &str) -> bool {
    stderr.lines().any(|line| {
        line.contains("clippy::disallowed_")
            && Tier::ALL
                .iter()
                .any(|t| line.contains(&format!("/{}\"", t.file_name())))
    })
}

/// Rebuilds one edited tier, its library and then its test binary, pipelined the way cargo
/// pipelines a library's dependents, and further: the test binary's compile is started with the
/// library's, so that its sandbox is set up meanwhile; its compiler starts, at a first gate the
/// grader holds, once the library's metadata is written (all it compiles against); its linker
/// waits at a second gate until the library is built and stands where that compiler was told to
/// find it. On two CPUs the library's code generation is hidden behind the test binary's front
/// end; on one it costs nothing. The binary is the one the two commands build one after the
/// other: a library that fails leaves the test binary unlinked, one that never says its metadata
/// is written has its test binary built the plain way afterwards, and anything unexpected hands
/// the tier to cargo.
fn rebuild(staged: &Staged, tier: Tier, lib: &Rustc, tests: &Rustc) -> Option<Rebuilt> {
    let sequential = || (run(staged, lib) && run(staged, tests)).then_some(Rebuilt::OneAfterTheOther);
    let Some(pipeline) = Pipeline::plan(staged, tier, lib, tests) else {
        return sequential();
    };
    let (Some(start), Some(link)) = (close_gate(&pipeline.start), close_gate(&pipeline.link)) else {
        return sequential();
    };
    // What an interrupted rebuild left must never be read as this library's metadata.
    let _ = std::fs::remove_file(&pipeline.stand_in);
    let Ok((mut library, registration)) = crate::interrupt::spawn(&mut command(staged, lib), None) else {
        return None;
    };
    let linking = crate::interrupt::spawn(&mut pipeline.tests_command(staged, tests), None).ok();
    let mut start = Some(start);
    let mut stderr = String::new();
    if let Some(out) = library.stderr.take() {
        let mut reader = BufReader::new(out);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            let text = String::from_utf8_lossy(&line);
            if start.is_some()
                && let Some(metadata) = pipeline.metadata_written(&text)
                && pipeline.stand_in_metadata(&metadata).is_ok()
            {
                // The test binary's compiler starts now.
                start = None;
            }
            stderr.push_str(&text);
            line.clear();
        }
    }
    let built = library.wait().is_ok_and(|s| s.success()) && !refused_in_a_warning(&stderr);
    registration.finish();
    let started = start.is_none();
    let in_place = built && started && pipeline.stand_in_library().is_ok();
    if !in_place && let Some((compiler, _)) = &linking {
        // Nothing to compile against or to link with: the test binary's compile is stopped
        // before either gate opens.
        // SAFETY: signals the process group of a child not yet waited for, so not a recycled one.
        unsafe {
            libc::kill(-(compiler.id() as libc::pid_t), libc::SIGKILL);
        }
    }
    drop((start, link));
    let linked = linking.is_some_and(|(mut compiler, registration)| {
        let linked = compiler.wait().is_ok_and(|s| s.success());
        registration.finish();
        linked
    });
    let _ = std::fs::remove_file(&pipeline.stand_in);
    match (in_place, built && !started) {
        (true, _) => linked.then_some(Rebuilt::Pipelined),
        // A library built without a word of its metadata: its test binary, the plain way.
        (false, true) => run(staged, tests).then_some(Rebuilt::OneAfterTheOther),
        (false, false) => None,
    }
}

/// Holds a gate shut (an exclusive lock on its file, made if missing) until the returned file is
/// dropped; `None` where the file cannot be opened or locked. Also the staged workspace's build lock.
fn close_gate(gate: &Path) -> Option<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(gate)
        .ok()?;
    crate::prune::flock(&file, libc::LOCK_EX).ok()?;
    Some(file)
}

/// One tier's pipelined rebuild: where the library is built, and the stand-in the test binary's
/// compiler reads instead (first the library's metadata alone, then the library itself).
struct Pipeline {
    /// The library cargo's command writes (`deps/liblesson05-….rlib`).
    library: PathBuf,
    /// The metadata file it writes first, by name (the compile sandbox writes it elsewhere first).
    metadata_name: String,
    /// In the tier's pipeline directory, named like the library (rustc wants `lib….rlib`).
    stand_in: PathBuf,
    /// The test binary's compiler waits at `start` for the metadata, its linker at `link` for the
    /// library.
    start: PathBuf,
    link: PathBuf,
    /// Which of the test command's arguments names the library, and its crate name.
    extern_at: usize,
    crate_name: String,
}

impl Pipeline {
    /// `None` when the commands are not the shape this knows (then they run one after the other).
    fn plan(staged: &Staged, tier: Tier, lib: &Rustc, tests: &Rustc) -> Option<Pipeline> {
        let value = |flag: &str| {
            let at = lib.args.iter().position(|a| a == flag)?;
            lib.args.get(at + 1)
        };
        let crate_name = value("--crate-name")?.clone();
        let out_dir = PathBuf::from(value("--out-dir")?);
        let extra = lib
            .args
            .iter()
            .find_map(|a| a.strip_prefix("extra-filename="))
            .unwrap_or_default();
        let stem = format!("lib{crate_name}{extra}");
        let library = out_dir.join(format!("{stem}.rlib"));
        // A linker the course chose is the one its binaries are linked with; the gate's linker
        // would run `cc` instead.
        if tests.args.iter().any(|a| a.contains("linker=")) {
            return None;
        }
        let named = format!("{crate_name}={}", library.display());
        let extern_at = tests
            .args
            .iter()
            .enumerate()
            .position(|(i, a)| *a == named && i > 0 && tests.args[i - 1] == "--extern")?;
        let dir = crate::stage::pipeline_dir(&staged.dir, tier);
        std::fs::create_dir_all(&dir).ok()?;
        Some(Pipeline {
            stand_in: dir.join(format!("{stem}.rlib")),
            start: dir.join("start.gate"),
            link: dir.join("link.gate"),
            metadata_name: format!("{stem}.rmeta"),
            library,
            extern_at,
            crate_name,
        })
    }

    /// The metadata file the library's compiler just said it wrote, if this line says so (rustc's
    /// `--json=artifacts` notice, which the compile sandbox passes on as it comes).
    fn metadata_written(&self, line: &str) -> Option<PathBuf> {
        #[derive(Deserialize)]
        struct Artifact {
            #[serde(rename = "$message_type")]
            kind: String,
            artifact: PathBuf,
            emit: String,
        }
        let notice: Artifact = serde_json::from_str(line.trim_end()).ok()?;
        (notice.kind == "artifact"
            && notice.emit == "metadata"
            && notice.artifact.file_name()? == self.metadata_name.as_str())
        .then_some(notice.artifact)
    }

    /// The stand-in as a library with nothing in it but `metadata`: an archive whose one member is
    /// `lib.rmeta`, where rustc looks for a library's metadata (and takes a member that is not an
    /// object file as the metadata itself).
    /// (Copied as a stream: a learner's huge `static` makes the metadata as large as the compile
    /// sandbox's file limit, which must not become the grader's memory.)
    fn stand_in_metadata(&self, metadata: &Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut data = std::fs::File::open(metadata)?;
        let size = data.metadata()?.len();
        let written = self.stand_in.with_extension("rlib.part");
        let mut archive = std::io::BufWriter::new(std::fs::File::create(&written)?);
        archive.write_all(b"!<arch>\n")?;
        let header = format!(
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            "lib.rmeta/", 0, 0, 0, 644, size
        );
        archive.write_all(header.as_bytes())?;
        if std::io::copy(&mut data, &mut archive)? != size {
            return Err(std::io::Error::other("the metadata changed while it was copied"));
        }
        if size % 2 == 1 {
            archive.write_all(b"\n")?;
        }
        archive.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&written, &self.stand_in)
    }

    /// The stand-in becomes the finished library (a second name for it, or a copy), before the gate
    /// opens: the linker reads it by name.
    fn stand_in_library(&self) -> std::io::Result<()> {
        let named = self.stand_in.with_extension("rlib.part");
        let _ = std::fs::remove_file(&named);
        if std::fs::hard_link(&self.library, &named).is_err() {
            std::fs::copy(&self.library, &named)?;
        }
        std::fs::rename(&named, &self.stand_in)
    }

    /// The test binary's recorded command, reading the stand-in, started through the first gate
    /// (the compile sandbox waits there before it runs the compiler) and linking through the second
    /// (the grader's executable as the linker: it waits, then runs `cc` as rustc would).
    fn tests_command(&self, staged: &Staged, tests: &Rustc) -> Command {
        let mut recorded = tests.clone();
        recorded.args[self.extern_at] = format!("{}={}", self.crate_name, self.stand_in.display());
        recorded.args.push("-C".into());
        recorded.args.push(format!("linker={}", tests.program));
        let mut command = command(staged, &recorded);
        command
            .env(crate::compile_sandbox::START_GATE_VAR, &self.start)
            .env(crate::compile_sandbox::LINK_GATE_VAR, &self.link)
            .stderr(Stdio::null());
        command
    }
}

/// After a cargo build run with `-vv`: records the rustc command of every tier cargo compiled, keeps
/// the records of tiers cargo found up to date, forgets the rest. Returns the binary each recorded
/// tier should be run from (the one a later replay rewrites), so that re-used verdicts stay keyed to
/// the same file.
pub fn remember(staged: &Staged, cwd: &Path, stderr: &str, built: &Built) -> BTreeMap<Tier, PathBuf> {
    let mut record = Record::load(staged)
        .filter(|r| r.inputs == staged.inputs_key)
        .unwrap_or_else(|| Record {
            inputs: staged.inputs_key.clone(),
            tiers: BTreeMap::new(),
        });
    let mut commands = commands(staged, stderr, cwd);
    for tier in Tier::ALL {
        let known = record.tiers.remove(&tier);
        if !built.binaries.contains_key(&tier) {
            continue;
        }
        let kept = match commands.remove(&tier) {
            Some(new) => Some(new),
            // Up to date in cargo's eyes: built from the tier file as it is now.
            None if built.fresh.contains(&tier) => known.or_else(|| {
                Some(Recorded {
                    source: String::new(),
                    command: None,
                    binary: built.binaries[&tier].clone(),
                    rebuilt: None,
                })
            }),
            None => None,
        };
        if let Some(mut recorded) = kept.filter(|r| r.binary.is_file()) {
            recorded.source = source_hash(staged, tier);
            record.tiers.insert(tier, recorded);
        }
    }
    record.save(staged);
    record
        .tiers
        .into_iter()
        .map(|(tier, r)| (tier, r.binary))
        .collect()
}

/// The rustc commands of the tiers' libraries and test binaries in cargo's `-vv` output: lines like
/// ``Running `CARGO=… CARGO_PKG_NAME=… /path/to/wrapper /path/to/rustc --crate-name … -C extra-filename=-1a2b …` ``.
/// Only a tier whose two commands both appear is recorded (cargo rebuilds the test binary whenever
/// the library changes).
fn commands(staged: &Staged, stderr: &str, cwd: &Path) -> BTreeMap<Tier, Recorded> {
    let mut libs = BTreeMap::new();
    let mut found = BTreeMap::new();
    for line in stderr.lines() {
        let Some(quoted) = line
            .trim_start()
            .strip_prefix("Running `")
            .and_then(|rest| rest.strip_suffix('`'))
        else {
            continue;
        };
        let Some(words) = shlex::split(quoted) else {
            continue;
        };
        let split = words
            .iter()
            .position(|w| !is_assignment(w))
            .unwrap_or(words.len());
        let (env, command) = words.split_at(split);
        let Some((program, args)) = command.split_first() else {
            continue;
        };
        let env: Vec<(String, String)> = env
            .iter()
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let Some(package) = env.iter().find(|(k, _)| k == "CARGO_PKG_NAME").map(|(_, v)| v) else {
            continue;
        };
        let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
        let (Some(crate_name), Some(out_dir)) = (value("--crate-name"), value("--out-dir")) else {
            continue;
        };
        let extra = args
            .iter()
            .find_map(|a| a.strip_prefix("extra-filename="))
            .unwrap_or_default();
        let rustc = Rustc {
            env: env.clone(),
            program: program.clone(),
            args: args.to_vec(),
            cwd: cwd.to_owned(),
        };
        for tier in Tier::ALL {
            if *package == staged.package(tier) {
                libs.insert(tier, rustc.clone());
            } else if *package == staged.tests_package(tier) {
                found.insert(
                    tier,
                    (
                        rustc.clone(),
                        Path::new(out_dir).join(format!("{crate_name}{extra}")),
                    ),
                );
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(tier, (tests, binary))| {
            let lib = libs.remove(&tier)?;
            Some((
                tier,
                Recorded {
                    source: String::new(),
                    command: Some((lib, tests)),
                    binary,
                    rebuilt: None,
                },
            ))
        })
        .collect()
}

/// `NAME=value` with an environment variable's name.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(dir: &Path) -> Staged {
        Staged {
            dir: dir.to_owned(),
            target_dir: dir.join("target"),
            subject_label: "lessons/x".into(),
            tiers: BTreeMap::new(),
            tier_text: Tier::ALL.into_iter().map(|t| (t, format!("// {t}\n"))).collect(),
            package_prefix: "threadlab-stage-lesson05-learner-1234abcd".into(),
            inputs_key: "inputs-1".into(),
            crates: Tier::ALL.into_iter().map(|t| (t, vec![t])).collect(),
            hold: std::sync::Arc::new(crate::prune::hold(&dir.join("stage")).unwrap()),
        }
    }

    /// The beginner binary where cargo's `-C extra-filename` puts it.
    fn built_by_cargo(dir: &Path) -> PathBuf {
        let binary = dir.join("threadlab_stage_lesson05_learner_1234abcd_beginner-77aa");
        std::fs::write(&binary, "built by cargo").unwrap();
        binary
    }

    /// cargo -vv's lines for the beginner tier's library and then its test binary, the binary written
    /// by `sh` (standing in for rustc).
    fn cargo_line(dir: &Path, writes: &str) -> String {
        format!(
            "     Running `CARGO_CRATE_NAME=lesson05 \
             CARGO_PKG_NAME=threadlab-stage-lesson05-learner-1234abcd-beginner /bin/sh -c true \
             --crate-name lesson05 --edition=2024 lib-beginner.rs --out-dir {dir} -C extra-filename=-11bb`\n\
                  Running `CARGO_CRATE_NAME=threadlab_stage_lesson05_learner_1234abcd_beginner \
             CARGO_PKG_NAME=threadlab-stage-lesson05-learner-1234abcd-beginner-tests \
             CARGO_PKG_DESCRIPTION='' /bin/sh -c '{writes}' --crate-name \
             threadlab_stage_lesson05_learner_1234abcd_beginner --edition=2024 tests/beginner.rs \
             --out-dir {dir} -C extra-filename=-77aa`",
            dir = dir.display()
        )
    }

    #[test]
    fn a_recorded_command_rebuilds_an_edited_tier_without_cargo() {
        let dir = tempfile::tempdir().unwrap();
        let mut staged = staged(dir.path());
        let binary = built_by_cargo(dir.path());
        let mut cargo = Built::default();
        cargo.binaries.insert(Tier::Beginner, dir.path().join("uplifted"));
        let line = cargo_line(dir.path(), &format!("echo replayed > {}", binary.display()));
        let chosen = remember(&staged, dir.path(), &line, &cargo);
        assert_eq!(chosen.get(&Tier::Beginner), Some(&binary));

        // Nothing changed: the recorded binary is fresh, nothing runs.
        let built = build(&staged, &[Tier::Beginner]).unwrap();
        assert!(built.fresh.contains(&Tier::Beginner));
        assert_eq!(std::fs::read_to_string(&binary).unwrap(), "built by cargo");

        // The tier file changed: the command runs, once.
        staged.tier_text.insert(Tier::Beginner, "// edited\n".into());
        let built = build(&staged, &[Tier::Beginner]).unwrap();
        assert!(!built.fresh.contains(&Tier::Beginner));
        assert_eq!(std::fs::read_to_string(&binary).unwrap(), "replayed\n");
        assert!(
            build(&staged, &[Tier::Beginner])
                .unwrap()
                .fresh
                .contains(&Tier::Beginner)
        );

        // Anything else changed, or a tier was never recorded: cargo's turn.
        assert!(build(&staged, &[Tier::Beginner, Tier::Advanced]).is_none());
        // A tier cargo found up to date is kept as it is, and can be re-used but not rebuilt.
        let advanced = dir.path().join("advanced-binary");
        std::fs::write(&advanced, "cargo's").unwrap();
        let mut cargo = Built::default();
        cargo.binaries.insert(Tier::Beginner, binary.clone());
        cargo.binaries.insert(Tier::Advanced, advanced.clone());
        cargo.fresh.extend([Tier::Beginner, Tier::Advanced]);
        remember(&staged, dir.path(), "", &cargo);
        let both = build(&staged, &[Tier::Beginner, Tier::Advanced]).unwrap();
        assert_eq!(both.binaries.get(&Tier::Advanced), Some(&advanced));
        staged.tier_text.insert(Tier::Advanced, "// edited\n".into());
        assert!(build(&staged, &[Tier::Advanced]).is_none());
        // A tier that uses another tier's module is rebuilt when that file changes.
        staged
            .crates
            .insert(Tier::Advanced, vec![Tier::Beginner, Tier::Advanced]);
        assert!(
            build(&staged, &[Tier::Advanced]).is_none(),
            "recorded before it used beginner"
        );
        staged.inputs_key = "inputs-2".into();
        assert!(build(&staged, &[Tier::Beginner]).is_none());
    }

    #[test]
    fn a_failing_command_falls_back_to_cargo() {
        let dir = tempfile::tempdir().unwrap();
        let mut staged = staged(dir.path());
        let binary = built_by_cargo(dir.path());
        let mut cargo = Built::default();
        cargo.binaries.insert(Tier::Beginner, binary.clone());
        remember(&staged, dir.path(), &cargo_line(dir.path(), "exit 1"), &cargo);
        staged.tier_text.insert(Tier::Beginner, "fn broken( {\n".into());
        assert!(build(&staged, &[Tier::Beginner]).is_none());
    }

    /// A library's and a test binary's "compilers" as shell scripts in `dir`, with cargo's
    /// arguments: the library writes its metadata first (where the compile sandbox puts it), waits
    /// until the test binary's compiler has started, then writes the library and exits with `exit`;
    /// the test binary's compiler keeps what its `--extern` file held when it started and when it
    /// linked (after the gate, as the grader's linker would wait), then writes the binary.
    fn pipelined_commands(dir: &Path, exit: u8, announce: bool) -> (Rustc, Rustc, PathBuf) {
        let d = dir.display();
        let script = |name: &str, body: String| {
            let path = dir.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path.display().to_string()
        };
        let announced = if announce {
            format!(
                "echo '{{\"$message_type\":\"artifact\",\"artifact\":\"{d}/private/liblesson05-11bb.rmeta\",\"emit\":\"metadata\"}}' >&2\n\
                 i=0; while [ ! -e {d}/started ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done\n"
            )
        } else {
            String::new()
        };
        let library = script(
            "library.sh",
            format!(
                "mkdir -p {d}/private\nprintf META > {d}/private/liblesson05-11bb.rmeta\n{announced}\
                 printf RLIB > {d}/liblesson05-11bb.rlib\nexit {exit}\n"
            ),
        );
        let binary = dir.join("threadlab_stage_lesson05_learner_1234abcd_beginner-77aa");
        let tests = script(
            "tests.sh",
            format!(
                "while [ $# -gt 0 ]; do case \"$1\" in --extern) ext=\"${{2#lesson05=}}\"; shift;; esac; shift; done\n\
                 flock -s \"$THREADLAB_START_GATE\" true\n\
                 cp \"$ext\" {d}/at-start\ntouch {d}/started\n\
                 [ -n \"$THREADLAB_LINK_GATE\" ] && flock -s \"$THREADLAB_LINK_GATE\" true\n\
                 cp \"$ext\" {d}/at-link\necho linked > {binary}\n",
                binary = binary.display()
            ),
        );
        let rustc = |program: String, args: &[&str]| Rustc {
            env: vec![],
            program,
            args: args.iter().map(|a| a.to_string()).collect(),
            cwd: dir.to_owned(),
        };
        let rlib = format!("lesson05={d}/liblesson05-11bb.rlib");
        (
            rustc(
                library,
                &[
                    "--crate-name",
                    "lesson05",
                    "--out-dir",
                    &d.to_string(),
                    "-C",
                    "extra-filename=-11bb",
                ],
            ),
            rustc(
                tests,
                &[
                    "--crate-name",
                    "tests",
                    "--extern",
                    &rlib,
                    "--out-dir",
                    &d.to_string(),
                ],
            ),
            binary,
        )
    }

    #[test]
    fn the_test_binary_compiles_against_the_metadata_and_links_the_finished_library() {
        let dir = tempfile::tempdir().unwrap();
        let staged = staged(dir.path());
        let (lib, tests, binary) = pipelined_commands(dir.path(), 0, true);
        assert_eq!(
            rebuild(&staged, Tier::Beginner, &lib, &tests),
            Some(Rebuilt::Pipelined)
        );
        let at_start = std::fs::read(dir.path().join("at-start")).unwrap();
        assert!(
            at_start.starts_with(b"!<arch>\nlib.rmeta/") && at_start.ends_with(b"META"),
            "started with the metadata alone: {:?}",
            String::from_utf8_lossy(&at_start)
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("at-link")).unwrap(),
            "RLIB",
            "linked with the finished library"
        );
        assert_eq!(std::fs::read_to_string(&binary).unwrap(), "linked\n");
        let stand_in = crate::stage::pipeline_dir(dir.path(), Tier::Beginner).join("liblesson05-11bb.rlib");
        assert!(!stand_in.exists(), "the stand-in is gone");
    }

    #[test]
    fn a_library_that_fails_after_its_metadata_leaves_the_test_binary_unlinked() {
        let dir = tempfile::tempdir().unwrap();
        let staged = staged(dir.path());
        let (lib, tests, binary) = pipelined_commands(dir.path(), 1, true);
        assert_eq!(rebuild(&staged, Tier::Beginner, &lib, &tests), None);
        assert!(
            dir.path().join("started").exists(),
            "the test binary's compiler had started"
        );
        assert!(!binary.exists(), "and was stopped before it linked");
        assert!(!dir.path().join("at-link").exists());
    }

    #[test]
    fn a_library_that_never_says_its_metadata_is_written_gets_its_test_binary_the_plain_way() {
        let dir = tempfile::tempdir().unwrap();
        let staged = staged(dir.path());
        let (lib, tests, binary) = pipelined_commands(dir.path(), 0, false);
        assert_eq!(
            rebuild(&staged, Tier::Beginner, &lib, &tests),
            Some(Rebuilt::OneAfterTheOther)
        );
        for seen in ["at-start", "at-link"] {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(seen)).unwrap(),
                "RLIB",
                "{seen}: the library itself, as the recorded command names it"
            );
        }
        assert_eq!(std::fs::read_to_string(&binary).unwrap(), "linked\n");
    }

    #[test]
    fn only_assignments_before_the_program_are_environment() {
        assert!(is_assignment("CARGO_PKG_NAME=x") && is_assignment("LD_LIBRARY_PATH="));
        assert!(!is_assignment("/usr/bin/rustc") && !is_assignment("--cfg=feature") && !is_assignment("=x"));
    }
}
