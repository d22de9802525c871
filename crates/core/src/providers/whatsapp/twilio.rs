//! WhatsApp through Twilio: the Programmable Messaging Message resource with `whatsapp:` addresses, and
//! templates from Twilio's Content API (`content.twilio.com`), see `shared/reference/twilio-whatsapp.md`.
//! Free text goes as `Body` (inside the 24-hour window only); a template as `ContentSid` (the template's
//! `provider_ref`, or looked up by name and language) with `ContentVariables` `{"1":…,"2":…}`.
//!
//! Status mapping: `accepted`, `scheduled`, `queued`, `sending`, `sent` → `sent`; `delivered` →
//! `delivered`; `read` → `read`; `failed`/`undelivered` → `failed`; `canceled` → `cancelled`.
//!
//! Error codes, whether answered at once or reported later on a `failed` message ([`error_for_code`]):
//! 20003 → auth failed; 21211 → invalid number; 21610, 63014 → opted out; 20429, 63018 → rate limited;
//! 63016 → outside window; 63024, 63003 → unreachable; 63021 → content invalid; 21654, 21655, 21656,
//! 63027, 63028 → template invalid; anything else by HTTP status.
//!
//! `find_sent` stays unsupported: Twilio renders a template's text itself, so a body match after a crash
//! would not prove anything either way.

use crate::error::Recipient;
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::{Channel, Content, MessageStatus, PhoneE164, TemplateUse};
use crate::providers::twilio_account::{self, TwilioAccount};
use crate::providers::whatsapp::{TemplateInfo, TemplateSource, TemplateStatus};
use crate::providers::{Accepted, BoxFuture, Outgoing, Provider, ProviderError, Report};

pub const ID: &str = "twilio_whatsapp";

const PREFIX: &str = "whatsapp:";
/// Pages of templates read at most (100 each): far more than a day-care centre has.
const MAX_TEMPLATE_PAGES: usize = 20;

#[derive(Clone, Debug)]
pub struct TwilioWhatsapp {
    account: TwilioAccount,
    content_base_url: String,
    /// The WhatsApp sender as `whatsapp:+…`.
    from: String,
    status_callback: Option<String>,
}

