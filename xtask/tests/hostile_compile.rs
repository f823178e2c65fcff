//! Hostile submissions against the compile step and the hidden tests' meaning (issue 20): each tier
//! file tries a trick beside an honest part (a stub that returns defaults, a known bug, or the
//! reference's code) and must score exactly what the honest part earns, with a message that says
//! why. Macros and prelude names, `unsafe` through a macro, files and environment read while
//! compiling, ways around lesson05's checked facade, answers of a type of one's own, compile-time
//! loops and memory, disk and output bombs, the grader's terminal, in `--submission` and in a
//! `--class` batch.
//!
//! Tests marked `#[ignore = "hole: ..."]` show a hole that is still open, with its proof of concept.

mod common;

use common::*;
use std::path::Path;

const LESSON: &str = "lesson05-races";

/// The time limit of one compiler run in these tests: the honest crates compile in well under a
/// second, a compile-time loop would otherwise cost the default minute.
const TIME_LIMIT: &str = "5";

/// A submission of `lesson_dir`'s reference with whole tier files replaced.
fn with_files(lesson_dir: &str, files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = submission(lesson_dir, &[]);
    for (tier, text) in files {
        std::fs::write(dir.path().join("src").join(format!("{tier}.rs")), text).unwrap();
    }
    dir
}

/// The reference's tier file with `edits` (old, new) applied once each.
fn reference(tier: &str, edits: &[(&str, &str)]) -> String {
    let path = root()
        .join("solutions")
        .join(LESSON)
        .join(format!("src/{tier}.rs"));
    let mut text = std::fs::read_to_string(path).unwrap();
    for (old, new) in edits {
        assert!(text.contains(old), "fixture edit not found in {tier}.rs: {old}");
        text = text.replacen(old, new, 1);
    }
    text
}

/// A tier's message in the report.
fn message(report: &serde_json::Value, tier: &str) -> String {
    report["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == tier)
        .and_then(|t| t["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn pair(score: u64, status: &str) -> (u64, String) {
    (score, status.to_owned())
}

/// The beginner tier's API, counting nothing.
const BEGINNER_STUBS: &str = r#"
/// Counts nothing.
#[derive(Debug, Default)]
pub struct HitCounter {}

impl HitCounter {
    pub fn new() -> Self {
        Self {}
    }
    pub fn record(&self) {}
    pub fn hits(&self) -> u64 {
        0
    }
}

pub fn count_hits(_threads: usize, _per_thread: u64) -> u64 {
    0
}

pub fn count_with_mutex(_threads: usize, _per_thread: u64) -> u64 {
    0
}
"#;

/// The intermediate tier's API, doing nothing.
const INTERMEDIATE_STUBS: &str = r#"
/// Does nothing.
pub struct ThreadSafeCounter {}

impl core::default::Default for ThreadSafeCounter {
    fn default() -> Self {
        Self {}
    }
}

impl ThreadSafeCounter {
    pub fn new(_initial: i64) -> Self {
        Self {}
    }
    pub fn increment(&self, _amount: i64) {}
    pub fn decrement(&self, _amount: i64) {}
    pub fn reset(&self) {}
    pub fn value(&self) -> i64 {
        0
    }
    pub fn add_capped(&self, _amount: i64, _limit: i64) -> core::primitive::bool {
        false
    }
    pub fn reset_on_drop(&self) -> ResetGuard<'_> {
        ResetGuard { counter: self }
    }
}

impl core::fmt::Debug for ThreadSafeCounter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ThreadSafeCounter")
    }
}

/// Resets nothing.
#[derive(Debug)]
pub struct ResetGuard<'a> {
    #[allow(dead_code)]
    counter: &'a ThreadSafeCounter,
}
"#;

/// The advanced tier's API, doing nothing.
const ADVANCED_STUBS: &str = r#"
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferError {
    NoSuchAccount(usize),
    SameAccount,
    InsufficientFunds { needed: u64, available: u64 },
}

/// Holds nothing.
#[derive(Debug)]
pub struct Bank {}

impl Bank {
    pub fn new(_balances: &[u64]) -> Self {
        Self {}
    }
    pub fn accounts(&self) -> usize {
        0
    }
    pub fn balance(&self, _id: usize) -> Option<u64> {
        None
    }
    pub fn transfer(&self, _from: usize, _to: usize, _amount: u64) -> Result<(), TransferError> {
        Ok(())
    }
    pub fn total(&self) -> u64 {
        0
    }
}
"#;

/// Macros named like the ones the hidden tests and the harness use (`panic`, `assert`,
/// `assert_eq`, `unreachable`, `format_args`, `expect_eq`, `explore`), exported in every way a file
/// can: textual scope with `#![macro_use]`, `#[macro_export]`, and `pub use` of an exported macro.
const MACROS: &str = r#"#![macro_use]
#![allow(unused_macros, unused_imports, clippy::crate_in_macro_def)]

macro_rules! panic { ($($t:tt)*) => {{}} }
macro_rules! assert { ($($t:tt)*) => {{}} }
macro_rules! assert_eq { ($($t:tt)*) => {{}} }
macro_rules! unreachable { ($($t:tt)*) => {{}} }
macro_rules! format_args { ($($t:tt)*) => { ::core::format_args!("") } }
#[macro_export]
macro_rules! expect_eq { ($($t:tt)*) => {{}} }
#[macro_export]
macro_rules! expect { ($($t:tt)*) => {{}} }
#[macro_export]
macro_rules! explore { ($($t:tt)*) => {{}} }
#[macro_export]
macro_rules! quiet { ($($t:tt)*) => {{}} }
pub use crate::quiet as panic;
pub use crate::expect_eq as assert_eq;
"#;

/// Items named like the prelude's: types, an enum, a function, traits.
const PRELUDE_NAMES: &str = r#"#![allow(dead_code, non_camel_case_types)]
pub type Result<T, E = ()> = core::result::Result<T, E>;
pub enum Option<T> {
    Some(T),
    None,
}
pub fn drop<T>(_value: T) {}
pub struct Vec;
pub struct String;
pub trait PartialEq<Rhs = Self> {
    fn eq(&self, other: &Rhs) -> core::primitive::bool;
}
pub trait Default {
    fn default() -> Self;
}
pub type u64 = i64;
"#;

