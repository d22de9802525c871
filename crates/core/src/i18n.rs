//! Rust-side translations (`locales/*.yml`): error messages for the CLI and logs, in ar and en.

use std::collections::BTreeMap;

pub const LANGUAGES: [&str; 2] = ["ar", "en"];

/// `errors.<code>` in `lang`, with `%{param}` placeholders filled.
pub fn translate_error(code: &str, params: &BTreeMap<String, String>, lang: &str) -> String {
    let key = format!("errors.{code}");
    let text = rust_i18n::t!(&key, locale = lang).into_owned();
    let text = if text == key { rust_i18n::t!("errors.unknown", locale = lang).into_owned() } else { text };
    let keys: Vec<&str> = params.keys().map(String::as_str).collect();
    let values: Vec<String> = params.values().cloned().collect();
    let mut out = rust_i18n::replace_patterns(&text, &keys, &values);
    if !params.contains_key("code") {
        out = rust_i18n::replace_patterns(&out, &["code"], &[code.to_owned()]);
    }
    out
}

/// Plain translation of a key in `lang`.
pub fn t(key: &str, lang: &str) -> String {
    rust_i18n::t!(key, locale = lang).into_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    flatten(&key, v, out);
                }
            }
            serde_json::Value::String(s) => {
                assert!(!s.trim().is_empty(), "empty translation for {prefix}");
                out.insert(prefix.to_owned());
            }
            other => panic!("{prefix}: translations are strings, found {other}"),
        }
    }

    fn keys(lang: &str) -> BTreeSet<String> {
        let path = format!("{}/../../locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut out = BTreeSet::new();
        flatten("", &value, &mut out);
        out
    }

    #[test]
    fn every_key_exists_in_both_languages() {
        let ar = keys("ar");
        let en = keys("en");
        let only_ar: Vec<_> = ar.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ar).collect();
        assert!(only_ar.is_empty() && only_en.is_empty(), "only in ar: {only_ar:?}; only in en: {only_en:?}");
    }

    #[test]
    fn an_error_is_translated_with_its_parameters() {
        let payload = crate::ErrorPayload::new("phone.invalid").with("input", "12345");
        let ar = payload.localized("ar");
        let en = payload.localized("en");
        assert!(ar.contains("12345") && en.contains("12345"), "{ar} / {en}");
        assert_ne!(ar, en);
        assert!(!ar.contains("errors."), "{ar}");
    }

    #[test]
    fn an_unknown_code_falls_back_to_a_generic_message_with_the_code() {
        let en = crate::ErrorPayload::new("no.such.code").localized("en");
        assert!(en.contains("no.such.code"), "{en}");
    }
}
