//! Similarity between students' tier files, for a teacher to look at copying: every pair of students
//! who handed in the same tier file is scored from 0 to 1 on what they share beyond the starter.
//!
//! Each file becomes a stream of normalised tokens (`tokens`: names and literals abstracted, comments
//! and layout dropped), then fingerprints by winnowing (`winnow`, as MOSS and Dolos do). Before
//! winnowing, every k-gram of the tier's `material` is taken out: the code every student was given
//! (the generated starter's signatures, docs and imports, the README's code blocks, the examples),
//! and the code at least two of the course's own authors wrote alike, each without seeing the
//! other's (the reference and the two blind bug banks, written from the README alone). Short guided
//! exercises have one idiomatic solution: two bank authors' lesson04 `beginner.rs` differ only in
//! names (0.98 with the starter alone taken out), and what they share is what any student writes.
//! Code common in the class is not taken out for being common: a class that copied one leaked
//! solution shares every line of it, and each pair of them is flagged (an earlier rule dropped
//! whatever more than half the class shared, and so scored 30 copies of one file at nothing).
//! The price: where the reference is what the banks' authors wrote too, a copy of it is no evidence.
//! Of its 27 tier files, 22 keep at least [`MIN_SHARED`] fingerprints beyond the material (13 to
//! 216), so a class copying it is flagged; lesson01's and lesson05's `beginner.rs`, lesson06's (4
//! left) and lesson08's `intermediate.rs` and `advanced.rs` (short repairs) keep too few.
//! A pair's similarity is the Dice
//! coefficient of the two fingerprint sets (2·shared / (|a| + |b|)): 1 for the same code however it is
//! renamed and re-laid-out, near 0 for independent work. Unlike the share of the smaller file, it does
//! not call a student who wrote two lines a full copy of everyone who wrote the same two lines. The
//! score is evidence for a teacher to read, side by side in `report.html`, never a verdict.
//! A copy moved into another tier file (and re-exported from its own) is found too: each file is
//! also held against the classmates' other tier files, and such a pair is listed where flagged.

pub mod material;
pub mod tokens;
pub mod winnow;

use crate::tier::Tier;
use material::Material;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use tokens::Token;
use winnow::Fingerprint;

/// Tokens in a k-gram. Tier files are short (the course's largest is 16 KB) and solutions converge on
/// the same idioms (`handle.join().unwrap()` is 10 tokens), so a run of 15 tokens is the shortest
/// worth matching; MOSS and Dolos use longer k-grams for whole programs.
pub const K: usize = 15;
/// Window of the winnowing: every shared run of `K + W - 1` = 20 tokens is found.
pub const W: usize = 6;
/// Pairs at or above this similarity are shown side by side in the report. Measured on the blind bug
/// banks (`similarity_measure_over_the_bug_banks`: every file written from a README and its starters
/// alone; 2 463 pairs of files by different authors over the nine lessons, each pair scored beyond
/// the material without its own two authors' files, as a class's students would be). In lesson08,
/// the one lesson with four authors, that material still holds two of them: median 0.16, 95th
/// percentile 0.57 over 751 pairs, 2 flagged (two authors who wrote the same bug the same way: a
/// total read inside the scope at 0.96, a log written after the unlock at 1.0). Elsewhere it holds
/// one author, never enough to leave code out, so the pairs are scored beyond the given material
/// alone, the worst case: medians 0.36 to 0.65, 99th percentile 0.83 over all lessons, 2 flagged
/// (lesson04's `beginner.rs` at 0.98, the same design in other names, and lesson06's at 0.90 on 42,
/// one static atomic counter written alike; the second bank's author leaves them out in a class).
/// Across two tier files (listed only where flagged, see [`compare`]), none of the 4 659 pairs by
/// different authors is flagged; the highest scores 0.39. A copy with every name changed, comments rewritten and lines
/// re-laid-out scores 1.0. Pairs below stay in `similarity.csv`, highest first.
pub const THRESHOLD: f64 = 0.9;
/// Fewer shared fingerprints than this never flag a pair, whatever the ratio: two students who both
/// wrote only one short function alike share too little to tell copying from chance (lesson08's
/// intermediate fixes are a few lines each: independent ones share all of their 8 fingerprints).
pub const MIN_SHARED: usize = 10;
/// A pair is flagged too where one file holds this share of the other's fingerprints: a whole copy of
/// a classmate's file with code of one's own added keeps every point and falls under [`THRESHOLD`]
/// (an attack pass padded lesson01's `intermediate.rs` by a quarter: 0.68).
pub const CONTAINED: f64 = 0.9;
/// On at least this many shared fingerprints, so that the share of the smaller file never calls a
/// short file a copy of a long one: over the blind bug banks (2 463 pairs by different authors),
/// containment of 0.9 on 45 or more flags only pairs the similarity flags already (on 10 it flagged
/// five more, on 21 to 43 fingerprints: the same short bug written alike).
pub const MIN_CONTAINED: usize = 45;

