//! `--format junit`: JUnit XML as GitLab's and Jenkins' test reports read it. One `<testsuite>` per
//! tier, a `<testcase>` per test (`classname` = lesson.tier), `<failure>` with what was expected and
//! the hint, `<skipped>` for a test that reached a `todo!()`, times in seconds.

use super::Report;
use crate::outcome::Status;
use std::fmt::Write;

/// The report as a JUnit XML document.
pub fn render(report: &Report) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let all_failures = report
        .tests
        .iter()
        .filter(|t| !matches!(t.status, Status::Passed | Status::NotStarted))
        .count();
    let _ = writeln!(
        xml,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{all_failures}\" time=\"{}\">",
        escape(&format!("{} ({})", report.lesson, report.title)),
        report.tests.len(),
        seconds(report.duration_ms)
    );
    for tier in &report.tiers {
        let tests: Vec<_> = report.tests.iter().filter(|t| t.tier == tier.tier).collect();
        let failures = tests
            .iter()
            .filter(|t| !matches!(t.status, Status::Passed | Status::NotStarted))
            .count();
        let skipped = tests.iter().filter(|t| t.status == Status::NotStarted).count();
        let time: u64 = tests.iter().map(|t| t.duration_ms).sum();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}.{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{}\">",
            escape(&report.lesson),
            tier.tier,
            tests.len(),
            seconds(time)
        );
        let _ = writeln!(
            xml,
            "    <properties><property name=\"score\" value=\"{}/{}\"/><property name=\"status\" value=\"{}\"/></properties>",
            tier.score,
            tier.max_score,
            tier.status.as_str()
        );
        for test in tests {
            let _ = write!(
                xml,
                "    <testcase name=\"{}\" classname=\"{}.{}\" time=\"{}\"",
                escape(&test.name),
                escape(&report.lesson),
                test.tier,
                seconds(test.duration_ms)
            );
            match test.status {
                Status::Passed => xml.push_str("/>\n"),
                Status::NotStarted => {
                    let _ = writeln!(
                        xml,
                        ">\n      <skipped message=\"not started: the exercise still has a todo!()\"/>\n    </testcase>"
                    );
                }
                status => {
                    let mut body = test.message.clone();
                    if matches!(status, Status::CompileError | Status::Refused) && !tier.message.is_empty() {
                        body.push_str(&format!("\n\n{}", tier.message));
                    }
                    if !test.hint.is_empty() {
                        body.push_str(&format!("\n\nhint: {}", test.hint));
                    }
                    let first_line = test.message.lines().next().unwrap_or_default();
                    let _ = writeln!(
                        xml,
                        ">\n      <failure type=\"{status}\" message=\"{}\">{}</failure>\n    </testcase>",
                        escape(first_line),
                        escape(&body)
                    );
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Escapes text for an XML attribute or element; characters XML 1.0 cannot hold become `?`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::progress::tests::report;
    use crate::tier::Tier;

    #[test]
    fn junit_parses_and_carries_each_verdict() {
        let mut graded = report(
            "lesson05",
            &[
                ("ok", Tier::Beginner, 5, 5, Status::Passed),
                ("lost", Tier::Beginner, 0, 5, Status::Failed),
                ("todo", Tier::Intermediate, 0, 5, Status::NotStarted),
                ("hang", Tier::Advanced, 0, 5, Status::TimedOut),
            ],
        );
        graded.tests[1].message = "hits(): expected 4, got 3 <&> \"quoted\"\u{1}".into();
        graded.tests[1].hint = "use fetch_add".into();
        let xml = render(&graded);
        let document = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let suites: Vec<_> = document
            .root_element()
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 3);
        assert_eq!(suites[0].attribute("name"), Some("lesson05.beginner"));
        assert_eq!(suites[0].attribute("failures"), Some("1"));
        let case = |name: &str| {
            document
                .descendants()
                .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
                .unwrap()
        };
        assert_eq!(case("ok").children().filter(|n| n.is_element()).count(), 0);
        assert_eq!(case("ok").attribute("classname"), Some("lesson05.beginner"));
        let failure = case("lost")
            .children()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(
            failure.attribute("message"),
            Some("hits(): expected 4, got 3 <&> \"quoted\"?")
        );
        assert!(failure.text().unwrap().contains("hint: use fetch_add"));
        assert!(case("todo").children().any(|n| n.has_tag_name("skipped")));
        let hang = case("hang")
            .children()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(hang.attribute("type"), Some("timed_out"));
    }
}