#[test]
fn macros_and_prelude_names_of_a_tier_file_change_no_hidden_test() {
    // Beginner: the lost update beside the macros; intermediate: stubs beside the prelude names;
    // advanced: the reference with `unsafe` that only appears where a macro is used.
    let lost_update = reference("beginner", &[(LOST_UPDATE.1, LOST_UPDATE.2)]);
    // Inner attributes come first: the reference's `//!` docs become plain comments.
    let beginner = format!("{MACROS}{}", lost_update.replace("//!", "//"));
    let intermediate = format!("{PRELUDE_NAMES}{INTERMEDIATE_STUBS}{MACROS_AS_ITEMS}");
    let advanced = reference(
        "advanced",
        &[(
            "fn lock(account: &Mutex<u64>) -> MutexGuard<'_, u64> {\n",
            "fn lock(account: &Mutex<u64>) -> MutexGuard<'_, u64> {\n    sneak!();\n",
        )],
    ) + "\nmacro_rules! sneak {\n    () => {\n        let _ = unsafe { core::mem::zeroed::<u8>() };\n    };\n}\nuse sneak;\n";
    let dir = with_files(
        LESSON,
        &[
            ("beginner", beginner),
            ("intermediate", intermediate),
            ("advanced", advanced),
        ],
    );
    let report = grade_with(dir.path(), &[]);
    assert_eq!(
        tiers(&report),
        [pair(7, "partial"), pair(0, "failed"), pair(0, "compile_error")],
        "{report}"
    );
    assert_eq!(
        not_passed(&report)[..3],
        [
            "records_from_two_threads_are_all_kept",
            "records_from_many_threads_are_all_kept",
            "count_hits_totals_every_thread"
        ],
        "the lost update is caught as without the macros"
    );
    assert!(
        test(&report, "records_from_two_threads_are_all_kept")["message"]
            .as_str()
            .unwrap()
            .contains("expected 4, got 3"),
        "the harness's own assertion, with its own message"
    );
    assert!(
        message(&report, "advanced").contains("usage of an `unsafe` block"),
        "{}",
        message(&report, "advanced")
    );
}

/// The same macros declared after the code of a tier, where textual scope cannot reach anything
/// but what follows: nothing.
const MACROS_AS_ITEMS: &str = r#"
#[macro_export]
macro_rules! assert_ne { ($($t:tt)*) => {{}} }
pub use crate::assert_ne as todo;
"#;

/// `hits()` answers with a type of its own that equals every number; `count_hits` starts the
/// threads the test counts and records nothing.
const LIAR_BEGINNER: &str = r#"
use crate::thread;

/// Equal to every number, and it says so.
#[derive(Debug)]
pub struct Liar;

impl PartialEq<u64> for Liar {
    fn eq(&self, _other: &u64) -> bool {
        true
    }
}

#[derive(Debug, Default)]
pub struct HitCounter {}

impl HitCounter {
    pub fn new() -> Self {
        Self {}
    }
    pub fn record(&self) {}
    pub fn hits(&self) -> Liar {
        Liar
    }
}

pub fn count_hits(threads: usize, _per_thread: u64) -> Liar {
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {});
        }
    });
    Liar
}

pub fn count_with_mutex(threads: usize, per_thread: u64) -> Liar {
    count_hits(threads, per_thread)
}
"#;

/// `value()` answers with a type that cannot even be shown: the error is in the hidden tests.
const UNSHOWABLE_INTERMEDIATE: &str = r#"
pub struct Unshowable;

impl PartialEq<i64> for Unshowable {
    fn eq(&self, _other: &i64) -> bool {
        true
    }
}
"#;

#[test]
fn answers_of_a_type_of_ones_own_and_a_lying_partial_eq_earn_nothing() {
    let intermediate = format!("{INTERMEDIATE_STUBS}{UNSHOWABLE_INTERMEDIATE}").replace(
        "    pub fn value(&self) -> i64 {\n        0\n    }",
        "    pub fn value(&self) -> Unshowable {\n        Unshowable\n    }",
    );
    // The reference bank, whose refusals all compare equal and look alike: any refusal will do.
    let advanced = reference(
        "advanced",
        &[
            (
                "#[derive(Debug, Clone, PartialEq, Eq)]\npub enum TransferError {",
                "#[derive(Clone, Eq)]\npub enum TransferError {",
            ),
            (
                "/// Accounts numbered from 0",
                "impl PartialEq for TransferError {\n    fn eq(&self, _other: &Self) -> bool {\n        true\n    }\n}\n\n\
                 impl std::fmt::Debug for TransferError {\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n        \
                 f.write_str(\"Refused\")\n    }\n}\n\n/// Accounts numbered from 0",
            ),
            (
                "return Err(TransferError::NoSuchAccount(id));",
                "return Err(TransferError::SameAccount);",
            ),
        ],
    );
    let dir = with_files(
        LESSON,
        &[
            ("beginner", LIAR_BEGINNER.to_owned()),
            ("intermediate", intermediate),
            ("advanced", advanced),
        ],
    );
    let report = grade_with(dir.path(), &[]);
    assert_eq!(
        tiers(&report),
        [
            // The hidden tests compare a learner type only through its derived equality (and no
            // longer compile against one whose equality is its own).
            pair(0, "compile_error"),
            pair(0, "compile_error"),
            pair(0, "compile_error")
        ],
        "{report}"
    );
    assert!(
        message(&report, "beginner").contains("can't compare `Liar` with `Liar`"),
        "{report}"
    );
    // Errors in the hidden tests' crate show their headline only, never the hidden source, also
    // when the span lies in a macro the tests call.
    let unshowable = message(&report, "intermediate");
    assert!(
        unshowable.contains("`Unshowable` doesn't implement `Debug`")
            && unshowable.contains("(in the hidden tests"),
        "{unshowable}"
    );
    let derived = message(&report, "advanced");
    assert!(
        derived.contains("non-structural type `lesson05::advanced::TransferError`"),
        "{derived}"
    );
    for hidden in [
        "expect_eq!",
        "derived_partial_eq!",
        "tests/intermediate.rs:",
        "tests/advanced.rs:",
    ] {
        assert!(
            !unshowable.contains(hidden) && !derived.contains(hidden),
            "{hidden} shown: {unshowable}\n{derived}"
        );
    }
}

