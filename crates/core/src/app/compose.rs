//! Composing a message on any channel: the preview the desk sees while typing, and the checks
//! that turn a draft into outbox rows (one per push device; one for every other channel).

use std::collections::BTreeMap;
use std::str::FromStr;

use base64::Engine;
use uuid::Uuid;

use super::{Wasel, to_view};
use crate::api::*;
use crate::domain::sms::{MAX_BODY_CHARS, segment_info};
use crate::domain::{Attachment, Channel, Content, Language, MessageStatus, PhoneE164, TemplateUse};
use crate::error::{Error, ErrorPayload, Result};
use crate::outbox::MessageChanged;
use crate::store::now;
use crate::store::queries::{channels, guardians, messages as q};

/// The longest email or push body we accept from the desk.
const MAX_LONG_BODY_CHARS: usize = 20_000;
/// Attachments together, decoded (most relays refuse mail over 10–25 MB).
pub const MAX_ATTACHMENTS_BYTES: usize = 10 * 1024 * 1024;
/// A voice script longer than this does not fit Twilio's 4,000-character inline TwiML twice.
const MAX_VOICE_CHARS: usize = 1_500;
/// WhatsApp free text is allowed this long after the guardian's last message.
pub const WHATSAPP_WINDOW_HOURS: i64 = 24;

impl From<SendSmsInput> for SendMessageInput {
    fn from(i: SendSmsInput) -> Self {
        SendMessageInput {
            channel: Channel::Sms,
            to: i.to,
            guardian_id: i.guardian_id,
            body: i.body,
            idempotency_key: i.idempotency_key,
            send_at: i.send_at,
            expires_at: i.expires_at,
            urgent: i.urgent,
            template: None,
            subject: None,
            html: None,
            attachments: Vec::new(),
            language: None,
            subject_en: None,
            body_en: None,
        }
    }
}

/// Who a draft goes to, once checked.
struct Recipient {
    address: String,
    guardian: Option<guardians::GuardianRow>,
}

impl Wasel {
    pub fn preview_sms(&self, draft: &SmsDraft) -> SmsPreview {
        let (normalized, phone_error) = if draft.to.trim().is_empty() {
            (None, None)
        } else {
            match PhoneE164::parse_mobile(&draft.to) {
                Ok(p) => (Some(p.to_string()), None),
                Err(e) => (None, Some(Error::from(e).payload())),
            }
        };
        let info = segment_info(&draft.body);
        SmsPreview {
            normalized,
            phone_error,
            encoding: info.encoding,
            units: info.units,
            segments: info.segments,
            remaining: info.remaining,
        }
    }

    /// What the desk sees while composing: the address as it will be used, segments and cost,
    /// the filled template, the WhatsApp window, the devices, and anything that would stop the send.
    pub async fn preview_message(&self, input: &SendMessageInput) -> Result<MessagePreview> {
        let mut problems = Vec::new();
        let guardian = match self.guardian_of(input.guardian_id.as_deref()).await {
            Ok(g) => g,
            Err(e) => {
                problems.push(e.payload());
                None
            }
        };
        let (normalized, address_error) = match self.recipient_address(input, guardian.as_ref()) {
            Ok(Some(a)) => (Some(a), None),
            Ok(None) => (None, None),
            Err(e) => (None, Some(e.payload())),
        };
        let mut preview = MessagePreview {
            channel: input.channel,
            normalized: normalized.clone(),
            address_error,
            sms: None,
            rendered: None,
            cost: None,
            window: None,
            devices: Vec::new(),
            problems: Vec::new(),
        };
        let mut units = 1;
        match input.channel {
            Channel::Sms => {
                let sms = self.preview_sms(&SmsDraft { to: input.to.clone(), body: input.body.clone() });
                units = sms.segments.max(1);
                preview.sms = Some(sms);
            }
            Channel::Whatsapp => {
                if let Some(address) = &normalized {
                    preview.window = Some(self.whatsapp_window(address).await?);
                }
                match &input.template {
                    Some(fill) => match self.fill_template(fill).await {
                        Ok((text, _)) => preview.rendered = Some(text),
                        Err(e) => problems.push(e.payload()),
                    },
                    None if preview.window.as_ref().is_some_and(|w| !w.open) => {
                        problems.push(ErrorPayload::new("whatsapp.outside_window"));
                    }
                    None => {}
                }
            }
            Channel::Push => {
                if let Some(g) = &guardian {
                    preview.devices = self.guardian_devices(&g.id.to_string()).await?;
                    let usable = preview.devices.iter().filter(|d| !d.disabled).count();
                    if usable == 0 {
                        problems.push(ErrorPayload::new("push.no_devices"));
                    }
                    units = u32::try_from(usable).unwrap_or(1).max(1);
                }
            }
            Channel::Email | Channel::Voice => {}
        }
        preview.cost = self.estimate(input.channel, units).await?;
        preview.problems = problems;
        Ok(preview)
    }

