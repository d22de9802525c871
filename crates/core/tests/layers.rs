//! The core's rooms point down only (docs/architecture.md): each top-level module has a layer, and
//! a module may name (`crate::…`) only modules of its own layer or below, with no circle between
//! modules. Also the size rules the layout keeps: no core source file over 600 lines, the context
//! under 200. Test code (`#[cfg(test)]` at the end of a file) is not counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layer of each top-level module of `crates/core/src`, lowest first.
const LAYERS: &[(&str, u8)] = &[
    // Foundation: errors and translations, named everywhere.
    ("error", 0),
    ("i18n", 0),
    ("faults", 0),
    // Nouns and their rules.
    ("domain", 1),
    // Storage and the keychain; the audit trail over them.
    ("store", 2),
    ("secrets", 2),
    ("audit", 2),
    // Talking to providers; what the hosts plug in.
    ("providers", 3),
    ("ports", 3),
    // The outbox that runs the sending, and the small context features take.
    ("outbox", 4),
    ("context", 4),
    // Features.
    ("messaging", 5),
    ("provider_settings", 5),
    ("settings", 5),
    ("sandbox", 5),
    ("webhooks", 5),
    ("users", 5),
    ("audit_trail", 5),
    ("requests", 5),
    ("identity", 5),
    ("contacts", 5),
    // What the faces import, and the opening that puts it all together.
    ("api", 6),
    ("boot", 6),
];

/// `#[macro_export]` macros live at the crate root; they belong to these modules.
const MACROS: &[(&str, &str)] = &[("on_db", "store"), ("on_tx", "store"), ("fault_point", "faults")];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file without its test module (the project keeps `#[cfg(test)]` at the end of a file).
fn without_tests(text: &str) -> &str {
    text.find("\n#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// The top-level module a file belongs to (`messaging/compose.rs` → `messaging`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// Every `crate::<module>` a file names outside its tests.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String =
        without_tests(text).lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let module = owner_of(name);
        if !module.is_empty() {
            out.insert(module);
        }
        rest = after;
    }
    // `use crate::{a, b}` groups.
    for group in code.split("crate::{").skip(1) {
        let inner = group.split('}').next().unwrap_or_default();
        for part in inner.split(',') {
            let name: String = part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(owner_of(name));
            }
        }
    }
    out
}

fn owner_of(name: String) -> String {
    MACROS.iter().find(|(m, _)| *m == name).map_or(name, |(_, owner)| (*owner).to_owned())
}

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// Names that `lib.rs` re-exports at the crate root (`crate::Error`, `crate::Result`, …) belong
/// to the module they come from.
fn resolve_root_reexport(name: &str) -> &str {
    match name {
        "Error" | "ErrorPayload" | "Result" => "error",
        "Wasel" | "WaselConfig" => "context",
        other => other,
    }
}

#[test]
fn layers_point_down_and_no_module_circles_back() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for path in &files {
        let module = module_of(path);
        if module == "lib" {
            continue;
        }
        let Some(own) = layer(&module) else {
            wrong.push(format!("{}: module `{module}` has no layer in tests/layers.rs", path.display()));
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        for named in named_modules(&text) {
            let named = resolve_root_reexport(&named).to_owned();
            if named == module {
                continue;
            }
            match layer(&named) {
                Some(l) if l > own => wrong.push(format!(
                    "{}: `{module}` (layer {own}) names `crate::{named}` (layer {l}), a layer above it",
                    path.strip_prefix(src()).unwrap().display()
                )),
                Some(_) => {
                    edges.entry(module.clone()).or_default().insert(named);
                }
                None => wrong.push(format!("{}: names unknown module `crate::{named}`", path.display())),
            }
        }
    }
    assert!(wrong.is_empty(), "the core's layers are broken:\n{}", wrong.join("\n"));
    // No circles: a depth-first walk never meets a module still on its path.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m.to_owned());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        if let Some(circle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            panic!("modules import each other: {}", circle.join(" → "));
        }
    }
}

#[test]
fn no_core_file_is_over_600_lines_and_the_context_stays_small() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let count = |p: &Path| without_tests(&std::fs::read_to_string(p).unwrap()).lines().count();
    let mut long: Vec<String> = files
        .iter()
        .filter(|p| count(p) > 600)
        .map(|p| format!("{} ({} lines)", p.strip_prefix(src()).unwrap().display(), count(p)))
        .collect();
    long.sort();
    assert!(long.is_empty(), "split these by what they do:\n{}", long.join("\n"));
    let context = count(&src().join("context/mod.rs"));
    assert!(context < 200, "the context grew to {context} lines: operations belong in their feature");
}

#[test]
fn the_core_depends_on_no_simulator_and_no_http_server() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    for forbidden in ["wasel-sim", "wasel-sandbox", "wasel-server", "axum", "hyper-util", "tauri"] {
        assert!(!deps.lines().any(|l| l.trim_start().starts_with(forbidden)), "crates/core depends on {forbidden}");
    }
}
