//! The key that makes sending idempotent: one per draft (or per API request); a repeat with the
//! same key returns the first message instead of sending twice.

use uuid::Uuid;

use crate::error::{Error, Result};

/// At most this long: it is stored in a unique column and echoed to providers.
const MAX_LEN: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The caller's key, or a fresh one when none was given (blank counts as none).
    pub fn parse_or_new(raw: Option<&str>) -> Result<Self> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            Some(k) if k.len() > MAX_LEN || k.chars().any(char::is_control) => {
                Err(Error::invalid("idempotency.invalid"))
            }
            Some(k) => Ok(Self(k.to_owned())),
            None => Ok(Self(Uuid::now_v7().to_string())),
        }
    }

    /// The key of one of several messages made from one draft (a push to each device).
    pub fn part(&self, suffix: impl std::fmt::Display) -> Self {
        Self(format!("{}#{suffix}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_kept_trimmed_made_when_missing_and_refused_when_too_long() {
        assert_eq!(IdempotencyKey::parse_or_new(Some(" draft-1 ")).unwrap().as_str(), "draft-1");
        assert!(!IdempotencyKey::parse_or_new(Some("  ")).unwrap().as_str().is_empty());
        assert!(!IdempotencyKey::parse_or_new(None).unwrap().as_str().is_empty());
        let long = "k".repeat(201);
        assert_eq!(IdempotencyKey::parse_or_new(Some(&long)).unwrap_err().code(), "idempotency.invalid");
        assert_eq!(IdempotencyKey::parse_or_new(Some("a\nb")).unwrap_err().code(), "idempotency.invalid");
        assert_eq!(IdempotencyKey::parse_or_new(Some("d")).unwrap().part(7).as_str(), "d#7");
    }
}
