//! A lesson's promise list, `grader/suites/lessonNN-topic/promises.toml`: every sentence of the
//! README and of the starter docs that promises behaviour, with the hidden tests that fail without it,
//! or the reason it is deliberately not graded. Loading checks the list against the suite, so a test
//! that checks no promise and a promise that names a missing test are both found by `cargo test`.
//!
//! ```toml
//! [[promise]]
//! where = "src/beginner.rs: ManagedThread::start"
//! says = "start() returns Err(AlreadyStarted) when called a second time"
//! tests = ["a_test_named_in_suite_toml"]
//!
//! [[promise]]
//! where = "README: Coming from Python"
//! says = "..."
//! not_graded = "why it is deliberately not graded"
//! ```

use crate::error::{Error, Result, io};
use crate::suite::Suite;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

/// The file name, next to `suite.toml`.
pub const FILE: &str = "promises.toml";

/// One promise of the lesson text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promise {
    /// Where the sentence is: `README: <section>` or `src/<tier>.rs: <item>`.
    #[serde(rename = "where")]
    pub place: String,
    /// What it promises, in short.
    pub says: String,
    /// The hidden tests that fail when the promise is broken.
    #[serde(default)]
    pub tests: Vec<String>,
    /// Why the promise is deliberately not graded (instead of `tests`).
    pub not_graded: Option<String>,
}

/// The promise list of one lesson, checked against its suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promises {
    pub promises: Vec<Promise>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromisesFile {
    #[serde(default)]
    promise: Vec<Promise>,
}

impl Promises {
    /// Reads `promises.toml` in `suite_dir` and checks it against `suite` (the manifest in the same
    /// directory). Every error names the file and, where there is one, the promise.
    pub fn load(suite_dir: &Path, suite: &Suite) -> Result<Promises> {
        let path = suite_dir.join(FILE);
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        Promises::parse(&text, suite).map_err(|message| Error::Manifest { path, message })
    }

    /// Parses and checks the text of a promise list.
    pub fn parse(text: &str, suite: &Suite) -> Result<Promises, String> {
        let file: PromisesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let promises = Promises {
            promises: file.promise,
        };
        promises.validate(suite)?;
        Ok(promises)
    }

    fn validate(&self, suite: &Suite) -> Result<(), String> {
        if self.promises.is_empty() {
            return Err("no [[promise]] entries".to_owned());
        }
        let known: BTreeSet<&str> = suite.tests.iter().map(|t| t.name.as_str()).collect();
        let mut named = BTreeSet::new();
        for (index, promise) in self.promises.iter().enumerate() {
            let which = format!(
                "promise {} (where = {:?}, says = {:?})",
                index + 1,
                promise.place,
                promise.says
            );
            if promise.place.trim().is_empty() || promise.says.trim().is_empty() {
                return Err(format!("{which}: `where` and `says` must not be empty"));
            }
            let reason = promise.not_graded.as_deref().map(str::trim);
            match (promise.tests.is_empty(), reason) {
                (true, None) => {
                    return Err(format!(
                        "{which}: names no test; give `tests` or a `not_graded` reason"
                    ));
                }
                (true, Some("")) => return Err(format!("{which}: `not_graded` is empty: say why")),
                (false, Some(_)) => {
                    return Err(format!("{which}: has both `tests` and `not_graded`; give one"));
                }
                _ => {}
            }
            for test in &promise.tests {
                if !known.contains(test.as_str()) {
                    return Err(format!(
                        "{which}: names test `{test}`, which is not in suite.toml"
                    ));
                }
                named.insert(test.as_str());
            }
        }
        let unnamed: Vec<&str> = known.difference(&named).copied().collect();
        if !unnamed.is_empty() {
            return Err(format!(
                "no promise names the test(s) {}: every test must check some promise",
                unnamed.join(", ")
            ));
        }
        Ok(())
    }

