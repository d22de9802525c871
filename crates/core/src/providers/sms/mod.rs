//! The SMS channel: one trait, one file per provider.

pub mod failover;
pub mod msegat;
pub mod taqnyat;
pub mod twilio;

use crate::domain::{MessageStatus, PhoneE164};
use crate::providers::{BoxFuture, ProviderError};

/// What a provider said when it took a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Which provider took it (with failover, not always the first).
    pub provider: &'static str,
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

    /// After a crash mid-call: did the provider take this message (same number and text, created
    /// since `since`)? `Unsupported` when the provider cannot be asked; the message then waits
    /// for an operator. `exclude` holds provider ids already matched to other messages.
    fn find_sent<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Found, ProviderError>> {
        let _ = lookup;
        Box::pin(async { Ok(Found::Unsupported) })
    }
}

/// What [`SmsProvider::find_sent`] looks for.
pub struct Lookup<'a> {
    pub to: &'a PhoneE164,
    pub body: &'a str,
    pub since: chrono::DateTime<chrono::Utc>,
    pub exclude: &'a (dyn Fn(&str) -> bool + Sync),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The provider has it: here is its id and status.
    Yes(Accepted),
    /// The provider has no such message: it never arrived.
    No,
    /// This provider cannot be asked.
    Unsupported,
}
