//! Hostile submissions against the grader's protections (`SECURITY.md`): each one cheats beside an
//! honest part (correct code, or a known bug), and must score exactly what the honest part earns and
//! change nothing outside its test's directory. Where a layer can be switched off
//! (`THREADLAB_NO_LANDLOCK`, `THREADLAB_NO_PID_NAMESPACE`), the cheat is also run against the other
//! layers alone, so each one is shown to hold by itself.
//!
//! The cheats read and write files and start processes at run time, so they live in lesson01, whose
//! tier files may (lesson05's may not: a counter kept in a file would race where its checker cannot
//! see, see `hostile_compile.rs`). Each hides in `spawn_named` or `run_concurrently`, beside an
//! honest bug: `spawn_named` that forgets the name.

mod common;

use common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

const LESSON: &str = "lesson01-threads";

/// lesson01's honest bug: `spawn_named` starts the thread without its name.
const NAMELESS: (&str, &str, &str) = ("beginner", "        .name(name.to_owned())\n", "");

/// The tests that `NAMELESS` fails: its own, and the differential test that also calls it.
const NAMELESS_FAILS: [&str; 2] = [
    "spawn_named_sets_the_thread_name",
    "generated_tasks_match_the_reference",
];

/// Inserts `code` (a function) before `spawn_named` and a call of `call` as its first line.
fn in_spawn_named(code: &str, call: &str) -> [(&'static str, String, String); 2] {
    [
        (
            "beginner",
            "/// Starts `f` on a new thread called `name`".to_owned(),
            format!("{code}/// Starts `f` on a new thread called `name`"),
        ),
        (
            "beginner",
            "    thread::Builder::new()\n".to_owned(),
            format!("    {call}();\n    thread::Builder::new()\n"),
        ),
    ]
}

/// `submission` with edits made of owned strings.
fn submission_of(edits: &[(&str, String, String)]) -> tempfile::TempDir {
    let edits: Vec<(&str, &str, &str)> = edits
        .iter()
        .map(|(tier, old, new)| (*tier, old.as_str(), new.as_str()))
        .collect();
    submission(LESSON, &edits)
}

fn grade_with(dir: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    grade_lesson_with("lesson01", dir, env)
}

/// What a submission with only the nameless thread scores: the honest part of the cheats below.
fn honest_nameless() -> &'static serde_json::Value {
    static REPORT: OnceLock<serde_json::Value> = OnceLock::new();
    REPORT.get_or_init(|| grade_with(submission(LESSON, &[NAMELESS]).path(), &[]))
}

fn all_output(report: &serde_json::Value) -> String {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["output"].as_str().unwrap_or(""))
        .collect()
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn landlock_enforced(report: &serde_json::Value) -> bool {
    report["sandbox"]["landlock"]
        .as_str()
        .unwrap()
        .starts_with("abi ")
}

/// Reads `/proc/self/maps` and `/proc/self/mem` with plain `std::fs`, takes the only run of 32 hex
/// digits in writable memory (the old grader's token) and writes a `passed` record with it, then
/// exits before the test can fail. Runs once per test process (a marker file).
const MEMORY_CHEAT: &str = r#"
fn steal_a_pass() {
    use std::io::{Read, Seek, SeekFrom};
    if std::fs::metadata("cheat-tried").is_ok() {
        return;
    }
    let _ = std::fs::write("cheat-tried", "");
    let maps = match std::fs::read_to_string("/proc/self/maps") {
        Ok(maps) => maps,
        Err(e) => {
            eprintln!("cheat: /proc/self/maps: {e}");
            return;
        }
    };
    let mut mem = match std::fs::File::open("/proc/self/mem") {
        Ok(mem) => mem,
        Err(e) => {
            eprintln!("cheat: /proc/self/mem: {e}");
            return;
        }
    };
    let mut scanned = 0usize;
    let mut found = None;
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (Some(range), Some(perms)) = (parts.next(), parts.next()) else { continue };
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16)) else { continue };
        if !perms.starts_with("rw") || end - start > (64 << 20) {
            continue;
        }
        let mut bytes = vec![0u8; (end - start) as usize];
        if mem.seek(SeekFrom::Start(start)).is_err() || mem.read_exact(&mut bytes).is_err() {
            continue;
        }
        scanned += bytes.len();
        let mut run = 0;
        for (i, b) in bytes.iter().enumerate() {
            if b.is_ascii_digit() || (b'a'..=b'f').contains(b) {
                run += 1;
            } else {
                if run == 32 {
                    found = Some(String::from_utf8_lossy(&bytes[i - 32..i]).into_owned());
                }
                run = 0;
            }
        }
    }
    eprintln!("cheat: scanned {scanned} bytes of memory, token candidate {found:?}");
    let token = found.unwrap_or_default();
    let record = format!(
        "threadlab-result 1\ntoken {token}\noutcome passed\n"
    );
    let _ = std::fs::write(".threadlab-result", record);
    let forged = format!(
        "threadlab-result 2\nsandbox landlock abi 6\noutcome passed\nmac {token}\n"
    );
    let _ = std::fs::write(".threadlab-result", forged);
    std::process::exit(0);
}

"#;

#[test]
fn a_memory_scanning_cheat_earns_only_its_honest_part() {
    let dir = submission(
        LESSON,
        &[
            NAMELESS,
            (
                "beginner",
                "    let handles: Vec<JoinHandle<T>> =",
                "    steal_a_pass();\n    let handles: Vec<JoinHandle<T>> =",
            ),
            (
                "beginner",
                "/// Starts `f` on a new thread called `name`",
                &format!("{MEMORY_CHEAT}/// Starts `f` on a new thread called `name`"),
            ),
        ],
    );
    let honest = honest_nameless();
    assert!(
        !not_passed(honest).is_empty(),
        "the honest part must lose points, or this test shows nothing"
    );

    let report = grade_with(dir.path(), &[]);
    assert_eq!(report["sandbox"]["verdict"], honest["sandbox"]["verdict"]);
    if landlock_enforced(&report) {
        assert_eq!(
            (not_passed(&report), &report["score"]),
            (not_passed(honest), &honest["score"]),
            "with the sandbox the cheat cannot even read memory, so the honest part decides"
        );
        let output = all_output(&report);
        assert!(
            output.contains("cheat: /proc/self/maps: Permission denied"),
            "{output}"
        );
    }

    // Without Landlock the cheat reads all the memory it wants; there is no token left to find, and
    // a record without the right MAC is no pass. Exiting early only loses more.
    let report = grade_with(dir.path(), &[("THREADLAB_NO_LANDLOCK", "1")]);
    assert!(
        report["sandbox"]["landlock"]
            .as_str()
            .unwrap()
            .contains("disabled"),
        "{}",
        report["sandbox"]
    );
    // Where the test's user is not root in its namespace, the process being non-dumpable (the
    // harness sets it before learner code runs) makes `/proc/self/mem` root's: the cheat cannot
    // even open it. Otherwise it reads it all, and still gains nothing.
    let output = all_output(&report);
    assert!(
        output.contains("cheat: scanned") || output.contains("cheat: /proc/self/mem: Permission denied"),
        "the cheat neither read memory nor was refused: {output}"
    );
    eprintln!(
        "without Landlock: {}",
        output.lines().find(|l| l.starts_with("cheat: ")).unwrap_or("")
    );
    for name in not_passed(honest) {
        assert_ne!(test(&report, &name)["status"], "passed", "{name} gained a pass");
    }
    assert!(report["score"].as_u64() <= honest["score"].as_u64());
}

/// Writes a forged `passed` record and a test runner's `ok` line itself, then starts `sh` (and the
/// test binary itself) to write another forged record after the harness wrote the real one; once
/// per test process.
const CHILD_FORGER: &str = r#"
fn forge_from_a_child() {
    if std::fs::metadata("forger-tried").is_ok() {
        return;
    }
    let _ = std::fs::write("forger-tried", "");
    let _ = std::fs::write(".threadlab-result", "threadlab-result 1\ntoken 0\noutcome passed\n");
    println!("test spawn_named_sets_the_thread_name ... ok\ntest result: ok. 1 passed; 0 failed");
    let script = "sleep 0.5; printf 'threadlab-result 2\\nsandbox landlock abi 6\\noutcome passed\\nmac 0123456789abcdef0123456789abcdef\\n' > .threadlab-result";
    match std::process::Command::new("sh").arg("-c").arg(script).spawn() {
        Ok(_) => eprintln!("forger: sh started"),
        Err(e) => eprintln!("forger: sh: {e}"),
    }
    match std::env::current_exe().map(|exe| std::process::Command::new(exe).arg("--list").spawn()) {
        Ok(Ok(_)) => eprintln!("forger: test binary started"),
        Ok(Err(e)) | Err(e) => eprintln!("forger: test binary: {e}"),
    }
}

"#;

#[test]
fn a_result_forged_from_a_child_process_is_no_pass() {
    let [define, call] = in_spawn_named(CHILD_FORGER, "forge_from_a_child");
    let (tier, old, new) = NAMELESS;
    let dir = submission_of(&[define, call, (tier, old.to_owned(), new.to_owned())]);
    for env in [&[][..], &[("THREADLAB_NO_LANDLOCK", "1")][..]] {
        let report = grade_with(dir.path(), env);
        assert_eq!(not_passed(&report), NAMELESS_FAILS, "{env:?}");
        let failed = test(&report, "spawn_named_sets_the_thread_name");
        assert_eq!(failed["status"], "failed", "{env:?}: {failed}");
        assert!(
            failed["message"].as_str().unwrap().contains("expected"),
            "the harness's own verdict stands: {failed}"
        );
        let output = failed["output"].as_str().unwrap();
        if env.is_empty() && landlock_enforced(&report) {
            assert!(output.contains("forger: sh: Permission denied"), "{output}");
            assert!(
                output.contains("forger: test binary: Permission denied"),
                "{output}"
            );
        } else {
            assert!(output.contains("forger: sh started"), "{output}");
        }
    }
}