    /// The promises that are deliberately not graded.
    pub fn not_graded(&self) -> impl Iterator<Item = &Promise> {
        self.promises.iter().filter(|p| p.not_graded.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite() -> Suite {
        toml::from_str(
            r#"
            title = "t"
            [[tests]]
            name = "first"
            tier = "beginner"
            points = 1
            hint = "h"
            [[tests]]
            name = "second"
            tier = "intermediate"
            points = 1
            hint = "h"
            "#,
        )
        .unwrap()
    }

    fn parse(text: &str) -> Result<Promises, String> {
        Promises::parse(text, &suite())
    }

    #[test]
    fn a_list_naming_every_test_loads() {
        let promises = parse(
            r#"
            [[promise]]
            where = "src/beginner.rs: f"
            says = "f works"
            tests = ["first"]
            [[promise]]
            where = "README: Exercises"
            says = "g works and h works"
            tests = ["second", "first"]
            [[promise]]
            where = "README: Coming from Python"
            says = "Python differs"
            not_graded = "a comparison, not behaviour"
            "#,
        )
        .unwrap();
        assert_eq!(promises.promises.len(), 3);
        assert_eq!(promises.promises[0].place, "src/beginner.rs: f");
        assert_eq!(promises.not_graded().count(), 1);
    }

    #[test]
    fn a_promise_needs_tests_or_a_reason_but_not_both() {
        let head = "[[promise]]\nwhere = \"README: X\"\nsays = \"x\"\n";
        let tail = "\n[[promise]]\nwhere = \"README: Y\"\nsays = \"y\"\ntests = [\"first\", \"second\"]\n";
        let neither = parse(&format!("{head}{tail}")).unwrap_err();
        assert!(
            neither.contains("promise 1") && neither.contains("names no test"),
            "{neither}"
        );
        let empty = parse(&format!("{head}tests = []{tail}")).unwrap_err();
        assert!(empty.contains("names no test"), "{empty}");
        let blank = parse(&format!("{head}not_graded = \" \"{tail}")).unwrap_err();
        assert!(blank.contains("`not_graded` is empty"), "{blank}");
        let both = parse(&format!("{head}tests = [\"first\"]\nnot_graded = \"r\"{tail}")).unwrap_err();
        assert!(both.contains("both"), "{both}");
    }

    #[test]
    fn unknown_and_unnamed_tests_are_refused_by_name() {
        let unknown = parse(
            "[[promise]]\nwhere = \"README: X\"\nsays = \"x\"\ntests = [\"first\", \"second\", \"third\"]\n",
        )
        .unwrap_err();
        assert!(
            unknown.contains("`third`") && unknown.contains("\"x\""),
            "{unknown}"
        );
        let unnamed =
            parse("[[promise]]\nwhere = \"README: X\"\nsays = \"x\"\ntests = [\"first\"]\n").unwrap_err();
        assert!(
            unnamed.contains("second") && !unnamed.contains("first"),
            "{unnamed}"
        );
    }

    #[test]
    fn malformed_files_are_refused() {
        assert!(parse("").unwrap_err().contains("no [[promise]]"));
        let typo = parse("[[promise]]\nwhere = \"README\"\nsays = \"x\"\ntest = [\"first\"]\n").unwrap_err();
        assert!(typo.contains("unknown field"), "{typo}");
        let blank =
            parse("[[promise]]\nwhere = \"\"\nsays = \"x\"\ntests = [\"first\", \"second\"]\n").unwrap_err();
        assert!(blank.contains("must not be empty"), "{blank}");
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Promises::load(dir.path(), &suite()).unwrap_err().to_string();
        assert!(missing.contains(FILE), "{missing}");
        std::fs::write(
            dir.path().join(FILE),
            "[[promise]]\nwhere = \"README\"\nsays = \"x\"\n",
        )
        .unwrap();
        let invalid = Promises::load(dir.path(), &suite()).unwrap_err().to_string();
        assert!(
            invalid.contains(FILE) && invalid.contains("promise 1"),
            "{invalid}"
        );
    }
}
