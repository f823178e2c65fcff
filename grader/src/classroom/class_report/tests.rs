use super::html::{escape, render, url_segment};
use super::*;
use crate::classroom::similarity::Comparison;

fn student(name: &str, tiers: [u32; 3], tests: &[(&str, &str, &str, &str)]) -> Student {
    Student {
        row: Row {
            student: name.to_owned(),
            tiers,
            total: tiers.iter().sum(),
            max_score: 60,
            status: RowStatus::Graded,
            error: String::new(),
            provenance: Default::default(),
            roster: Default::default(),
            graded_from: None,
        },
        tier_max: [20; 3],
        tests: tests
            .iter()
            .map(|(name, tier, status, message)| TestResult {
                name: (*name).to_owned(),
                tier: (*tier).to_owned(),
                status: (*status).to_owned(),
                message: (*message).to_owned(),
            })
            .collect(),
    }
}

#[test]
fn scores_fall_in_fifths_and_full_marks_has_its_own_bin() {
    assert_eq!(
        [0, 3, 4, 8, 12, 16, 19, 20].map(|s| bin(s, 20)),
        [0, 0, 1, 2, 3, 4, 4, 5]
    );
    let students = [student("a", [20, 0, 10], &[]), student("b", [20, 19, 0], &[])];
    let h = histograms(&students);
    assert_eq!(h.len(), 4);
    assert_eq!(
        (h[0].label.as_str(), h[0].counts),
        ("beginner", [0, 0, 0, 0, 0, 2])
    );
    assert_eq!(h[1].counts, [1, 0, 0, 0, 1, 0]);
    assert_eq!(
        h[3].counts,
        [0, 0, 1, 1, 0, 0],
        "totals 30 (50%) and 39 (65%) of 60"
    );
}

#[test]
fn tests_are_ranked_by_failures_with_their_commonest_messages() {
    let long = format!("expected 4,\n   got {}", "3".repeat(300));
    let students = [
        student(
            "a",
            [0; 3],
            &[
                ("t1", "beginner", "passed", ""),
                ("t2", "beginner", "failed", "expected 4, got 3"),
            ],
        ),
        student(
            "b",
            [0; 3],
            &[
                ("t1", "beginner", "timed_out", "slow"),
                ("t2", "beginner", "failed", "expected 4, got 3"),
            ],
        ),
        student(
            "c",
            [0; 3],
            &[
                ("t1", "beginner", "passed", ""),
                ("t2", "beginner", "failed", &long),
            ],
        ),
    ];
    let stats = test_stats(&students);
    assert_eq!(stats[0].name, "t2");
    assert_eq!((stats[0].failed, stats[0].graded), (3, 3));
    assert_eq!(stats[0].messages[0], ("expected 4, got 3".to_owned(), 2));
    assert!(stats[0].messages[1].0.ends_with('…') && stats[0].messages[1].0.chars().count() == 160);
    assert_eq!(stats[1].statuses, [("timed_out".to_owned(), 1)].into());
    let student = student(
        "d",
        [0; 3],
        &[("t1", "beginner", "not_started", "not yet implemented: x")],
    );
    assert!(
        test_stats(&[student])[0].messages.is_empty(),
        "the status says it"
    );
}

#[test]
fn a_message_loses_the_students_place_so_the_class_can_share_it() {
    let folders = ["/home/t/class/ada", "class/ada"];
    assert_eq!(
        generalise("expected 4, got 3 (at class/ada/src/beginner.rs:65)", &folders),
        "expected 4, got 3"
    );
    assert_eq!(
        generalise("/home/t/class/ada/src/advanced.rs is missing", &folders),
        "STUDENT/src/advanced.rs is missing"
    );
    assert_eq!(
        generalise("expected 3 (at least)", &folders),
        "expected 3 (at least)"
    );
}

#[test]
fn a_student_far_below_the_rest_is_marked() {
    let mut students: Vec<Student> = (0..6)
        .map(|i| student(&format!("s{i}"), [20, 20, 18 + i % 3], &[]))
        .collect();
    students.push(student("low", [5, 0, 0], &[]));
    assert_eq!(far_below(&students), ["low"]);
    assert!(far_below(&students[..3]).is_empty(), "too few to tell");
}

#[test]
fn every_student_provided_string_is_escaped() {
    assert_eq!(
        escape("<a href='x'>&\"</a>"),
        "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
    );
    assert_eq!(
        url_segment("ada lovelace/../x?y#z"),
        "ada%20lovelace%2F..%2Fx%3Fy%23z"
    );
    assert_eq!(url_segment(".."), "%2E%2E");
    let evil = "<img src=x onerror=alert(1)>";
    let students = [student(
        evil,
        [1, 2, 3],
        &[("t<1>", "beginner", "failed", "<script>alert(2)</script>")],
    )];
    let page = render(
        "lesson01 (Threads)",
        &students,
        &Comparison::default(),
        &[],
        Some("<b>"),
    );
    assert!(page.contains("Note: &lt;b&gt;."));
    assert!(
        !page.contains("<img") && !page.contains("<script>alert"),
        "{page}"
    );
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("href=\"reports/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.json\""));
    for id in ["distribution", "tests", "students", "similarity"] {
        assert!(page.contains(&format!("<section id=\"{id}\"")), "{id}");
    }
    assert!(
        !page.contains("http://") && !page.contains("https://")
            || page.contains("http://www.w3.org/2000/svg")
    );
}

#[test]
fn a_pair_across_two_files_shows_each_students_own_file() {
    use crate::classroom::similarity::{Fragment, Pair, Submission};
    let file = |student: &str, tier: Tier, text: &str| Submission {
        student: student.to_owned(),
        tier,
        text: text.to_owned(),
    };
    let submissions = [
        file("ada", Tier::Intermediate, "ada's intermediate\n"),
        file("ada", Tier::Advanced, "ada's advanced\n"),
        file("bob", Tier::Intermediate, "bob's intermediate\n"),
        file("bob", Tier::Advanced, "bob's advanced\n"),
    ];
    let comparison = Comparison {
        pairs: vec![Pair {
            a: "ada".to_owned(),
            b: "bob".to_owned(),
            tier: Tier::Intermediate,
            tier_b: Tier::Advanced,
            similarity: 1.0,
            shared: 50,
            contained: 1.0,
            fragments: vec![Fragment { a: (1, 1), b: (1, 1) }],
        }],
        not_lexed: Vec::new(),
    };
    let page = render("lesson01 (Threads)", &[], &comparison, &submissions, None);
    let article = &page[page.find("<article").unwrap()..];
    assert!(article.contains("intermediate.rs vs advanced.rs"), "{article}");
    assert!(article.contains("ada&#39;s intermediate") && article.contains("bob&#39;s advanced"));
    assert!(!article.contains("bob&#39;s intermediate") && !article.contains("ada&#39;s advanced"));
}
