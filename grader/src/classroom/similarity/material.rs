//! What a class's tier files are compared against besides each other: the code every student was
//! given (the tier's starter, the lesson README's code blocks and its examples), and the solutions the
//! course's own authors wrote independently of each other (the reference and the two blind bug banks,
//! each written from the README alone). Code two of those authors wrote alike is what anyone writes
//! for this exercise, so it is no evidence of copying; code common in the class only may be: a
//! class that copied one leaked solution shares all of it.

use super::{K, tokens, winnow};
use crate::course::{Course, Lesson};
use crate::tier::Tier;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Independent authors who must have written a k-gram for it to count as what anyone writes: one
/// would make a copy of the reference invisible, since the reference is one of them.
pub const AUTHORS_ALIKE: usize = 2;

/// One tier's material.
#[derive(Debug, Clone, Default)]
pub struct Material {
    /// Texts every student had: the generated starter, the README's code blocks, the examples.
    pub given: Vec<String>,
    /// `(author, text)`: files written independently by different authors (one author's files
    /// count together, however many there are).
    pub independent: Vec<(String, String)>,
}

impl Material {
    /// The k-gram hashes no fingerprint of a student's file may be: every one of the given texts,
    /// and those at least [`AUTHORS_ALIKE`] independent authors wrote. Texts that do not lex add
    /// nothing.
    pub fn excluded(&self) -> HashSet<u64> {
        let mut excluded: HashSet<u64> = self.given.iter().flat_map(|t| hashes(t)).collect();
        let mut authors: HashMap<u64, BTreeSet<&str>> = HashMap::new();
        for (author, text) in &self.independent {
            for hash in hashes(text) {
                authors.entry(hash).or_default().insert(author);
            }
        }
        excluded.extend(
            authors
                .into_iter()
                .filter(|(_, by)| by.len() >= AUTHORS_ALIKE)
                .map(|(hash, _)| hash),
        );
        excluded
    }

    /// How many independent authors it holds.
    pub fn authors(&self) -> usize {
        self.independent
            .iter()
            .map(|(a, _)| a.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }
}

/// Every k-gram hash of `text` (none when it does not lex).
fn hashes(text: &str) -> Vec<u64> {
    tokens::normalise(text)
        .map(|tokens| winnow::kgram_hashes(&tokens, K))
        .unwrap_or_default()
}

/// The fenced code blocks of a Markdown text (whatever their language: a shell command shares no
/// k-gram with Rust code, so it costs nothing to keep).
pub fn code_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut open: Option<String> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => open = Some(String::new()),
            (Some(block), true) => {
                blocks.push(std::mem::take(block));
                open = None;
            }
            (Some(block), false) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, false) => {}
        }
    }
    blocks
}

/// The material of each tier of `lesson`, from the course: `starters` (each tier's generated
/// starter), `lessons/<lesson>/README.md` and `examples/*.rs`, `solutions/<lesson>/src` and
/// `bugbanks/<lesson>/{first,fresh}/*/`. A student copy has no solutions or bug banks: its material
/// is only what was given.
pub fn of_course(
    course: &Course,
    lesson: &Lesson,
    starters: &BTreeMap<Tier, String>,
) -> BTreeMap<Tier, Material> {
    let lesson_dir = course.lesson_dir(lesson);
    let mut given: Vec<String> = std::fs::read_to_string(lesson_dir.join("README.md"))
        .map(|readme| code_blocks(&readme))
        .unwrap_or_default();
    given.extend(
        rust_files(&lesson_dir.join("examples"))
            .into_iter()
            .map(|(_, t)| t),
    );
    let reference = course.root().join("solutions").join(&lesson.dir_name).join("src");
    let banks = course.root().join("bugbanks").join(&lesson.dir_name);
    Tier::ALL
        .into_iter()
        .map(|tier| {
            let mut material = Material {
                given: given.clone(),
                independent: Vec::new(),
            };
            material.given.extend(starters.get(&tier).cloned());
            if let Ok(text) = std::fs::read_to_string(reference.join(tier.file_name())) {
                material.independent.push(("reference".to_owned(), text));
            }
            for bank in ["first", "fresh"] {
                let Ok(entries) = std::fs::read_dir(banks.join(bank)) else {
                    continue;
                };
                for entry in entries.flatten() {
                    if let Ok(text) = std::fs::read_to_string(entry.path().join(tier.file_name())) {
                        material.independent.push((bank.to_owned(), text));
                    }
                }
            }
            (tier, material)
        })
        .collect()
}

/// The `.rs` files directly in `dir`, by name.
fn rust_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), text))
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A function long enough to hold many k-grams, its names and literals varied by `n` (which
    /// the normalisation abstracts away, so every variant has the same k-grams).
    fn code(n: u32) -> String {
        format!(
            "pub fn total_{n}(items: &[u64]) -> u64 {{ let mut sum = {n}; for item in items {{ \
             if *item > {n} {{ sum += item * 2; }} else {{ sum -= 1; }} }} sum }}"
        )
    }

    #[test]
    fn code_two_authors_wrote_is_left_out_and_one_authors_many_files_are_one() {
        let one_author = Material {
            given: Vec::new(),
            independent: vec![("first".into(), code(1)), ("first".into(), code(2))],
        };
        assert!(one_author.excluded().is_empty(), "one author twice is one author");
        assert_eq!(one_author.authors(), 1);
        let two_authors = Material {
            given: Vec::new(),
            independent: vec![("first".into(), code(1)), ("fresh".into(), code(2))],
        };
        assert!(!two_authors.excluded().is_empty());
        assert_eq!(two_authors.excluded(), hashes(&code(3)).into_iter().collect());
    }

    #[test]
    fn a_course_without_solutions_or_banks_has_only_the_given_code() {
        // As a student copy is: the lesson's README and examples, no reference, no bug banks.
        let dir = tempfile::tempdir().unwrap();
        let course = Course::new(dir.path());
        let lesson = Lesson::from_dir_name("lesson01-threads").unwrap();
        let lesson_dir = course.lesson_dir(&lesson);
        std::fs::create_dir_all(lesson_dir.join("examples")).unwrap();
        std::fs::write(lesson_dir.join("README.md"), "```rust\nlet a = 1;\n```\n").unwrap();
        std::fs::write(lesson_dir.join("examples/demo.rs"), "fn main() {}\n").unwrap();
        let starters = [(Tier::Beginner, "pub fn f() {}\n".to_owned())].into();
        let material = of_course(&course, &lesson, &starters);
        assert_eq!(
            material[&Tier::Beginner].given,
            ["let a = 1;\n", "fn main() {}\n", "pub fn f() {}\n"]
        );
        assert_eq!(
            material[&Tier::Advanced].given.len(),
            2,
            "no advanced starter given"
        );
        assert!(material.values().all(|m| m.authors() == 0));
    }

    #[test]
    fn given_code_is_every_fenced_block_of_the_readme() {
        let readme = "# Lesson\n\nText `inline` code.\n\n```rust\nlet a = 1;\n```\n\nMore.\n\n\
                      ```\ncargo xtask grade lesson01\n```\n";
        assert_eq!(
            code_blocks(readme),
            ["let a = 1;\n", "cargo xtask grade lesson01\n"]
        );
        let given = Material {
            given: vec![code(7)],
            independent: Vec::new(),
        };
        assert_eq!(given.excluded(), hashes(&code(8)).into_iter().collect());
    }
}
