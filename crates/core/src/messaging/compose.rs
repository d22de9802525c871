//! Turning a draft into outbox rows (one per push device; one for every other channel): the
//! recipient, the schedule, the channel's content, once per idempotency key.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::api::*;
use super::checks::{check_attachments, optional_text, require_body};
use super::views::to_view;
use crate::audit::{self, Entry};
use crate::context::Messaging;
use crate::domain::sms::{MAX_BODY_CHARS, segment_info};
use crate::domain::{Channel, Content, EmailAddress, IdempotencyKey, Language, MessageStatus, Operation, PhoneE164};
use crate::error::{Error, Result};
use crate::outbox::MessageChanged;
use crate::store::now;
use crate::store::queries::{channels, guardians, messages as q};

/// The longest email or push body we accept from the desk.
const MAX_LONG_BODY_CHARS: usize = 20_000;
/// A voice script longer than this does not fit Twilio's 4,000-character inline TwiML twice.
const MAX_VOICE_CHARS: usize = 1_500;

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
pub(super) struct Recipient {
    address: String,
    guardian: Option<guardians::GuardianRow>,
}

impl Messaging<'_> {
    /// Validates, writes the message (once per idempotency key) and wakes the dispatcher.
    #[tracing::instrument(skip_all)]
    pub async fn send_sms(&self, input: SendSmsInput) -> Result<MessageView> {
        self.allow(Operation::SendMessage)?;
        let mut sent = self.send_message(input.into()).await?;
        sent.pop().ok_or_else(|| Error::Internal("an SMS made no message".into()))
    }

    /// Checks an SMS and turns it into an outbox row, without writing it: for callers that write
    /// it in their own transaction ([`q::enqueue_in`]) with the row that caused it.
    pub async fn prepare_sms(&self, input: SendSmsInput) -> Result<q::NewMessage> {
        self.allow(Operation::SendMessage)?;
        let mut rows = self.prepare_message(input.into()).await?;
        rows.pop().ok_or_else(|| Error::Internal("an SMS made no message".into()))
    }

    /// Any channel: validates, writes the message(s) and wakes the dispatcher. Push makes one
    /// message per device of the guardian (each in the device's language).
    #[tracing::instrument(skip_all, fields(channel = input.channel.as_str()))]
    /// A person's send is audited in the same transaction as the message; Wasel's own sends
    /// (rules, the bench) are recorded by their cause.
    pub async fn send_message(&self, input: SendMessageInput) -> Result<Vec<MessageView>> {
        self.allow(Operation::SendMessage)?;
        let rows = self.prepare_message(input).await?;
        let mut out = Vec::with_capacity(rows.len());
        for new in rows {
            let (row, created) = if self.caller().user_id().is_some() {
                let mut tx = self.db.begin().await?;
                let (row, created) = q::enqueue_in(&mut tx, &new).await?;
                if created {
                    let entry = Entry::by(self.caller(), "message.send", "message", Some(row.id.to_string())).change(
                        None,
                        Some(serde_json::json!({ "channel": row.channel.as_str(), "status": row.status })),
                    );
                    audit::append(&mut tx, entry).await?;
                }
                tx.commit().await?;
                if created {
                    q::notify_workers(&self.db).await?;
                }
                (row, created)
            } else {
                q::enqueue(&self.db, &new).await?
            };
            if created {
                tracing::info!(message_id = %row.id, channel = row.channel.as_str(), "message queued");
                self.announce(MessageChanged { id: row.id, status: row.status() });
            }
            out.push(to_view(row));
        }
        Ok(out)
    }

    /// The checks of [`Wasel::send_message`], without writing.
    pub async fn prepare_message(&self, input: SendMessageInput) -> Result<Vec<q::NewMessage>> {
        self.allow(Operation::SendMessage)?;
        let guardian = self.guardian_of(input.guardian_id.as_deref()).await?;
        let address = match input.channel {
            Channel::Push => None,
            _ => Some(self.recipient_address(&input, guardian.as_ref())?.ok_or_else(|| match input.channel {
                Channel::Email => Error::invalid("email.required"),
                _ => Error::invalid("phone.required"),
            })?),
        };
        let recipient = Recipient { address: address.unwrap_or_default(), guardian };
        let key = IdempotencyKey::parse_or_new(input.idempotency_key.as_deref())?;
        let body = input.body.trim().to_owned();
        let base = self.schedule(&input, key.as_str().to_owned())?;
        let guardian_language =
            recipient.guardian.as_ref().and_then(|g| Language::parse(&g.preferred_language)).unwrap_or(Language::Ar);
        let message = |channel: Channel, to: String, body: String, content: Content| q::NewMessage {
            channel,
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
                    new.idempotency_key = key.part(d.id).into_string();
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

    pub(super) async fn guardian_of(&self, id: Option<&str>) -> Result<Option<guardians::GuardianRow>> {
        match id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => {
                let id = Uuid::parse_str(id).map_err(|_| Error::invalid("guardian.not_found"))?;
                Ok(Some(guardians::get(&self.db, id).await?.ok_or_else(|| Error::invalid("guardian.not_found"))?))
            }
            None => Ok(None),
        }
    }

    /// The address for the channel: what was typed, else the guardian's. `None` when neither.
    pub(super) fn recipient_address(
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
                raw.map(|r| EmailAddress::parse(&r).map(EmailAddress::into_string)).transpose()
            }
            _ => {
                let raw =
                    if typed.is_empty() { guardian.and_then(|g| g.phone_e164.clone()) } else { Some(typed.to_owned()) };
                Ok(raw.map(|r| PhoneE164::parse_mobile(&r)).transpose()?.map(|p| p.to_string()))
            }
        }
    }

    /// The outbox row's common part: key, schedule, expiry, quiet hours, attempts.
    fn schedule(&self, input: &SendMessageInput, key: String) -> Result<q::NewMessage> {
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
            channel: input.channel,
            to_address: String::new(),
            guardian_id: None,
            body: String::new(),
            content: None,
            encoding: None,
            segments: 1,
            urgent,
            sandbox: self.is_sandbox_for(input.channel),
            max_attempts: i32::try_from(config.policy.max_attempts).unwrap_or(5),
            created_by: Some(self.caller().name()),
            status,
            next_attempt_at: not_before,
            send_at: input.send_at,
            expires_at: input.expires_at,
        })
    }
}
