use super::*;
use std::path::{Path, PathBuf};

fn course_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// These tests compare the course's own solutions and bug banks, which a student copy (whose
/// `cargo test` runs this crate's tests too) does not hold; there they have nothing to compare.
fn in_a_student_copy() -> bool {
    let copy = crate::Course::new(course_root()).is_student_copy();
    if copy {
        eprintln!("not run in a student copy: it has no solutions or bug banks to compare");
    }
    copy
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(course_root().join(relative)).unwrap()
}

/// lesson01's generated starter of `tier`.
fn starter(tier: Tier) -> String {
    let course = crate::Course::new(course_root());
    let lesson = crate::Lesson::from_dir_name("lesson01-threads").unwrap();
    crate::starter::expected_files(&course, &lesson).unwrap()[Path::new(&tier.file_name())].clone()
}

/// `text` with each whole-word `from` replaced by `to`: a copier's renaming.
fn rename(text: &str, names: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let renamed = names
            .iter()
            .find(|(from, _)| from == word)
            .map_or(word.as_str(), |(_, to)| to);
        out.push_str(renamed);
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The reference's intermediate.rs disguised: names changed, comments rewritten, lines re-laid-out.
fn disguised_intermediate() -> String {
    let text = read("solutions/lesson01-threads/src/intermediate.rs");
    let text = rename(
        &text,
        &[
            ("workers", "n_threads"),
            ("base", "size"),
            ("extra", "leftover"),
            ("rest", "remaining"),
            ("handles", "joins"),
            ("chunk", "piece"),
            ("tail", "after"),
            ("partial", "subtotal"),
            ("payload", "err"),
            ("results", "answers"),
            ("up", "alive"),
        ],
    );
    text.lines()
        .filter(|l| !l.trim_start().starts_with("// ") || l.contains("SOLUTION"))
        .map(|l| format!("{}  // mine\n", l.trim_start()))
        .collect()
}

fn prints(text: &str, tier: Tier) -> Prints {
    Prints::of(text, &starter_hashes(&starter(tier))).unwrap()
}

#[test]
fn a_renamed_and_relaid_copy_still_matches() {
    if in_a_student_copy() {
        return;
    }
    let reference = prints(
        &read("solutions/lesson01-threads/src/intermediate.rs"),
        Tier::Intermediate,
    );
    let copy = prints(&disguised_intermediate(), Tier::Intermediate);
    assert!(!reference.is_empty());
    let (shared, similarity) = score(&reference, &copy);
    assert!(
        similarity > 0.99 && shared >= MIN_SHARED,
        "{similarity} on {shared}"
    );
    let regions = fragments(&reference, &copy);
    assert!(!regions.is_empty());
    // The imports the student adds, then the two exercise bodies (from line 39 of the reference):
    // the starter's docs and signatures between them are nobody's.
    let starts: Vec<usize> = regions.iter().map(|f| f.a.0).collect();
    assert_eq!(starts.len(), 3, "{regions:?}");
    assert!(starts[0] >= 6 && starts[1] >= 39, "{regions:?}");
    assert!(
        regions.iter().all(|f| f.a.0 <= f.a.1 && f.b.0 <= f.b.1),
        "{regions:?}"
    );
}

#[test]
fn independent_solutions_score_low_and_the_starter_is_nobodys() {
    if in_a_student_copy() {
        return;
    }
    // Two correct designs written from the README alone, by two people, against the reference.
    let reference = prints(
        &read("solutions/lesson01-threads/src/intermediate.rs"),
        Tier::Intermediate,
    );
    let first = prints(
        &read("bugbanks/lesson01-threads/first/15-correct-proportional-split/intermediate.rs"),
        Tier::Intermediate,
    );
    let fresh = prints(
        &read("bugbanks/lesson01-threads/fresh/21-correct-proportional-split/intermediate.rs"),
        Tier::Intermediate,
    );
    for (x, y) in [(&reference, &first), (&reference, &fresh), (&first, &fresh)] {
        let (shared, similarity) = score(x, y);
        println!("independent intermediate.rs pair: {similarity:.3} on {shared} shared");
        assert!(similarity < THRESHOLD / 2.0, "{similarity} on {shared}");
    }
    let untouched = prints(&starter(Tier::Intermediate), Tier::Intermediate);
    assert!(untouched.is_empty(), "the starter's own code is nobody's");
}

#[test]
fn a_class_is_scored_pair_by_pair_highest_first_and_flagged_only_above_the_threshold() {
    if in_a_student_copy() {
        return;
    }
    let starters: BTreeMap<Tier, String> = [(Tier::Intermediate, starter(Tier::Intermediate))].into();
    let file = |student: &str, text: String| Submission {
        student: student.to_owned(),
        tier: Tier::Intermediate,
        text,
    };
    let submissions = [
        file("=ref", read("solutions/lesson01-threads/src/intermediate.rs")),
        file("copy", disguised_intermediate()),
        file(
            "indie",
            read("bugbanks/lesson01-threads/first/15-correct-proportional-split/intermediate.rs"),
        ),
        file("idle", starter(Tier::Intermediate)),
        file("broken", "fn broken( {".to_owned()),
    ];
    let comparison = compare(&starters, &submissions);
    assert_eq!(comparison.not_lexed, [("broken".to_owned(), Tier::Intermediate)]);
    let pairs: Vec<(&str, &str, bool)> = comparison
        .pairs
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str(), p.flagged()))
        .collect();
    let mut names: Vec<(&str, &str)> = pairs.iter().map(|p| (p.0, p.1)).collect();
    names.sort();
    assert_eq!(names, [("=ref", "copy"), ("=ref", "indie"), ("copy", "indie")]);
    assert_eq!(pairs[0], ("=ref", "copy", true));
    assert!(pairs[1..].iter().all(|p| !p.2), "{pairs:?}");
    assert!(comparison.pairs[0].fragments.len() >= 2);
    let csv = csv(&comparison.pairs);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "student_a,student_b,file,similarity");
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].starts_with("'=ref,copy,intermediate.rs,1.000"), "{csv}");
}

