//! The layering of `src/`, enforced: every `crate::<module>` a file names (in `use` lines and
//! paths alike, grouped `use crate::{a, b}` too, and `super::` climbing to the crate root) must
//! be a module of a lower layer (in the base, L0, also a sibling that does not name it back);
//! no circle
//! runs through the top-level modules; and only the command layer (`src/main.rs`,
//! `src/cmd/`) prints, parses the command line or picks exit codes.
//!
//! The table of layers has one home, `docs/architecture.md`, between `<!-- layers -->` and
//! `<!-- /layers -->`; the imports still waiting for a move are listed there too, between
//! `<!-- exceptions -->` and `<!-- /exceptions -->`, and one that is no longer made fails the
//! test until its line is removed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A top-level module and its layer (0 = lowest).
type Layers = BTreeMap<String, u32>;

/// (importing module, imported module) pairs allowed for now.
type Exceptions = BTreeSet<(String, String)>;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rows between `<!-- NAME -->` and `<!-- /NAME -->` of a Markdown table, as cells with
/// the backticks removed (the header and separator rows left out).
fn table_rows(doc: &str, name: &str) -> Vec<Vec<String>> {
    let start = format!("<!-- {name} -->");
    let end = format!("<!-- /{name} -->");
    let from = doc
        .find(&start)
        .unwrap_or_else(|| panic!("docs/architecture.md has no {start}"));
    let to = doc[from..]
        .find(&end)
        .unwrap_or_else(|| panic!("docs/architecture.md has no {end}"))
        + from;
    doc[from + start.len()..to]
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with('|'))
        // The header row and the separator row.
        .skip(2)
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().replace('`', ""))
                .collect::<Vec<String>>()
        })
        .collect()
}

/// The layer table: `| L<n> | module | what it owns … |`.
fn layers(doc: &str) -> Layers {
    let mut layers = Layers::new();
    for cells in table_rows(doc, "layers") {
        let layer: u32 = cells[0]
            .strip_prefix('L')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("layer {:?} is not L<number>", cells[0]));
        let module = cells[1].split_whitespace().next().unwrap_or("").to_owned();
        assert!(
            layers.insert(module.clone(), layer).is_none(),
            "{module} is listed twice"
        );
    }
    layers
}

/// The exceptions table: `| importer | imported | why, and who removes it |`.
fn exceptions(doc: &str) -> Exceptions {
    table_rows(doc, "exceptions")
        .into_iter()
        .map(|cells| (cells[0].clone(), cells[1].clone()))
        .collect()
}

/// The module path of a file under `src/`: `site/caremane/mod.rs` → [site, caremane]; the
/// binary's files (`main.rs`, `cmd/…`) are the module `cmd`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_owned();
    }
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    if parts.first().is_some_and(|p| p == "main") {
        return vec!["cmd".to_owned()];
    }
    parts
}

/// The code of a file without its comments (doc comments included).
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = match line.find("//") {
            // A `//` inside a string (a URL) is not a comment.
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifier at the start of `text`.
fn ident(text: &str) -> &str {
    let end = text.find(|c: char| !is_ident(c)).unwrap_or(text.len());
    &text[..end]
}

/// The first names of the items of a `{ … }` group (`{a, b::c, d::{e, f}}` → a, b, d).
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (at, c) in group.char_indices() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    item_start = true;
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                item_start = true;
                continue;
            }
            _ => {}
        }
        if depth == 1 && item_start && is_ident(c) {
            heads.push(ident(&group[at..]).to_owned());
            item_start = false;
        } else if depth == 1 && item_start && !c.is_whitespace() {
            item_start = false;
        }
    }
    heads
}

/// The top-level modules a file names: `crate::x`, `crate::{x, y}`, and `super::` paths that
/// climb to the crate root.
fn imports(module: &[String], text: &str) -> BTreeSet<String> {
    let code = code(text);
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + "crate::".len()..];
        rest = after;
        // `zaitaku_crate::` and the like are other names.
        if before.is_some_and(is_ident) {
            continue;
        }
        if after.starts_with('{') {
            found.extend(group_heads(after));
        } else {
            found.insert(ident(after).to_owned());
        }
    }
    // `super::super::x` from a file `depth` modules deep names the top-level module `x` when it
    // climbs all the way.
    let depth = module.len();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("super::") {
        let before = rest[..at].chars().next_back();
        let mut after = &rest[at..];
        rest = &rest[at + "super::".len()..];
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            continue;
        }
        let mut climbed = 0;
        while let Some(next) = after.strip_prefix("super::") {
            climbed += 1;
            after = next;
        }
        if climbed >= depth {
            if after.starts_with('{') {
                found.extend(group_heads(after));
            } else {
                found.insert(ident(after).to_owned());
            }
        }
    }
    found.retain(|name| !name.is_empty() && name != "self" && name != "super");
    found
}

