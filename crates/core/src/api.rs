//! What the faces (desktop, CLI) send in and get back: plain serialisable views, exported to
//! TypeScript by the desktop host. No behaviour here. Outputs only serialize and inputs only
//! deserialize, so each has one TypeScript shape.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::sms::SmsEncoding;
use crate::domain::{Channel, EventSource, MessageStatus};
use crate::error::ErrorPayload;
use crate::settings::Language;
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
    pub twilio: TwilioSettingsView,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TwilioSettingsView {
    pub configured: bool,
    pub account_sid: Option<String>,
    pub from_number: Option<String>,
    pub base_url: String,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TwilioCredentialsInput {
    pub account_sid: String,
    pub auth_token: String,
    pub from_number: String,
}

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

#[derive(Debug, Clone, Deserialize, specta::Type)]
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

/// What an operator can do to one message (each is audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum OperatorAction {
    /// Stop a queued, scheduled or unknown message.
    Cancel,
    /// Send a message waiting for its retry now.
    RetryNow,
    /// Send an `unknown` message again (the operator checked it did not arrive).
    Resend,
    /// Close an `unknown` message without sending (the operator checked it arrived).
    Dismiss,
}

/// Retries (SMS) and quiet hours (Riyadh time, `HH:MM-HH:MM`, empty for none).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutboxSettings {
    pub max_attempts: u32,
    pub backoff_base_secs: u32,
    pub backoff_max_secs: u32,
    pub quiet_hours: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageFilter {
    pub status: Option<MessageStatus>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
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
