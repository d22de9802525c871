//! The SMS channel: one trait, one file per provider.

pub mod twilio;

use crate::domain::{MessageStatus, PhoneE164};
use crate::providers::{BoxFuture, ProviderError};

/// What a provider said when it took a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub provider_message_id: String,
    pub status: MessageStatus,
    pub http_status: u16,
}

/// A status report read from the provider (poll or callback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub status: MessageStatus,
    pub provider_status: String,
    pub provider_error_code: Option<String>,
}

pub struct OutgoingSms<'a> {
    pub to: &'a PhoneE164,
    pub body: &'a str,
    /// Our message id: sent where the provider keeps a client reference.
    pub reference: &'a str,
}

/// An SMS provider. Adapters hold configuration only, no state of their own.
pub trait SmsProvider: Send + Sync {
    /// Stable id used in `messages.provider` and attempts (`twilio`, `taqnyat`, `msegat`).
    fn id(&self) -> &'static str;
    fn send<'a>(&'a self, sms: OutgoingSms<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>>;
    /// `Ok(None)` when the provider does not know the message (or cannot be asked).
    fn poll_status<'a>(&'a self, provider_message_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ProviderError>>;
}
