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

/// lesson01's material as a batch reads it from the course (starters, README, examples, the
/// reference and both bug banks).
fn course_material() -> BTreeMap<Tier, Material> {
    let course = crate::Course::new(course_root());
    let lesson = crate::Lesson::from_dir_name("lesson01-threads").unwrap();
    let starters = Tier::ALL.into_iter().map(|t| (t, starter(t))).collect();
    material::of_course(&course, &lesson, &starters)
}

/// `tier`'s material without the files of `authors`: what it would be had they never written them.
fn material_without(tier: Tier, authors: &[&str]) -> Material {
    let mut material = course_material()[&tier].clone();
    material
        .independent
        .retain(|(a, _)| !authors.contains(&a.as_str()));
    material
}

/// `text`'s fingerprints beyond `material`.
fn prints_beyond(text: &str, material: &Material) -> Prints {
    Prints::of(text, &material.excluded()).unwrap()
}

/// `text`'s fingerprints beyond the tier's starter alone.
fn prints(text: &str, tier: Tier) -> Prints {
    let starter = Material {
        given: vec![starter(tier)],
        independent: Vec::new(),
    };
    prints_beyond(text, &starter)
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
    // The same beyond the course's material, each pair's own authors taken out of it (they are no
    // class's students): the third author's code is then all that is left out besides the given.
    let files = [
        ("reference", "solutions/lesson01-threads/src/intermediate.rs"),
        (
            "first",
            "bugbanks/lesson01-threads/first/15-correct-proportional-split/intermediate.rs",
        ),
        (
            "fresh",
            "bugbanks/lesson01-threads/fresh/21-correct-proportional-split/intermediate.rs",
        ),
    ];
    for (i, (x, x_path)) in files.iter().enumerate() {
        for (y, y_path) in &files[i + 1..] {
            let material = material_without(Tier::Intermediate, &[x, y]);
            let (shared, similarity) = score(
                &prints_beyond(&read(x_path), &material),
                &prints_beyond(&read(y_path), &material),
            );
            println!("{x} and {y} beyond the rest of the material: {similarity:.3} on {shared}");
            assert!(similarity < THRESHOLD / 2.0, "{x} {y}: {similarity} on {shared}");
        }
    }
    let untouched = prints(&starter(Tier::Intermediate), Tier::Intermediate);
    assert!(untouched.is_empty(), "the starter's own code is nobody's");
}

