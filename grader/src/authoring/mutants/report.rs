//! Showing a mutation run: a line per mutant as it is graded, a summary with the figures and every
//! missed mutant, or one JSON document.

use super::MutantsReport;
use super::score::{Graded, Verdict};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

fn style(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into()))
}

fn verdict_style(graded: &Graded) -> Style {
    if graded.equivalent.is_some() {
        return Style::new().dimmed();
    }
    match graded.verdict {
        Verdict::Caught | Verdict::TimedOut => style(AnsiColor::Green),
        Verdict::Missed => style(AnsiColor::Red).bold(),
        Verdict::Unviable => Style::new().dimmed(),
    }
}

/// One line for a graded mutant.
pub fn mutant_line(out: &mut dyn Write, index: usize, total: usize, graded: &Graded) -> io::Result<()> {
    let s = verdict_style(graded);
    let verdict = match (&graded.equivalent, graded.verdict) {
        (Some(_), v) if v.is_caught() => "equivalent, but caught",
        (Some(_), _) => "equivalent",
        (None, v) => v.as_str(),
    };
    let detail = match graded.verdict {
        Verdict::Unviable => String::new(),
        _ => format!("{}/{}, ", graded.score, graded.max_score),
    };
    let width = total.to_string().len();
    writeln!(
        out,
        "[{:>width$}/{total}] {s}{verdict:<9}{s:#} {}  ({detail}{:.1} s)",
        index + 1,
        graded.mutant.name(),
        graded.duration_ms as f64 / 1000.0,
    )
}

/// The figures per tier and for the lesson, every missed mutant, and the equivalents.
pub fn summary(out: &mut dyn Write, report: &MutantsReport) -> io::Result<()> {
    let bold = Style::new().bold();
    writeln!(out)?;
    writeln!(
        out,
        "{:<13} {:>7} {:>6} {:>6} {:>6} {:>8} {:>10} {:>7}",
        "tier", "mutants", "viable", "caught", "missed", "unviable", "equivalent", "score"
    )?;
    let row = |out: &mut dyn Write, name: &str, f: &super::Figures| {
        writeln!(
            out,
            "{:<13} {:>7} {:>6} {:>6} {:>6} {:>8} {:>10} {:>6.1}%",
            name, f.mutants, f.viable, f.caught, f.missed, f.unviable, f.equivalent, f.score
        )
    };
    for tier in &report.tiers {
        row(out, tier.tier.name(), &tier.figures)?;
    }
    row(out, "lesson", &report.total)?;
    let missed: Vec<&Graded> = report.missed().collect();
    if !missed.is_empty() {
        writeln!(
            out,
            "\n{bold}missed{bold:#}: the suite gives these wrong solutions full marks"
        )?;
        for g in missed {
            writeln!(
                out,
                "  {}  (replacement: {})",
                g.mutant.name(),
                one_line(&g.mutant.replacement)
            )?;
        }
    }
    let equivalents: Vec<&Graded> = report.mutants.iter().filter(|g| g.equivalent.is_some()).collect();
    if !equivalents.is_empty() {
        writeln!(
            out,
            "\n{bold}equivalent{bold:#} (suite.toml; left out of the score)"
        )?;
        for g in equivalents {
            writeln!(
                out,
                "  {}: {}",
                g.mutant.name(),
                g.equivalent.as_deref().unwrap_or_default()
            )?;
        }
    }
    for g in report.caught_equivalents() {
        writeln!(
            out,
            "{}warning{:#}: {} is listed as equivalent in suite.toml but lost points ({}/{}): \
             the entry is wrong",
            style(AnsiColor::Yellow).bold(),
            style(AnsiColor::Yellow).bold(),
            g.mutant.name(),
            g.score,
            g.max_score
        )?;
    }
    writeln!(
        out,
        "\n{bold}{}: mutation score {:.1}%{bold:#} ({} of {} viable mutants caught) in {:.0} s",
        report.lesson,
        report.total.score,
        report.total.caught,
        report.total.viable,
        report.duration_ms as f64 / 1000.0
    )
}

/// A replacement that spans lines, shown on one.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > 80 {
        format!("{}…", joined.chars().take(79).collect::<String>())
    } else {
        joined
    }
}

/// The run as one JSON document.
pub fn render_json(report: &MutantsReport) -> String {
    serde_json::to_string_pretty(report).expect("a mutants report always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authoring::mutants::list::{Mutant, Span};
    use crate::authoring::mutants::score::figures;
    use crate::authoring::mutants::{FORMAT_VERSION, TierFigures};
    use crate::tier::Tier;

    fn graded(description: &str, verdict: Verdict, equivalent: Option<&str>) -> Graded {
        Graded {
            mutant: Mutant {
                file: "src/advanced.rs".into(),
                tier: Tier::Advanced,
                line: 7,
                column: 9,
                description: description.into(),
                replacement: "{\n    0\n}".into(),
                span: Span::default(),
            },
            verdict,
            equivalent: equivalent.map(str::to_owned),
            score: 10,
            max_score: 10,
            failed_tests: Vec::new(),
            duration_ms: 1500,
        }
    }

    fn report() -> MutantsReport {
        let mutants = vec![
            graded("replace f -> u8 with 0", Verdict::Missed, None),
            graded(
                "replace < with <= in g",
                Verdict::Missed,
                Some("g refuses equal ids first"),
            ),
            graded("replace + with - in h", Verdict::Caught, None),
        ];
        let (tiers, total) = figures(&mutants);
        MutantsReport {
            format_version: FORMAT_VERSION,
            lesson: "lesson05".into(),
            title: "T".into(),
            duration_ms: 3000,
            total,
            tiers: tiers
                .into_iter()
                .map(|(tier, figures)| TierFigures { tier, figures })
                .collect(),
            mutants,
        }
    }

    #[test]
    fn the_summary_names_every_missed_mutant_with_its_place_and_replacement_and_the_equivalents() {
        let mut out = Vec::new();
        summary(&mut out, &report()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("src/advanced.rs:7:9: replace f -> u8 with 0  (replacement: { 0 })"),
            "{text}"
        );
        assert!(
            text.contains("src/advanced.rs:7:9: replace < with <= in g: g refuses equal ids first"),
            "{text}"
        );
        assert!(text.contains("mutation score 50.0%"), "{text}");
        assert!(!text.contains("warning"), "{text}");
    }

    #[test]
    fn a_line_per_mutant_shows_its_verdict_marks_and_time() {
        let mut out = Vec::new();
        mutant_line(
            &mut out,
            2,
            12,
            &graded("replace + with - in h", Verdict::Caught, None),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("[ 3/12] "), "{text}");
        assert!(text.contains("caught"), "{text}");
        assert!(text.contains("src/advanced.rs:7:9: replace + with - in h  (10/10, 1.5 s)"));
    }

    #[test]
    fn the_json_holds_the_figures_and_every_mutant() {
        let value: serde_json::Value = serde_json::from_str(&render_json(&report())).unwrap();
        assert_eq!(value["format_version"], 1);
        assert_eq!(value["total"]["viable"], 2);
        assert_eq!(value["total"]["equivalent"], 1);
        assert_eq!(value["tiers"][0]["tier"], "advanced");
        assert_eq!(value["tiers"][0]["missed"], 1);
        let first = &value["mutants"][0];
        assert_eq!(first["file"], "src/advanced.rs");
        assert_eq!(first["line"], 7);
        assert_eq!(first["verdict"], "missed");
        assert_eq!(first["description"], "replace f -> u8 with 0");
        assert_eq!(value["mutants"][1]["equivalent"], "g refuses equal ids first");
    }
}
