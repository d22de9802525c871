//! Learns what happened after the provider took a message, by polling its message resource (the
//! desktop has no public webhook URL). Webhooks, where they exist, feed the same transition.

use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::MessageChanged;
use super::dispatcher::SharedRoutes;
use crate::domain::{EventSource, MessageStatus};
use crate::error::{ErrorPayload, Result};
use crate::providers::Report;
use crate::store::queries::messages::{self as q, Change, Transition};
use crate::store::{Db, now};

#[derive(Clone)]
pub struct Poller {
    pub db: Db,
    pub routes: SharedRoutes,
    pub interval: Duration,
    pub changes: broadcast::Sender<MessageChanged>,
}

impl Poller {
    /// Asks the provider about every message still waiting for a report. Returns how many changed.
    pub async fn run_once(&self) -> Result<usize> {
        let routes = match self.routes.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let since = now() - chrono::Duration::hours(48);
        let mut changed = 0;
        let members =
            routes.sandbox.values().flat_map(|r| r.providers().map(|p| (p.clone(), true)).collect::<Vec<_>>()).chain(
                routes.live.values().flat_map(|r| r.providers().map(|p| (p.clone(), false)).collect::<Vec<_>>()),
            );
        for (provider, sandbox) in members.collect::<Vec<_>>() {
            let waiting = q::awaiting_report(&self.db, provider.id(), sandbox, since, 200).await?;
            for (id, provider_message_id) in waiting {
                match provider.poll_status(&provider_message_id).await {
                    Ok(Some(report)) if report.status != MessageStatus::Sent => {
                        if apply_report(&self.db, id, &report, EventSource::Poll).await? {
                            changed += 1;
                            let _ = self.changes.send(MessageChanged { id, status: report.status });
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::debug!(message_id = %id, code = e.code(), "status poll failed; next round");
                        break;
                    }
                }
            }
        }
        Ok(changed)
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(e) = self.run_once().await {
                tracing::warn!(error = %e, "status polling failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.interval) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Applies a provider's report (from a poll or a webhook). Returns whether the status changed.
pub async fn apply_report(db: &Db, id: uuid::Uuid, report: &Report, source: EventSource) -> Result<bool> {
    let error = (report.status == MessageStatus::Failed).then(|| {
        let payload = ErrorPayload::new("provider.undelivered");
        match &report.provider_error_code {
            Some(code) => payload.with("code", code.clone()),
            None => payload,
        }
    });
    let detail = match &report.provider_error_code {
        Some(code) => format!("{} ({code})", report.provider_status),
        None => report.provider_status.clone(),
    };
    // A poll answers for a message read as `sent`; a webhook may overtake the dispatcher's own
    // record, so it may apply from any status the rule allows.
    let expect_from = (source == EventSource::Poll).then_some(MessageStatus::Sent);
    let change = Change { error: error.as_ref().map(Some), detail: Some(detail), expect_from, ..Change::default() };
    Ok(matches!(q::transition(db, id, report.status, source, change).await?, Transition::Applied { .. }))
}
