//! `Wasel`: the one facade the desktop and the CLI call. It opens the database, decides between
//! the sandbox and real providers, and runs the dispatcher and the status poller.

mod compose;
mod inbox;
mod inbox_sources;
mod providers;

pub use compose::{normalize_email, placeholder_count, render_placeholders};

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::api::*;
use crate::domain::sms::SmsEncoding;
use crate::domain::{Channel, EventSource, MessageStatus, PhoneE164};
use crate::error::{Error, Result};
use crate::outbox::dispatcher::SharedRoutes;
use crate::outbox::reports::Poller;
use crate::outbox::{Dispatcher, MessageChanged, OutboxConfig, Routes};
use crate::providers::failover::{BreakerPolicy, Failover};
use crate::secrets::{self, SecretError, SharedSecrets};
use crate::settings::{self, Language};
use crate::store::queries::{channels, guardians, messages as q};
use crate::store::{Db, now};

/// How to open Wasel.
pub struct WaselConfig {
    /// `postgres://…` or `sqlite://…`; `None` means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub secrets: SharedSecrets,
    /// Start the built-in simulators for the sandbox (the console and `wasel worker` do).
    pub sandbox: bool,
    /// Names this process in leases (`console@host:pid`, `worker@host:pid`).
    pub worker_name: String,
    pub poll_interval: Duration,
    /// Use simulators already running there (`wasel sim`) instead of starting them in-process.
    pub sandbox_url: Option<String>,
    /// How long a worker may hold a claimed message before it is presumed dead.
    pub lease: Duration,
    /// When an SMS provider's circuit opens and for how long.
    pub breaker: BreakerPolicy,
}

