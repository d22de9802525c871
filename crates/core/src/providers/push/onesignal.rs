//! OneSignal push (`POST {base}/notifications`, `Authorization: Key <App API key>`), see
//! `shared/reference/onesignal.md`. One subscription id per message, `contents`/`headings` in the
//! guardian's language plus `en` (OneSignal refuses a message without English), and our message
//! reference (a UUID) as `idempotency_key`, so a retry within 30 days never sends twice.
//!
//! OneSignal answers 200 even when nobody was reachable: an empty `id` or `errors.invalid_player_ids`
//! means the subscription is gone (`Unreachable`, provider code `invalid_player_ids`). Status comes
//! from polling the notification's counters: `successful` → delivered, `failed` (unsubscribed) or
//! `errored` → failed, `remaining` → still sent, `canceled` → cancelled.

use crate::error::Recipient;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::domain::{Channel, Content, MessageStatus};
use crate::providers::{Accepted, BoxFuture, Outgoing, Provider, ProviderError, Report, retry_after};

pub const ID: &str = "onesignal";
/// The provider code of every "this subscription is gone" answer.
pub const INVALID_PLAYER_IDS: &str = "invalid_player_ids";

#[derive(Clone)]
pub struct OneSignalPush {
    http: reqwest::Client,
    base_url: String,
    app_id: String,
    api_key: String,
}

impl std::fmt::Debug for OneSignalPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("OneSignalPush").field("base_url", &self.base_url).field("app_id", &self.app_id).finish()
    }
}

/// OneSignal's counter names (and `canceled`) as Wasel statuses.
pub fn map_status(status: &str) -> Option<MessageStatus> {
    Some(match status {
        "remaining" | "queued" => MessageStatus::Sent,
        "successful" | "received" => MessageStatus::Delivered,
        "converted" => MessageStatus::Read,
        "failed" | "errored" => MessageStatus::Failed,
        "canceled" => MessageStatus::Cancelled,
        _ => return None,
    })
}

/// Reads a `GET /notifications/{id}` body (one recipient) into a report. OneSignal has no delivery
/// webhook; this is the poll's parser. `None` when the body has no counters.
pub fn parse_notification(body: &Value) -> Option<Report> {
    let count = |name: &str| body.get(name).and_then(Value::as_u64).unwrap_or(0);
    let has_counters = ["successful", "failed", "errored", "remaining"].iter().any(|n| body.get(*n).is_some());
    if !has_counters {
        return None;
    }
    let provider_status = if count("converted") > 0 {
        "converted"
    } else if count("successful") > 0 || count("received") > 0 {
        "successful"
    } else if count("errored") > 0 {
        "errored"
    } else if count("failed") > 0 {
        "failed"
    } else if body.get("canceled").and_then(Value::as_bool) == Some(true) {
        "canceled"
    } else {
        "remaining"
    };
    let status = map_status(provider_status)?;
    let provider_error_code = (status == MessageStatus::Failed).then(|| provider_status.to_owned());
    Some(Report { status, provider_status: provider_status.to_owned(), provider_error_code })
}

/// The ids OneSignal could not reach, from either form of `errors` in a 200 answer.
fn unreachable_in(errors: &Value) -> bool {
    match errors {
        Value::Object(map) => ["invalid_player_ids", "invalid_external_user_ids", "invalid_aliases"]
            .iter()
            .any(|k| map.get(*k).is_some_and(|v| !v.is_null())),
        Value::Array(items) => items.iter().filter_map(Value::as_str).any(|e| e.contains("not subscribed")),
        _ => false,
    }
}

fn error_texts(body: &Value) -> String {
    match body.get("errors") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

impl OneSignalPush {
    pub fn new(http: reqwest::Client, base_url: &str, app_id: &str, api_key: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            app_id: app_id.to_owned(),
            api_key: api_key.to_owned(),
        }
    }

    fn auth(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.header(reqwest::header::AUTHORIZATION, format!("Key {}", self.api_key))
    }

    async fn error_from(response: reqwest::Response) -> ProviderError {
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let message = error_texts(&body);
        match status {
            400 if message.contains("not a valid UUID") && message.contains("include_") => ProviderError::Unreachable {
                http_status: Some(status),
                provider_code: Some(INVALID_PLAYER_IDS.into()),
                problem: Recipient::DeviceUnregistered,
            },
            400 if ["contents", "headings", "English language", "data must"].iter().any(|w| message.contains(w)) => {
                ProviderError::ContentInvalid { http_status: Some(status), provider_code: None }
            }
            _ => ProviderError::from_http(status, None, message, wait),
        }
    }

    /// The create body: one subscription, the text in the guardian's language and in English.
    fn notification(&self, out: &Outgoing<'_>, title: &str, language: &str, data: &BTreeMap<String, String>) -> Value {
        let localized = |text: &str| {
            let mut map = serde_json::Map::new();
            map.insert(language.to_owned(), json!(text));
            // OneSignal requires `en`; a device in another language falls back to it.
            map.entry("en").or_insert_with(|| json!(text));
            Value::Object(map)
        };
        let mut body = json!({
            "app_id": self.app_id,
            "include_subscription_ids": [out.to],
            "contents": localized(out.body),
            "idempotency_key": out.reference,
        });
        if !title.is_empty() {
            body["headings"] = localized(title);
        }
        if !data.is_empty() {
            body["data"] = json!(data);
        }
        body
    }
}

