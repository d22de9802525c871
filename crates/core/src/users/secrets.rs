//! Password hashes (argon2id, its default parameters: 19 MiB, 2 passes) and session tokens (32
//! random bytes; only their SHA-256 is stored). Hashing is slow on purpose: it runs off the
//! async runtime.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hash: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

/// Whether `password` matches `stored`. A user that does not exist is checked against a fixed
/// hash, so the time taken does not tell names apart.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))
}

/// The hash of a password nobody knows (`argon2id`, default parameters).
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0sYl9x2p0Z2hX8m5b1Jg2XqZ1w0Qk8m9y5r8C3dE1aQ";

/// A new token: what the holder keeps, and the hash the database keeps.
pub fn new_token(prefix: &str) -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{prefix}_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only_and_is_argon2id() {
        let h = hash_password("Blue-Harbour-47".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("Harbour"));
        assert!(verify_password("Blue-Harbour-47".into(), Some(h.clone())).await.unwrap());
        assert!(!verify_password("Blue-Harbour-48".into(), Some(h)).await.unwrap());
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn tokens_are_unique_and_only_their_hash_is_kept() {
        let (a, ha) = new_token("wsl");
        let (b, _) = new_token("wsl");
        assert_ne!(a, b);
        assert!(a.starts_with("wsl_") && a.len() > 40);
        assert_eq!(token_hash(&a), ha);
        assert!(!ha.contains(&a));
    }
}
