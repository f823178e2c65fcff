//! Checks that keep a tier file inside the checked facade.
//!
//! Lessons whose suite says `facade = true` are graded with `crate::sync` and `crate::thread` compiled
//! as shuttle's checked versions. A tier file that reached `std::sync` or `std::thread` directly would
//! run on real, unchecked threads, where a race usually goes unseen on one CPU; so such a file is
//! refused before it is built, with the line and what to write instead. The scan works on tokens
//! (comments and strings cannot trigger it; macro bodies are still seen).

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::str::FromStr;

/// One refused use, 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub line: usize,
    pub message: String,
}

const ROOTS: [&str; 3] = ["std", "core", "alloc"];
const GUARDED: [&str; 2] = ["sync", "thread"];

/// Finds every way `source` reaches `std::sync`/`std::thread` (or their `core`/`alloc` twins) around
/// the facade. Source that does not tokenize is left to the compiler to report.
pub fn facade_violations(source: &str) -> Vec<Violation> {
    let Ok(tokens) = TokenStream::from_str(source) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    scan(tokens, &mut found);
    found.sort_by_key(|v| v.line);
    found.dedup();
    found
}

fn scan(tokens: TokenStream, found: &mut Vec<Violation>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => scan(group.stream(), found),
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                let line = ident.span().start().line;
                let mut report = |message: String| found.push(Violation { line, message });
                if name == "extern" && is_ident(tokens.get(i + 1), "crate") {
                    report("`extern crate` is not allowed in exercise files".to_owned());
                } else if name == "include" && is_punct(tokens.get(i + 1), '!') {
                    report(
                        "`include!` is not allowed in exercise files: write the code in this file".to_owned(),
                    );
                } else if name == "path" && i == 0 && is_punct(tokens.get(1), '=') {
                    report("`#[path = ...]` is not allowed in exercise files".to_owned());
                } else if ROOTS.contains(&name.as_str()) {
                    if let Some(message) = root_use(&name, &tokens[i + 1..]) {
                        report(message);
                    }
                }
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}

/// What follows `std` (or `core`, `alloc`): a path into a guarded module, a group or glob that could
/// bring one in, or a rename that would hide it.
fn root_use(root: &str, rest: &[TokenTree]) -> Option<String> {
    let facade_hint = "take it from `crate::sync` or `crate::thread` instead (the grader swaps them for \
                       checked versions: they are how it controls and watches your threads)";
    if is_ident(rest.first(), "as") {
        return Some(format!(
            "renaming `{root}` is not allowed in exercise files; {facade_hint}"
        ));
    }
    if !is_path_sep(rest) {
        return None;
    }
    match rest.get(2) {
        Some(TokenTree::Ident(module)) if GUARDED.contains(&module.to_string().as_str()) => {
            Some(format!("`{root}::{module}` is used directly; {facade_hint}"))
        }
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
            let names = idents(group.stream());
            names
                .iter()
                .find(|n| GUARDED.contains(&n.as_str()) || *n == "self")
                .map(|n| {
                    format!(
                        "`use {root}::{{.. {n} ..}}` reaches `{root}::sync`/`{root}::thread`; {facade_hint}"
                    )
                })
        }
        Some(TokenTree::Punct(p)) if p.as_char() == '*' => Some(format!(
            "`{root}::*` would bring in `{root}::sync` and `{root}::thread`; {facade_hint}"
        )),
        _ => None,
    }
}

fn idents(tokens: TokenStream) -> Vec<String> {
    let mut names = Vec::new();
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => names.push(ident.to_string()),
            TokenTree::Group(group) => names.extend(idents(group.stream())),
            _ => {}
        }
    }
    names
}

/// Every use of the identifier `name` in `source` (code only: comments and strings do not count), each
/// refused with `why`.
pub fn uses_of(source: &str, name: &str, why: &str) -> Vec<Violation> {
    fn walk(tokens: TokenStream, name: &str, why: &str, found: &mut Vec<Violation>) {
        for token in tokens {
            match token {
                TokenTree::Group(group) => walk(group.stream(), name, why, found),
                TokenTree::Ident(ident) if ident == name => found.push(Violation {
                    line: ident.span().start().line,
                    message: format!("`{name}` may not be used in this file: {why}"),
                }),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    if let Ok(tokens) = TokenStream::from_str(source) {
        walk(tokens, name, why, &mut found);
    }
    found
}

fn is_ident(token: Option<&TokenTree>, name: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(i)) if i == name)
}

fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

fn is_path_sep(rest: &[TokenTree]) -> bool {
    matches!((rest.first(), rest.get(1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(source: &str) -> Vec<usize> {
        facade_violations(source).into_iter().map(|v| v.line).collect()
    }

    #[test]
    fn the_facade_and_other_std_modules_are_fine() {
        let source = "use crate::sync::{Arc, Mutex};\nuse crate::thread;\nuse std::collections::HashMap;\n\
                      use std::fmt;\nfn f() { std::hint::spin_loop(); let s = \"std::sync::Mutex\"; }\n\
                      // std::thread::spawn in a comment\n";
        assert_eq!(lines(source), Vec::<usize>::new());
    }

    #[test]
    fn a_forbidden_name_is_found_in_code_only() {
        let source = "use crate::interp::CourseGil;\n// CourseGil in a comment\nfn f() { let s = \"CourseGil\"; g::<CourseGil>(); }\n";
        let found = uses_of(source, "CourseGil", "write your own");
        assert_eq!(found.iter().map(|v| v.line).collect::<Vec<_>>(), [1, 3]);
        assert!(
            found[0]
                .message
                .contains("`CourseGil` may not be used in this file: write your own")
        );
        assert!(uses_of("struct CourseGilLike;", "CourseGil", "x").is_empty());
    }

    #[test]
    fn every_route_to_std_sync_or_thread_is_refused() {
        let cases = [
            "use std::sync::Mutex;",
            "use ::std::sync::atomic::AtomicU64;",
            "fn f() { std::thread::spawn(|| ()); }",
            "use core::sync::atomic::AtomicU64;",
            "use alloc::sync::Arc;",
            "use std::{collections::HashMap, sync::Mutex};",
            "use std::{self as s};",
            "use std::*;",
            "use std as s;",
            "extern crate std as s;",
            "macro_rules! m { () => { std::sync::Mutex::new(0) } }",
            "include!(\"/etc/other.rs\");",
            "#[path = \"other.rs\"] mod other;",
        ];
        for case in cases {
            let found = lines(case);
            assert!(
                !found.is_empty() && found.iter().all(|&line| line == 1),
                "{case}: {found:?}"
            );
        }
    }

    #[test]
    fn violations_carry_their_line_and_the_way_out() {
        let found = facade_violations("use std::fmt;\n\nuse std::sync::Mutex;\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 3);
        assert!(
            found[0].message.contains("`std::sync` is used directly"),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("crate::sync"), "{}", found[0].message);
    }
}
