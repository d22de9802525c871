//! Small helpers.

use super::*;

/// Digits of a phone number as Meta keys users: `+966 55-500 1234` → `966555001234`.
pub(super) fn wa_id(number: &str) -> String {
    number.chars().filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')')).collect()
}

pub(super) fn is_wa_id(s: &str) -> bool {
    (8..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// `wamid.` + base64 of a small record holding the wa_id and a random id, like real ones.
pub(super) fn new_wamid(wa_id: &str) -> String {
    let mut raw: Vec<u8> = vec![0x1c, 0x18, u8::try_from(wa_id.len()).unwrap_or(u8::MAX)];
    raw.extend_from_slice(wa_id.as_bytes());
    raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x11, 0x18, 0x12]);
    let random = rand::random::<u128>() & ((1u128 << 72) - 1);
    raw.extend_from_slice(format!("{random:018X}").as_bytes());
    raw.push(0x00);
    format!("wamid.{}", BASE64.encode(raw))
}

/// Graph's per-request trace id: 23 characters of URL-safe base64.
pub(super) fn fbtrace_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..23).map(|_| char::from(ALPHABET[usize::from(rand::random::<u8>() & 63)])).collect()
}
