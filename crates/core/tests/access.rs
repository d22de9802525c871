//! Who may do what is one table (`domain::access`), and every feature operation asks it: each
//! public operation on a feature handle starts with `self.allow(…)`, or says in its doc comment
//! that it is open to every caller, or acts only on the signed-in user's own account. The table is
//! rendered into `docs/roles.md` (regenerate with `WASEL_UPDATE_DOCS=1`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// Feature handles whose operations need a caller (`feature!` in `context/mod.rs`).
const HANDLES: &[&str] = &[
    "Messaging",
    "ProviderSettings",
    "Settings",
    "SandboxInbox",
    "Users",
    "AuditTrail",
    "Requests",
    "Identity",
    "Contacts",
];

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

#[test]
fn every_public_operation_of_a_feature_checks_its_caller_first() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let (mut checked, mut problems) = (0, Vec::new());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.find("\n#[cfg(test)]").map_or(text.as_str(), |i| &text[..i]);
        let lines: Vec<&str> = text.lines().collect();
        let mut in_handle = false;
        for (i, line) in lines.iter().enumerate() {
            if let Some(rest) = line.strip_prefix("impl ") {
                in_handle = HANDLES.iter().any(|h| rest.starts_with(&format!("{h}<'_>")));
                continue;
            }
            if !in_handle {
                continue;
            }
            let t = line.trim_start();
            if !(t.starts_with("pub fn ") || t.starts_with("pub async fn ")) {
                continue;
            }
            checked += 1;
            let doc: String = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("///") || l.trim_start().starts_with("#["))
                .copied()
                .collect();
            let body: String =
                lines[i..].iter().skip_while(|l| !l.trim_end().ends_with('{')).skip(1).take(2).copied().collect();
            let ok = body.contains("self.allow(")
                || body.contains("self.allow_")
                || doc.contains("Open to every caller")
                || body.contains("let Actor::User");
            if !ok {
                problems.push(format!("{}:{}: {}", path.display(), i + 1, t));
            }
        }
    }
    assert!(checked >= 30, "found only {checked} operations: is the scan still reading the handles?");
    assert!(problems.is_empty(), "operations that do not check their caller first:\n{}", problems.join("\n"));
}

#[test]
fn the_roles_page_shows_the_table_in_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/roles.md");
    let table = wasel_core::domain::access::render_table();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    const START: &str = "<!-- roles table: generated -->\n";
    const END: &str = "<!-- end of roles table -->";
    if std::env::var("WASEL_UPDATE_DOCS").as_deref() == Ok("1") {
        let (head, tail) = match (text.find(START), text.find(END)) {
            (Some(s), Some(e)) => (text[..s].to_owned(), text[e..].to_owned()),
            _ => (text.clone(), format!("{END}\n")),
        };
        std::fs::write(&path, format!("{head}{START}{table}{tail}")).unwrap();
        return;
    }
    assert!(
        text.contains(&format!("{START}{table}{END}")),
        "docs/roles.md does not show the current table: run WASEL_UPDATE_DOCS=1 cargo test -p wasel-core --test access"
    );
}