#[test]
fn a_lingering_setsid_child_cannot_rewrite_the_graders_output() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::set_permissions(outside.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let results = outside.path().join("results.json");
    // A directory anyone may write to: the child leaves a mark there if it lives long enough.
    let marks = outside.path().join("marks");
    std::fs::create_dir(&marks).unwrap();
    std::fs::set_permissions(&marks, std::fs::Permissions::from_mode(0o777)).unwrap();
    let lurker = format!(
        r#"
fn leave_a_lurker() {{
    if std::fs::metadata("lurker-tried").is_ok() {{
        return;
    }}
    let _ = std::fs::write("lurker-tried", "");
    let script = "sleep 2; touch {marks}/alive; echo '{{\"score\": 60}}' > {results}";
    let started = std::process::Command::new("setsid")
        .arg("sh")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    eprintln!("lurker: {{:?}}", started.map(|_| "started"));
}}

"#,
        marks = marks.display(),
        results = results.display()
    );
    // The honest part: the nameless thread (and a failed test keeps its output in the report).
    let [define, call] = in_spawn_named(&lurker, "leave_a_lurker");
    let (tier, old, new) = NAMELESS;
    let dir = submission_of(&[define, call, (tier, old.to_owned(), new.to_owned())]);
    let mut layers = vec![vec![], vec![("THREADLAB_NO_LANDLOCK", "1")]];
    if running_as_root() {
        // Only the test's own user id and the sweep after it are left.
        layers.push(vec![
            ("THREADLAB_NO_LANDLOCK", "1"),
            ("THREADLAB_NO_PID_NAMESPACE", "1"),
        ]);
    }
    for env in layers {
        let report = grade_with(dir.path(), &env);
        assert_eq!(not_passed(&report), NAMELESS_FAILS, "{env:?}");
        let output = test(&report, "spawn_named_sets_the_thread_name")["output"]
            .as_str()
            .unwrap()
            .to_owned();
        if env.is_empty() && landlock_enforced(&report) {
            assert!(output.contains("lurker: Err"), "exec is refused: {output}");
        } else {
            assert!(output.contains("lurker: Ok(\"started\")"), "{env:?}: {output}");
        }
        let written = serde_json::to_string(&report).unwrap();
        std::fs::write(&results, &written).unwrap();
        std::thread::sleep(Duration::from_millis(3_000));
        assert_eq!(
            std::fs::read_to_string(&results).unwrap(),
            written,
            "{env:?}: the report was rewritten after the grader wrote it"
        );
        assert!(
            !marks.join("alive").exists(),
            "{env:?}: the setsid child outlived its test ({})",
            all_output(&report)
        );
    }
}

#[test]
fn the_hidden_suite_and_the_binaries_cannot_be_overwritten() {
    let suite = root().join("grader/suites/lesson01-threads/beginner.rs");
    let xtask_binary = Path::new(env!("CARGO_BIN_EXE_xtask")).to_owned();
    let tamper = format!(
        r#"
fn tamper() {{
    use std::io::Write;
    if std::fs::metadata("tamper-tried").is_ok() {{
        return;
    }}
    let _ = std::fs::write("tamper-tried", "");
    let exe = std::env::current_exe().unwrap_or_default();
    for path in [std::path::PathBuf::from("{suite}"), std::path::PathBuf::from("{xtask}"), exe] {{
        match std::fs::OpenOptions::new().append(true).open(&path) {{
            Ok(mut file) => {{
                let _ = writeln!(file, "// tampered");
                eprintln!("tamper: wrote {{}}", path.display());
            }}
            Err(e) => eprintln!("tamper: {{}}: {{e}}", path.display()),
        }}
    }}
}}

"#,
        suite = suite.display(),
        xtask = xtask_binary.display()
    );
    // The honest part: the nameless thread (and a failed test keeps its output in the report).
    let [define, call] = in_spawn_named(&tamper, "tamper");
    let (tier, old, new) = NAMELESS;
    let dir = submission_of(&[define, call, (tier, old.to_owned(), new.to_owned())]);
    let before = (
        std::fs::read(&suite).unwrap(),
        std::fs::read(&xtask_binary).unwrap(),
    );
    let mut layers = vec![vec![]];
    if running_as_root() {
        layers.push(vec![("THREADLAB_NO_LANDLOCK", "1")]);
    }
    for env in layers {
        let report = grade_with(dir.path(), &env);
        let after = (
            std::fs::read(&suite).unwrap(),
            std::fs::read(&xtask_binary).unwrap(),
        );
        if after != before {
            // Put things back before failing, so one broken run does not break the next.
            std::fs::write(&suite, &before.0).unwrap();
            std::fs::write(&xtask_binary, &before.1).unwrap();
            panic!("{env:?}: learner code changed the hidden suite or the grader binary");
        }
        assert_eq!(not_passed(&report), NAMELESS_FAILS, "{env:?}");
        let output = test(&report, "spawn_named_sets_the_thread_name")["output"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(output.contains("tamper: "), "the tampering ran: {output}");
        assert!(!output.contains("tamper: wrote"), "{env:?}: {output}");
    }
}

#[test]
fn the_sandbox_still_lets_lesson02_count_os_threads() {
    // `new` that starts a thread is caught only by listing /proc/self/task, which the sandbox keeps.
    let dir = submission(
        "lesson02-lifecycle",
        &[(
            "beginner",
            "        // BEGIN SOLUTION: keep the name and the body; start in the New state without spawning anything\n",
            // Through the course's `thread` (lesson02's facade refuses `std::thread` in a tier file).
            "        let _early = crate::thread::spawn(|| crate::thread::sleep(std::time::Duration::from_secs(5)));\n",
        )],
    );
    let report = report(&[
        "grade",
        "lesson02",
        "--format",
        "json",
        "--submission",
        dir.path().to_str().unwrap(),
    ]);
    let new = test(&report, "new_creates_no_thread");
    assert_eq!(new["status"], "failed", "{new}");
    assert!(
        new["message"]
            .as_str()
            .unwrap()
            .contains("must not create an OS thread"),
        "{new}"
    );
}

/// Safe Rust is not memory-safe Rust: rust-lang/rust#25860 (implied bounds of a higher-ranked
/// function pointer, open since 2015; the `cve-rs` crate packages it) extends any lifetime, in code
/// that `#![forbid(unsafe_code)]` and clippy accept. From a dangling `&mut Option<Box<B>>` comes
/// `transmute`, from `transmute::<usize, &u64>` a read of any address: no `/proc/self/mem`, so
/// Landlock has nothing to refuse. The key is on the main thread's stack, in the harness's
/// `run_one` frame, right after the result path's pointer and length; the forger finds that pair,
/// MACs `passed` with the key beside it, writes the record and exits 0.
const SOUNDNESS_FORGER: &str = r#"

mod lifetimes {
    static UNIT: &&() = &&();
    fn translate<'a, 'b, T: ?Sized>(_: &'a &'b (), v: &'b mut T) -> &'a mut T {
        v
    }
    /// rust-lang/rust#25860: any lifetime, in safe code.
    pub fn expand_mut<'a, 'b, T: ?Sized>(x: &'a mut T) -> &'b mut T {
        let f: for<'x> fn(_, &'x mut T) -> &'b mut T = translate;
        f(UNIT, x)
    }
}

enum Dummy<A, B> {
    A(Option<Box<A>>),
    B(Option<Box<B>>),
}

fn transmute_inner<A, B>(dummy: &mut Dummy<A, B>, obj: A) -> B {
    let Dummy::B(ref_to_b) = dummy else { unreachable!() };
    let ref_to_b = lifetimes::expand_mut(ref_to_b);
    *dummy = Dummy::A(Some(Box::new(obj)));
    std::hint::black_box(&*dummy);
    *ref_to_b.take().unwrap()
}

/// `std::mem::transmute`, without `unsafe`.
fn transmute<A, B>(obj: A) -> B {
    transmute_inner(std::hint::black_box(&mut Dummy::B(None)), obj)
}

fn peek(address: usize) -> u64 {
    let word: &'static u64 = transmute(address);
    *word
}

fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

/// SipHash-2-4-128, as the harness MACs a verdict.
fn sip128(key: &[u8], message: &[u8]) -> u128 {
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap());
    let (k0, k1) = (word(&key[..8]), word(&key[8..16]));
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d ^ 0xee,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let mut compress = |v: &mut [u64; 4], m: u64| {
        v[3] ^= m;
        sip_round(v);
        sip_round(v);
        v[0] ^= m;
    };
    let chunks = message.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        compress(&mut v, word(chunk));
    }
    let mut last = (message.len() as u64 & 0xff) << 56;
    for (i, b) in tail.iter().enumerate() {
        last |= u64::from(*b) << (8 * i);
    }
    compress(&mut v, last);
    v[2] ^= 0xee;
    (0..4).for_each(|_| sip_round(&mut v));
    let h1 = v[0] ^ v[1] ^ v[2] ^ v[3];
    v[1] ^= 0xdd;
    (0..4).for_each(|_| sip_round(&mut v));
    let h2 = v[0] ^ v[1] ^ v[2] ^ v[3];
    u128::from(h1) | (u128::from(h2) << 64)
}

fn verdict_mac(key: &[u8], fields: &[&str]) -> u128 {
    let mut bytes = b"threadlab-verdict\0".to_vec();
    for field in fields {
        bytes.extend_from_slice(field.as_bytes());
        bytes.push(0);
    }
    sip128(key, &bytes)
}

fn peek_byte(address: usize) -> u8 {
    let byte: &'static u8 = transmute(address);
    *byte
}

/// Finds the harness's key on the main thread's stack, right after the result file's path (a
/// pointer to bytes that end in `/.threadlab-result`, and their length), MACs a pass with it, writes the record and exits 0.
fn forge_a_pass() {
    let Some(test) = std::env::args().skip_while(|a| a != "--run").nth(1) else {
        return;
    };
    let here = 0u64;
    let sp = std::hint::black_box(&here) as *const u64 as usize;
    let heap = Box::new(0u8);
    let heap = std::hint::black_box(&*heap) as *const u8 as usize;
    let suffix = b"/.threadlab-result";
    let mut offset = 0;
    while offset < 64 * 1024 {
        let (pointer, length) = (peek(sp + offset) as usize, peek(sp + offset + 8) as usize);
        offset += 8;
        if !(suffix.len()..4096).contains(&length) || pointer.abs_diff(heap) > (64 << 20) || pointer % 8 != 0 {
            continue;
        }
        let path: Vec<u8> = (0..length).map(|i| peek_byte(pointer + i)).collect();
        if !path.ends_with(suffix) {
            continue;
        }
        // The key follows the path's length; random words, where pointers and lengths have 16 zero
        // high bits.
        if peek(sp + offset + 8) >> 48 == 0 || peek(sp + offset + 16) >> 48 == 0 {
            continue;
        }
        let key: Vec<u8> = (0..16).map(|i| peek_byte(sp + offset + 8 + i)).collect();
        let sandbox = "landlock abi 6";
        let tag = verdict_mac(&key, &[&test, sandbox, "passed", ""]);
        let record = format!("threadlab-result 2\nsandbox {sandbox}\noutcome passed\nmac {tag:032x}\n");
        let path = String::from_utf8_lossy(&path).into_owned();
        eprintln!("forger: key found at sp+{}, record written to {path}", offset + 8);
        let _ = std::fs::write(path, record);
        std::process::exit(0);
    }
    eprintln!("forger: no key found");
}