#[test]
fn a_class_is_scored_pair_by_pair_highest_first_and_flagged_only_above_the_threshold() {
    if in_a_student_copy() {
        return;
    }
    let material: BTreeMap<Tier, Material> = [(
        Tier::Intermediate,
        Material {
            given: vec![starter(Tier::Intermediate)],
            independent: Vec::new(),
        },
    )]
    .into();
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
    let comparison = compare(&material, &submissions);
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

#[test]
fn a_class_that_copied_one_solution_is_flagged_pair_by_pair() {
    if in_a_student_copy() {
        return;
    }
    // 30 students: 27 hand in the reference as it is (a leaked solution), one a disguised copy of
    // it, and two the bug banks' correct designs. The copies are the whole class's common code, and
    // the reference is one of the course's own authors: neither may hide them.
    let material = course_material();
    let file = |student: String, path: &str| Submission {
        student,
        tier: Tier::Intermediate,
        text: read(path),
    };
    let mut submissions: Vec<Submission> = (0..27)
        .map(|i| {
            file(
                format!("copy{i:02}"),
                "solutions/lesson01-threads/src/intermediate.rs",
            )
        })
        .collect();
    submissions.push(Submission {
        student: "disguised".to_owned(),
        tier: Tier::Intermediate,
        text: disguised_intermediate(),
    });
    submissions.push(file(
        "indie1".to_owned(),
        "bugbanks/lesson01-threads/first/15-correct-proportional-split/intermediate.rs",
    ));
    submissions.push(file(
        "indie2".to_owned(),
        "bugbanks/lesson01-threads/fresh/21-correct-proportional-split/intermediate.rs",
    ));
    let comparison = compare(&material, &submissions);
    assert_eq!(comparison.pairs.len(), 30 * 29 / 2, "every pair is scored");
    let copier = |name: &str| name.starts_with("copy") || name == "disguised";
    let (copies, others): (Vec<&Pair>, Vec<&Pair>) = comparison
        .pairs
        .iter()
        .partition(|p| copier(&p.a) && copier(&p.b));
    assert_eq!(copies.len(), 28 * 27 / 2);
    let lowest = copies.iter().map(|p| p.similarity).fold(1.0, f64::min);
    let fewest = copies.iter().map(|p| p.shared).min().unwrap();
    println!("28 copies: every pair at least {lowest:.3} on {fewest} shared fingerprints");
    assert!(copies.iter().all(|p| p.flagged()), "a copy went unflagged");
    let highest = others.iter().map(|p| p.similarity).fold(0.0, f64::max);
    println!("independent designs against the copies and each other: at most {highest:.3}");
    assert!(
        others.iter().all(|p| !p.flagged()),
        "an independent design was flagged"
    );
    assert_eq!(&comparison.pairs[0].fragments.is_empty(), &false);
}

#[test]
fn a_copy_moved_into_another_tier_file_is_flagged_across_the_two_files() {
    if in_a_student_copy() {
        return;
    }
    let material = course_material();
    let file = |student: &str, tier: Tier, text: String| Submission {
        student: student.to_owned(),
        tier,
        text,
    };
    let reference = |tier: Tier| read(&format!("solutions/lesson01-threads/src/{}", tier.file_name()));
    let submissions = [
        file("=ref", Tier::Intermediate, reference(Tier::Intermediate)),
        file("=ref", Tier::Advanced, reference(Tier::Advanced)),
        // The classmate's intermediate.rs, disguised, handed in as advanced.rs; the intermediate
        // tier's tests find it through a re-export.
        file(
            "mover",
            Tier::Intermediate,
            "pub use crate::advanced::*;\n".to_owned(),
        ),
        file("mover", Tier::Advanced, disguised_intermediate()),
        // A plain copy of both files, with the intermediate code pasted into advanced.rs too: it is
        // flagged on intermediate.rs already, and not listed again across the files.
        file("copy", Tier::Intermediate, reference(Tier::Intermediate)),
        file(
            "copy",
            Tier::Advanced,
            format!("{}\n{}", reference(Tier::Advanced), disguised_intermediate()),
        ),
        file(
            "indie",
            Tier::Intermediate,
            read("bugbanks/lesson01-threads/first/15-correct-proportional-split/intermediate.rs"),
        ),
        file(
            "indie",
            Tier::Advanced,
            read("bugbanks/lesson01-threads/first/16-correct-condvar-slot/advanced.rs"),
        ),
    ];
    let comparison = compare(&material, &submissions);
    let across: Vec<(&str, &str, String)> = comparison
        .pairs
        .iter()
        .filter(|p| p.tier != p.tier_b)
        .map(|p| (p.a.as_str(), p.b.as_str(), p.file()))
        .collect();
    // `copy` and `mover` share the pasted code in their advanced.rs: flagged there, so not again.
    assert_eq!(
        across,
        [("=ref", "mover", "intermediate.rs vs advanced.rs".to_owned())]
    );
    assert!(
        comparison
            .pairs
            .iter()
            .any(
                |p| (p.a.as_str(), p.b.as_str(), p.tier) == ("copy", "mover", Tier::Advanced) && p.flagged()
            )
    );
    assert!(
        comparison
            .pairs
            .iter()
            .filter(|p| p.tier != p.tier_b)
            .all(Pair::flagged)
    );
    let moved = comparison.pairs.iter().find(|p| p.b == "mover").unwrap();
    assert!(!moved.fragments.is_empty());
    let csv = csv(&comparison.pairs);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("'=ref,mover,intermediate.rs vs advanced.rs,")),
        "{csv}"
    );
    // What hid it before: file by file, the mover and the classmate they copied share nothing.
    assert!(
        !comparison
            .pairs
            .iter()
            .any(|p| p.tier == p.tier_b && p.flagged() && (p.a.as_str(), p.b.as_str()) == ("=ref", "mover")),
        "{:?}",
        comparison.pairs
    );
}

