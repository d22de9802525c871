//! The keychain could not be used.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No keychain at all (no D-Bus session, unsupported platform).
    #[error("no keychain available: {0}")]
    Unavailable(String),
    /// A session bus exists but nothing provides the Secret Service.
    #[error("no secret service: {0}")]
    NoService(String),
    /// The keychain is locked or access was refused.
    #[error("keychain locked: {0}")]
    Locked(String),
    #[error("keychain failure: {0}")]
    Failed(String),
    /// A credentials file or directory that others may read or write.
    #[error("credentials exposed: {0}")]
    Exposed(String),
}

impl SecretError {
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::Unavailable(_) => "keychain.unavailable",
            SecretError::NoService(_) => "keychain.no_service",
            SecretError::Locked(_) => "keychain.locked",
            SecretError::Failed(_) => "keychain.failed",
            SecretError::Exposed(_) => "keychain.file_exposed",
        }
    }
}