/// A guardian's message, from Twilio's inbound webhook form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioInbound {
    pub message_sid: String,
    /// `+9665…`, without the `whatsapp:` prefix.
    pub from_e164: String,
    pub text: String,
    pub profile_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MessageResource {
    sid: String,
    status: String,
    error_code: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct MessageList {
    #[serde(rename = "messages")]
    _messages: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ContentPage {
    contents: Vec<ContentItem>,
    meta: Option<PageMeta>,
}

#[derive(Debug, Deserialize)]
struct PageMeta {
    next_page_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ContentItem {
    sid: String,
    friendly_name: Option<String>,
    language: Option<String>,
    #[serde(default)]
    types: BTreeMap<String, serde_json::Value>,
    approval_requests: Option<ApprovalRequest>,
}

#[derive(Debug, Deserialize)]
struct ApprovalRequest {
    name: Option<String>,
    category: Option<String>,
    status: Option<String>,
}

impl TwilioWhatsapp {
    /// `from` is the WhatsApp sender number, with or without `whatsapp:`. `content_base_url` is
    /// `https://content.twilio.com` for real (the simulator serves both on one port). `status_callback`
    /// is where Twilio should POST status changes (only with a public `wasel serve`).
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        content_base_url: &str,
        account_sid: &str,
        auth_token: &str,
        from: &str,
        status_callback: Option<String>,
    ) -> Self {
        Self {
            account: TwilioAccount::new(http, base_url, account_sid, auth_token),
            content_base_url: content_base_url.trim_end_matches('/').to_owned(),
            from: format!("{PREFIX}{}", from.trim_start_matches(PREFIX)),
            status_callback,
        }
    }

    fn messages_url(&self) -> String {
        self.account.url("Messages.json")
    }

    fn message_url(&self, sid: &str) -> String {
        self.account.url(&format!("Messages/{sid}.json"))
    }

    /// Every Content template with its WhatsApp approval, following Twilio's paging on our own base URL.
    pub async fn templates(&self) -> Result<Vec<TemplateInfo>, ProviderError> {
        let base = format!("{}/v1/ContentAndApprovals", self.content_base_url);
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _page in 0..MAX_TEMPLATE_PAGES {
            let mut query: Vec<(&str, &str)> = vec![("PageSize", "100")];
            if let Some(token) = &token {
                query.push(("PageToken", token));
            }
            let request = self.account.get(&base).query(&query);
            let response = crate::providers::send(request).await?;
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
            let page: ContentPage = crate::providers::read_json(response).await?;
            out.extend(page.contents.into_iter().map(template_info));
            // Only the page token is taken from `next_page_url`: credentials never go to another host.
            match page.meta.and_then(|m| m.next_page_url).as_deref().and_then(page_token) {
                Some(next) => token = Some(next),
                None => return Ok(out),
            }
        }
        Ok(out)
    }

    /// The form fields for one outgoing message, or why it cannot be one.
    async fn form(&self, out: &Outgoing<'_>) -> Result<Vec<(&'static str, String)>, ProviderError> {
        let mut form = vec![("To", format!("{PREFIX}{}", out.to)), ("From", self.from.clone())];
        match out.content {
            Content::Whatsapp { template: Some(t) } => {
                let content_sid = match &t.provider_ref {
                    Some(sid) => sid.clone(),
                    None => self.content_sid(t).await?,
                };
                form.push(("ContentSid", content_sid));
                if !t.params.is_empty() {
                    let variables: serde_json::Map<String, serde_json::Value> = t
                        .params
                        .iter()
                        .enumerate()
                        .map(|(i, p)| ((i + 1).to_string(), serde_json::Value::String(p.clone())))
                        .collect();
                    form.push(("ContentVariables", serde_json::Value::Object(variables).to_string()));
                }
            }
            Content::Whatsapp { template: None } => form.push(("Body", out.body.to_owned())),
            // The dispatcher only hands WhatsApp content to a WhatsApp provider.
            _ => return Err(ProviderError::ContentInvalid { http_status: None, provider_code: None }),
        }
        if let Some(cb) = &self.status_callback {
            form.push(("StatusCallback", cb.clone()));
        }
        Ok(form)
    }

    /// A template without a stored `ContentSid`: the approved one with that name and language.
    async fn content_sid(&self, t: &TemplateUse) -> Result<String, ProviderError> {
        let templates = self.templates().await?;
        templates
            .into_iter()
            .find(|i| i.name == t.name && i.language == t.language && i.status == TemplateStatus::Approved)
            .and_then(|i| i.provider_ref)
            .ok_or(ProviderError::TemplateInvalid { http_status: None, provider_code: None })
    }
}

/// `…?PageSize=100&PageToken=PT4` → `PT4`.
fn page_token(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    url.query_pairs().find(|(k, _)| k == "PageToken").map(|(_, v)| v.into_owned())
}

fn template_info(c: ContentItem) -> TemplateInfo {
    let approval = c.approval_requests;
    let name = approval.as_ref().and_then(|a| a.name.clone()).filter(|n| !n.is_empty());
    // `twilio/text` carries the body; richer types (quick replies, cards) have one too.
    let body = c
        .types
        .get("twilio/text")
        .or_else(|| c.types.values().next())
        .and_then(|t| t.get("body"))
        .and_then(|b| b.as_str())
        .unwrap_or_default()
        .to_owned();
    TemplateInfo {
        name: name.or(c.friendly_name).unwrap_or_default(),
        language: c.language.unwrap_or_default(),
        status: approval.as_ref().and_then(|a| a.status.as_deref()).map_or(TemplateStatus::Unknown, template_status),
        category: approval.and_then(|a| a.category),
        body,
        provider_ref: Some(c.sid),
    }
}

/// Twilio's `approval_requests.status` as ours (`received` is waiting for review like `pending`).
pub fn template_status(status: &str) -> TemplateStatus {
    match status.to_ascii_lowercase().as_str() {
        "approved" => TemplateStatus::Approved,
        "pending" | "received" => TemplateStatus::Pending,
        "rejected" => TemplateStatus::Rejected,
        "paused" => TemplateStatus::Paused,
        "disabled" => TemplateStatus::Disabled,
        _ => TemplateStatus::Unknown,
    }
}

/// Maps a Twilio message status to Wasel's.
pub fn map_status(status: &str) -> Option<MessageStatus> {
    Some(match status {
        "accepted" | "scheduled" | "queued" | "sending" | "sent" => MessageStatus::Sent,
        "delivered" => MessageStatus::Delivered,
        "read" => MessageStatus::Read,
        "undelivered" | "failed" => MessageStatus::Failed,
        "canceled" => MessageStatus::Cancelled,
        _ => return None,
    })
}

/// What a Twilio error code means for us, whether it came with an HTTP error or later on a failed
/// message (`http_status` is then `None`). None for codes this adapter does not single out.
pub fn error_for_code(code: u32, http_status: Option<u16>) -> Option<ProviderError> {
    let provider_code = Some(code.to_string());
    let status = http_status.unwrap_or(0);
    Some(match code {
        20003 => ProviderError::AuthFailed { http_status: status, provider_code },
        21211 => ProviderError::InvalidNumber { http_status: status, provider_code },
        21610 | 63014 => ProviderError::OptedOut { http_status: status, provider_code },
        20429 | 63018 => ProviderError::RateLimited { http_status: status, provider_code, retry_after: None },
        63016 => ProviderError::OutsideWindow { http_status, provider_code },
        63024 | 63003 => ProviderError::Unreachable { http_status, provider_code, problem: Recipient::NotOnWhatsapp },
        63021 => ProviderError::ContentInvalid { http_status, provider_code },
        21654 | 21655 | 21656 | 63027 | 63028 => ProviderError::TemplateInvalid { http_status, provider_code },
        _ => return None,
    })
}

async fn error_from(response: reqwest::Response) -> ProviderError {
    twilio_account::error_from(response, codes).await
}

/// [`error_for_code`] for an answer to a request.
fn codes(code: u32, status: u16) -> Option<ProviderError> {
    error_for_code(code, Some(status))
}

fn bad(http_status: u16, detail: String) -> ProviderError {
    ProviderError::BadResponse { http_status: Some(http_status), detail }
}

impl Provider for TwilioWhatsapp {
    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Whatsapp
    }

    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let form = self.form(&out).await?;
            let request = self.account.post(&self.messages_url()).form(&form);
            let response = crate::providers::send(request).await?;
            let http_status = response.status().as_u16();
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
            let resource: MessageResource = crate::providers::read_json(response).await?;
            let status = map_status(&resource.status)
                .ok_or_else(|| bad(http_status, format!("unknown status {:?}", resource.status)))?;
            if !resource.sid.starts_with("SM") && !resource.sid.starts_with("MM") {
                return Err(bad(http_status, "message sid".into()));
            }
            let to = PhoneE164::from_stored(out.to.to_owned());
            tracing::debug!(sid = %resource.sid, to = %to.masked(), "twilio whatsapp: message accepted");
            Ok(Accepted { provider: ID, provider_message_id: resource.sid, status, http_status })
        })
    }

    fn poll_status<'a>(&'a self, provider_message_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        Box::pin(async move {
            let url = self.message_url(provider_message_id);
            let Some((resource, http_status)) = self.account.fetch::<MessageResource>(&url, codes).await? else {
                return Ok(None);
            };
            let status = map_status(&resource.status)
                .ok_or_else(|| bad(http_status, format!("unknown status {:?}", resource.status)))?;
            let provider_error_code = resource.error_code.filter(|v| !v.is_null()).map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
            Ok(Some(Report { status, provider_status: resource.status, provider_error_code }))
        })
    }

    /// One authenticated message list: proves the account id and token.
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let request = self.account.get(&self.messages_url()).query(&[("PageSize", "1")]);
            let response = crate::providers::send(request).await?;
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
            let _: MessageList = crate::providers::read_json(response).await?;
            Ok(format!("{} · {}", self.account.sid(), self.from))
        })
    }

    fn templates(&self) -> Option<&dyn TemplateSource> {
        Some(self)
    }
}

