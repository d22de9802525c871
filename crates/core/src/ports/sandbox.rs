//! What a sandbox gives the console: simulators on loopback that stand in for every provider while
//! a channel has no real credentials. Implemented outside the core (`crates/sandbox`) and wired in
//! by the hosts.

use std::any::Any;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{Channel, PhoneE164};
use crate::error::Result;
use crate::providers::BoxFuture;
use crate::providers::registry::Values;

/// The secrets the simulators sign their callbacks with.
#[derive(Clone, Default)]
pub struct SandboxKeys {
    pub twilio_auth_tokens: Vec<String>,
    pub meta_app_secrets: Vec<String>,
    pub meta_verify_tokens: Vec<String>,
}

/// A push device the simulators should know (they forget devices when they restart).
#[derive(Debug, Clone)]
pub struct SandboxDevice {
    pub service: String,
    pub token: String,
    pub language: String,
}

/// A guardian's reply, to arrive through the provider's webhook like a real one.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub channel: Channel,
    pub provider: &'a str,
    pub from: &'a PhoneE164,
    pub text: &'a str,
}

/// What a sandbox gives the console.
pub trait Sandbox: Send + Sync {
    /// Where the simulators answer (shown in the console's status).
    fn base_url(&self) -> String;
    /// The sandbox account of a provider (every field the provider needs, `base_url` included).
    fn account<'a>(&'a self, provider: &'a str) -> BoxFuture<'a, Values>;
    fn keys(&self) -> SandboxKeys;
    /// Points the simulators' callbacks at `callbacks_url` and tells them our push devices.
    fn connect<'a>(&'a self, callbacks_url: &'a str, devices: Vec<SandboxDevice>) -> BoxFuture<'a, ()>;
    /// What each recipient would have seen, newest first.
    fn inbox(&self, channel: Option<Channel>) -> BoxFuture<'_, Vec<InboxItem>>;
    fn clear_inbox(&self) -> BoxFuture<'_, ()>;
    fn reply<'a>(&'a self, reply: Reply<'a>) -> BoxFuture<'a, Result<()>>;
    /// The implementation itself, for the host that made it (tests reach the simulators so).
    fn as_any(&self) -> &dyn Any;
}

/// What a recipient would have seen, from the sandbox simulators.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxItem {
    pub id: String,
    pub channel: Channel,
    pub provider: String,
    pub to: String,
    pub at: DateTime<Utc>,
    /// The simulator's own status word (`delivered`, `read`, `no-answer`, …).
    pub status: String,
    /// Email subject, push title, WhatsApp template name.
    pub title: Option<String>,
    /// SMS/WhatsApp text, email text, push body, the spoken script.
    pub text: String,
    pub html: Option<String>,
    /// Email sender as displayed (`مركز واصل <noreply@example.com>`).
    pub from: Option<String>,
    pub language: Option<String>,
    pub attachments: Vec<InboxAttachment>,
    /// Voice: the voice used and the call's length.
    pub voice: Option<String>,
    pub duration_secs: Option<u32>,
    pub error_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxAttachment {
    pub filename: String,
    pub content_type: String,
    pub size: u32,
}