impl WaselConfig {
    /// The defaults of a desktop installation: OS data directory, OS keychain, sandbox on.
    /// `WASEL_DATA_DIR` and `WASEL_DATABASE_URL` override.
    pub fn from_env(worker_kind: &str) -> Self {
        let data_dir = std::env::var_os("WASEL_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::data_dir().map(|d| d.join("wasel")))
            .unwrap_or_else(|| PathBuf::from(".wasel"));
        Self {
            database_url: std::env::var("WASEL_DATABASE_URL").ok().filter(|s| !s.is_empty()),
            data_dir,
            secrets: Arc::new(secrets::Keychain),
            sandbox: true,
            worker_name: format!("{worker_kind}@{}:{}", host_name(), std::process::id()),
            poll_interval: Duration::from_secs(1),
            sandbox_url: std::env::var("WASEL_SANDBOX_URL").ok().filter(|s| !s.is_empty()),
            lease: Duration::from_secs(
                std::env::var("WASEL_LEASE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60).max(1),
            ),
            breaker: BreakerPolicy::default(),
        }
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_owned()).unwrap_or_else(|_| "host".into())
}

pub struct Wasel {
    db: Db,
    secrets: SharedSecrets,
    installation: String,
    routes: SharedRoutes,
    sim: Option<wasel_sim::Simulators>,
    sandbox_url: Option<String>,
    keychain_error: RwLock<Option<SecretError>>,
    wake: Arc<Notify>,
    changes: broadcast::Sender<MessageChanged>,
    shutdown: watch::Sender<bool>,
    worker_name: String,
    poll_interval: Duration,
    lease: Duration,
    breaker: BreakerPolicy,
    outbox: Arc<RwLock<OutboxConfig>>,
    /// The console's own loopback receiver for the sandbox's callbacks (`http://127.0.0.1:…`).
    webhook_url: Option<String>,
    webhook_keys: Arc<RwLock<crate::webhooks::Keys>>,
}

impl Wasel {
    pub async fn open(config: WaselConfig) -> Result<Self> {
        let db = match &config.database_url {
            Some(url) => Db::connect(url).await?,
            None => {
                std::fs::create_dir_all(&config.data_dir)
                    .map_err(|e| Error::Internal(format!("cannot create {}: {e}", config.data_dir.display())))?;
                Db::open_sqlite_file(&config.data_dir.join("wasel.db")).await?
            }
        };
        db.migrate().await?;
        let installation = settings::installation_id(&db).await?;

        let sim = if config.sandbox && config.sandbox_url.is_none() { Some(start_sandbox().await?) } else { None };
        let sandbox_url = config.sandbox_url.clone().or_else(|| sim.as_ref().map(wasel_sim::Simulators::base_url));

        let routes = Routes::default();
        let (shutdown, _) = watch::channel(false);
        let (changes, _) = broadcast::channel(1024);
        let outbox = settings::outbox(&db).await?;
        let webhook_keys = Arc::new(RwLock::new(crate::webhooks::Keys::default()));
        // The sandbox's simulators call back a receiver of our own on loopback.
        let webhook_url = match &sandbox_url {
            Some(_) => {
                let receiver = crate::webhooks::Receiver {
                    db: db.clone(),
                    changes: changes.clone(),
                    keys: Arc::clone(&webhook_keys),
                    public_url: String::new(),
                };
                Some(crate::webhooks::listen(receiver, "127.0.0.1:0", shutdown.subscribe()).await?)
            }
            None => None,
        };
        let wasel = Self {
            db,
            secrets: config.secrets,
            installation,
            routes: Arc::new(RwLock::new(routes)),
            sim,
            sandbox_url,
            keychain_error: RwLock::new(None),
            wake: Arc::new(Notify::new()),
            changes,
            shutdown,
            worker_name: config.worker_name,
            poll_interval: config.poll_interval,
            lease: config.lease,
            breaker: config.breaker,
            outbox: Arc::new(RwLock::new(outbox)),
            webhook_url,
            webhook_keys,
        };
        wasel.load_sandbox_routes().await?;
        wasel.load_live_routes().await?;
        if wasel.is_sandbox() && guardians::count(&wasel.db).await? == 0 {
            seed_demo_families(&wasel.db).await?;
        }
        wasel.connect_sandbox_callbacks().await;
        Ok(wasel)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The running simulators, when the sandbox is on.
    pub fn simulators(&self) -> Option<&wasel_sim::Simulators> {
        self.sim.as_ref()
    }

    fn routes(&self) -> Routes {
        match self.routes.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_live(&self, channel: Channel, route: Option<Arc<Failover>>) {
        let mut routes = match self.routes.write() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        match route {
            Some(route) => routes.live.insert(channel, route),
            None => routes.live.remove(&channel),
        };
    }

    fn set_keychain_error(&self, e: Option<SecretError>) {
        match self.keychain_error.write() {
            Ok(mut k) => *k = e,
            Err(poisoned) => *poisoned.into_inner() = e,
        }
    }

    fn keychain_error(&self) -> Option<SecretError> {
        match self.keychain_error.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The sandbox's SMS route (its circuits), when the sandbox is on.
    pub fn sandbox_route(&self) -> Option<Arc<Failover>> {
        self.routes().sandbox.get(&Channel::Sms).cloned()
    }

    /// True when no real provider is configured: new messages go to the simulator.
    pub fn is_sandbox(&self) -> bool {
        self.routes().live.is_empty()
    }

    pub async fn status(&self) -> Result<AppStatus> {
        let language = settings::language(&self.db).await?;
        let keychain_error = self.keychain_error();
        Ok(AppStatus {
            language,
            backend: self.db.backend(),
            sandbox: self.is_sandbox(),
            sandbox_url: self.sandbox_url.clone(),
            keychain: if keychain_error.is_some() { KeychainState::Unavailable } else { KeychainState::Available },
            keychain_error: keychain_error.map(|e| Error::from(e).payload()),
        })
    }

    pub async fn set_language(&self, language: Language) -> Result<AppStatus> {
        settings::set_language(&self.db, language).await?;
        self.status().await
    }

    pub async fn list_messages(&self, filter: MessageFilter) -> Result<Vec<MessageView>> {
        let limit = i64::from(filter.limit.unwrap_or(200).clamp(1, 1000));
        let narrow = q::ListFilter {
            status: filter.status,
            channel: filter.channel.map(Channel::as_str),
            provider: filter.provider.as_deref().filter(|p| !p.is_empty()),
        };
        Ok(q::list(&self.db, narrow, limit).await?.into_iter().map(to_view).collect())
    }

    pub async fn message(&self, id: &str) -> Result<MessageView> {
        let id = Uuid::parse_str(id).map_err(|_| Error::NotFound { what: "message" })?;
        q::get(&self.db, id).await?.map(to_view).ok_or(Error::NotFound { what: "message" })
    }

    pub async fn message_timeline(&self, id: &str) -> Result<Vec<MessageEventView>> {
        let id = Uuid::parse_str(id).map_err(|_| Error::NotFound { what: "message" })?;
        if q::get(&self.db, id).await?.is_none() {
            return Err(Error::NotFound { what: "message" });
        }
        Ok(q::events(&self.db, id)
            .await?
            .into_iter()
            .map(|e| MessageEventView {
                id: e.id.to_string(),
                status: MessageStatus::parse(&e.status).unwrap_or(MessageStatus::Unknown),
                source: EventSource::parse(&e.source).unwrap_or(EventSource::Dispatch),
                at: e.at,
                detail: e.detail,
            })
            .collect())
    }

    pub async fn message_attempts(&self, id: &str) -> Result<Vec<AttemptView>> {
        let id = Uuid::parse_str(id).map_err(|_| Error::NotFound { what: "message" })?;
        Ok(q::attempts(&self.db, id)
            .await?
            .into_iter()
            .map(|a| AttemptView {
                attempt_no: u32::try_from(a.attempt_no).unwrap_or(0),
                provider: a.provider,
                started_at: a.started_at,
                latency_ms: a.latency_ms.and_then(|l| u32::try_from(l).ok()),
                http_status: a.http_status.and_then(|h| u16::try_from(h).ok()),
                provider_error_code: a.provider_error_code,
                error_class: a.error_class,
                outcome: a.outcome,
            })
            .collect())
    }

    pub async fn list_guardians(&self) -> Result<Vec<GuardianView>> {
        Ok(guardians::list(&self.db)
            .await?
            .into_iter()
            .filter_map(|g| {
                let phone = PhoneE164::from_stored(g.phone_e164?);
                Some(GuardianView {
                    id: g.id.to_string(),
                    name: g.full_name,
                    phone_display: phone.display(),
                    phone: phone.to_string(),
                    language: Language::parse(&g.preferred_language).unwrap_or(Language::Ar),
                    beneficiary_name: g.beneficiary_name,
                    email: g.email,
                    devices: u32::try_from(g.devices).unwrap_or(0),
                })
            })
            .collect())
    }

    fn outbox_config(&self) -> OutboxConfig {
        match self.outbox.read() {
            Ok(c) => *c,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    pub async fn outbox_settings(&self) -> Result<OutboxSettings> {
        let c = self.outbox_config();
        Ok(OutboxSettings {
            max_attempts: c.policy.max_attempts,
            backoff_base_secs: u32::try_from(c.policy.base.as_secs()).unwrap_or(u32::MAX),
            backoff_max_secs: u32::try_from(c.policy.max_delay.as_secs()).unwrap_or(u32::MAX),
            quiet_hours: settings::outbox(&self.db)
                .await?
                .quiet_hours
                .map(|q| format!("{}-{}", q.start.format("%H:%M"), q.end.format("%H:%M"))),
        })
    }

    /// Changes retries and quiet hours; running dispatchers use them from their next round.
    pub async fn save_outbox_settings(&self, input: OutboxSettings, actor: &str) -> Result<OutboxSettings> {
        if !(1..=20).contains(&input.max_attempts) {
            return Err(Error::Invalid { code: "outbox.max_attempts_invalid", params: vec![("max", "20".into())] });
        }
        if input.backoff_base_secs == 0 || input.backoff_max_secs < input.backoff_base_secs {
            return Err(Error::invalid("outbox.backoff_invalid"));
        }
        let quiet = input.quiet_hours.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(q) = quiet
            && crate::outbox::QuietHours::parse(q).is_none()
        {
            return Err(Error::Invalid { code: "outbox.quiet_hours_invalid", params: vec![("input", q.to_owned())] });
        }
        let before = self.outbox_settings().await?;
        settings::set_outbox(
            &self.db,
            input.max_attempts,
            u64::from(input.backoff_base_secs),
            u64::from(input.backoff_max_secs),
            quiet,
        )
        .await?;
        let fresh = settings::outbox(&self.db).await?;
        match self.outbox.write() {
            Ok(mut c) => *c = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        let after = self.outbox_settings().await?;
        let mut tx = self.db.begin().await?;
        crate::audit::append(
            &mut tx,
            crate::audit::Entry {
                actor,
                action: "settings.outbox",
                entity: "settings",
                entity_id: Some("outbox".into()),
                before: serde_json::to_value(&before).ok(),
                after: serde_json::to_value(&after).ok(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// An operator's action on one message: the status change and its audit entry commit together.
    pub async fn act_on_message(&self, id: &str, action: OperatorAction, actor: &str) -> Result<MessageView> {
        let uuid = Uuid::parse_str(id).map_err(|_| Error::NotFound { what: "message" })?;
        let current = q::get(&self.db, uuid).await?.ok_or(Error::NotFound { what: "message" })?.status();
        let (to, next, name) = match (action, current) {
            (OperatorAction::Cancel, _) => (MessageStatus::Cancelled, None, "message.cancel"),
            (OperatorAction::RetryNow, MessageStatus::Queued | MessageStatus::Scheduled) => {
                (MessageStatus::Queued, Some(now()), "message.retry_now")
            }
            (OperatorAction::Resend, MessageStatus::Unknown) => (MessageStatus::Queued, Some(now()), "message.resend"),
            (OperatorAction::Dismiss, MessageStatus::Unknown) => (MessageStatus::Cancelled, None, "message.dismiss"),
            (_, from) => {
                return Err(Error::Invalid {
                    code: "message.action_not_allowed",
                    params: vec![("status", from.as_str().to_owned())],
                });
            }
        };
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
            let now_status = self.message(id).await?.status;
            return Err(Error::Invalid {
                code: "message.action_not_allowed",
                params: vec![("status", now_status.as_str().to_owned())],
            });
        }
        crate::audit::append(
            &mut tx,
            crate::audit::Entry {
                actor,
                action: name,
                entity: "message",
                entity_id: Some(id.to_owned()),
                before: Some(serde_json::json!({ "status": current.as_str() })),
                after: Some(serde_json::json!({ "status": to.as_str() })),
            },
        )
        .await?;
        tx.commit().await?;
        let _ = self.changes.send(MessageChanged { id: uuid, status: to });
        self.wake.notify_one();
        self.message(id).await
    }

    /// Messages an operator must look at: outcome unknown and the provider cannot be asked, or
    /// not yet reconciled.
    pub async fn needs_attention(&self) -> Result<Vec<MessageView>> {
        self.list_messages(MessageFilter {
            status: Some(MessageStatus::Unknown),
            limit: Some(500),
            ..MessageFilter::default()
        })
        .await
    }

    pub fn subscribe(&self) -> broadcast::Receiver<MessageChanged> {
        self.changes.subscribe()
    }

    pub fn dispatcher(&self) -> Dispatcher {
        Dispatcher {
            db: self.db.clone(),
            routes: Arc::clone(&self.routes),
            owner: self.worker_name.clone(),
            lease: self.lease,
            batch: 100,
            config: Arc::clone(&self.outbox),
            wake: Arc::clone(&self.wake),
            changes: self.changes.clone(),
        }
    }

    pub fn poller(&self) -> Poller {
        Poller {
            db: self.db.clone(),
            routes: Arc::clone(&self.routes),
            interval: self.poll_interval,
            changes: self.changes.clone(),
        }
    }

    /// Starts the dispatcher and the status poller in the background until [`Wasel::stop`].
    pub fn start_background(&self) -> Vec<JoinHandle<()>> {
        vec![
            tokio::spawn(self.dispatcher().run(self.shutdown.subscribe())),
            tokio::spawn(self.poller().run(self.shutdown.subscribe())),
        ]
    }

    pub async fn stop(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Waits until the message reaches one of `statuses` or `timeout` passes.
    pub async fn wait_for(&self, id: &str, statuses: &[MessageStatus], timeout: Duration) -> Result<MessageView> {
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

async fn start_sandbox() -> Result<wasel_sim::Simulators> {
    wasel_sim::start(wasel_sim::SimOptions::default())
        .await
        .map_err(|e| Error::Internal(format!("cannot start the sandbox simulators: {e}")))
}

/// Invented families with reserved-style numbers (0555 00xx xxx), example.com addresses and
/// sandbox push devices, so a new user can try every channel at once. Only ever seeded into an
/// empty sandbox database.
async fn seed_demo_families(db: &Db) -> Result<()> {
    const FAMILIES: [(&str, &str, &str, &str, &str); 4] = [
        ("ريم الحربي", "نورة الحربي", "+966555001201", "noura.alharbi@example.com", "ar"),
        ("سلمان القحطاني", "خالد القحطاني", "+966555001202", "khalid.alqahtani@example.com", "ar"),
        ("لين الزهراني", "سارة الزهراني", "+966555001203", "sarah.alzahrani@example.com", "en"),
        ("عمر الدوسري", "فهد الدوسري", "+966555000003", "fahad.aldosari@example.com", "ar"),
    ];
    for (n, (child, guardian, phone, email, lang)) in FAMILIES.into_iter().enumerate() {
        let id = guardians::insert_family(db, child, guardian, phone, Some(email), lang).await?;
        let token = format!("sandbox-fcm-{n}-{}", Uuid::now_v7().simple());
        channels::upsert_device(db, id, "fcm", &token, lang, Some("Android")).await?;
        if n == 0 {
            let subscription = Uuid::now_v7().to_string();
            channels::upsert_device(db, id, "onesignal", &subscription, "en", Some("iPad")).await?;
        }
    }
    Ok(())
}

pub(crate) fn to_view(row: q::MessageRow) -> MessageView {
    let channel = Channel::parse(&row.channel).unwrap_or(Channel::Sms);
    let content = crate::domain::Content::from_stored(channel, row.content.as_deref());
    let title = match &content {
        crate::domain::Content::Email { subject, .. } => Some(subject.clone()),
        crate::domain::Content::Push { title, .. } => Some(title.clone()),
        crate::domain::Content::Whatsapp { template: Some(t) } => Some(format!("{} ({})", t.name, t.language)),
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
