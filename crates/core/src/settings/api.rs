//! What the faces send and get back for the console's status and settings.

use serde::{Deserialize, Serialize};

use crate::domain::Language;
use crate::error::ErrorPayload;
use crate::store::Backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum KeychainState {
    Available,
    Unavailable,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub language: Language,
    pub backend: Backend,
    /// True when messages go to the built-in simulators (no real credentials configured).
    pub sandbox: bool,
    pub sandbox_url: Option<String>,
    pub keychain: KeychainState,
    /// Why the keychain is unavailable (translate `errors.<code>`).
    pub keychain_error: Option<ErrorPayload>,
}
