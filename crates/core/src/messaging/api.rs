//! What the faces send and get back for composing and following messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::sms::SmsEncoding;
use crate::domain::{Channel, EventSource, Language, MessageStatus};
use crate::error::ErrorPayload;

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SmsDraft {
    pub to: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SmsPreview {
    /// E.164 form (`+9665…`) when the number is valid.
    pub normalized: Option<String>,
    /// Set when `to` is not empty and not a valid mobile number.
    pub phone_error: Option<ErrorPayload>,
    pub encoding: SmsEncoding,
    /// Characters as the network counts them (GSM-7 extension characters count twice).
    pub units: u32,
    pub segments: u32,
    /// Units left in the current segment.
    pub remaining: u32,
}

#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendSmsInput {
    pub to: String,
    pub body: String,
    pub guardian_id: Option<String>,
    /// One key per draft: a repeat returns the first message instead of sending twice.
    pub idempotency_key: Option<String>,
    /// Send later (`scheduled` until then).
    pub send_at: Option<DateTime<Utc>>,
    /// Pointless after this (a reminder after the appointment): `expired` instead of sent.
    pub expires_at: Option<DateTime<Utc>>,
    /// Urgent messages ignore quiet hours.
    pub urgent: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageFilter {
    pub status: Option<MessageStatus>,
    pub channel: Option<Channel>,
    pub provider: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: String,
    pub channel: Channel,
    pub to: String,
    /// `+966 55 123 4567`
    pub to_display: String,
    pub guardian_name: Option<String>,
    pub body: String,
    pub status: MessageStatus,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub segments: u32,
    pub encoding: SmsEncoding,
    pub attempts: u32,
    pub sandbox: bool,
    pub error: Option<ErrorPayload>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Requested send time (scheduled messages).
    pub send_at: Option<DateTime<Utc>>,
    /// After this it is expired instead of sent.
    pub expires_at: Option<DateTime<Utc>>,
    /// When a worker may next take it (the end of a backoff, of quiet hours, or `send_at`);
    /// only for messages still waiting.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub urgent: bool,
    /// Email subject, push title, WhatsApp template name.
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageEventView {
    pub id: String,
    pub status: MessageStatus,
    pub source: EventSource,
    pub at: DateTime<Utc>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GuardianView {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub phone_display: String,
    pub language: Language,
    pub beneficiary_name: Option<String>,
    pub email: Option<String>,
    /// Push devices that can still receive.
    pub devices: u32,
}

/// One call to a provider, for the message's timeline.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub attempt_no: u32,
    pub provider: String,
    pub started_at: DateTime<Utc>,
    pub latency_ms: Option<u32>,
    pub http_status: Option<u16>,
    pub provider_error_code: Option<String>,
    /// `retryable`, `failover` or `permanent` when the call failed.
    pub error_class: Option<String>,
    /// `accepted` or `error`.
    pub outcome: String,
}

// ---- Every channel -------------------------------------------------------------------------

/// A message on any channel, from the compose screen or the CLI.
#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageInput {
    pub channel: Channel,
    /// A phone number (SMS, WhatsApp, voice) or an email address; empty for push, which goes to
    /// the guardian's registered devices.
    pub to: String,
    pub guardian_id: Option<String>,
    /// The text: SMS/WhatsApp free text, the email's plain text, the push body, the voice script.
    /// Empty for a WhatsApp template (its approved text is used).
    pub body: String,
    pub idempotency_key: Option<String>,
    pub send_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub urgent: Option<bool>,
    /// WhatsApp: an approved template and its parameters (`None`: free text inside the window).
    pub template: Option<TemplateFill>,
    /// Email subject; push title.
    pub subject: Option<String>,
    /// Email: an HTML alternative to the text.
    pub html: Option<String>,
    /// Email attachments.
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    /// Voice: the spoken language (default: the guardian's).
    pub language: Option<Language>,
    /// Push: the title for devices set to English (default: `subject`).
    #[serde(default)]
    pub subject_en: Option<String>,
    /// Push: the text for devices set to English; voice: the script of an English call.
    #[serde(default)]
    pub body_en: Option<String>,
}

#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateFill {
    pub name: String,
    pub language: String,
    pub params: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInput {
    pub filename: String,
    pub content_type: String,
    pub data_base64: String,
}

/// What the compose screen shows before sending.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessagePreview {
    pub channel: Channel,
    /// The address as it will be used (`+9665…`, a lower-cased email).
    pub normalized: Option<String>,
    /// Set when `to` is not empty and not valid for the channel.
    pub address_error: Option<ErrorPayload>,
    /// SMS only: encoding and segments.
    pub sms: Option<SmsPreview>,
    /// The text the recipient will get (a WhatsApp template filled with its parameters).
    pub rendered: Option<String>,
    pub cost: Option<CostEstimate>,
    /// WhatsApp: the customer-service window of this number.
    pub window: Option<WindowView>,
    /// Push: the guardian's devices (disabled ones included, marked).
    pub devices: Vec<DeviceView>,
    /// What would stop the send (template not approved, outside the window, no devices, …).
    pub problems: Vec<ErrorPayload>,
}

/// An estimate before sending: units × the provider's price (set in Settings → Providers).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CostEstimate {
    pub provider: String,
    /// SMS segments, WhatsApp conversations, calls, …
    pub units: u32,
    pub unit_price_halalas: u32,
    pub total_halalas: u32,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WindowView {
    pub open: bool,
    pub last_inbound_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

/// A WhatsApp template as the provider reported it.
#[derive(Debug, Clone, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub provider: String,
    pub name: String,
    pub language: String,
    pub status: crate::providers::whatsapp::TemplateStatus,
    pub category: Option<String>,
    /// The approved text with `{{1}}`… placeholders.
    pub body: String,
    pub params: u32,
    pub fetched_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceView {
    pub id: String,
    /// `fcm` or `onesignal`.
    pub service: String,
    pub label: Option<String>,
    pub language: Language,
    /// The token's last characters (the token itself is not shown).
    pub token_tail: String,
    pub disabled: bool,
    pub disabled_reason: Option<String>,
}