/// A file's fingerprints beyond its starter, with the tokens they point into.
#[derive(Debug, Clone)]
pub struct Prints {
    pub tokens: Vec<Token>,
    pub prints: Vec<Fingerprint>,
    set: BTreeSet<u64>,
}

impl Prints {
    /// The fingerprints of `source` not found anywhere in `excluded` (every k-gram hash of the
    /// tier's material: `Material::excluded`), or `None` when the file does not lex.
    pub fn of(source: &str, excluded: &HashSet<u64>) -> Option<Prints> {
        let tokens = tokens::normalise(source)?;
        // The excluded k-grams are made the largest hashes before winnowing, so a window that holds
        // any of the student's own code keeps a fingerprint of it (filtering only afterwards would
        // lose every window whose minimum happened to be the starter's), then dropped.
        let hashes: Vec<u64> = winnow::kgram_hashes(&tokens, K)
            .into_iter()
            .map(|h| if excluded.contains(&h) { u64::MAX } else { h })
            .collect();
        let prints: Vec<Fingerprint> = winnow::winnow(&hashes, W)
            .into_iter()
            .filter(|f| f.hash != u64::MAX)
            .collect();
        let set = prints.iter().map(|f| f.hash).collect();
        Some(Prints { tokens, prints, set })
    }

    /// No fingerprint beyond the material: nothing of the student's own to compare.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The 1-based lines a fingerprint's k-gram spans.
    fn lines(&self, start: usize) -> (usize, usize) {
        let last = (start + K - 1).min(self.tokens.len().saturating_sub(1));
        (self.tokens[start].line, self.tokens[last].line)
    }
}

/// How many fingerprints two files share, and their similarity (0..1).
pub fn score(a: &Prints, b: &Prints) -> (usize, f64) {
    let shared = a.set.intersection(&b.set).count();
    let total = a.set.len() + b.set.len();
    if total == 0 {
        return (0, 0.0);
    }
    (shared, 2.0 * shared as f64 / total as f64)
}

/// The share of the smaller file's fingerprints that the other file holds too (0..1).
pub fn contained(a: &Prints, b: &Prints, shared: usize) -> f64 {
    let smaller = a.set.len().min(b.set.len());
    if smaller == 0 {
        return 0.0;
    }
    shared as f64 / smaller as f64
}

/// A region two files share: 1-based line ranges (inclusive) in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fragment {
    pub a: (usize, usize),
    pub b: (usize, usize),
}

