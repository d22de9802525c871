//! Claims due messages under a lease, sends them, and records what happened.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::{MessageChanged, RetryPolicy};
use crate::domain::{EventSource, MessageStatus, PhoneE164};
use crate::error::{ErrorPayload, Result};
use crate::providers::ErrorClass;
use crate::providers::sms::{OutgoingSms, SmsProvider};
use crate::store::queries::messages::{self as q, Attempt, Change, Transition};
use crate::store::{Db, now};

/// Which SMS provider takes which message: sandbox rows go to the simulator, the rest to the
/// configured provider. A sandbox message is never sent to a real provider.
#[derive(Clone, Default)]
pub struct SmsRoutes {
    pub sandbox: Option<Arc<dyn SmsProvider>>,
    pub live: Option<Arc<dyn SmsProvider>>,
}

impl SmsRoutes {
    pub fn for_message(&self, sandbox: bool) -> Option<Arc<dyn SmsProvider>> {
        if sandbox { self.sandbox.clone() } else { self.live.clone() }
    }
}

pub type SharedRoutes = Arc<RwLock<SmsRoutes>>;

#[derive(Clone)]
pub struct Dispatcher {
    pub db: Db,
    pub routes: SharedRoutes,
    pub owner: String,
    pub lease: Duration,
    pub batch: i64,
    pub policy: RetryPolicy,
    pub wake: Arc<Notify>,
    pub changes: broadcast::Sender<MessageChanged>,
}

impl Dispatcher {
    fn routes(&self) -> SmsRoutes {
        // A poisoned lock only means a writer panicked mid-assignment of an Arc: the value is whole.
        match self.routes.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn announce(&self, id: Uuid, status: MessageStatus) {
        let _ = self.changes.send(MessageChanged { id, status });
    }

    /// Claims one batch and sends it. Returns how many messages were claimed.
    pub async fn run_once(&self) -> Result<usize> {
        let lease_until = now() + chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(60));
        let ids = q::claim_due(&self.db, &self.owner, lease_until, self.batch).await?;
        for id in &ids {
            self.announce(*id, MessageStatus::Sending);
        }
        let mut set = JoinSet::new();
        for id in ids.iter().copied() {
            let this = self.clone();
            set.spawn(async move {
                if let Err(e) = this.send_one(id).await {
                    tracing::warn!(message_id = %id, error = %e, "dispatch of one message failed; its lease will expire");
                }
            });
        }
        while set.join_next().await.is_some() {}
        Ok(ids.len())
    }

    #[tracing::instrument(skip_all, fields(message_id = %id))]
    async fn send_one(&self, id: Uuid) -> Result<()> {
        let Some(row) = q::get(&self.db, id).await? else { return Ok(()) };
        let owner = Some(self.owner.as_str());
        let Some(provider) = self.routes().for_message(row.sandbox) else {
            let error = ErrorPayload::new("provider.not_configured");
            let change = Change { error: Some(Some(&error)), lease_owner: owner, ..Change::default() };
            self.apply(id, MessageStatus::Failed, change).await?;
            return Ok(());
        };
        let to = PhoneE164::from_stored(row.to_address.clone());
        let reference = id.to_string();
        let started_at = now();
        let result = provider.send(OutgoingSms { to: &to, body: &row.body, reference: &reference }).await;
        let finished_at = now();
        let attempt_no = row.attempts;
        match result {
            Ok(accepted) => {
                tracing::info!(to = %to.masked(), provider = provider.id(), "provider accepted the message");
                let attempt = Attempt {
                    attempt_no,
                    provider: provider.id().to_owned(),
                    started_at,
                    finished_at,
                    http_status: Some(i32::from(accepted.http_status)),
                    provider_error_code: None,
                    error_class: None,
                    outcome: "accepted",
                };
                let change = Change {
                    provider: Some(provider.id()),
                    provider_message_id: Some(&accepted.provider_message_id),
                    error: Some(None),
                    lease_owner: owner,
                    attempt: Some(attempt),
                    ..Change::default()
                };
                self.apply(id, accepted.status, change).await?;
            }
            Err(e) => {
                let class = e.class();
                let exhausted = self.policy.exhausted(u32::try_from(attempt_no).unwrap_or(u32::MAX));
                tracing::warn!(to = %to.masked(), provider = provider.id(), code = e.code(), class = class.as_str(), "provider call failed");
                let payload = crate::Error::from(e.clone()).payload();
                let attempt = Attempt {
                    attempt_no,
                    provider: provider.id().to_owned(),
                    started_at,
                    finished_at,
                    http_status: e.http_status().map(i32::from),
                    provider_error_code: e.provider_code().map(str::to_owned),
                    error_class: Some(class.as_str()),
                    outcome: "error",
                };
                let (to_status, next) = if class == ErrorClass::Permanent || exhausted {
                    (MessageStatus::Failed, None)
                } else {
                    let wait = self.policy.delay(u32::try_from(attempt_no).unwrap_or(1), e.retry_after());
                    (MessageStatus::Queued, Some(finished_at + chrono::Duration::from_std(wait).unwrap_or_default()))
                };
                let change = Change {
                    provider: Some(provider.id()),
                    error: Some(Some(&payload)),
                    next_attempt_at: next,
                    lease_owner: owner,
                    attempt: Some(attempt),
                    detail: Some(format!("{} ({})", e.code(), class.as_str())),
                    ..Change::default()
                };
                self.apply(id, to_status, change).await?;
                if to_status == MessageStatus::Queued {
                    self.wake.notify_one();
                }
            }
        }
        Ok(())
    }

    async fn apply(&self, id: Uuid, to: MessageStatus, change: Change<'_>) -> Result<()> {
        match q::transition(&self.db, id, to, EventSource::Dispatch, change).await? {
            Transition::Applied { .. } => self.announce(id, to),
            Transition::Unchanged => {}
            Transition::Refused { from } => {
                tracing::warn!(message_id = %id, from = from.as_str(), to = to.as_str(), "status change refused (lease lost?)");
            }
        }
        Ok(())
    }

    /// Messages whose sender died mid-call become `unknown`: never resent blindly.
    pub async fn expire_leases(&self) -> Result<usize> {
        let ids = q::expired_leases(&self.db, now()).await?;
        for id in &ids {
            let change = Change { detail: Some("lease expired while sending".into()), ..Change::default() };
            if let Transition::Applied { .. } =
                q::transition(&self.db, *id, MessageStatus::Unknown, EventSource::Dispatch, change).await?
            {
                self.announce(*id, MessageStatus::Unknown);
            }
        }
        Ok(ids.len())
    }

    /// Runs until `shutdown` turns true: wakes on `wake`, at the next due time, or every second.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut last_lease_check = std::time::Instant::now();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let claimed = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "dispatcher could not claim; retrying shortly");
                    0
                }
            };
            if last_lease_check.elapsed() > Duration::from_secs(5) {
                last_lease_check = std::time::Instant::now();
                if let Err(e) = self.expire_leases().await {
                    tracing::warn!(error = %e, "lease check failed");
                }
            }
            if claimed as i64 >= self.batch {
                continue;
            }
            let sleep = match q::next_due_at(&self.db).await {
                Ok(Some(at)) => (at - now()).to_std().unwrap_or(Duration::ZERO).min(Duration::from_secs(1)),
                _ => Duration::from_secs(1),
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