    /// Validates, writes the message (once per idempotency key) and wakes the dispatcher.
    #[tracing::instrument(skip_all)]
    pub async fn send_sms(&self, input: SendSmsInput, created_by: Option<&str>) -> Result<MessageView> {
        let mut sent = self.send_message(input.into(), created_by).await?;
        sent.pop().ok_or_else(|| Error::Internal("an SMS made no message".into()))
    }

    /// Checks an SMS and turns it into an outbox row, without writing it: for callers that write
    /// it in their own transaction ([`q::enqueue_in`]) with the row that caused it.
    pub async fn prepare_sms(&self, input: SendSmsInput, created_by: Option<&str>) -> Result<q::NewMessage> {
        let mut rows = self.prepare_message(input.into(), created_by).await?;
        rows.pop().ok_or_else(|| Error::Internal("an SMS made no message".into()))
    }

    /// Any channel: validates, writes the message(s) and wakes the dispatcher. Push makes one
    /// message per device of the guardian (each in the device's language).
    #[tracing::instrument(skip_all, fields(channel = input.channel.as_str()))]
    pub async fn send_message(&self, input: SendMessageInput, created_by: Option<&str>) -> Result<Vec<MessageView>> {
        let rows = self.prepare_message(input, created_by).await?;
        let mut out = Vec::with_capacity(rows.len());
        for new in rows {
            let (row, created) = q::enqueue(&self.db, &new).await?;
            if created {
                tracing::info!(message_id = %row.id, channel = %row.channel, "message queued");
                let _ = self.changes.send(MessageChanged { id: row.id, status: row.status() });
                self.wake.notify_one();
            }
            out.push(to_view(row));
        }
        Ok(out)
    }

