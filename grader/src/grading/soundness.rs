//! Shapes of safe code that break Rust's memory safety through a known compiler bug, found in a tier
//! file's tokens before it is built.
//!
//! `#![forbid(unsafe_code)]` keeps `unsafe` out of tier files, but safe Rust is only as sound as
//! rustc. rust-lang/rust#25860 (open since 2015, packaged as the `cve-rs` crate) stretches a
//! reference's lifetime to any other through a function whose signature names two lifetimes with a
//! bound between them that only the signature implies (`fn f<'a, 'b, T>(_: &'a &'b (), v: &'b T)
//! -> &'a T`, coerced to a function pointer), and from there builds a `transmute` in safe code: the
//! test process's memory (the verdict's key, the hidden tests' strings) is then the learner's to
//! read and write, under every sandbox. Every known form names two different lifetimes (`'static`
//! counts) in one function or one type definition; no exercise needs that, so such an item is
//! refused before building, with its line. A macro could assemble one out of sight: from lifetimes
//! written in its definition, or handed to it where it is called. So a `macro_rules!` whose
//! definition names a lifetime (or takes one, `$l:lifetime`) is refused, and so is a macro call
//! that hands over two different lifetimes; a macro with neither can produce at most the one
//! lifetime its caller gave it.
//!
//! rust-lang/rust#57893 (open since 2019) builds a `transmute` without naming any lifetime: a trait
//! with an associated type, a blanket impl of it for every type that may be unsized
//! (`impl<T: ?Sized, U> Object<U> for T`), and the trait object `dyn Object<B, Output = A>`, whose
//! built-in impl and the blanket one disagree on `Output`. The blanket impl needs a relaxed bound
//! (`?Sized`, or `?` before an alias of it), since a trait object is unsized, so an impl whose header
//! holds a `?` is refused; no exercise needs one. An impl header with a macro's `$` in it is refused
//! too: its pieces (a `?Sized` among them) could come from where the macro is called. An attack
//! pass forged passes with it after the lifetime rule was in.
//!
//! This raises the bar, it proves nothing: an unsoundness yet unknown would pass (SECURITY.md).

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::collections::BTreeSet;
use std::str::FromStr;

/// What a tier file may not do, for the refusal's message.
pub const WHY: &str = "refused before building: a function or type that names two different lifetimes \
                       (`'static` counts), or a macro that could assemble one (a definition naming a \
                       lifetime, a call handing over two), is how a known compiler bug \
                       (rust-lang/rust#25860) lets safe code read and write any memory, the grader's \
                       too, and an impl for types that may be unsized (`?Sized` in its header, or a \
                       macro's `$` there) is how another does (rust-lang/rust#57893); no exercise needs \
                       them (let the compiler infer lifetimes: `&T`, `'_`, one named lifetime at most)";

