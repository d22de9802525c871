//! Where each simulator keeps its sandbox inbox, and how one entry reads as an [`InboxItem`].
//! The simulators' own types are the contract (`wasel_sim::*::Sim…`), read from their JSON.

use serde::de::DeserializeOwned;

use wasel_core::api::{InboxAttachment, InboxItem};
use wasel_core::domain::Channel;

pub(crate) struct Source {
    pub channel: Channel,
    pub path: &'static str,
    pub read: fn(&serde_json::Value) -> Option<InboxItem>,
}

pub(crate) const SOURCES: &[Source] = &[
    Source { channel: Channel::Sms, path: "/_sim/twilio/messages", read: twilio_sms },
    Source { channel: Channel::Whatsapp, path: "/_sim/twilio/messages", read: twilio_whatsapp },
    Source { channel: Channel::Sms, path: "/_sim/taqnyat/messages", read: taqnyat },
    Source { channel: Channel::Sms, path: "/_sim/msegat/messages", read: msegat },
    Source { channel: Channel::Whatsapp, path: "/_sim/meta/messages", read: meta },
    Source { channel: Channel::Email, path: "/_sim/smtp/messages", read: smtp },
    Source { channel: Channel::Push, path: "/_sim/fcm/messages", read: fcm },
    Source { channel: Channel::Push, path: "/_sim/onesignal/messages", read: onesignal },
    Source { channel: Channel::Voice, path: "/_sim/twilio/calls", read: twilio_call },
];

fn parse<T: DeserializeOwned>(v: &serde_json::Value) -> Option<T> {
    serde_json::from_value(v.clone()).map_err(|e| tracing::debug!(error = %e, "inbox entry not understood")).ok()
}

/// A provider's own status word as Wasel's (`successful` → `delivered`), so the inbox speaks one
/// vocabulary; a word the provider file does not know stays as it is.
fn as_wasel(status: String, map: fn(&str) -> Option<wasel_core::domain::MessageStatus>) -> String {
    map(&status).map_or(status, |s| s.as_str().to_owned())
}

fn item(channel: Channel, provider: &str, id: String, to: String, at: chrono::DateTime<chrono::Utc>) -> InboxItem {
    InboxItem {
        id,
        channel,
        provider: provider.to_owned(),
        to,
        at,
        status: String::new(),
        title: None,
        text: String::new(),
        html: None,
        from: None,
        language: None,
        attachments: Vec::new(),
        voice: None,
        duration_secs: None,
        error_code: None,
    }
}

fn twilio_message(v: &serde_json::Value, want: wasel_sim::twilio::Channel) -> Option<InboxItem> {
    let m: wasel_sim::twilio::SimMessage = parse(v)?;
    if m.channel != want {
        return None;
    }
    let (channel, provider) = match want {
        wasel_sim::twilio::Channel::Sms => (Channel::Sms, "twilio"),
        wasel_sim::twilio::Channel::Whatsapp => (Channel::Whatsapp, "twilio_whatsapp"),
    };
    let to = m.to.strip_prefix("whatsapp:").unwrap_or(&m.to).to_owned();
    Some(InboxItem {
        status: m.status,
        text: m.body,
        title: m.template,
        from: Some(m.from),
        error_code: m.error_code.map(|c| c.to_string()),
        ..item(channel, provider, m.sid, to, m.date_created)
    })
}

fn twilio_sms(v: &serde_json::Value) -> Option<InboxItem> {
    twilio_message(v, wasel_sim::twilio::Channel::Sms)
}

fn twilio_whatsapp(v: &serde_json::Value) -> Option<InboxItem> {
    twilio_message(v, wasel_sim::twilio::Channel::Whatsapp)
}

fn taqnyat(v: &serde_json::Value) -> Option<InboxItem> {
    let m: wasel_sim::taqnyat::SimMessage = parse(v)?;
    Some(InboxItem {
        status: m.status,
        text: m.body,
        from: Some(m.sender),
        ..item(Channel::Sms, "taqnyat", m.id, format!("+{}", m.to), m.date_created)
    })
}

fn msegat(v: &serde_json::Value) -> Option<InboxItem> {
    let m: wasel_sim::msegat::SimMessage = parse(v)?;
    Some(InboxItem {
        status: m.status,
        text: m.body,
        from: Some(m.sender),
        ..item(Channel::Sms, "msegat", m.id, format!("+{}", m.to), m.date_created)
    })
}