    /// The checks of [`Wasel::send_message`], without writing.
    pub async fn prepare_message(
        &self,
        input: SendMessageInput,
        created_by: Option<&str>,
    ) -> Result<Vec<q::NewMessage>> {
        let guardian = self.guardian_of(input.guardian_id.as_deref()).await?;
        let address = match input.channel {
            Channel::Push => None,
            _ => Some(self.recipient_address(&input, guardian.as_ref())?.ok_or_else(|| match input.channel {
                Channel::Email => Error::invalid("email.required"),
                _ => Error::invalid("phone.required"),
            })?),
        };
        let recipient = Recipient { address: address.unwrap_or_default(), guardian };
        let key = match input.idempotency_key.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(k) if k.len() > 200 => return Err(Error::invalid("idempotency.invalid")),
            Some(k) => k.to_owned(),
            None => Uuid::now_v7().to_string(),
        };
        let body = input.body.trim().to_owned();
        let base = self.schedule(&input, key, created_by)?;
        let guardian_language =
            recipient.guardian.as_ref().and_then(|g| Language::parse(&g.preferred_language)).unwrap_or(Language::Ar);
        let message = |channel: Channel, to: String, body: String, content: Content| q::NewMessage {
            channel: channel.as_str(),
            to_address: to,
            guardian_id: recipient.guardian.as_ref().map(|g| g.id),
            body,
            content: content.to_stored(),
            ..base.clone()
        };
        match input.channel {
            Channel::Sms => {
                require_body(&body, MAX_BODY_CHARS)?;
                let info = segment_info(&body);
                let mut new = message(Channel::Sms, recipient.address.clone(), body.clone(), Content::Sms);
                new.encoding = Some(info.encoding.as_str());
                new.segments = i32::try_from(info.segments).unwrap_or(i32::MAX);
                Ok(vec![new])
            }
            Channel::Whatsapp => {
                let (text, template) = match &input.template {
                    Some(fill) => {
                        let (text, template) = self.fill_template(fill).await?;
                        (text, Some(template))
                    }
                    None => {
                        require_body(&body, 4096)?;
                        if !self.whatsapp_window(&recipient.address).await?.open {
                            return Err(Error::invalid("whatsapp.outside_window"));
                        }
                        (body.clone(), None)
                    }
                };
                Ok(vec![message(Channel::Whatsapp, recipient.address.clone(), text, Content::Whatsapp { template })])
            }
            Channel::Email => {
                require_body(&body, MAX_LONG_BODY_CHARS)?;
                let subject = input.subject.as_deref().map(str::trim).unwrap_or_default().to_owned();
                if subject.is_empty() {
                    return Err(Error::invalid("subject.required"));
                }
                if subject.chars().count() > 200 {
                    return Err(Error::Invalid { code: "subject.too_long", params: vec![("max", "200".into())] });
                }
                let attachments = check_attachments(&input.attachments)?;
                let content = Content::Email {
                    subject,
                    html: optional_text(&input.html, MAX_LONG_BODY_CHARS * 5)?,
                    to_name: recipient.guardian.as_ref().map(|g| g.full_name.clone()),
                    attachments,
                };
                Ok(vec![message(Channel::Email, recipient.address.clone(), body.clone(), content)])
            }
            Channel::Push => {
                require_body(&body, 2000)?;
                let title = input.subject.as_deref().map(str::trim).unwrap_or_default().to_owned();
                if title.is_empty() {
                    return Err(Error::invalid("title.required"));
                }
                let Some(g) = &recipient.guardian else { return Err(Error::invalid("push.guardian_required")) };
                // Only devices whose push service is in use: a token belongs to the service that issued it.
                let services: Vec<String> = self
                    .routes()
                    .for_message(Channel::Push, base.sandbox)
                    .map(|r| r.providers().map(|p| p.id().to_owned()).collect())
                    .unwrap_or_default();
                let devices: Vec<_> = channels::devices_of(&self.db, g.id)
                    .await?
                    .into_iter()
                    .filter(|d| d.disabled_at.is_none() && services.contains(&d.service))
                    .collect();
                if devices.is_empty() {
                    return Err(Error::invalid("push.no_devices"));
                }
                // Devices set to English get the English version when there is one.
                let body_en = optional_text(&input.body_en, 2000)?;
                let title_en = optional_text(&input.subject_en, 200)?.unwrap_or_else(|| title.clone());
                let mut out = Vec::with_capacity(devices.len());
                for d in devices {
                    let language = Language::parse(&d.language).unwrap_or(guardian_language);
                    let (title, body) = match (&body_en, language) {
                        (Some(text), Language::En) => (title_en.clone(), text.clone()),
                        _ => (title.clone(), body.clone()),
                    };
                    let content = Content::Push {
                        title,
                        data: BTreeMap::from([("kind".to_owned(), "notice".to_owned())]),
                        service: d.service.clone(),
                        language,
                    };
                    let mut new = message(Channel::Push, d.token.clone(), body, content);
                    // One draft, several devices: each message gets its own key from the draft's.
                    new.idempotency_key = format!("{}#{}", base.idempotency_key, d.id);
                    out.push(new);
                }
                Ok(out)
            }
            Channel::Voice => {
                let language = input.language.unwrap_or(guardian_language);
                // An English call speaks the English script when one was written.
                let script = match (optional_text(&input.body_en, MAX_VOICE_CHARS)?, language) {
                    (Some(text), Language::En) => text,
                    _ => body.clone(),
                };
                require_body(&script, MAX_VOICE_CHARS)?;
                Ok(vec![message(Channel::Voice, recipient.address.clone(), script, Content::Voice { language })])
            }
        }
    }

    async fn guardian_of(&self, id: Option<&str>) -> Result<Option<guardians::GuardianRow>> {
        match id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => {
                let id = Uuid::parse_str(id).map_err(|_| Error::invalid("guardian.not_found"))?;
                Ok(Some(guardians::get(&self.db, id).await?.ok_or_else(|| Error::invalid("guardian.not_found"))?))
            }
            None => Ok(None),
        }
    }

    /// The address for the channel: what was typed, else the guardian's. `None` when neither.
    fn recipient_address(
        &self,
        input: &SendMessageInput,
        guardian: Option<&guardians::GuardianRow>,
    ) -> Result<Option<String>> {
        let typed = input.to.trim();
        match input.channel {
            Channel::Push => Ok(None),
            Channel::Email => {
                let raw =
                    if typed.is_empty() { guardian.and_then(|g| g.email.clone()) } else { Some(typed.to_owned()) };
                raw.map(|r| normalize_email(&r)).transpose()
            }
            _ => {
                let raw =
                    if typed.is_empty() { guardian.and_then(|g| g.phone_e164.clone()) } else { Some(typed.to_owned()) };
                Ok(raw.map(|r| PhoneE164::parse_mobile(&r)).transpose()?.map(|p| p.to_string()))
            }
        }
    }

    /// The outbox row's common part: key, schedule, expiry, quiet hours, attempts.
    fn schedule(&self, input: &SendMessageInput, key: String, created_by: Option<&str>) -> Result<q::NewMessage> {
        let at = now();
        if let Some(exp) = input.expires_at
            && exp <= at
        {
            return Err(Error::invalid("schedule.expired"));
        }
        if let (Some(send_at), Some(exp)) = (input.send_at, input.expires_at)
            && exp <= send_at
        {
            return Err(Error::invalid("schedule.expires_before_send"));
        }
        let urgent = input.urgent.unwrap_or(false);
        let config = self.outbox_config();
        let mut not_before = input.send_at.filter(|t| *t > at).unwrap_or(at);
        if !urgent && let Some(qh) = config.quiet_hours {
            not_before = qh.next_allowed(not_before);
        }
        let status =
            if input.send_at.is_some_and(|t| t > at) { MessageStatus::Scheduled } else { MessageStatus::Queued };
        Ok(q::NewMessage {
            idempotency_key: key,
            channel: input.channel.as_str(),
            to_address: String::new(),
            guardian_id: None,
            body: String::new(),
            content: None,
            encoding: None,
            segments: 1,
            urgent,
            sandbox: self.is_sandbox_for(input.channel),
            max_attempts: i32::try_from(config.policy.max_attempts).unwrap_or(5),
            created_by: created_by.map(str::to_owned),
            status,
            next_attempt_at: not_before,
            send_at: input.send_at,
            expires_at: input.expires_at,
        })
    }

    /// The template's approved text with the parameters in place, or why it cannot be used.
    async fn fill_template(&self, fill: &TemplateFill) -> Result<(String, TemplateUse)> {
        let templates = self.whatsapp_templates().await?;
        let candidates: Vec<_> =
            templates.iter().filter(|t| t.name == fill.name && t.language == fill.language).collect();
        let Some(first) = candidates.first() else {
            return Err(Error::Invalid { code: "template.not_found", params: vec![("name", fill.name.clone())] });
        };
        let Some(usable) = candidates.iter().find(|t| t.status == crate::providers::whatsapp::TemplateStatus::Approved)
        else {
            return Err(Error::Invalid {
                code: "template.not_approved",
                params: vec![("name", fill.name.clone()), ("status", format!("{:?}", first.status).to_lowercase())],
            });
        };
        let params: Vec<String> = fill.params.iter().map(|p| p.trim().to_owned()).collect();
        if params.len() != usable.params as usize || params.iter().any(String::is_empty) {
            return Err(Error::Invalid { code: "template.params", params: vec![("count", usable.params.to_string())] });
        }
        let text = render_placeholders(&usable.body, &params);
        // Twilio names templates by its own id: carry it for the Twilio route.
        let twilio_ref = channels::templates(&self.db)
            .await?
            .into_iter()
            .find(|t| t.provider == "twilio_whatsapp" && t.name == fill.name && t.language == fill.language)
            .and_then(|t| t.provider_ref);
        let template =
            TemplateUse { name: fill.name.clone(), language: fill.language.clone(), params, provider_ref: twilio_ref };
        Ok((text, template))
    }

    /// The WhatsApp customer-service window of a number, opened by its last inbound message on
    /// the side WhatsApp goes out on now (a simulated reply opens only the sandbox's window).
    pub async fn whatsapp_window(&self, address: &str) -> Result<WindowView> {
        let sandbox = self.is_sandbox_for(Channel::Whatsapp);
        let last = channels::last_inbound(&self.db, Channel::Whatsapp.as_str(), address, sandbox).await?;
        let closes = last.map(|t| t + chrono::Duration::hours(WHATSAPP_WINDOW_HOURS));
        Ok(WindowView { open: closes.is_some_and(|c| c > now()), last_inbound_at: last, closes_at: closes })
    }

    pub async fn guardian_devices(&self, guardian_id: &str) -> Result<Vec<DeviceView>> {
        let id = Uuid::parse_str(guardian_id).map_err(|_| Error::invalid("guardian.not_found"))?;
        Ok(channels::devices_of(&self.db, id)
            .await?
            .into_iter()
            .map(|d| DeviceView {
                id: d.id.to_string(),
                token_tail: d.token.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect(),
                service: d.service,
                label: d.label,
                language: Language::parse(&d.language).unwrap_or(Language::Ar),
                disabled: d.disabled_at.is_some(),
                disabled_reason: d.disabled_reason,
            })
            .collect())
    }
}

