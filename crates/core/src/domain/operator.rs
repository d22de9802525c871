//! What an operator may do to one message, and from which status: decided here and nowhere else.

use serde::{Deserialize, Serialize};

use super::MessageStatus;
use crate::error::{Error, Result};

/// What an operator can do to one message (each is audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum OperatorAction {
    /// Stop a queued, scheduled or unknown message.
    Cancel,
    /// Send a message waiting for its retry now.
    RetryNow,
    /// Send an `unknown` message again (the operator checked it did not arrive).
    Resend,
    /// Close an `unknown` message without sending (the operator checked it arrived).
    Dismiss,
}

/// What an allowed action does: the status it moves to, whether the message becomes due now,
/// and the audit action's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionEffect {
    pub to: MessageStatus,
    pub due_now: bool,
    pub audit_action: &'static str,
}

impl OperatorAction {
    /// The effect of this action on a message in `from`, or why it is not allowed.
    pub fn effect(self, from: MessageStatus) -> Result<ActionEffect> {
        let (to, due_now, audit_action) = match (self, from) {
            // Only what has not gone out yet (or whose outcome is unknown) can be stopped.
            (OperatorAction::Cancel, from) if MessageStatus::Cancelled.can_follow(from) => {
                (MessageStatus::Cancelled, false, "message.cancel")
            }
            (OperatorAction::RetryNow, MessageStatus::Queued | MessageStatus::Scheduled) => {
                (MessageStatus::Queued, true, "message.retry_now")
            }
            (OperatorAction::Resend, MessageStatus::Unknown) => (MessageStatus::Queued, true, "message.resend"),
            (OperatorAction::Dismiss, MessageStatus::Unknown) => (MessageStatus::Cancelled, false, "message.dismiss"),
            (_, from) => return Err(not_allowed(from)),
        };
        Ok(ActionEffect { to, due_now, audit_action })
    }
}

pub fn not_allowed(status: MessageStatus) -> Error {
    Error::Invalid { code: "message.action_not_allowed", params: vec![("status", status.as_str().to_owned())] }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_message_can_be_resent_or_dismissed_and_a_waiting_one_retried_now() {
        let resend = OperatorAction::Resend.effect(MessageStatus::Unknown).unwrap();
        assert_eq!((resend.to, resend.due_now), (MessageStatus::Queued, true));
        let dismiss = OperatorAction::Dismiss.effect(MessageStatus::Unknown).unwrap();
        assert_eq!((dismiss.to, dismiss.due_now), (MessageStatus::Cancelled, false));
        assert_eq!(OperatorAction::RetryNow.effect(MessageStatus::Scheduled).unwrap().to, MessageStatus::Queued);
        assert_eq!(OperatorAction::Cancel.effect(MessageStatus::Queued).unwrap().audit_action, "message.cancel");
        for (action, from) in [
            (OperatorAction::Resend, MessageStatus::Delivered),
            (OperatorAction::Dismiss, MessageStatus::Queued),
            (OperatorAction::RetryNow, MessageStatus::Failed),
            (OperatorAction::Cancel, MessageStatus::Delivered),
            (OperatorAction::Cancel, MessageStatus::Sending),
        ] {
            assert_eq!(action.effect(from).unwrap_err().code(), "message.action_not_allowed");
        }
    }
}
