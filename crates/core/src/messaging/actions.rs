//! What an operator does to one message (cancel, retry now, resend, dismiss; each audited), the
//! messages that need an operator, and waiting for a message to reach a status.

use std::time::Duration;

use super::api::*;
use super::messages::message_id;
use crate::audit;
use crate::context::Messaging;
use crate::domain::operator::not_allowed;
use crate::domain::{EventSource, MessageStatus, Operation, OperatorAction};
use crate::error::{Error, Result};
use crate::outbox::MessageChanged;
use crate::store::now;
use crate::store::queries::messages as q;

impl Messaging<'_> {
    /// An operator's action on one message: the status change and its audit entry commit together.
    pub async fn act_on_message(&self, id: &str, action: OperatorAction) -> Result<MessageView> {
        self.allow(Operation::ActOnMessage)?;
        let actor = self.caller().name();
        let uuid = message_id(id)?;
        let current = q::get(&self.db, uuid).await?.ok_or(Error::NotFound { what: "message" })?.status();
        let effect = action.effect(current)?;
        let (to, next, name) = (effect.to, effect.due_now.then(now), effect.audit_action);
        let detail = Some(format!("{name} by {actor}"));
        let mut tx = self.db.begin().await?;
        let outcome = if to == current {
            // Retry now: same status, only the time changes.
            q::reschedule_in(&mut tx, uuid, current, now(), detail.clone()).await?
        } else {
            let change = q::Change {
                next_attempt_at: next,
                detail: detail.clone(),
                expect_from: Some(current),
                ..q::Change::default()
            };
            matches!(
                q::transition_in(&mut tx, uuid, to, EventSource::Operator, &change).await?,
                Some(q::Transition::Applied { .. })
            )
        };
        if !outcome {
            tx.rollback().await?;
            return Err(not_allowed(self.message(id).await?.status));
        }
        audit::append(
            &mut tx,
            audit::Entry::by(self.caller(), name, "message", Some(id.to_owned())).change(
                Some(serde_json::json!({ "status": current.as_str() })),
                Some(serde_json::json!({ "status": to.as_str() })),
            ),
        )
        .await?;
        tx.commit().await?;
        self.announce(MessageChanged { id: uuid, status: to });
        self.message(id).await
    }

    /// Messages an operator must look at: outcome unknown and the provider cannot be asked, or
    /// not yet reconciled.
    pub async fn needs_attention(&self) -> Result<Vec<MessageView>> {
        self.allow(Operation::ViewMessages)?;
        self.list_messages(MessageFilter {
            status: Some(MessageStatus::Unknown),
            limit: Some(500),
            ..MessageFilter::default()
        })
        .await
    }

    /// Waits until the message reaches one of `statuses` or `timeout` passes.
    pub async fn wait_for(&self, id: &str, statuses: &[MessageStatus], timeout: Duration) -> Result<MessageView> {
        self.allow(Operation::ViewMessages)?;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.subscribe();
        loop {
            let view = self.message(id).await?;
            if statuses.contains(&view.status) || tokio::time::Instant::now() >= deadline {
                return Ok(view);
            }
            let _ = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + Duration::from_millis(250)),
                changes.recv(),
            )
            .await;
        }
    }
}
