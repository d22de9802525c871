//! Twilio Programmable Messaging (`/2010-04-01/Accounts/{sid}/Messages.json`), see
//! `shared/reference/twilio-sms.md`. Basic auth, form fields, `+966…` numbers. No idempotency key
//! exists on create, so an unknown outcome is reconciled by listing messages to the number.
//!
//! Status mapping: while Twilio holds the message (`accepted`, `scheduled`, `queued`, `sending`) and
//! once the carrier took it (`sent`), Wasel says `sent`: it is out of our hands. `delivered` and
//! `partially_delivered` → `delivered`, `read` → `read`, `undelivered`/`failed` → `failed`,
//! `canceled` → `cancelled`.

use crate::error::Recipient;
use serde::Deserialize;

use crate::domain::{Channel, MessageStatus};
use crate::providers::twilio_account::{self, TwilioAccount};
use crate::providers::{Accepted, Found, Lookup, Outgoing, Provider, Report};
use crate::providers::{BoxFuture, ProviderError};

pub const ID: &str = "twilio";

#[derive(Clone, Debug)]
pub struct TwilioSms {
    account: TwilioAccount,
    from: String,
    status_callback: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MessageResource {
    sid: String,
    status: String,
    error_code: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ListedMessage {
    sid: String,
    status: String,
    body: Option<String>,
    date_created: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MessageList {
    messages: Vec<ListedMessage>,
    next_page_uri: Option<String>,
}

impl TwilioSms {
    pub fn new(http: reqwest::Client, base_url: &str, account_sid: &str, auth_token: &str, from: &str) -> Self {
        Self {
            account: TwilioAccount::new(http, base_url, account_sid, auth_token),
            from: from.to_owned(),
            status_callback: None,
        }
    }

    /// Where Twilio should POST status changes (only with a public `wasel serve`).
    pub fn with_status_callback(mut self, url: Option<String>) -> Self {
        self.status_callback = url;
        self
    }

    fn messages_url(&self) -> String {
        self.account.url("Messages.json")
    }

    fn message_url(&self, sid: &str) -> String {
        self.account.url(&format!("Messages/{sid}.json"))
    }

    /// Maps Twilio's message status to Wasel's.
    pub fn map_status(status: &str) -> Option<MessageStatus> {
        Some(match status {
            "accepted" | "scheduled" | "queued" | "sending" | "sent" => MessageStatus::Sent,
            "delivered" | "partially_delivered" => MessageStatus::Delivered,
            "read" => MessageStatus::Read,
            "undelivered" | "failed" => MessageStatus::Failed,
            "canceled" => MessageStatus::Cancelled,
            _ => return None,
        })
    }

    async fn error_from(response: reqwest::Response) -> ProviderError {
        twilio_account::error_from(response, codes).await
    }
}

/// The Twilio error codes SMS singles out.
fn codes(code: u32, status: u16) -> Option<ProviderError> {
    let provider_code = Some(code.to_string());
    Some(match code {
        20003 => ProviderError::AuthFailed { http_status: status, provider_code },
        21211 => ProviderError::InvalidNumber { http_status: status, provider_code },
        // A real number that cannot take SMS: not a mobile (21614), a landline (21635).
        21614 | 21635 => ProviderError::Unreachable {
            http_status: Some(status),
            provider_code,
            problem: Recipient::CannotReceiveSms,
        },
        21610 => ProviderError::OptedOut { http_status: status, provider_code },
        20429 => ProviderError::RateLimited { http_status: status, provider_code, retry_after: None },
        _ => return None,
    })
}

impl Provider for TwilioSms {
    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn send<'a>(&'a self, sms: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let mut form: Vec<(&str, &str)> = vec![("To", sms.to), ("From", &self.from), ("Body", sms.body)];
            if let Some(cb) = &self.status_callback {
                form.push(("StatusCallback", cb));
            }
            let response = crate::providers::send(self.account.post(&self.messages_url()).form(&form)).await?;
            let http_status = response.status().as_u16();
            if !response.status().is_success() {
                return Err(Self::error_from(response).await);
            }
            let resource: MessageResource = crate::providers::read_json(response).await?;
            let status = Self::map_status(&resource.status).ok_or_else(|| ProviderError::BadResponse {
                http_status: Some(http_status),
                detail: format!("unknown status {:?}", resource.status),
            })?;
            if !resource.sid.starts_with("SM") && !resource.sid.starts_with("MM") {
                return Err(ProviderError::BadResponse {
                    http_status: Some(http_status),
                    detail: "message sid".into(),
                });
            }
            Ok(Accepted { provider: ID, provider_message_id: resource.sid, status, http_status })
        })
    }

    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(self.check_account())
    }

    fn poll_status<'a>(&'a self, provider_message_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        Box::pin(async move {
            let url = self.message_url(provider_message_id);
            let Some((resource, http_status)) = self.account.fetch::<MessageResource>(&url, codes).await? else {
                return Ok(None);
            };
            let status = Self::map_status(&resource.status).ok_or_else(|| ProviderError::BadResponse {
                http_status: Some(http_status),
                detail: format!("unknown status {:?}", resource.status),
            })?;
            let provider_error_code = resource.error_code.filter(|v| !v.is_null()).map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
            Ok(Some(Report { status, provider_status: resource.status, provider_error_code }))
        })
    }

    /// Twilio can list messages by recipient and day: a crash mid-call is reconciled by looking
    /// for the same text sent to the same number since the attempt started.
    fn find_sent<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Found, ProviderError>> {
        Box::pin(async move {
            let day = lookup.since.format("%Y-%m-%d").to_string();
            let mut url = format!("{}?To={}&DateSent%3E={day}&PageSize=200", self.messages_url(), urlencode(lookup.to));
            for _page in 0..10 {
                let response = crate::providers::send(self.account.get(&url)).await?;
                let http_status = response.status().as_u16();
                if !response.status().is_success() {
                    return Err(Self::error_from(response).await);
                }
                let list: MessageList = crate::providers::read_json(response).await?;
                for m in list.messages {
                    let created = m.date_created.as_deref().and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok());
                    let recent = created.is_none_or(|c| c >= lookup.since - chrono::Duration::minutes(2));
                    if recent && m.body.as_deref() == Some(lookup.body) && !(lookup.exclude)(&m.sid) {
                        let status = Self::map_status(&m.status).unwrap_or(MessageStatus::Sent);
                        return Ok(Found::Yes(Accepted {
                            provider: ID,
                            provider_message_id: m.sid,
                            status,
                            http_status,
                        }));
                    }
                }
                match list.next_page_uri {
                    Some(next) => url = format!("{}{next}", self.account.base_url()),
                    None => return Ok(Found::No),
                }
            }
            Ok(Found::No)
        })
    }
}

impl TwilioSms {
    /// One authenticated list call: proves the account id and token.
    pub(crate) async fn check_account(&self) -> Result<String, ProviderError> {
        let response = crate::providers::send(self.account.get(&format!("{}?PageSize=1", self.messages_url()))).await?;
        if !response.status().is_success() {
            return Err(Self::error_from(response).await);
        }
        let _: MessageList = crate::providers::read_json(response).await?;
        Ok(self.account.sid().to_owned())
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_number_that_cannot_take_sms_says_so_and_a_malformed_one_is_invalid() {
        let code = |c: u32| codes(c, 400).map(|e| e.code());
        assert_eq!(code(21614), Some("recipient.cannot_receive_sms"));
        assert_eq!(code(21635), Some("recipient.cannot_receive_sms"));
        assert_eq!(code(21211), Some("provider.invalid_number"));
        assert_eq!(code(21610), Some("provider.opted_out"));
        assert_eq!(code(99999), None);
    }
}
