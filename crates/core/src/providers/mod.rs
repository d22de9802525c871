//! Provider adapters, one file each behind one trait per channel, and the one place where
//! provider answers are classified as retryable, failover or permanent.

pub mod email;
pub mod failover;
pub mod limit;
pub mod push;
pub mod registry;
pub mod sms;
pub mod twilio_account;
pub mod voice;
pub mod whatsapp;

use std::time::Duration;

use crate::domain::{Channel, Content, MessageStatus};

/// A boxed future, so the provider trait stays object-safe.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// One message on its way to a provider.
pub struct Outgoing<'a> {
    /// E.164 (`+9665…`) for SMS, WhatsApp and voice; an email address; a push device token.
    pub to: &'a str,
    /// The text: SMS or WhatsApp text (a template's rendered text), email plain text, push body,
    /// the voice script.
    pub body: &'a str,
    pub content: &'a Content,
    /// Our message id: sent where the provider keeps a client reference.
    pub reference: &'a str,
    /// Our idempotency key: sent where the provider honours one.
    pub idempotency_key: &'a str,
}

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

/// A provider of one channel. Adapters hold configuration only (and at most a token cache).
pub trait Provider: Send + Sync {
    /// Stable id used in `messages.provider` and attempts (`twilio`, `meta`, `smtp`, …).
    fn id(&self) -> &'static str;
    fn channel(&self) -> Channel;
    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>>;

    /// `Ok(None)` when the provider does not know the message or cannot be asked.
    fn poll_status<'a>(&'a self, provider_message_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        let _ = provider_message_id;
        Box::pin(async { Ok(None) })
    }

    /// After a crash mid-call: did the provider take this message (same address and text, created
    /// since `since`)? `Unsupported` when the provider cannot be asked; the message then waits
    /// for an operator. `exclude` holds provider ids already matched to other messages.
    fn find_sent<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Found, ProviderError>> {
        let _ = lookup;
        Box::pin(async { Ok(Found::Unsupported) })
    }

    /// "Test connection": one cheap authenticated call. `Ok` carries a short detail for people
    /// (the account's name, a balance).
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>>;

    /// WhatsApp providers list their templates and approval status.
    fn templates(&self) -> Option<&dyn whatsapp::TemplateSource> {
        None
    }
}

/// What [`Provider::find_sent`] looks for.
pub struct Lookup<'a> {
    pub to: &'a str,
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

pub use crate::error::{ErrorClass, ProviderError, Recipient};

/// What a channel does after a failed call, beyond the outbox's own decision (a push service
/// that says a token is dead: the device is not sent to again).
pub async fn after_failure(db: &crate::store::Db, content: &crate::domain::Content, address: &str, e: &ProviderError) {
    if let crate::domain::Content::Push { service, .. } = content {
        push::forget_dead_device(db, service, address, e).await;
    }
}

impl ProviderError {
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
    fn every_http_provider_has_a_configured_default_base_url() {
        for spec in registry::PROVIDERS.iter().filter(|p| p.id != "smtp") {
            let host = if spec.id.starts_with("twilio") { "twilio" } else { spec.id };
            assert!(default_base_url(host).is_some_and(|u| u.starts_with("https://")), "{}", spec.id);
        }
        assert!(default_base_url("twilio_content").is_some());
        assert!(default_base_url("fcm_token").is_some());
    }

    /// Real provider endpoints live in `config/providers.json` only: no code (and so no test or
    /// sandbox path) can reach one by a literal.
    #[test]
    fn no_code_names_a_real_provider_endpoint() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let config = std::fs::read_to_string(root.join("config/providers.json")).unwrap_or_default();
        let config: serde_json::Value = serde_json::from_str(&config).unwrap_or_default();
        let hosts: Vec<String> = config
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, v)| {
                v.as_str().and_then(|u| u.strip_prefix("https://")).map(|h| h.split('/').next().unwrap_or(h).to_owned())
            })
            .collect();
        assert!(hosts.len() >= 8, "{hosts:?}");
        let mut offenders = Vec::new();
        let mut stack = vec![root.join("crates"), root.join("src-tauri/src"), root.join("tests")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    for (n, line) in text.lines().enumerate() {
                        let code = line.split("//").next().unwrap_or("");
                        if hosts.iter().any(|h| {
                            code.contains(&format!("\"https://{h}")) || code.contains(&format!("\"http://{h}"))
                        }) {
                            offenders.push(format!("{}:{}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "real provider endpoints in code: {offenders:?}");
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
