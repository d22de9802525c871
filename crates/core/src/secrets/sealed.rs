//! Sealing sensitive fields at rest: XChaCha20-Poly1305 with a random 24-byte nonce per value and
//! the place it belongs to (table, column, row, key id) as associated data, so a sealed value
//! copied to another row or column does not open. Keys are 32 random bytes in the keychain, named
//! by a key id kept beside each value; a new key can be made current at any time and old values
//! re-sealed in batches (`wasel keys rotate`). Exact lookup goes through a keyed hash (HMAC-SHA256
//! with a separate index key), never the value itself.

use std::collections::HashMap;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::{SecretError, SharedSecrets, blocking};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;
const VERSION: &str = "v1";

/// Where a sealed value lives; it is bound to this place.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row: uuid::Uuid,
}

impl Place<'_> {
    fn associated(&self, key_id: &str) -> Vec<u8> {
        format!("wasel/{VERSION}/{}/{}/{}/{key_id}", self.table, self.column, self.row).into_bytes()
    }
}

/// The data keys in use: the current one seals, any known one opens.
#[derive(Clone)]
pub struct DataKeys {
    current: String,
    keys: HashMap<String, [u8; 32]>,
    index: [u8; 32],
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeys").field("current", &self.current).field("known", &self.keys.len()).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(transparent)]
    Keychain(#[from] SecretError),
    /// The value names a key the keychain does not have (restored on another machine?).
    #[error("data key {0} missing")]
    KeyMissing(String),
    /// Tampered, moved to another row, or not a sealed value.
    #[error("sealed value does not open")]
    Broken,
}

fn account(installation: &str, name: &str) -> String {
    format!("{installation}/data/{name}")
}

fn fresh_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    rand::rng().fill_bytes(&mut k);
    k
}

fn decode_key(text: &str) -> Result<[u8; 32], SealError> {
    let bytes = B64.decode(text.trim()).map_err(|_| SealError::Broken)?;
    bytes.try_into().map_err(|_| SealError::Broken)
}

/// Reads (or on first use makes) a key from the keychain.
async fn key(store: &SharedSecrets, account: String, create: bool) -> Result<Option<[u8; 32]>, SealError> {
    let read = account.clone();
    if let Some(text) = blocking(store, move |s| s.get(&read)).await? {
        return decode_key(&text).map(Some);
    }
    if !create {
        return Ok(None);
    }
    let k = fresh_key();
    let encoded = B64.encode(k);
    blocking(store, move |s| s.set(&account, &encoded)).await?;
    Ok(Some(k))
}

impl DataKeys {
    /// The keys `ids` name (the current one made if it does not exist yet) and the index key.
    pub async fn load(
        store: &SharedSecrets,
        installation: &str,
        current: &str,
        ids: &[String],
    ) -> Result<Self, SealError> {
        let mut keys = HashMap::new();
        for id in ids.iter().map(String::as_str).chain([current]) {
            if keys.contains_key(id) {
                continue;
            }
            let create = id == current;
            match key(store, account(installation, &format!("key/{id}")), create).await? {
                Some(k) => {
                    keys.insert(id.to_owned(), k);
                }
                None => return Err(SealError::KeyMissing(id.to_owned())),
            }
        }
        let index = key(store, account(installation, "index"), true).await?.ok_or(SealError::Broken)?;
        Ok(Self { current: current.to_owned(), keys, index })
    }

    pub fn current(&self) -> &str {
        &self.current
    }

    /// Seals `plain` for `place` with the current key: `(key id, sealed text)`.
    pub fn seal(&self, place: Place<'_>, plain: &str) -> Result<(String, String), SealError> {
        let key = self.keys.get(&self.current).ok_or_else(|| SealError::KeyMissing(self.current.clone()))?;
        let cipher = XChaCha20Poly1305::new(key.into());
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let aad = place.associated(&self.current);
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: &aad })
            .map_err(|_| SealError::Broken)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok((self.current.clone(), format!("{VERSION}:{}", B64.encode(out))))
    }

    pub fn open(&self, place: Place<'_>, key_id: &str, sealed: &str) -> Result<String, SealError> {
        let key = self.keys.get(key_id).ok_or_else(|| SealError::KeyMissing(key_id.to_owned()))?;
        let body = sealed.strip_prefix("v1:").ok_or(SealError::Broken)?;
        let bytes = B64.decode(body).map_err(|_| SealError::Broken)?;
        if bytes.len() < 24 + 16 {
            return Err(SealError::Broken);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let aad = place.associated(key_id);
        let plain = XChaCha20Poly1305::new(key.into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| SealError::Broken)?;
        String::from_utf8(plain).map_err(|_| SealError::Broken)
    }

    /// The keyed hash `value` is found by (`kind` keeps hashes of different fields apart).
    pub fn index(&self, kind: &str, value: &str) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.index) else { return String::new() };
        mac.update(kind.as_bytes());
        mac.update(&[0x1f]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A new key id (`k` + UTC date and a random tail), for rotation.
pub fn new_key_id() -> String {
    let mut tail = [0u8; 4];
    rand::rng().fill_bytes(&mut tail);
    format!("k{}{}", chrono::Utc::now().format("%Y%m%d"), tail.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use super::*;
    use crate::secrets::MemorySecrets;

    fn place(row: u128) -> Place<'static> {
        Place { table: "beneficiaries", column: "national_id", row: uuid::Uuid::from_u128(row) }
    }

    #[tokio::test]
    async fn a_value_opens_only_in_its_own_place_and_with_its_own_key() {
        let store: SharedSecrets = Arc::new(MemorySecrets::default());
        let keys = DataKeys::load(&store, "inst", "k1", &[]).await.unwrap();
        let (id, sealed) = keys.seal(place(1), "1012345678").unwrap();
        assert_eq!(id, "k1");
        assert!(!sealed.contains("1012345678"));
        assert_eq!(keys.open(place(1), &id, &sealed).unwrap(), "1012345678");
        assert!(matches!(keys.open(place(2), &id, &sealed), Err(SealError::Broken)), "moved to another row");
        let mut tampered = sealed.clone();
        tampered.replace_range(10..11, if &sealed[10..11] == "A" { "B" } else { "A" });
        assert!(keys.open(place(1), &id, &tampered).is_err());
        // Two seals of one value differ (random nonce); the index is stable.
        assert_ne!(keys.seal(place(1), "1012345678").unwrap().1, sealed);
        assert_eq!(keys.index("national_id", "1012345678"), keys.index("national_id", "1012345678"));
        assert_ne!(keys.index("national_id", "1012345678"), keys.index("iqama", "1012345678"));
    }

    #[tokio::test]
    async fn a_rotated_key_seals_new_values_while_old_ones_still_open() {
        let store: SharedSecrets = Arc::new(MemorySecrets::default());
        let old = DataKeys::load(&store, "inst", "k1", &[]).await.unwrap();
        let (id, sealed) = old.seal(place(1), "2123456789").unwrap();
        let new = DataKeys::load(&store, "inst", "k2", &["k1".into()]).await.unwrap();
        assert_eq!(new.open(place(1), &id, &sealed).unwrap(), "2123456789");
        assert_eq!(new.seal(place(1), "x").unwrap().0, "k2");
        assert_eq!(new.index("n", "v"), old.index("n", "v"), "the index key does not rotate with the data key");
        let elsewhere: SharedSecrets = Arc::new(MemorySecrets::default());
        assert!(matches!(
            DataKeys::load(&elsewhere, "inst", "k2", &["k1".into()]).await,
            Err(SealError::KeyMissing(_))
        ));
    }
}