/// Every way a tier file can name a file to be read while it compiles, on the reference solution
/// and the hidden suite (`ROOT` is the course root).
const READS_BEGINNER: &str = r#"
pub const SOLUTION: &str = include_str!("ROOT/solutions/lesson05-races/src/beginner.rs");
pub const SUITE: &[u8] = core::include_bytes!("ROOT/grader/suites/lesson05-races/beginner.rs");
use core::include_str as read;
pub const ALIASED: &str = read!("ROOT/grader/suites/lesson05-races/suite.toml");
macro_rules! smuggle {
    ($path:literal) => {
        include_str!($path)
    };
}
pub const BY_MACRO: &str = smuggle!("ROOT/solutions/lesson05-races/src/advanced.rs");
compile_error!(concat!("leak: ", include_str!("ROOT/grader/suites/lesson05-races/beginner.rs")));
const _: () = panic!("{}", include_str!("ROOT/solutions/lesson05-races/src/beginner.rs"));
pub mod nested {
    pub const N: &str = include!("ROOT/solutions/lesson05-races/src/sync.rs");
}
"#;

const READS_INTERMEDIATE: &str = r#"#![doc = include_str!("ROOT/solutions/lesson05-races/src/intermediate.rs")]
#![debugger_visualizer(gdb_script_file = "ROOT/solutions/lesson05-races/src/intermediate.rs")]
#[path = "ROOT/solutions/lesson05-races/src/intermediate.rs"]
mod solution;
pub use solution::*;
#[cfg_attr(all(), path = "ROOT/grader/suites/lesson05-races/intermediate.rs")]
mod suite;
"#;

const READS_ADVANCED: &str = r#"
pub const SECRET: &str = env!("THREADLAB_TEST_SECRET");
pub const MAYBE: Option<&str> = option_env!("THREADLAB_TEST_SECRET");
pub const BY_ALIAS: Option<&str> = std::option_env!("THREADLAB_TEST_SECRET");
"#;