impl TemplateSource for TwilioWhatsapp {
    fn list_templates(&self) -> BoxFuture<'_, Result<Vec<TemplateInfo>, ProviderError>> {
        Box::pin(TwilioWhatsapp::templates(self))
    }
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Reads a status callback form (its `X-Twilio-Signature` is checked elsewhere): the `MessageSid` and
/// what it reports. None when a field is missing or the status is not one we know.
pub fn parse_status_callback(form: &[(String, String)]) -> Option<(String, Report)> {
    let sid = field(form, "MessageSid").or_else(|| field(form, "SmsSid"))?;
    let provider_status = field(form, "MessageStatus").or_else(|| field(form, "SmsStatus"))?;
    let status = map_status(provider_status)?;
    let provider_error_code = field(form, "ErrorCode").filter(|c| !c.is_empty()).map(str::to_owned);
    Some((sid.to_owned(), Report { status, provider_status: provider_status.to_owned(), provider_error_code }))
}

/// Reads Twilio's inbound-message webhook form (WhatsApp or SMS). None without a sender or sid.
pub fn parse_inbound(form: &[(String, String)]) -> Option<TwilioInbound> {
    let from = field(form, "From")?;
    Some(TwilioInbound {
        message_sid: field(form, "MessageSid")?.to_owned(),
        from_e164: from.trim_start_matches(PREFIX).to_owned(),
        text: field(form, "Body").unwrap_or_default().to_owned(),
        profile_name: field(form, "ProfileName").filter(|p| !p.is_empty()).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn every_twilio_status_maps_to_ours() {
        for (theirs, ours) in [
            ("queued", MessageStatus::Sent),
            ("sent", MessageStatus::Sent),
            ("delivered", MessageStatus::Delivered),
            ("read", MessageStatus::Read),
            ("undelivered", MessageStatus::Failed),
            ("failed", MessageStatus::Failed),
            ("canceled", MessageStatus::Cancelled),
        ] {
            assert_eq!(map_status(theirs), Some(ours), "{theirs}");
        }
        assert_eq!(map_status("receiving"), None);
    }

    #[test]
    fn whatsapp_codes_land_in_their_variants() {
        let code = |c| error_for_code(c, None).map(|e| e.code());
        assert_eq!(code(63016), Some("provider.outside_window"));
        assert_eq!(code(63024), Some("recipient.not_on_whatsapp"));
        assert_eq!(code(63003), Some("recipient.not_on_whatsapp"));
        assert_eq!(code(63014), Some("provider.opted_out"));
        assert_eq!(code(63021), Some("provider.content_invalid"));
        assert_eq!(code(21656), Some("provider.template_invalid"));
        assert_eq!(code(63027), Some("provider.template_invalid"));
        assert_eq!(code(63018), Some("provider.rate_limited"));
        assert_eq!(code(20429), Some("provider.rate_limited"));
        assert_eq!(code(30003), None);
        assert_eq!(error_for_code(63016, None).unwrap().provider_code(), Some("63016"));
    }

    #[test]
    fn callbacks_and_inbound_forms_are_read() {
        let (sid, report) =
            parse_status_callback(&form(&[("MessageSid", "SM1"), ("MessageStatus", "failed"), ("ErrorCode", "63016")]))
                .unwrap();
        assert_eq!(sid, "SM1");
        assert_eq!(
            report,
            Report {
                status: MessageStatus::Failed,
                provider_status: "failed".into(),
                provider_error_code: Some("63016".into())
            }
        );
        assert!(parse_status_callback(&form(&[("MessageSid", "SM1"), ("MessageStatus", "warp")])).is_none());
        let inbound = parse_inbound(&form(&[
            ("MessageSid", "SM2"),
            ("From", "whatsapp:+966555001234"),
            ("Body", "نعم"),
            ("ProfileName", "أم سارة"),
        ]))
        .unwrap();
        assert_eq!(inbound.from_e164, "+966555001234");
        assert_eq!(inbound.profile_name.as_deref(), Some("أم سارة"));
    }

    #[test]
    fn only_the_page_token_is_taken_from_the_next_page_url() {
        assert_eq!(
            page_token("https://elsewhere.example.com/v1/ContentAndApprovals?PageSize=100&Page=1&PageToken=PT64"),
            Some("PT64".into())
        );
        assert_eq!(page_token("/relative?PageToken=x"), None);
        assert_eq!(template_status("received"), TemplateStatus::Pending);
        assert_eq!(template_status("unsubmitted"), TemplateStatus::Unknown);
    }
}
