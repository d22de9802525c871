//! Firebase Cloud Messaging HTTP v1 (`POST {base}/v1/projects/{project}/messages:send`), see
//! `shared/reference/fcm-v1.md`. Auth is a service account: an RS256 JWT exchanged at its `token_uri` for
//! an hour-long access token, cached here until a minute before it runs out and refreshed once on a 401.
//!
//! FCM only says it *accepted* a message (the `name` is the provider id, status `sent`): no poll and
//! no webhook. A retry after a timeout may deliver twice, so every message carries our reference as
//! Android `collapse_key` and `apns-collapse-id`: the later copy replaces the earlier one on the device.
//! A dead token (`UNREGISTERED`, or `INVALID_ARGUMENT` on `message.token`) is `Unreachable` with
//! provider code `UNREGISTERED`, the signal to disable the device.

use crate::error::Recipient;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::domain::{Channel, Content, MessageStatus};
use crate::providers::{Accepted, BoxFuture, Outgoing, Provider, ProviderError, retry_after};

pub const ID: &str = "fcm";
/// Google's token endpoint, when the service account names none.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// The provider code of every "this device is gone" answer.
pub const UNREGISTERED: &str = "UNREGISTERED";
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Google accepts assertions valid for at most an hour.
const ASSERTION_LIFETIME_SECS: i64 = 3600;
/// A cached access token is replaced this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
const FCM_ERROR_TYPE: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const BAD_REQUEST_TYPE: &str = "type.googleapis.com/google.rpc.BadRequest";

pub struct FcmPush {
    http: reqwest::Client,
    base_url: String,
    project_id: String,
    client_email: String,
    private_key_id: Option<String>,
    key: EncodingKey,
    token_uri: String,
    /// The one piece of state: held across a token fetch so concurrent sends fetch once.
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl std::fmt::Debug for FcmPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key or the access token.
        f.debug_struct("FcmPush")
            .field("base_url", &self.base_url)
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish()
    }
}

#[derive(Clone)]
struct AccessToken {
    value: String,
    refresh_at: Instant,
}

/// The fields of Google's service-account JSON key file that we use.
#[derive(Deserialize)]
struct ServiceAccount {
    #[serde(rename = "type")]
    kind: Option<String>,
    project_id: Option<String>,
    private_key_id: Option<String>,
    private_key: Option<String>,
    client_email: Option<String>,
    token_uri: Option<String>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: Option<String>,
}

#[derive(Deserialize)]
struct SendAnswer {
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: Option<GoogleError>,
}

#[derive(Debug, Deserialize)]
struct GoogleError {
    message: Option<String>,
    status: Option<String>,
    #[serde(default)]
    details: Vec<Value>,
}

impl GoogleError {
    /// The FCM `errorCode` from the `FcmError` detail.
    fn fcm_code(&self) -> Option<&str> {
        self.details.iter().find(|d| d["@type"] == FCM_ERROR_TYPE).and_then(|d| d["errorCode"].as_str())
    }

    /// True when a `BadRequest` detail (or the message) blames the registration token.
    fn blames_token(&self) -> bool {
        let on_token =
            self.details.iter().filter(|d| d["@type"] == BAD_REQUEST_TYPE).any(|d| {
                d["fieldViolations"].as_array().is_some_and(|v| v.iter().any(|f| f["field"] == "message.token"))
            });
        on_token || self.message.as_deref().is_some_and(|m| m.contains("registration token"))
    }
}

/// A bad service-account file: refused before any call, as bad credentials.
fn bad_account(what: &str) -> ProviderError {
    ProviderError::AuthFailed { http_status: 0, provider_code: Some(format!("service_account.{what}")) }
}