#[test]
fn files_and_environment_read_while_compiling_cost_their_tier_and_leak_nothing() {
    let course = root().to_string_lossy().into_owned();
    let dir = with_files(
        LESSON,
        &[
            (
                "beginner",
                format!("{BEGINNER_STUBS}{}", READS_BEGINNER.replace("ROOT", &course)),
            ),
            ("intermediate", READS_INTERMEDIATE.replace("ROOT", &course)),
            ("advanced", format!("{ADVANCED_STUBS}{READS_ADVANCED}")),
        ],
    );
    let secret = "threadlab-canary-4f1d0c";
    let report = grade_with(dir.path(), &[("THREADLAB_TEST_SECRET", secret)]);
    for (score, status) in tiers(&report) {
        assert_eq!(score, 0, "{report}");
        assert!(status == "compile_error" || status == "refused", "{report}");
    }
    let text = report.to_string();
    assert!(!text.contains(secret), "the grader's environment leaked: {text}");
    // Lines of the files read, that appear nowhere else in a report.
    for leak in [
        "Hidden tests, beginner tier",
        "BEGIN SOLUTION",
        "fn assert_shareable",
        "The hidden suite of lesson05",
        "Locks, atomics and `Arc` for the exercises",
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    let beginner = message(&report, "beginner");
    assert!(
        beginner.contains("couldn't read") || beginner.contains("may not read files"),
        "{beginner}"
    );
    assert!(
        message(&report, "advanced").contains("THREADLAB_TEST_SECRET"),
        "says which variable: {report}"
    );
}

/// A racy counter (a load, then a separate store) on std's atomics, however they are named, or
/// with its count kept in the checker's own log, where no checked operation sees it. Each is an item of its own beside the
/// tier's stubs: any one of them refuses the tier.
const AROUND_THE_FACADE: [(&str, &str); 12] = [
    (
        "raw identifier",
        "pub struct Racy { hits: r#std::sync::atomic::AtomicU64 }\n\
         impl Racy { pub fn record(&self) { let seen = self.hits.load(r#std::sync::atomic::Ordering::Relaxed); \
         self.hits.store(seen + 1, r#std::sync::atomic::Ordering::Relaxed); } }\n",
    ),
    (
        "std handed to a macro",
        "macro_rules! atomic { ($root:ident) => { $root::sync::atomic::AtomicU64 } }\n\
         #[derive(Default)]\npub struct Racy { hits: atomic!(std) }\n",
    ),
    (
        "use std as s",
        "use std as s;\n#[derive(Default)]\npub struct Racy { hits: s::sync::atomic::AtomicU64 }\n",
    ),
    (
        "core",
        "#[derive(Default)]\npub struct Racy { hits: core::sync::atomic::AtomicU64 }\n",
    ),
    (
        "extern crate std as s",
        "extern crate std as s;\n#[derive(Default)]\npub struct Racy { hits: s::sync::atomic::AtomicU64 }\n",
    ),
    (
        "type alias and Default::default()",
        "type Hits = std::sync::atomic::AtomicU64;\npub struct Racy { hits: Hits }\n\
         impl Racy { pub fn new() -> Self { Self { hits: Default::default() } } }\n",
    ),
    (
        "generic parameter's default",
        "#[derive(Default)]\npub struct Racy<A = core::sync::atomic::AtomicU64> { hits: A }\n",
    ),
    (
        "glob import",
        "use core::sync::atomic::*;\n#[derive(Default)]\npub struct Racy { hits: AtomicU64 }\n",
    ),
    (
        "alloc's Mutex",
        "extern crate alloc;\nuse alloc::sync::Arc;\n#[derive(Default)]\npub struct Racy { hits: Arc<std::sync::Mutex<u64>> }\n",
    ),
    (
        "a thread of std's",
        "pub fn racy() { let _ = std::thread::Builder::new().spawn(|| ()); }\n",
    ),
    (
        "the checker's own log",
        "pub fn record(key: usize) {\n    use threadlab_trace::log::{self, Object, Place};\n    \
         const HERE: Place = Place { file: \"\", line: 0 };\n    \
         let seen = log::snapshot().pending.get(&key).map_or(0, |(o, _)| o.address);\n    \
         log::pending(key, Some((Object { address: seen + 1, kind: \"\", made_at: HERE }, HERE)));\n}\n",
    ),
    (
        // Clippy reports a disallowed macro called at item level at the crate's lint level, a
        // warning: the grader refuses it all the same.
        "std's thread_local! at item level",
        "thread_local! { static HITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) }; }\n",
    ),
];

#[test]
fn ways_around_the_checked_facade_are_refused_and_earn_nothing() {
    // Three at a time, one per tier, beside stubs that compile.
    for chunk in AROUND_THE_FACADE.chunks(3) {
        let stubs = [BEGINNER_STUBS, INTERMEDIATE_STUBS, ADVANCED_STUBS];
        let files: Vec<(&str, String)> = ["beginner", "intermediate", "advanced"]
            .into_iter()
            .zip(stubs)
            .enumerate()
            .map(|(i, (tier, stub))| {
                let trick = chunk.get(i).map_or("", |(_, code)| code);
                (tier, format!("#![allow(dead_code)]\n{stub}\n{trick}"))
            })
            .collect();
        let dir = with_files(LESSON, &files);
        let report = grade_with(dir.path(), &[]);
        for (i, (name, _)) in chunk.iter().enumerate() {
            let tier = ["beginner", "intermediate", "advanced"][i];
            assert_eq!(
                tiers(&report)[i],
                pair(0, "refused"),
                "{name} in {tier}: {}",
                message(&report, tier)
            );
            let why = message(&report, tier);
            assert!(
                why.contains("crate::sync") && why.contains("disallowed"),
                "{name}: {why}"
            );
        }
    }
    // The facade's own `Arc` (shuttle's is std's) is what the lesson tells learners to use.
    let honest = with_files(
        LESSON,
        &[(
            "beginner",
            reference(
                "beginner",
                &[
                    ("use crate::sync::Mutex;", "use crate::sync::{Arc, Mutex};"),
                    ("    hits: AtomicU64,", "    hits: Arc<AtomicU64>,"),
                ],
            ),
        )],
    );
    let report = grade_with(honest.path(), &[]);
    assert_eq!(tiers(&report)[0], pair(20, "passed"), "{report}");
}

/// A `const` that never finishes computing (the lint that would stop it is allowed).
const LOOP_BEGINNER: &str = r#"#![allow(long_running_const_eval)]

const fn spin() -> u64 {
    let mut n = 0u64;
    loop {
        n = n.wrapping_add(1);
        if n == 0 {
            return n;
        }
    }
}

pub const SPUN: u64 = spin();
"#;

/// 3 GiB of constant data: more memory than a compiler run may have.
const BOMB_INTERMEDIATE: &str = "pub static BOMB: [u8; 3 << 30] = [7; 3 << 30];\n";

#[test]
fn a_class_with_a_compile_time_loop_and_a_memory_bomb_still_gets_its_gradebook() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let hand_in = |student: &str, fixture: tempfile::TempDir| {
        std::fs::rename(fixture.path().join("src"), class.path().join(student)).unwrap();
    };
    hand_in("ada", submission(LESSON, &[]));
    hand_in(
        "bob",
        with_files(
            LESSON,
            &[("beginner", format!("{LOOP_BEGINNER}{BEGINNER_STUBS}"))],
        ),
    );
    hand_in(
        "cyd",
        with_files(
            LESSON,
            &[("intermediate", format!("{BOMB_INTERMEDIATE}{INTERMEDIATE_STUBS}"))],
        ),
    );
    let output = xtask(&[
        "grade",
        "lesson05",
        "--class",
        class.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ])
    .env("THREADLAB_COMPILE_TIME_LIMIT_SECS", TIME_LIMIT)
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("3 students: 3 graded"), "{stdout}");
    let gradebook = std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap();
    let row = |student: &str| -> Vec<String> {
        gradebook
            .lines()
            .find(|l| l.starts_with(&format!("{student},")))
            .unwrap_or_else(|| panic!("{student} missing: {gradebook}"))
            .split(',')
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row("ada")[1..5], ["20", "20", "20", "60"], "{gradebook}");
    assert_eq!(row("bob")[1..5], ["0", "20", "20", "40"], "{gradebook}");
    assert_eq!(row("cyd")[1..5], ["20", "0", "20", "40"], "{gradebook}");
    let report = |student: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(out.path().join(format!("reports/{student}.json"))).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let looped = message(&report("bob"), "beginner");
    assert!(
        looped.contains(&format!("took over {TIME_LIMIT} s")) && looped.contains("never finishes computing"),
        "{looped}"
    );
    let bomb = message(&report("cyd"), "intermediate");
    // The compiler says so itself, or crashes and the sandbox says why.
    assert!(
        bomb.contains("more memory than available") || bomb.contains("MiB of memory"),
        "{bomb}"
    );
}

/// 600 MiB of initialised data: within the memory limit, but a library of 1.9 GB on disk.
const DISK_BEGINNER: &str = "pub static BLOB: [u8; 600 << 20] = [7; 600 << 20];\n";

/// 4096 errors of a kilobyte each, made by a macro from a few lines.
const FLOOD_INTERMEDIATE: &str = r#"
macro_rules! e { () => { compile_error!("ERRORTEXT"); } }
macro_rules! d { ($($t:tt)*) => { $($t)* $($t)* } }
d!{d!{d!{d!{d!{d!{d!{d!{d!{d!{d!{d!{ e!{} }}}}}}}}}}}}
"#;