/// An optional text (an English version, an HTML part): `None` when blank, refused when too long.
fn optional_text(text: &Option<String>, max: usize) -> Result<Option<String>> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > max => {
            Err(Error::Invalid { code: "body.too_long", params: vec![("max", max.to_string())] })
        }
        Some(t) => Ok(Some(t.to_owned())),
        None => Ok(None),
    }
}

fn require_body(body: &str, max: usize) -> Result<()> {
    if body.is_empty() {
        return Err(Error::invalid("body.required"));
    }
    if body.chars().count() > max {
        return Err(Error::Invalid { code: "body.too_long", params: vec![("max", max.to_string())] });
    }
    Ok(())
}

/// `{{1}}`, `{{2}}`… replaced by the parameters, in order.
pub fn render_placeholders(body: &str, params: &[String]) -> String {
    params.iter().enumerate().fold(body.to_owned(), |text, (i, p)| text.replace(&format!("{{{{{}}}}}", i + 1), p))
}

/// How many `{{n}}` placeholders a template has (the highest n).
pub fn placeholder_count(body: &str) -> u32 {
    (1..=20u32).filter(|n| body.contains(&format!("{{{{{n}}}}}"))).max().unwrap_or(0)
}

/// An email address as lettre reads it (RFC 5321 rules), with the domain in lower case.
pub fn normalize_email(raw: &str) -> Result<String> {
    let trimmed = raw.trim();
    let invalid = || Error::Invalid { code: "email.invalid", params: vec![("input", trimmed.to_owned())] };
    let address = lettre::Address::from_str(trimmed).map_err(|_| invalid())?;
    if !address.domain().contains('.') {
        return Err(invalid());
    }
    Ok(format!("{}@{}", address.user(), address.domain().to_lowercase()))
}

