//! A stored message as the faces show it.

use super::api::MessageView;
use crate::domain::sms::SmsEncoding;
use crate::domain::{Channel, Content, MessageStatus, PhoneE164};
use crate::store::queries::messages as q;

pub(crate) fn to_view(row: q::MessageRow) -> MessageView {
    let channel = row.channel;
    let content = Content::from_stored(channel, row.content.as_deref());
    let title = match &content {
        Content::Email { subject, .. } => Some(subject.clone()),
        Content::Push { title, .. } => Some(title.clone()),
        Content::Whatsapp { template: Some(t) } => Some(format!("{} ({})", t.name, t.language)),
        _ => None,
    };
    let to_display = match channel {
        Channel::Sms | Channel::Whatsapp | Channel::Voice => PhoneE164::from_stored(row.to_address.clone()).display(),
        Channel::Email => row.to_address.clone(),
        // A device token says nothing to people: show its last characters.
        Channel::Push => format!(
            "…{}",
            row.to_address.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect::<String>()
        ),
    };
    let waiting = matches!(row.status(), MessageStatus::Queued | MessageStatus::Scheduled);
    MessageView {
        id: row.id.to_string(),
        channel,
        to_display,
        to: row.to_address.clone(),
        guardian_name: row.guardian_name.clone(),
        status: row.status(),
        error: row.error(),
        body: row.body,
        provider: row.provider,
        provider_message_id: row.provider_message_id,
        segments: u32::try_from(row.segments).unwrap_or(1),
        encoding: row.encoding.as_deref().and_then(SmsEncoding::parse).unwrap_or(SmsEncoding::Ucs2),
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        sandbox: row.sandbox,
        created_at: row.created_at,
        sent_at: row.sent_at,
        delivered_at: row.delivered_at,
        updated_at: row.updated_at,
        send_at: row.send_at,
        expires_at: row.expires_at,
        next_attempt_at: waiting.then_some(row.next_attempt_at),
        urgent: row.urgent,
        title,
    }
}
