//! The layout rules of ARCHITECTURE.md, checked on the source: no import cycles between files of
//! `runtime/src` and `macros/src`, the runtime's folders import in one direction only, and no
//! source file outgrows one job.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Which top-level modules of the runtime each one may import (`crate::<module>`); the crate
/// root and the guide are left out: the root declares everything, the guide is docs only.
const RUNTIME_LAYERS: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("model", &[]),
    ("exposition", &["model", "clock"]),
    ("record", &["model", "exposition", "clock"]),
    ("http", &["model", "exposition", "record", "clock"]),
    ("error", &[]),
    ("config", &["model", "exposition", "record", "error"]),
    (
        "serve",
        &[
            "model",
            "exposition",
            "record",
            "config",
            "error",
            "__private",
        ],
    ),
    ("__private", &["model", "exposition", "record"]),
    ("testing", &[]),
];

/// Longer than this, a file has more than one job.
const MAX_LINES: usize = 450;

#[test]
fn no_import_cycles_between_files() {
    for crate_dir in ["runtime/src", "macros/src", "names/src"] {
        let graph = file_graph(&workspace().join(crate_dir));
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{crate_dir}: files import each other in a loop: {cycle:?}");
        }
    }
}

#[test]
fn runtime_folders_import_in_one_direction() {
    let root = workspace().join("runtime/src");
    let graph = file_graph(&root);
    let mut violations = Vec::new();
    for (file, imports) in &graph {
        let from = top_module(file);
        let Some((_, allowed)) = RUNTIME_LAYERS.iter().find(|(name, _)| *name == from) else {
            continue;
        };
        for imported in imports {
            let to = top_module(imported);
            if to != from && !allowed.contains(&to.as_str()) {
                violations.push(format!("{file} imports {imported}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the layering of ARCHITECTURE.md:\n{}",
        violations.join("\n")
    );
    // Every top-level module is placed in a layer, so a new one cannot slip past the rule.
    let unplaced: BTreeSet<String> = graph
        .keys()
        .map(|file| top_module(file))
        .filter(|module| !matches!(module.as_str(), "lib" | "guide"))
        .filter(|module| !RUNTIME_LAYERS.iter().any(|(name, _)| name == module))
        .collect();
    assert!(unplaced.is_empty(), "modules in no layer: {unplaced:?}");
}

#[test]
fn source_files_stay_small() {
    let mut long = Vec::new();
    for crate_dir in ["runtime/src", "macros/src", "names/src", "examples/src"] {
        for file in rust_files(&workspace().join(crate_dir)) {
            let text = fs::read_to_string(&file).unwrap();
            // Unit tests at the end of a file do not count.
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default();
            let lines = code.lines().count();
            if lines > MAX_LINES {
                long.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

#[test]
fn the_checker_finds_cycles_and_resolves_paths() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a.rs", vec!["b.rs"]),
        ("b.rs", vec!["c.rs"]),
        ("c.rs", vec!["a.rs"]),
    ]
    .into_iter()
    .map(|(file, imports)| (file.into(), imports.into_iter().map(Into::into).collect()))
    .collect();
    assert!(find_cycle(&graph).is_some());
    assert_eq!(
        expand_use("super::{a::{self, B}, c}"),
        ["super::a", "super::a::B", "super::c"]
    );
    // The runtime's call site imports the storage it writes into, and nothing it must not.
    let runtime = file_graph(&workspace().join("runtime/src"));
    let call_site = &runtime["record/call_site.rs"];
    assert!(call_site.contains("exposition/mod.rs"), "{call_site:?}");
    assert!(call_site.contains("record/guard.rs"), "{call_site:?}");
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `record/call_site.rs` -> `record`; `lib.rs` -> `lib`; `private.rs` -> `__private`.
fn top_module(file: &str) -> String {
    let first = file.split('/').next().unwrap_or_default();
    match first.trim_end_matches(".rs") {
        "private" => "__private".into(),
        other => other.into(),
    }
}

/// Each file (relative to `src`) and the files it imports through `crate::`, `super::` and
/// `self::` paths and its own child modules, unit tests left out.
fn file_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let relative = |path: &Path| {
        path.strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/")
    };
    let files: Vec<String> = rust_files(src).iter().map(|path| relative(path)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let text = fs::read_to_string(src.join(file)).unwrap();
        let code = strip_comments(
            text.split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default(),
        );
        let module = module_of(file);
        let children = child_modules(&code);
        let mut imports = BTreeSet::new();
        for path in paths_in(&code, &children) {
            let absolute = absolute(&module, &path);
            if let Some(target) = resolve(&files, &absolute)
                && target != *file
            {
                imports.insert(target);
            }
        }
        graph.insert(file.clone(), imports);
    }
    graph
}

/// The module path of a file: `record/call_site.rs` -> `[record, call_site]`, `record/mod.rs`
/// -> `[record]`, `lib.rs` -> `[]`; `private.rs` is mounted as `__private`.
fn module_of(file: &str) -> Vec<String> {
    let mut segments: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
        segments.pop();
    }
    if segments == ["private"] {
        segments = vec!["__private".into()];
    }
    segments
}

/// A path as seen from `module` made absolute (`crate::` left off).
fn absolute(module: &[String], path: &str) -> Vec<String> {
    let mut segments = path.split("::").map(str::to_owned).collect::<Vec<_>>();
    let first = segments.remove(0);
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => module[..module.len().saturating_sub(1)].to_vec(),
        // A child module of this file's module.
        child => {
            let mut base = module.to_vec();
            base.push(child.to_owned());
            base
        }
    };
    while segments.first().is_some_and(|segment| segment == "super") {
        segments.remove(0);
        base.pop();
    }
    base.extend(segments);
    base
}

/// The file of the longest prefix of `path` that is a module.
fn resolve(files: &[String], path: &[String]) -> Option<String> {
    (0..=path.len()).rev().find_map(|length| {
        let module = &path[..length];
        let mut module: Vec<&str> = module.iter().map(String::as_str).collect();
        if module.first() == Some(&"__private") {
            module[0] = "private";
        }
        let joined = module.join("/");
        let candidates = if joined.is_empty() {
            vec!["lib.rs".to_owned()]
        } else {
            vec![format!("{joined}.rs"), format!("{joined}/mod.rs")]
        };
        candidates
            .into_iter()
            .find(|candidate| files.contains(candidate))
    })
}

/// `mod name;` declarations of a file.
fn child_modules(code: &str) -> BTreeSet<String> {
    code.lines()
        .map(str::trim)
        .filter_map(|line| {
            let line = line.strip_prefix("pub(crate) ").or(Some(line))?;
            let line = line.strip_prefix("pub ").unwrap_or(line);
            line.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_owned)
        })
        .collect()
}

/// Every module path used in `code`: `use` trees expanded, and inline `crate::`/`super::`
/// paths.
fn paths_in(code: &str, children: &BTreeSet<String>) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(start) = find_use(rest) {
        let after = &rest[start..];
        let end = after.find(';').unwrap_or(after.len());
        let tree: String = after[..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let tree = tree.trim_start_matches("use ").replace(' ', "");
        for path in expand_use(&tree) {
            let first = path.split("::").next().unwrap_or_default();
            if matches!(first, "crate" | "super" | "self") || children.contains(first) {
                paths.push(path);
            }
        }
        rest = &after[end..];
    }
    let bytes = code.as_bytes();
    for prefix in ["crate::", "super::"] {
        for (index, _) in code.match_indices(prefix) {
            let before = index.checked_sub(1).map(|before| bytes[before]);
            if before
                .is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$')
            {
                continue;
            }
            let path: String = code[index..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            // `super::{a, b}` and `super::*` are use trees, expanded above.
            if !path.ends_with("::") {
                paths.push(path);
            }
        }
    }
    paths
}

/// The start of the next `use` item: `use ` at the start of a line, after an optional `pub`.
fn find_use(code: &str) -> Option<usize> {
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        for prefix in ["use ", "pub use ", "pub(crate) use ", "pub(super) use "] {
            if trimmed.starts_with(prefix) {
                return Some(offset + indent + prefix.len() - "use ".len());
            }
        }
        offset += line.len();
    }
    None
}

/// `a::{b, c::{self, D}}` -> `a::b`, `a::c`, `a::c::D`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        return vec![path.trim_end_matches("::self").to_owned()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (index, character) in inner.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .flat_map(|item| {
            expand_use(item).into_iter().map(move |path| {
                if path == "self" {
                    prefix.to_owned()
                } else {
                    format!("{prefix}::{path}")
                }
            })
        })
        .collect()
}

/// Line comments (docs included) removed, so paths in prose are not imports.
fn strip_comments(code: &str) -> String {
    code.lines()
        .map(|line| match line.find("//") {
            Some(index) if !line[..index].contains('"') => &line[..index],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A cycle in the graph, as the files along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        file: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(file) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = stack.iter().position(|open| open == file).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(file.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(file.to_owned(), Mark::Open);
        stack.push(file.to_owned());
        for next in graph.get(file).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(file.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|file| visit(file, graph, &mut marks, &mut Vec::new()))
}