"#;

/// Was a hole: the forger beside the nameless-thread bug scored 60 of 60 in lesson01, with Landlock
/// ABI 6, a PID namespace and a user of its own (SECURITY.md: "without `unsafe` there is no other
/// way to read the key"). Each test that calls `spawn_named` passed with a record MAC'd by the real
/// key.
#[test]
fn a_key_read_through_a_compiler_soundness_hole_is_no_pass() {
    let [define, call] = in_spawn_named(SOUNDNESS_FORGER, "forge_a_pass");
    let (tier, old, new) = NAMELESS;
    let dir = submission_of(&[define, call, (tier, old.to_owned(), new.to_owned())]);
    let report = grade_with(dir.path(), &[]);
    for name in NAMELESS_FAILS {
        assert_ne!(
            test(&report, name)["status"],
            "passed",
            "{name} passed on a forged record: {report}"
        );
    }
    // Refused before building, with the lines of the two lifetimes' functions (`soundness`).
    let beginner = &report["tiers"][0];
    assert_eq!(beginner["status"], "refused", "{report}");
    let message = beginner["message"].as_str().unwrap();
    assert!(
        message.contains("rust-lang/rust#25860") && message.contains("`fn translate` names 'a, 'b"),
        "{message}"
    );
}

/// Learner code that reads its own process's binary and prints every string in it that looks like
/// a test's failure message, then fails on purpose (only a failed test's output is reported) where
/// the process's arguments hold `trigger`: a visible test's name, or `--child` in a child scenario.
fn read_the_tests(trigger: &str) -> String {
    format!(
        r#"
fn dump_the_tests() {{
    let Ok(exe) = std::env::current_exe() else {{
        eprintln!("cheat: no current_exe");
        return;
    }};
    let bytes = match std::fs::read(&exe) {{
        Ok(bytes) => bytes,
        Err(e) => {{
            eprintln!("cheat: test binary: {{e}}");
            if std::env::args().any(|a| a == "{trigger}") {{
                panic!("cheat: done");
            }}
            return;
        }}
    }};
    for run in bytes.split(|b| !(b.is_ascii_graphic() || *b == b' ')) {{
        if run.windows(11).any(|w| w == b"failed with") {{
            eprintln!("leak: {{}}", String::from_utf8_lossy(run));
        }}
    }}
    if std::env::args().any(|a| a == "{trigger}") {{
        panic!("cheat: done");
    }}
}}

"#
    )
}

/// A suite with child scenarios (lesson03's advanced tier: its exit tests run the learner's
/// `LogWriter` in a child process) once let the test read its own binary: Landlock gives the right
/// to execute a file only with the right to read it, and the test re-executed itself. lesson03's
/// advanced tier may use `std::fs` (it writes a log file), so a learner's `LogWriter::new` read the
/// binary and printed a held-back test's message ("disk on fire", `close_reports_a_failed_write`,
/// `after_due_date`) into the output of the visible `lines_arrive_in_order_and_close_counts_them`.
/// Now a harness thread outside the sandbox starts the children (`harness/src/children.rs`), and
/// the test may neither execute nor read its binary.
#[test]
fn the_test_binary_with_the_held_back_tests_cannot_be_read_at_run_time() {
    let report = grade_binary_reader("lines_arrive_in_order_and_close_counts_them");
    if !landlock_enforced(&report) {
        return;
    }
    let visible = test(&report, "lines_arrive_in_order_and_close_counts_them");
    assert_eq!(visible["visibility"], "visible", "{visible}");
    let output = visible["output"].as_str().unwrap();
    assert_no_leak(&report);
    assert!(
        output.contains("cheat: test binary: Permission denied"),
        "{output}"
    );
    assert_eq!(
        not_passed(&report),
        ["lines_arrive_in_order_and_close_counts_them"]
    );
}

/// The same read from inside a child scenario, whose stderr a visible exit test quotes when the
/// child fails: the child confines itself, so it cannot read the binary either.
#[test]
fn a_child_scenario_cannot_read_the_test_binary() {
    let report = grade_binary_reader("--child");
    if !landlock_enforced(&report) {
        return;
    }
    assert_no_leak(&report);
    let visible = test(&report, "close_keeps_every_line_when_the_process_exits");
    assert_eq!(visible["visibility"], "visible", "{visible}");
    let message = visible["message"].as_str().unwrap();
    assert!(
        message.contains("cheat: test binary: Permission denied"),
        "the child's stderr, quoted in the visible test's message: {message}"
    );
    // Every test that runs a child fails (the child panics on purpose); the others pass.
    assert_eq!(
        not_passed(&report),
        [
            "close_keeps_every_line_when_the_process_exits",
            "drop_keeps_every_line_when_the_process_exits",
        ]
    );
}

/// lesson03's reference, with a `LogWriter::new` that runs [`read_the_tests`] first.
fn grade_binary_reader(trigger: &str) -> serde_json::Value {
    let dir = submission(
        "lesson03-daemons",
        &[
            (
                "advanced",
                "impl LogWriter {\n",
                &format!("{}impl LogWriter {{\n", read_the_tests(trigger)),
            ),
            (
                "advanced",
                "        // BEGIN SOLUTION: make a channel and spawn the thread that drains it into `sink`\n",
                "        dump_the_tests();\n",
            ),
        ],
    );
    grade_lesson_with("lesson03", dir.path(), &[])
}

/// No test's message or output holds a string read out of the test binary.
fn assert_no_leak(report: &serde_json::Value) {
    for t in report["tests"].as_array().unwrap() {
        let text = format!("{} {}", t["message"], t["output"]);
        assert!(
            !text.contains("disk on fire") && !text.contains("leak: "),
            "a test's message leaked out of the test binary: {t}"
        );
    }
}

/// lesson03's reference, with `code` (functions) before `impl LogWriter` and a call of `call` as the
/// first line of `LogWriter::new`, graded with the grader's environment `env`.
fn grade_lesson03_with(code: &str, call: &str, env: &[(&str, &str)]) -> serde_json::Value {
    let dir = submission(
        "lesson03-daemons",
        &[
            (
                "advanced",
                "impl LogWriter {\n",
                &format!("{code}impl LogWriter {{\n"),
            ),
            (
                "advanced",
                "        // BEGIN SOLUTION: make a channel and spawn the thread that drains it into `sink`\n",
                &format!("        {call}();\n"),
            ),
        ],
    );
    grade_lesson_with("lesson03", dir.path(), env)
}

/// In the test process: moves the whole process into the directory of the test binary
/// (`set_current_dir`, which lesson03's advanced tier may name; Landlock has no say over `chdir`),
/// just before the visible exit test asks for its child in `std::env::current_dir()`. In the child:
/// reads the binary, prints the bytes around a held-back test's message and name, and fails.
const WANDER_THEN_READ: &str = r#"
fn wander() {
    let Ok(exe) = std::env::current_exe() else { return };
    if std::env::args().any(|a| a == "--child") {
        let Ok(bytes) = std::fs::read(&exe) else { return };
        let _ = std::fs::remove_file("exit.log");
        for needle in [&b"disk on fire"[..], &b"close_reports_a_failed_write"[..]] {
            if let Some(at) = bytes.windows(needle.len()).position(|w| w == needle) {
                let around = &bytes[at.saturating_sub(80)..(at + 120).min(bytes.len())];
                eprintln!("leak: {}", String::from_utf8_lossy(around).escape_debug());
            }
        }
        panic!("cheat: child ran in {:?}", std::env::current_dir());
    }
    if std::env::args().any(|a| a == "close_keeps_every_line_when_the_process_exits") {
        if let Some(dir) = exe.parent() {
            eprintln!("cheat: chdir: {:?}", std::env::set_current_dir(dir));
        }
    }
}

"#;

/// Found by an attack pass: the launcher started a child scenario in whatever directory the test
/// named, and the child's sandbox granted everything beneath its own working directory (`sandbox::enter` adds `"."` with every
/// right). lesson03's exit tests name `std::env::current_dir()`, which learner code sets for the whole
/// test process with `std::env::set_current_dir` (allowed in the advanced tier, which writes files;
/// Landlock does not check `chdir`). So learner code moves the test process into the test binary's
/// directory; the child is started there, confines itself to it, and reads the binary: the held-back
/// `close_reports_a_failed_write` and its message "disk on fire" end up in the message of the visible
/// `close_keeps_every_line_when_the_process_exits`, which quotes the child's stderr.
///
/// Graded with `THREADLAB_NO_OWN_USER=1`: tests run as the grader's own user, as they do when a root
/// grader's course directory is not reachable by other users, and whenever the grader is not root.
/// With a user of its own the child cannot create `exit.log` in the binary's directory (the scenario
/// does that before any learner code runs), but it still gets all of any directory that user may
/// write to (`/tmp`, see the next test).
///
/// Closed: the child confines itself to the test's own directory as the launcher found it before
/// learner code ran, and the launcher refuses a directory outside it (`harness/src/children.rs`).
#[test]
fn a_child_scenario_is_confined_to_the_directory_the_test_asked_for_not_one_learner_code_chose() {
    let report = grade_lesson03_with(WANDER_THEN_READ, "wander", &[("THREADLAB_NO_OWN_USER", "1")]);
    if !landlock_enforced(&report) {
        return;
    }
    let visible = test(&report, "close_keeps_every_line_when_the_process_exits");
    assert_eq!(visible["visibility"], "visible", "{visible}");
    assert_no_leak(&report);
}

/// Found by an attack pass: the same move with a user of its own per test (the grader as root, the
/// default here). The test process moves into a directory anyone may write to, outside its own; the child started there
/// creates `exit.log` and, through learner code, a file of its own in it, and both outlive the
/// grade. The test process itself could write neither (Landlock); the child's sandbox is wherever the
/// test process stood.
///
/// Closed as the test above.
#[test]
fn a_child_scenario_cannot_write_outside_the_tests_directory() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::set_permissions(outside.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let shared = outside.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let code = format!(
        r#"
fn wander() {{
    if std::env::args().any(|a| a == "--child") {{
        eprintln!("cheat: child wrote: {{:?}}", std::fs::write("escaped", "from the child"));
        return;
    }}
    eprintln!("cheat: test wrote: {{:?}}", std::fs::write("{shared}/from-the-test", ""));
    if std::env::args().any(|a| a == "close_keeps_every_line_when_the_process_exits") {{
        eprintln!("cheat: chdir: {{:?}}", std::env::set_current_dir("{shared}"));
    }}
}}

"#,
        shared = shared.display()
    );
    let report = grade_lesson03_with(&code, "wander", &[]);
    if !landlock_enforced(&report) {
        return;
    }
    assert!(
        !shared.join("from-the-test").exists(),
        "the test process itself is confined"
    );
    let written: Vec<_> = std::fs::read_dir(&shared)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        written.is_empty(),
        "a child scenario wrote {written:?} outside the test's directory: {}",
        test(&report, "close_keeps_every_line_when_the_process_exits")
    );
}

