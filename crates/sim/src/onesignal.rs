//! OneSignal push on loopback: `POST /notifications` behind `Authorization: Key …`, idempotency keys kept
//! 30 days, per-notification counters that move from `remaining` to `successful` / `failed` / `errored`,
//! cancelling, and a subscription registry standing in for the devices that installed the app.
//!
//! Choices where our reference (`onesignal.md`) is silent:
//!
//! | question | what the simulator does |
//! |---|---|
//! | auth | `Authorization: Key <api key>` (or the legacy `Basic <key>`, same key); anything else: 403 `{"errors":["Access denied. Please include an 'Authorization: ...' header with a valid API key"]}` |
//! | `app_id` | missing, or a body that is not a JSON object: 400 `app_id not found. You may be missing a Content-Type: application/json header.`; another app's id: 403 access denied (the key is not that app's) |
//! | error body | always `{"errors":[<text>]}`; every text is in one place (`OsError`) |
//! | targeting | exactly one of `include_subscription_ids` (or legacy `include_player_ids`), `include_aliases` (label `external_id`, needs `target_channel: "push"`), `included_segments` (`Subscribed Users`, `Total Subscriptions`, `Active Subscriptions` or `All` = every subscribed device); none or several: 400; over 2,000 ids: 400; an id that is not a UUID: 400 |
//! | unknown ids | 200 with `errors.invalid_player_ids` (or `errors.invalid_aliases.external_id`), `id: ""` when nothing else was sendable |
//! | unsubscribed ids | counted `failed` when others were sendable; when only unsubscribed ones were targeted: 200 `{"id":"","errors":["All included players are not subscribed"]}` |
//! | content | `contents` required with an `en` entry (`Message Notifications must have English language content`), `headings` needs `en` when present, string values only; `data` an object of at most 2,048 bytes |
//! | idempotency | `idempotency_key` (or the deprecated top-level `external_id`) must be a UUID; a repeat within [`OneSignalOptions::idempotency_ttl`] answers the first 200 again, whatever its body, and sends nothing |
//! | ids | notification ids are random UUID v4 |
//! | delivery | all recipients resolve together [`OneSignalOptions::delivered_after`] after `send_after` (RFC 3339 or `YYYY-MM-DD HH:MM:SS GMT+0300`, past = now); `received` and `converted` stay 0 (free plan) |
//! | view / cancel | `GET`/`DELETE /notifications/{id}?app_id=…`; no `app_id`: 400; unknown id: 404 `Notification not found`; cancelling after delivery: 400 `Notification has already been sent to all recipients`; cancelling twice is fine; `DELETE` answers `{"success":true}` |
//! | list | `GET /notifications?app_id=&limit=&offset=` (newest first, limit ≤ 50): the adapter's connection check |
//! | faults | every `/notifications` route: 429 `{"errors":["API rate limit exceeded."]}` (+ `Retry-After`), 500 and 503 with `{"errors":[…]}` |

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::faults::{Fault, FaultSwitch};
use crate::{Faults, constant_time_eq, lock};

pub const SANDBOX_APP_ID: &str = "3c7a1f52-9d4e-4b8a-a6f1-2e5d8c0b7a94";
/// Shaped like an App API key (`os_v2_app_` + base32).
pub const SANDBOX_API_KEY: &str =
    "os_v2_app_hr5b6us5jzfyvjxrfzoyybt2sswasel2simu2atork3ysandboxkey7only4tests2no5real3account6here7a";

const CREATE_PATH: &str = "/notifications";
const NOTIFICATION_PATH: &str = "/notifications/{id}";
const MAX_TARGETS: usize = 2000;
const MAX_DATA_BYTES: usize = 2048;
const MAX_PAGE: usize = 50;
/// Segment names that mean "everyone subscribed" (OneSignal's default segments).
const EVERYONE: [&str; 4] = ["Subscribed Users", "Total Subscriptions", "Active Subscriptions", "All"];

/// The sandbox app and how fast its notifications resolve.
#[derive(Clone)]
pub struct OneSignalOptions {
    pub app_id: String,
    pub api_key: String,
    /// From `send_after` (or creation) to every recipient resolved.
    pub delivered_after: Duration,
    /// How long an `idempotency_key` is remembered (30 days at OneSignal).
    pub idempotency_ttl: Duration,
}

impl Default for OneSignalOptions {
    fn default() -> Self {
        Self {
            app_id: SANDBOX_APP_ID.to_owned(),
            api_key: SANDBOX_API_KEY.to_owned(),
            delivered_after: Duration::from_millis(600),
            idempotency_ttl: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl std::fmt::Debug for OneSignalOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneSignalOptions")
            .field("app_id", &self.app_id)
            .field("api_key", &"<redacted>")
            .field("delivered_after", &self.delivered_after)
            .field("idempotency_ttl", &self.idempotency_ttl)
            .finish()
    }
}

/// One recipient of one notification, as the sandbox inbox shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimMessage {
    pub notification_id: String,
    pub subscription_id: String,
    pub external_id: Option<String>,
    /// The subscription's language, in which `heading` and `content` are shown (English when missing).
    pub language: String,
    pub heading: Option<String>,
    pub content: String,
    pub data: Option<Value>,
    pub idempotency_key: Option<String>,
    /// `remaining`, then `successful`, `failed` (unsubscribed) or `errored`; `canceled` if cancelled first.
    pub status: String,
    pub queued_at: DateTime<Utc>,
}

/// A device that installed the app; `POST /_sim/onesignal/subscriptions` takes this (every field optional).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct SimSubscription {
    /// A UUID; made up when empty.
    pub id: String,
    /// `ar`, `en`, …
    pub language: String,
    pub external_id: Option<String>,
    pub subscribed: bool,
    /// Deliveries to it end `errored`.
    pub errored: bool,
}

