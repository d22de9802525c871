//! What the Contacts screen and the CLI send and get back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, Language};
use crate::messaging::api::MessageView;

/// A guardian with their beneficiary, as listed.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    pub guardian_id: String,
    pub name: String,
    pub name_en: Option<String>,
    /// E.164 (`+9665…`) and as people read it (`+966 55 123 4567`).
    pub phone: Option<String>,
    pub phone_display: Option<String>,
    pub email: Option<String>,
    pub language: Language,
    pub relationship: Option<String>,
    pub tags: Vec<String>,
    pub beneficiary_id: Option<String>,
    pub beneficiary_name: Option<String>,
    pub beneficiary_name_en: Option<String>,
    pub file_number: Option<String>,
    pub programme: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A new family (no `guardian_id`) or changes to one.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactInput {
    pub guardian_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    /// Any common Saudi form; empty for none.
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    pub language: Language,
    #[serde(default)]
    pub relationship: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub beneficiary_name: String,
    #[serde(default)]
    pub beneficiary_name_en: Option<String>,
    #[serde(default)]
    pub file_number: Option<String>,
    #[serde(default)]
    pub programme: Option<String>,
}

/// Where a consent came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// A signed form at the desk.
    Form,
    /// The guardian replied STOP (or إيقاف) / START.
    StopReply,
    Import,
    /// Changed by a person in the console.
    Operator,
}

impl ConsentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentSource::Form => "form",
            ConsentSource::StopReply => "stop_reply",
            ConsentSource::Import => "import",
            ConsentSource::Operator => "operator",
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    pub channel: Channel,
    pub opted_in: bool,
    pub source: String,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

/// One family: the contact, consent per channel, and the messages sent to them.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FamilyView {
    pub contact: ContactView,
    pub consents: Vec<ConsentView>,
    pub messages: Vec<MessageView>,
}
