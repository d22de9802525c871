//! The test service account's key.

use super::*;

pub(super) struct TestKey {
    pub(super) verifying: VerifyingKey<Sha256>,
    pub(super) pkcs8_pem: String,
    pub(super) key_id: String,
}

/// One key per process: RSA generation costs about a second even optimised.
pub(super) static TEST_KEY: OnceLock<Result<TestKey, String>> = OnceLock::new();

pub(super) fn generate_key() -> Result<TestKey, String> {
    let mut rng = rsa::rand_core::OsRng;
    let private = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| e.to_string())?;
    let pkcs8_pem = private.to_pkcs8_pem(LineEnding::LF).map_err(|e| e.to_string())?.to_string();
    let verifying = VerifyingKey::<Sha256>::new(private.to_public_key());
    let key_id = (0..40).map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)])).collect();
    tracing::debug!("fcm sim: test service-account key generated");
    Ok(TestKey { verifying, pkcs8_pem, key_id })
}

pub(super) async fn test_key() -> std::io::Result<&'static TestKey> {
    let key = match TEST_KEY.get() {
        Some(key) => key,
        None => {
            tokio::task::spawn_blocking(|| TEST_KEY.get_or_init(generate_key)).await.map_err(std::io::Error::other)?
        }
    };
    key.as_ref().map_err(|e| std::io::Error::other(format!("test RSA key: {e}")))
}
