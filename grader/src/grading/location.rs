//! Places in messages, made into places the learner can open: `src/beginner.rs:12` becomes the
//! subject's own file (`lessons/lesson05-races/src/beginner.rs:12`), and a place inside a hidden test
//! (`(at tests/beginner.rs:130)`) is dropped, since the learner has no such file; the test's name and
//! message already say which check failed.

/// Rewrites the places in `text`. `subject_src` is the graded `src/` as the learner names it, e.g.
/// `lessons/lesson05-races/src`.
pub fn for_learner(text: &str, subject_src: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" (at tests/") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        match after.find(')') {
            Some(end) if !after[..end].contains('\n') => rest = &after[end + 1..],
            _ => {
                out.push_str(" (at");
                rest = &after[" (at".len()..];
            }
        }
    }
    out.push_str(rest);
    own_files(&out, subject_src)
}

/// `src/NAME.rs` at the start of a word becomes `SUBJECT_SRC/NAME.rs`.
fn own_files(text: &str, subject_src: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while let Some(found) = text[index..].find("src/") {
        let start = index + found;
        let at_word_start = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "(`'\"".contains(c));
        out.push_str(&text[index..start]);
        let name_end = text[start + 4..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '/'))
            .map_or(text.len(), |n| start + 4 + n);
        if at_word_start && text[name_end..].starts_with(".rs") {
            out.push_str(subject_src);
            out.push('/');
            index = start + 4;
        } else {
            out.push_str("src/");
            index = start + 4;
        }
    }
    out.push_str(&text[index..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "lessons/lesson05-races/src";

    #[test]
    fn hidden_test_places_are_dropped() {
        assert_eq!(
            for_learner("hits(): expected 4, got 3 (at tests/beginner.rs:65)", SRC),
            "hits(): expected 4, got 3"
        );
        assert_eq!(
            for_learner(
                "a (at tests/x.rs:1)\nfirst panic: b in thread 'w' (at tests/x.rs:9)",
                SRC
            ),
            "a\nfirst panic: b in thread 'w'"
        );
    }

    #[test]
    fn the_learners_own_files_are_named_from_the_course_root() {
        assert_eq!(
            for_learner("boom (at src/beginner.rs:12)", SRC),
            "boom (at lessons/lesson05-races/src/beginner.rs:12)"
        );
        assert_eq!(
            for_learner("  --> src/intermediate.rs:61:5\nsrc/advanced.rs:3: refused", SRC),
            "  --> lessons/lesson05-races/src/intermediate.rs:61:5\nlessons/lesson05-races/src/advanced.rs:3: refused"
        );
    }

    #[test]
    fn other_text_is_left_alone() {
        for text in [
            "see mysrc/x.rs and src/ alone and https://x/src/y.rs",
            "(at tests/unclosed",
            "nothing here",
        ] {
            assert_eq!(for_learner(text, SRC), text);
        }
    }
}