/// Copies the system's dynamic loader (a readable file under `/lib64`) into the test's directory,
/// makes it executable and runs `/bin/sh` through it (the loader only reads and maps the program, it
/// does not `execve` it); tries plain `sh` first for comparison. Fails the visible
/// `lines_arrive_in_order_and_close_counts_them` on purpose, so its output is reported.
const RUN_A_SHELL: &str = r#"
fn run_a_shell() {
    if !std::env::args().any(|a| a == "lines_arrive_in_order_and_close_counts_them") {
        return;
    }
    let plain = std::process::Command::new("sh").arg("-c").arg("echo plain").output();
    eprintln!("cheat: plain sh: {:?}", plain.map(|o| o.status));
    use std::os::unix::fs::PermissionsExt;
    let copied = std::fs::copy("/lib64/ld-linux-x86-64.so.2", "ld.so")
        .and_then(|_| std::fs::set_permissions("ld.so", std::fs::Permissions::from_mode(0o755)));
    eprintln!("cheat: loader copied: {copied:?}");
    match std::process::Command::new("./ld.so")
        .args(["/bin/sh", "-c", "echo shell ran as uid $(id -u) in $(pwd)"])
        .output()
    {
        Ok(o) => eprintln!("cheat: {} {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
        Err(e) => eprintln!("cheat: ./ld.so: {e}"),
    }
    panic!("cheat: done");
}

"#;

/// Found by an attack pass: `sandbox::enter` gave the test's directory every Landlock right,
/// `Execute` included, so
/// the test process (and a child scenario) may run any file it writes there. A copy of the dynamic
/// loader is such a file, and it runs any program on the system: a shell here, or `python3`, `perl`,
/// `gdb` with their system calls. SECURITY.md says a test may "execute nothing"; the lesson01
/// hostile tests only try `sh` by name.
///
/// Closed: the test's directory has every right but `Execute` (`harness/src/sandbox.rs`).
#[test]
fn a_test_cannot_execute_a_copy_of_the_dynamic_loader() {
    let report = grade_lesson03_with(RUN_A_SHELL, "run_a_shell", &[]);
    if !landlock_enforced(&report) {
        return;
    }
    let visible = test(&report, "lines_arrive_in_order_and_close_counts_them");
    let output = visible["output"].as_str().unwrap();
    assert!(
        output.contains("cheat: plain sh: Err"),
        "sh by name is refused: {output}"
    );
    assert!(
        !output.contains("shell ran as uid"),
        "a shell ran inside the sandbox: {output}"
    );
}

/// Runs `python3` through a copy of the dynamic loader (see [`RUN_A_SHELL`]); python reads the test
/// process's stack with `process_vm_readv` (a system call, not a file, so Landlock only asks whether
/// the reader is in the same domain, and it is: the test started it; no Yama here), finds the
/// result path's pointer and length with the key after them (as [`SOUNDNESS_FORGER`] does) and
/// prints the key. Learner code MACs `passed` with it, writes the record and exits 0. The stack
/// address comes from `{:p}` of a local, which is safe Rust.
const FORGE_THROUGH_PYTHON: &str = r#"
const FIND_THE_KEY: &str = "
import ctypes, os, sys
pid, sp, want = os.getppid(), int(sys.argv[1], 16), sys.argv[2].encode()
libc = ctypes.CDLL(None, use_errno=True)
class Iovec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]
def read(address, n):
    buf = ctypes.create_string_buffer(n)
    mine, theirs = Iovec(ctypes.cast(buf, ctypes.c_void_p), n), Iovec(address, n)
    got = libc.process_vm_readv(pid, ctypes.byref(mine), 1, ctypes.byref(theirs), 1, 0)
    return buf.raw[:max(got, 0)]
stack = b''
for page in range(sp & ~4095, (sp & ~4095) + (64 << 10), 4096):
    chunk = read(page, 4096)
    stack += chunk
    if len(chunk) < 4096:
        break
print('read', len(stack), 'errno', ctypes.get_errno(), file=sys.stderr)
base = sp & ~4095
word = lambda o: int.from_bytes(stack[o:o + 8], 'little')
for o in range((sp - base + 7) & ~7, len(stack) - 32, 8):
    if word(o + 8) == len(want) and word(o + 16) >> 48 and word(o + 24) >> 48 and read(word(o), len(want)) == want:
        print(stack[o + 16:o + 32].hex())
        break
";

fn forge_through_python() {
    let Some(test) = std::env::args().skip_while(|a| a != "--run").nth(1) else {
        return;
    };
    let here = 0u64;
    let sp = format!("{:p}", std::hint::black_box(&here));
    let Ok(dir) = std::env::current_dir() else { return };
    let path = format!("{}/.threadlab-result", dir.display());
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::copy("/lib64/ld-linux-x86-64.so.2", "ld.so")
        .and_then(|_| std::fs::set_permissions("ld.so", std::fs::Permissions::from_mode(0o755)));
    let found = std::process::Command::new("./ld.so")
        .args(["/usr/bin/python3", "-c", FIND_THE_KEY, sp.trim_start_matches("0x"), &path])
        .output();
    let Ok(found) = found else {
        eprintln!("forger: ./ld.so: {found:?}");
        return;
    };
    eprintln!("forger: python said {}", String::from_utf8_lossy(&found.stderr));
    let hex = String::from_utf8_lossy(&found.stdout).trim().to_owned();
    let key: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    if key.len() != 16 {
        eprintln!("forger: no key ({hex:?})");
        return;
    }
    let sandbox = "landlock abi 6";
    let tag = verdict_mac(&key, &[&test, sandbox, "passed", ""]);
    let record = format!("threadlab-result 2\nsandbox {sandbox}\noutcome passed\nmac {tag:032x}\n");
    let _ = std::fs::write(&path, record);
    std::process::exit(0);
}

"#;

/// Found by an attack pass: with the Execute right in its own directory (see
/// [`a_test_cannot_execute_a_copy_of_the_dynamic_loader`]) a test runs `python3`, which reads the
/// test process's memory with `process_vm_readv` and hands the key to learner code: a forged pass in
/// safe Rust, with no compiler bug (SECURITY.md: "without `unsafe` there is no other way to read the
/// key"). lesson03's advanced tier here writes no line at all, and passes every test whose first
/// `LogWriter` is made on the main thread (where the harness's frame with the key is above learner
/// code's stack address), the visible `lines_arrive_in_order_and_close_counts_them` among them: 52 of
/// 60 points. The exit tests make their first one on a helper thread (`within_patience`), so the
/// scan misses there and they fail honestly.
///
/// Closed: nothing in the test's directory may be executed, and the test process is non-dumpable,
/// so no other process of its user may read its memory.
#[test]
fn a_test_cannot_read_its_key_through_a_program_it_runs() {
    let macs = {
        let start = SOUNDNESS_FORGER.find("fn sip_round").unwrap();
        let end = SOUNDNESS_FORGER.find("fn peek_byte").unwrap();
        &SOUNDNESS_FORGER[start..end]
    };
    let dir = submission(
        "lesson03-daemons",
        &[
            (
                "advanced",
                "impl LogWriter {\n",
                &format!("{FORGE_THROUGH_PYTHON}{macs}impl LogWriter {{\n"),
            ),
            (
                "advanced",
                "        // BEGIN SOLUTION: make a channel and spawn the thread that drains it into `sink`\n",
                "        forge_through_python();\n",
            ),
            // The honest part: the writer writes nothing.
            ("advanced", "                writeln!(out, \"{line}\")?;\n", ""),
        ],
    );
    let report = grade_lesson_with("lesson03", dir.path(), &[]);
    if !landlock_enforced(&report) {
        return;
    }
    let visible = test(&report, "lines_arrive_in_order_and_close_counts_them");
    assert_ne!(
        visible["status"], "passed",
        "a LogWriter that writes nothing passed on a forged record: {report}"
    );
}

/// Found by an attack pass, without `set_current_dir`: when the exit scenario kept too few lines, lesson03's visible exit
/// test runs the detached control in `<its directory>/detached`, which it makes with
/// `create_dir_all` (content with a symbolic link to a directory). Learner code in the test process
/// makes `detached` a link to a directory outside, and its `LogWriter` in the child ends the process
/// before any line is written; the launcher then starts the control child in the linked directory,
/// whose sandbox is that directory, and it writes its `exit.log` there. The control runs no learner
/// code, so this moves a child and its file, not learner code; refusing `set_current_dir` alone would
/// still leave it.
///
/// Closed as [`a_child_scenario_is_confined_to_the_directory_the_test_asked_for_not_one_learner_code_chose`]:
/// the launcher refuses the linked directory, and a child is confined to the test's own anyway.
#[test]
fn a_link_in_the_tests_directory_does_not_move_a_child_scenario() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::set_permissions(outside.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let shared = outside.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let code = format!(
        r#"
fn link_away() {{
    if std::env::args().any(|a| a == "close_then_exit") {{
        std::process::exit(0);
    }}
    if std::env::args().any(|a| a == "close_keeps_every_line_when_the_process_exits") {{
        eprintln!("cheat: link: {{:?}}", std::os::unix::fs::symlink("{shared}", "detached"));
    }}
}}

"#,
        shared = shared.display()
    );
    let report = grade_lesson03_with(&code, "link_away", &[]);
    if !landlock_enforced(&report) {
        return;
    }
    let written: Vec<_> = std::fs::read_dir(&shared)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        written.is_empty(),
        "a child scenario ran in, and wrote {written:?} to, a directory the learner linked: {}",
        test(&report, "close_keeps_every_line_when_the_process_exits")
    );
}

