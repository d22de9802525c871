//! Taqnyat (تقنيات) SMS: `POST /v1/messages` with a Bearer token and a JSON body (`recipients` as
//! digits with the country code and no `+`, `body`, `sender`); see `shared/reference/taqnyat.md`.
//!
//! Where the reference found no official fact, this adapter reads what the simulator answers (and
//! says so, so it is easy to correct against the live docs): success is HTTP 201 with a numeric
//! `messageId`; errors are `{statusCode, message, code?}` with code 104 for bad credentials and
//! 2/3 for an empty or short balance (read as *failover*: another provider can still send). Taqnyat
//! has no status poll or callback in the reference: a message it took stays `sent`, and after a
//! crash it cannot be asked (`find_sent` is unsupported → Needs attention).

use serde::Deserialize;

use crate::domain::{Channel, MessageStatus, PhoneE164};
use crate::providers::{Accepted, Outgoing, Provider, Report};
use crate::providers::{BoxFuture, ProviderError, retry_after};

pub const ID: &str = "taqnyat";

#[derive(Clone)]
pub struct TaqnyatSms {
    http: reqwest::Client,
    base_url: String,
    token: String,
    sender: String,
}

impl std::fmt::Debug for TaqnyatSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaqnyatSms").field("base_url", &self.base_url).field("sender", &self.sender).finish()
    }
}

#[derive(Debug, Deserialize)]
struct SendAnswer {
    #[serde(rename = "messageId")]
    message_id: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ErrorAnswer {
    message: Option<String>,
    code: Option<serde_json::Value>,
}

impl TaqnyatSms {
    pub fn new(http: reqwest::Client, base_url: &str, token: &str, sender: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            sender: sender.to_owned(),
        }
    }

    async fn error_from(response: reqwest::Response) -> ProviderError {
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        let body: Option<ErrorAnswer> = response.json().await.ok();
        let code = body.as_ref().and_then(|b| b.code.as_ref()).map(|c| c.to_string().trim_matches('"').to_owned());
        let message = body.and_then(|b| b.message).unwrap_or_default();
        let lower = message.to_lowercase();
        match (status, code.as_deref()) {
            (401 | 403, _) => ProviderError::AuthFailed { http_status: status, provider_code: code },
            (400, Some("2" | "3")) => {
                ProviderError::Unavailable { http_status: Some(status), provider_code: code, retry_after: None }
            }
            (400, _) if lower.contains("opted out") => {
                ProviderError::OptedOut { http_status: status, provider_code: code }
            }
            (400, _) if lower.contains("recipient") => {
                ProviderError::InvalidNumber { http_status: status, provider_code: code }
            }
            _ => ProviderError::from_http(status, code, message, wait),
        }
    }
}

impl Provider for TaqnyatSms {
    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn send<'a>(&'a self, sms: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let to = PhoneE164::from_stored(sms.to.to_owned());
            let body = serde_json::json!({ "recipients": [to.digits()], "body": sms.body, "sender": self.sender });
            let response = crate::providers::send(
                self.http.post(format!("{}/v1/messages", self.base_url)).bearer_auth(&self.token).json(&body),
            )
            .await?;
            let http_status = response.status().as_u16();
            if !response.status().is_success() {
                return Err(Self::error_from(response).await);
            }
            let answer: SendAnswer = crate::providers::read_json(response).await?;
            let id = answer
                .message_id
                .map(|v| v.to_string().trim_matches('"').to_owned())
                .filter(|s| !s.is_empty() && s != "null")
                .ok_or_else(|| ProviderError::BadResponse {
                    http_status: Some(http_status),
                    detail: "no messageId".into(),
                })?;
            Ok(Accepted { provider: ID, provider_message_id: id, status: MessageStatus::Sent, http_status })
        })
    }

    /// The balance call: proves the token and shows what is left.
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let response = crate::providers::send(
                self.http.get(format!("{}/account/balance", self.base_url)).bearer_auth(&self.token),
            )
            .await?;
            if !response.status().is_success() {
                return Err(Self::error_from(response).await);
            }
            let answer: serde_json::Value = crate::providers::read_json(response).await?;
            let balance = answer.get("balance").map(|b| b.to_string().trim_matches('"').to_owned());
            let currency = answer.get("currency").and_then(|c| c.as_str()).unwrap_or("SAR");
            Ok(balance.map_or_else(String::new, |b| format!("{b} {currency}")))
        })
    }

    fn poll_status<'a>(
        &'a self,
        _provider_message_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        // No status endpoint in the reference.
        Box::pin(async { Ok(None) })
    }
}