/// Prints how independent work scores over the blind bug banks (every file there was written from
/// the README and starters alone): `cargo test -p grader similarity_measure -- --ignored
/// --nocapture`. Each pair of files by two authors is scored beyond the lesson's material without
/// those two authors' files, as two students of a class would be (they are not in the material).
/// The authors are the reference, `first` and `fresh`, and lesson08's `fresh/22`–`49` (written by
/// a helper of its own): with three authors, the material left for a pair holds one author, never
/// the two it takes to leave code out, so outside lesson08 this is the given material alone.
#[test]
#[ignore]
fn similarity_measure_over_the_bug_banks() {
    let root = course_root();
    let course = crate::Course::new(&root);
    let (mut all, mut flagged, mut across_flagged) = (Vec::new(), 0, 0);
    for lesson in course.lessons().unwrap() {
        let name = lesson.dir_name.clone();
        let files = crate::starter::expected_files(&course, &lesson).unwrap();
        let starters: BTreeMap<Tier, String> = Tier::ALL
            .into_iter()
            .map(|t| (t, files[Path::new(&t.file_name())].clone()))
            .collect();
        let material = material::of_course(&course, &lesson, &starters);
        let mut by_tier: BTreeMap<Tier, Vec<(String, String, String)>> = BTreeMap::new();
        for tier in Tier::ALL {
            // (author, file, text), read again so that each file keeps its name.
            let mut files = vec![(
                "reference".to_owned(),
                "reference".to_owned(),
                read(&format!("solutions/{name}/src/{}", tier.file_name())),
            )];
            for bank in ["first", "fresh"] {
                let dir = root.join("bugbanks").join(&name).join(bank);
                for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    let entry_name = entry.file_name().to_string_lossy().into_owned();
                    let Ok(text) = std::fs::read_to_string(entry.path().join(tier.file_name())) else {
                        continue;
                    };
                    let number: u32 = entry_name[..2].parse().unwrap_or(0);
                    let author = match (name.as_str(), bank) {
                        ("lesson08-pitfalls", "fresh") if number >= 22 => "fresh22",
                        _ => bank,
                    };
                    files.push((author.to_owned(), format!("{bank}/{entry_name}"), text));
                }
            }
            let mut beyond: BTreeMap<(String, String), HashSet<u64>> = BTreeMap::new();
            let mut scores = Vec::new();
            for (i, (xa, x, xt)) in files.iter().enumerate() {
                for (ya, y, yt) in &files[i + 1..] {
                    if xa == ya {
                        continue;
                    }
                    let excluded = beyond.entry((xa.clone(), ya.clone())).or_insert_with(|| {
                        let mut m = material[&tier].clone();
                        m.independent = files
                            .iter()
                            .filter(|f| &f.0 != xa && &f.0 != ya)
                            .map(|f| (f.0.clone(), f.2.clone()))
                            .collect();
                        m.excluded()
                    });
                    let (Some(px), Some(py)) = (Prints::of(xt, excluded), Prints::of(yt, excluded)) else {
                        continue;
                    };
                    if px.is_empty() || py.is_empty() {
                        continue;
                    }
                    let (shared, s) = score(&px, &py);
                    let is_flagged = Pair {
                        a: x.clone(),
                        b: y.clone(),
                        tier,
                        tier_b: tier,
                        similarity: s,
                        shared,
                        contained: contained(&px, &py, shared),
                        fragments: Vec::new(),
                    }
                    .flagged();
                    flagged += usize::from(is_flagged);
                    all.push(s);
                    scores.push((s, shared, x.clone(), y.clone()));
                    println!("PAIR {s:.3} {shared} {is_flagged} {name} {tier:?} {x} {y}");
                }
            }
            scores.sort_by(|x, y| y.0.total_cmp(&x.0));
            println!(
                "{name} {tier:?}: {} pairs; top: {:?}",
                scores.len(),
                &scores[..scores.len().min(3)]
            );
            by_tier.insert(tier, files);
        }
        // Across two tier files (`compare` lists such a pair only where it is flagged), each pair
        // beyond both tiers' material without its two authors' files.
        for (x, y) in [
            (Tier::Beginner, Tier::Intermediate),
            (Tier::Beginner, Tier::Advanced),
            (Tier::Intermediate, Tier::Advanced),
        ] {
            let beyond = |xa: &str, ya: &str| -> HashSet<u64> {
                let mut both = HashSet::new();
                for tier in [x, y] {
                    let mut m = material[&tier].clone();
                    m.independent = by_tier[&tier]
                        .iter()
                        .filter(|f| f.0 != xa && f.0 != ya)
                        .map(|f| (f.0.clone(), f.2.clone()))
                        .collect();
                    both.extend(m.excluded());
                }
                both
            };
            let mut cache: BTreeMap<(String, String), HashSet<u64>> = BTreeMap::new();
            let (mut scored, mut top) = (0, (0.0f64, String::new()));
            for (xa, xn, xt) in &by_tier[&x] {
                for (ya, yn, yt) in &by_tier[&y] {
                    if xa == ya {
                        continue;
                    }
                    let key = if xa < ya {
                        (xa.clone(), ya.clone())
                    } else {
                        (ya.clone(), xa.clone())
                    };
                    let excluded = cache.entry(key).or_insert_with(|| beyond(xa, ya));
                    let (Some(px), Some(py)) = (Prints::of(xt, excluded), Prints::of(yt, excluded)) else {
                        continue;
                    };
                    if px.is_empty() || py.is_empty() {
                        continue;
                    }
                    let (shared, s) = score(&px, &py);
                    let pair = Pair {
                        a: xn.clone(),
                        b: yn.clone(),
                        tier: x,
                        tier_b: y,
                        similarity: s,
                        shared,
                        contained: contained(&px, &py, shared),
                        fragments: Vec::new(),
                    };
                    scored += 1;
                    if s > top.0 {
                        top = (s, format!("{xn} {yn} on {shared}"));
                    }
                    if pair.flagged() {
                        across_flagged += 1;
                        println!("ACROSS {s:.3} {shared} {name} {} {xn} {yn}", pair.file());
                    }
                }
            }
            println!("{name} {x:?} vs {y:?}: {scored} pairs across files; top {top:?}");
        }
    }
    all.sort_by(f64::total_cmp);
    let at = |q: f64| all[((all.len() - 1) as f64 * q) as usize];
    println!(
        "{} pairs by different authors: median {:.2}, 95th percentile {:.2}, 99th {:.2}, {flagged} flagged",
        all.len(),
        at(0.5),
        at(0.95),
        at(0.99)
    );
    println!("across two tier files: {across_flagged} flagged");
}
