//! `cargo xtask mutants` end to end, on a recorded mutant list (in cargo-mutants' `--list --json`
//! shape) so the test needs no cargo-mutants: one mutant the suite catches, one that does not compile,
//! and one that changes nothing, which the suite must miss. Positions are found in the current
//! solution, so editing the solution cannot leave the recording stale.

mod common;

use common::*;

const LESSON_DIR: &str = "lesson01-threads";

/// A cargo-mutants list entry replacing the first `old` after `anchor` in `src/<tier>.rs`.
fn recorded(tier: &str, anchor: &str, old: &str, new: &str, description: &str) -> serde_json::Value {
    let file = format!("solutions/{LESSON_DIR}/src/{tier}.rs");
    let text = std::fs::read_to_string(root().join(&file)).unwrap();
    let anchor_at = text
        .find(anchor)
        .unwrap_or_else(|| panic!("{anchor:?} is not in {file}"));
    let at = anchor_at + text[anchor_at..].find(old).unwrap();
    let position = |byte: usize| {
        let before = &text[..byte];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
        serde_json::json!({"line": line, "column": column})
    };
    let start = position(at);
    serde_json::json!({
        "file": file,
        "name": format!("{file}:{}:{}: {description}", start["line"], start["column"]),
        "genre": "BinaryOperator",
        "package": "lesson01-solution",
        "replacement": new,
        "span": {"start": start, "end": position(at + old.len())},
    })
}

#[test]
fn a_recorded_mutant_list_is_graded_caught_unviable_and_missed() {
    let list = serde_json::Value::Array(vec![
        recorded(
            "intermediate",
            "if workers == 0",
            "==",
            "!=",
            "replace == with != in sum_chunks",
        ),
        recorded(
            "intermediate",
            "if workers == 0",
            "==",
            "= =",
            "replace == with = = in sum_chunks",
        ),
        recorded(
            "intermediate",
            "if workers == 0",
            "==",
            "==",
            "replace == with == in sum_chunks",
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mutants.json");
    std::fs::write(&path, list.to_string()).unwrap();
    let output = xtask(&[
        "mutants",
        "lesson01",
        "--tier",
        "intermediate",
        "--format",
        "json",
        "--min",
        "60",
        "--mutants-file",
        path.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // One caught of two viable is 50 %, below --min 60.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("below --min 60"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let verdicts: Vec<&str> = report["mutants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["caught", "unviable", "missed"]);
    let total = &report["total"];
    assert_eq!(
        (
            &total["viable"],
            &total["caught"],
            &total["missed"],
            &total["unviable"]
        ),
        (&2.into(), &1.into(), &1.into(), &1.into())
    );
    assert_eq!(total["score"], 50.0);
    assert_eq!(report["tiers"].as_array().unwrap().len(), 1);
    assert_eq!(report["mutants"][2]["file"], "src/intermediate.rs");
    // The scratch copy is left unmutated.
    let scratch = root().join("target/threadlab/mutants/lesson01/src/intermediate.rs");
    let solution = root().join(format!("solutions/{LESSON_DIR}/src/intermediate.rs"));
    assert_eq!(
        std::fs::read_to_string(scratch).unwrap(),
        std::fs::read_to_string(solution).unwrap()
    );
}