#[test]
fn outputs_and_diagnostics_a_submission_makes_huge_are_cut() {
    let long_line = "x".repeat(30_000);
    let dir = with_files(
        LESSON,
        &[
            ("beginner", format!("{DISK_BEGINNER}{BEGINNER_STUBS}")),
            (
                "intermediate",
                FLOOD_INTERMEDIATE.replace("ERRORTEXT", &"e".repeat(1000)),
            ),
            (
                "advanced",
                format!("{ADVANCED_STUBS}\ncompile_error!(\"{long_line}\");\n"),
            ),
        ],
    );
    let report = grade_with(dir.path(), &[]);
    assert_eq!(
        tiers(&report),
        [
            pair(0, "compile_error"),
            pair(0, "compile_error"),
            pair(0, "compile_error")
        ],
        "{report}"
    );
    let disk = message(&report, "beginner");
    assert!(disk.contains("wrote a file over 256 MiB"), "{disk}");
    let flood = message(&report, "intermediate");
    assert!(
        flood.contains("... and 48 more error(s)"),
        "50 errors and the note that the rest were left out reach the grader, 3 are shown: {flood}"
    );
    let long = message(&report, "advanced");
    assert!(long.contains("... (cut)") && long.len() < 4_000, "{long}");
    assert!(report.to_string().len() < 40_000, "the whole report stays small");
}

/// Without Landlock (a kernel before 5.13, Landlock off, or `THREADLAB_NO_LANDLOCK`) the compiler
/// could read anything: a `#[path]` module would be the reference solution, and
/// `compile_error!(concat!(include_str!(..)))` would show the hidden suite in the report (clippy's
/// `disallowed_macros` runs after expansion, and `#[path]` is no macro). The names that read files
/// are refused in the tokens before building (`grading/reads.rs`), Landlock or not.
#[test]
fn without_landlock_a_path_module_is_the_reference() {
    let course = root().to_string_lossy().into_owned();
    let dir = with_files(
        LESSON,
        &[
            (
                "beginner",
                format!(
                    "{BEGINNER_STUBS}compile_error!(concat!(\"leak: \", include_str!(\"{course}/grader/suites/lesson05-races/beginner.rs\")));\n"
                ),
            ),
            (
                "intermediate",
                format!(
                    "#[path = \"{course}/solutions/lesson05-races/src/intermediate.rs\"]\nmod solution;\npub use solution::*;\n"
                ),
            ),
        ],
    );
    let report = grade_with(dir.path(), &[("THREADLAB_NO_LANDLOCK", "1")]);
    assert!(
        !message(&report, "beginner").contains("Hidden tests, beginner tier"),
        "the hidden suite is in the report"
    );
    assert_eq!(
        tiers(&report)[1].0,
        0,
        "the reference's intermediate.rs, compiled as a module, earns its points"
    );
}

/// Was a hole: the compile sandbox let every learner crate read (and write) all of the shared
/// `target/threadlab/build/debug/deps`: the compiled hidden tests of every grade (the starters'
/// on Gradescope, the reference's after `--reference`) and other students' libraries. A constant
/// that panics with what it found brings any string of those binaries into the report, here a
/// message of `records_from_many_threads_are_all_kept`, a test held back until the due date. Now a
/// learner's library writes into a directory of its own and reads only the course's dependency
/// libraries there (`compile_sandbox::isolate`).
#[test]
fn the_compiled_hidden_tests_of_other_grades_cannot_be_read_while_compiling() {
    // Some grade's compiled beginner tests (this one's own first, so there is one).
    let warm = submission(LESSON, &[]);
    grade_with(warm.path(), &[]);
    let deps = root().join("target/threadlab/build/debug/deps");
    let binary = std::fs::read_dir(&deps)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("threadlab_stage_lesson05_")
                && name.contains("_beginner-")
                && p.extension().is_none()
        })
        .expect("a compiled beginner test binary");
    let exfiltrate = format!(
        r#"
const BIN: &[u8] = include_bytes!("{binary}");
#[allow(long_running_const_eval)]
const AT: usize = {{
    let needle = b"4 threads started";
    let mut i = 0;
    'scan: while i + needle.len() <= BIN.len() {{
        let mut j = 0;
        while j < needle.len() {{
            if BIN[i + j] != needle[j] {{
                i += 1;
                continue 'scan;
            }}
            j += 1;
        }}
        break;
    }}
    i
}};
const _: () = match core::str::from_utf8(BIN.split_at(AT).1.split_at(60).0) {{
    Ok(found) => panic!("{{}}", found),
    Err(_) => panic!("not text"),
}};
"#,
        binary = binary.display()
    );
    let dir = with_files(LESSON, &[("beginner", format!("{BEGINNER_STUBS}{exfiltrate}"))]);
    let report = grade_with(dir.path(), &[("THREADLAB_COMPILE_TIME_LIMIT_SECS", "60")]);
    assert!(
        !message(&report, "beginner").contains("each recorded 10 hits"),
        "a held-back test's message read from a compiled test binary: {}",
        message(&report, "beginner")
    );
}

/// A racy counter kept in a file of the test's own directory: a read, then a separate write.
const FILE_COUNTER: &str = r#"
use std::os::unix::fs::FileExt;

#[derive(Debug)]
pub struct HitCounter {
    file: std::fs::File,
}

impl Default for HitCounter {
    fn default() -> Self {
        let path = std::env::temp_dir().join("hits");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("a file in the test's own directory");
        // The name is free again at once; the open file is this counter's alone.
        let _ = std::fs::remove_file(&path);
        Self { file }
    }
}

impl HitCounter {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn record(&self) {
        let seen = self.hits();
        let _ = self.file.write_at(&(seen + 1).to_le_bytes(), 0);
    }
    pub fn hits(&self) -> u64 {
        let mut bytes = [0u8; 8];
        let _ = self.file.read_at(&mut bytes, 0);
        u64::from_le_bytes(bytes)
    }
}

pub fn count_hits(threads: usize, per_thread: u64) -> u64 {
    let counter = HitCounter::new();
    crate::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| (0..per_thread).for_each(|_| counter.record()));
        }
    });
    counter.hits()
}

