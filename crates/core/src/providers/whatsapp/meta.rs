//! Meta's WhatsApp Cloud API (`POST /{version}/{phone_number_id}/messages`), see
//! `shared/reference/meta-whatsapp-cloud.md`. Bearer token, JSON body, `to` as digits with the country
//! code. A template goes by name + language with its body parameters; free text (`type: text`) only
//! inside the 24-hour window. Our message id rides in `biz_opaque_callback_data` and comes back in
//! every status webhook. Meta has no status GET and no way to look a message up after a crash:
//! statuses arrive only through [`parse_webhook`], and `find_sent` stays unsupported.
//!
//! Status mapping: `accepted` / `held_for_quality_assessment` (the send answer) and `sent` → `sent`,
//! `delivered` → `delivered`, `read` / `played` → `read`, `failed` → `failed`.
//!
//! Graph error codes (`error.code`) are read before the HTTP status: 0, 190 (and permission codes
//! 10, 200–299) → auth failed; 131047 → outside window; 131026 → unreachable; 131050 → opted out;
//! 132xxx → template invalid; 130429, 131056, 131048, 80007, 4 → rate limited (with `Retry-After`);
//! 131051 → content invalid; 1, 2, 131000, 131016 → unavailable; anything else by HTTP status
//! (100 on a 400 → rejected, 5xx → unavailable).

use crate::error::Recipient;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::{Channel, Content, MessageStatus, PhoneE164};
use crate::providers::whatsapp::{TemplateInfo, TemplateStatus};
use crate::providers::{Accepted, BoxFuture, Outgoing, Provider, ProviderError, Report, retry_after};

pub const ID: &str = "meta";

/// Pages of templates read at most (100 each): far more than a day-care centre has.
const MAX_TEMPLATE_PAGES: usize = 20;

#[derive(Clone)]
pub struct MetaWhatsapp {
    http: reqwest::Client,
    base_url: String,
    api_version: String,
    phone_number_id: String,
    waba_id: String,
    access_token: String,
}

impl std::fmt::Debug for MetaWhatsapp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("MetaWhatsapp")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .finish()
    }
}

/// Something Meta's webhook told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaEvent {
    /// A message of ours moved on; `reference` is our message id when we sent it.
    Status { wamid: String, report: Report, at: DateTime<Utc>, reference: Option<String> },
    /// A guardian wrote to us (which opens the 24-hour window). Non-text messages carry their caption
    /// or button title, or an empty text.
    Inbound { from_e164: String, text: String, at: DateTime<Utc>, wamid: String },
}

#[derive(Debug, Deserialize)]
struct SendAnswer {
    #[serde(default)]
    messages: Vec<SentMessage>,
}

#[derive(Debug, Deserialize)]
struct SentMessage {
    id: String,
    message_status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorAnswer {
    error: GraphError,
}

#[derive(Debug, Deserialize)]
struct GraphError {
    code: Option<i64>,
    message: Option<String>,
    error_data: Option<ErrorData>,
}

#[derive(Debug, Deserialize)]
struct ErrorData {
    details: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PhoneNumber {
    verified_name: Option<String>,
    display_phone_number: Option<String>,
    quality_rating: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TemplatePage {
    data: Vec<ListedTemplate>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
struct ListedTemplate {
    id: Option<String>,
    name: String,
    language: String,
    status: String,
    category: Option<String>,
    #[serde(default)]
    components: Vec<TemplateComponent>,
}

#[derive(Debug, Deserialize)]
struct TemplateComponent {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Paging {
    cursors: Option<Cursors>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Cursors {
    after: Option<String>,
}

impl MetaWhatsapp {
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        api_version: &str,
        phone_number_id: &str,
        waba_id: &str,
        access_token: &str,
    ) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_version: api_version.to_owned(),
            phone_number_id: phone_number_id.to_owned(),
            waba_id: waba_id.to_owned(),
            access_token: access_token.to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}/{path}", self.base_url, self.api_version)
    }

    /// The message request for one outgoing message, or why it cannot be one.
    fn request_body(&self, out: &Outgoing<'_>) -> Result<Value, ProviderError> {
        let to = PhoneE164::from_stored(out.to.to_owned());
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.digits(),
            "biz_opaque_callback_data": out.reference,
        });
        match out.content {
            Content::Whatsapp { template: Some(t) } => {
                let mut template = json!({
                    "name": t.name,
                    "language": { "policy": "deterministic", "code": t.language },
                });
                if !t.params.is_empty() {
                    let parameters: Vec<Value> =
                        t.params.iter().map(|p| json!({ "type": "text", "text": p })).collect();
                    template["components"] = json!([{ "type": "body", "parameters": parameters }]);
                }
                body["type"] = json!("template");
                body["template"] = template;
            }
            Content::Whatsapp { template: None } => {
                body["type"] = json!("text");
                body["text"] = json!({ "preview_url": false, "body": out.body });
            }
            // The dispatcher only hands WhatsApp content to a WhatsApp provider.
            _ => return Err(ProviderError::ContentInvalid { http_status: None, provider_code: None }),
        }
        Ok(body)
    }

