//! Removes held-back tests from a hidden suite's tier file, for the student export: each named test
//! function (with the attributes and comments right above it) and its entry in `main`'s test list.
//! Works on tokens, so strings and comments cannot confuse it; what it removes is cut from the original
//! text by the tokens' positions, so everything else keeps its layout.

use proc_macro2::{Delimiter, LineColumn, TokenStream, TokenTree};
use std::collections::BTreeSet;
use std::ops::Range;
use std::str::FromStr;

/// `source` without the tests named in `held_back`, or a message when a named test is not found or
/// the file does not tokenize.
pub fn strip_tests(source: &str, held_back: &BTreeSet<String>) -> Result<String, String> {
    let tokens = TokenStream::from_str(source).map_err(|e| format!("does not tokenize: {e}"))?;
    let offsets = Offsets::new(source);
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut cuts: Vec<Range<usize>> = Vec::new();
    let mut functions_found = BTreeSet::new();
    let mut entries_found = BTreeSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let TokenTree::Ident(ident) = token else { continue };
        if ident != "fn" {
            continue;
        }
        let Some(TokenTree::Ident(name)) = tokens.get(i + 1) else {
            continue;
        };
        let name = name.to_string();
        let Some((body_index, body)) = tokens[i..].iter().enumerate().find_map(|(k, t)| match t {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => Some((i + k, g.clone())),
            _ => None,
        }) else {
            continue;
        };
        if name == "main" {
            list_entries(body.stream(), held_back, &offsets, &mut cuts, &mut entries_found);
        } else if held_back.contains(&name) {
            let first = item_start(&tokens, i);
            let start = offsets.line_start(offsets.at(tokens[first].span().start()));
            let start = comments_above(source, start);
            let end = offsets.line_end(offsets.at(tokens[body_index].span().end()));
            cuts.push(start..end);
            functions_found.insert(name);
        }
    }
    for name in held_back {
        if !functions_found.contains(name) {
            return Err(format!("no function `{name}`"));
        }
        if !entries_found.contains(name) {
            return Err(format!("`{name}` is not in main's list of tests"));
        }
    }
    cuts.sort_by_key(|r| r.start);
    let mut out =
        String::from("#![allow(dead_code, unused_imports)] // Some tests are held back in this copy.\n");
    let mut at = 0;
    for cut in cuts {
        if cut.start < at {
            continue;
        }
        out.push_str(&source[at..cut.start]);
        at = cut.end;
    }
    out.push_str(&source[at..]);
    Ok(out)
}

/// `("name", name),` entries of a `&[...]` list inside `main`.
fn list_entries(
    body: TokenStream,
    held_back: &BTreeSet<String>,
    offsets: &Offsets,
    cuts: &mut Vec<Range<usize>>,
    found: &mut BTreeSet<String>,
) {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        let TokenTree::Group(group) = token else { continue };
        let named = match group.delimiter() {
            Delimiter::Parenthesis => group.stream().into_iter().next().and_then(|t| match t {
                TokenTree::Literal(l) => l
                    .to_string()
                    .strip_prefix('"')?
                    .strip_suffix('"')
                    .map(str::to_owned),
                _ => None,
            }),
            _ => None,
        };
        match named {
            Some(name) if held_back.contains(&name) => {
                let start = offsets.at(group.span().start());
                let end = match tokens.get(i + 1) {
                    Some(TokenTree::Punct(p)) if p.as_char() == ',' => offsets.at(p.span().end()),
                    _ => offsets.at(group.span().end()),
                };
                // Take the whole line when the entry is alone on it (rustfmt's layout).
                let line = offsets.line_start(start)..offsets.line_end(end);
                let alone = offsets.text[line.start..start].trim().is_empty()
                    && offsets.text[end..line.end].trim().is_empty();
                cuts.push(if alone { line } else { start..end });
                found.insert(name);
            }
            _ => list_entries(group.stream(), held_back, offsets, cuts, found),
        }
    }
}

