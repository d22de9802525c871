//! A failed provider call, already classified: what the outbox does about it (retry, fail over,
//! stop) and the code the desk reads.

use std::collections::BTreeMap;
use std::time::Duration;

/// How the outbox should treat a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorClass {
    /// Try again later with backoff (timeouts, connection errors, 408, 429, 5xx).
    Retryable,
    /// This provider cannot take it now: try the next provider in the failover order.
    Failover,
    /// Never retry (invalid number, opted out, rejected, bad credentials).
    Permanent,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::Failover => "failover",
            ErrorClass::Permanent => "permanent",
        }
    }
}

/// Why a recipient cannot receive on a channel, as the provider said it: each channel's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// Email: the mailbox does not exist (or is disabled) at that domain (5.1.1, 5.2.1, 550, 551, 553).
    NoMailbox,
    /// Email: the domain has no mail server (5.1.2, 5.1.10).
    NoMailDomain,
    /// Email: the mailbox is full (5.2.2).
    MailboxFull,
    /// Email: the address cannot be written to the relay (5.1.3, 5.6.7).
    BadAddress,
    /// WhatsApp: the number has no WhatsApp account (or cannot receive this message).
    NotOnWhatsapp,
    /// Push: the device is no longer registered with the push service.
    DeviceUnregistered,
    /// SMS: the number exists but cannot receive SMS (a landline, a data-only line).
    CannotReceiveSms,
}

impl Recipient {
    pub fn code(self) -> &'static str {
        match self {
            Recipient::NoMailbox => "recipient.no_mailbox",
            Recipient::NoMailDomain => "recipient.no_mail_domain",
            Recipient::MailboxFull => "recipient.mailbox_full",
            Recipient::BadAddress => "recipient.bad_address",
            Recipient::NotOnWhatsapp => "recipient.not_on_whatsapp",
            Recipient::DeviceUnregistered => "recipient.device_unregistered",
            Recipient::CannotReceiveSms => "recipient.cannot_receive_sms",
        }
    }
}

/// A failed provider call, already classified.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("provider rejected the credentials")]
    AuthFailed { http_status: u16, provider_code: Option<String> },
    #[error("provider says the number is invalid")]
    InvalidNumber { http_status: u16, provider_code: Option<String> },
    #[error("recipient opted out")]
    OptedOut { http_status: u16, provider_code: Option<String> },
    #[error("rate limited")]
    RateLimited { http_status: u16, provider_code: Option<String>, retry_after: Option<Duration> },
    #[error("provider unavailable")]
    Unavailable { http_status: Option<u16>, provider_code: Option<String>, retry_after: Option<Duration> },
    #[error("provider timed out")]
    Timeout,
    #[error("provider rejected the message ({provider_code:?})")]
    Rejected { http_status: u16, provider_code: Option<String>, message: String },
    #[error("provider answered something we cannot read: {detail}")]
    BadResponse { http_status: Option<u16>, detail: String },
    /// The provider answered that this recipient cannot receive on this channel, and why.
    #[error("recipient cannot receive on this channel: {problem:?}")]
    Unreachable { http_status: Option<u16>, provider_code: Option<String>, problem: Recipient },
    /// WhatsApp free text outside the 24-hour customer-service window.
    #[error("outside the 24-hour window: an approved template is needed")]
    OutsideWindow { http_status: Option<u16>, provider_code: Option<String> },
    /// Template missing, not approved in that language, or the wrong number of parameters.
    #[error("template not usable")]
    TemplateInvalid { http_status: Option<u16>, provider_code: Option<String> },
    /// The provider has no call that proves the credentials without sending (use "send a test").
    #[error("this provider cannot be checked without sending")]
    CheckUnsupported,
    /// The content itself was refused (too large, a bad attachment, bad TwiML).
    #[error("content refused")]
    ContentInvalid { http_status: Option<u16>, provider_code: Option<String> },
}

impl ProviderError {
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::AuthFailed { .. } => "provider.auth_failed",
            ProviderError::InvalidNumber { .. } => "provider.invalid_number",
            ProviderError::OptedOut { .. } => "provider.opted_out",
            ProviderError::RateLimited { .. } => "provider.rate_limited",
            ProviderError::Unavailable { .. } => "provider.unavailable",
            ProviderError::Timeout => "provider.timeout",
            ProviderError::Rejected { .. } => "provider.rejected",
            ProviderError::BadResponse { .. } => "provider.bad_response",
            ProviderError::Unreachable { problem, .. } => problem.code(),
            ProviderError::OutsideWindow { .. } => "provider.outside_window",
            ProviderError::TemplateInvalid { .. } => "provider.template_invalid",
            ProviderError::ContentInvalid { .. } => "provider.content_invalid",
            ProviderError::CheckUnsupported => "provider.check_unsupported",
        }
    }

    pub fn params(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(code) = self.provider_code() {
            out.insert("code".to_owned(), code.to_owned());
        }
        out
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            ProviderError::AuthFailed { .. }
            | ProviderError::InvalidNumber { .. }
            | ProviderError::OptedOut { .. }
            | ProviderError::Rejected { .. }
            | ProviderError::Unreachable { .. }
            | ProviderError::OutsideWindow { .. }
            | ProviderError::TemplateInvalid { .. }
            | ProviderError::ContentInvalid { .. }
            | ProviderError::CheckUnsupported => ErrorClass::Permanent,
            ProviderError::RateLimited { .. } | ProviderError::Timeout | ProviderError::BadResponse { .. } => {
                ErrorClass::Retryable
            }
            ProviderError::Unavailable { .. } => ErrorClass::Failover,
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            ProviderError::AuthFailed { http_status, .. }
            | ProviderError::InvalidNumber { http_status, .. }
            | ProviderError::OptedOut { http_status, .. }
            | ProviderError::RateLimited { http_status, .. }
            | ProviderError::Rejected { http_status, .. } => Some(*http_status),
            ProviderError::Unavailable { http_status, .. }
            | ProviderError::BadResponse { http_status, .. }
            | ProviderError::Unreachable { http_status, .. }
            | ProviderError::OutsideWindow { http_status, .. }
            | ProviderError::TemplateInvalid { http_status, .. }
            | ProviderError::ContentInvalid { http_status, .. } => *http_status,
            ProviderError::Timeout | ProviderError::CheckUnsupported => None,
        }
    }

    pub fn provider_code(&self) -> Option<&str> {
        match self {
            ProviderError::AuthFailed { provider_code, .. }
            | ProviderError::InvalidNumber { provider_code, .. }
            | ProviderError::OptedOut { provider_code, .. }
            | ProviderError::RateLimited { provider_code, .. }
            | ProviderError::Unavailable { provider_code, .. }
            | ProviderError::Rejected { provider_code, .. }
            | ProviderError::Unreachable { provider_code, .. }
            | ProviderError::OutsideWindow { provider_code, .. }
            | ProviderError::TemplateInvalid { provider_code, .. }
            | ProviderError::ContentInvalid { provider_code, .. } => provider_code.as_deref(),
            ProviderError::Timeout | ProviderError::BadResponse { .. } | ProviderError::CheckUnsupported => None,
        }
    }

    /// What the provider asked us to wait (from `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } | ProviderError::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}
