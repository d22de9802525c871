//! Claims due messages in batches under a lease, sends them concurrently, and records each
//! outcome (status, attempt, event) in one transaction per batch. Also turns expired leases into
//! `unknown` and reconciles unknowns with providers that can be asked.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::MessageChanged;
use super::OutboxConfig;
use super::decide::{Attempted, Outcome, decide};
use crate::domain::policy::random_jitter;
use crate::domain::{Channel, Content, EventSource, MessageStatus, PhoneE164};
use crate::error::Result;
use crate::providers::failover::Failover;
use crate::providers::{Found, Lookup, Outgoing, Provider};
use crate::store::queries::messages::{self as m, Change, Transition};
use crate::store::queries::outbox::{self as q, Claimed, Completion};
use crate::store::{Db, now};

/// Which providers take which message: per channel, sandbox rows go to the simulators, the rest
/// to the configured providers. A sandbox message is never sent to a real provider.
#[derive(Clone, Default)]
pub struct Routes {
    pub sandbox: HashMap<Channel, Arc<Failover>>,
    pub live: HashMap<Channel, Arc<Failover>>,
}

impl Routes {
    pub fn for_message(&self, channel: Channel, sandbox: bool) -> Option<Arc<Failover>> {
        if sandbox { self.sandbox.get(&channel).cloned() } else { self.live.get(&channel).cloned() }
    }
}

pub type SharedRoutes = Arc<RwLock<Routes>>;

/// How long a webhook receipt is kept for replay checks: well past the longest provider retry
/// (Meta redelivers for up to 7 days).
pub const RECEIPT_RETENTION_DAYS: i64 = 30;
/// How often a running dispatcher prunes them.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct Dispatcher {
    pub db: Db,
    pub routes: SharedRoutes,
    pub owner: String,
    pub lease: Duration,
    pub batch: i64,
    pub config: Arc<RwLock<OutboxConfig>>,
    pub wake: Arc<Notify>,
    pub changes: broadcast::Sender<MessageChanged>,
}

/// What one dispatcher round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub completed: usize,
}