/// Enough of a device token to tell devices apart in logs.
fn token_tail(token: &str) -> String {
    let tail: String = token.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

impl FcmPush {
    /// `base_url` is the FCM API base (`https://fcm.googleapis.com`); `service_account_json` the key
    /// file Firebase hands out. `token_uri_override` replaces the file's `token_uri` (a simulator).
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        service_account_json: &str,
        token_uri_override: Option<String>,
    ) -> Result<Self, ProviderError> {
        let account: ServiceAccount =
            serde_json::from_str(service_account_json).map_err(|_| bad_account("not_json"))?;
        if account.kind.as_deref().is_some_and(|k| k != "service_account") {
            return Err(bad_account("not_a_service_account"));
        }
        let required = |value: Option<String>, name: &str| {
            value.filter(|v| !v.trim().is_empty()).ok_or_else(|| bad_account(&format!("missing_{name}")))
        };
        let project_id = required(account.project_id, "project_id")?;
        let client_email = required(account.client_email, "client_email")?;
        let private_key = required(account.private_key, "private_key")?;
        let key = EncodingKey::from_rsa_pem(private_key.as_bytes()).map_err(|_| bad_account("bad_private_key"))?;
        let token_uri = token_uri_override
            .or(account.token_uri)
            .filter(|u| !u.trim().is_empty())
            // Google's own token endpoint is configuration (`config/providers.json`), like every base URL.
            .or_else(|| crate::providers::default_base_url("fcm_token"))
            .ok_or_else(|| bad_account("missing_token_uri"))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            project_id,
            client_email,
            private_key_id: account.private_key_id.filter(|k| !k.is_empty()),
            key,
            token_uri,
            token: tokio::sync::Mutex::new(None),
        })
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// FCM keeps no status after accepting; these are the words our own device receipts would use.
    pub fn map_status(status: &str) -> Option<MessageStatus> {
        Some(match status {
            "accepted" | "sent" => MessageStatus::Sent,
            "delivered" | "received" => MessageStatus::Delivered,
            "opened" | "read" => MessageStatus::Read,
            "UNREGISTERED" | "failed" => MessageStatus::Failed,
            _ => return None,
        })
    }

    fn send_url(&self) -> String {
        format!("{}/v1/projects/{}/messages:send", self.base_url, self.project_id)
    }

    /// The signed JWT-bearer assertion for the token endpoint.
    fn assertion(&self) -> Result<String, ProviderError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: &self.client_email,
            scope: SCOPE,
            aud: &self.token_uri,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.private_key_id.clone();
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|_| bad_account("bad_private_key"))
    }

    async fn fetch_token(&self) -> Result<AccessToken, ProviderError> {
        let assertion = self.assertion()?;
        let form = [("grant_type", JWT_BEARER_GRANT), ("assertion", assertion.as_str())];
        let response = crate::providers::send(self.http.post(&self.token_uri).form(&form)).await?;
        let status = response.status().as_u16();
        if !response.status().is_success() {
            let wait = retry_after(response.headers());
            let code = response.json::<OAuthErrorBody>().await.ok().and_then(|b| b.error);
            tracing::warn!(status, code = code.as_deref().unwrap_or(""), "fcm: access token refused");
            return Err(match status {
                400 | 401 | 403 => ProviderError::AuthFailed { http_status: status, provider_code: code },
                _ => ProviderError::from_http(status, code, "token endpoint".into(), wait),
            });
        }
        let answer: TokenAnswer = crate::providers::read_json(response).await?;
        let value = answer.access_token.filter(|t| !t.is_empty()).ok_or_else(|| ProviderError::BadResponse {
            http_status: Some(status),
            detail: "no access_token".into(),
        })?;
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        tracing::debug!(lifetime_secs = lifetime.as_secs(), "fcm: access token obtained");
        Ok(AccessToken { value, refresh_at: Instant::now() + lifetime.saturating_sub(REFRESH_MARGIN) })
    }

    /// The cached token, or a fresh one when it is due (or is the one FCM just refused).
    async fn access_token(&self, refused: Option<&str>) -> Result<String, ProviderError> {
        let mut cache = self.token.lock().await;
        if let Some(token) = cache.as_ref()
            && Instant::now() < token.refresh_at
            && refused != Some(token.value.as_str())
        {
            return Ok(token.value.clone());
        }
        let token = self.fetch_token().await?;
        let value = token.value.clone();
        *cache = Some(token);
        Ok(value)
    }

    async fn error_from(response: reqwest::Response) -> ProviderError {
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        let error = response.json::<ErrorBody>().await.ok().and_then(|b| b.error);
        let fcm_code = error.as_ref().and_then(GoogleError::fcm_code).map(str::to_owned);
        let canonical = error.as_ref().and_then(|e| e.status.clone());
        let blames_token = error.as_ref().is_some_and(GoogleError::blames_token);
        let message = error.and_then(|e| e.message).unwrap_or_default();
        // The FCM code when there is one, else Google's canonical status.
        let code = fcm_code.or(canonical);
        let gone = || ProviderError::Unreachable {
            http_status: Some(status),
            provider_code: Some(UNREGISTERED.into()),
            problem: Recipient::DeviceUnregistered,
        };
        match code.as_deref() {
            Some("UNREGISTERED") => gone(),
            Some("INVALID_ARGUMENT") if blames_token => gone(),
            Some("INVALID_ARGUMENT") => {
                ProviderError::ContentInvalid { http_status: Some(status), provider_code: code }
            }
            Some("QUOTA_EXCEEDED" | "RESOURCE_EXHAUSTED") => {
                ProviderError::RateLimited { http_status: status, provider_code: code, retry_after: wait }
            }
            Some("UNAVAILABLE" | "INTERNAL") => {
                ProviderError::Unavailable { http_status: Some(status), provider_code: code, retry_after: wait }
            }
            Some("UNAUTHENTICATED" | "PERMISSION_DENIED" | "THIRD_PARTY_AUTH_ERROR" | "SENDER_ID_MISMATCH") => {
                ProviderError::AuthFailed { http_status: status, provider_code: code }
            }
            _ => ProviderError::from_http(status, code, message, wait),
        }
    }

    async fn post_message(&self, bearer: &str, message: &Value) -> Result<reqwest::Response, ProviderError> {
        crate::providers::send(self.http.post(self.send_url()).bearer_auth(bearer).json(message)).await
    }
}

