//! What a message carries besides its text, per channel. Stored as JSON in `messages.content`
//! (absent for SMS), so a new channel field needs no schema change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::language::Language;

use super::Channel;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Content {
    Sms,
    /// `template: None` is free text (the message body), allowed only inside the 24-hour window.
    #[serde(rename_all = "camelCase")]
    Whatsapp {
        template: Option<TemplateUse>,
    },
    #[serde(rename_all = "camelCase")]
    Email {
        subject: String,
        html: Option<String>,
        to_name: Option<String>,
        attachments: Vec<Attachment>,
    },
    /// `service` picks the push service that registered the device (`fcm`, `onesignal`).
    #[serde(rename_all = "camelCase")]
    Push {
        title: String,
        data: BTreeMap<String, String>,
        service: String,
        language: Language,
    },
    #[serde(rename_all = "camelCase")]
    Voice {
        language: Language,
    },
}

/// An approved WhatsApp template, filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateUse {
    pub name: String,
    /// `ar` or `en`.
    pub language: String,
    pub params: Vec<String>,
    /// The provider's own id for the template (Twilio's `ContentSid`); Meta uses name + language.
    pub provider_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub data_base64: String,
}

impl Content {
    pub fn channel(&self) -> Channel {
        match self {
            Content::Sms => Channel::Sms,
            Content::Whatsapp { .. } => Channel::Whatsapp,
            Content::Email { .. } => Channel::Email,
            Content::Push { .. } => Channel::Push,
            Content::Voice { .. } => Channel::Voice,
        }
    }

    /// A message that only one provider can take (a push token belongs to the service that issued it).
    pub fn pinned_provider(&self) -> Option<&str> {
        match self {
            Content::Push { service, .. } => Some(service),
            _ => None,
        }
    }

    /// The stored form: `None` for SMS (the column predates the other channels).
    pub fn to_stored(&self) -> Option<String> {
        match self {
            Content::Sms => None,
            // Serialising plain strings and maps cannot fail.
            other => serde_json::to_string(other).ok(),
        }
    }

    pub fn from_stored(channel: Channel, stored: Option<&str>) -> Self {
        match stored.and_then(|s| serde_json::from_str::<Content>(s).ok()) {
            Some(c) if c.channel() == channel => c,
            _ => match channel {
                Channel::Sms => Content::Sms,
                Channel::Whatsapp => Content::Whatsapp { template: None },
                Channel::Email => {
                    Content::Email { subject: String::new(), html: None, to_name: None, attachments: Vec::new() }
                }
                Channel::Push => Content::Push {
                    title: String::new(),
                    data: BTreeMap::new(),
                    service: String::new(),
                    language: Language::Ar,
                },
                Channel::Voice => Content::Voice { language: Language::Ar },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_round_trips_through_its_stored_form() {
        let all = [
            Content::Sms,
            Content::Whatsapp {
                template: Some(TemplateUse {
                    name: "appointment_reminder".into(),
                    language: "ar".into(),
                    params: vec!["سارة".into(), "الأحد".into()],
                    provider_ref: None,
                }),
            },
            Content::Email {
                subject: "موعد الغد".into(),
                html: Some("<p>مرحبا</p>".into()),
                to_name: Some("أم سارة".into()),
                attachments: vec![Attachment {
                    filename: "تقرير.pdf".into(),
                    content_type: "application/pdf".into(),
                    data_base64: "JVBERi0=".into(),
                }],
            },
            Content::Push { title: "t".into(), data: BTreeMap::new(), service: "fcm".into(), language: Language::En },
            Content::Voice { language: Language::Ar },
        ];
        for c in all {
            let stored = c.to_stored();
            assert_eq!(Content::from_stored(c.channel(), stored.as_deref()), c);
        }
    }
}