fn meta(v: &serde_json::Value) -> Option<InboxItem> {
    let m: wasel_sim::meta::SimMessage = parse(v)?;
    Some(InboxItem {
        status: m.status,
        text: m.text,
        title: m.template,
        language: m.language,
        error_code: m.error_code.map(|c| c.to_string()),
        ..item(Channel::Whatsapp, "meta", m.id, format!("+{}", m.to.trim_start_matches('+')), m.created_at)
    })
}

fn smtp(v: &serde_json::Value) -> Option<InboxItem> {
    let m: wasel_sim::smtp::SimEmail = parse(v)?;
    let to =
        m.to.first().and_then(|t| t.address.clone()).or_else(|| m.envelope_to.first().cloned()).unwrap_or_default();
    let from = m.from.map(|f| match (f.name, f.address) {
        (Some(n), Some(a)) => format!("{n} <{a}>"),
        (None, Some(a)) => a,
        (Some(n), None) => n,
        (None, None) => String::new(),
    });
    Some(InboxItem {
        status: "received".into(),
        title: m.subject,
        text: m.text.unwrap_or_default(),
        html: m.html,
        from,
        attachments: m
            .attachments
            .into_iter()
            .map(|a| InboxAttachment {
                filename: a.filename.unwrap_or_default(),
                content_type: a.content_type,
                size: u32::try_from(a.size).unwrap_or(u32::MAX),
            })
            .collect(),
        ..item(Channel::Email, "smtp", m.id, to, m.received_at)
    })
}

fn fcm(v: &serde_json::Value) -> Option<InboxItem> {
    let m: wasel_sim::fcm::SimMessage = parse(v)?;
    let to = m.token.or(m.topic).unwrap_or_default();
    Some(InboxItem {
        status: m.status,
        title: m.title,
        text: m.body.unwrap_or_default(),
        ..item(Channel::Push, "fcm", m.name, to, m.received_at)
    })
}

fn onesignal(v: &serde_json::Value) -> Option<InboxItem> {
    let m: wasel_sim::onesignal::SimMessage = parse(v)?;
    Some(InboxItem {
        status: as_wasel(m.status, wasel_core::providers::push::onesignal::map_status),
        title: m.heading,
        text: m.content,
        language: Some(m.language),
        ..item(
            Channel::Push,
            "onesignal",
            format!("{}/{}", m.notification_id, m.subscription_id),
            m.subscription_id,
            m.queued_at,
        )
    })
}

fn twilio_call(v: &serde_json::Value) -> Option<InboxItem> {
    let c: wasel_sim::twilio_voice::SimCall = parse(v)?;
    Some(InboxItem {
        status: c.status,
        text: c.text,
        language: c.language,
        voice: c.voice,
        duration_secs: c.duration,
        from: Some(c.from),
        error_code: c.error_code.map(|e| e.to_string()),
        ..item(Channel::Voice, "twilio_voice", c.sid, c.to, c.date_created)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onesignal_entry(status: &str) -> serde_json::Value {
        serde_json::json!({
            "notification_id": "b98881cc-1e94-4366-bbd9-db8f3429292b",
            "subscription_id": "1dd608f2-c6a1-11e3-851d-000c2940e62c",
            "external_id": null,
            "language": "en",
            "heading": "Assessment result",
            "content": "Lina's assessment is ready.",
            "data": null,
            "idempotency_key": null,
            "status": status,
            "queued_at": "2026-12-02T09:00:00Z",
        })
    }

    #[test]
    fn the_inbox_speaks_wasel_statuses_whatever_the_provider_calls_them() {
        let read = |status: &str| onesignal(&onesignal_entry(status)).map(|i| i.status);
        assert_eq!(read("successful").as_deref(), Some("delivered"));
        assert_eq!(read("remaining").as_deref(), Some("sent"));
        assert_eq!(read("errored").as_deref(), Some("failed"));
        assert_eq!(read("canceled").as_deref(), Some("cancelled"));
        // A word the provider file does not know is shown as it came.
        assert_eq!(read("paused").as_deref(), Some("paused"));
    }
}
