//! The whatsapp channel: one file per provider.

pub mod meta;
pub mod twilio;

/// A message template as a WhatsApp provider lists it (Meta's message_templates, Twilio's Content API).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateInfo {
    pub name: String,
    /// The provider's language code (`ar`, `en`, `en_US`).
    pub language: String,
    pub status: TemplateStatus,
    /// `UTILITY`, `MARKETING`, `AUTHENTICATION` as the provider spells it.
    pub category: Option<String>,
    /// The body text with its positional `{{1}}`… placeholders.
    pub body: String,
    /// The provider's own id (Meta's template id, Twilio's `ContentSid`).
    pub provider_ref: Option<String>,
}

/// Where a template stands with WhatsApp: only `Approved` ones can be sent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, specta::Type, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum TemplateStatus {
    Approved,
    Pending,
    Rejected,
    /// Paused by WhatsApp for low quality; may come back.
    Paused,
    /// Permanently disabled after repeated pauses.
    Disabled,
    Unknown,
}

/// A provider that can list its WhatsApp templates and their approval status.
pub trait TemplateSource: Send + Sync {
    fn list_templates(
        &self,
    ) -> crate::providers::BoxFuture<'_, Result<Vec<TemplateInfo>, crate::providers::ProviderError>>;
}

impl TemplateSource for meta::MetaWhatsapp {
    fn list_templates(
        &self,
    ) -> crate::providers::BoxFuture<'_, Result<Vec<TemplateInfo>, crate::providers::ProviderError>> {
        Box::pin(self.templates())
    }
}
