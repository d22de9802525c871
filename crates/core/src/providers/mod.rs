//! Provider adapters, one file each behind one trait per channel, and the one place where
//! provider answers are classified as retryable, failover or permanent.

pub mod sms;

use std::collections::BTreeMap;
use std::time::Duration;

/// A boxed future, so channel traits stay object-safe.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

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
            | ProviderError::Rejected { .. } => ErrorClass::Permanent,
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
            ProviderError::Unavailable { http_status, .. } | ProviderError::BadResponse { http_status, .. } => {
                *http_status
            }
            ProviderError::Timeout => None,
        }
    }

    pub fn provider_code(&self) -> Option<&str> {
        match self {
            ProviderError::AuthFailed { provider_code, .. }
            | ProviderError::InvalidNumber { provider_code, .. }
            | ProviderError::OptedOut { provider_code, .. }
            | ProviderError::RateLimited { provider_code, .. }
            | ProviderError::Unavailable { provider_code, .. }
            | ProviderError::Rejected { provider_code, .. } => provider_code.as_deref(),
            ProviderError::Timeout | ProviderError::BadResponse { .. } => None,
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

    /// A transport failure: the request may or may not have reached the provider.
    pub fn from_transport(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            ProviderError::Timeout
        } else {
            ProviderError::Unavailable { http_status: None, provider_code: None, retry_after: None }
        }
    }

    /// The shared reading of an HTTP status that the adapter could not place more precisely.
    pub fn from_http(
        status: u16,
        provider_code: Option<String>,
        message: String,
        retry_after: Option<Duration>,
    ) -> Self {
        match status {
            401 | 403 => ProviderError::AuthFailed { http_status: status, provider_code },
            408 => ProviderError::Timeout,
            429 => ProviderError::RateLimited { http_status: status, provider_code, retry_after },
            500..=599 => ProviderError::Unavailable { http_status: Some(status), provider_code, retry_after },
            _ => ProviderError::Rejected { http_status: status, provider_code, message },
        }
    }
}

/// Sends a provider request; a transport failure becomes a timeout or "unavailable".
pub async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, ProviderError> {
    request.send().await.map_err(|e| ProviderError::from_transport(&e))
}

/// Reads a provider's JSON answer; anything unreadable is a bad response, never a success.
pub async fn read_json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, ProviderError> {
    let http_status = response.status().as_u16();
    response
        .json()
        .await
        .map_err(|e| ProviderError::BadResponse { http_status: Some(http_status), detail: e.to_string() })
}

/// Reads `Retry-After` as seconds (the form these providers use).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The real provider's base URL, from `config/providers.json` (configuration, not code; tests and
/// the sandbox never use it).
pub fn default_base_url(provider: &str) -> Option<String> {
    let defaults: serde_json::Value = serde_json::from_str(include_str!("../../../../config/providers.json")).ok()?;
    defaults.get(provider)?.as_str().map(str::to_owned)
}

/// A provider call's time limit for a given lease: at most 15 s, at most a third of the lease.
pub fn request_timeout(lease: Duration) -> Duration {
    (lease / 3).clamp(Duration::from_millis(500), Duration::from_secs(15))
}

/// One HTTP client for all adapters: rustls, short connect timeout, bounded total time.
pub fn http_client() -> reqwest::Client {
    http_client_with_timeout(Duration::from_secs(15))
}

/// The same, with a total time limit per request (kept well under the outbox lease, so a lease
/// never expires while its call could still be answered).
pub fn http_client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("wasel/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building only fails when the TLS backend cannot initialise, which is a broken install.
        .unwrap_or_else(|_| reqwest::Client::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sms_provider_has_a_configured_default_base_url() {
        for id in [sms::twilio::ID, sms::taqnyat::ID, sms::msegat::ID] {
            assert!(default_base_url(id).is_some_and(|u| u.starts_with("https://")), "{id}");
        }
    }

    #[test]
    fn http_statuses_are_classified_once() {
        let class = |s| ProviderError::from_http(s, None, String::new(), None).class();
        assert_eq!(class(401), ErrorClass::Permanent);
        assert_eq!(class(400), ErrorClass::Permanent);
        assert_eq!(class(408), ErrorClass::Retryable);
        assert_eq!(class(429), ErrorClass::Retryable);
        assert_eq!(class(500), ErrorClass::Failover);
        assert_eq!(class(503), ErrorClass::Failover);
    }
}
