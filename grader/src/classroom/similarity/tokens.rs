//! Rust source as the similarity check sees it: a stream of normalised tokens, each with its line.
//!
//! Identifiers become `I`, string and character literals `S`, numeric literals `N`: renaming a
//! variable or changing a message hides nothing. Keywords, punctuation and delimiters stay as they
//! are, since they carry the program's shape. Comments and doc comments are dropped (the lexer drops
//! `//` comments and turns `///` into `#[doc = "…"]`, which is skipped here), so rewording or moving
//! them hides nothing either.
//!
//! The lexer is `proc-macro2`'s (already the grader's, for `strip.rs` and `reads.rs`): it knows raw
//! strings, nested block comments and lifetimes, which a hand-written lexer would have to get right
//! again. It needs balanced delimiters; a file that does not lex cannot compile either, so its tier
//! scores nothing and there is no grade to copy for: such a file is left out of the comparison.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::str::FromStr;

/// One normalised token: its text after abstraction, and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: &'static str,
    pub line: usize,
}

/// Rust's keywords (strict, reserved and the weak ones that shape code): kept as they are.
const KEYWORDS: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "try",
    "gen",
    "union",
    "macro_rules",
];

/// Punctuation, each character its own token (`::` is `:` `:`; spacing is layout, not shape).
const PUNCT: &[&str] = &[
    "=", "<", ">", "!", "~", "+", "-", "*", "/", "%", "^", "&", "|", "@", ".", ",", ";", ":", "#", "$", "?",
    "'",
];

/// The normalised tokens of `source`, or `None` when it does not lex.
pub fn normalise(source: &str) -> Option<Vec<Token>> {
    let stream = TokenStream::from_str(source).ok()?;
    let mut tokens = Vec::new();
    // Iterative, not recursive: a file of 256 KiB can nest 100 000 groups, and a recursion that deep
    // would overflow the grader's stack and end the whole batch.
    let mut stack: Vec<(Vec<TokenTree>, usize, Option<Token>)> =
        vec![(stream.into_iter().collect(), 0, None)];
    while let Some((trees, i, close)) = stack.last_mut() {
        let Some(tree) = trees.get(*i) else {
            if let Some(close) = close.take() {
                tokens.push(close);
            }
            stack.pop();
            continue;
        };
        if let Some(skip) = doc_attribute(&trees[*i..]) {
            *i += skip;
            continue;
        }
        *i += 1;
        match tree {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name);
                let text = KEYWORDS.iter().find(|k| **k == name).copied().unwrap_or("I");
                tokens.push(Token {
                    text,
                    line: ident.span().start().line,
                });
            }
            TokenTree::Literal(literal) => {
                let numeric = literal.to_string().starts_with(|c: char| c.is_ascii_digit());
                tokens.push(Token {
                    text: if numeric { "N" } else { "S" },
                    line: literal.span().start().line,
                });
            }
            TokenTree::Punct(punct) => {
                let c = punct.as_char().to_string();
                let text = PUNCT.iter().find(|p| **p == c).copied().unwrap_or("?");
                tokens.push(Token {
                    text,
                    line: punct.span().start().line,
                });
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => (Some("("), Some(")")),
                    Delimiter::Brace => (Some("{"), Some("}")),
                    Delimiter::Bracket => (Some("["), Some("]")),
                    Delimiter::None => (None, None),
                };
                if let Some(open) = open {
                    tokens.push(Token {
                        text: open,
                        line: group.span_open().start().line,
                    });
                }
                let close = close.map(|text| Token {
                    text,
                    line: group.span_close().start().line,
                });
                let inner = group.stream().into_iter().collect();
                stack.push((inner, 0, close));
            }
        }
    }
    Some(tokens)
}

/// How many trees a doc comment takes at the start of `trees` (`#`, maybe `!`, `[doc = "…"]`).
fn doc_attribute(trees: &[TokenTree]) -> Option<usize> {
    let TokenTree::Punct(hash) = trees.first()? else {
        return None;
    };
    if hash.as_char() != '#' {
        return None;
    }
    let (bang, group) = match trees.get(1)? {
        TokenTree::Punct(p) if p.as_char() == '!' => (1, trees.get(2)?),
        other => (0, other),
    };
    let TokenTree::Group(group) = group else {
        return None;
    };
    let first = group.stream().into_iter().next();
    let is_doc = group.delimiter() == Delimiter::Bracket
        && matches!(first, Some(TokenTree::Ident(ident)) if ident == "doc");
    is_doc.then_some(2 + bang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<&'static str> {
        normalise(source).unwrap().into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn names_literals_comments_and_layout_are_abstracted_away() {
        let one = "/// Adds.\nfn add(a: u32, b: u32) -> u32 {\n    // sum\n    a + b * 2 // twice\n}\n";
        let two = "fn   plus(x:u32,\n y: u32)->u32 { /* other */ x+y*7 }";
        assert_eq!(texts(one), texts(two));
        assert_eq!(
            texts("let s = r#\"raw\"#; let c = 'c';"),
            ["let", "I", "=", "S", ";", "let", "I", "=", "S", ";"]
        );
        assert_eq!(
            texts("//! Module docs.\n#![doc = \"x\"]\nuse a;"),
            ["use", "I", ";"]
        );
        assert_eq!(texts("#[derive(Debug)] struct A;")[..2], ["#", "["]);
    }

    #[test]
    fn tokens_keep_their_lines_and_broken_files_do_not_lex() {
        let tokens = normalise("fn f() {\n    g();\n}\n").unwrap();
        let lines: Vec<usize> = tokens.iter().map(|t| t.line).collect();
        assert_eq!(lines, [1, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
        assert_eq!(normalise("fn broken( {"), None);
    }

    #[test]
    fn a_deeply_nested_file_does_not_overflow_the_stack() {
        // The tier-file cap allows this much nesting; the test thread has a 2 MiB stack.
        let depth = 100_000;
        let source = format!("fn f() {{ {}{} }}", "(".repeat(depth), ")".repeat(depth));
        let tokens = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || normalise(&source).map(|t| t.len()))
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert_eq!(tokens, Some(6 + 2 * depth));
    }
}
