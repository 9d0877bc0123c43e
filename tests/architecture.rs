//! The layers of `src/`: which top-level module may use which.
//!
//! `domain` ← `store`/`registry`/`esia` ← `visits` (the booking and sync rules, nothing of Telegram) ← `bot` ←
//! `http`/`workers` ← `app` ← `main`; `config` is a leaf with only
//! `domain` below it, and `i18n`, `web`, `calendar` and `telemetry` are leaves too. A module may use a module of
//! a lower layer, or of its own layer as long as no cycle forms; there is no import cycle among the top-level
//! modules at all.
//!
//! The check reads every file under `src/` (comments and string literals left out) and collects what each
//! top-level module refers to: `crate::x` paths (also inside `crate::{…}` groups), `super::` chains that reach
//! the crate root, exported macros (`crate::t!` is `i18n`'s), and `kvrachu_bot::x` in `main.rs`. Only the
//! top level is checked: how the submodules of one module use each other is that module's business.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest layer first. A module may use the modules of the layers before its own, and those of its own
/// layer unless that makes a cycle.
const LAYERS: &[&[&str]] = &[
    &["domain", "i18n", "calendar", "telemetry"],
    &["config", "web"],
    &["store", "registry", "esia"],
    &["visits"],
    &["bot"],
    &["http", "workers"],
    &["app"],
    &["main"],
];

/// The leaves, and exactly what each of them may use.
const LEAVES: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("i18n", &[]),
    ("calendar", &[]),
    ("telemetry", &[]),
    ("config", &["domain"]),
    ("web", &["i18n"]),
];

/// Edges that break the rule and are known: (from, to), each with a comment saying which issue removes it.
/// None are left; an entry here that no longer exists in the code fails `known_exceptions_still_exist`.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

#[test]
fn every_top_level_module_has_its_place_in_the_layers() {
    let declared: BTreeSet<String> = top_level_modules()
        .into_iter()
        .chain(["main".to_owned()])
        .collect();
    let placed: BTreeSet<String> = LAYERS
        .iter()
        .flat_map(|l| l.iter())
        .map(|m| m.to_string())
        .collect();
    assert_eq!(
        declared, placed,
        "every module declared in src/lib.rs (and main) must appear exactly once in LAYERS"
    );
    let count: usize = LAYERS.iter().map(|l| l.len()).sum();
    assert_eq!(count, placed.len(), "a module appears in two layers");
}

#[test]
fn layers_only_point_down() {
    let graph = graph();
    let mut violations = Vec::new();
    for ((from, to), at) in &graph {
        if KNOWN_EXCEPTIONS.contains(&(from.as_str(), to.as_str())) {
            continue;
        }
        let allowed = match LEAVES.iter().find(|(leaf, _)| leaf == from) {
            Some((_, may_use)) => may_use.contains(&to.as_str()),
            None => layer_of(to) <= layer_of(from),
        };
        if !allowed {
            violations.push(format!("{from} → {to} ({at})"));
        }
    }
    assert!(
        violations.is_empty(),
        "modules that use a module above them (or a leaf that uses more than it may):\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_import_cycle_among_top_level_modules() {
    let graph = graph();
    let mut next: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in graph.keys() {
        if !KNOWN_EXCEPTIONS.contains(&(from.as_str(), to.as_str())) {
            next.entry(from.clone()).or_default().insert(to.clone());
        }
    }
    if let Some(cycle) = find_cycle(&next) {
        panic!("an import cycle:\n{}", cycle_report(&cycle, &graph));
    }
}

#[test]
fn known_exceptions_still_exist() {
    let graph = graph();
    for (from, to) in KNOWN_EXCEPTIONS {
        assert!(
            graph.contains_key(&(from.to_string(), to.to_string())),
            "{from} → {to} is gone: remove it from KNOWN_EXCEPTIONS"
        );
    }
}

#[test]
fn the_reader_finds_paths_groups_super_chains_and_macros_and_skips_comments_and_strings() {
    let modules: BTreeSet<String> = ["a", "b", "c", "d", "e", "f", "g"].map(String::from).into();
    let macros = BTreeMap::from([("m".to_owned(), "g".to_owned())]);
    let source = r##"
        //! See [`crate::z`].
        use crate::a::Thing;
        use crate::{b::{self, X}, c};
        pub(crate) fn f() -> crate::d::T { let s = "crate::z"; let r = r#"crate::z"#; let c = '"'; todo!() }
        /* crate::z /* nested crate::z */ */
        fn lifetimes<'x>(v: &'x str) -> &'x str { super::super::e::f(); crate::m!(v) }
        mod inner { use super::super::super::f::G; use super::sibling; }
    "##;
    // A file two levels down (`src/x/y.rs`): `super::super` is the crate root, `super` alone is `x`.
    let refs: BTreeSet<String> = references(source, 2, &modules, &macros)
        .into_iter()
        .map(|(module, _line)| module)
        .collect();
    let expected: BTreeSet<String> = ["a", "b", "c", "d", "e", "f", "g"].map(String::from).into();
    assert_eq!(refs, expected);
    // `super::sibling` from a file at the top: the crate root, whose `sibling` is no module.
    let unknown =
        std::panic::catch_unwind(|| references("use super::sibling;", 1, &modules, &macros));
    assert!(
        unknown.is_err(),
        "a crate path naming no module is reported"
    );
}

// ---------------------------------------------------------------------------------------------------------

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("{module} has no place in LAYERS"))
}

