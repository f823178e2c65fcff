//! Files a tier file would read while it compiles, found in its tokens before it is built.
//!
//! The compile sandbox (`compile_sandbox.rs`) stops such reads where the kernel has Landlock, and
//! clippy refuses `include!` and kin however they are named; but without Landlock the read happens
//! before clippy looks, and `#[path]` is no macro at all. The names that read files cannot be made
//! by a macro (`macro_rules!` cannot build an identifier), so every way to read one has the word in
//! the file: `include`, `include_str`, `include_bytes` (called, imported or renamed),
//! `debugger_visualizer`, and `path = …` inside an attribute (`#[path]`, `#[cfg_attr(.., path = ..)]`).
//! An attribute can also be built by a macro from pieces its caller hands it (`#[$m] mod solution;`
//! with `m!(path = "…")`: an attack pass read the reference that way without Landlock), and
//! `#[path]` does something only on a `mod`, so a `mod` in a macro's definition or call is refused
//! too.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::str::FromStr;

/// The macros and attribute that read a file at compile time.
const READERS: [&str; 4] = ["include", "include_str", "include_bytes", "debugger_visualizer"];

/// Every place `source` would read a file while compiling: (1-based line, what). Source that does
/// not tokenize is left to the compiler to report.
pub fn compile_time_reads(source: &str) -> Vec<(usize, String)> {
    let Ok(tokens) = TokenStream::from_str(&crate::soundness::without_shebang(source)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    scan(tokens, &mut found);
    found.sort();
    found.dedup();
    found
}

/// Walks the groups with a stack of its own, not by recursion: a tier file may be 256 KiB of nested
/// brackets, deeper than any thread's stack (rustc refuses it later, with a message; the grader
/// must not crash first).
fn scan(tokens: TokenStream, found: &mut Vec<(usize, String)>) {
    // Each group with whether it lies in an attribute, and in a macro's definition or call.
    let mut pending = vec![(tokens, false, false)];
    while let Some((tokens, in_attribute, in_macro)) = pending.pop() {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    let name = name.strip_prefix("r#").unwrap_or(&name);
                    let line = ident.span().start().line;
                    if READERS.contains(&name) {
                        found.push((line, format!("`{name}` reads a file while the code compiles")));
                    } else if in_attribute
                        && name == "path"
                        && matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=')
                    {
                        found.push((line, "`path = …` makes a module of another file".to_owned()));
                    } else if in_macro && *ident == "mod" {
                        found.push((
                            line,
                            "`mod` in a macro: the macro could give it a `#[path]` out of sight".to_owned(),
                        ));
                    }
                }
                TokenTree::Group(group) => {
                    // `#[...]` or `#![...]`: an attribute.
                    let attribute = group.delimiter() == Delimiter::Bracket
                        && tokens[..i]
                            .iter()
                            .rev()
                            .take(2)
                            .any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '#'));
                    // `name!(..)`, `macro_rules! name {..}`; not `#![..]`.
                    let bang =
                        |at: usize| matches!(tokens.get(at), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    let hash =
                        |at: usize| matches!(tokens.get(at), Some(TokenTree::Punct(p)) if p.as_char() == '#');
                    let macro_group = i >= 1 && bang(i - 1) && !(i >= 2 && hash(i - 2))
                        || i >= 2 && bang(i - 2) && matches!(tokens[i - 1], TokenTree::Ident(_));
                    pending.push((group.stream(), in_attribute || attribute, in_macro || macro_group));
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(source: &str) -> Vec<usize> {
        compile_time_reads(source)
            .into_iter()
            .map(|(line, _)| line)
            .collect()
    }

    #[test]
    fn every_way_to_read_a_file_is_found() {
        for source in [
            "const S: &str = include_str!(\"/etc/passwd\");",
            "const S: &[u8] = core::include_bytes!(\"x\");",
            "use std::include_str as inc;",
            "include!(\"other.rs\");",
            "#[path = \"/x/solution.rs\"] mod m;",
            "#[cfg_attr(all(), path = \"/x/solution.rs\")] mod m;",
            "#![doc = include_str!(\"x\")]",
            "#![debugger_visualizer(gdb_script_file = \"x\")]",
            "macro_rules! m { ($i:ident) => { $i!(\"x\") } } m!(include_str);",
            // A module a macro declares could get its `#[path]` from the caller.
            "macro_rules! solution { ($m:meta) => { #[$m] mod solution; }; }",
            "m! { #[cfg(all())] mod solution; }",
        ] {
            assert_eq!(lines(source), [1], "{source}");
        }
    }

    #[test]
    fn a_file_nested_deeper_than_a_stack_is_scanned_without_crashing() {
        // 100 000 levels in 200 KB, under the 256 KiB a tier file may have; on a thread with a small
        // stack, as a batch's grading threads have.
        let depth = 100_000;
        let source = format!(
            "fn f() {{ {}include_str!(\"x\"){} }}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let found = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || lines(&source))
            .unwrap()
            .join()
            .expect("scanning a deeply nested file overflowed the stack");
        assert_eq!(found, [1]);
    }

    #[test]
    fn ordinary_code_is_left_alone() {
        let source = "use std::path::Path;\nfn f() { let path = Path::new(\"a\"); let included = 1; }\n\
                      // include_str!(\"in a comment\")\nconst S: &str = \"include_str!\";\n\
                      #[derive(Debug)] struct Paths { path: String }\n\
                      #![allow(dead_code)]\nmod inner { fn g() { assert!(!(1 > 2)); } }\n\
                      macro_rules! make { ($name:ident) => { fn $name() {} } }\n";
        assert_eq!(lines(source), Vec::<usize>::new());
    }
}
