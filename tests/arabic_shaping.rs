//! Every string the window shows, in both languages, shaped with the font the window draws with
//! (`ui/src/assets/fonts`, HarfBuzz's algorithm through rustybuzz): a character the font has no
//! glyph for would be drawn from another font, and WebKitGTK then splits the line into runs and
//! can draw marks (tanween on a lam-alef: «أولًا») above the line. So every character must be in
//! the font and every shaped glyph must be a real one (not `.notdef`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fonts() -> Vec<(String, Vec<u8>)> {
    ["Regular", "Medium", "Bold"]
        .iter()
        .map(|w| {
            let path = root().join(format!("ui/src/assets/fonts/IBMPlexSansArabic-{w}.ttf"));
            (w.to_string(), std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        })
        .collect()
}

/// Every string of a locale file, with its key, i18next's `{{placeholders}}` taken out.
fn strings(file: &str) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    walk(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, v, out);
                }
            }
            serde_json::Value::String(s) => out.push((prefix.to_owned(), strip_placeholders(s))),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let mut out = Vec::new();
    walk("", &serde_json::from_str(&text).unwrap(), &mut out);
    out
}

fn strip_placeholders(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find("}}").map_or("", |end| &rest[start + end + 2..]);
    }
    out + rest
}

/// Characters that are never drawn (direction marks, joiners, line breaks).
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2066}'..='\u{2069}' | '\n' | '\r' | '\t')
}

/// What in `text` the font cannot draw: characters it has no glyph for, and `.notdef` after shaping.
fn missing(font: &[u8], text: &str) -> Vec<String> {
    let face = rustybuzz::Face::from_slice(font, 0).expect("a TrueType font");
    let mut problems: Vec<String> = text
        .chars()
        .filter(|c| !invisible(*c) && face.glyph_index(*c).is_none())
        .map(|c| format!("U+{:04X} {c:?}", c as u32))
        .collect();
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let shaped = rustybuzz::shape(&face, &[], buffer);
    for info in shaped.glyph_infos() {
        let cluster_char = text[info.cluster as usize..].chars().next().unwrap_or(' ');
        if info.glyph_id == 0 && !invisible(cluster_char) {
            problems.push(format!(".notdef at byte {}", info.cluster));
        }
    }
    problems.dedup();
    problems
}

#[test]
fn every_string_of_the_window_is_drawn_by_the_bundled_font_in_every_weight() {
    let fonts = fonts();
    let mut failures = Vec::new();
    let mut shaped = 0;
    for file in ["ui/src/locales/ar.json", "ui/src/locales/en.json"] {
        for (key, text) in strings(file) {
            for (weight, font) in &fonts {
                let problems = missing(font, &text);
                if !problems.is_empty() {
                    failures.push(format!("{file} {key} ({weight}): {} in {text:?}", problems.join(", ")));
                }
                shaped += 1;
            }
        }
    }
    assert!(shaped > 1000, "only {shaped} strings shaped: the locale files were not read");
    assert!(failures.is_empty(), "the bundled font cannot draw:\n{}", failures.join("\n"));
}

#[test]
fn the_check_finds_a_character_the_font_lacks() {
    let (_, regular) = &fonts()[0];
    assert!(missing(regular, "أولًا بأول. Messages 09:30 «ok»").is_empty());
    assert!(!missing(regular, "تذكير 😀").is_empty(), "an emoji is not in the font");
    assert!(!missing(regular, "ཀ").is_empty(), "Tibetan is not in the font");
    assert_eq!(strip_placeholders("أُرسلت {{count}} رسائل إلى {{name}}."), "أُرسلت  رسائل إلى .");
}