    /// Every template of the business account, following Graph's paging.
    pub async fn templates(&self) -> Result<Vec<TemplateInfo>, ProviderError> {
        let base = self.url(&format!("{}/message_templates", self.waba_id));
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _page in 0..MAX_TEMPLATE_PAGES {
            let mut query: Vec<(&str, &str)> =
                vec![("fields", "id,name,language,status,category,components"), ("limit", "100")];
            if let Some(cursor) = &after {
                query.push(("after", cursor.as_str()));
            }
            let response =
                crate::providers::send(self.http.get(&base).bearer_auth(&self.access_token).query(&query)).await?;
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
            let page: TemplatePage = crate::providers::read_json(response).await?;
            out.extend(page.data.into_iter().map(template_info));
            // Only our own base URL is ever called: the cursor is taken, not the absolute `next` link.
            match page.paging.filter(|p| p.next.is_some()).and_then(|p| p.cursors).and_then(|c| c.after) {
                Some(cursor) => after = Some(cursor),
                None => return Ok(out),
            }
        }
        Ok(out)
    }
}

fn template_info(t: ListedTemplate) -> TemplateInfo {
    let body = t.components.iter().find(|c| c.kind.eq_ignore_ascii_case("body")).and_then(|c| c.text.clone());
    TemplateInfo {
        name: t.name,
        language: t.language,
        status: template_status(&t.status),
        category: t.category,
        body: body.unwrap_or_default(),
        provider_ref: t.id,
    }
}

/// Meta's template status (`APPROVED`, `PENDING`, …) as ours.
pub fn template_status(status: &str) -> TemplateStatus {
    match status.to_ascii_uppercase().as_str() {
        "APPROVED" => TemplateStatus::Approved,
        "PENDING" | "IN_APPEAL" | "PENDING_DELETION" => TemplateStatus::Pending,
        "REJECTED" => TemplateStatus::Rejected,
        "PAUSED" => TemplateStatus::Paused,
        "DISABLED" => TemplateStatus::Disabled,
        _ => TemplateStatus::Unknown,
    }
}

/// Maps a Meta message status (send answer or webhook) to Wasel's.
pub fn map_status(status: &str) -> Option<MessageStatus> {
    Some(match status {
        "accepted" | "held_for_quality_assessment" | "sent" => MessageStatus::Sent,
        "delivered" => MessageStatus::Delivered,
        "read" | "played" => MessageStatus::Read,
        "failed" => MessageStatus::Failed,
        _ => return None,
    })
}

/// Classifies a Graph error answer by its `error.code`, then by HTTP status.
async fn error_from(response: reqwest::Response) -> ProviderError {
    let status = response.status().as_u16();
    let wait = retry_after(response.headers());
    let error = response.json::<ErrorAnswer>().await.ok().map(|a| a.error);
    let code = error.as_ref().and_then(|e| e.code);
    let message = error
        .map(|e| match (e.message, e.error_data.and_then(|d| d.details)) {
            (Some(m), Some(d)) => format!("{m}: {d}"),
            (m, d) => m.or(d).unwrap_or_default(),
        })
        .unwrap_or_default();
    let provider_code = code.map(|c| c.to_string());
    let http_status = Some(status);
    match code {
        Some(0 | 190 | 10 | 200..=299) => ProviderError::AuthFailed { http_status: status, provider_code },
        Some(131047) => ProviderError::OutsideWindow { http_status, provider_code },
        Some(131026) => ProviderError::Unreachable { http_status, provider_code, problem: Recipient::NotOnWhatsapp },
        Some(131050) => ProviderError::OptedOut { http_status: status, provider_code },
        Some(132000..=132999) => ProviderError::TemplateInvalid { http_status, provider_code },
        Some(130429 | 131056 | 131048 | 80007 | 4) => {
            ProviderError::RateLimited { http_status: status, provider_code, retry_after: wait }
        }
        Some(131051) => ProviderError::ContentInvalid { http_status, provider_code },
        Some(1 | 2 | 131000 | 131016) => ProviderError::Unavailable { http_status, provider_code, retry_after: wait },
        _ => ProviderError::from_http(status, provider_code, message, wait),
    }
}

impl Provider for MetaWhatsapp {
    fn templates(&self) -> Option<&dyn super::TemplateSource> {
        Some(self)
    }

    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Whatsapp
    }

    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let body = self.request_body(&out)?;
            let url = self.url(&format!("{}/messages", self.phone_number_id));
            let response =
                crate::providers::send(self.http.post(url).bearer_auth(&self.access_token).json(&body)).await?;
            let http_status = response.status().as_u16();
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
            let answer: SendAnswer = crate::providers::read_json(response).await?;
            let bad =
                |detail: &str| ProviderError::BadResponse { http_status: Some(http_status), detail: detail.into() };
            let message = answer.messages.into_iter().next().ok_or_else(|| bad("no messages[] in the answer"))?;
            if !message.id.starts_with("wamid.") {
                return Err(bad("message id is not a wamid"));
            }
            let status = match message.message_status.as_deref() {
                None => MessageStatus::Sent,
                Some(s) => map_status(s).ok_or_else(|| bad("unknown message_status"))?,
            };
            tracing::debug!(wamid = %message.id, "meta: message accepted");
            Ok(Accepted { provider: ID, provider_message_id: message.id, status, http_status })
        })
    }

    /// Meta has no per-message status read: statuses come from webhooks only.
    fn poll_status<'a>(
        &'a self,
        _provider_message_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        Box::pin(async { Ok(None) })
    }

    /// The phone-number read: proves the token and the number id, and shows the number's name and quality.
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let url = self.url(&self.phone_number_id);
            let response = crate::providers::send(
                self.http
                    .get(url)
                    .bearer_auth(&self.access_token)
                    .query(&[("fields", "verified_name,display_phone_number,quality_rating")]),
            )
            .await?;
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
            let number: PhoneNumber = crate::providers::read_json(response).await?;
            let parts: Vec<String> = [number.verified_name, number.display_phone_number, number.quality_rating]
                .into_iter()
                .flatten()
                .filter(|p| !p.is_empty())
                .collect();
            Ok(parts.join(" · "))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Webhooks