/// What `src/lib.rs` declares.
fn top_level_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let tokens = lex(&lib);
    tokens
        .windows(3)
        .filter_map(|w| match (&w[0].0, &w[1].0, &w[2].0) {
            (Tok::Ident(m), Tok::Ident(name), Tok::Other(';')) if m == "mod" => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// Every file of `src/` with its module path (`src/bot/mod.rs` → `["bot"]`, `src/bot/start.rs` →
/// `["bot", "start"]`), `main.rs` as `["main"]`; `lib.rs` only declares modules and is left out.
fn source_files() -> Vec<(Vec<String>, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|path| path != &src().join("lib.rs"))
        .map(|path| {
            let relative = path.strip_prefix(src()).unwrap().with_extension("");
            let mut segments: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if segments.last().is_some_and(|s| s == "mod") {
                segments.pop();
            }
            (segments, path)
        })
        .collect()
}

/// `#[macro_export]` macros: name → the top-level module that defines them.
fn exported_macros(files: &[(Vec<String>, PathBuf, String)]) -> BTreeMap<String, String> {
    let mut macros = BTreeMap::new();
    for (module, _, text) in files {
        let mut exported = false;
        for w in lex(text).windows(3) {
            match (&w[0].0, &w[1].0, &w[2].0) {
                (Tok::Ident(a), _, _) if a == "macro_export" => exported = true,
                (Tok::Ident(a), Tok::Other('!'), Tok::Ident(name)) if a == "macro_rules" => {
                    if exported {
                        macros.insert(name.clone(), module[0].clone());
                    }
                    exported = false;
                }
                _ => {}
            }
        }
    }
    macros
}

/// (from, to) → where it is first seen, among top-level modules.
fn graph() -> BTreeMap<(String, String), String> {
    let modules = top_level_modules();
    let files: Vec<(Vec<String>, PathBuf, String)> = source_files()
        .into_iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(&path).unwrap();
            (module, path, text)
        })
        .collect();
    let macros = exported_macros(&files);
    let mut edges = BTreeMap::new();
    for (module, path, text) in &files {
        let from = &module[0];
        for (to, line) in references(text, module.len(), &modules, &macros) {
            if &to != from {
                let at = format!(
                    "{}:{line}",
                    path.strip_prefix(src().parent().unwrap())
                        .unwrap()
                        .display()
                );
                edges.entry((from.clone(), to)).or_insert(at);
            }
        }
    }
    edges
}

