//! An email address as the mail relay will read it: parsed by lettre (RFC 5321), a dotted domain,
//! the domain in lower case.

use std::str::FromStr;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self> {
        let trimmed = raw.trim();
        let invalid = || Error::Invalid { code: "email.invalid", params: vec![("input", trimmed.to_owned())] };
        let address = lettre::Address::from_str(trimmed).map_err(|_| invalid())?;
        if !address.domain().contains('.') {
            return Err(invalid());
        }
        Ok(Self(format!("{}@{}", address.user(), address.domain().to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_and_domains_lower_cased() {
        assert_eq!(EmailAddress::parse(" Guardian@Example.COM ").unwrap().as_str(), "Guardian@example.com");
        for bad in ["", "guardian", "guardian@", "@example.com", "guardian@localhost", "a b@example.com"] {
            assert_eq!(EmailAddress::parse(bad).unwrap_err().code(), "email.invalid", "{bad}");
        }
    }
}