/// Prints how independent work and disguised copies score over the blind bug banks (every file there
/// was written from the README and starters alone): `cargo test -p grader similarity_measure --
/// --ignored --nocapture`.
#[test]
#[ignore]
fn similarity_measure_over_the_bug_banks() {
    let root = course_root();
    for lesson in std::fs::read_dir(root.join("bugbanks")).unwrap().flatten() {
        if !lesson.path().is_dir() {
            continue;
        }
        let name = lesson.file_name().to_string_lossy().into_owned();
        let course = crate::Course::new(&root);
        let Some(lesson_id) = crate::Lesson::from_dir_name(&name) else {
            continue;
        };
        let starters = crate::starter::expected_files(&course, &lesson_id).unwrap();
        for tier in Tier::ALL {
            let start = starter_hashes(&starters[Path::new(&tier.file_name())]);
            let mut files = vec![(
                "reference".to_owned(),
                std::fs::read_to_string(
                    root.join("solutions")
                        .join(&name)
                        .join("src")
                        .join(tier.file_name()),
                )
                .unwrap(),
            )];
            for bank in ["first", "fresh"] {
                for entry in std::fs::read_dir(lesson.path().join(bank)).unwrap().flatten() {
                    let path = entry.path().join(tier.file_name());
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        files.push((format!("{bank}/{}", entry.file_name().to_string_lossy()), text));
                    }
                }
            }
            let mut prints: Vec<(String, Prints)> = files
                .into_iter()
                .filter_map(|(n, t)| Prints::of(&t, &start).map(|p| (n, p)))
                .collect();
            if std::env::var_os("NO_COMMON").is_none() {
                let common = common_hashes(prints.iter().map(|p| &p.1));
                for (_, p) in &mut prints {
                    p.without(&common);
                }
            }
            let mut scores = Vec::new();
            for (i, (a, pa)) in prints.iter().enumerate() {
                for (b, pb) in &prints[i + 1..] {
                    // Only pairs by different authors: the reference, and the two banks.
                    if a.split('/').next() == b.split('/').next() {
                        continue;
                    }
                    let (shared, s) = score(pa, pb);
                    scores.push((s, shared, a.clone(), b.clone()));
                }
            }
            scores.sort_by(|x, y| y.0.total_cmp(&x.0));
            for (s, shared, a, b) in &scores {
                let flagged = *s >= THRESHOLD && *shared >= MIN_SHARED;
                println!("PAIR {s:.3} {shared} {flagged} {name} {tier:?} {a} {b}");
            }
            let sizes: Vec<usize> = prints.iter().map(|p| p.1.set.len()).collect();
            println!(
                "{name} {tier:?}: {} pairs, fingerprints per file {sizes:?}; top: {:?}",
                scores.len(),
                &scores[..scores.len().min(3)]
            );
        }
    }
}