/// The regions `a` and `b` share: matching fingerprints chained while they advance together in both
/// files (each within a window's reach of the last), as Dolos builds its fragments.
pub fn fragments(a: &Prints, b: &Prints) -> Vec<Fragment> {
    let mut in_b: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for f in &b.prints {
        in_b.entry(f.hash).or_default().push(f.start);
    }
    let mut matches: Vec<(usize, usize)> = Vec::new();
    for f in &a.prints {
        // A hash repeated many times (a match arm written ten times) would pair up quadratically.
        for &start in in_b.get(&f.hash).into_iter().flatten().take(4) {
            matches.push((f.start, start));
        }
    }
    matches.sort_unstable();
    let reach = K + W;
    // Each chain: (first a, first b, last a, last b) as token indexes of k-gram starts.
    let mut chains: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (ia, ib) in matches {
        let extends = chains
            .iter_mut()
            .rev()
            .find(|c| ia > c.2 && ia <= c.2 + reach && ib > c.3 && ib <= c.3 + reach);
        match extends {
            Some(chain) => {
                chain.2 = ia;
                chain.3 = ib;
            }
            None => chains.push((ia, ib, ia, ib)),
        }
    }
    let mut found: Vec<Fragment> = chains
        .into_iter()
        .map(|(a0, b0, a1, b1)| Fragment {
            a: (a.lines(a0).0, a.lines(a1).1),
            b: (b.lines(b0).0, b.lines(b1).1),
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// One tier file of one student, as read from their folder.
#[derive(Debug, Clone)]
pub struct Submission {
    pub student: String,
    pub tier: Tier,
    pub text: String,
}

/// A scored pair of students for one tier file (`a`'s `tier` against `b`'s `tier_b`, the same file
/// but where a copy was moved into another one); `a` sorts before `b`.
#[derive(Debug, Clone)]
pub struct Pair {
    pub a: String,
    pub b: String,
    pub tier: Tier,
    pub tier_b: Tier,
    pub similarity: f64,
    pub shared: usize,
    /// The share of the smaller file the other holds ([`contained`]).
    pub contained: f64,
    /// Filled for flagged pairs only (the report shows them side by side).
    pub fragments: Vec<Fragment>,
}

impl Pair {
    /// Shown side by side in the report: at or above [`THRESHOLD`], on enough shared fingerprints, or
    /// one file contained in the other ([`CONTAINED`], on [`MIN_CONTAINED`]).
    pub fn flagged(&self) -> bool {
        self.similarity >= THRESHOLD && self.shared >= MIN_SHARED
            || self.contained >= CONTAINED && self.shared >= MIN_CONTAINED
    }

    /// The file compared: `beginner.rs`, or `beginner.rs vs advanced.rs` across two files (`a`'s
    /// first).
    pub fn file(&self) -> String {
        if self.tier == self.tier_b {
            self.tier.file_name()
        } else {
            format!("{} vs {}", self.tier.file_name(), self.tier_b.file_name())
        }
    }
}

/// What a class's comparison found.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Every scored pair, highest similarity first (then by file and names, so runs agree).
    pub pairs: Vec<Pair>,
    /// Files that did not lex, so were not compared: (student, tier).
    pub not_lexed: Vec<(String, Tier)>,
}

/// Scores every pair of students who handed in the same tier file with something of their own in
/// it, beyond each tier's `material`. Then each student's file is held against the other tier files
/// of every student they were not flagged with: a copy moved into another file (a classmate's
/// `beginner.rs` handed in as one's `advanced.rs`, with a `beginner.rs` that re-exports it) is
/// listed where it is flagged, beyond both files' material. Only flagged pairs across two files are
/// listed: different exercises are expected to differ, so their scores would only crowd the list.
pub fn compare(material: &BTreeMap<Tier, Material>, submissions: &[Submission]) -> Comparison {
    let mut comparison = Comparison::default();
    let excluded: BTreeMap<Tier, HashSet<u64>> = Tier::ALL
        .into_iter()
        .map(|tier| {
            (
                tier,
                material.get(&tier).map(Material::excluded).unwrap_or_default(),
            )
        })
        .collect();
    for tier in Tier::ALL {
        let mut files: Vec<(&str, Prints)> = Vec::new();
        for submission in submissions.iter().filter(|s| s.tier == tier) {
            match Prints::of(&submission.text, &excluded[&tier]) {
                Some(prints) if !prints.is_empty() => files.push((&submission.student, prints)),
                Some(_) => {}
                None => comparison.not_lexed.push((submission.student.clone(), tier)),
            }
        }
        files.sort_by(|x, y| x.0.cmp(y.0));
        for (i, (a, pa)) in files.iter().enumerate() {
            for (b, pb) in &files[i + 1..] {
                comparison.pairs.push(pair(a, pa, tier, b, pb, tier));
            }
        }
    }
    let flagged: HashSet<(String, String)> = comparison
        .pairs
        .iter()
        .filter(|p| p.flagged())
        .map(|p| (p.a.clone(), p.b.clone()))
        .collect();
    for (x, y) in Tier::ALL
        .into_iter()
        .flat_map(|x| Tier::ALL.into_iter().map(move |y| (x, y)))
        .filter(|(x, y)| x < y)
    {
        // Beyond what either exercise gave or any two authors wrote alike.
        let both: HashSet<u64> = excluded[&x].union(&excluded[&y]).copied().collect();
        let prints_of = |tier: Tier| -> BTreeMap<&str, Prints> {
            submissions
                .iter()
                .filter(|s| s.tier == tier)
                .filter_map(|s| Some((s.student.as_str(), Prints::of(&s.text, &both)?)))
                .filter(|(_, p)| !p.is_empty())
                .collect()
        };
        let (in_x, in_y) = (prints_of(x), prints_of(y));
        for (a, pa) in &in_x {
            for (b, pb) in &in_y {
                let (first, second) = if a < b { (*a, *b) } else { (*b, *a) };
                if a == b || flagged.contains(&(first.to_owned(), second.to_owned())) {
                    continue;
                }
                let found = if a < b {
                    pair(a, pa, x, b, pb, y)
                } else {
                    pair(b, pb, y, a, pa, x)
                };
                if found.flagged() {
                    comparison.pairs.push(found);
                }
            }
        }
    }
    comparison.pairs.sort_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then(x.tier.cmp(&y.tier))
            .then(x.tier_b.cmp(&y.tier_b))
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    comparison
}

/// `a`'s file of `tier` scored against `b`'s of `tier_b`, with its shared regions where flagged.
fn pair(a: &str, pa: &Prints, tier: Tier, b: &str, pb: &Prints, tier_b: Tier) -> Pair {
    let (shared, similarity) = score(pa, pb);
    let mut pair = Pair {
        a: a.to_owned(),
        b: b.to_owned(),
        tier,
        tier_b,
        similarity,
        shared,
        contained: contained(pa, pb, shared),
        fragments: Vec::new(),
    };
    if pair.flagged() {
        pair.fragments = fragments(pa, pb);
    }
    pair
}

/// The header of `similarity.csv` (a contract, like the gradebook's).
pub const CSV_HEADER: &str = "student_a,student_b,file,similarity";

/// `similarity.csv`: every scored pair, highest first; names are written as text a spreadsheet never
/// evaluates (`gradebook::csv_field`).
pub fn csv(pairs: &[Pair]) -> String {
    let mut text = format!("{CSV_HEADER}\n");
    for pair in pairs {
        text.push_str(&format!(
            "{},{},{},{:.3}\n",
            super::gradebook::csv_field(&pair.a),
            super::gradebook::csv_field(&pair.b),
            pair.file(),
            pair.similarity
        ));
    }
    text
}

#[cfg(test)]
mod tests;