/// The first token of the item whose `fn` is at `fn_index`: attributes and qualifiers before it.
fn item_start(tokens: &[TokenTree], fn_index: usize) -> usize {
    let mut first = fn_index;
    loop {
        match (
            first.checked_sub(2).map(|k| &tokens[k]),
            first.checked_sub(1).map(|k| &tokens[k]),
        ) {
            (Some(TokenTree::Punct(p)), Some(TokenTree::Group(g)))
                if p.as_char() == '#' && g.delimiter() == Delimiter::Bracket =>
            {
                first -= 2;
            }
            (_, Some(TokenTree::Ident(i)))
                if ["pub", "const", "unsafe", "async", "extern"].contains(&i.to_string().as_str()) =>
            {
                first -= 1;
            }
            _ => return first,
        }
    }
}

/// Moves `start` (a line start) up over the `//` comment lines right above it.
fn comments_above(source: &str, mut start: usize) -> usize {
    while start > 0 {
        let previous = source[..start - 1].rfind('\n').map_or(0, |n| n + 1);
        let line = source[previous..start - 1].trim_start();
        if line.starts_with("//") && !line.starts_with("//!") {
            start = previous;
        } else {
            return start;
        }
    }
    start
}

/// Token positions (1-based line, 0-based column in characters) to byte offsets.
struct Offsets<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Offsets<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Offsets { text, line_starts }
    }

    fn at(&self, position: LineColumn) -> usize {
        let start = self.line_starts[position.line - 1];
        let line = &self.text[start..];
        start
            + line
                .char_indices()
                .nth(position.column)
                .map_or(line.len(), |(i, _)| i)
    }

    fn line_start(&self, offset: usize) -> usize {
        self.text[..offset].rfind('\n').map_or(0, |n| n + 1)
    }

    /// Just past the newline that ends the line holding `offset`.
    fn line_end(&self, offset: usize) -> usize {
        self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |n| offset + n + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: &str = r#"//! Hidden tests.

use lesson::thing;

fn main() {
    threadlab_harness::main(&[
        ("shown", shown),
        (
            "kept_back_with_a_long_name",
            kept_back_with_a_long_name,
        ),
        ("also_back", also_back), ("shown_too", shown_too),
    ]);
}

fn shown() {
    helper("{ a brace in a string }");
}

// Why this test exists: the secret trick.
#[allow(clippy::all)]
fn kept_back_with_a_long_name() {
    let secret = "the hidden body";
    assert!(secret.len() > 0);
}

fn also_back() { let x = 1; assert_eq!(x, 1); }

fn shown_too() {}

fn helper(_: &str) {}
"#;

    fn held(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn held_back_tests_leave_no_trace_and_the_rest_is_untouched() {
        let out = strip_tests(SUITE, &held(&["kept_back_with_a_long_name", "also_back"])).unwrap();
        for gone in [
            "kept_back_with_a_long_name",
            "the hidden body",
            "secret trick",
            "also_back",
            "clippy::all",
        ] {
            assert!(!out.contains(gone), "{gone} left in:\n{out}");
        }
        for kept in [
            "(\"shown\", shown),",
            "(\"shown_too\", shown_too)",
            "fn shown() {\n    helper(\"{ a brace in a string }\");\n}",
            "fn helper(_: &str) {}",
            "//! Hidden tests.",
        ] {
            assert!(out.contains(kept), "{kept} missing from:\n{out}");
        }
        assert!(out.parse::<TokenStream>().is_ok(), "still Rust:\n{out}");
        assert_eq!(
            strip_tests(SUITE, &held(&[])).unwrap().lines().count(),
            SUITE.lines().count() + 1
        );
    }

    #[test]
    fn a_name_that_is_not_a_test_is_an_error() {
        assert!(
            strip_tests(SUITE, &held(&["nope"]))
                .unwrap_err()
                .contains("no function `nope`")
        );
        assert!(
            strip_tests(SUITE, &held(&["helper"]))
                .unwrap_err()
                .contains("not in main's list")
        );
    }
}