/// `source` as rustc reads it: a first line starting with `#!` that is not an inner attribute
/// (`#![..]`, comments and spaces allowed before the `[`) is a shebang, which rustc skips and the
/// tokenizer would choke on (an attack pass hid a whole file from both scans behind `#!/usr/bin/env "`).
/// The line is blanked, so line numbers stay.
pub fn without_shebang(source: &str) -> std::borrow::Cow<'_, str> {
    let Some(rest) = source.strip_prefix("#!") else {
        return source.into();
    };
    let mut after = rest.trim_start();
    loop {
        if let Some(line_comment) = after.strip_prefix("//") {
            after = line_comment.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(block) = after.strip_prefix("/*") {
            after = block.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    if after.starts_with('[') {
        return source.into();
    }
    let end = source.find('\n').unwrap_or(source.len());
    format!("{}{}", " ".repeat(end), &source[end..]).into()
}

/// Whether `source` (its shebang skipped) can be read as tokens at all. One that cannot is left to
/// the compiler, which should refuse it too; if the compiler builds it anyway, the grade refuses it
/// (`grade`), since neither scan could look at it.
pub fn tokenizes(source: &str) -> bool {
    TokenStream::from_str(&without_shebang(source)).is_ok()
}

/// Every refused item of `source`: (1-based line, what). Source that does not tokenize is left to the
/// compiler to report (see [`tokenizes`]).
pub fn refused_shapes(source: &str) -> Vec<(usize, String)> {
    refused_shapes_among(source, &[])
}

/// [`refused_shapes`] of `source` built into one crate with `others` (the other tier files its
/// library holds): a type or trait of theirs that names `'static` counts where `source` uses it.
pub fn refused_shapes_among(source: &str, others: &[&str]) -> Vec<(usize, String)> {
    let Ok(tokens) = TokenStream::from_str(&without_shebang(source)) else {
        return Vec::new();
    };
    let mut streams = vec![tokens.clone()];
    streams.extend(
        others
            .iter()
            .filter_map(|other| TokenStream::from_str(&without_shebang(other)).ok()),
    );
    let carrying = static_carrying_types(&streams);
    let mut found = Vec::new();
    // A stack of its own, not recursion: a tier file may nest deeper than a thread's stack.
    // Each group with the lifetimes of the impl or trait headers around it: a method's signature
    // and its impl's header together are one function's lifetimes (`impl<'a> S<'a> { fn f<'b> .. }`).
    let mut pending = vec![(tokens, BTreeSet::new())];
    while let Some((tokens, around)) = pending.pop() {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        // The body group of an impl or trait at this level, with what its header adds.
        let mut bodies: Vec<(usize, BTreeSet<String>)> = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    let name = name.strip_prefix("r#").unwrap_or(&name);
                    let line = ident.span().start().line;
                    if let Some(arguments) = macro_arguments(&tokens, i) {
                        // Every lifetime token counts here, labels and jumps too: in a macro's
                        // tokens `break 'a` or `'a: loop` may end up as a lifetime parameter (an
                        // attack pass handed `break 'a 'b` to a macro that built cve-rs with them).
                        let named = lifetimes(arguments, true);
                        let defines = name == "macro_rules";
                        let takes_one = defines && names_fragment(arguments, "lifetime");
                        if defines && (!named.is_empty() || takes_one) {
                            found.push((
                                line,
                                "`macro_rules!` defines a macro that names a lifetime".to_owned(),
                            ));
                        } else if !defines && named.len() > 1 {
                            found.push((line, format!("`{name}!` is handed {}", listed(&named))));
                        }
                    } else if name == "dyn"
                        && let Some(lifetime) = named_object_bound(&tokens[i + 1..])
                    {
                        // `dyn Any + 'b` implies `'b: 'static` (`Any: 'static`), and with it
                        // cve-rs needs no second named lifetime (an attack pass).
                        found.push((
                            line,
                            format!("a trait object bounded by '{lifetime}, a lifetime of its own"),
                        ));
                    } else if let Some(end) = item_end(&tokens, i, name) {
                        if name == "impl"
                            && let Some(mark) = relaxed_or_built(&tokens[i + 1..end])
                        {
                            let what = if mark == '?' {
                                "an `impl` for types that may be unsized (a `?` bound in its header)"
                            } else {
                                "an `impl` whose header a macro builds from pieces (`$` in it)"
                            };
                            found.push((line, what.to_owned()));
                        }
                        let mut named = lifetimes(&tokens[i..end], false);
                        named.extend(around.iter().cloned());
                        let what = match tokens.get(i + 1) {
                            Some(TokenTree::Ident(item)) => format!("`{name} {item}`"),
                            _ => format!("`{name}`"),
                        };
                        // A `'static` written in a type of the file's own counts where the type is
                        // used: an alias is expanded there, and a struct's bounds are implied by it.
                        let own_name = match tokens.get(i + 1) {
                            Some(TokenTree::Ident(item)) => Some(plain(item)),
                            _ => None,
                        };
                        let through = idents(&tokens[i..end])
                            .into_iter()
                            .find(|n| carrying.contains(n) && Some(n) != own_name.as_ref());
                        if named.len() > 1 {
                            let with = if around.is_empty() {
                                ""
                            } else {
                                " (with its impl or trait)"
                            };
                            found.push((line, format!("{what} names {}{with}", listed(&named))));
                        } else if let (Some(via), false) =
                            (&through, named.is_empty() || named.contains("static"))
                        {
                            named.insert("static".to_owned());
                            found.push((
                                line,
                                format!(
                                    "{what} names {} through `{via}`, whose definition names 'static",
                                    listed(&named)
                                ),
                            ));
                        }
                        if (name == "impl" || name == "trait")
                            && matches!(tokens.get(end), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace)
                        {
                            if through.is_some() {
                                named.insert("static".to_owned());
                            }
                            bodies.push((end, named));
                        }
                    }
                }
                TokenTree::Group(group) => {
                    let inside = bodies
                        .iter()
                        .find(|(at, _)| *at == i)
                        .map_or_else(|| around.clone(), |(_, header)| header.clone());
                    pending.push((group.stream(), inside));
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The names of the crate's own type aliases, structs, enums, unions and traits whose definition
/// names `'static`, or one of the others (at any depth: `mod`s and blocks included), and the names
/// they are imported as (`use Holder as H`). A trait counts by its supertraits and bounds
/// (`trait Bar: 'static`), which a trait object's lifetime must outlive.
fn static_carrying_types(streams: &[TokenStream]) -> BTreeSet<String> {
    // (name, whether it names 'static, the identifiers it uses)
    let mut definitions: Vec<(String, bool, BTreeSet<String>)> = Vec::new();
    let mut renames: Vec<(String, String)> = Vec::new();
    let mut pending: Vec<TokenStream> = streams.to_vec();
    while let Some(tokens) = pending.pop() {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Ident(keyword)
                    if ["type", "struct", "enum", "union", "trait"]
                        .contains(&keyword.to_string().as_str()) =>
                {
                    let (Some(TokenTree::Ident(name)), Some(end)) =
                        (tokens.get(i + 1), item_end(&tokens, i, &keyword.to_string()))
                    else {
                        continue;
                    };
                    // A trait's header (bounds, supertraits); a type's whole definition.
                    let body = &tokens[i..end];
                    definitions.push((
                        plain(name),
                        lifetimes(body, false).contains("static"),
                        idents(body),
                    ));
                }
                TokenTree::Ident(keyword) if keyword == "as" => {
                    if let (Some(TokenTree::Ident(from)), Some(TokenTree::Ident(to))) =
                        (i.checked_sub(1).and_then(|j| tokens.get(j)), tokens.get(i + 1))
                    {
                        renames.push((plain(from), plain(to)));
                    }
                }
                TokenTree::Group(group) => pending.push(group.stream()),
                _ => {}
            }
        }
    }
    for (from, to) in renames {
        definitions.push((to, false, BTreeSet::from([from])));
    }
    let mut carrying: BTreeSet<String> = definitions.iter().filter(|d| d.1).map(|d| d.0.clone()).collect();
    loop {
        let more: Vec<String> = definitions
            .iter()
            .filter(|(name, _, uses)| !carrying.contains(name) && uses.iter().any(|u| carrying.contains(u)))
            .map(|d| d.0.clone())
            .collect();
        if more.is_empty() {
            return carrying;
        }
        carrying.extend(more);
    }
}

/// An identifier's name as rustc resolves it: `r#Holder` is `Holder`.
fn plain(ident: &proc_macro2::Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
}

/// Whether the `>` at `at` is the head of `->`, not the end of a `<..>`.
fn arrow_head(tokens: &[TokenTree], at: usize) -> bool {
    at > 0
        && matches!(&tokens[at - 1], TokenTree::Punct(m) if m.as_char() == '-' && m.spacing() == Spacing::Joint)
}

/// The first named lifetime other than `'static` among a trait object's bounds: `tokens` follow
/// `dyn`, and the bounds end at a `,`, `;` or `=`, a `>` closing the type around them, or a block.
fn named_object_bound(tokens: &[TokenTree]) -> Option<String> {
    let mut angle = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Punct(p) if p.as_char() == '<' => angle += 1,
            TokenTree::Punct(p) if p.as_char() == '>' && !arrow_head(tokens, i) => {
                if angle == 0 {
                    return None;
                }
                angle -= 1;
            }
            TokenTree::Punct(p) if angle == 0 && [',', ';', '='].contains(&p.as_char()) => return None,
            TokenTree::Punct(p) if angle == 0 && p.as_char() == '\'' && p.spacing() == Spacing::Joint => {
                if let Some(TokenTree::Ident(name)) = tokens.get(i + 1) {
                    let name = plain(name);
                    if name != "static" && name != "_" {
                        return Some(name);
                    }
                }
            }
            TokenTree::Group(g) if angle == 0 && g.delimiter() == Delimiter::Brace => return None,
            _ => {}
        }
    }
    None
}