impl Dispatcher {
    fn routes(&self) -> Routes {
        // A poisoned lock only means a writer panicked mid-assignment of an Arc: the value is whole.
        match self.routes.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn config(&self) -> OutboxConfig {
        match self.config.read() {
            Ok(c) => *c,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    fn announce(&self, id: Uuid, status: MessageStatus) {
        let _ = self.changes.send(MessageChanged { id, status });
    }

    /// Forgets webhook receipts older than [`RECEIPT_RETENTION_DAYS`]: the table stays small, and a callback
    /// that old can no longer be a provider's retry (what it says still goes through the status
    /// rules, which never step back).
    pub async fn prune_receipts(&self) {
        let before = now() - chrono::TimeDelta::days(RECEIPT_RETENTION_DAYS);
        match crate::store::queries::channels::prune_receipts(&self.db, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, "old webhook receipts pruned"),
            Err(e) => tracing::warn!(error = %e, "webhook receipts could not be pruned"),
        }
    }

    /// Claims one batch, sends it, and records the outcomes.
    pub async fn run_once(&self) -> Result<Round> {
        self.promote_and_expire().await?;
        self.claim_and_send().await
    }

    /// `scheduled → queued` and `→ expired`, as time passes.
    pub async fn promote_and_expire(&self) -> Result<()> {
        for (id, status) in q::promote_and_expire(&self.db).await? {
            self.announce(id, status);
        }
        Ok(())
    }

    async fn claim_and_send(&self) -> Result<Round> {
        let urgent_only = self.config().quiet_hours.is_some_and(|qh| qh.contains(now()));
        let lease = chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(60));
        let lease_until = now() + lease;
        // No provider call may start unless it can end (its time limit) well inside the lease:
        // once the lease runs out, another worker may reconcile and resend the message.
        let call_limit = chrono::Duration::from_std(crate::providers::request_timeout(self.lease)).unwrap_or(lease);
        let send_by = lease_until - call_limit - lease / 10;
        let claimed = q::claim(&self.db, &self.owner, lease_until, self.batch, urgent_only).await?;
        if claimed.is_empty() {
            return Ok(Round::default());
        }
        for c in &claimed {
            self.announce(c.id, MessageStatus::Sending);
        }
        let routes = self.routes();
        let mut set = JoinSet::new();
        for c in claimed.iter().cloned() {
            let this = self.clone();
            let provider = routes.for_message(c.channel, c.sandbox);
            set.spawn(async move { this.attempt(c, provider, send_by).await });
        }
        let mut outcomes = Vec::with_capacity(claimed.len());
        while let Some(done) = set.join_next().await {
            match done {
                Ok(c) => outcomes.push(c),
                Err(e) => tracing::error!(error = %e, "a send task panicked; its lease will expire"),
            }
        }
        let applied = q::complete(&self.db, &self.owner, &outcomes).await?;
        if applied.len() < outcomes.len() {
            tracing::warn!(lost = outcomes.len() - applied.len(), "some leases were taken away before completion");
        }
        let mut requeued = false;
        for (id, status) in &applied {
            requeued |= *status == MessageStatus::Queued;
            self.announce(*id, *status);
        }
        if requeued {
            self.wake.notify_one();
        }
        Ok(Round { claimed: claimed.len(), completed: applied.len() })
    }

    /// One provider call for one claimed message, turned into its completion.
    #[tracing::instrument(skip_all, fields(message_id = %c.id))]
    async fn attempt(
        &self,
        c: Claimed,
        provider: Option<Arc<Failover>>,
        send_by: chrono::DateTime<chrono::Utc>,
    ) -> Completion {
        let started_at = now();
        let mut attempted = Attempted {
            id: c.id,
            attempts: u32::try_from(c.attempts).unwrap_or(u32::MAX),
            max_attempts: u32::try_from(c.max_attempts).unwrap_or(u32::MAX),
            provider: provider.as_ref().map_or("none", |p| p.id()).to_owned(),
            started_at,
            finished_at: started_at,
        };
        let policy = self.config().policy;
        let jitter = random_jitter();
        // Too late to call safely under this lease: give it back untouched.
        if started_at > send_by {
            return decide(attempted, Outcome::TooLate, policy, jitter);
        }
        let Some(provider) = provider else { return decide(attempted, Outcome::NoRoute, policy, jitter) };
        let content = Content::from_stored(c.channel, c.content.as_deref());
        let to = Masked::new(c.channel, &c.to_address);
        let (outcome, reached) = self.call(&c, &provider, &content, send_by).await;
        attempted.provider = reached.to_owned();
        attempted.finished_at = now();
        match &outcome {
            Outcome::Accepted(accepted) => {
                tracing::debug!(to = %to, provider = provider.id(), "provider accepted the message");
                // Its status webhook may overtake this batch's completion: let it find the message.
                if let Err(e) =
                    q::mark_accepted(&self.db, c.id, &self.owner, accepted.provider, &accepted.provider_message_id)
                        .await
                {
                    tracing::warn!(error = %e, "could not note the provider's id early; the completion will");
                }
            }
            Outcome::Failed(e) => {
                tracing::warn!(to = %to, provider = reached, code = e.code(), class = e.class().as_str(), "provider call failed");
                // What the channel does about it (a dead push token: stop sending to the device).
                crate::providers::after_failure(&self.db, &content, &c.to_address, e).await;
            }
            Outcome::TooLate | Outcome::NoRoute => {}
        }
        decide(attempted, outcome, policy, jitter)
    }

    /// The provider call itself (with failover inside the route); which provider it reached last.
    async fn call(
        &self,
        c: &Claimed,
        provider: &Arc<Failover>,
        content: &Content,
        send_by: chrono::DateTime<chrono::Utc>,
    ) -> (Outcome, &'static str) {
        let reference = c.id.to_string();
        crate::fault_point!("before_http");
        let (db, owner, id) = (self.db.clone(), self.owner.clone(), c.id);
        let mark = move |next: &'static str| -> crate::providers::BoxFuture<'static, ()> {
            let (db, owner) = (db.clone(), owner.clone());
            Box::pin(async move {
                if let Err(e) = q::mark_handed_to(&db, id, &owner, next).await {
                    tracing::warn!(error = %e, "could not note the failover; a crash now would need an operator");
                }
            })
        };
        let (result, reached) = provider
            .send_traced(
                Outgoing {
                    to: &c.to_address,
                    body: &c.body,
                    content,
                    reference: &reference,
                    idempotency_key: &c.idempotency_key,
                },
                &mark,
                Some(send_by),
            )
            .await;
        crate::fault_point!("after_response");
        let reached = reached.unwrap_or_else(|| provider.id());
        match result {
            Ok(accepted) => (Outcome::Accepted(accepted), reached),
            Err(e) => (Outcome::Failed(e), reached),
        }
    }

    /// Messages whose sender died mid-call become `unknown`: never resent blindly.
    pub async fn expire_leases(&self) -> Result<usize> {
        let ids = q::expired_leases(&self.db, now()).await?;
        let mut n = 0;
        for id in ids {
            let change = Change {
                detail: Some("lease expired while sending".into()),
                expect_from: Some(MessageStatus::Sending),
                ..Change::default()
            };
            if let Transition::Applied { .. } =
                m::transition(&self.db, id, MessageStatus::Unknown, EventSource::Dispatch, change).await?
            {
                self.announce(id, MessageStatus::Unknown);
                n += 1;
            }
        }
        Ok(n)
    }

    /// Asks providers about `unknown` messages: found → `sent` with the provider's id; not
    /// found → `queued` again (it never arrived, so sending is not a duplicate). Providers that
    /// cannot be asked leave the message for an operator (Needs attention).
    pub async fn reconcile_unknowns(&self) -> Result<usize> {
        let routes = self.routes();
        let mut reconciled = 0;
        for c in q::unknowns(&self.db, 100).await? {
            // The provider's answer was recorded before the crash: it took the message.
            if let (Some(pmid), Some(provider)) = (&c.provider_message_id, &c.provider) {
                let change = Change {
                    provider: Some(provider),
                    provider_message_id: Some(pmid),
                    detail: Some("reconciled: the provider's answer was recorded before the crash".into()),
                    expect_from: Some(MessageStatus::Unknown),
                    ..Change::default()
                };
                if let Transition::Applied { .. } =
                    m::transition(&self.db, c.id, MessageStatus::Sent, EventSource::Dispatch, change).await?
                {
                    reconciled += 1;
                    self.announce(c.id, MessageStatus::Sent);
                }
                continue;
            }
            let Some(provider) = routes.for_message(c.channel, c.sandbox) else { continue };
            let since = q::last_attempt_started(&self.db, c.id).await?.unwrap_or(c.created_at);
            // A request written just before a timeout or a crash may still be on its way into the
            // provider: "not found" proves nothing until a whole lease has passed since the call.
            if now() - since < chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(60)) {
                continue;
            }
            let known = m::provider_ids_for(&self.db, &c.to_address, c.id).await?;
            let exclude = move |sid: &str| known.contains(sid);
            let lookup = Lookup { to: &c.to_address, body: &c.body, since, exclude: &exclude };
            let found = provider.find_sent_upto(lookup, c.provider.as_deref()).await;
            let (status, outcome) = match found {
                Ok(Found::Yes(accepted)) => {
                    let change = Change {
                        provider: Some(accepted.provider),
                        provider_message_id: Some(&accepted.provider_message_id),
                        detail: Some("reconciled: the provider has it".into()),
                        expect_from: Some(MessageStatus::Unknown),
                        ..Change::default()
                    };
                    // Only "the provider has it" is settled here; what happened next (delivered,
                    // undelivered with its code) comes from the status poll or callback.
                    (
                        MessageStatus::Sent,
                        m::transition(&self.db, c.id, MessageStatus::Sent, EventSource::Poll, change).await?,
                    )
                }
                Ok(Found::No) => {
                    let change = Change {
                        next_attempt_at: Some(now()),
                        detail: Some("reconciled: the provider never received it; sending again".into()),
                        expect_from: Some(MessageStatus::Unknown),
                        ..Change::default()
                    };
                    (
                        MessageStatus::Queued,
                        m::transition(&self.db, c.id, MessageStatus::Queued, EventSource::Poll, change).await?,
                    )
                }
                Ok(Found::Unsupported) => continue,
                Err(e) => {
                    tracing::debug!(message_id = %c.id, code = e.code(), "reconciliation deferred");
                    continue;
                }
            };
            if let Transition::Applied { .. } = outcome {
                reconciled += 1;
                self.announce(c.id, status);
                if status == MessageStatus::Queued {
                    self.wake.notify_one();
                }
            }
        }
        Ok(reconciled)
    }