#[derive(Debug, Deserialize)]
struct Envelope {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
struct Change {
    field: String,
    #[serde(default)]
    value: Value,
}

#[derive(Debug, Deserialize)]
struct ChangeValue {
    #[serde(default)]
    statuses: Vec<StatusItem>,
    #[serde(default)]
    messages: Vec<InboundItem>,
}

#[derive(Debug, Deserialize)]
struct StatusItem {
    id: String,
    status: String,
    timestamp: Option<String>,
    biz_opaque_callback_data: Option<String>,
    #[serde(default)]
    errors: Vec<StatusError>,
}

#[derive(Debug, Deserialize)]
struct StatusError {
    code: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct InboundItem {
    id: String,
    from: String,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

/// Reads a webhook body (its `X-Hub-Signature-256` is checked elsewhere, on the raw bytes). Changes other
/// than `messages` (template status updates, account alerts) and statuses we do not map are skipped.
pub fn parse_webhook(body: &[u8]) -> Result<Vec<MetaEvent>, ProviderError> {
    let bad = |detail: String| ProviderError::BadResponse { http_status: None, detail };
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| bad(format!("webhook body: {e}")))?;
    if envelope.object != "whatsapp_business_account" {
        return Err(bad(format!("webhook object {:?}", envelope.object)));
    }
    let mut events = Vec::new();
    for change in envelope.entry.into_iter().flat_map(|e| e.changes) {
        if change.field != "messages" {
            continue;
        }
        let value: ChangeValue =
            serde_json::from_value(change.value).map_err(|e| bad(format!("webhook messages value: {e}")))?;
        for s in value.statuses {
            let Some(status) = map_status(&s.status) else {
                tracing::debug!(status = %s.status, "meta webhook: status not mapped, skipped");
                continue;
            };
            let report = Report {
                status,
                provider_status: s.status,
                provider_error_code: s.errors.first().and_then(|e| e.code).map(|c| c.to_string()),
            };
            let at = unix_time(s.timestamp.as_deref());
            events.push(MetaEvent::Status { wamid: s.id, report, at, reference: s.biz_opaque_callback_data });
        }
        for m in value.messages {
            let text = inbound_text(m.kind.as_deref().unwrap_or("text"), &m.rest);
            let at = unix_time(m.timestamp.as_deref());
            let from_e164 = format!("+{}", m.from.trim_start_matches('+'));
            events.push(MetaEvent::Inbound { from_e164, text, at, wamid: m.id });
        }
    }
    Ok(events)
}

/// The text a guardian sent: the body, a button's title, or a media caption.
fn inbound_text(kind: &str, rest: &serde_json::Map<String, Value>) -> String {
    let at = |path: &[&str]| {
        let mut v = rest.get(kind)?;
        for key in path {
            v = v.get(key)?;
        }
        v.as_str().map(str::to_owned)
    };
    let text = match kind {
        "text" => at(&["body"]),
        "button" => at(&["text"]),
        "interactive" => at(&["button_reply", "title"]).or_else(|| at(&["list_reply", "title"])),
        _ => at(&["caption"]),
    };
    text.unwrap_or_default()
}

/// Meta's timestamps are unix seconds as strings; an unreadable one is taken as now rather than losing
/// the event (Meta would redeliver a refused webhook for days).
fn unix_time(timestamp: Option<&str>) -> DateTime<Utc> {
    timestamp
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(Utc::now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_meta_status_maps_to_ours() {
        assert_eq!(map_status("accepted"), Some(MessageStatus::Sent));
        assert_eq!(map_status("sent"), Some(MessageStatus::Sent));
        assert_eq!(map_status("delivered"), Some(MessageStatus::Delivered));
        assert_eq!(map_status("read"), Some(MessageStatus::Read));
        assert_eq!(map_status("played"), Some(MessageStatus::Read));
        assert_eq!(map_status("failed"), Some(MessageStatus::Failed));
        assert_eq!(map_status("deleted"), None);
        assert_eq!(template_status("APPROVED"), TemplateStatus::Approved);
        assert_eq!(template_status("paused"), TemplateStatus::Paused);
        assert_eq!(template_status("LIMIT_EXCEEDED"), TemplateStatus::Unknown);
    }

    #[test]
    fn inbound_buttons_and_captions_become_text() {
        let body = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",
            "value":{"messaging_product":"whatsapp","messages":[
              {"from":"966555001234","id":"wamid.A","timestamp":"1764000000","type":"button","button":{"text":"نعم","payload":"yes"}},
              {"from":"966555001234","id":"wamid.B","timestamp":"x","type":"image","image":{"caption":"الوصفة"}},
              {"from":"966555001234","id":"wamid.C","timestamp":"1764000000","type":"sticker","sticker":{}}]}}]}]}"#;
        let events = parse_webhook(body.as_bytes()).unwrap();
        let texts: Vec<&str> = events
            .iter()
            .map(|e| match e {
                MetaEvent::Inbound { text, .. } => text.as_str(),
                MetaEvent::Status { .. } => "status",
            })
            .collect();
        assert_eq!(texts, ["نعم", "الوصفة", ""]);
    }
}