pub fn count_with_mutex(threads: usize, per_thread: u64) -> u64 {
    count_hits(threads, per_thread)
}
"#;

/// A count kept in a pipe, one byte per record.
const PIPE_COUNTER: &str = r#"
pub fn pipe_count(records: u64) -> u64 {
    use std::io::{Read, Write};
    let Ok((mut reader, mut writer)) = std::io::pipe() else {
        return 0;
    };
    for _ in 0..records {
        let _ = writer.write_all(&[1]);
    }
    drop(writer);
    let mut all = Vec::new();
    let _ = reader.read_to_end(&mut all);
    all.len() as u64
}
"#;

/// State kept by another process, or in a socket's buffer.
const PROCESS_AND_SOCKET: &str = r#"
pub fn outside_count() -> u64 {
    let child = std::process::Command::new("true").status().is_ok();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").is_ok();
    u64::from(child) + u64::from(socket)
}
"#;

/// Was a hole: the checker interleaves threads only at `crate::sync` operations (shuttle runs every
/// checked thread on one OS thread), so shared state kept anywhere else (a file, a pipe, a socket,
/// the working directory) is read and written back without a switch in between: this racy counter
/// earned the beginner tier's 20 points, where the same lost update on the facade's atomics earns 7.
/// lesson05's tier files may not use std's files, pipes, sockets and processes now
/// (`std_fs_process_and_net` in its suite); the runtime attacks that need them are lesson01's
/// (`hostile.rs`). A pipe, a child process and a socket are refused alike, one per tier.
#[test]
fn a_racy_counter_kept_in_a_file_earns_what_a_lost_update_earns() {
    let dir = with_files(
        LESSON,
        &[
            ("beginner", FILE_COUNTER.to_owned()),
            ("intermediate", format!("{INTERMEDIATE_STUBS}{PIPE_COUNTER}")),
            ("advanced", format!("{ADVANCED_STUBS}{PROCESS_AND_SOCKET}")),
        ],
    );
    let report = grade_with(dir.path(), &[]);
    assert!(tiers(&report)[0].0 <= 8, "{report}");
    for (i, (tier, refused)) in [
        ("beginner", "std::fs::OpenOptions"),
        ("intermediate", "std::io::pipe"),
        ("advanced", "std::process::Command"),
    ]
    .into_iter()
    .enumerate()
    {
        let why = message(&report, tier);
        assert_eq!(tiers(&report)[i], pair(0, "refused"), "{tier}: {why}");
        assert!(
            why.contains(refused) && why.contains("in memory, behind `crate::sync`"),
            "{tier}: {why}"
        );
    }
    assert!(message(&report, "advanced").contains("std::net::UdpSocket"));
}

/// The same rule in the other lessons whose shared state the checker grades: a tier file of
/// lesson07 (every tier) or of lesson09's intermediate tier (its advanced tier writes the downloads
/// and keeps `std::fs`) that keeps anything in a file is refused, while the reference, which needs
/// none of it there, keeps full marks in the tiers beside it.
#[test]
fn files_are_refused_wherever_no_tier_needs_them() {
    for (lesson_dir, lesson, tier) in [
        ("lesson07-executors", "lesson07", "beginner"),
        ("lesson09-downloader", "lesson09", "intermediate"),
    ] {
        let dir = submission(lesson_dir, &[]);
        let path = dir.path().join("src").join(format!("{tier}.rs"));
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(
            "\npub fn remembered() -> usize {\n    std::fs::read_to_string(\"/tmp/seen\").map_or(0, |s| s.len())\n}\n",
        );
        std::fs::write(&path, text).unwrap();
        let report = report(&[
            "grade",
            lesson,
            "--format",
            "json",
            "--submission",
            dir.path().to_str().unwrap(),
        ]);
        let why = message(&report, tier);
        let index = ["beginner", "intermediate", "advanced"]
            .iter()
            .position(|t| *t == tier)
            .unwrap();
        assert_eq!(
            tiers(&report)[index],
            pair(0, "refused"),
            "{lesson} {tier}: {why}"
        );
        assert!(why.contains("std::fs::read_to_string"), "{lesson} {tier}: {why}");
        for (other, (score, status)) in tiers(&report).into_iter().enumerate() {
            if other != index {
                assert_eq!(
                    status, "passed",
                    "{lesson}: the reference's other tiers ({score}): {report}"
                );
            }
        }
    }
}

/// Was a hole (now refused: lesson04's intermediate tier may not use `Interpreter` either):
/// `[[disallow]] types` sees the types a file writes, not the ones inference or a default
/// type parameter supplies. lesson04's intermediate exercise (write the lock yourself; the course's
/// `CourseGil` is disallowed there) passes in full by delegating to the `CourseGil` inside
/// `Interpreter` (whose default type parameter is `CourseGil`), never writing its name.
#[test]
fn lesson04_course_gil_behind_a_default_type_parameter_is_refused() {
    let delegate = r#"//! The course's own lock, reached without writing its name.
use crate::interp::{GilLock, Interpreter, Tid};

pub struct SwitchingGil {
    course: Interpreter,
}

impl std::fmt::Debug for SwitchingGil {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SwitchingGil")
    }
}

impl SwitchingGil {
    pub fn new(interval: u64) -> Self {
        Self { course: Interpreter::new(interval) }
    }
}