impl Provider for OneSignalPush {
    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Push
    }

    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let Content::Push { title, data, language, .. } = out.content else {
                return Err(ProviderError::ContentInvalid {
                    http_status: None,
                    provider_code: Some("not_push".into()),
                });
            };
            let body = self.notification(&out, title, language.as_str(), data);
            let request = self.auth(self.http.post(format!("{}/notifications", self.base_url))).json(&body);
            let response = crate::providers::send(request).await?;
            let http_status = response.status().as_u16();
            if !response.status().is_success() {
                return Err(Self::error_from(response).await);
            }
            let answer: Value = crate::providers::read_json(response).await?;
            let id = answer.get("id").and_then(Value::as_str).unwrap_or_default();
            let errors = answer.get("errors").unwrap_or(&Value::Null);
            if answer.get("id").is_none() && errors.is_null() {
                return Err(ProviderError::BadResponse { http_status: Some(http_status), detail: "no id".into() });
            }
            if id.is_empty() || unreachable_in(errors) {
                tracing::debug!(errors = %errors, "onesignal: subscription unreachable");
                return Err(ProviderError::Unreachable {
                    http_status: Some(http_status),
                    provider_code: Some(INVALID_PLAYER_IDS.into()),
                    problem: Recipient::DeviceUnregistered,
                });
            }
            tracing::debug!(notification = id, "onesignal: notification created");
            Ok(Accepted { provider: ID, provider_message_id: id.to_owned(), status: MessageStatus::Sent, http_status })
        })
    }

    fn poll_status<'a>(&'a self, provider_message_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        Box::pin(async move {
            let url = format!("{}/notifications/{provider_message_id}", self.base_url);
            let request = self.auth(self.http.get(url)).query(&[("app_id", self.app_id.as_str())]);
            let response = crate::providers::send(request).await?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !response.status().is_success() {
                return Err(Self::error_from(response).await);
            }
            let http_status = response.status().as_u16();
            let body: Value = crate::providers::read_json(response).await?;
            parse_notification(&body).map(Some).ok_or_else(|| ProviderError::BadResponse {
                http_status: Some(http_status),
                detail: "no counters".into(),
            })
        })
    }

    /// The cheapest authenticated read: the newest notification of the app.
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let request = self
                .auth(self.http.get(format!("{}/notifications", self.base_url)))
                .query(&[("app_id", self.app_id.as_str()), ("limit", "1")]);
            let response = crate::providers::send(request).await?;
            if !response.status().is_success() {
                return Err(Self::error_from(response).await);
            }
            let body: Value = crate::providers::read_json(response).await?;
            let total = body.get("total_count").and_then(Value::as_u64).unwrap_or(0);
            Ok(format!("app {} ({total} notifications)", self.app_id))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_become_one_status() {
        let report = |v: Value| parse_notification(&v).map(|r| (r.status, r.provider_status, r.provider_error_code));
        let sent = json!({ "successful": 0, "failed": 0, "errored": 0, "remaining": 1, "canceled": false });
        assert_eq!(report(sent), Some((MessageStatus::Sent, "remaining".into(), None)));
        let done = json!({ "successful": 1, "failed": 0, "errored": 0, "remaining": 0 });
        assert_eq!(report(done), Some((MessageStatus::Delivered, "successful".into(), None)));
        let gone = json!({ "successful": 0, "failed": 1, "errored": 0, "remaining": 0 });
        assert_eq!(report(gone), Some((MessageStatus::Failed, "failed".into(), Some("failed".into()))));
        let broke = json!({ "successful": 0, "failed": 0, "errored": 1, "remaining": 0 });
        assert_eq!(report(broke), Some((MessageStatus::Failed, "errored".into(), Some("errored".into()))));
        let cancelled = json!({ "successful": 0, "failed": 0, "errored": 0, "remaining": 0, "canceled": true });
        assert_eq!(report(cancelled), Some((MessageStatus::Cancelled, "canceled".into(), None)));
        assert_eq!(report(json!({ "id": "x" })), None);
        assert_eq!(map_status("converted"), Some(MessageStatus::Read));
        assert_eq!(map_status("nonsense"), None);
    }

    #[test]
    fn both_forms_of_errors_are_read() {
        assert!(unreachable_in(&json!({ "invalid_player_ids": ["x"] })));
        assert!(unreachable_in(&json!({ "invalid_aliases": { "external_id": ["x"] } })));
        assert!(unreachable_in(&json!(["All included players are not subscribed"])));
        assert!(!unreachable_in(&Value::Null));
        assert!(!unreachable_in(&json!(["something else"])));
    }
}
