//! Phone numbers as families and desks write them, parsed once into E.164 (`+9665XXXXXXXX`).

use std::fmt;

use phonenumber::{Mode, Type, country};

pub use crate::error::PhoneError;

/// A valid mobile number in E.164 form. Saudi is the default region: `0551234567`,
/// `+966551234567`, `00966551234567` and `966551234567` all parse to `+966551234567`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneE164(String);

impl PhoneE164 {
    pub fn parse_mobile(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Required);
        }
        let invalid = || PhoneError::Invalid { input: trimmed.to_owned() };
        let compact = compact(trimmed).ok_or_else(invalid)?;
        let number = phonenumber::parse(Some(country::Id::SA), &compact).map_err(|_| invalid())?;
        if !phonenumber::is_valid(&number) {
            return Err(invalid());
        }
        match number.number_type(&phonenumber::metadata::DATABASE) {
            Type::Mobile | Type::FixedLineOrMobile | Type::PersonalNumber => {}
            _ => return Err(PhoneError::NotMobile { input: trimmed.to_owned() }),
        }
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    /// Trusts a value that was stored after parsing.
    pub fn from_stored(e164: String) -> Self {
        Self(e164)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits with the country code and no `+` (Taqnyat, Msegat, Meta).
    pub fn digits(&self) -> &str {
        self.0.trim_start_matches('+')
    }

    /// `+966 55 123 4567` for people to read.
    pub fn display(&self) -> String {
        match phonenumber::parse(None, &self.0) {
            Ok(n) => n.format().mode(Mode::International).to_string(),
            Err(_) => self.0.clone(),
        }
    }

    /// `+9665•••••567`: for logs and traces.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

impl fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Masks all but the country prefix and the last three digits.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 8 {
        return "•".repeat(chars.len());
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}{}{tail}", "•".repeat(chars.len() - 8))
}

/// Removes spaces and separators, turns Arabic-Indic digits into ASCII, and makes the
/// international forms (`00966…`, `966…`) explicit. `None` when a character cannot be in a number.
fn compact(input: &str) -> Option<String> {
    let mut out = String::with_capacity(input.len());
    for (i, c) in input.chars().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '٠'..='٩' => out.push(char::from(b'0' + (c as u32 - '٠' as u32) as u8)),
            '۰'..='۹' => out.push(char::from(b'0' + (c as u32 - '۰' as u32) as u8)),
            '+' if i == 0 => out.push('+'),
            ' ' | '-' | '(' | ')' | '.' | '\u{200e}' | '\u{200f}' | '\u{a0}' => {}
            _ => return None,
        }
    }
    if let Some(rest) = out.strip_prefix("00") {
        return Some(format!("+{rest}"));
    }
    if out.starts_with("966") && out.len() == 12 {
        return Some(format!("+{out}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_common_saudi_form_parses_to_the_same_e164() {
        for input in [
            "0551234567",
            "+966551234567",
            "00966551234567",
            "966551234567",
            "055 123 4567",
            "+966 55 123 4567",
            "٠٥٥١٢٣٤٥٦٧",
            "551234567",
        ] {
            assert_eq!(PhoneE164::parse_mobile(input).unwrap().as_str(), "+966551234567", "{input}");
        }
    }

    #[test]
    fn a_wrong_number_is_refused_with_the_input_kept() {
        let err = PhoneE164::parse_mobile("12345").unwrap_err();
        assert_eq!(err, PhoneError::Invalid { input: "12345".into() });
        assert_eq!(PhoneE164::parse_mobile("  ").unwrap_err(), PhoneError::Required);
        assert_eq!(PhoneE164::parse_mobile("05512345abc").unwrap_err().code(), "phone.invalid");
    }

    #[test]
    fn a_riyadh_landline_is_not_a_mobile() {
        assert_eq!(PhoneE164::parse_mobile("0112345678").unwrap_err().code(), "phone.not_mobile");
    }

    #[test]
    fn numbers_are_masked_and_displayed() {
        let p = PhoneE164::parse_mobile("0555001234").unwrap();
        assert_eq!(p.masked(), "+9665•••••234");
        assert_eq!(p.digits(), "966555001234");
        assert_eq!(p.display(), "+966 55 500 1234");
    }

    proptest! {
        #[test]
        fn any_saudi_mobile_in_any_form_normalises(n in 50_000_000u32..59_999_999u32, form in 0usize..4) {
            let national = format!("5{:08}", n % 100_000_000);
            let input = match form {
                0 => format!("0{national}"),
                1 => format!("+966{national}"),
                2 => format!("00966{national}"),
                _ => format!("966{national}"),
            };
            if let Ok(p) = PhoneE164::parse_mobile(&input) {
                prop_assert_eq!(p.as_str(), format!("+966{national}"));
            }
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,24}") {
            let _ = PhoneE164::parse_mobile(&s);
        }
    }
}
