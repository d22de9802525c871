//! Msegat (مسجات) SMS: `POST /gw/sendsms.php` with the credentials in a JSON body (`userName`,
//! `apiKey`, `numbers` as digits with the country code, `userSender`, `msg`, `msgEncoding`); see
//! `shared/reference/msegat.md`. Msegat answers HTTP 200 with a result `code` in the body, so the
//! body decides: `1`/`M0000` success; `1010`/`M0001` (a field missing: our bug) and `1050`, `1064`,
//! `1140` are permanent rejections; `1020`/`M0002` bad credentials; `1060` no balance (failover);
//! `1061` "duplicated message" means the same text reached Msegat moments ago, so it is read as
//! accepted (never sent twice); `1110` sender not approved (failover: another provider may send);
//! `1120` invalid number. No status poll or callback exists in the reference: a message it took
//! stays `sent`, and after a crash it cannot be asked (Needs attention).

use serde::Deserialize;

use crate::domain::{Channel, MessageStatus, PhoneE164};
use crate::providers::{Accepted, Outgoing, Provider, Report};
use crate::providers::{BoxFuture, ProviderError, retry_after};

pub const ID: &str = "msegat";

#[derive(Clone)]
pub struct MsegatSms {
    http: reqwest::Client,
    base_url: String,
    user_name: String,
    api_key: String,
    sender: String,
}

impl std::fmt::Debug for MsegatSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsegatSms").field("base_url", &self.base_url).field("user_name", &self.user_name).finish()
    }
}

#[derive(Debug, Deserialize)]
struct Answer {
    code: Option<serde_json::Value>,
    message: Option<String>,
    id: Option<serde_json::Value>,
}

impl MsegatSms {
    pub fn new(http: reqwest::Client, base_url: &str, user_name: &str, api_key: &str, sender: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            user_name: user_name.to_owned(),
            api_key: api_key.to_owned(),
            sender: sender.to_owned(),
        }
    }
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Provider for MsegatSms {
    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Sms
    }

    /// The reference names no balance or account call: Msegat can only be tried with a test message.
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async { Err(ProviderError::CheckUnsupported) })
    }

    fn send<'a>(&'a self, sms: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let to = PhoneE164::from_stored(sms.to.to_owned());
            let body = serde_json::json!({
                "userName": self.user_name,
                "apiKey": self.api_key,
                "numbers": to.digits(),
                "userSender": self.sender,
                "msg": sms.body,
                "msgEncoding": "UTF8",
                "reqBulkId": true,
            });
            let response =
                crate::providers::send(self.http.post(format!("{}/gw/sendsms.php", self.base_url)).json(&body)).await?;
            let http_status = response.status().as_u16();
            if !response.status().is_success() {
                let wait = retry_after(response.headers());
                return Err(ProviderError::from_http(http_status, None, String::new(), wait));
            }
            let answer: Answer = crate::providers::read_json(response).await?;
            let code = answer.code.as_ref().map(text).unwrap_or_default();
            let provider_code = Some(code.clone());
            let accepted = |id: Option<String>| Accepted {
                provider: ID,
                provider_message_id: id.unwrap_or_else(|| format!("ref-{}", sms.reference)),
                status: MessageStatus::Sent,
                http_status,
            };
            match code.as_str() {
                "1" | "M0000" => Ok(accepted(answer.id.as_ref().map(text))),
                "1061" => Ok(accepted(None)),
                "1020" | "M0002" => Err(ProviderError::AuthFailed { http_status, provider_code }),
                "1120" => Err(ProviderError::InvalidNumber { http_status, provider_code }),
                "1060" | "1110" => {
                    Err(ProviderError::Unavailable { http_status: Some(http_status), provider_code, retry_after: None })
                }
                "" => {
                    Err(ProviderError::BadResponse { http_status: Some(http_status), detail: "no result code".into() })
                }
                _ => Err(ProviderError::Rejected {
                    http_status,
                    provider_code,
                    message: answer.message.unwrap_or_default(),
                }),
            }
        })
    }

    fn poll_status<'a>(
        &'a self,
        _provider_message_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        Box::pin(async { Ok(None) })
    }
}
