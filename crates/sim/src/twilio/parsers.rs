//! Small parsers.

use super::*;

/// `whatsapp:+9665…` → (WhatsApp, `+9665…`); anything else is an SMS address as it stands.
pub(crate) fn split_address(address: &str) -> (Channel, &str) {
    match address.strip_prefix(WHATSAPP_PREFIX) {
        Some(number) => (Channel::Whatsapp, number),
        None => (Channel::Sms, address),
    }
}

/// `^\+[1-9]\d{7,14}$`
pub(crate) fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

/// `prefix` + 32 hex digits, as every Twilio sid.
pub(crate) fn is_sid(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An absolute http(s) URL with a host, as Twilio wants for callbacks.
pub(crate) fn is_http_url(s: &str) -> bool {
    reqwest::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

/// Alphanumeric sender ID: 1–11 letters, digits or spaces, at least one letter.
pub(super) fn is_alphanumeric_sender(s: &str) -> bool {
    (1..=11).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

pub(super) fn is_short_code(s: &str) -> bool {
    (3..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(BASE64.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `prefix` + 32 random lowercase hex digits.
pub(crate) fn new_sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

pub(crate) fn rfc2822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}