/// Runs `python3` through a copy of the dynamic loader, which reads the test process's memory around
/// a string literal of the learner's own (`{:p}` of its address: the learner's library is linked into
/// the test binary, so its literals sit among the binary's) with `process_vm_readv`, and prints what
/// is around a held-back test's message and name. Fails the visible
/// `lines_arrive_in_order_and_close_counts_them` on purpose, so its output is reported.
const READ_THE_TESTS_THROUGH_PYTHON: &str = r#"
const DUMP: &str = "
import ctypes, os, sys
pid, near = os.getppid(), int(sys.argv[1], 16)
libc = ctypes.CDLL(None, use_errno=True)
class Iovec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]
buf = ctypes.create_string_buffer(4096)
mine = Iovec(ctypes.cast(buf, ctypes.c_void_p), 4096)
memory = bytearray()
for page in range((near & ~4095) - (8 << 20), (near & ~4095) + (8 << 20), 4096):
    theirs = Iovec(page, 4096)
    if libc.process_vm_readv(pid, ctypes.byref(mine), 1, ctypes.byref(theirs), 1, 0) == 4096:
        memory += buf.raw
print('read', len(memory), 'bytes', file=sys.stderr)
for needle in [b'disk on fire', b'close_reports_a_failed_write']:
    at = memory.find(needle)
    if at >= 0:
        print('leak:', memory[max(at - 80, 0):at + 120].decode('ascii', 'replace'))
";

fn read_the_tests_through_python() {
    if !std::env::args().any(|a| a == "lines_arrive_in_order_and_close_counts_them") {
        return;
    }
    let near = format!("{:p}", DUMP.as_ptr());
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::copy("/lib64/ld-linux-x86-64.so.2", "ld.so")
        .and_then(|_| std::fs::set_permissions("ld.so", std::fs::Permissions::from_mode(0o755)));
    match std::process::Command::new("./ld.so")
        .args(["/usr/bin/python3", "-c", DUMP, near.trim_start_matches("0x")])
        .output()
    {
        Ok(o) => eprintln!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
        Err(e) => eprintln!("cheat: ./ld.so: {e}"),
    }
    panic!("cheat: done");
}

"#;

/// Found by an attack pass: SECURITY.md said the test binary's strings are "mapped in every test
/// process's memory,
/// where safe code cannot read them". A program the test runs (see
/// [`a_test_cannot_execute_a_copy_of_the_dynamic_loader`]) reads them with `process_vm_readv`: the
/// held-back `close_reports_a_failed_write` and its message "disk on fire" reach the output of the
/// visible `lines_arrive_in_order_and_close_counts_them`, with a user of its own per test and every
/// layer on (no child scenario needed).
///
/// Closed as [`a_test_cannot_read_its_key_through_a_program_it_runs`].
#[test]
fn a_program_the_test_runs_cannot_read_the_held_back_tests_from_its_memory() {
    let report = grade_lesson03_with(
        READ_THE_TESTS_THROUGH_PYTHON,
        "read_the_tests_through_python",
        &[],
    );
    if !landlock_enforced(&report) {
        return;
    }
    let visible = test(&report, "lines_arrive_in_order_and_close_counts_them");
    assert_eq!(visible["visibility"], "visible", "{visible}");
    assert_no_leak(&report);
}

/// Learner code in every test of lesson01's beginner tier but the visible `returns_every_result`:
/// sends its test's name (`std::env::args()`) to learner code in that test, and installs a panic
/// hook (`std::panic::set_hook`, safe and not refused) that sends every panic message of the test;
/// it then gives answers in reverse order, so that the held-back tests fail and say what they
/// expected. In `returns_every_result` it collects for a few seconds and fails on purpose with
/// everything it heard. The transport (`tell_the_collector`, `collect_then_fail`) is
/// [`MEET_ON_LOCALHOST`] or [`MEET_AT_A_SOCKET_FILE`].
const MEET: &str = r#"
const VISIBLE: [&str; 2] = ["returns_every_result", "results_come_back_in_input_order"];

/// True where the results should come back wrong (a held-back test).
fn meet() -> bool {
    let Some(me) = std::env::args().skip_while(|a| a != "--run").nth(1) else {
        return false;
    };
    if me == VISIBLE[0] {
        collect_then_fail();
    }
    let held_back = !VISIBLE.contains(&me.as_str());
    if std::fs::metadata("met").is_ok() {
        return held_back;
    }
    let _ = std::fs::write("met", "");
    tell_the_collector(&format!("test {me}"));
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tell_the_collector(&format!("{me}: {info}"));
        previous(info);
    }));
    held_back
}

"#;

/// [`MEET`] over TCP on 127.0.0.1 (the grader runs tests side by side, one per core, and neither
/// Landlock nor the PID namespace takes the network away): the visible test binds a port, the others
/// connect to it.
const MEET_ON_LOCALHOST: &str = r#"
const MEETING_POINT: &str = "127.0.0.1:47311";

fn tell_the_collector(what: &str) {
    use std::io::Write;
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(2) {
        if let Ok(mut stream) = std::net::TcpStream::connect(MEETING_POINT) {
            let _ = writeln!(stream, "{}", what.escape_debug());
            return;
        }
    }
}

fn collect_then_fail() -> ! {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let listener = std::net::TcpListener::bind(MEETING_POINT).expect("cheat: bind");
    listener.set_nonblocking(true).expect("cheat: nonblocking");
    let mut heard = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(7) {
        match listener.accept() {
            Ok((mut stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let mut text = String::new();
                let _ = stream.read_to_string(&mut text);
                heard.push(text.trim_end().to_owned());
            }
            Err(_) => crate::thread::sleep(Duration::from_millis(20)),
        }
    }
    panic!("cheat: heard from the other tests:\n{}", heard.join("\n"));
}

"#;

/// Found by an attack pass: before the due date, the names of the held-back tests of lesson01 (and the
/// messages, with the suite's file and line, of those that fail) reach the message of the visible
/// `returns_every_result`, with every layer on. The tests of a grade run at the same time, one per
/// core, and share the machine's loopback network (no network namespace; Landlock's TCP rules are
/// not used); learner code in a held-back test knows its own name (`std::env::args()`) and sees every
/// panic message (`std::panic::set_hook`), and sends both to learner code in a visible test, which
/// quotes them. The cost: the visible test's 4 points.
///
/// Closed: held-back tests start only once every other test of the grade has ended
/// (`run::Job::held_back`), and each test has a loopback of its own (`sandbox`, a network namespace).
#[test]
fn held_back_tests_cannot_talk_to_a_visible_test_over_the_loopback_network() {
    let report = grade_meeting(MEET_ON_LOCALHOST);
    assert_no_held_back_names_in_visible_tests(&report);
}

/// lesson01's reference with [`MEET`] and `transport` in `run_concurrently`.
fn grade_meeting(transport: &str) -> serde_json::Value {
    let dir = submission(
        LESSON,
        &[
            (
                "beginner",
                "/// Runs every task on a thread of its own",
                &format!("{MEET}{transport}/// Runs every task on a thread of its own"),
            ),
            (
                "beginner",
                "    let handles: Vec<JoinHandle<T>> =",
                "    let wrong = meet();\n    let handles: Vec<JoinHandle<T>> =",
            ),
            (
                "beginner",
                "    handles\n        .into_iter()",
                "    let mut results: Vec<T> = handles\n        .into_iter()",
            ),
            (
                "beginner",
                "        .collect()\n    // END SOLUTION\n}\n\n/// Starts `f`",
                "        .collect();\n    if wrong {\n        results.reverse();\n    }\n    results\n    // END SOLUTION\n}\n\n/// Starts `f`",
            ),
        ],
    );
    grade_with(dir.path(), &[])
}

/// No visible test's message or output names a held-back test.
fn assert_no_held_back_names_in_visible_tests(report: &serde_json::Value) {
    let tests = report["tests"].as_array().unwrap();
    let held_back: Vec<&str> = tests
        .iter()
        .filter(|t| t["visibility"] != "visible")
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(!held_back.is_empty(), "{report}");
    for t in tests.iter().filter(|t| t["visibility"] == "visible") {
        let text = format!("{} {}", t["message"], t["output"]);
        let named: Vec<&&str> = held_back.iter().filter(|n| text.contains(**n)).collect();
        assert!(
            named.is_empty(),
            "the visible {} names held-back tests {named:?}: {}",
            t["name"],
            t["message"].as_str().unwrap_or("")
        );
    }
}

/// [`MEET`] through a Unix socket file: the visible test binds `meet.sock` in its own directory and
/// opens the directory and the socket to every user (`set_permissions`, which Landlock does not
/// check); the others connect to `../returns_every_result/meet.sock` (test directories are siblings
/// named after their tests). Landlock ABI 6 checks neither `connect` on a socket file outside the
/// sandbox (its scope covers abstract sockets only) nor walking a path, so a network namespace per
/// test would not close this.
const MEET_AT_A_SOCKET_FILE: &str = r#"
fn tell_the_collector(what: &str) {
    use std::io::Write;
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(2) {
        if let Ok(mut stream) = std::os::unix::net::UnixStream::connect("../returns_every_result/meet.sock") {
            let _ = writeln!(stream, "{}", what.escape_debug());
            return;
        }
    }
}

fn collect_then_fail() -> ! {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};
    let listener = std::os::unix::net::UnixListener::bind("meet.sock").expect("cheat: bind");
    for path in [".", "meet.sock"] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777)).expect("cheat: chmod");
    }
    listener.set_nonblocking(true).expect("cheat: nonblocking");
    let mut heard = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(7) {
        match listener.accept() {
            Ok((mut stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let mut text = String::new();
                let _ = stream.read_to_string(&mut text);
                heard.push(text.trim_end().to_owned());
            }
            Err(_) => crate::thread::sleep(Duration::from_millis(20)),
        }
    }
    panic!("cheat: heard from the other tests:\n{}", heard.join("\n"));
}

"#;

/// Found by an attack pass, as [`held_back_tests_cannot_talk_to_a_visible_test_over_the_loopback_network`]
/// without the network: the held-back tests' names and messages reach the visible
/// `returns_every_result` through a Unix socket file in its directory, which it opened to every user
/// (each test has a user of its own here).
///
/// Closed by the same order: no held-back test runs while a visible one does.
#[test]
fn held_back_tests_cannot_talk_to_a_visible_test_through_a_socket_file() {
    let report = grade_meeting(MEET_AT_A_SOCKET_FILE);
    if !landlock_enforced(&report) {
        return;
    }
    assert_no_held_back_names_in_visible_tests(&report);
}