/// The names `src/lib.rs` re-exports at the crate root (`pub use error::{Error, Result};`),
/// each with the module it comes from.
fn root_aliases(files: &[(PathBuf, String)]) -> BTreeMap<String, String> {
    let mut aliases = BTreeMap::new();
    for (path, text) in files {
        if path != Path::new("lib.rs") {
            continue;
        }
        for line in code(text).lines() {
            let Some(used) = line.trim().strip_prefix("pub use ") else {
                continue;
            };
            let module = ident(used).to_owned();
            let rest = used[module.len()..].trim_start_matches("::");
            let names = if rest.starts_with('{') {
                group_heads(rest)
            } else {
                vec![
                    rest.trim_end_matches(';')
                        .rsplit("::")
                        .next()
                        .unwrap_or("")
                        .to_owned(),
                ]
            };
            for name in names {
                aliases.insert(name, module.clone());
            }
        }
    }
    aliases
}

/// What the layering rule says about the files `(path under src/, text)`: one line per
/// import that runs upwards, per circle, per module missing from the table, and per exception
/// no longer needed.
fn violations(
    files: &[(PathBuf, String)],
    layers: &Layers,
    exceptions: &Exceptions,
) -> Vec<String> {
    let mut problems = Vec::new();
    // module → module → the files that make the import.
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let aliases = root_aliases(files);
    for (path, text) in files {
        let module = module_path(path);
        let Some(top) = module.first() else { continue };
        if top == "lib" {
            continue;
        }
        for imported in imports(&module, text) {
            let imported = aliases.get(&imported).cloned().unwrap_or(imported);
            if imported != *top {
                graph
                    .entry(top.clone())
                    .or_default()
                    .entry(imported)
                    .or_default()
                    .insert(path.display().to_string());
            }
        }
        if !layers.contains_key(top) {
            problems.push(format!(
                "src/{}: module `{top}` is not in the layer table of docs/architecture.md",
                path.display()
            ));
        }
    }
    let mut used_exceptions = BTreeSet::new();
    for (from, targets) in &graph {
        let Some(&from_layer) = layers.get(from) else {
            continue;
        };
        for (to, files) in targets {
            let Some(&to_layer) = layers.get(to) else {
                problems.push(format!(
                    "{from} imports `{to}`, which is not in the layer table ({})",
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
                continue;
            };
            let back = graph.get(to).is_some_and(|t| t.contains_key(from));
            // Only in the base (L0) may modules of one layer use each other, one way.
            let wrong =
                to_layer > from_layer || (to_layer == from_layer && (from_layer != 0 || back));
            if !wrong {
                continue;
            }
            if exceptions.contains(&(from.clone(), to.clone())) {
                used_exceptions.insert((from.clone(), to.clone()));
                continue;
            }
            let how = if to_layer > from_layer {
                format!("a higher layer (L{from_layer} imports L{to_layer})")
            } else if from_layer == 0 {
                "a module of the base L0 that imports it back".to_owned()
            } else {
                format!("a module of its own layer L{from_layer}")
            };
            problems.push(format!(
                "{from} imports {to}, {how}: {}",
                files.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    // Circles of any length (two modules of one layer importing each other are caught above;
    // this catches a → b → c → a among allowed same-layer imports).
    for start in graph.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, path)) = stack.pop() {
            for next in graph.get(&at).map(|t| t.keys()).into_iter().flatten() {
                if exceptions.contains(&(at.clone(), next.clone())) {
                    continue;
                }
                if next == start && path.len() > 2 {
                    problems.push(format!("import circle: {} → {start}", path.join(" → ")));
                } else if !path.contains(next) && next > start {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    for stale in exceptions.difference(&used_exceptions) {
        problems.push(format!(
            "the exception {} → {} of docs/architecture.md is no longer needed: remove its line",
            stale.0, stale.1
        ));
    }
    problems
}

/// Printing, clap and exit codes in a library file (the command layer's business).
fn command_line_in_library(path: &Path, text: &str) -> Vec<String> {
    // Unit tests may print what they compare.
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let code = code(text);
    [
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "io::stdout",
        "io::stderr",
        "clap::",
        "ExitCode",
    ]
    .iter()
    .filter(|needle| {
        // `println!` is not `eprintln!`, nor `ExitCode` part of a longer name.
        code.match_indices(*needle)
            .any(|(at, _)| !code[..at].ends_with(is_ident))
    })
    .map(|needle| format!("src/{}: `{needle}` belongs in src/cmd/", path.display()))
    .collect()
}

fn source_files() -> Vec<(PathBuf, String)> {
    let src = manifest().join("src");
    let mut files: Vec<(PathBuf, String)> = walkdir::WalkDir::new(&src)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            let relative = e.path().strip_prefix(&src).unwrap().to_path_buf();
            (relative, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn architecture_doc() -> String {
    std::fs::read_to_string(manifest().join("docs/architecture.md")).unwrap()
}

#[test]
fn every_import_points_down_and_no_circle() {
    let doc = architecture_doc();
    let files = source_files();
    assert!(files.len() > 50, "found only {} files", files.len());
    let problems = violations(&files, &layers(&doc), &exceptions(&doc));
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_layer_table_lists_every_module_of_lib_rs() {
    let layers = layers(&architecture_doc());
    let lib = std::fs::read_to_string(manifest().join("src/lib.rs")).unwrap();
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_owned())
        .chain(["cmd".to_owned()])
        .collect();
    let listed: BTreeSet<String> = layers.keys().cloned().collect();
    assert_eq!(
        declared, listed,
        "src/lib.rs and docs/architecture.md disagree"
    );
}

#[test]
fn only_the_command_layer_prints_or_parses_the_command_line() {
    let problems: Vec<String> = source_files()
        .iter()
        .filter(|(path, _)| module_path(path).first().is_some_and(|m| m != "cmd"))
        .flat_map(|(path, text)| command_line_in_library(path, text))
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The checker itself: an upward import, a same-layer pair, a circle, a grouped `use` and a
/// `super::` to the root are all caught; a comment is not an import.
#[test]
fn the_rule_catches_wrong_imports() {
    let layers: Layers = [
        ("error", 0),
        ("owned", 0),
        ("ja", 1),
        ("content", 2),
        ("render", 3),
    ]
    .into_iter()
    .map(|(m, l)| (m.to_owned(), l))
    .collect();
    let file = |path: &str, text: &str| (PathBuf::from(path), text.to_owned());
    let fine = vec![
        file(
            "content/mod.rs",
            "use crate::ja;\n// crate::render is above\n",
        ),
        file(
            "render/view.rs",
            "use crate::{content::Content, error::Result};\n",
        ),
        file("error.rs", "use crate::owned;\n"),
    ];
    assert_eq!(
        violations(&fine, &layers, &Exceptions::new()),
        Vec::<String>::new()
    );

    let upward = vec![file("ja/mod.rs", "fn f() { crate::content::load(); }\n")];
    let found = violations(&upward, &layers, &Exceptions::new());
    assert!(
        found[0].contains("ja imports content, a higher layer"),
        "{found:?}"
    );

    let grouped = vec![file("content/a/b.rs", "use crate::{ja, render::Theme};\n")];
    assert!(!violations(&grouped, &layers, &Exceptions::new()).is_empty());

    let climbing = vec![file("content/a.rs", "use super::super::render::Theme;\n")];
    let inside = vec![file("content/a.rs", "use super::render::Theme;\n")];
    assert!(violations(&inside, &layers, &Exceptions::new()).is_empty());
    assert!(!violations(&climbing, &layers, &Exceptions::new()).is_empty());

    let mutual = vec![
        file("error.rs", "use crate::owned::Tracked;\n"),
        file("owned.rs", "use crate::error::Error;\n"),
    ];
    let found = violations(&mutual, &layers, &Exceptions::new());
    assert!(
        found.iter().any(|p| p.contains("imports it back")),
        "{found:?}"
    );

    let siblings: Layers = [("site", 4), ("search", 4)]
        .into_iter()
        .map(|(m, l)| (m.to_owned(), l))
        .collect();
    let sideways = vec![file("search/mod.rs", "use crate::site::Site;\n")];
    let found = violations(&sideways, &siblings, &Exceptions::new());
    assert!(found[0].contains("of its own layer L4"), "{found:?}");

    let allowed: Exceptions = [("ja".to_owned(), "content".to_owned())].into();
    assert!(violations(&upward, &layers, &allowed).is_empty());
    let stale = violations(&fine, &layers, &allowed);
    assert!(stale[0].contains("no longer needed"), "{stale:?}");

    let aliased = vec![
        file("lib.rs", "pub use render::{Theme, Output};\n"),
        file("ja/mod.rs", "fn f() -> crate::Theme { todo!() }\n"),
    ];
    assert!(violations(&aliased, &layers, &Exceptions::new())[0].contains("ja imports render"));

    let unknown = vec![file("newthing.rs", "use crate::ja;\n")];
    assert!(
        violations(&unknown, &layers, &Exceptions::new())[0].contains("not in the layer table")
    );

    assert_eq!(
        command_line_in_library(Path::new("x.rs"), "fn f() { println!(\"hi\"); }\n").len(),
        1
    );
}