/// The top-level modules a file refers to, with the line of each reference. `depth` is how deep the
/// file's module is (`src/bot/mod.rs`: 1, `src/bot/start.rs`: 2); in `main.rs` the library is
/// `kvrachu_bot`.
fn references(
    text: &str,
    depth: usize,
    modules: &BTreeSet<String>,
    macros: &BTreeMap<String, String>,
) -> Vec<(String, usize)> {
    let tokens = lex(text);
    let resolve = |name: &str, line: usize| -> String {
        if modules.contains(name) {
            name.to_owned()
        } else if let Some(owner) = macros.get(name) {
            owner.clone()
        } else {
            panic!("line {line}: a crate path names `{name}`, neither a top-level module nor an exported macro")
        }
    };
    let ident = |i: usize| match tokens.get(i) {
        Some((Tok::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let is = |i: usize, t: &Tok| tokens.get(i).map(|(tok, _)| tok) == Some(t);
    let mut out = Vec::new();
    // Inline `mod name { … }` blocks: each is one level deeper for `super`.
    let mut inline: Vec<usize> = Vec::new();
    let mut braces = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let line = tokens[i].1;
        match &tokens[i].0 {
            Tok::Other('{') => braces += 1,
            Tok::Other('}') => {
                if inline.last() == Some(&braces) {
                    inline.pop();
                }
                braces = braces.saturating_sub(1);
            }
            Tok::Ident(m)
                if m == "mod" && ident(i + 1).is_some() && is(i + 2, &Tok::Other('{')) =>
            {
                inline.push(braces + 1);
            }
            _ => {}
        }
        let after_path = i > 0 && is(i - 1, &Tok::Path);
        let root = match ident(i) {
            Some("crate") | Some("kvrachu_bot") if is(i + 1, &Tok::Path) => Some(i + 2),
            Some("super") if !after_path && is(i + 1, &Tok::Path) => {
                let mut j = i;
                let mut supers = 0;
                while ident(j) == Some("super") && is(j + 1, &Tok::Path) {
                    supers += 1;
                    j += 2;
                }
                let level = depth + inline.len();
                (supers >= level).then_some(j)
            }
            _ => None,
        };
        if let Some(start) = root {
            match tokens.get(start).map(|t| &t.0) {
                Some(Tok::Ident(name)) => out.push((resolve(name, line), line)),
                Some(Tok::Other('{')) => {
                    // `{a::b, c, d::{e, f}}`: the first segment of each item at the group's own level.
                    for j in group_items(&tokens, start) {
                        if let Tok::Ident(name) = &tokens[j].0 {
                            if name != "self" {
                                out.push((resolve(name, tokens[j].1), tokens[j].1));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    out
}

/// No cycle among the files of `src/` either: every file (a module) is a node, and every `crate::…`,
/// `super::…` or `self::…` path in it (test modules left out) is an edge to the deepest module the path
/// names. A journey of `bot/` may use another journey's leaves (`cb`, `state`) but never a module that uses
/// it back; the shell, the renderer and the router sit above every journey.
#[test]
fn no_import_cycle_among_files() {
    let files: Vec<(Vec<String>, PathBuf)> = source_files();
    let known: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut next: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut at: BTreeMap<(String, String), String> = BTreeMap::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let from = module.join("::");
        for (target, line) in file_references(&text, module, &known) {
            let to = target.join("::");
            if to != from {
                next.entry(from.clone()).or_default().insert(to.clone());
                let shown = path
                    .strip_prefix(src().parent().unwrap())
                    .unwrap()
                    .display();
                at.entry((from.clone(), to))
                    .or_insert(format!("{shown}:{line}"));
            }
        }
    }
    if let Some(cycle) = find_cycle(&next) {
        panic!(
            "an import cycle among files:\n{}",
            cycle_report(&cycle, &at)
        );
    }
}

/// The modules a file's paths name (the deepest known prefix of each), with the line of each.
fn file_references(
    text: &str,
    module: &[String],
    known: &BTreeSet<Vec<String>>,
) -> Vec<(Vec<String>, usize)> {
    let tokens = lex(text);
    let ident = |i: usize| match tokens.get(i) {
        Some((Tok::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let is = |i: usize, t: &Tok| tokens.get(i).map(|(tok, _)| tok) == Some(t);
    let deepest = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| known.contains(p))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // `mod tests { … }` is left out whole.
        if ident(i) == Some("mod") && ident(i + 1) == Some("tests") && is(i + 2, &Tok::Other('{')) {
            let mut level = 0;
            let mut j = i + 2;
            while j < tokens.len() {
                match tokens[j].0 {
                    Tok::Other('{') => level += 1,
                    Tok::Other('}') => {
                        level -= 1;
                        if level == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
            continue;
        }
        let after_path = i > 0 && is(i - 1, &Tok::Path);
        // `pub(in crate::x)` is a visibility, not a use.
        let visibility = i > 0 && ident(i - 1) == Some("in");
        let mut base: Option<(Vec<String>, usize)> = None;
        if !after_path && !visibility && is(i + 1, &Tok::Path) {
            match ident(i) {
                Some("crate") => base = Some((Vec::new(), i + 2)),
                Some("self") => base = Some((module.to_vec(), i + 2)),
                Some("super") => {
                    let mut j = i;
                    let mut up = module.to_vec();
                    while ident(j) == Some("super") && is(j + 1, &Tok::Path) {
                        up.pop();
                        j += 2;
                    }
                    base = Some((up, j));
                }
                _ => {}
            }
        }
        if let Some((prefix, start)) = base {
            let line = tokens[i].1;
            let mut paths = Vec::new();
            collect_paths(&tokens, start, prefix, &mut paths);
            for path in paths {
                if let Some(target) = deepest(&path) {
                    out.push((target, line));
                }
            }
        }
        i += 1;
    }
    out
}

/// Where each item of the `{…}` group opening at token `open` starts, at the group's own level.
fn group_items(tokens: &[(Tok, usize)], open: usize) -> Vec<usize> {
    let mut items = Vec::new();
    let mut level = 0;
    let mut item_start = true;
    for (k, (tok, _)) in tokens.iter().enumerate().skip(open) {
        match tok {
            Tok::Other('{') => {
                level += 1;
                if level == 1 {
                    item_start = true;
                }
            }
            Tok::Other('}') => {
                level -= 1;
                if level == 0 {
                    break;
                }
            }
            Tok::Other(',') if level == 1 => item_start = true,
            Tok::Ident(_) if level == 1 && item_start => {
                items.push(k);
                item_start = false;
            }
            _ => {}
        }
    }
    items
}

/// The full paths of a `use`-like path starting at token `start` under `prefix`, `{…}` groups expanded.
fn collect_paths(
    tokens: &[(Tok, usize)],
    start: usize,
    prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    let mut path = prefix;
    let mut j = start;
    loop {
        match tokens.get(j).map(|t| &t.0) {
            Some(Tok::Ident(name)) => {
                if name != "self" {
                    path.push(name.clone());
                }
                if tokens.get(j + 1).map(|t| &t.0) == Some(&Tok::Path) {
                    j += 2;
                    continue;
                }
                out.push(path);
                return;
            }
            Some(Tok::Other('{')) => {
                for k in group_items(tokens, j) {
                    collect_paths(tokens, k, path.clone(), out);
                }
                return;
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Path,
    Other(char),
}

/// Identifiers, `::` and punctuation with their line; comments, string and char literals and numbers are
/// left out.
fn lex(text: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Skips a quoted string starting at `i` (the opening quote); returns the index after it.
    let skip_string = |mut i: usize, line: &mut usize| {
        i += 1;
        while i < c.len() && c[i] != '"' {
            if c[i] == '\\' {
                i += 1;
            }
            if at(i) == '\n' {
                *line += 1;
            }
            i += 1;
        }
        i + 1
    };
    let skip_raw = |mut i: usize, line: &mut usize| {
        // At the first `#` or `"` after `r`.
        let mut hashes = 0;
        while at(i) == '#' {
            hashes += 1;
            i += 1;
        }
        i += 1; // the quote
        loop {
            if i >= c.len() {
                return i;
            }
            if c[i] == '\n' {
                *line += 1;
            }
            if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                return i + 1 + hashes;
            }
            i += 1;
        }
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut nested = 0;
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '/' && at(i + 1) == '*' {
                    nested += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    nested -= 1;
                    i += 2;
                    if nested == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_string(i, &mut line);
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                // '\n', '\'', '\u{…}'
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime: the name follows as an identifier.
                i += 1;
            }
        } else if ch.is_ascii_digit() {
            while at(i).is_ascii_alphanumeric() || at(i) == '_' {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let raw_prefix = word == "r" || word == "br";
            if raw_prefix
                && (at(i) == '"' || (at(i) == '#' && (at(i + 1) == '#' || at(i + 1) == '"')))
            {
                i = skip_raw(i, &mut line);
            } else if word == "b" && at(i) == '"' {
                i = skip_string(i, &mut line);
            } else if word == "b" && at(i) == '\'' {
                i += if at(i + 1) == '\\' { 4 } else { 3 };
            } else if word == "r" && at(i) == '#' {
                // A raw identifier, `r#type`.
                i += 1;
            } else {
                out.push((Tok::Ident(word), line));
            }
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::Path, line));
            i += 2;
        } else {
            out.push((Tok::Other(ch), line));
            i += 1;
        }
    }
    out
}

/// A cycle of `next`, if it has one, as the modules along it (the first repeated at the end).
/// A cycle's edges, one a line, each with where it is first seen.
fn cycle_report(cycle: &[String], at: &BTreeMap<(String, String), String>) -> String {
    cycle
        .windows(2)
        .map(|w| {
            format!(
                "{} → {} ({})",
                w[0],
                w[1],
                at[&(w[0].clone(), w[1].clone())]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn find_cycle(next: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        next: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for to in next.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(to, next, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    next.keys()
        .find_map(|node| visit(node, next, &mut done, &mut Vec::new()))
}