/// Learner code in lesson01's advanced tier (which the suite runs after the beginner and
/// intermediate tiers, on the same run directory) asks, for each name in a list it guessed, whether
/// the directory `../NAME` exists (`std::fs::metadata`: Landlock checks no `stat`, and the run
/// directory is searchable by the tests' users, though not listable), and fails the visible
/// `join_timeout_returns_the_value` on purpose with the names that exist. Each test's directory is
/// named after its test and stays until the grade ends.
const PROBE_THE_SIBLINGS: &str = r#"
fn probe_the_siblings() {
    if !std::env::args().any(|a| a == "join_timeout_returns_the_value") {
        return;
    }
    let guesses = [
        "tasks_all_run_at_the_same_time",
        "a_panicking_task_is_not_swallowed",
        "spawn_named_sets_the_thread_name",
        "tasks_run_one_by_one",
        "sum_chunks_sums_every_chunk_on_its_own_thread",
        "check_all_runs_the_checks_concurrently",
        "check_all_runs_every_check_twice",
    ];
    let there: Vec<&str> = guesses
        .into_iter()
        .filter(|name| std::fs::metadata(format!("../{name}")).is_ok())
        .collect();
    panic!("cheat: held-back tests that exist: {there:?}");
}

"#;

/// Found by an attack pass (a weaker one: it confirms guesses, it does not list): a visible test learned which
/// of the names it guessed are held-back tests of its lesson, before the due date. Test directories
/// are `runs/<stage>/<pid>/<test name>`, kept until the grade ends; a test may not list the run
/// directory, but it may `stat` a path in it, so `../<guess>` exists exactly when `<guess>` is a test
/// that ran (or runs) in this grade. Guesses come from the lesson's text (the README names what
/// each exercise must do), and the report's count of held-back tests says when all are found.
///
/// Closed by the same order: a held-back test's directory is made when it starts, after every
/// visible test has ended.
#[test]
fn a_visible_test_cannot_confirm_held_back_test_names_by_their_directories() {
    let dir = submission(
        LESSON,
        &[
            (
                "advanced",
                "/// Starts `f` on a new thread and returns a handle",
                &format!("{PROBE_THE_SIBLINGS}/// Starts `f` on a new thread and returns a handle"),
            ),
            (
                "advanced",
                "    // BEGIN SOLUTION: run `f` on a new thread",
                "    probe_the_siblings();\n    // BEGIN SOLUTION: run `f` on a new thread",
            ),
        ],
    );
    let report = grade_with(dir.path(), &[]);
    if !landlock_enforced(&report) {
        return;
    }
    let visible = test(&report, "join_timeout_returns_the_value");
    assert_eq!(visible["visibility"], "visible", "{visible}");
    assert_no_held_back_names_in_visible_tests(&report);
}

/// Learner code in lesson09's advanced tier (which may use TCP: it downloads) that sweeps the
/// loopback's ephemeral ports for six seconds and sends every listener it finds a request that the
/// local test server holds for four seconds (`/delay/4000`), keeping the connections open: every
/// test server on the machine sees requests it never got from its own test, and one more request
/// in flight per sweep.
const DISTURB_THE_NEIGHBOURS: &str = r#"
fn disturb_the_neighbours() {
    use std::io::Write;
    use std::net::{SocketAddr, TcpStream};
    if std::fs::metadata("disturbed").is_ok() {
        return;
    }
    let _ = std::fs::write("disturbed", "");
    let started = Instant::now();
    let mut held: Vec<TcpStream> = Vec::new();
    let (mut sweeps, mut sent) = (0, 0);
    while started.elapsed() < Duration::from_secs(6) {
        for port in 32768u16..=60999 {
            let address = SocketAddr::from(([127, 0, 0, 1], port));
            let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(50)) else {
                continue;
            };
            if stream.write_all(b"GET /delay/4000 HTTP/1.1\r\nHost: x\r\n\r\n").is_ok() {
                sent += 1;
                held.push(stream);
            }
            if held.len() > 400 {
                held.drain(..200);
            }
        }
        sweeps += 1;
    }
    eprintln!("cheat: {sweeps} sweeps, {sent} requests sent");
}

"#;

/// Found by an attack pass: in a class batch, one student's learner code made another student's honest
/// tests fail. Students are graded side by side, and so are their tests; lesson09's tests each
/// start a test server on 127.0.0.1, and several judge the learner's code by what that server saw
/// (`peak_in_flight`, `requests`, the paths asked for). Mallory's `download_all` (see
/// [`DISTURB_THE_NEIGHBOURS`]) finds every test server on the loopback and adds requests of its own,
/// so Bob, who hands in the reference solution (71 of 71 alone), loses points. Mallory's beginner and
/// intermediate tiers do not compile, so that her advanced tests start as soon as her build ends.
///
/// The batch runs in a network namespace of its own (`unshare -n`, skipped where that is not
/// allowed), so that the sweep reaches only this batch's servers, not other graders on the machine.
///
/// Closed: each test has a network namespace of its own, so its servers are on a loopback no other
/// test reaches.
#[test]
fn a_student_cannot_disturb_a_classmates_tests_over_the_loopback_network() {
    let class = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let lesson = "lesson09-downloader";
    let bob = submission(lesson, &[]);
    let mallory = submission(
        lesson,
        &[
            ("beginner", "//! ", "fn broken() -> u8 { \"x\" }\n//! "),
            ("intermediate", "//! ", "fn broken() -> u8 { \"x\" }\n//! "),
            (
                "advanced",
                "/// How [`download_all`] works.",
                &format!("{DISTURB_THE_NEIGHBOURS}/// How [`download_all`] works."),
            ),
            (
                "advanced",
                "    // BEGIN SOLUTION: start progress;",
                "    disturb_the_neighbours();\n    // BEGIN SOLUTION: start progress;",
            ),
        ],
    );
    for (name, dir) in [("bob", &bob), ("mallory", &mallory)] {
        let to = class.path().join(name).join("src");
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(dir.path().join("src")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    let output = std::process::Command::new("unshare")
        .args(["-n", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_xtask"))
        .args(["grade", "lesson09", "--class"])
        .arg(class.path())
        .arg("--out")
        .arg(out.path())
        .env("NO_COLOR", "1")
        .output();
    let output = match output {
        Ok(output) if output.status.success() => output,
        other => {
            eprintln!("no network namespace here (or the batch failed): {other:?}");
            return;
        }
    };
    let read = |name: &str| -> serde_json::Value {
        let path = out.path().join("reports").join(format!("{name}.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}\n{}",
                path.display(),
                String::from_utf8_lossy(&output.stderr)
            )
        }))
        .unwrap()
    };
    let (bob, mallory) = (read("bob"), read("mallory"));
    let sweeps = all_output(&mallory);
    assert!(sweeps.contains("cheat: "), "the sweep ran: {mallory}");
    assert_eq!(
        (not_passed(&bob), &bob["score"]),
        (vec![], &bob["max_score"]),
        "Bob's reference solution lost points to Mallory's requests ({}): {:?}",
        sweeps.lines().find(|l| l.starts_with("cheat: ")).unwrap_or(""),
        bob["tests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["status"] != "passed")
            .map(|t| &t["message"])
            .collect::<Vec<_>>()
    );
}

/// `std::mem::transmute` in safe code through rust-lang/rust#57893 (open since 2019: a trait object
/// `dyn Object<U, Output = T>` gets the blanket impl's `Output = U` too, so the compiler takes a `T`
/// for a `U`). No lifetime is named anywhere, so `grading/soundness.rs` has nothing to refuse; rustc
/// 1.95 compiles it (logging "Unexpected initial operand type", rust-lang/rust#114858, and going on).
const TRANSMUTE_57893: &str = r#"
trait Object<U> {
    type Output;
}

impl<T: ?Sized, U> Object<U> for T {
    type Output = U;
}

fn convert<T: ?Sized, U>(x: <T as Object<U>>::Output) -> U {
    x
}

/// `std::mem::transmute`, without `unsafe` and without a lifetime.
fn transmute<A, B>(obj: A) -> B {
    convert::<dyn Object<B, Output = A>, B>(obj)
}

"#;

/// Found by an attack pass after the lifetime rule was in: the forged pass of
/// [`a_key_read_through_a_compiler_soundness_hole_is_no_pass`] with another compiler bug.
/// [`TRANSMUTE_57893`] gives `transmute`, the rest of [`SOUNDNESS_FORGER`] reads the key from the
/// harness's frame on the main thread's stack, MACs `passed` with it and exits 0: the tests that the
/// nameless-thread bug fails passed, with every layer on (Landlock has no file to refuse: it is the
/// test's own memory), 60 where the honest part earns 54. Closed: an impl header with a `?` bound is
/// refused before building (`soundness`).
#[test]
fn a_key_read_through_a_trait_object_soundness_hole_is_no_pass() {
    let rest = &SOUNDNESS_FORGER[SOUNDNESS_FORGER.find("fn peek(address").unwrap()..];
    let report = assert_forger_refused(&format!("{TRANSMUTE_57893}{rest}"), &[]);
    let beginner = &report["tiers"][0];
    let message = beginner["message"].as_str().unwrap();
    assert!(
        message.contains("rust-lang/rust#57893") && message.contains("may be unsized"),
        "{message}"
    );
}

/// rust-lang/rust#25860 (cve-rs's `translate` and `expand_mut`) with its two lifetimes out of the
/// scanner's sight: they are written as `$a` and `$b` in a `macro_rules!` that takes them as plain
/// `tt`s (its definition names no lifetime and no `lifetime` fragment), and handed to it as
/// `break 'a 'b`, where `soundness::lifetimes` takes `'a` for the label of a `break` and counts one
/// lifetime only. The rest of [`SOUNDNESS_FORGER`] (from `enum Dummy`) is used unchanged.
const LIFETIMES_AFTER_A_BREAK: &str = r#"
mod lifetimes {
    macro_rules! stretcher {
        (break $a:tt $b:tt) => {
            fn translate<$a, $b, T: ?Sized>(_: &$a &$b (), v: &$b mut T) -> &$a mut T {
                v
            }
            /// Any lifetime, in safe code.
            pub fn expand_mut<$a, $b, T: ?Sized>(x: &$a mut T) -> &$b mut T {
                let f: fn(_, &mut T) -> &$b mut T = translate;
                f(UNIT, x)
            }
        };
    }
    stretcher!(break 'a 'b);
    static UNIT: &&() = &&();
}
"#;

/// Found by an attack pass: the forged pass of
/// [`a_key_read_through_a_compiler_soundness_hole_is_no_pass`] again, through the very bug the
/// lifetime rule refuses (rust-lang/rust#25860), because the rule's scan skips a lifetime that
/// follows `break` (or labels a loop) anywhere, macro calls included. [`LIFETIMES_AFTER_A_BREAK`]
/// hands `'a` and `'b` to a macro as `break 'a 'b`; the macro drops the `break` and builds cve-rs's
/// functions, and the key is read off the harness's stack as before. The tests that the
/// nameless-thread bug fails pass on a record MAC'd with the real key, with every layer on.
///
/// Closed: in a macro's definition or call every lifetime token counts, labels and jumps too.
#[test]
fn two_lifetimes_handed_to_a_macro_after_a_break_are_refused() {
    let rest = &SOUNDNESS_FORGER[SOUNDNESS_FORGER.find("enum Dummy").unwrap()..];
    assert_forger_refused(&format!("{LIFETIMES_AFTER_A_BREAK}{rest}"), &[]);
}

/// [`TRANSMUTE_57893`] with its blanket impl's `?Sized` moved to the end of a where-clause, after a
/// bound with a block as a const generic argument (`(): Always<{ usize::MIN }>`, always true).
/// `soundness::item_end` takes the first `{ .. }` group at the header's own level for the impl's
/// body, so the header it scans for a `?` ends at the block, and the `?Sized` after it is never
/// looked at.
const TRANSMUTE_57893_AFTER_A_BLOCK: &str = r#"
trait Object<U> {
    type Output;
}

trait Always<const N: usize> {}

impl<const N: usize> Always<N> for () {}

impl<T, U> Object<U> for T
where
    (): Always<{ usize::MIN }>,
    T: ?Sized,
{
    type Output = U;
}

fn convert<T: ?Sized, U>(x: <T as Object<U>>::Output) -> U {
    x
}

/// `std::mem::transmute`, without `unsafe` and without a lifetime.
fn transmute<A, B>(obj: A) -> B {
    convert::<dyn Object<B, Output = A>, B>(obj)
}

"#;

/// Found by an attack pass: the forged pass of
/// [`a_key_read_through_a_trait_object_soundness_hole_is_no_pass`] again, through the very impl the
/// `?` rule refuses, with a block in its where-clause before the `?Sized`
/// ([`TRANSMUTE_57893_AFTER_A_BLOCK`]): the scan of the impl's header stops at the block. The tests
/// that the nameless-thread bug fails pass on a record MAC'd with the real key, every layer on.
///
/// Closed: a block inside `<..>` is a const argument, and the scan goes on to the real body.
#[test]
fn a_relaxed_bound_after_a_block_in_an_impl_header_is_refused() {
    let rest = &SOUNDNESS_FORGER[SOUNDNESS_FORGER.find("fn peek(address").unwrap()..];
    assert_forger_refused(&format!("{TRANSMUTE_57893_AFTER_A_BLOCK}{rest}"), &[]);
}

/// A `#[path]` module whose attribute a macro writes from a `meta` fragment: the macro's definition
/// holds `#[$m]`, and the call `solution!(path = "..")` holds `path =` outside any `#[..]`, so
/// `reads::compile_time_reads` (which looks for `path =` inside an attribute's brackets only) finds
/// nothing. `ROOT` is replaced by the course's root.
const PATH_MODULE_FROM_A_MACRO: &str = r#"
macro_rules! solution {
    ($m:meta) => {
        #[$m]
        mod solution;
    };
}
solution!(path = "ROOT/solutions/lesson01-threads/src/intermediate.rs");
pub use solution::*;
"#;

/// Found by an attack pass: SECURITY.md says a tier file's tokens name every way it has to read a
/// file while compiling, so that the token check refuses them "with or without Landlock". A macro
/// takes `path = ".."` as a `meta` fragment and writes `#[$m] mod solution;`
/// ([`PATH_MODULE_FROM_A_MACRO`]); the token check only looks for `path =` inside `#[..]`. Without
/// Landlock (`THREADLAB_NO_LANDLOCK`, or a kernel without it) lesson01's intermediate tier is then
/// the reference solution, built from the course's `solutions/`, and earns its 20 points. With
/// Landlock the compiler cannot read the file, so this is the second layer lost, not the first.
///
/// Closed: a `mod` in a macro's definition or call is refused (`reads`).
#[test]
fn a_path_module_written_by_a_macro_is_refused_before_building() {
    let dir = submission(LESSON, &[]);
    let course = root().to_string_lossy().into_owned();
    std::fs::write(
        dir.path().join("src/intermediate.rs"),
        PATH_MODULE_FROM_A_MACRO.replace("ROOT", &course),
    )
    .unwrap();
    let report = grade_with(dir.path(), &[("THREADLAB_NO_LANDLOCK", "1")]);
    let intermediate = &report["tiers"][1];
    assert_eq!(intermediate["tier"], "intermediate", "{report}");
    assert_eq!(
        (intermediate["score"].as_u64(), intermediate["status"].as_str()),
        (Some(0), Some("refused")),
        "the reference's intermediate.rs, read through a macro's #[path], was graded: {intermediate}"
    );
}

/// cve-rs's `translate` with `'static` for its first lifetime, and a bound with a block as a const
/// generic argument (`T: Always<{ usize::MIN }>`, true of every type) before the signature:
/// `soundness::item_end` takes that block for the function's body, so the lifetimes it counts are
/// those of `fn translate<'b, T: Always<`, one.
const LIFETIMES_AFTER_A_BLOCK: &str = r#"
mod lifetimes {
    pub trait Always<const N: usize> {}

    impl<T, const N: usize> Always<N> for T {}

    static UNIT: &&() = &&();

    fn translate<'b, T: Always<{ usize::MIN }>>(_: &'static &'b (), v: &'b mut T) -> &'static mut T {
        v
    }

    /// Any lifetime, in safe code.
    pub fn expand_mut<T>(x: &mut T) -> &'static mut T {
        let f: fn(_, &mut T) -> &'static mut T = translate;
        f(UNIT, x)
    }
}
"#;

