//! A new password, checked against the policy before it is hashed. Never printed: its `Debug`
//! says only that it is hidden.

use crate::error::{AuthError, Error};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords people pick first, refused whatever their length (lower case, compared folded).
const COMMON: &[&str] = &[
    "password123",
    "password1234",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "1q2w3e4r5t",
    "0123456789",
    "administrator",
    "wasel12345",
    "welcome123",
];

/// A password that meets the policy: 10 to 128 characters, letters (any script) and something
/// else (digits, symbols), not the username, not a well-known choice.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(hidden)")
    }
}

impl NewPassword {
    pub fn parse(password: &str, username: &str) -> Result<Self, Error> {
        let chars = password.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(AuthError::PasswordTooShort { min: MIN_PASSWORD_CHARS }.into());
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(AuthError::PasswordTooLong { max: MAX_PASSWORD_CHARS }.into());
        }
        let letters = password.chars().any(char::is_alphabetic);
        let others = password.chars().any(|c| !c.is_alphabetic() && !c.is_whitespace());
        let distinct = password.chars().collect::<std::collections::BTreeSet<_>>().len();
        if !letters || !others || distinct < 5 {
            return Err(AuthError::PasswordTooSimple.into());
        }
        let folded = password.to_lowercase();
        let name = username.trim().to_lowercase();
        if name.chars().count() >= 3 && folded.contains(&name) {
            return Err(AuthError::PasswordContainsUsername.into());
        }
        if COMMON.contains(&folded.as_str()) {
            return Err(AuthError::PasswordTooSimple.into());
        }
        Ok(Self(password.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A username: 3 to 40 letters, digits, `.`, `_` or `-` (Arabic letters too), no spaces.
pub fn check_username(username: &str) -> Result<String, Error> {
    let name = username.trim();
    let len = name.chars().count();
    let ok = (3..=40).contains(&len) && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok { Ok(name.to_owned()) } else { Err(AuthError::UsernameInvalid.into()) }
}

/// How names are compared: `Sara.A` and ` sara.a ` are one account.
pub fn username_key(username: &str) -> String {
    username.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn code(p: &str, user: &str) -> &'static str {
        NewPassword::parse(p, user).err().map_or("ok", |e| e.code())
    }

    #[test]
    fn the_policy_names_what_is_wrong() {
        assert_eq!(code("short1", "sara"), "password.too_short");
        assert_eq!(code("onlyletterslong", "sara"), "password.too_simple");
        assert_eq!(code("aaaaaaaaa1", "sara"), "password.too_simple");
        assert_eq!(code("Password123", "sara"), "password.too_simple");
        assert_eq!(code("sara-2026-desk", "Sara"), "password.contains_username");
        assert_eq!(code("حديقة-الورد-٢٠٢٦", "sara"), "ok");
        assert_eq!(code("Blue-Harbour-47", "sara"), "ok");
        assert_eq!(code(&"a1".repeat(65), "sara"), "password.too_long");
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let p = NewPassword::parse("Blue-Harbour-47", "sara").unwrap();
        assert!(!format!("{p:?}").contains("Harbour"));
    }

    #[test]
    fn usernames_are_checked_and_folded() {
        assert_eq!(check_username(" sara.a ").unwrap(), "sara.a");
        assert!(check_username("a b").is_err());
        assert!(check_username("ab").is_err());
        assert!(check_username("سارة_١").is_ok());
        assert_eq!(username_key(" Sara.A"), "sara.a");
    }

    proptest! {
        #[test]
        fn the_policy_never_panics_and_what_it_accepts_meets_it(p in "\\PC{0,140}", u in "\\PC{0,20}") {
            if let Ok(ok) = NewPassword::parse(&p, &u) {
                let n = ok.expose().chars().count();
                prop_assert!((MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n));
            }
        }
    }
}
