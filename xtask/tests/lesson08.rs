//! lesson08's starters are buggy programs, not `todo!()` stubs, so the course-wide checks of starters
//! (every test `not_started`) do not apply to it. These tests hold it to its own contract instead:
//!
//! - the untouched starters lose points in every tier, and every test that targets a bug fails;
//! - every fix in the solution is needed: putting any single `(bug)` region back to its starter code
//!   loses points in that region's tier (and only there).

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;

const LESSON: &str = "lesson08";
const DIR: &str = "lesson08-pitfalls";

/// Each tier's full marks, in tier order, from a report.
fn tier_points(report: &serde_json::Value) -> Vec<u64> {
    report["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["max_score"].as_u64().unwrap())
        .collect()
}

/// The tests aimed at a pitfall: each must fail on the untouched starters. The others check
/// behaviour the starters already get right.
/// (The differential tests and the history check fail on the starters too: their bugs change what
/// the calls give.)
const BUG_TESTS: [&str; 16] = [
    "count_words_waits_for_every_thread",
    "a_panicking_page_is_reported_with_its_message",
    "the_first_panicking_page_is_reported_after_every_thread_ends",
    "pages_match_the_reference",
    "audit_and_transfers_never_deadlock",
    "pay_interest_does_not_lock_accounts_twice",
    "export_lets_transfers_run_while_it_writes",
    "audit_sees_interest_and_its_line_together",
    "bank_matches_the_reference",
    "every_history_is_the_log_replayed",
    "journal_close_keeps_every_line_at_exit",
    "journal_write_returns_at_once_and_the_sink_is_written_elsewhere",
    "ten_thousand_items_run_on_a_few_threads",
    "tally_keeps_working_after_a_panic",
    "semaphore_waits_without_polling",
    "service_parts_match_the_reference",
];

fn lesson() -> grader::Lesson {
    grader::Lesson::from_dir_name(DIR).unwrap()
}

#[test]
fn starters_lose_points_in_every_tier_and_every_bug_test_fails() {
    let dir = starters(&lesson());
    let report = grade_json(LESSON, dir.path());
    for ((tier, (score, status)), full) in ["beginner", "intermediate", "advanced"]
        .iter()
        .zip(tiers(&report))
        .zip(tier_points(&report))
    {
        assert!(
            score < full && status == "partial",
            "{tier}: the starter scored {score}/{full} ({status}); its bugs should cost points"
        );
    }
    let failed: BTreeSet<String> = not_passed(&report).into_iter().collect();
    let bugs: BTreeSet<String> = BUG_TESTS.iter().map(|t| t.to_string()).collect();
    assert_eq!(
        failed, bugs,
        "the tests that fail on the starters must be exactly the bug tests"
    );
    for name in BUG_TESTS {
        let status = &test(&report, name)["status"];
        assert_eq!(
            status, "failed",
            "{name}: a bug test must fail with a message (not time out or crash)"
        );
    }
}

#[test]
fn every_fix_in_the_solution_is_needed() {
    let solution_src = root().join("solutions").join(DIR).join("src");
    let mut regions = 0;
    let mut not_needed = Vec::new();
    for (index, tier) in ["beginner", "intermediate", "advanced"].iter().enumerate() {
        let path = solution_src.join(format!("{tier}.rs"));
        let text = std::fs::read_to_string(&path).unwrap();
        let variants = grader::starter::bug_variants(&text, Path::new(&path)).unwrap();
        assert!(!variants.is_empty(), "{tier}.rs has no (bug) region");
        for variant in variants {
            regions += 1;
            let dir = submission(DIR, &[]);
            std::fs::write(dir.path().join(format!("src/{tier}.rs")), &variant.text).unwrap();
            let report = grade_json(LESSON, dir.path());
            let scores: Vec<u64> = tiers(&report).into_iter().map(|(score, _)| score).collect();
            let full = tier_points(&report);
            let others_full = scores
                .iter()
                .enumerate()
                .all(|(i, score)| i == index || *score == full[i]);
            if scores[index] >= full[index] || !others_full {
                not_needed.push(format!(
                    "{tier}.rs:{} ({}): tier scores {scores:?} with only this fix reverted; failing tests: {:?}",
                    variant.line,
                    variant.what,
                    not_passed(&report)
                ));
            }
        }
    }
    assert_eq!(regions, 9, "one (bug) region per pitfall");
    assert!(
        not_needed.is_empty(),
        "reverting one fix must cost points in its own tier only:\n{}",
        not_needed.join("\n")
    );
}
