//! A Saudi national id (citizens, starting with 1) or iqama number (residents, starting with 2):
//! ten digits whose last one is a Luhn check digit. Arabic-Indic digits, spaces and dashes as
//! people type them are accepted. Never printed in full: `Debug` shows the last two digits.

use crate::error::Error;

#[derive(Clone, PartialEq, Eq)]
pub struct NationalId(String);

impl std::fmt::Debug for NationalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NationalId(••••••••{})", &self.0[8..])
    }
}

impl NationalId {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let invalid = || Error::Invalid { code: "national_id.invalid", params: vec![("field", "national_id".into())] };
        let mut digits = String::with_capacity(10);
        for c in raw.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '٠'..='٩' => digits.push(char::from(b'0' + (u32::from(c) - u32::from('٠')) as u8)),
                ' ' | '-' => {}
                _ => return Err(invalid()),
            }
        }
        if digits.len() != 10 || !matches!(digits.as_bytes()[0], b'1' | b'2') || !luhn(&digits) {
            return Err(invalid());
        }
        Ok(Self(digits))
    }

    /// Citizen (1…) or resident with an iqama (2…).
    pub fn is_iqama(&self) -> bool {
        self.0.starts_with('2')
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let twice = d * 2;
                twice / 10 + twice % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A valid made-up number starting with `prefix` (nine digits), for tests and the sandbox.
pub fn with_check_digit(prefix: &str) -> String {
    (0..10).map(|d| format!("{prefix}{d}")).find(|n| luhn(n)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numbers_are_read_as_typed_and_checked() {
        let id = with_check_digit("101234567");
        assert_eq!(NationalId::parse(&id).unwrap().expose(), id);
        let arabic: String =
            id.chars().map(|c| char::from_u32(u32::from('٠') + c.to_digit(10).unwrap()).unwrap()).collect();
        assert_eq!(NationalId::parse(&arabic).unwrap().expose(), id);
        assert_eq!(NationalId::parse(&format!("{} {}-{}", &id[..1], &id[1..5], &id[5..])).unwrap().expose(), id);
        let wrong_check = format!("{}{}", &id[..9], (id.as_bytes()[9] - b'0' + 1) % 10);
        for bad in ["", "123", &wrong_check, "3012345678", "10123456789", "1O12345678"] {
            assert_eq!(NationalId::parse(bad).unwrap_err().code(), "national_id.invalid", "{bad}");
        }
        assert!(NationalId::parse(&with_check_digit("212345678")).unwrap().is_iqama());
        assert!(!format!("{:?}", NationalId::parse(&id).unwrap()).contains(&id[..8]));
    }
}