/// Found by an attack pass: the forged pass of
/// [`a_key_read_through_a_compiler_soundness_hole_is_no_pass`] through rust-lang/rust#25860 with
/// the same blind spot as [`a_relaxed_bound_after_a_block_in_an_impl_header_is_refused`]: a block
/// in a function's generics ends the part of it that is scanned, so `'static` in its signature is
/// not counted ([`LIFETIMES_AFTER_A_BLOCK`]). `B: 'static` is added to the forger's `transmute`,
/// since this `expand_mut` makes `'static` references.
///
/// Closed as the impl header above.
#[test]
fn a_second_lifetime_after_a_block_in_a_functions_generics_is_refused() {
    assert_the_forger_is_refused(LIFETIMES_AFTER_A_BLOCK, &[]);
}

/// A first line that rustc drops as a shebang (`#!` not followed by `[`) but that does not
/// tokenize: `#!/usr/bin/env "` opens a string literal that never closes. `soundness::refused_shapes`
/// and `reads::compile_time_reads` leave source that does not tokenize to the compiler, so they find
/// nothing anywhere in the file, while rustc strips the line and builds the rest.
const UNTOKENIZABLE_SHEBANG: &str = "#!/usr/bin/env \"\n";

/// Found by an attack pass: the forged pass of
/// [`a_key_read_through_a_compiler_soundness_hole_is_no_pass`] with [`SOUNDNESS_FORGER`] unchanged
/// (cve-rs's `translate<'a, 'b, ..>` in plain sight), behind an [`UNTOKENIZABLE_SHEBANG`] as the
/// tier file's first line. proc-macro2 cannot tokenize the file, so neither token scan refuses
/// anything; rustc strips the shebang, builds the file, and the key is read off the harness's stack
/// as before. The tests that the nameless-thread bug fails pass on a record MAC'd with the real key,
/// with every layer on: lesson01 scored 60 where the honest part earns 54. The same line hides an
/// `include_str!` or a `#[path]` from `reads` too.
///
/// Closed: both scans skip a shebang as rustc does, and a file they cannot read at all that builds
/// anyway is refused (`grade::refuse_unscanned`).
#[test]
fn a_tier_file_that_does_not_tokenize_behind_a_shebang_is_refused() {
    let first_line = "//! Beginner: start several tasks at once";
    let shebang = (
        "beginner",
        first_line.to_owned(),
        format!("{UNTOKENIZABLE_SHEBANG}{first_line}"),
    );
    assert_forger_refused(SOUNDNESS_FORGER, &[shebang]);
}

/// cve-rs's `translate` with its `'static` written in two type aliases (`Shared<T> = &'static T`,
/// `Unique<T> = &'static mut T`), items of their own that name one lifetime each. `translate` then
/// names `'b` only, `expand_mut` none, and each alias `'static` only, so no item names two; rustc
/// expands the aliases and the implied bound `'b: 'static` of `&'static &'b ()` is there as before.
const STATIC_THROUGH_AN_ALIAS: &str = r#"
mod lifetimes {
    type Shared<T> = &'static T;
    type Unique<T> = &'static mut T;

    static UNIT: &&() = &&();

    fn translate<'b, T: ?Sized>(_: Shared<&'b ()>, v: &'b mut T) -> Unique<T> {
        v
    }

    /// Any lifetime, in safe code.
    pub fn expand_mut<T: ?Sized>(x: &mut T) -> Unique<T> {
        let f: fn(_, &mut T) -> Unique<T> = translate;
        f(UNIT, x)
    }
}
"#;

/// Found by an attack pass: the forged pass of
/// [`a_key_read_through_a_compiler_soundness_hole_is_no_pass`] through rust-lang/rust#25860, with
/// the second lifetime (`'static`) in a type alias of its own ([`STATIC_THROUGH_AN_ALIAS`]): the rule
/// counts lifetimes item by item, and a type alias is expanded where it is used. `B: 'static` is
/// added to the forger's `transmute`, since this `expand_mut` makes `'static` references. The tests
/// that the nameless-thread bug fails pass on a record MAC'd with the real key, every layer on:
/// lesson01 scored 60 where the honest part earns 54.
///
/// Closed: a `'static` in a type alias, struct, enum or union of the file counts in every item
/// that uses it (`soundness::static_carrying_types`).
#[test]
fn a_static_lifetime_through_a_type_alias_is_refused() {
    assert_the_forger_is_refused(STATIC_THROUGH_AN_ALIAS, &[]);
}

/// cve-rs's `translate` with its `'static` written in two generic structs (`Holder<T: 'static>`
/// holds a `&'static T`, `Forever<T: ?Sized + 'static>` a `&'static mut T`), items of their own
/// that name `'static` only. `translate` takes a `&Holder<&'b ()>`, whose well-formedness implies
/// `'b: 'static`, names `'b` only, and returns a `Forever<T>`; `expand_mut` names `'static` only.
/// Unlike [`STATIC_THROUGH_AN_ALIAS`], nothing here is expanded in place: the bound comes from the
/// structs' own where-clauses.
const STATIC_THROUGH_A_STRUCT: &str = r#"
mod lifetimes {
    pub struct Holder<T: 'static>(&'static T);
    pub struct Forever<T: ?Sized + 'static>(&'static mut T);

    static UNIT: Holder<&()> = Holder(&&());

    fn translate<'b, T: ?Sized>(_: &Holder<&'b ()>, v: &'b mut T) -> Forever<T> {
        Forever(v)
    }

    /// Any lifetime, in safe code.
    pub fn expand_mut<T: ?Sized>(x: &mut T) -> &'static mut T {
        let f: fn(_, &mut T) -> Forever<T> = translate;
        f(&UNIT, x).0
    }
}
"#;