fn check_attachments(input: &[AttachmentInput]) -> Result<Vec<Attachment>> {
    let mut total = 0usize;
    let mut out = Vec::with_capacity(input.len());
    for a in input {
        let name = a.filename.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(a.data_base64.trim())
            .map_err(|_| Error::Invalid { code: "attachment.invalid", params: vec![("name", name.to_owned())] })?;
        if name.is_empty() || name.contains(['/', '\\']) || bytes.is_empty() {
            return Err(Error::Invalid { code: "attachment.invalid", params: vec![("name", name.to_owned())] });
        }
        total += bytes.len();
        if total > MAX_ATTACHMENTS_BYTES {
            return Err(Error::Invalid {
                code: "attachment.too_large",
                params: vec![("max", format!("{} MB", MAX_ATTACHMENTS_BYTES / (1024 * 1024)))],
            });
        }
        let content_type = if a.content_type.trim().is_empty() {
            "application/octet-stream".to_owned()
        } else {
            a.content_type.trim().to_owned()
        };
        // A type the mail cannot carry is refused now, not when the message is built.
        if lettre::message::header::ContentType::parse(&content_type).is_err() {
            return Err(Error::Invalid { code: "attachment.invalid", params: vec![("name", name.to_owned())] });
        }
        out.push(Attachment { filename: name.to_owned(), content_type, data_base64: a.data_base64.trim().to_owned() });
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_in_order() {
        let body = "موعد {{1}} يوم {{2}} الساعة {{3}}";
        assert_eq!(placeholder_count(body), 3);
        let params = ["سارة".to_owned(), "الأحد".to_owned(), "10:30".to_owned()];
        assert_eq!(render_placeholders(body, &params), "موعد سارة يوم الأحد الساعة 10:30");
        assert_eq!(placeholder_count("no parameters"), 0);
    }

    #[test]
    fn email_addresses_are_checked_and_domains_lower_cased() {
        assert_eq!(normalize_email(" Guardian@Example.COM ").unwrap(), "Guardian@example.com");
        for bad in ["", "guardian", "guardian@", "@example.com", "guardian@localhost", "a b@example.com"] {
            assert_eq!(normalize_email(bad).unwrap_err().code(), "email.invalid", "{bad}");
        }
    }

    #[test]
    fn attachments_must_decode_and_fit() {
        let ok = AttachmentInput {
            filename: "تقرير.pdf".into(),
            content_type: "application/pdf".into(),
            data_base64: "JVBERi0xLjQ=".into(),
        };
        assert_eq!(check_attachments(std::slice::from_ref(&ok)).unwrap().len(), 1);
        let bad = AttachmentInput { data_base64: "not base64!".into(), ..ok.clone() };
        assert_eq!(check_attachments(&[bad]).unwrap_err().code(), "attachment.invalid");
        let big = AttachmentInput {
            data_base64: base64::engine::general_purpose::STANDARD.encode(vec![0u8; MAX_ATTACHMENTS_BYTES + 1]),
            ..ok
        };
        assert_eq!(check_attachments(&[big]).unwrap_err().code(), "attachment.too_large");
    }
}
