//! A student's feedback after a batch (`OUT/feedback/<student>.md`): Markdown a teacher can hand back
//! as it is. Each test that did not pass, with its message and hint; a tier that did not compile or
//! was refused, with why; and the provenance that says what was graded.
//!
//! Two things never reach a student through it:
//! - the teacher's paths: the report's messages name files as the grader found them (absolute when
//!   the class folder is outside the course); every place is rewritten relative to the student's own
//!   folder or the course ([`Feedback::strip`]).
//! - held-back tests (a suite's tests whose visibility is not `visible`) before the teacher releases
//!   them with `--release-held-back`: as on Gradescope before the due date, their names, messages,
//!   points and the total they change stay out; the page says only that some are held back and
//!   gives the score of the visible tests.

use super::Report;
use crate::outcome::Status;
use crate::score::TestReport;
use crate::suite::Visibility;
use std::fmt::Write;

/// How a feedback page is written.
#[derive(Debug, Clone, Default)]
pub struct Feedback {
    /// Show the held-back tests and the full score (the teacher says so: `--release-held-back`).
    pub release_held_back: bool,
    /// Path prefixes (the student's folder, the class folder, the course) removed from every place,
    /// longest first, so that a message names `lessons/lesson05-races/src/beginner.rs`, never the
    /// teacher's `/home/teacher/…`.
    pub strip: Vec<String>,
}

impl Feedback {
    /// `text` with the teacher's path prefixes taken out.
    fn clean(&self, text: &str) -> String {
        let mut prefixes: Vec<&String> = self.strip.iter().filter(|p| !p.is_empty()).collect();
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let mut text = text.to_owned();
        for prefix in prefixes {
            text = strip_prefix_everywhere(&text, prefix.trim_end_matches('/'));
        }
        text
    }
}