/// Found by an attack pass: [`a_static_lifetime_through_a_type_alias_is_refused`] again with
/// structs for the aliases ([`STATIC_THROUGH_A_STRUCT`]): the implied bound `'b: 'static` comes from
/// a struct's `T: 'static`, written in the struct's own definition, so counting an alias's lifetimes
/// where it is used would not close it. The tests that the nameless-thread bug fails pass on a
/// record MAC'd with the real key, every layer on.
///
/// Closed as the type alias above.
#[test]
fn a_static_lifetime_through_a_structs_bound_is_refused() {
    assert_the_forger_is_refused(STATIC_THROUGH_A_STRUCT, &[]);
}

/// cve-rs's `translate` with its `'static` taken from the standard library: `std::any::Any` is
/// declared `trait Any: 'static`, so a trait object `dyn Any + 'b` is well-formed only if
/// `'b: 'static`, and rustc takes that as an implied bound of a function with such a parameter.
/// The shorter lifetime the result may have is the elided one of `&self`, which the implied bound
/// outlives. `translate` names `'b` only, `expand_mut` `'static` only, and no type of the file
/// names `'static`: nothing is refused. Coerced to a function pointer, the implied bound is lost as
/// in rust-lang/rust#25860.
const STATIC_THROUGH_DYN_ANY: &str = r#"
mod lifetimes {
    use std::any::Any;

    pub struct Unit;

    impl Unit {
        fn translate<'b, T>(&self, _: Option<&(dyn Any + 'b)>, v: &'b mut T) -> &mut T {
            v
        }
    }

    /// Any lifetime, in safe code.
    pub fn expand_mut<T>(x: &mut T) -> &'static mut T {
        let f: fn(_, _, &mut T) -> &'static mut T = Unit::translate;
        f(&Unit, None, x)
    }
}
"#;

/// The rest of [`SOUNDNESS_FORGER`] (from `enum Dummy`), for an `expand_mut` that makes `'static`
/// references.
fn forger_for_static_references() -> String {
    SOUNDNESS_FORGER[SOUNDNESS_FORGER.find("enum Dummy").unwrap()..]
        .replace("fn transmute_inner<A, B>", "fn transmute_inner<A, B: 'static>")
        .replace("fn transmute<A, B>", "fn transmute<A, B: 'static>")
}

/// [`assert_forger_refused`] with `stretcher` (a `mod lifetimes` with an `expand_mut` that makes
/// `'static` references) and the rest of the forger after it.
fn assert_the_forger_is_refused(stretcher: &str, more: &[(&str, String, String)]) {
    assert_forger_refused(&format!("{stretcher}{}", forger_for_static_references()), more);
}

/// Grades lesson01 with `forger` (code defining `forge_a_pass`) called in `spawn_named` beside the
/// nameless-thread bug, and `more` edits; asserts the tests that bug fails are not passed and the
/// beginner tier is refused, and returns the report.
fn assert_forger_refused(forger: &str, more: &[(&str, String, String)]) -> serde_json::Value {
    let [define, call] = in_spawn_named(forger, "forge_a_pass");
    let (tier, old, new) = NAMELESS;
    let mut edits = vec![define, call, (tier, old.to_owned(), new.to_owned())];
    edits.extend(more.iter().cloned());
    let dir = submission_of(&edits);
    let report = grade_with(dir.path(), &[]);
    for name in NAMELESS_FAILS {
        assert_ne!(
            test(&report, name)["status"],
            "passed",
            "{name} passed on a forged record: score {} (the honest part: {}), {}",
            report["score"],
            honest_nameless()["score"],
            report["sandbox"]
        );
    }
    assert_eq!(report["tiers"][0]["status"], "refused", "{report}");
    report
}

/// Found by an attack pass: the forged pass of
/// [`a_key_read_through_a_compiler_soundness_hole_is_no_pass`] through rust-lang/rust#25860 with
/// its `'static` out of the file: [`STATIC_THROUGH_DYN_ANY`] takes it from `std::any::Any`'s
/// `'static` supertrait, through a `dyn Any + 'b` parameter, and returns a reference with the
/// elided lifetime of `&self`. Every item names one lifetime at most and no type of the file names
/// `'static`, so the scan refuses nothing; rustc builds it. A trait of the file's own declared
/// `trait Bar: 'static {}` builds as well (the trait header names `'static` only, and a trait is
/// not among the types whose `'static` counts where they are used).
///
/// Closed: a trait object bounded by a named lifetime other than `'static` is refused, and a
/// trait of the crate's own that names `'static` counts where it is used.
#[test]
fn a_static_lifetime_through_a_trait_objects_supertrait_is_refused() {
    assert_the_forger_is_refused(STATIC_THROUGH_DYN_ANY, &[]);
}

/// [`STATIC_THROUGH_A_STRUCT`] with the structs used under other names (`use Holder as H;`):
/// `soundness::static_carrying_types` knows `Holder` and `Forever` carry `'static`, and looks for
/// those names in the items that use them; `translate` names `H` and `F` only.
const STATIC_THROUGH_A_RENAMED_STRUCT: &str = r#"
mod lifetimes {
    pub struct Holder<T: 'static>(&'static T);
    pub struct Forever<T: ?Sized + 'static>(&'static mut T);
    use Forever as F;
    use Holder as H;

    static UNIT: H<&()> = H(&&());

    fn translate<'b, T: ?Sized>(_: &H<&'b ()>, v: &'b mut T) -> F<T> {
        F(v)
    }

    /// Any lifetime, in safe code.
    pub fn expand_mut<T: ?Sized>(x: &mut T) -> &'static mut T {
        let f: fn(_, &mut T) -> F<T> = translate;
        f(&UNIT, x).0
    }
}
"#;

/// Found by an attack pass: [`a_static_lifetime_through_a_structs_bound_is_refused`] again, with
/// the structs renamed by a `use` ([`STATIC_THROUGH_A_RENAMED_STRUCT`]); the rule matches a
/// carrying type by the name of its definition, and a `use .. as` gives it another (a type alias
/// of it would be counted: aliases are definitions the rule follows).
///
/// Closed: a name a `'static`-carrying type is imported as carries it too.
#[test]
fn a_static_lifetime_through_a_renamed_struct_is_refused() {
    assert_the_forger_is_refused(STATIC_THROUGH_A_RENAMED_STRUCT, &[]);
}

/// [`STATIC_THROUGH_A_STRUCT`] with the structs defined as raw identifiers (`struct r#Holder`):
/// rustc takes `r#Holder` and `Holder` for the same name, `soundness::static_carrying_types`
/// records `r#Holder` and looks for it among the identifiers `translate` uses, which spell
/// `Holder`.
const STATIC_THROUGH_A_RAW_IDENTIFIER: &str = r#"
mod lifetimes {
    pub struct r#Holder<T: 'static>(&'static T);
    pub struct r#Forever<T: ?Sized + 'static>(&'static mut T);

    static UNIT: Holder<&()> = Holder(&&());

    fn translate<'b, T: ?Sized>(_: &Holder<&'b ()>, v: &'b mut T) -> Forever<T> {
        Forever(v)
    }

    /// Any lifetime, in safe code.
    pub fn expand_mut<T: ?Sized>(x: &mut T) -> &'static mut T {
        let f: fn(_, &mut T) -> Forever<T> = translate;
        f(&UNIT, x).0
    }
}
"#;

/// Found by an attack pass: [`a_static_lifetime_through_a_structs_bound_is_refused`] again, with
/// the structs' names written raw in their definitions ([`STATIC_THROUGH_A_RAW_IDENTIFIER`]).
///
/// Closed: names are compared as rustc resolves them (`r#Holder` is `Holder`).
#[test]
fn a_static_lifetime_through_a_struct_with_a_raw_name_is_refused() {
    assert_the_forger_is_refused(STATIC_THROUGH_A_RAW_IDENTIFIER, &[]);
}

/// [`STATIC_THROUGH_A_STRUCT`] with the structs in another tier file: `intermediate.rs` defines
/// [`STATIC_STRUCTS`], `beginner.rs` names `crate::intermediate`, so the grader builds both into
/// the beginner tier's crate. Each file is scanned by itself: intermediate's structs name
/// `'static` only, and beginner's `translate` names `'b` and types that no definition in its own
/// file carries.
const STATIC_THROUGH_ANOTHER_TIER: &str = r#"
mod lifetimes {
    use crate::intermediate::{Forever, Holder};

    static UNIT: Holder<&()> = Holder(&&());

    fn translate<'b, T: ?Sized>(_: &Holder<&'b ()>, v: &'b mut T) -> Forever<T> {
        Forever(v)
    }

    /// Any lifetime, in safe code.
    pub fn expand_mut<T: ?Sized>(x: &mut T) -> &'static mut T {
        let f: fn(_, &mut T) -> Forever<T> = translate;
        f(&UNIT, x).0
    }
}
"#;

/// The structs of [`STATIC_THROUGH_ANOTHER_TIER`], in `intermediate.rs`.
const STATIC_STRUCTS: &str = "#[doc(hidden)]\npub struct Holder<T: 'static>(pub &'static T);\n\
                              #[doc(hidden)]\npub struct Forever<T: ?Sized + 'static>(pub &'static mut T);\n";

/// Found by an attack pass: [`a_static_lifetime_through_a_structs_bound_is_refused`] again, with
/// the structs in `intermediate.rs` and their use in `beginner.rs`
/// ([`STATIC_THROUGH_ANOTHER_TIER`]): `soundness::static_carrying_types` only knows the types of
/// the file it scans, and the tier crates are built from several files.
///
/// Closed: the types and traits of every tier file built into the library count.
#[test]
fn a_static_lifetime_through_a_struct_of_another_tier_is_refused() {
    let structs = (
        "intermediate",
        "use std::collections::HashMap;\n".to_owned(),
        format!("use std::collections::HashMap;\n{STATIC_STRUCTS}"),
    );
    assert_the_forger_is_refused(STATIC_THROUGH_ANOTHER_TIER, &[structs]);
}