/// Every identifier in `tokens` (by the name rustc resolves), groups included.
fn idents(tokens: &[TokenTree]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending: Vec<Vec<TokenTree>> = vec![tokens.to_vec()];
    while let Some(tokens) = pending.pop() {
        for token in tokens {
            match token {
                TokenTree::Ident(ident) => {
                    found.insert(plain(&ident));
                }
                TokenTree::Group(group) => pending.push(group.stream().into_iter().collect()),
                _ => {}
            }
        }
    }
    found
}

/// `'a, 'b`.
fn listed(named: &BTreeSet<String>) -> String {
    named
        .iter()
        .map(|l| format!("'{l}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The tokens a macro call or definition at `at` (`name!(..)`, `name! {..}`, `macro_rules! m {..}`)
/// is given, its name and the `!` left out.
fn macro_arguments(tokens: &[TokenTree], at: usize) -> Option<&[TokenTree]> {
    let bang = matches!(tokens.get(at + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
    if !bang {
        return None;
    }
    let from = at + 2;
    let to = match tokens.get(from) {
        Some(TokenTree::Group(_)) => from + 1,
        // `macro_rules! name { .. }`
        Some(TokenTree::Ident(_)) if matches!(tokens.get(from + 1), Some(TokenTree::Group(_))) => from + 2,
        _ => return None,
    };
    Some(&tokens[from..to])
}

/// Whether a macro definition takes a fragment of `kind` (`$l:lifetime`), at any depth.
fn names_fragment(tokens: &[TokenTree], kind: &str) -> bool {
    let mut pending: Vec<Vec<TokenTree>> = vec![tokens.to_vec()];
    while let Some(tokens) = pending.pop() {
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => pending.push(group.stream().into_iter().collect()),
                TokenTree::Punct(p) if p.as_char() == ':' => {
                    let dollar =
                        i >= 2 && matches!(&tokens[i - 2], TokenTree::Punct(d) if d.as_char() == '$');
                    if dollar && matches!(tokens.get(i + 1), Some(TokenTree::Ident(k)) if k == kind) {
                        return true;
                    }
                }
                _ => {}
            }
        }
    }
    false
}

/// Where the item that keyword `name` at `at` starts ends (exclusive), if it starts one: a function
/// with its body, a struct, enum or union with its fields, a type alias, static or const to its `;`,
/// an impl or trait header up to its body (whose functions are items of their own).
fn item_end(tokens: &[TokenTree], at: usize, name: &str) -> Option<usize> {
    // `fn name`, or `fn $name` in a macro's definition.
    let names_something = matches!(tokens.get(at + 1), Some(TokenTree::Ident(_)))
        || matches!(tokens.get(at + 1), Some(TokenTree::Punct(p)) if p.as_char() == '$');
    let with_body = match name {
        // `fn(..)` is a pointer type inside another item, `const fn` a function, `const { .. }` a block.
        "fn" | "struct" | "enum" | "union" | "type" | "static" | "const" if names_something => {
            if name == "const" && matches!(&tokens[at + 1], TokenTree::Ident(i) if i == "fn" || i == "unsafe")
            {
                return None;
            }
            true
        }
        "impl" | "trait" => false,
        _ => return None,
    };
    // Inside `<..>` a brace group is a const argument (`Always<{ usize::MIN }>`), not the body: an
    // attack pass hid a `?Sized` and a second lifetime after one. `<` and `>` are not groups, so
    // their depth is counted (the `>` of `->` aside).
    let mut angle = 0usize;
    let rest = tokens.iter().enumerate().skip(at + 1);
    for (i, token) in rest {
        match token {
            TokenTree::Punct(p) if p.as_char() == '<' => angle += 1,
            TokenTree::Punct(p) if p.as_char() == '>' && !arrow_head(tokens, i) => {
                angle = angle.saturating_sub(1);
            }
            TokenTree::Punct(p) if p.as_char() == ';' && angle == 0 => return Some(i + 1),
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && angle == 0 => {
                return Some(if with_body { i + 1 } else { i });
            }
            _ => {}
        }
    }
    Some(tokens.len())
}

/// The first `?` (a relaxed bound: in an impl header nothing else) or `$` (a macro's fragment) in
/// `tokens`, groups included.
fn relaxed_or_built(tokens: &[TokenTree]) -> Option<char> {
    let mut pending: Vec<Vec<TokenTree>> = vec![tokens.to_vec()];
    while let Some(tokens) = pending.pop() {
        for token in tokens {
            match token {
                TokenTree::Group(group) => pending.push(group.stream().into_iter().collect()),
                TokenTree::Punct(p) if p.as_char() == '?' || p.as_char() == '$' => {
                    return Some(p.as_char());
                }
                _ => {}
            }
        }
    }
    None
}

/// The distinct lifetimes `tokens` name, groups included: not `'_` (each one a lifetime of its own,
/// which no bound can tie to another) and, unless `labels_too`, not loop labels (`'outer: loop`,
/// `break 'outer`).
fn lifetimes(tokens: &[TokenTree], labels_too: bool) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let mut pending: Vec<Vec<TokenTree>> = vec![tokens.to_vec()];
    while let Some(tokens) = pending.pop() {
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => pending.push(group.stream().into_iter().collect()),
                TokenTree::Punct(p) if p.as_char() == '\'' && p.spacing() == Spacing::Joint => {
                    let Some(TokenTree::Ident(name)) = tokens.get(i + 1) else {
                        continue;
                    };
                    let name = name.to_string();
                    let after_jump = i > 0
                        && matches!(&tokens[i - 1], TokenTree::Ident(k) if k == "break" || k == "continue");
                    let labels_a_loop = matches!(tokens.get(i + 2), Some(TokenTree::Punct(c)) if c.as_char() == ':')
                        && match tokens.get(i + 3) {
                            Some(TokenTree::Ident(k)) => {
                                ["loop", "while", "for"].contains(&k.to_string().as_str())
                            }
                            Some(TokenTree::Group(g)) => g.delimiter() == Delimiter::Brace,
                            _ => false,
                        };
                    if name != "_" && (labels_too || !after_jump && !labels_a_loop) {
                        named.insert(name);
                    }
                }
                _ => {}
            }
        }
    }
    named
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(source: &str) -> Vec<usize> {
        refused_shapes(source).into_iter().map(|(line, _)| line).collect()
    }

    #[test]
    fn the_known_forms_of_the_lifetime_hole_are_refused() {
        for source in [
            // cve-rs's translator, and its caller.
            "fn translate<'a, 'b, T: ?Sized>(_: &'a &'b (), v: &'b T) -> &'a T { v }",
            "pub fn expand<'a, 'b, T>(x: &'a T) -> &'b T { let f: fn(_, &'a T) -> &'b T = g; f(&&(), x) }",
            // One named lifetime and 'static.
            "fn translate<'b, T>(_: &'static &'b (), v: &'b T) -> &'static T { v }",
            // The implied bound through a type with a lifetime parameter.
            "fn translate<'a, 'b, T>(_: Option<MutexGuard<'a, &'b ()>>, v: &'b T) -> &'a T { v }",
            // Through a type of one's own.
            "struct Both<'a, 'b>(&'a &'b ());",
            "struct Both<'a> { inner: &'a &'static () }",
            "type Both<'a, 'b> = &'a &'b ();",
            "impl<'a, 'b> Trait for Both<'a, 'b> {}",
            "trait Stretch<'a, 'b> {}",
            "enum E<'a, 'b> { V(&'a &'b ()) }",
            "static S: Option<&'static fn(&'a ())> = None;",
            // A method, inside an impl whose header is fine.
            "impl S {\n    fn f<'a, 'b>(&self, _: &'a &'b ()) {}\n}",
            "const fn translate<'a, 'b>(_: &'a &'b ()) {}",
            // A macro could build any of these out of parts: from lifetimes of its own, or given.
            "macro_rules! m { ($a:lifetime) => {} }",
            "macro_rules! m { ($t:ident) => { fn $t<T>(_: &'static &T) {} } }",
            "macro_rules! m { ($($t:tt)*) => {} }\nm!('a 'b);",
            "m! { 'a, 'static }",
            "macro_rules! m { () => { fn f<'a, 'b>() {} } }",
            // Labels and jumps handed to a macro are lifetimes to it.
            "macro_rules! m { (break $a:tt $b:tt) => {} }\nm!(break 'a 'b);",
            "m!('a: loop { break 'b; });",
            "macro_rules! m { () => { 'a: loop { break 'a; } } }",
            // A const argument's block does not end the signature.
            "fn translate<'b, T: Always<{ usize::MIN }>>(_: &'static &'b (), v: &'b T) -> &'static T { v }",
            "struct Both<T: Always<{ 1 }>, 'b>(&'static &'b T);",
            // 'static written in a type of the file's own, where a function with one lifetime
            // uses it (an attack pass: an alias is expanded, a struct's bounds are implied).
            "type Shared<T> = &'static T;\nfn translate<'b, T>(_: Shared<&'b ()>, v: &'b T) -> &'b T { v }",
            "pub struct Holder<T: 'static>(&'static T);\nfn translate<'b, T>(_: &Holder<&'b ()>, v: &'b T) {}",
            "type Shared<T> = &'static T;\ntype Again<T> = Shared<T>;\nfn f<'b>(_: Again<&'b ()>) {}",
            // A method's lifetime and its impl's (or trait's) together.
            "impl<'a> S<'a> {\n    fn translate<'b, T>(_: &'a &'b (), v: &'b T) -> &'a T { v }\n}",
            "impl<'a> S<'a> {\n    fn translate<'b, T>(x: Wrap<'b, T>) -> Self { todo!() }\n}",
            "impl<T: 'static> S<T> {\n    fn f<'b>(_: &'b T) {}\n}",
            "trait Tr<'a> {\n    fn f<'b>(_: &'b ()) {}\n}",
            // A trait object bounded by a lifetime of its own: `Any: 'static` implies it outlives
            // 'static (an attack pass), and so does a trait of the file's own.
            "impl Unit {\n    fn translate<'b, T>(&self, _: Option<&(dyn Any + 'b)>, v: &'b mut T) -> &mut T { v }\n}",
            "type A<'x> = dyn std::any::Any + Send + 'x;",
            "trait Bar: 'static {}\nfn translate<'b, T>(_: &Wrap<dyn Bar>, v: &'b T) {}",
            // Renamed, or with a raw name.
            "pub struct Holder<T: 'static>(&'static T);\nuse Holder as H;\nfn f<'b>(_: &H<&'b ()>) {}",
            "pub struct r#Holder<T: 'static>(&'static T);\nfn f<'b>(_: &Holder<&'b ()>) {}",
            // Behind a shebang line, which rustc skips.
            "#!/usr/bin/env \"\nfn translate<'a, 'b, T>(_: &'a &'b (), v: &'b T) -> &'a T { v }",
        ] {
            assert!(!lines(source).is_empty(), "{source}");
        }
        assert_eq!(
            lines("impl S {\n    fn f<'a, 'b>(&self, _: &'a &'b ()) {}\n}"),
            [2]
        );
        assert_eq!(lines("#!/usr/bin/env \"\nfn f<'a, 'b>() {}"), [2]);
    }

    #[test]
    fn a_static_carrying_type_of_another_tier_file_counts() {
        let user = "use crate::intermediate::{Forever, Holder};\nfn translate<'b, T>(_: &Holder<&'b ()>, v: &'b mut T) -> Forever<T> { Forever(v) }";
        let other =
            "pub struct Holder<T: 'static>(&'static T);\npub struct Forever<T: 'static>(pub &'static mut T);";
        assert!(refused_shapes(user).is_empty());
        assert_eq!(
            refused_shapes_among(user, &[other])
                .into_iter()
                .map(|(line, _)| line)
                .collect::<Vec<_>>(),
            [2]
        );
    }

    #[test]
    fn trait_objects_bounded_by_static_or_nothing_are_left_alone() {
        let source = "type Job = Box<dyn FnOnce() + Send + 'static>;\n\
                      fn f(p: Box<dyn std::any::Any + Send>) -> Option<&'static str> { p.downcast_ref::<&'static str>().copied() }\n\
                      fn g(_: &mut dyn Iterator<Item = u8>, _: &dyn Fn(&str) -> String) {}\n\
                      fn h(x: Vec<Box<dyn Fn() + Send + '_>>) {}\n";
        assert_eq!(refused_shapes(source), Vec::new());
    }

    #[test]
    fn a_shebang_is_skipped_as_rustc_skips_it() {
        assert_eq!(
            without_shebang("#!/bin/x \"\nfn f() {}"),
            format!("{}\nfn f() {{}}", " ".repeat(10))
        );
        for attribute in [
            "#![allow(dead_code)]\n",
            "#! [x]",
            "#!// c\n[x]",
            "#!/* c */[x]",
            "fn f() {}",
        ] {
            assert_eq!(without_shebang(attribute), attribute);
        }
        assert!(tokenizes("#!/usr/bin/env \"\nfn f() {}"));
        assert!(!tokenizes("fn f() { \"unclosed }"));
    }

    #[test]
    fn the_known_forms_of_the_trait_object_hole_are_refused() {
        for source in [
            // rust-lang/rust#57893 as an attack pass wrote it.
            "trait Object<U> { type Output; }\nimpl<T: ?Sized, U> Object<U> for T { type Output = U; }",
            "impl<T, U> Object<U> for T where T: ?Sized { type Output = U; }",
            // An alias of `Sized` relaxes the bound as well.
            "use std::marker::Sized as S;\nimpl<T: ?S, U> Object<U> for T { type Output = U; }",
            "impl<T: ?std::marker::Sized> Object for T {}",
            // Inside a module, or handed to a macro whole.
            "mod m { impl<T: ?Sized> super::Object for T {} }",
            "m! { impl<T: ?Sized> Object for T {} }",
            // A macro that builds the header out of what its caller hands it.
            "macro_rules! m { ($($h:tt)*) => { impl $($h)* { type Output = U; } } }",
            "macro_rules! m { ($t:ident) => { impl<$t: ?Sized> Object for $t {} } }",
            // A const argument's block does not end the header.
            "impl<T, U> Object<U> for T where (): Always<{ usize::MIN }>, T: ?Sized { type Output = U; }",
            "impl<T: Always<{ 1 }> + ?Sized, U> Object<U> for T {}",
        ] {
            assert!(!lines(source).is_empty(), "{source}");
        }
        assert_eq!(
            lines(
                "trait Object<U> { type Output; }\nimpl<T: ?Sized, U> Object<U> for T {\n    type Output = U;\n}"
            ),
            [2]
        );
    }

    #[test]
    fn impls_and_question_marks_elsewhere_are_left_alone() {
        let source = "impl<T: Send + 'static> Pool<T> { fn get(&self) -> Result<T, E> { let v = self.try_get()?; Ok(v) } }\n\
                      impl<F> Job for F where F: FnOnce() -> Option<u8> + Send {}\n\
                      impl Drop for Guard { fn drop(&mut self) { let _ = self.flush(); } }\n\
                      fn relax<T: ?Sized>(x: &T) -> &T { x }\n\
                      macro_rules! make { ($name:ident) => { fn $name() -> std::io::Result<u8> { Ok(read()?) } } }\n";
        assert_eq!(refused_shapes(source), Vec::new());
    }

    #[test]
    fn code_with_one_lifetime_labels_or_none_is_left_alone() {
        let source = "use std::sync::{Mutex, MutexGuard, LockResult};\n\
                      struct Counting<'a> { progress: &'a Progress }\n\
                      impl<'a> Counting<'a> { fn new(progress: &'a Progress) -> Self { Counting { progress } } }\n\
                      pub fn lock<'a, T>(&self, mutex: &'a Mutex<T>) -> LockResult<MutexGuard<'a, T>> { mutex.lock() }\n\
                      fn f(x: &str, y: &'_ str) -> &'static str { 'outer: loop { for _ in 0..1 { break 'outer; } } \"s\" }\n\
                      fn g() { 'block: { break 'block; } let c = 'x'; let s: &'static str = \"\"; }\n\
                      const NAME: &'static str = \"x\";\n\
                      const fn h() -> usize { 1 }\n\
                      fn scoped() { std::thread::scope(|s| { s.spawn(|| 1); }); }\n\
                      type Job = Box<dyn FnOnce() + Send + 'static>;\n\
                      macro_rules! panic { ($($t:tt)*) => {{}} }\n\
                      macro_rules! make { ($name:ident, $root:ident) => { fn $name() -> u64 { $root::u64::MAX } } }\n\
                      make!(big, std); thread_local! { static X: std::cell::Cell<&'static str> = const { std::cell::Cell::new(\"\") }; }\n";
        assert_eq!(refused_shapes(source), Vec::new());
    }

    /// No reference, starter or bug-bank entry of the course is refused (their pinned scores assume
    /// they build). A student copy has the starters only.
    #[test]
    fn no_tier_file_of_the_course_is_refused() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let course_repository = root.join("bugbanks").is_dir();
        let mut pending = vec![
            root.join("solutions"),
            root.join("lessons"),
            root.join("bugbanks"),
        ];
        let mut scanned = 0;
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if path.is_dir() && name != "target" {
                    pending.push(path);
                } else if ["beginner.rs", "intermediate.rs", "advanced.rs"].contains(&name.as_str()) {
                    let text = std::fs::read_to_string(&path).unwrap();
                    assert_eq!(refused_shapes(&text), Vec::new(), "{}", path.display());
                    scanned += 1;
                }
            }
        }
        let least = if course_repository { 400 } else { 3 };
        assert!(scanned >= least, "only {scanned} tier files found");
    }

    #[test]
    fn a_file_nested_deeper_than_a_stack_is_scanned_without_crashing() {
        let depth = 100_000;
        let source = format!(
            "fn f<'a, 'b>() {{ {}(){} }}",
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
}
