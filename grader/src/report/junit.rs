//! `--format junit`: JUnit XML as GitLab's and Jenkins' test reports read it. One `<testsuite>` per
//! tier, a `<testcase>` per test (`classname` = lesson.tier), `<failure>` with what was expected and
//! the hint, times in seconds. A test that reached a `todo!()` is a `<failure type="not_started">`,
//! not `<skipped>`: GitLab and Jenkins show a run with skipped tests and no failures as green, and an
//! untouched exercise earns no points. When grading cannot run at all, [`render_error`] still writes a
//! document (one failed test saying why), so a CI job's report step finds a file.

use super::Report;
use crate::outcome::Status;
use std::fmt::Write;

/// The report as a JUnit XML document.
pub fn render(report: &Report) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let all_failures = report.tests.iter().filter(|t| t.status != Status::Passed).count();
    let _ = writeln!(
        xml,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{all_failures}\" time=\"{}\">",
        escape(&format!("{} ({})", report.lesson, report.title)),
        report.tests.len(),
        seconds(report.duration_ms)
    );
    for tier in &report.tiers {
        let tests: Vec<_> = report.tests.iter().filter(|t| t.tier == tier.tier).collect();
        let failures = tests.iter().filter(|t| t.status != Status::Passed).count();
        let time: u64 = tests.iter().map(|t| t.duration_ms).sum();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}.{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{}\">",
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
                    let mut body = "the exercise still has a todo!(): this test did not run".to_owned();
                    if !test.hint.is_empty() {
                        body.push_str(&format!("\n\nhint: {}", test.hint));
                    }
                    let _ = writeln!(
                        xml,
                        ">\n      <failure type=\"not_started\" message=\"not started: the exercise still has a todo!()\">{}</failure>\n    </testcase>",
                        escape(&body)
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

/// The document when grading could not run (no tier file, a broken course): one failed test named
/// `grading` with the reason, and the lesson's points as the suite's score property, so the run is
/// red and says why instead of leaving no file behind.
pub fn render_error(lesson: &str, message: &str, max_score: u32) -> String {
    let first_line = message.lines().next().unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"{lesson}\" tests=\"1\" failures=\"1\" time=\"0.000\">\n  \
         <testsuite name=\"{lesson}\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0.000\">\n    \
         <properties><property name=\"score\" value=\"0/{max_score}\"/><property name=\"status\" value=\"error\"/></properties>\n    \
         <testcase name=\"grading\" classname=\"{lesson}\" time=\"0.000\">\n      \
         <failure type=\"error\" message=\"{}\">{}</failure>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
        escape(first_line),
        escape(message),
        lesson = escape(lesson),
    )
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
        // An untouched exercise earns nothing: CI must not show it green (GitLab and Jenkins do
        // for a run whose only non-passes are skipped tests).
        let todo = case("todo")
            .children()
            .find(|n| n.has_tag_name("failure"))
            .expect("a not-started test is a failure");
        assert_eq!(todo.attribute("type"), Some("not_started"));
        assert!(!case("todo").children().any(|n| n.has_tag_name("skipped")));
        assert_eq!(suites[1].attribute("failures"), Some("1"));
        assert_eq!(suites[1].attribute("skipped"), Some("0"));
        assert_eq!(document.root_element().attribute("failures"), Some("3"));
        let hang = case("hang")
            .children()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(hang.attribute("type"), Some("timed_out"));
    }

    #[test]
    fn grading_that_cannot_run_is_one_failed_test_of_the_lessons_points() {
        let xml = render_error("lesson05", "no <exercise> files & more", 60);
        let document = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let root = document.root_element();
        assert_eq!(root.attribute("failures"), Some("1"));
        let failure = document
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(failure.attribute("type"), Some("error"));
        assert!(failure.text().unwrap().contains("no <exercise> files & more"));
        assert!(xml.contains("0/60"), "{xml}");
    }
}