impl GilLock for SwitchingGil {
    fn acquire(&self, me: Tid) {
        self.course.lock().acquire(me)
    }
    fn release(&self, me: Tid) {
        self.course.lock().release(me)
    }
    fn switch_point(&self, me: Tid) -> bool {
        self.course.lock().switch_point(me)
    }
    fn holder(&self) -> Option<Tid> {
        self.course.lock().holder()
    }
    fn waiting(&self) -> usize {
        self.course.lock().waiting()
    }
    fn drop_requested(&self) -> bool {
        self.course.lock().drop_requested()
    }
}
"#;
    let dir = with_files("lesson04-gil", &[("intermediate", delegate.to_owned())]);
    let report = report(&[
        "grade",
        "lesson04",
        "--format",
        "json",
        "--submission",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(tiers(&report)[1].0, 0, "{report}");
}

/// Not hostile, but the sandbox's own: a distribution's cargo (or `RUSTC=rustc`) names the compiler
/// by a bare name, and the compile sandbox must still find its toolchain and clippy.
#[test]
fn a_compiler_named_without_its_path_still_grades() {
    let dir = submission(LESSON, &[]);
    let report = grade_with(dir.path(), &[("RUSTC", "rustc")]);
    assert_eq!(report["score"], 60, "{report}");
}

/// The terminal the grader runs in is no file learner code may use. While compiling,
/// `include_str!("/dev/tty")` read what the teacher typed during the grade into the student's
/// compile error; while testing, a write to `/dev/tty` put fake grade lines and escape sequences
/// (OSC 52 sets the clipboard) on the teacher's screen. Run under `script`, which gives the grader
/// a terminal and records what appears on it (skipped where there is none). In lesson01, whose tier
/// files may open files (lesson05's may not).
#[test]
fn the_graders_terminal_is_neither_read_nor_written() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script to give the grader a terminal");
        return;
    }
    let spoof = "SPOOFED lesson01: 60/60";
    let dir = submission(
        "lesson01-threads",
        &[
            (
                "beginner",
                "/// Starts `f` on a new thread",
                "compile_error!(concat!(\"typed: \", include_str!(\"/dev/tty\")));\n\n/// Starts `f` on a new thread",
            ),
            (
                "intermediate",
                "pub fn sum_chunks(data: &[u64], threads: usize) -> u64 {\n",
                &format!(
                    "pub fn sum_chunks(data: &[u64], threads: usize) -> u64 {{\n    if let Ok(mut tty) = \
                     std::fs::OpenOptions::new().write(true).open(\"/dev/tty\") {{\n        \
                     use std::io::Write;\n        \
                     let _ = tty.write_all(b\"\\r\\n{spoof}\\x1b]52;c;ZWNobyBoaQ==\\x07\\r\\n\");\n    }}\n"
                ),
            ),
        ],
    );
    let out = tempfile::tempdir().unwrap();
    let report_path = out.path().join("report.json");
    let screen = out.path().join("screen");
    let grade = format!(
        "{} grade lesson01 --format json --submission {} > {}",
        env!("CARGO_BIN_EXE_xtask"),
        dir.path().display(),
        report_path.display()
    );
    let mut child = std::process::Command::new("/usr/bin/script")
        .args(["-qec", &grade, screen.to_str().unwrap()])
        .env("THREADLAB_COMPILE_TIME_LIMIT_SECS", TIME_LIMIT)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // What the teacher types while the grade runs, then the end of input.
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"hunter2\n\x04").unwrap();
    }
    assert!(child.wait().unwrap().success());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let beginner = message(&report, "beginner");
    assert!(!beginner.contains("hunter2"), "{beginner}");
    assert!(
        beginner.contains("couldn't read `/dev/tty`")
            || beginner.contains("reads a file while the code compiles"),
        "{beginner}"
    );
    assert_eq!(tiers(&report)[1], pair(20, "passed"), "{report}");
    let screen = String::from_utf8_lossy(&std::fs::read(&screen).unwrap()).into_owned();
    assert!(
        !screen.contains(spoof),
        "learner code wrote on the terminal: {screen}"
    );
}

/// Sixty `unused_variables` warnings: harmless, but each one is a diagnostic the compile sandbox
/// counts against its cap of fifty "other" diagnostics (`compile_sandbox::forward_bounded`).
fn warnings(count: usize) -> String {
    let lets: String = (0..count)
        .map(|i| format!("    let unused{i} = {i};\n"))
        .collect();
    format!("\npub fn noisy() {{\n{lets}}}\n")
}

/// A disallowed macro called at item level is refused only through clippy's *warning* (see
/// `compile::run_cargo` and `replay::refused_in_a_warning`); the compile sandbox forwards the first
/// 50 non-error diagnostics and drops the rest, so fifty warnings in front of it drop the refusal
/// and the tier is graded as if the rule held. The cut must never drop a refusal.
#[test]
fn a_refusal_behind_fifty_warnings_is_still_refused() {
    let trick = "thread_local! { static HITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) }; }\n";
    let dir = with_files(
        LESSON,
        &[(
            "beginner",
            format!("{}{}{trick}", reference("beginner", &[]), warnings(60)),
        )],
    );
    let report = grade_with(dir.path(), &[]);
    assert_eq!(
        tiers(&report)[0],
        pair(0, "refused"),
        "{}",
        message(&report, "beginner")
    );
    assert!(
        message(&report, "beginner").contains("std::thread_local"),
        "{}",
        message(&report, "beginner")
    );
}

/// A racy counter kept in symbolic links, with no file opened, named or written: `std::fs::soft_link`
/// (the deprecated old name of `std::os::unix::fs::symlink`, which is refused) makes a link, and
/// `Path::is_symlink`, a method of `Path` rather than a function of `std::fs`, tells whether one
/// exists. `record` finds the first free index (a load), then makes that link (a store): the lost
/// update of `LOST_UPDATE`, in state that no `crate::sync` operation touches, so the checker never
/// switches threads between the two steps and the race tests pass (on real threads two records
/// that see the same index make one link).
const SYMLINK_COUNTER: &str = r#"//! A hit counter kept in symbolic links.
#![allow(deprecated)]

use crate::sync::Mutex;
use crate::thread;
use std::path::Path;

/// Whether link `name` exists.
fn taken(name: &str) -> bool {
    Path::new(name).is_symlink()
}

