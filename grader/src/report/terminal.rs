//! The terminal view: a line per test as it finishes (nextest-style), then per tier the failures
//! with their message and hint, compile errors, a score bar, and where to go next.
//!
//! Write through `anstream` so colour appears only on a terminal and `NO_COLOR` is honoured.

use super::Report;
use crate::outcome::{Outcome, Status};
use crate::score::TierStatus;
use crate::suite::TestSpec;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

const BAR_WIDTH: usize = 20;

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
        TierStatus::Failed | TierStatus::CompileError => style(AnsiColor::Red).bold(),
    }
}

fn tier_status_text(status: TierStatus) -> &'static str {
    match status {
        TierStatus::Passed => "passed",
        TierStatus::Partial => "partial",
        TierStatus::Failed => "failed",
        TierStatus::NotStarted => "not started",
        TierStatus::CompileError => "compile error",
    }
}

/// The first line: what is graded.
pub fn header(out: &mut dyn Write, lesson: &str, title: &str, subject: &str) -> io::Result<()> {
    let bold = Style::new().bold();
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
    writeln!(
        out,
        "  {s}{mark}{s:#} {:<12} {} {points}/{}{s}{label}{s:#} [{} ms]",
        spec.tier.name(),
        spec.name,
        spec.points,
        outcome.duration.as_millis()
    )
}

/// Everything after the test lines.
pub fn summary(out: &mut dyn Write, report: &Report, lesson_dir: &str) -> io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    for tier in &report.tiers {
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
        if tier.status == TierStatus::CompileError {
            let red = style(AnsiColor::Red).bold();
            writeln!(out, "  {red}does not compile{red:#}; its tests did not run:")?;
            for line in tier.message.lines() {
                writeln!(out, "    {line}")?;
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
            for line in test.message.lines().take(12) {
                writeln!(out, "      {line}")?;
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
    writeln!(out, "  {dim}{}{dim:#}", report.sandbox.summary())?;
    writeln!(out)?;
    writeln!(out, "{}", next_step(report, lesson_dir))
}

/// Where the learner should look next.
fn next_step(report: &Report, lesson_dir: &str) -> String {
    if report.score == report.max_score {
        return format!(
            "All {} points: every tier passes. On to the next lesson!",
            report.max_score
        );
    }
    let Some(tier) = report.tiers.iter().find(|t| t.status != TierStatus::Passed) else {
        return String::new();
    };
    match tier.status {
        TierStatus::NotStarted => format!(
            "Next: read {lesson_dir}/README.md, then replace the todo!()s in {lesson_dir}/src/{} and run \
             `cargo xtask grade {}` again.",
            tier.tier.file_name(),
            report.lesson
        ),
        TierStatus::CompileError => {
            format!(
                "Next: make src/{} compile (the errors are above), then grade again.",
                tier.tier.file_name()
            )
        }
        _ => format!(
            "Next: fix the failing {} tests above (each says what was expected and what happened), then grade again.",
            tier.tier
        ),
    }
}