    /// Runs until `shutdown` turns true: wakes on `wake` (and PostgreSQL NOTIFY), at the next due
    /// time, or every second.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        if let Db::Postgres(pool) = &self.db {
            spawn_listener(pool.clone(), Arc::clone(&self.wake), shutdown.clone());
        }
        // SQLite: one dispatcher per database file; another one (a second console, a worker)
        // stands by until it can take over.
        let _sqlite_lock = match &self.db {
            Db::Sqlite(pool) => {
                let path = pool.connect_options().get_filename().with_extension("dispatcher.lock");
                match sqlite_dispatcher_lock(&path, &mut shutdown).await {
                    Ok(lock) => lock,
                    Err(()) => return,
                }
            }
            Db::Postgres(_) => None,
        };
        let mut last_check = std::time::Instant::now();
        let mut last_prune: Option<std::time::Instant> = None;
        let mut last_promotion = std::time::Instant::now() - Duration::from_secs(1);
        loop {
            if *shutdown.borrow() {
                break;
            }
            // Time-based promotion needs no more than a few checks a second.
            if last_promotion.elapsed() >= Duration::from_millis(200) {
                last_promotion = std::time::Instant::now();
                if let Err(e) = self.promote_and_expire().await {
                    tracing::warn!(error = %e, "promotion of scheduled messages failed");
                }
            }
            let round = match self.claim_and_send().await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "dispatcher round failed; retrying shortly");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    Round::default()
                }
            };
            if last_check.elapsed() > Duration::from_secs(2) {
                last_check = std::time::Instant::now();
                if let Err(e) = self.expire_leases().await {
                    tracing::warn!(error = %e, "lease check failed");
                }
                if let Err(e) = self.reconcile_unknowns().await {
                    tracing::warn!(error = %e, "reconciliation failed");
                }
            }
            if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                last_prune = Some(std::time::Instant::now());
                self.prune_receipts().await;
            }
            if round.claimed as i64 >= self.batch {
                continue;
            }
            let sleep = match m::next_due_at(&self.db).await {
                Ok(Some(at)) => (at - now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .clamp(Duration::from_millis(5), Duration::from_secs(1)),
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

/// Takes the dispatcher lock of a SQLite database (an OS file lock, released if the process
/// dies), waiting while another process holds it. `Err(())` when shut down while waiting;
/// `Ok(None)` for a database without a file (nothing to coordinate with).
async fn sqlite_dispatcher_lock(
    path: &std::path::Path,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Option<std::fs::File>, ()> {
    let mut told = false;
    loop {
        let Ok(file) = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path) else {
            return Ok(None);
        };
        if file.try_lock().is_ok() {
            return Ok(Some(file));
        }
        if !told {
            tracing::warn!(lock = %path.display(), "another dispatcher uses this SQLite database; standing by");
            told = true;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return Err(()),
        }
    }
}

/// The channel new messages are announced on (PostgreSQL).
pub const NOTIFY_CHANNEL: &str = "wasel_outbox";

/// Wakes this process's dispatchers within milliseconds of an enqueue by any process.
fn spawn_listener(pool: sqlx::PgPool, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::debug!(error = %e, "LISTEN connection failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            };
            if listener.listen(NOTIFY_CHANNEL).await.is_err() {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            loop {
                tokio::select! {
                    n = listener.recv() => match n {
                        Ok(_) => wake.notify_one(),
                        Err(_) => break,
                    },
                    _ = shutdown.changed() => return,
                }
            }
        }
    });
}

/// An address for logs: phone numbers masked, other addresses cut to their first characters.
struct Masked(String);

impl Masked {
    fn new(channel: Channel, address: &str) -> Self {
        if channel.uses_phone() {
            Self(PhoneE164::from_stored(address.to_owned()).masked())
        } else {
            Self(address.chars().take(3).chain("•••".chars()).collect())
        }
    }
}

impl std::fmt::Display for Masked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