/// The first free index of the links `prefix-0`, `prefix-1`, ... (every one below it exists).
fn first_free(prefix: &str) -> u64 {
    let at = |k: u64| taken(&format!("{prefix}-{k}"));
    let mut free = 1;
    while at(free - 1) {
        free *= 2;
    }
    let (mut low, mut high) = (0, free - 1);
    while low < high {
        let middle = (low + high) / 2;
        if at(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

fn mark(name: &str) {
    let _ = std::fs::soft_link(".", name);
}

#[derive(Debug)]
pub struct HitCounter {
    prefix: String,
}

impl Default for HitCounter {
    fn default() -> Self {
        let id = first_free("counter");
        mark(&format!("counter-{id}"));
        Self { prefix: format!("hits{id}") }
    }
}

impl HitCounter {
    pub fn new() -> Self {
        Self::default()
    }
    /// A load, then a store, with no checked operation in between.
    pub fn record(&self) {
        let seen = first_free(&self.prefix);
        mark(&format!("{}-{seen}", self.prefix));
    }
    pub fn hits(&self) -> u64 {
        first_free(&self.prefix)
    }
}

pub fn count_hits(threads: usize, per_thread: u64) -> u64 {
    let counter = HitCounter::new();
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    counter.record();
                }
            });
        }
    });
    counter.hits()
}

pub fn count_with_mutex(threads: usize, per_thread: u64) -> u64 {
    let total = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    *total.lock().unwrap() += 1;
                }
            });
        }
    });
    total.into_inner().unwrap()
}
"#;

/// The read side alone, through `Path`'s methods: whether a name exists, what a link points to,
/// a directory's entries (a `std::fs::ReadDir` had without naming the type).
const PATH_READS: &str = r#"
pub fn peek() -> usize {
    let here = std::path::Path::new(".");
    usize::from(here.exists())
        + usize::from(here.join("hits0-0").is_symlink())
        + here.join("hits0-0").read_link().map_or(0, |target| target.as_os_str().len())
        + here.read_dir().map_or(0, |entries| entries.count())
}
"#;

/// Was a hole: lesson05's `std_fs_process_and_net` refuses `std::fs`'s functions by name, but
/// `std::fs::soft_link` is not among them, and `Path`'s own methods (`exists`, `is_symlink`,
/// `read_link`, `read_dir`, `metadata`, ...) are not `std::fs` functions at all: a counter kept in
/// the names of links, racy as `LOST_UPDATE`, earned the beginner tier's 20 points (the same race on
/// the facade's atomics earns 7).
#[test]
fn a_racy_counter_kept_in_symbolic_links_is_refused() {
    let dir = with_files(
        LESSON,
        &[
            ("beginner", SYMLINK_COUNTER.to_owned()),
            ("intermediate", format!("{INTERMEDIATE_STUBS}{PATH_READS}")),
        ],
    );
    let report = grade_with(dir.path(), &[]);
    for tier in ["beginner", "intermediate"] {
        let index = usize::from(tier == "intermediate");
        let why = message(&report, tier);
        assert_eq!(
            tiers(&report)[index],
            pair(0, "refused"),
            "{tier}: {why}\n{report}"
        );
        assert!(why.contains("in memory, behind `crate::sync`"), "{tier}: {why}");
    }
    assert_eq!(
        tiers(&report)[2],
        pair(20, "passed"),
        "the reference's advanced tier: {report}"
    );
}

/// lesson09's `Progress` with its byte count kept in a file of its own: `add_bytes` reads the
/// count, then writes it back plus `n` (two steps, no `crate::sync` operation in between).
const FILE_BYTES: &str = r#"
/// A byte count in an unnamed file: read, then written back.
#[derive(Debug)]
struct FileCount(File);

impl Default for FileCount {
    fn default() -> Self {
        let path = std::env::temp_dir().join(format!("bytes-{:p}", &path_seed()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("a file in the test's own directory");
        let _ = std::fs::remove_file(&path);
        FileCount(file)
    }
}

fn path_seed() -> Box<u8> {
    Box::new(0)
}

impl FileCount {
    fn get(&self) -> u64 {
        use std::os::unix::fs::FileExt;
        let mut bytes = [0u8; 8];
        let _ = self.0.read_at(&mut bytes, 0);
        u64::from_le_bytes(bytes)
    }
    fn set(&self, value: u64) {
        use std::os::unix::fs::FileExt;
        let _ = self.0.write_at(&value.to_le_bytes(), 0);
    }
}
"#;

/// Was a hole (one `SECURITY.md` names only as a class, with lesson04's and lesson08's
/// intermediate tiers as its examples, which both refuse files now): lesson09's advanced tier
/// keeps `std::fs` (it writes the downloads), and its `progress_counters_are_safe_to_share` runs
/// `Progress` under the checker. A byte count kept in a file, racy as a load then a store, passes
/// it: the checker never switches threads between the two steps. The same race on the facade's
/// atomics fails it (lesson09's bug bank).
#[test]
fn lesson09_progress_kept_in_a_file_earns_nothing_under_the_checker() {
    let dir = submission(
        "lesson09-downloader",
        &[
            (
                "advanced",
                "    bytes: AtomicU64,\n    started:",
                "    bytes: AtomicU64,\n    file: FileCount,\n    started:",
            ),
            (
                "advanced",
                "// END SOLUTION\n\n/// What a [`Progress`] showed at one moment.",
                &format!("// END SOLUTION\n{FILE_BYTES}\n/// What a [`Progress`] showed at one moment."),
            ),
            (
                "advanced",
                "counters.bytes.store(0, Ordering::SeqCst);",
                "counters.file.set(0);",
            ),
            (
                "advanced",
                "self.shared.bytes.fetch_add(n, Ordering::SeqCst);",
                "let seen = self.shared.file.get();\n        self.shared.file.set(seen + n);",
            ),
            (
                "advanced",
                "bytes: counters.bytes.load(Ordering::SeqCst),",
                "bytes: counters.file.get(),",
            ),
        ],
    );
    let report = report(&[
        "grade",
        "lesson09",
        "--format",
        "json",
        "--submission",
        dir.path().to_str().unwrap(),
    ]);
    let (score, status) = tiers(&report)[2].clone();
    let progress = test(&report, "progress_counters_are_safe_to_share");
    assert!(
        status == "refused" || progress["status"] != "passed",
        "a racy Progress kept in a file passed under the checker ({score} points, {status}): {progress}"
    );
    // It fails for the file, and says so.
    let message = progress["message"].as_str().unwrap_or_default();
    assert!(message.contains("reached for a file or a socket"), "{message}");
}