impl Default for SimSubscription {
    fn default() -> Self {
        Self { id: String::new(), language: "en".to_owned(), external_id: None, subscribed: true, errored: false }
    }
}

/// A random UUID v4, lowercase.
pub fn new_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Every error the simulator answers with, as `{"errors":[text]}`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum OsError {
    AccessDenied,
    AppIdNotFound,
    AppIdMissing,
    NoTargets,
    MixedTargets,
    TooManyTargets,
    BadSubscriptionId(String),
    TargetChannel,
    BadField(&'static str),
    NoEnglishContents,
    NoEnglishHeadings,
    DataTooBig,
    BadSendAfter,
    BadIdempotencyKey(&'static str),
    NotFound,
    AlreadySent,
    TooManyRequests { retry_after_secs: Option<u64> },
    Internal,
    Unavailable,
}

impl OsError {
    fn spec(&self) -> (StatusCode, String) {
        use StatusCode as S;
        match self {
            Self::AccessDenied => (
                S::FORBIDDEN,
                "Access denied. Please include an 'Authorization: ...' header with a valid API key".into(),
            ),
            Self::AppIdNotFound => {
                (S::BAD_REQUEST, "app_id not found. You may be missing a Content-Type: application/json header.".into())
            }
            Self::AppIdMissing => (S::BAD_REQUEST, "app_id is required".into()),
            Self::NoTargets => (
                S::BAD_REQUEST,
                "You must include which players, segments, or tags you wish to send this notification to.".into(),
            ),
            Self::MixedTargets => (
                S::BAD_REQUEST,
                "include_subscription_ids, include_aliases and included_segments cannot be combined".into(),
            ),
            Self::TooManyTargets => {
                (S::BAD_REQUEST, format!("You can target at most {MAX_TARGETS} recipients per request"))
            }
            Self::BadSubscriptionId(id) => (
                S::BAD_REQUEST,
                format!("Incorrect subscription_id format in include_subscription_ids (not a valid UUID): {id}"),
            ),
            Self::TargetChannel => {
                (S::BAD_REQUEST, "target_channel must be \"push\" when targeting with include_aliases".into())
            }
            Self::BadField(name) => (S::BAD_REQUEST, format!("{name} has the wrong type")),
            Self::NoEnglishContents => {
                (S::BAD_REQUEST, "Message Notifications must have English language content".into())
            }
            Self::NoEnglishHeadings => {
                (S::BAD_REQUEST, "Notification headings must have English language content".into())
            }
            Self::DataTooBig => (S::BAD_REQUEST, format!("data must be {MAX_DATA_BYTES} bytes or less")),
            Self::BadSendAfter => (S::BAD_REQUEST, "send_after is not a valid date".into()),
            Self::BadIdempotencyKey(name) => (S::BAD_REQUEST, format!("{name} must be a valid UUID")),
            Self::NotFound => (S::NOT_FOUND, "Notification not found".into()),
            Self::AlreadySent => (S::BAD_REQUEST, "Notification has already been sent to all recipients".into()),
            Self::TooManyRequests { .. } => (S::TOO_MANY_REQUESTS, "API rate limit exceeded.".into()),
            Self::Internal => (S::INTERNAL_SERVER_ERROR, "Internal Server Error".into()),
            Self::Unavailable => (S::SERVICE_UNAVAILABLE, "Service Unavailable".into()),
        }
    }
}

impl IntoResponse for OsError {
    fn into_response(self) -> Response {
        let (status, text) = self.spec();
        let mut response = (status, Json(json!({ "errors": [text] }))).into_response();
        if let Self::TooManyRequests { retry_after_secs: Some(secs) } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<Fault> for OsError {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Down | Fault::TimedOut => Self::Unavailable,
            Fault::ServerError => Self::Internal,
            Fault::RateLimited { retry_after_secs } => Self::TooManyRequests { retry_after_secs },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// State

/// The OneSignal simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct OneSignalSim {
    shared: Arc<Shared>,
}

struct Shared {
    opts: OneSignalOptions,
    state: Mutex<Store>,
    create_requests: AtomicUsize,
    faults: FaultSwitch,
    stopped: watch::Receiver<bool>,
}

#[derive(Default)]
struct Store {
    notifications: Vec<Notification>,
    subscriptions: HashMap<String, SimSubscription>,
    /// Lowercased key → when it was first used and the answer given then.
    idempotency: HashMap<String, (DateTime<Utc>, Value)>,
    received: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Successful,
    Failed,
    Errored,
}

struct Delivery {
    subscription_id: String,
    external_id: Option<String>,
    language: String,
    outcome: Outcome,
}

struct Notification {
    id: String,
    name: Option<String>,
    contents: Map<String, Value>,
    headings: Option<Map<String, Value>>,
    data: Option<Value>,
    idempotency_key: Option<String>,
    deliveries: Vec<Delivery>,
    queued_at: DateTime<Utc>,
    send_after: Option<DateTime<Utc>>,
    canceled_at: Option<DateTime<Utc>>,
}

/// Where a notification stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Progress {
    Remaining,
    Done(DateTime<Utc>),
    Canceled,
}

impl Notification {
    fn done_at(&self, delivered_after: TimeDelta) -> DateTime<Utc> {
        self.send_after.map_or(self.queued_at, |at| at.max(self.queued_at)) + delivered_after
    }

    /// Derived from the clock, so no timer is needed.
    fn progress(&self, now: DateTime<Utc>, delivered_after: TimeDelta) -> Progress {
        let done_at = self.done_at(delivered_after);
        match self.canceled_at {
            Some(at) if at < done_at => Progress::Canceled,
            _ if now < done_at => Progress::Remaining,
            _ => Progress::Done(done_at),
        }
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.deliveries.iter().filter(|d| d.outcome == outcome).count()
    }

    fn view(&self, app_id: &str, now: DateTime<Utc>, delivered_after: TimeDelta) -> Value {
        let progress = self.progress(now, delivered_after);
        let done = matches!(progress, Progress::Done(_));
        let counted = |outcome| if done { self.count(outcome) } else { 0 };
        let (successful, failed, errored) =
            (counted(Outcome::Successful), counted(Outcome::Failed), counted(Outcome::Errored));
        let remaining = if progress == Progress::Remaining { self.deliveries.len() } else { 0 };
        let completed_at = match progress {
            Progress::Done(at) => json!(at.timestamp()),
            _ => Value::Null,
        };
        json!({
            "id": self.id,
            "app_id": app_id,
            "name": self.name,
            "contents": self.contents,
            "headings": self.headings,
            "data": self.data,
            "successful": successful,
            "failed": failed,
            "errored": errored,
            "converted": 0,
            "received": 0,
            "remaining": remaining,
            "queued_at": self.queued_at.timestamp(),
            "send_after": self.send_after.unwrap_or(self.queued_at).timestamp(),
            "completed_at": completed_at,
            "canceled": progress == Progress::Canceled,
            "platform_delivery_stats": {
                "android": { "successful": successful, "failed": failed, "errored": errored, "converted": 0, "received": 0 },
            },
        })
    }
}

impl OneSignalSim {
    pub(crate) fn new(opts: OneSignalOptions, stopped: watch::Receiver<bool>) -> Self {
        Self {
            shared: Arc::new(Shared {
                opts,
                state: Mutex::new(Store::default()),
                create_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                stopped,
            }),
        }
    }

    pub fn app_id(&self) -> &str {
        &self.shared.opts.app_id
    }

    /// Every recipient of every created notification, in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let now = Utc::now();
        let delivered_after = self.shared.delivered_after();
        let state = lock(&self.shared.state);
        let mut inbox = Vec::new();
        for n in &state.notifications {
            let progress = n.progress(now, delivered_after);
            for d in &n.deliveries {
                let status = match (progress, d.outcome) {
                    (Progress::Canceled, _) => "canceled",
                    (Progress::Remaining, _) => "remaining",
                    (Progress::Done(_), Outcome::Successful) => "successful",
                    (Progress::Done(_), Outcome::Failed) => "failed",
                    (Progress::Done(_), Outcome::Errored) => "errored",
                };
                let localized = |map: &Map<String, Value>| {
                    map.get(&d.language).or_else(|| map.get("en")).and_then(Value::as_str).map(str::to_owned)
                };
                inbox.push(SimMessage {
                    notification_id: n.id.clone(),
                    subscription_id: d.subscription_id.clone(),
                    external_id: d.external_id.clone(),
                    language: d.language.clone(),
                    heading: n.headings.as_ref().and_then(localized),
                    content: localized(&n.contents).unwrap_or_default(),
                    data: n.data.clone(),
                    idempotency_key: n.idempotency_key.clone(),
                    status: status.to_owned(),
                    queued_at: n.queued_at,
                });
            }
        }
        inbox
    }

    /// Notifications created (answered 200 with an id); idempotent repeats are not counted.
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// `POST /notifications` that reached the simulator, including refused, repeated and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    /// Registers (or re-subscribes) a device; returns its id, made up when `sub.id` is empty.
    pub fn add_subscription(&self, mut sub: SimSubscription) -> Result<String, String> {
        if sub.id.is_empty() {
            sub.id = new_uuid();
        }
        if !is_uuid(&sub.id) {
            return Err(format!("subscription id {} is not a UUID", sub.id));
        }
        sub.id = sub.id.to_ascii_lowercase();
        let id = sub.id.clone();
        lock(&self.shared.state).subscriptions.insert(id.clone(), sub);
        Ok(id)
    }

    /// A new subscribed device reading `language`; returns its id.
    pub fn new_subscription(&self, language: &str) -> String {
        let id = new_uuid();
        let sub = SimSubscription { id: id.clone(), language: language.to_owned(), ..SimSubscription::default() };
        lock(&self.shared.state).subscriptions.insert(id.clone(), sub);
        id
    }

    /// The device unsubscribed: sends to it count as `failed`. False when the id was never registered.
    pub fn unsubscribe(&self, id: &str) -> bool {
        match lock(&self.shared.state).subscriptions.get_mut(&id.to_ascii_lowercase()) {
            Some(sub) => {
                sub.subscribed = false;
                true
            }
            None => false,
        }
    }

    pub fn subscriptions(&self) -> Vec<SimSubscription> {
        let mut subs: Vec<SimSubscription> = lock(&self.shared.state).subscriptions.values().cloned().collect();
        subs.sort_by(|a, b| a.id.cmp(&b.id));
        subs
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Forgets notifications, idempotency keys and counters. Subscriptions and faults stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.notifications.clear();
        state.idempotency.clear();
        state.received = 0;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

impl Shared {
    fn delivered_after(&self) -> TimeDelta {
        TimeDelta::from_std(self.opts.delivered_after).unwrap_or(TimeDelta::MAX)
    }

    fn authorize(&self, headers: &HeaderMap) -> Result<(), OsError> {
        let key = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("key") || scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, key)| key.trim());
        match key {
            Some(key) if constant_time_eq(key.as_bytes(), self.opts.api_key.as_bytes()) => Ok(()),
            _ => Err(OsError::AccessDenied),
        }
    }

    /// The `app_id` of a view / cancel / list query: required, and ours.
    fn check_query_app(&self, query: &HashMap<String, String>) -> Result<(), OsError> {
        match query.get("app_id") {
            None => Err(OsError::AppIdMissing),
            Some(app) if app.eq_ignore_ascii_case(&self.opts.app_id) => Ok(()),
            Some(_) => Err(OsError::AccessDenied),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The public API under OneSignal's own paths, behind the fault switches.
pub(crate) fn api_routes(sim: OneSignalSim) -> Router {
    Router::new()
        .route(CREATE_PATH, post(create_notification).get(list_notifications))
        .route(NOTIFICATION_PATH, get(view_notification).delete(cancel_notification))
        .route_layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim)
}

crate::debug::inspect!(OneSignalSim, SimMessage, "onesignal", unsubscribe);

/// `/_sim/onesignal/...`: the inbox, faults and the subscription registry.
pub(crate) fn debug_routes(sim: OneSignalSim) -> Router {
    crate::debug::routes::<OneSignalSim>()
        .route("/subscriptions", get(debug_subscriptions).post(debug_add_subscription))
        .route("/subscriptions/{id}", delete(debug_unsubscribe))
        .route("/stats", get(debug_stats))
        .with_state(sim)
}

async fn gate(State(sim): State<OneSignalSim>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST {
        sim.shared.create_requests.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(fault) = sim.shared.faults.apply(&sim.shared.stopped).await {
        tracing::debug!(?fault, path = req.uri().path(), "onesignal sim: fault injected");
        return OsError::from(fault).into_response();
    }
    next.run(req).await
}

type QueryMap = Result<Query<HashMap<String, String>>, QueryRejection>;

fn query_map(query: QueryMap) -> HashMap<String, String> {
    query.map(|Query(q)| q).unwrap_or_default()
}

async fn create_notification(State(sim): State<OneSignalSim>, headers: HeaderMap, body: Bytes) -> Response {
    match create(&sim.shared, &headers, &body) {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => {
            tracing::debug!(error = ?e, "onesignal sim: create refused");
            e.into_response()
        }
    }
}

/// Who a create request targets, once validated.
enum Targets {
    Subscriptions(Vec<String>),
    ExternalIds { label: String, ids: Vec<String> },
    Everyone,
    Nobody,
}

/// A create request, validated.
struct NewNotification {
    targets: Targets,
    contents: Map<String, Value>,
    headings: Option<Map<String, Value>>,
    data: Option<Value>,
    name: Option<String>,
    send_after: Option<DateTime<Utc>>,
    idempotency_key: Option<String>,
    external_id: Option<String>,
}

fn create(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, OsError> {
    shared.authorize(headers)?;
    let json: Value = serde_json::from_slice(body).map_err(|_| OsError::AppIdNotFound)?;
    let obj = json.as_object().ok_or(OsError::AppIdNotFound)?;
    let app_id = obj.get("app_id").and_then(Value::as_str).ok_or(OsError::AppIdNotFound)?;
    if !app_id.eq_ignore_ascii_case(&shared.opts.app_id) {
        return Err(OsError::AccessDenied);
    }
    let new = validate(obj)?;

    let now = Utc::now();
    let mut state = lock(&shared.state);
    let ttl = TimeDelta::from_std(shared.opts.idempotency_ttl).unwrap_or(TimeDelta::MAX);
    state.idempotency.retain(|_, (at, _)| now - *at < ttl);
    if let Some(key) = &new.idempotency_key
        && let Some((_, answer)) = state.idempotency.get(&key.to_ascii_lowercase())
    {
        tracing::debug!("onesignal sim: idempotent repeat answered from memory");
        return Ok(answer.clone());
    }

    let mut deliveries = Vec::new();
    let mut unsubscribed = 0usize;
    let mut invalid = Vec::new();
    let deliver = |sub: &SimSubscription, deliveries: &mut Vec<Delivery>| {
        let outcome = match (sub.subscribed, sub.errored) {
            (false, _) => Outcome::Failed,
            (true, true) => Outcome::Errored,
            (true, false) => Outcome::Successful,
        };
        deliveries.push(Delivery {
            subscription_id: sub.id.clone(),
            external_id: sub.external_id.clone(),
            language: sub.language.clone(),
            outcome,
        });
    };
    match &new.targets {
        Targets::Subscriptions(ids) => {
            let mut seen = HashSet::new();
            for id in ids {
                let key = id.to_ascii_lowercase();
                if !seen.insert(key.clone()) {
                    continue;
                }
                match state.subscriptions.get(&key) {
                    Some(sub) => deliver(sub, &mut deliveries),
                    None => invalid.push(id.clone()),
                }
            }
        }
        Targets::ExternalIds { label, ids } => {
            for id in ids {
                let mut matched: Vec<&SimSubscription> = if label == "external_id" {
                    state.subscriptions.values().filter(|s| s.external_id.as_deref() == Some(id.as_str())).collect()
                } else {
                    Vec::new()
                };
                matched.sort_by(|a, b| a.id.cmp(&b.id));
                if matched.is_empty() {
                    invalid.push(id.clone());
                }
                for sub in matched {
                    deliver(sub, &mut deliveries);
                }
            }
        }
        Targets::Everyone => {
            let mut subs: Vec<&SimSubscription> = state.subscriptions.values().filter(|s| s.subscribed).collect();
            subs.sort_by(|a, b| a.id.cmp(&b.id));
            for sub in subs {
                deliver(sub, &mut deliveries);
            }
        }
        Targets::Nobody => {}
    }
    unsubscribed += deliveries.iter().filter(|d| d.outcome == Outcome::Failed).count();
    let sendable = deliveries.len() > unsubscribed;

    let errors = if invalid.is_empty() {
        None
    } else if let Targets::ExternalIds { label, .. } = &new.targets {
        Some(json!({ "invalid_aliases": { label.clone(): invalid } }))
    } else {
        Some(json!({ "invalid_player_ids": invalid }))
    };
    let mut answer = json!({ "id": "", "external_id": new.external_id });
    if sendable {
        let id = new_uuid();
        answer["id"] = json!(id);
        tracing::debug!(%id, recipients = deliveries.len(), unsubscribed, invalid = invalid.len(), "onesignal sim: notification created");
        state.notifications.push(Notification {
            id,
            name: new.name,
            contents: new.contents,
            headings: new.headings,
            data: new.data,
            idempotency_key: new.idempotency_key.clone(),
            deliveries,
            queued_at: now,
            send_after: new.send_after,
            canceled_at: None,
        });
        state.received += 1;
        if let Some(errors) = errors {
            answer["errors"] = errors;
        }
    } else {
        answer["errors"] = errors.unwrap_or_else(|| json!(["All included players are not subscribed"]));
    }
    if let Some(key) = new.idempotency_key {
        state.idempotency.insert(key.to_ascii_lowercase(), (now, answer.clone()));
    }
    Ok(answer)
}

fn present<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

/// An array of strings.
fn strings(value: &Value, name: &'static str) -> Result<Vec<String>, OsError> {
    let items = value.as_array().ok_or(OsError::BadField(name))?;
    items.iter().map(|v| v.as_str().map(str::to_owned).ok_or(OsError::BadField(name))).collect()
}

/// `{"en": "...", "ar": "..."}`: language codes to strings, with English.
fn language_map(value: &Value, name: &'static str, no_english: OsError) -> Result<Map<String, Value>, OsError> {
    let map = value.as_object().ok_or(OsError::BadField(name))?;
    if !map.values().all(Value::is_string) {
        return Err(OsError::BadField(name));
    }
    if map.get("en").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(no_english);
    }
    Ok(map.clone())
}

fn validate(obj: &Map<String, Value>) -> Result<NewNotification, OsError> {
    let idempotency_key = match (present(obj, "idempotency_key"), present(obj, "external_id")) {
        (Some(key), _) => {
            Some(key.as_str().filter(|k| is_uuid(k)).ok_or(OsError::BadIdempotencyKey("idempotency_key"))?)
        }
        (None, Some(key)) => {
            Some(key.as_str().filter(|k| is_uuid(k)).ok_or(OsError::BadIdempotencyKey("external_id"))?)
        }
        (None, None) => None,
    }
    .map(str::to_owned);
    let external_id = present(obj, "external_id").and_then(Value::as_str).map(str::to_owned);

    let subscription_ids = present(obj, "include_subscription_ids").or_else(|| present(obj, "include_player_ids"));
    let aliases = present(obj, "include_aliases");
    let segments = present(obj, "included_segments");
    let targets = match (subscription_ids, aliases, segments) {
        (None, None, None) => return Err(OsError::NoTargets),
        (Some(ids), None, None) => {
            let ids = strings(ids, "include_subscription_ids")?;
            if ids.is_empty() {
                return Err(OsError::NoTargets);
            }
            if ids.len() > MAX_TARGETS {
                return Err(OsError::TooManyTargets);
            }
            if let Some(bad) = ids.iter().find(|id| !is_uuid(id)) {
                return Err(OsError::BadSubscriptionId(bad.clone()));
            }
            Targets::Subscriptions(ids)
        }
        (None, Some(aliases), None) => {
            if present(obj, "target_channel").and_then(Value::as_str) != Some("push") {
                return Err(OsError::TargetChannel);
            }
            let aliases = aliases.as_object().ok_or(OsError::BadField("include_aliases"))?;
            let mut labels = aliases.iter();
            let (Some((label, ids)), None) = (labels.next(), labels.next()) else {
                return Err(OsError::BadField("include_aliases"));
            };
            let ids = strings(ids, "include_aliases")?;
            if ids.is_empty() {
                return Err(OsError::NoTargets);
            }
            if ids.len() > MAX_TARGETS {
                return Err(OsError::TooManyTargets);
            }
            Targets::ExternalIds { label: label.clone(), ids }
        }
        (None, None, Some(segments)) => {
            let segments = strings(segments, "included_segments")?;
            if segments.iter().any(|s| EVERYONE.contains(&s.as_str())) { Targets::Everyone } else { Targets::Nobody }
        }
        _ => return Err(OsError::MixedTargets),
    };

    let contents = language_map(
        present(obj, "contents").ok_or(OsError::NoEnglishContents)?,
        "contents",
        OsError::NoEnglishContents,
    )?;
    let headings =
        present(obj, "headings").map(|h| language_map(h, "headings", OsError::NoEnglishHeadings)).transpose()?;
    let data = match present(obj, "data") {
        None => None,
        Some(data @ Value::Object(_)) => {
            if data.to_string().len() > MAX_DATA_BYTES {
                return Err(OsError::DataTooBig);
            }
            Some(data.clone())
        }
        Some(_) => return Err(OsError::BadField("data")),
    };
    let name = match present(obj, "name") {
        None => None,
        Some(v) => Some(v.as_str().ok_or(OsError::BadField("name"))?.to_owned()),
    };
    let send_after = match present(obj, "send_after") {
        None => None,
        Some(v) => Some(v.as_str().and_then(parse_send_after).ok_or(OsError::BadSendAfter)?),
    };
    Ok(NewNotification { targets, contents, headings, data, name, send_after, idempotency_key, external_id })
}

/// RFC 3339, or OneSignal's documented `2015-09-24 14:00:00 GMT-0700`.
fn parse_send_after(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S GMT%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

async fn view_notification(
    State(sim): State<OneSignalSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: QueryMap,
) -> Response {
    let shared = &sim.shared;
    let result = shared.authorize(&headers).and_then(|()| shared.check_query_app(&query_map(query))).and_then(|()| {
        let state = lock(&shared.state);
        let n = state.notifications.iter().find(|n| n.id.eq_ignore_ascii_case(&id)).ok_or(OsError::NotFound)?;
        Ok(n.view(&shared.opts.app_id, Utc::now(), shared.delivered_after()))
    });
    match result {
        Ok(view) => Json(view).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn cancel_notification(
    State(sim): State<OneSignalSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: QueryMap,
) -> Response {
    let shared = &sim.shared;
    let result = shared.authorize(&headers).and_then(|()| shared.check_query_app(&query_map(query))).and_then(|()| {
        let now = Utc::now();
        let delivered_after = shared.delivered_after();
        let mut state = lock(&shared.state);
        let n = state.notifications.iter_mut().find(|n| n.id.eq_ignore_ascii_case(&id)).ok_or(OsError::NotFound)?;
        match n.progress(now, delivered_after) {
            Progress::Done(_) => Err(OsError::AlreadySent),
            Progress::Canceled => Ok(()),
            Progress::Remaining => {
                n.canceled_at = Some(now);
                tracing::debug!(id = %n.id, "onesignal sim: notification canceled");
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => Json(json!({ "success": true })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn list_notifications(State(sim): State<OneSignalSim>, headers: HeaderMap, query: QueryMap) -> Response {
    let shared = &sim.shared;
    let query = query_map(query);
    if let Err(e) = shared.authorize(&headers).and_then(|()| shared.check_query_app(&query)) {
        return e.into_response();
    }
    let number = |name: &str, default: usize| query.get(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let limit = number("limit", MAX_PAGE).clamp(1, MAX_PAGE);
    let offset = number("offset", 0);
    let now = Utc::now();
    let delivered_after = shared.delivered_after();
    let state = lock(&shared.state);
    let page: Vec<Value> = state
        .notifications
        .iter()
        .rev()
        .skip(offset)
        .take(limit)
        .map(|n| n.view(&shared.opts.app_id, now, delivered_after))
        .collect();
    Json(json!({ "total_count": state.notifications.len(), "offset": offset, "limit": limit, "notifications": page }))
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Debug routes

async fn debug_subscriptions(State(sim): State<OneSignalSim>) -> Json<Vec<SimSubscription>> {
    Json(sim.subscriptions())
}

/// `{"id"?, "language"?, "external_id"?, "subscribed"?, "errored"?}` → 201 `{"id"}`.
async fn debug_add_subscription(State(sim): State<OneSignalSim>, body: Option<Json<SimSubscription>>) -> Response {
    let sub = body.map(|Json(s)| s).unwrap_or_default();
    match sim.add_subscription(sub) {
        Ok(id) => (StatusCode::CREATED, Json(json!({ "id": id }))).into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response(),
    }
}

async fn debug_unsubscribe(State(sim): State<OneSignalSim>, Path(id): Path<String>) -> StatusCode {
    if sim.unsubscribe(&id) { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
}

async fn debug_stats(State(sim): State<OneSignalSim>) -> Json<Value> {
    Json(json!({ "create_requests": sim.create_requests(), "received": sim.received_count() }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use crate::{SimOptions, Simulators, start};

    async fn post(sims: &Simulators, key: &str, body: &Value) -> (u16, Value, HeaderMap) {
        let res = reqwest::Client::new()
            .post(format!("{}/notifications", sims.base_url()))
            .header("Authorization", format!("Key {key}"))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, res.json().await.unwrap_or(Value::Null), headers)
    }

    async fn view(sims: &Simulators, id: &str) -> (u16, Value) {
        let res = reqwest::Client::new()
            .get(format!("{}/notifications/{id}?app_id={SANDBOX_APP_ID}", sims.base_url()))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    fn message(to: &[&str]) -> Value {
        json!({
            "app_id": SANDBOX_APP_ID,
            "include_subscription_ids": to,
            "headings": { "en": "Reminder", "ar": "تذكير" },
            "contents": { "en": "Medicine at 10:00", "ar": "الدواء الساعة ١٠:٠٠" },
            "data": { "reference": "r-1" },
        })
    }

    fn first_error(body: &Value) -> &str {
        body["errors"][0].as_str().unwrap_or_default()
    }

    #[tokio::test]
    async fn a_notification_reaches_subscribed_devices_in_their_language() {
        let sims = start(SimOptions::default()).await.unwrap();
        let base = sims.base_url();
        let added: Value = reqwest::Client::new()
            .post(format!("{base}/_sim/onesignal/subscriptions"))
            .json(&json!({ "language": "ar" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let arabic = added["id"].as_str().unwrap().to_owned();
        let english = sims.onesignal().new_subscription("en");
        let gone = sims.onesignal().new_subscription("ar");
        let broken =
            sims.onesignal().add_subscription(SimSubscription { errored: true, ..SimSubscription::default() }).unwrap();
        assert!(sims.onesignal().unsubscribe(&gone));

        let (status, body, _) = post(&sims, SANDBOX_API_KEY, &message(&[&arabic, &english, &gone, &broken])).await;
        assert_eq!(status, 200, "{body}");
        let id = body["id"].as_str().unwrap().to_owned();
        assert!(is_uuid(&id));
        assert_eq!(body["external_id"], Value::Null);
        assert!(body.get("errors").is_none());

        let (status, counters) = view(&sims, &id).await;
        assert_eq!(status, 200);
        assert_eq!((counters["remaining"].as_u64(), counters["successful"].as_u64()), (Some(4), Some(0)));
        assert_eq!(counters["canceled"], false);
        tokio::time::sleep(Duration::from_millis(650)).await;
        let (_, counters) = view(&sims, &id).await;
        assert_eq!(counters["remaining"], 0);
        assert_eq!(counters["successful"], 2);
        assert_eq!(counters["failed"], 1, "the unsubscribed device");
        assert_eq!(counters["errored"], 1);
        assert!(counters["completed_at"].is_i64());

        let inbox = sims.onesignal().messages();
        let seen = |sub: &str| inbox.iter().find(|m| m.subscription_id == sub).unwrap().clone();
        assert_eq!(seen(&arabic).heading.as_deref(), Some("تذكير"));
        assert_eq!(seen(&arabic).content, "الدواء الساعة ١٠:٠٠");
        assert_eq!(seen(&arabic).status, "successful");
        assert_eq!(seen(&english).content, "Medicine at 10:00");
        assert_eq!(seen(&gone).status, "failed");
        assert_eq!(seen(&broken).status, "errored");
        assert_eq!(seen(&english).data, Some(json!({ "reference": "r-1" })));

        let list: Value = reqwest::Client::new()
            .get(format!("{base}/notifications?app_id={SANDBOX_APP_ID}&limit=1"))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total_count"], 1);
        assert_eq!(list["notifications"][0]["id"], json!(id));
    }

    #[tokio::test]
    async fn a_repeated_idempotency_key_answers_the_first_result_and_sends_nothing() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("ar");
        let mut body = message(&[&device]);
        body["idempotency_key"] = json!(new_uuid());
        let (_, first, _) = post(&sims, SANDBOX_API_KEY, &body).await;
        body["contents"]["en"] = json!("something else");
        let (status, second, _) = post(&sims, SANDBOX_API_KEY, &body).await;
        assert_eq!(status, 200);
        assert_eq!(first, second);
        assert_eq!(sims.onesignal().messages().len(), 1);
        assert_eq!(sims.onesignal().received_count(), 1);
        assert_eq!(sims.onesignal().create_requests(), 2);

        body["idempotency_key"] = json!("not-a-uuid");
        let (status, answer, _) = post(&sims, SANDBOX_API_KEY, &body).await;
        assert_eq!((status, first_error(&answer)), (400, "idempotency_key must be a valid UUID"));

        // The memory fades after the configured time (30 days at OneSignal).
        let opts = SimOptions {
            onesignal: OneSignalOptions { idempotency_ttl: Duration::from_millis(100), ..OneSignalOptions::default() },
            ..SimOptions::default()
        };
        let sims = start(opts).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let mut body = message(&[&device]);
        body["idempotency_key"] = json!(new_uuid());
        post(&sims, SANDBOX_API_KEY, &body).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        post(&sims, SANDBOX_API_KEY, &body).await;
        assert_eq!(sims.onesignal().received_count(), 2);
    }

    #[tokio::test]
    async fn unknown_and_unsubscribed_recipients_come_back_as_errors_with_http_200() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let unknown = new_uuid();
        let (status, body, _) = post(&sims, SANDBOX_API_KEY, &message(&[&unknown])).await;
        assert_eq!(status, 200);
        assert_eq!(body["id"], "");
        assert_eq!(body["errors"]["invalid_player_ids"], json!([unknown]));

        let (_, body, _) = post(&sims, SANDBOX_API_KEY, &message(&[&unknown, &device])).await;
        assert!(is_uuid(body["id"].as_str().unwrap()), "partial success has an id");
        assert_eq!(body["errors"]["invalid_player_ids"], json!([unknown]));

        sims.onesignal().unsubscribe(&device);
        let (_, body, _) = post(&sims, SANDBOX_API_KEY, &message(&[&device])).await;
        assert_eq!(body["id"], "");
        assert_eq!(first_error(&body), "All included players are not subscribed");

        let guardian = SimSubscription { external_id: Some("guardian-7".into()), ..SimSubscription::default() };
        sims.onesignal().add_subscription(guardian).unwrap();
        let mut by_alias = message(&[]);
        by_alias.as_object_mut().unwrap().remove("include_subscription_ids");
        by_alias["include_aliases"] = json!({ "external_id": ["guardian-7", "guardian-8"] });
        by_alias["target_channel"] = json!("push");
        let (_, body, _) = post(&sims, SANDBOX_API_KEY, &by_alias).await;
        assert!(is_uuid(body["id"].as_str().unwrap()));
        assert_eq!(body["errors"]["invalid_aliases"]["external_id"], json!(["guardian-8"]));
        assert_eq!(sims.onesignal().received_count(), 2);
    }

    #[tokio::test]
    async fn bad_keys_and_bad_bodies_are_refused() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let (status, body, _) = post(&sims, "wrong", &message(&[&device])).await;
        assert_eq!(status, 403);
        assert!(first_error(&body).starts_with("Access denied."));
        let res = reqwest::Client::new()
            .post(format!("{}/notifications", sims.base_url()))
            .header("Authorization", format!("Basic {SANDBOX_API_KEY}"))
            .json(&message(&[&device]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the legacy REST key scheme");

        let mut other_app = message(&[&device]);
        other_app["app_id"] = json!(new_uuid());
        let edit = |f: &dyn Fn(&mut Value)| {
            let mut body = message(&[&device]);
            f(&mut body);
            body
        };
        let cases: Vec<(Value, u16, &str)> = vec![
            (other_app, 403, "Access denied."),
            (
                edit(&|b| {
                    b.as_object_mut().unwrap().remove("app_id");
                }),
                400,
                "app_id not found.",
            ),
            (
                edit(&|b| {
                    b.as_object_mut().unwrap().remove("include_subscription_ids");
                }),
                400,
                "You must include which players",
            ),
            (edit(&|b| b["included_segments"] = json!(["Subscribed Users"])), 400, "cannot be combined"),
            (edit(&|b| b["include_subscription_ids"] = json!(["player-1"])), 400, "not a valid UUID): player-1"),
            (edit(&|b| b["include_subscription_ids"] = json!(vec![device.clone(); 2001])), 400, "at most 2000"),
            (edit(&|b| b["contents"] = json!({ "ar": "مرحبا" })), 400, "must have English language content"),
            (edit(&|b| b["headings"] = json!({ "ar": "مرحبا" })), 400, "headings must have English"),
            (edit(&|b| b["contents"] = json!({ "en": 5 })), 400, "contents has the wrong type"),
            (edit(&|b| b["data"] = json!({ "k": "x".repeat(2100) })), 400, "2048 bytes or less"),
            (edit(&|b| b["send_after"] = json!("tomorrow")), 400, "send_after is not a valid date"),
            (
                edit(&|b| {
                    b.as_object_mut().unwrap().remove("include_subscription_ids");
                    b["include_aliases"] = json!({ "external_id": ["g-1"] });
                }),
                400,
                "target_channel",
            ),
        ];
        for (body, expected, needle) in cases {
            let (status, answer, _) = post(&sims, SANDBOX_API_KEY, &body).await;
            assert_eq!(status, expected, "{answer}");
            assert!(first_error(&answer).contains(needle), "{answer} should contain {needle}");
        }
        assert_eq!(sims.onesignal().received_count(), 1);

        let (status, body) = view(&sims, &new_uuid()).await;
        assert_eq!((status, first_error(&body)), (404, "Notification not found"));
    }

    #[tokio::test]
    async fn a_scheduled_notification_can_be_cancelled_before_it_goes_out() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let mut body = message(&[&device]);
        body["send_after"] = json!((Utc::now() + TimeDelta::hours(1)).to_rfc3339());
        let (_, answer, _) = post(&sims, SANDBOX_API_KEY, &body).await;
        let id = answer["id"].as_str().unwrap().to_owned();
        let cancel = || {
            reqwest::Client::new()
                .delete(format!("{}/notifications/{id}?app_id={SANDBOX_APP_ID}", sims.base_url()))
                .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
                .send()
        };
        let res = cancel().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap(), json!({ "success": true }));
        let (_, counters) = view(&sims, &id).await;
        assert_eq!(counters["canceled"], true);
        assert_eq!(counters["remaining"], 0);
        assert_eq!(sims.onesignal().messages()[0].status, "canceled");
        assert_eq!(cancel().await.unwrap().status(), 200, "cancelling twice is harmless");

        let (_, answer, _) = post(&sims, SANDBOX_API_KEY, &message(&[&device])).await;
        let sent = answer["id"].as_str().unwrap().to_owned();
        tokio::time::sleep(Duration::from_millis(650)).await;
        let res = reqwest::Client::new()
            .delete(format!("{}/notifications/{sent}?app_id={SANDBOX_APP_ID}", sims.base_url()))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);

        let res = reqwest::Client::new()
            .get(format!("{}/notifications/{sent}", sims.base_url()))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "app_id is required on views");
    }

    #[tokio::test]
    async fn faults_answer_in_onesignals_error_shape() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let body = message(&[&device]);

        sims.onesignal().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(100), ..Faults::default() });
        let (status, answer, headers) = post(&sims, SANDBOX_API_KEY, &body).await;
        assert_eq!((status, first_error(&answer)), (429, "API rate limit exceeded."));
        assert_eq!(headers[header::RETRY_AFTER], "100");

        sims.onesignal().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        assert_eq!(post(&sims, SANDBOX_API_KEY, &body).await.0, 500);
        let res = reqwest::Client::new()
            .put(format!("{}/_sim/onesignal/faults", sims.base_url()))
            .json(&json!({ "down": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(post(&sims, SANDBOX_API_KEY, &body).await.0, 503);

        sims.onesignal().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let client = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
        let res = client
            .post(format!("{}/notifications", sims.base_url()))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .json(&body)
            .send()
            .await;
        assert!(res.unwrap_err().is_timeout());

        sims.onesignal().set_faults(Faults::default());
        assert_eq!(post(&sims, SANDBOX_API_KEY, &body).await.0, 200);
        assert_eq!(sims.onesignal().received_count(), 1);
        sims.shutdown().await;
    }

    #[test]
    fn uuids_are_v4_and_recognised() {
        let id = new_uuid();
        assert!(is_uuid(&id));
        assert_eq!(&id[14..15], "4");
        assert!(!is_uuid("3c7a1f52-9d4e-4b8a-a6f1-2e5d8c0b7a9"));
        assert!(!is_uuid("3c7a1f52x9d4e-4b8a-a6f1-2e5d8c0b7a94"));
        assert!(parse_send_after("2015-09-24 14:00:00 GMT-0700").is_some());
        assert!(parse_send_after("2026-11-25T10:00:00+03:00").is_some());
    }
}
