//! The terminal view: a line per test as it finishes (nextest-style), then per tier the failures
//! with their message and hint, compile errors, a score bar, and where to go next.
//!
//! Write through `anstream` so colour appears only on a terminal and `NO_COLOR` is honoured.

use super::Report;
use crate::grading::read;
use crate::outcome::{Outcome, Status};
use crate::score::TierStatus;
use crate::suite::TestSpec;
use anstyle::{AnsiColor, Style};
use std::borrow::Cow;
use std::io::{self, Write};

const BAR_WIDTH: usize = 20;

/// `text` with every control character (C0, DEL, C1) written as its escape (`\u{1b}`, `\n`), the
/// rest as it is. Every name and text a learner chose (a folder's name, a panic message, a compile
/// error quoting their code) goes through this before it is printed or styled: a raw ESC or CSI
/// would let them drive the teacher's terminal (OSC 52 sets the clipboard, `\e[2J` clears the
/// screen, a newline prints a fake line), and `anstream` strips escapes only when the output is no
/// terminal. Quotes and other text stay as they are, so assertion messages read as written.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

fn style(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into()))
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Passed => style(AnsiColor::Green),
        Status::NotStarted => style(AnsiColor::Yellow),
        _ => style(AnsiColor::Red).bold(),
    }
}

fn tier_style(status: TierStatus) -> Style {
    match status {
        TierStatus::Passed => style(AnsiColor::Green).bold(),
        TierStatus::Partial | TierStatus::NotStarted => style(AnsiColor::Yellow),
        TierStatus::Failed | TierStatus::CompileError | TierStatus::Refused => style(AnsiColor::Red).bold(),
    }
}

fn tier_status_text(status: TierStatus) -> &'static str {
    match status {
        TierStatus::Passed => "passed",
        TierStatus::Partial => "partial",
        TierStatus::Failed => "failed",
        TierStatus::NotStarted => "not started",
        TierStatus::CompileError => "compile error",
        TierStatus::Refused => "refused",
    }
}

/// The first line: what is graded.
pub fn header(out: &mut dyn Write, lesson: &str, title: &str, subject: &str) -> io::Result<()> {
    let bold = Style::new().bold();
    let subject = printable(subject);
    writeln!(out, "{bold}Grading {lesson} ({title}){bold:#}: {subject}")
}

/// A short progress note (staging, building).
pub fn note(out: &mut dyn Write, text: &str) -> io::Result<()> {
    let dim = Style::new().dimmed();
    writeln!(out, "{dim}{text}{dim:#}")
}

/// One line for a finished test.
pub fn test_line(out: &mut dyn Write, spec: &TestSpec, outcome: &Outcome) -> io::Result<()> {
    let s = status_style(outcome.status);
    let mark = match outcome.status {
        Status::Passed => "PASS",
        Status::NotStarted => "TODO",
        _ => "FAIL",
    };
    let label = match outcome.status {
        Status::Passed => String::new(),
        other => format!(" ({other})"),
    };
    let points = if outcome.status == Status::Passed {
        spec.points
    } else {
        0
    };
    let when = if outcome.reused {
        "re-used: unchanged since the last grade".to_owned()
    } else {
        format!("{} ms", outcome.duration.as_millis())
    };
    writeln!(
        out,
        "  {s}{mark}{s:#} {:<12} {} {points}/{}{s}{label}{s:#} [{when}]",
        spec.tier.name(),
        spec.name,
        spec.points,
    )
}

/// What the summary needs besides the report.
#[derive(Debug, Clone, Default)]
pub struct SummaryView {
    /// The lesson's README (`lessons/lesson05-races/README.md`).
    pub readme: String,
    /// The graded `src/` as the learner names it (`lessons/lesson05-races/src`).
    pub subject_src: String,
    /// The next written lesson and its title, named at full marks.
    pub next_lesson: Option<(String, String)>,
    /// Show only the first unfinished tier's details (`watch` keeps the screen short).
    pub focus: bool,
    /// The learner's own files were graded: suggest `cargo xtask hint`.
    pub offer_hints: bool,
    /// In a student copy: how many tests (and points) are held back until the work is handed in.
    pub held_back: Option<(u32, u32)>,
}

