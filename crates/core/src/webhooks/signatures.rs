//! The providers' callback signatures, checked in constant time.

use base64::Engine;
use hmac::{Hmac, Mac};

/// Twilio's signature: base64 HMAC-SHA1 over the full URL followed by each POST parameter's name
/// and value, sorted by name.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = hmac_sha1(auth_token.as_bytes());
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn hmac_sha1(key: &[u8]) -> Hmac<sha1::Sha1> {
    // HMAC takes keys of any length; this cannot fail.
    match Hmac::<sha1::Sha1>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// Meta's signature check: `sha256=<hex HMAC-SHA256(app secret, raw body)>`, compared in
/// constant time.
pub fn meta_signature_valid(app_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else { return false };
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes()) else { return false };
    mac.update(body);
    let Some(expected) = decode_hex(hex) else { return false };
    mac.verify_slice(&expected).is_ok()
}

/// Lower-case hex only, as Meta writes it: one spelling per signature.
fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
