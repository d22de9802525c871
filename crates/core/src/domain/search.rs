//! Names as people type them at a desk, folded so that spellings of the same name meet: Arabic
//! diacritics and tatweel dropped, the alef forms (أ إ آ ٱ) as ا, alef maqsura ى as ي, ta marbuta
//! ة as ه, hamza carriers ؤ ئ as و ي, Arabic-Indic and Persian digits as ASCII, Latin letters
//! lower-cased. Search terms are the folded words; lookup is by prefix of a word, through an
//! index (`contact_terms`), never a scan of the names.

/// The folded form of `text`: what is stored beside a name and what a query is turned into.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars() {
        let mapped = match c {
            // Harakat, tanwin, shadda, sukun, superscript alef, Quranic marks; tatweel.
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}' => continue,
            // Latin combining accents (a decomposed é), kept with their letter.
            '\u{0300}'..='\u{036F}' => continue,
            // Bidi and zero-width marks pasted from other programs.
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => continue,
            'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' => 'ا',
            'ى' | 'ی' | 'ئ' => 'ي',
            'ة' => 'ه',
            'ؤ' => 'و',
            'ک' => 'ك',
            '٠'..='٩' => char::from(b'0' + (u32::from(c) - u32::from('٠')) as u8),
            '۰'..='۹' => char::from(b'0' + (u32::from(c) - u32::from('۰')) as u8),
            c if c.is_alphanumeric() => {
                for l in c.to_lowercase().filter(|l| l.is_alphanumeric()) {
                    out.push(l);
                }
                space = false;
                continue;
            }
            // Everything else separates words (spaces, dots, hyphens, commas).
            _ => ' ',
        };
        if mapped == ' ' {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push(mapped);
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The distinct words of the folded text, as stored for lookup. A word with the article `ال`
/// is stored with and without it, so "الشهري" is found by "شهري" too.
pub fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in fold(text).split(' ').filter(|w| !w.is_empty()) {
        for w in [Some(word), word.strip_prefix("ال").filter(|rest| rest.chars().count() >= 2)].into_iter().flatten()
        {
            if !out.iter().any(|o| o == w) {
                out.push(w.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spellings_of_one_name_fold_to_one_form() {
        let same = ["أحمد", "احمد", "إحمد", "آحمد", "أَحْمَد", "أحـــمد", "\u{200f}أحمد\u{200e}"];
        for s in same {
            assert_eq!(fold(s), "احمد", "{s}");
        }
        assert_eq!(fold("مُنى"), fold("مني"));
        assert_eq!(fold("فاطمة"), fold("فاطمه"));
        assert_eq!(fold("هيئة"), fold("هييه"));
        assert_eq!(fold("مؤمن"), fold("مومن"));
        assert_eq!(fold("  Sara   AL-Otaibi "), "sara al otaibi");
        assert_eq!(fold("ملف ١٢٣٤"), "ملف 1234");
        assert_eq!(fold("۱۲"), "12");
    }

    #[test]
    fn terms_are_distinct_words_with_and_without_the_article() {
        assert_eq!(terms("نورة الشهري"), vec!["نوره", "الشهري", "شهري"]);
        assert_eq!(terms("Sara Sara"), vec!["sara"]);
        assert_eq!(terms("ال"), vec!["ال"]);
        assert!(terms("  -- ").is_empty());
    }

    proptest! {
        #[test]
        fn folding_is_idempotent_and_never_panics(s in "\\PC{0,60}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }
    }
}