/// Everything after the test lines.
pub fn summary(out: &mut dyn Write, report: &Report, view: &SummaryView) -> io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let first_unfinished = report
        .tiers
        .iter()
        .find(|t| t.status != TierStatus::Passed)
        .map(|t| t.tier);
    for tier in &report.tiers {
        if view.focus && Some(tier.tier) != first_unfinished {
            continue;
        }
        let failures: Vec<_> = report
            .tests
            .iter()
            .filter(|t| t.tier == tier.tier && t.status != Status::Passed)
            .collect();
        if tier.status == TierStatus::Passed || tier.status == TierStatus::NotStarted {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{bold}{} tier{bold:#}", tier.tier)?;
        if matches!(tier.status, TierStatus::CompileError | TierStatus::Refused) {
            let red = style(AnsiColor::Red).bold();
            let what = if tier.message.starts_with(read::NOT_READ) {
                "was refused: the file was not read"
            } else if tier.status == TierStatus::Refused {
                "was refused (it uses what this lesson does not allow)"
            } else {
                "does not compile"
            };
            writeln!(out, "  {red}{what}{red:#}; its tests did not run:")?;
            for line in tier.message.lines() {
                writeln!(out, "    {}", printable(line))?;
            }
            continue;
        }
        for test in failures {
            let s = status_style(test.status);
            writeln!(
                out,
                "  {s}{}{s:#} {} ({}/{})",
                test.status, test.name, test.score, test.max_score
            )?;
            // Room for a drawn interleaving: a dozen steps and the lines around them.
            for line in test.message.lines().take(40) {
                writeln!(out, "      {}", printable(line))?;
            }
            if !test.hint.is_empty() {
                writeln!(out, "      {dim}hint:{dim:#} {}", test.hint)?;
            }
        }
    }
    writeln!(out)?;
    for tier in &report.tiers {
        let filled = if tier.max_score == 0 {
            0
        } else {
            (tier.score as usize * BAR_WIDTH) / tier.max_score as usize
        };
        let s = tier_style(tier.status);
        writeln!(
            out,
            "  {:<12} {s}{}{s:#}{dim}{}{dim:#} {:>3}/{:<3} {s}{}{s:#}",
            tier.tier.name(),
            "#".repeat(filled),
            "-".repeat(BAR_WIDTH - filled),
            tier.score,
            tier.max_score,
            tier_status_text(tier.status)
        )?;
    }
    writeln!(
        out,
        "  {bold}{:<12} {:>width$}/{:<3} ({:.0}%){bold:#} in {:.1} s",
        "total",
        report.score,
        report.max_score,
        report.percent(),
        report.duration_ms as f64 / 1000.0,
        width = BAR_WIDTH + 4
    )?;
    if let Some((tests, points)) = view.held_back {
        writeln!(
            out,
            "  {dim}+ {tests} more tests ({points} points) are held back in this copy: they run when your \
             work is handed in{dim:#}"
        )?;
    }
    let reused: Vec<&str> = report
        .tiers
        .iter()
        .filter(|t| {
            let mut tests = report.tests.iter().filter(|x| x.tier == t.tier).peekable();
            tests.peek().is_some() && tests.all(|x| x.reused)
        })
        .map(|t| t.tier.name())
        .collect();
    if !reused.is_empty() {
        writeln!(
            out,
            "  {dim}re-used the last verdicts of {} (nothing they depend on changed; `--fresh` runs them again){dim:#}",
            match reused.as_slice() {
                [one] => format!("the {one} tier"),
                [a, b] => format!("the {a} and {b} tiers"),
                _ => "every tier".to_owned(),
            }
        )?;
    }
    writeln!(out, "  {dim}{}{dim:#}", report.sandbox.summary())?;
    writeln!(out)?;
    writeln!(out, "{}", next_step(report, view))
}

/// Where the learner should look next.
fn next_step(report: &Report, view: &SummaryView) -> String {
    if report.score == report.max_score {
        let next = match &view.next_lesson {
            Some((id, title)) => {
                format!("Next: {id} ({title}): read its README, then `cargo xtask grade {id}`.")
            }
            None => {
                "That was the last lesson written so far: `cargo xtask list` shows the course.".to_owned()
            }
        };
        return format!(
            "All {} points: every tier of {} passes. {next}",
            report.max_score, report.lesson
        );
    }
    let Some(tier) = report.tiers.iter().find(|t| t.status != TierStatus::Passed) else {
        return String::new();
    };
    let file = format!("{}/{}", view.subject_src, tier.tier.file_name());
    let hints = if view.offer_hints {
        format!(
            " Stuck? `cargo xtask hint {}` gives a hint at a time.",
            report.lesson
        )
    } else {
        String::new()
    };
    match tier.status {
        TierStatus::NotStarted => format!(
            "Next: read {}, then replace the todo!()s in {file} and run `cargo xtask grade {}` again.",
            view.readme, report.lesson
        ),
        TierStatus::CompileError => {
            format!("Next: make {file} compile (the errors are above), then grade again.")
        }
        TierStatus::Refused if tier.message.starts_with(read::NOT_READ) => format!(
            "Next: make {file} a regular file of your own (the message above says what it is), then grade \
             again."
        ),
        TierStatus::Refused => format!(
            "Next: in {file}, replace what the lesson does not allow (each line above says what and \
             what to use instead), then grade again."
        ),
        _ => format!(
            "Next: fix the failing {} tests above (each says what was expected and what happened), then \
             grade again.{hints}",
            tier.tier
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;
    use crate::study::progress::tests::report;
    use crate::tier::Tier;

    fn summary_text(report: &Report, view: &SummaryView) -> String {
        let mut out = Vec::new();
        summary(&mut out, report, view).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn full_marks_name_the_next_lesson() {
        let full = report("lesson01", &[("a", Tier::Beginner, 5, 5, Status::Passed)]);
        let view = SummaryView {
            next_lesson: Some(("lesson02".into(), "Thread lifecycle".into())),
            ..SummaryView::default()
        };
        let text = summary_text(&full, &view);
        assert!(
            text.contains(
                "Next: lesson02 (Thread lifecycle): read its README, then `cargo xtask grade lesson02`."
            ),
            "{text}"
        );
        let last = summary_text(&full, &SummaryView::default());
        assert!(last.contains("the last lesson written so far"), "{last}");
    }

    #[test]
    fn watch_shows_only_the_first_unfinished_tier_and_failures_offer_hints() {
        let partial = report(
            "lesson05",
            &[
                ("a", Tier::Beginner, 0, 5, Status::Failed),
                ("b", Tier::Advanced, 0, 5, Status::Failed),
            ],
        );
        let view = SummaryView {
            subject_src: "lessons/lesson05-races/src".into(),
            offer_hints: true,
            ..SummaryView::default()
        };
        let all = summary_text(&partial, &view);
        assert!(
            all.contains("b said why") && all.contains("cargo xtask hint lesson05"),
            "{all}"
        );
        let focused = summary_text(&partial, &SummaryView { focus: true, ..view });
        assert!(
            focused.contains("a said why") && !focused.contains("b said why"),
            "{focused}"
        );
    }

    #[test]
    fn a_learners_message_reaches_the_terminal_without_control_characters() {
        let mut failed = report("lesson05", &[("a", Tier::Beginner, 0, 5, Status::Failed)]);
        failed.tests[0].message = "boom \u{1b}]52;c;cm0K\u{7} \u{9b}2J \u{7f} \"kept\" é\rfake".into();
        let text = summary_text(&failed, &SummaryView::default());
        // The line of the message (the summary's own styles are escapes too).
        let line = text.lines().find(|l| l.contains("boom")).unwrap();
        assert_eq!(
            line,
            "      boom \\u{1b}]52;c;cm0K\\u{7} \\u{9b}2J \\u{7f} \"kept\" é\\rfake"
        );
        assert!(matches!(printable("plain \"text\""), Cow::Borrowed(_)));
    }
}
