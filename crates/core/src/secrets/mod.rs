//! Secrets (API keys, tokens) live only in the OS keychain, or on a headless server in a
//! protected credentials directory (`files`); rows and config hold a reference.
//! The keychain is blocking (D-Bus on Linux): call it from `spawn_blocking`.

mod files;
pub mod sealed;

pub use files::CredentialsDir;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The keychain service name every Wasel secret is filed under.
pub const SERVICE: &str = "wasel";

pub use crate::error::SecretError;

/// Where secrets are kept. `account` names the secret inside [`SERVICE`].
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError>;
    fn delete(&self, account: &str) -> Result<(), SecretError>;
    /// Whether the store can be used at all, checked without touching any secret.
    fn probe(&self) -> Result<(), SecretError>;
    fn name(&self) -> &'static str;
}

pub type SharedSecrets = Arc<dyn SecretStore>;

/// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
#[derive(Debug, Default, Clone, Copy)]
pub struct Keychain;

fn map_keyring(e: keyring::Error) -> SecretError {
    let text = e.to_string();
    match e {
        keyring::Error::NoStorageAccess(_) => SecretError::Locked(text),
        keyring::Error::NoDefaultStore => SecretError::Unavailable(text),
        keyring::Error::PlatformFailure(_) => {
            let lower = text.to_lowercase();
            if lower.contains("serviceunknown")
                || lower.contains("service unknown")
                || lower.contains("not provided by any")
            {
                SecretError::NoService(text)
            } else if lower.contains("locked") || lower.contains("prompt") {
                SecretError::Locked(text)
            } else if lower.contains("dbus")
                || lower.contains("d-bus")
                || lower.contains("bus")
                || lower.contains("address")
            {
                SecretError::Unavailable(text)
            } else {
                SecretError::Failed(text)
            }
        }
        _ => SecretError::Failed(text),
    }
}

impl Keychain {
    fn entry(account: &str) -> Result<keyring::Entry, SecretError> {
        if let Err(e) = keyring::Entry::store_status() {
            return Err(map_keyring_ref(e));
        }
        keyring::Entry::new(SERVICE, account).map_err(map_keyring)
    }
}

fn map_keyring_ref(e: &keyring::Error) -> SecretError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("serviceunknown") || lower.contains("not provided by any") {
        SecretError::NoService(text)
    } else {
        SecretError::Unavailable(text)
    }
}

impl SecretStore for Keychain {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match Self::entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        Self::entry(account)?.set_password(secret).map_err(map_keyring)
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring(e)),
        }
    }

    fn probe(&self) -> Result<(), SecretError> {
        // Reading a name that never exists proves the bus, the service and the unlock.
        self.get("wasel.probe").map(|_| ())
    }

    fn name(&self) -> &'static str {
        "keychain"
    }
}

/// Keeps secrets in memory only: for tests, and for `--no-keychain` runs (sandbox only).
#[derive(Debug, Default, Clone)]
pub struct MemorySecrets {
    inner: Arc<Mutex<HashMap<String, String>>>,
    unavailable: Option<SecretError>,
}

impl MemorySecrets {
    /// A store that refuses every call with `error`: what a machine without a keychain looks like.
    pub fn failing(error: SecretError) -> Self {
        Self { inner: Arc::default(), unavailable: Some(error) }
    }

    /// The accounts held (tests look for what was stored, never at it in the clear elsewhere).
    pub fn accounts(&self) -> Vec<String> {
        self.map().map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }

    fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, String>>, SecretError> {
        if let Some(e) = &self.unavailable {
            return Err(e.clone());
        }
        self.inner.lock().map_err(|_| SecretError::Failed("poisoned".into()))
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        Ok(self.map()?.get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.map()?.insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        self.map()?.remove(account);
        Ok(())
    }

    fn probe(&self) -> Result<(), SecretError> {
        self.map().map(|_| ())
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

/// Runs a blocking keychain call off the async runtime.
pub async fn blocking<T: Send + 'static>(
    store: &SharedSecrets,
    f: impl FnOnce(&dyn SecretStore) -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(store.as_ref())).await.map_err(|e| SecretError::Failed(e.to_string()))?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn memory_store_keeps_and_forgets() {
        let s = MemorySecrets::default();
        s.set("a", "b").unwrap();
        assert_eq!(s.get("a").unwrap().as_deref(), Some("b"));
        s.delete("a").unwrap();
        assert_eq!(s.get("a").unwrap(), None);
    }

    #[test]
    fn a_failing_store_reports_its_code() {
        let s = MemorySecrets::failing(SecretError::NoService("x".into()));
        assert_eq!(s.probe().unwrap_err().code(), "keychain.no_service");
    }
}