/// The v1 message: notification, string data, high priority, and our reference as collapse id.
fn message_body(out: &Outgoing<'_>, title: &str, data: &std::collections::BTreeMap<String, String>) -> Value {
    let mut message = json!({
        "token": out.to,
        "notification": { "title": title, "body": out.body },
        "android": { "priority": "HIGH", "collapse_key": out.reference },
        "apns": { "headers": { "apns-priority": "10", "apns-collapse-id": out.reference } },
    });
    if !data.is_empty() {
        message["data"] = json!(data);
    }
    json!({ "message": message })
}

impl Provider for FcmPush {
    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Push
    }

    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let Content::Push { title, data, .. } = out.content else {
                return Err(ProviderError::ContentInvalid {
                    http_status: None,
                    provider_code: Some("not_push".into()),
                });
            };
            let body = message_body(&out, title, data);
            let bearer = self.access_token(None).await?;
            let mut response = self.post_message(&bearer, &body).await?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED {
                // Expired or revoked early: one fresh token, one more try.
                tracing::debug!("fcm: access token refused, refreshing once");
                let bearer = self.access_token(Some(&bearer)).await?;
                response = self.post_message(&bearer, &body).await?;
            }
            let http_status = response.status().as_u16();
            if !response.status().is_success() {
                let error = Self::error_from(response).await;
                tracing::debug!(device = %token_tail(out.to), code = ?error.provider_code(), "fcm: send refused");
                return Err(error);
            }
            let answer: SendAnswer = crate::providers::read_json(response).await?;
            let name = answer.name.filter(|n| !n.is_empty()).ok_or_else(|| ProviderError::BadResponse {
                http_status: Some(http_status),
                detail: "no message name".into(),
            })?;
            tracing::debug!(device = %token_tail(out.to), "fcm: message accepted");
            Ok(Accepted { provider: ID, provider_message_id: name, status: MessageStatus::Sent, http_status })
        })
    }

    /// A fresh access token proves the key, the account and the token endpoint (not the project's
    /// FCM permission, which only a send shows).
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let token = self.fetch_token().await?;
            *self.token.lock().await = Some(token);
            Ok(format!("{} ({})", self.project_id, self.client_email))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_wasels() {
        assert_eq!(FcmPush::map_status("accepted"), Some(MessageStatus::Sent));
        assert_eq!(FcmPush::map_status("delivered"), Some(MessageStatus::Delivered));
        assert_eq!(FcmPush::map_status("UNREGISTERED"), Some(MessageStatus::Failed));
        assert_eq!(FcmPush::map_status("nonsense"), None);
    }

    #[test]
    fn device_tokens_are_cut_short_for_logs() {
        assert_eq!(token_tail("abcdefghijkl"), "…ghijkl");
        assert_eq!(token_tail("abc"), "…abc");
    }

    #[test]
    fn a_bad_service_account_is_refused_with_a_clear_code() {
        let http = reqwest::Client::new();
        let code = |json: &str| {
            FcmPush::new(http.clone(), "http://127.0.0.1:1", json, None)
                .err()
                .and_then(|e| e.provider_code().map(str::to_owned))
        };
        assert_eq!(code("not json").as_deref(), Some("service_account.not_json"));
        assert_eq!(code(r#"{"type":"authorized_user"}"#).as_deref(), Some("service_account.not_a_service_account"));
        let no_key = r#"{"type":"service_account","project_id":"p","client_email":"a@p.iam.gserviceaccount.com"}"#;
        assert_eq!(code(no_key).as_deref(), Some("service_account.missing_private_key"));
        let bad_key = r#"{"type":"service_account","project_id":"p","client_email":"a@p.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}"#;
        assert_eq!(code(bad_key).as_deref(), Some("service_account.bad_private_key"));
    }
}
