//! A batch's progress bar in a real terminal (tmux): while one student's test hangs, the bar's
//! elapsed time and ETA keep moving. The bar was once redrawn only when a student finished, so a
//! teacher watching a hanging student saw it frozen, as if the grader itself had hung.

mod common;

use common::tmux::Tmux;
use common::*;
use std::time::{Duration, Instant};

const LESSON: &str = "lesson01-threads";

/// The progress bar's line on `screen` (the one naming the students).
fn bar(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains(" students, "))
        .unwrap_or_else(|| panic!("no progress bar on the screen:\n{screen}"))
        .trim_end()
        .to_owned()
}

/// The text after `label` up to the next comma or space: `00:00:03` in `…, ETA 00:00:03  ada 0/60`.
fn field<'a>(line: &'a str, label: &str) -> &'a str {
    let start = line
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in {line}"))
        + label.len();
    let rest = &line[start..];
    let end = rest.find([',', ' ']).unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn the_bar_moves_while_a_student_hangs() {
    let class = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let out = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    // ada handed in the untouched starters, graded in a second or two (every test stops at its
    // `todo!()`); bob's spawn_named sleeps for ever, so his test of
    // it runs until its 10 s timeout. Sorted by name, ada is graded first (or beside bob on two
    // cores): the bar reads 1/2 while bob hangs. The sleep keeps a CPU free for tmux and the bar.
    let lesson = grader::Lesson::from_dir_name(LESSON).unwrap();
    let ada = starters(&lesson);
    let bob = submission(
        LESSON,
        &[(
            "beginner",
            "    thread::Builder::new()\n        .name(name.to_owned())",
            "    while !name.is_empty() {\n        thread::sleep(std::time::Duration::from_millis(100));\n    }\n    \
             thread::Builder::new()\n        .name(name.to_owned())",
        )],
    );
    for (student, fixture) in [("ada", &ada), ("bob", &bob)] {
        std::fs::rename(fixture.path().join("src"), class.path().join(student)).unwrap();
    }
    let command = format!(
        "env NO_COLOR=1 {} grade lesson01 --class {} --out {}",
        env!("CARGO_BIN_EXE_xtask"),
        class.path().display(),
        out.path().display()
    );
    let tmux = Tmux::start(&command);
    // The first grade of a cold build cache compiles the lesson; later ones take seconds.
    let first = tmux.wait_for(Duration::from_secs(300), |s| s.contains("1/2 students"));
    let seen = Instant::now();
    std::thread::sleep(Duration::from_millis(1600));
    let second = tmux.screen();
    let (before, after) = (bar(&first), bar(&second));
    eprintln!("{} ms apart:\n{before}\n{after}", seen.elapsed().as_millis());
    assert!(
        after.contains("1/2 students"),
        "bob finished within 1.6 s of ada, so nothing hung while the screen was read:\n{after}"
    );
    assert!(
        after.contains("  ada "),
        "the bar shows the last student who finished:\n{after}"
    );
    assert_ne!(
        field(&before, "students, "),
        field(&after, "students, "),
        "the elapsed time stood still while bob hung:\n{before}\n{after}"
    );
    // The ETA is the time per student done times the students left: one done, one left, so it
    // grows with the wait.
    assert_ne!(
        field(&before, "ETA "),
        field(&after, "ETA "),
        "the ETA stood still while bob hung:\n{before}\n{after}"
    );
}
