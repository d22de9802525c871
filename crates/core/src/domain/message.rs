//! The message lifecycle (DESIGN §3). Which status may follow which is decided here and nowhere else.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
// Named `MessageChannel` in the TypeScript bindings: `Channel` is Tauri's IPC channel there.
#[serde(rename = "MessageChannel")]
pub enum Channel {
    Sms,
    Whatsapp,
    Email,
    Push,
    Voice,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::Sms, Channel::Whatsapp, Channel::Email, Channel::Push, Channel::Voice];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Email => "email",
            Channel::Push => "push",
            Channel::Voice => "voice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether the address is a phone number (E.164) on this channel.
    pub fn uses_phone(self) -> bool {
        matches!(self, Channel::Sms | Channel::Whatsapp | Channel::Voice)
    }
}

/// A stored channel that Wasel does not know is an error when the row is read, never a guess.
impl TryFrom<String> for Channel {
    type Error = UnknownChannel;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Channel::parse(&s).ok_or(UnknownChannel(s))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown channel {0:?} in the database")]
pub struct UnknownChannel(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Scheduled,
    Queued,
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
    Cancelled,
    Expired,
    Unknown,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 10] = [
        MessageStatus::Scheduled,
        MessageStatus::Queued,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Read,
        MessageStatus::Failed,
        MessageStatus::Cancelled,
        MessageStatus::Expired,
        MessageStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Scheduled => "scheduled",
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Failed => "failed",
            MessageStatus::Cancelled => "cancelled",
            MessageStatus::Expired => "expired",
            MessageStatus::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            MessageStatus::Delivered
                | MessageStatus::Read
                | MessageStatus::Failed
                | MessageStatus::Cancelled
                | MessageStatus::Expired
        )
    }

    /// The statuses a message may move to `self` from. Provider reports may skip steps
    /// (`sent → read`), and a late `delivered` may follow `unknown` once reconciled.
    pub fn allowed_from(self) -> &'static [MessageStatus] {
        use MessageStatus::*;
        match self {
            Scheduled => &[],
            Queued => &[Scheduled, Sending, Unknown],
            Sending => &[Queued],
            Sent => &[Sending, Unknown],
            Delivered => &[Sending, Sent, Unknown],
            Read => &[Sending, Sent, Delivered, Unknown],
            Failed => &[Queued, Sending, Sent, Unknown],
            Cancelled => &[Scheduled, Queued, Unknown],
            Expired => &[Scheduled, Queued],
            Unknown => &[Sending],
        }
    }

    pub fn can_follow(self, from: MessageStatus) -> bool {
        self.allowed_from().contains(&from)
    }
}

/// Where a status change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum EventSource {
    Dispatch,
    Webhook,
    Poll,
    Operator,
}

impl EventSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Dispatch => "dispatch",
            EventSource::Webhook => "webhook",
            EventSource::Poll => "poll",
            EventSource::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [EventSource::Dispatch, EventSource::Webhook, EventSource::Poll, EventSource::Operator]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;
    use super::*;

    #[test]
    fn the_happy_path_is_allowed_step_by_step() {
        for (from, to) in [(Queued, Sending), (Sending, Sent), (Sent, Delivered), (Delivered, Read)] {
            assert!(to.can_follow(from), "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn terminal_statuses_never_go_back() {
        for from in MessageStatus::ALL.into_iter().filter(|s| s.is_terminal() && *s != Delivered) {
            for to in MessageStatus::ALL {
                assert!(!to.can_follow(from), "{from:?} -> {to:?} must be refused");
            }
        }
        assert!(!Queued.can_follow(Delivered));
        assert!(!Sending.can_follow(Sent));
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(s.as_str()), Some(s));
        }
    }
}