/// `text` with every `prefix/` removed, and `prefix` alone (not the start of a longer name, such as
/// `…/ada` in `…/adam`) written as `.`.
fn strip_prefix_everywhere(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        out.push_str(&rest[..at]);
        let after = &rest[at + prefix.len()..];
        match after.chars().next() {
            Some('/') => rest = &after[1..],
            Some(c) if c.is_alphanumeric() || "-_.".contains(c) => {
                out.push_str(prefix);
                rest = after;
            }
            _ => {
                out.push('.');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The page for `student`'s report.
pub fn render(student: &str, report: &Report, feedback: &Feedback) -> String {
    let shown = |t: &&TestReport| feedback.release_held_back || t.visibility == Visibility::Visible;
    let tests: Vec<&TestReport> = report.tests.iter().filter(shown).collect();
    let held_back: Vec<&TestReport> = report.tests.iter().filter(|t| !shown(t)).collect();
    let mut page = String::new();
    let _ = writeln!(
        page,
        "# {} ({}): feedback for {}\n",
        report.lesson,
        report.title,
        inline(student)
    );
    let score: u32 = tests.iter().map(|t| t.score).sum();
    let max: u32 = tests.iter().map(|t| t.max_score).sum();
    if held_back.is_empty() {
        let _ = writeln!(page, "**Score: {score}/{max}**\n");
    } else {
        let _ = writeln!(
            page,
            "**Score of the visible tests: {score}/{max}.** {} more {} run; their results are \
             released later by your teacher.\n",
            held_back.len(),
            if held_back.len() == 1 {
                "test was"
            } else {
                "tests were"
            }
        );
    }
    let _ = writeln!(page, "| tier | score | status |\n|---|---|---|");
    for tier in &report.tiers {
        let of_tier: Vec<&&TestReport> = tests.iter().filter(|t| t.tier == tier.tier).collect();
        if of_tier.is_empty() {
            let _ = writeln!(page, "| {} | – | no visible tests |", tier.tier);
            continue;
        }
        let score: u32 = of_tier.iter().map(|t| t.score).sum();
        let max: u32 = of_tier.iter().map(|t| t.max_score).sum();
        let statuses: Vec<Status> = of_tier.iter().map(|t| t.status).collect();
        let status = crate::score::tier_status(&statuses, score, max);
        let _ = writeln!(page, "| {} | {score}/{max} | {} |", tier.tier, status.as_str());
    }

    for tier in &report.tiers {
        let failed: Vec<&&TestReport> = tests
            .iter()
            .filter(|t| t.tier == tier.tier && t.status != Status::Passed)
            .collect();
        if failed.is_empty() {
            continue;
        }
        let _ = writeln!(page, "\n## {} tier\n", tier.tier);
        if !tier.message.is_empty()
            && failed
                .iter()
                .any(|t| matches!(t.status, Status::CompileError | Status::Refused))
        {
            let what = if tier.status == crate::score::TierStatus::Refused {
                "was refused"
            } else {
                "does not compile"
            };
            let _ = writeln!(
                page,
                "`{}` {what}, so its tests did not run:\n\n{}",
                tier.tier.file_name(),
                fenced(&feedback.clean(&tier.message))
            );
            continue;
        }
        let (not_started, others): (Vec<&&TestReport>, Vec<&&TestReport>) =
            failed.into_iter().partition(|t| t.status == Status::NotStarted);
        for test in others {
            let _ = writeln!(
                page,
                "### {} ({}/{}, {})\n",
                inline(&test.name),
                test.score,
                test.max_score,
                test.status
            );
            if !test.message.is_empty() {
                let _ = writeln!(page, "{}", fenced(&feedback.clean(&test.message)));
            }
            if !test.hint.is_empty() {
                let _ = writeln!(page, "Hint: {}\n", feedback.clean(&test.hint));
            }
        }
        if !not_started.is_empty() {
            let names: Vec<String> = not_started.iter().map(|t| inline(&t.name)).collect();
            let _ = writeln!(
                page,
                "Not started (the exercise still has a `todo!()`): {}\n",
                names.join(", ")
            );
        }
    }
    let p = &report.provenance;
    let _ = writeln!(page, "\n---\n");
    let _ = writeln!(
        page,
        "Graded {} by threadlab {}; files SHA-256 `{}`{}.",
        p.graded_at,
        p.grader_version,
        if p.files_sha256.is_empty() {
            "(none)"
        } else {
            &p.files_sha256
        },
        match (&p.commit, &p.deadline) {
            (Some(c), Some(d)) => format!(", commit `{c}` (your last before the deadline, {d})"),
            (Some(c), None) => format!(", commit `{c}`"),
            (None, _) => String::new(),
        }
    );
    page
}

/// The page for a student who has no report: no files found, grading failed, or refused.
pub fn render_without_report(student: &str, lesson: &str, why: &str, feedback: &Feedback) -> String {
    format!(
        "# {lesson}: feedback for {}\n\n**Not graded.** {}\n",
        inline(student),
        feedback.clean(why)
    )
}

/// Text in a fenced code block, with a fence longer than any run of backticks in it.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n", text.trim_end())
}

/// A name as inline code, so Markdown in a folder or test name is shown, not rendered.
fn inline(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::progress::tests::report;
    use crate::tier::Tier;

    fn graded() -> Report {
        let mut graded = report(
            "lesson05",
            &[
                ("ok", Tier::Beginner, 5, 5, Status::Passed),
                ("lost", Tier::Beginner, 0, 5, Status::Failed),
                ("secret_check", Tier::Beginner, 0, 5, Status::Failed),
                ("todo", Tier::Intermediate, 0, 5, Status::NotStarted),
            ],
        );
        graded.tests[1].message =
            "/home/teacher/class/ada/lessons/lesson05-races/src/beginner.rs:12: expected 4, got 3".into();
        graded.tests[1].hint = "use fetch_add".into();
        graded.tests[2].visibility = Visibility::AfterDueDate;
        graded.tests[2].message = "the hidden value 12345".into();
        graded.provenance.files_sha256 = "ab".repeat(32);
        graded
    }

    fn options(release_held_back: bool) -> Feedback {
        Feedback {
            release_held_back,
            strip: vec!["/home/teacher/class/ada".into(), "/home/teacher/class".into()],
        }
    }

    #[test]
    fn each_failure_has_its_message_and_hint_with_paths_of_the_students_own() {
        let page = render("ada", &graded(), &options(true));
        assert!(page.contains("### `lost` (0/5, failed)"), "{page}");
        assert!(
            page.contains("lessons/lesson05-races/src/beginner.rs:12: expected 4, got 3"),
            "{page}"
        );
        assert!(!page.contains("/home/teacher"), "{page}");
        assert!(page.contains("Hint: use fetch_add"), "{page}");
        assert!(
            page.contains("Not started (the exercise still has a `todo!()`): `todo`"),
            "{page}"
        );
        assert!(page.contains("**Score: 5/20**"), "{page}");
        assert!(
            page.contains("secret_check") && page.contains("12345"),
            "released: {page}"
        );
        assert!(page.contains(&"ab".repeat(32)), "{page}");
    }

    #[test]
    fn held_back_tests_stay_out_until_the_teacher_releases_them() {
        let page = render("ada", &graded(), &options(false));
        assert!(
            !page.contains("secret_check") && !page.contains("12345"),
            "{page}"
        );
        assert!(
            !page.contains("/20"),
            "the total would count held-back points: {page}"
        );
        assert!(
            page.contains("Score of the visible tests: 5/15.** 1 more test was run"),
            "{page}"
        );
    }

    #[test]
    fn markdown_in_names_and_messages_is_shown_as_text() {
        assert_eq!(inline("a`b"), "`` a`b ``");
        assert_eq!(fenced("x ``` y"), "````text\nx ``` y\n````\n");
        let clean = options(true);
        assert_eq!(
            clean.clean("see /home/teacher/class/adam/src and /home/teacher/class/ada."),
            "see adam/src and ada."
        );
    }
}
