//! Taqnyat (تقنيات) SMS on loopback: `POST /v1/messages` behind a Bearer token, scheduled sends deletable by
//! their delete key, a riyal balance charged per segment, and the balance / senders / system-status reads.
//!
//! Our reference (`taqnyat.md`) has the paths, the auth and the request fields from Taqnyat's own SDKs, but
//! not the response body, the SMS error codes or any delivery report. What this simulator answers where the
//! reference is silent, so the adapter can be corrected in one place once the live docs are checked:
//!
//! | question | what the simulator does |
//! |---|---|
//! | success body | HTTP 201 `{"statusCode":201,"messageId":<number>,"cost":<SAR, number>,"currency":"SAR","totalCount":<accepted>,"msgLength":<segments>,"accepted":"[9665…,]","rejected":"[]"}` *(third-party test fixture)*. `accepted` and `rejected` are **strings**, not JSON arrays, each number followed by a comma: parse them leniently. |
//! | message id | one numeric `messageId` per request, shared by all its recipients; the inbox shows it as a string |
//! | error body | `{"statusCode":<http>,"message":<text>}`, plus `"code":<n>` where the reference names one; every error is in `ApiError::spec` |
//! | bad / missing token | 401, code 104, `invalid credentials information` *(fixture text; code from Taqnyat's Email API)* |
//! | sender not approved | 400 `Invalid sender` *(third-party)*; a missing sender is 400 `sender is required` |
//! | recipient rules | `9665` + 8 digits, no `+`, `00` or `0` (the documented format); other countries only with [`TaqnyatOptions::international`] |
//! | bad or opted-out recipients | listed in `rejected` and not charged; when **none** is accepted: 400 `Invalid recipients` (or `Recipients opted out` when every rejected one had opted out) |
//! | balance | in riyals with three decimals, charged recipients × segments × [`TaqnyatOptions::segment_price_milli_sar`] at send (or scheduling) time; 400 code 2 when it is 0, 400 code 3 when short *(codes from the Email API)* |
//! | scheduling | `scheduled` (SDK name; `scheduledDatetime` accepted too) as `YYYY-MM-DDTHH:MM[:SS]` in **Riyadh time (UTC+3)**, or RFC 3339 with an offset; a time already past sends at once; anything else is 400 `Invalid scheduled date` |
//! | deleting | `DELETE /v1/messages` with `deleteId` (or `deleteKey`, as the SDKs disagree): 200 `{"statusCode":200,"message":"Deleted"}`, refunds the cost; 404 when nothing scheduled carries that key; 400 without a key |
//! | body | required, UTF-8, no length limit (none documented) |
//! | transport | JSON bodies only (the form and GET variants the docs mention are not simulated); an `auth` field in the body is ignored, only the header counts |
//! | faults | 429 (with `Retry-After` when set), 500 and 503, each with `{"statusCode":…,"message":…}` |
//! | delivery status | Taqnyat has no poll and no callback; statuses exist only in the sandbox inbox: `scheduled` → `sent` → `delivered` after [`TaqnyatOptions::delivered_after`], or `undelivered` for a number ending `0003` or `0006`; `cancelled` once deleted (the inbox's own words, Wasel's spelling) |

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::faults::{Fault, FaultSwitch};
use crate::{Faults, constant_time_eq, is_gateway_number, lock, mask_phone, segments};

/// The sandbox application's Bearer token (Taqnyat tokens are 32 hex digits).
pub const SANDBOX_BEARER_TOKEN: &str = "7a9e1c0ffee5a9e1c0ffee5a9e10adc2";
/// The approved sender name of the sandbox account.
pub const SANDBOX_SENDER: &str = "WASEL";

const SEND_PATH: &str = "/v1/messages";
/// Riyadh has no daylight saving: scheduled times without an offset are read at UTC+3.
const KSA_OFFSET_SECS: i32 = 3 * 3600;

/// The sandbox account: its token, approved senders, balance and how fast messages "arrive".
#[derive(Clone)]
pub struct TaqnyatOptions {
    pub bearer_token: String,
    /// Approved sender names; any other `sender` is refused.
    pub senders: Vec<String>,
    /// Starting balance in thousandths of a riyal (`2_044_000` = 2044.000 SAR).
    pub balance_milli_sar: u64,
    /// Price of one segment to one recipient, in thousandths of a riyal.
    pub segment_price_milli_sar: u64,
    /// Accept recipients outside Saudi Arabia.
    pub international: bool,
    /// From send (or the scheduled time) to `delivered` in the sandbox inbox.
    pub delivered_after: Duration,
}

impl Default for TaqnyatOptions {
    fn default() -> Self {
        Self {
            bearer_token: SANDBOX_BEARER_TOKEN.to_owned(),
            senders: vec![SANDBOX_SENDER.to_owned()],
            balance_milli_sar: 2_044_000,
            segment_price_milli_sar: 26,
            international: false,
            delivered_after: Duration::from_millis(900),
        }
    }
}

impl std::fmt::Debug for TaqnyatOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaqnyatOptions")
            .field("bearer_token", &"<redacted>")
            .field("senders", &self.senders)
            .field("balance_milli_sar", &self.balance_milli_sar)
            .field("segment_price_milli_sar", &self.segment_price_milli_sar)
            .field("international", &self.international)
            .field("delivered_after", &self.delivered_after)
            .finish()
    }
}

/// One accepted message to one recipient, as the sandbox inbox shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimMessage {
    /// The request's `messageId`, shared by every recipient of that request.
    pub id: String,
    /// As received: digits with the country code.
    pub to: String,
    pub sender: String,
    pub body: String,
    /// `scheduled`, `sent`, `delivered`, `undelivered` or `cancelled` (the inbox's own, in Wasel's words; Taqnyat reports none).
    pub status: String,
    pub num_segments: u32,
    pub date_created: DateTime<Utc>,
    pub scheduled_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Every error the simulator answers with; `spec` is the one table of statuses, codes and texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ApiError {
    Unauthorized,
    InvalidJson,
    MissingSender,
    InvalidSender,
    MissingBody,
    MissingRecipients,
    InvalidRecipients,
    OptedOut,
    InvalidSchedule,
    BalanceZero,
    BalanceShort,
    MissingDeleteKey,
    NotFound,
    TooManyRequests,
    Internal,
    Unavailable,
}

impl ApiError {
    /// HTTP status, Taqnyat's numeric code when the reference names one, and the message.
    const fn spec(self) -> (StatusCode, Option<u32>, &'static str) {
        use StatusCode as S;
        match self {
            Self::Unauthorized => (S::UNAUTHORIZED, Some(104), "invalid credentials information"),
            Self::InvalidJson => (S::BAD_REQUEST, None, "Invalid JSON body"),
            Self::MissingSender => (S::BAD_REQUEST, None, "sender is required"),
            Self::InvalidSender => (S::BAD_REQUEST, None, "Invalid sender"),
            Self::MissingBody => (S::BAD_REQUEST, None, "body is required"),
            Self::MissingRecipients => (S::BAD_REQUEST, None, "recipients must be a non-empty array"),
            Self::InvalidRecipients => (S::BAD_REQUEST, None, "Invalid recipients"),
            Self::OptedOut => (S::BAD_REQUEST, None, "Recipients opted out"),
            Self::InvalidSchedule => (S::BAD_REQUEST, None, "Invalid scheduled date"),
            Self::BalanceZero => (S::BAD_REQUEST, Some(2), "balance is 0"),
            Self::BalanceShort => (S::BAD_REQUEST, Some(3), "balance is not enough"),
            Self::MissingDeleteKey => (S::BAD_REQUEST, None, "deleteId is required"),
            Self::NotFound => (S::NOT_FOUND, None, "Not Found"),
            Self::TooManyRequests => (S::TOO_MANY_REQUESTS, None, "Too Many Requests"),
            Self::Internal => (S::INTERNAL_SERVER_ERROR, None, "Internal Server Error"),
            Self::Unavailable => (S::SERVICE_UNAVAILABLE, None, "Service Unavailable"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.spec();
        let mut body = json!({ "statusCode": status.as_u16(), "message": message });
        if let Some(code) = code {
            body["code"] = json!(code);
        }
        (status, Json(body)).into_response()
    }
}

/// True for the paths Taqnyat's API lives under, so an unknown one answers in Taqnyat's shape.
pub(crate) fn owns_path(path: &str) -> bool {
    ["/v1/", "/account/", "/system/"].iter().any(|prefix| path.starts_with(prefix))
}

pub(crate) fn not_found_response() -> Response {
    ApiError::NotFound.into_response()
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Down | Fault::TimedOut => ApiError::Unavailable.into_response(),
        Fault::ServerError => ApiError::Internal.into_response(),
        Fault::RateLimited { retry_after_secs } => {
            let mut response = ApiError::TooManyRequests.into_response();
            if let Some(secs) = retry_after_secs {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}

// ---------------------------------------------------------------------------------------------
// State

/// The Taqnyat simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct TaqnyatSim {
    shared: Arc<Shared>,
}

struct Shared {
    opts: TaqnyatOptions,
    state: Mutex<Store>,
    create_requests: AtomicUsize,
    faults: FaultSwitch,
    stopped: watch::Receiver<bool>,
}

struct Store {
    records: Vec<Record>,
    opted_out: HashSet<String>,
    received: usize,
    balance_milli_sar: u64,
    next_id: u64,
}

impl Store {
    fn new(opts: &TaqnyatOptions) -> Self {
        Self {
            records: Vec::new(),
            opted_out: HashSet::new(),
            received: 0,
            balance_milli_sar: opts.balance_milli_sar,
            // Ten digits, like the ids Taqnyat hands out.
            next_id: rand::random_range(1_000_000_000..5_000_000_000),
        }
    }
}

struct Record {
    id: String,
    to: String,
    sender: String,
    body: String,
    num_segments: u32,
    date_created: DateTime<Utc>,
    scheduled_at: Option<DateTime<Utc>>,
    delete_key: Option<String>,
    /// What this recipient was charged, refunded when a scheduled send is deleted.
    cost_milli_sar: u64,
    canceled: bool,
    /// Ends `undelivered` (test-number suffixes).
    fails: bool,
}

impl Record {
    /// The inbox status is derived from the clock, so no timer is needed.
    fn status(&self, now: DateTime<Utc>, delivered_after: TimeDelta) -> &'static str {
        if self.canceled {
            return "cancelled";
        }
        let start = self.scheduled_at.map_or(self.date_created, |at| at.max(self.date_created));
        if now < start {
            "scheduled"
        } else if now - start < delivered_after {
            "sent"
        } else if self.fails {
            "undelivered"
        } else {
            "delivered"
        }
    }

    fn is_pending(&self, now: DateTime<Utc>) -> bool {
        !self.canceled && self.scheduled_at.is_some_and(|at| at > now)
    }
}

impl TaqnyatSim {
    pub(crate) fn new(opts: TaqnyatOptions, stopped: watch::Receiver<bool>) -> Self {
        let state = Mutex::new(Store::new(&opts));
        Self {
            shared: Arc::new(Shared {
                opts,
                state,
                create_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                stopped,
            }),
        }
    }

    /// Every recipient of every accepted send, in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let now = Utc::now();
        let delivered_after = self.shared.delivered_after();
        let state = lock(&self.shared.state);
        state
            .records
            .iter()
            .map(|r| SimMessage {
                id: r.id.clone(),
                to: r.to.clone(),
                sender: r.sender.clone(),
                body: r.body.clone(),
                status: r.status(now, delivered_after).to_owned(),
                num_segments: r.num_segments,
                date_created: r.date_created,
                scheduled_at: r.scheduled_at,
            })
            .collect()
    }

    /// Number of sends that were accepted (answered 201), whatever their number of recipients.
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// Number of `POST /v1/messages` that reached the simulator, including rejected and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Later sends reject this recipient (`9665…`; a leading `+` is ignored here for convenience).
    pub fn opt_out(&self, number: &str) {
        lock(&self.shared.state).opted_out.insert(wire_number(number));
    }

    /// Undoes [`TaqnyatSim::opt_out`].
    pub fn opt_in(&self, number: &str) {
        lock(&self.shared.state).opted_out.remove(&wire_number(number));
    }

    /// The balance left, in thousandths of a riyal.
    pub fn balance_milli_sar(&self) -> u64 {
        lock(&self.shared.state).balance_milli_sar
    }

    /// Tops up or drains the account, e.g. to 0 to see code 2.
    pub fn set_balance_milli_sar(&self, balance: u64) {
        lock(&self.shared.state).balance_milli_sar = balance;
    }

    /// Forgets every message, resets both counters and restores the starting balance. Opt-outs and
    /// faults are settings and stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.received = 0;
        state.balance_milli_sar = self.shared.opts.balance_milli_sar;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

impl Shared {
    fn delivered_after(&self) -> TimeDelta {
        TimeDelta::from_std(self.opts.delivered_after).unwrap_or(TimeDelta::MAX)
    }

    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match token {
            Some(token) if constant_time_eq(token.as_bytes(), self.opts.bearer_token.as_bytes()) => Ok(()),
            _ => Err(ApiError::Unauthorized),
        }
    }
}

fn wire_number(number: &str) -> String {
    number.strip_prefix('+').unwrap_or(number).to_owned()
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The public API under Taqnyat's own paths, behind the fault switches.
pub(crate) fn api_routes(sim: TaqnyatSim) -> Router {
    Router::new()
        .route(SEND_PATH, post(send_messages).delete(delete_scheduled))
        .route("/v1/messages/senders", get(senders))
        .route("/account/balance", get(balance))
        .route("/system/status", get(system_status))
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim)
}

crate::debug::inspect!(TaqnyatSim, SimMessage, "taqnyat", opt_out);

/// `/_sim/taqnyat/...`: the sandbox inbox and Taqnyat-only switches.
pub(crate) fn debug_routes(sim: TaqnyatSim) -> Router {
    crate::debug::routes::<TaqnyatSim>().route("/balance", get(debug_balance).put(debug_set_balance)).with_state(sim)
}

/// Counts sends, then applies the faults before anything else (auth included).
async fn gate(State(sim): State<TaqnyatSim>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && req.uri().path() == SEND_PATH {
        sim.shared.create_requests.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(fault) = sim.shared.faults.apply(&sim.shared.stopped).await {
        tracing::debug!(?fault, path = req.uri().path(), "taqnyat sim: fault injected");
        return fault_response(fault);
    }
    next.run(req).await
}

/// A string, or a number written as digits (the Microsoft connector types recipients as integers).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a send asks for, once validated.
struct NewSend {
    sender: String,
    body: String,
    recipients: Vec<String>,
    scheduled_at: Option<DateTime<Utc>>,
    delete_key: Option<String>,
}

fn validate(json: &Value, senders: &[String]) -> Result<NewSend, ApiError> {
    let sender = json.get("sender").and_then(text).filter(|s| !s.is_empty()).ok_or(ApiError::MissingSender)?;
    if !senders.contains(&sender) {
        return Err(ApiError::InvalidSender);
    }
    let body = json.get("body").and_then(text).filter(|b| !b.trim().is_empty()).ok_or(ApiError::MissingBody)?;
    let recipients: Vec<String> = match json.get("recipients") {
        Some(Value::Array(items)) if !items.is_empty() => {
            // Anything that is not a string or a number is kept as its JSON text, to be rejected.
            items.iter().map(|item| text(item).unwrap_or_else(|| item.to_string())).collect()
        }
        _ => return Err(ApiError::MissingRecipients),
    };
    let scheduled = json.get("scheduled").or_else(|| json.get("scheduledDatetime")).and_then(text);
    let scheduled_at = match scheduled.as_deref() {
        None | Some("") => None,
        Some(s) => Some(parse_scheduled(s).ok_or(ApiError::InvalidSchedule)?),
    };
    let delete_key = json.get("deleteId").and_then(text).filter(|k| !k.is_empty());
    Ok(NewSend { sender, body, recipients, scheduled_at, delete_key })
}

/// `2020-09-30T14:26` (the SDKs' example, read as Riyadh time), with optional seconds, or RFC 3339.
fn parse_scheduled(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let ksa = FixedOffset::east_opt(KSA_OFFSET_SECS)?;
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
        .and_then(|naive| naive.and_local_timezone(ksa).single())
        .map(|t| t.with_timezone(&Utc))
}

/// `[966500000000,966500000001,]`: Taqnyat's list-in-a-string, each number followed by a comma.
fn bracket_list(numbers: &[String]) -> String {
    let mut out = String::from("[");
    for n in numbers {
        out.push_str(n);
        out.push(',');
    }
    out.push(']');
    out
}

fn riyals(milli: u64) -> String {
    format!("{}.{:03}", milli / 1000, milli % 1000)
}

async fn send_messages(
    State(sim): State<TaqnyatSim>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&headers) {
        return e.into_response();
    }
    let Ok(Json(json)) = body else {
        return ApiError::InvalidJson.into_response();
    };
    let new = match validate(&json, &shared.opts.senders) {
        Ok(new) => new,
        Err(e) => return e.into_response(),
    };
    let num_segments = segments::num_segments(&new.body);

    let mut state = lock(&shared.state);
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let mut any_invalid = false;
    for to in new.recipients {
        if !is_gateway_number(&to, shared.opts.international) {
            any_invalid = true;
            rejected.push(to);
        } else if state.opted_out.contains(&to) {
            rejected.push(to);
        } else {
            accepted.push(to);
        }
    }
    if accepted.is_empty() {
        return if any_invalid { ApiError::InvalidRecipients } else { ApiError::OptedOut }.into_response();
    }
    let each = u64::from(num_segments).saturating_mul(shared.opts.segment_price_milli_sar);
    let cost = each.saturating_mul(accepted.len() as u64);
    if state.balance_milli_sar == 0 {
        return ApiError::BalanceZero.into_response();
    }
    if state.balance_milli_sar < cost {
        return ApiError::BalanceShort.into_response();
    }
    state.balance_milli_sar -= cost;
    let message_id = state.next_id;
    state.next_id += 1;
    // Stamped under the lock so creation times follow creation order.
    let now = Utc::now();
    // A time already past is sent at once, like an unscheduled message.
    let scheduled_at = new.scheduled_at.filter(|at| *at > now);
    for to in &accepted {
        state.records.push(Record {
            id: message_id.to_string(),
            to: to.clone(),
            sender: new.sender.clone(),
            body: new.body.clone(),
            num_segments,
            date_created: now,
            scheduled_at,
            delete_key: new.delete_key.clone(),
            cost_milli_sar: each,
            canceled: false,
            fails: to.ends_with("0003") || to.ends_with("0006"),
        });
    }
    state.received += 1;
    drop(state);
    tracing::debug!(
        message_id,
        recipients = accepted.len(),
        rejected = rejected.len(),
        first = %accepted.first().map(|n| mask_phone(n)).unwrap_or_default(),
        segments = num_segments,
        scheduled = scheduled_at.is_some(),
        "taqnyat sim: message accepted"
    );
    let body = json!({
        "statusCode": 201,
        "messageId": message_id,
        "cost": cost as f64 / 1000.0,
        "currency": "SAR",
        "totalCount": accepted.len(),
        "msgLength": num_segments,
        "accepted": bracket_list(&accepted),
        "rejected": if rejected.is_empty() { "[]".to_owned() } else { bracket_list(&rejected) },
    });
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn delete_scheduled(
    State(sim): State<TaqnyatSim>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&headers) {
        return e.into_response();
    }
    let Ok(Json(json)) = body else {
        return ApiError::InvalidJson.into_response();
    };
    let Some(key) = json.get("deleteId").or_else(|| json.get("deleteKey")).and_then(text).filter(|k| !k.is_empty())
    else {
        return ApiError::MissingDeleteKey.into_response();
    };
    let now = Utc::now();
    let mut state = lock(&shared.state);
    let mut refund = 0u64;
    let mut deleted = 0usize;
    for rec in &mut state.records {
        if rec.delete_key.as_deref() == Some(key.as_str()) && rec.is_pending(now) {
            rec.canceled = true;
            refund = refund.saturating_add(rec.cost_milli_sar);
            deleted += 1;
        }
    }
    if deleted == 0 {
        return ApiError::NotFound.into_response();
    }
    state.balance_milli_sar = state.balance_milli_sar.saturating_add(refund);
    tracing::debug!(deleted, "taqnyat sim: scheduled messages deleted");
    Json(json!({ "statusCode": 200, "message": "Deleted" })).into_response()
}

async fn balance(State(sim): State<TaqnyatSim>, headers: HeaderMap) -> Response {
    if let Err(e) = sim.shared.authorize(&headers) {
        return e.into_response();
    }
    let expiry = (Utc::now() + TimeDelta::days(365)).format("%d-%m-%Y").to_string();
    Json(json!({
        "statusCode": 200,
        "accountStatus": "active",
        "accountExpiryDate": expiry,
        "balance": riyals(sim.balance_milli_sar()),
        "currency": "SAR",
    }))
    .into_response()
}

async fn senders(State(sim): State<TaqnyatSim>, headers: HeaderMap) -> Response {
    if let Err(e) = sim.shared.authorize(&headers) {
        return e.into_response();
    }
    Json(json!({ "statusCode": 200, "senders": sim.shared.opts.senders })).into_response()
}

async fn system_status(State(sim): State<TaqnyatSim>, headers: HeaderMap) -> Response {
    if let Err(e) = sim.shared.authorize(&headers) {
        return e.into_response();
    }
    Json(json!({
        "statusCode": 200,
        "status": { "service": "none", "description": "All Services are Operational" },
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// Debug routes

#[derive(Serialize, Deserialize)]
struct Balance {
    balance_milli_sar: u64,
}

async fn debug_balance(State(sim): State<TaqnyatSim>) -> Json<Balance> {
    Json(Balance { balance_milli_sar: sim.balance_milli_sar() })
}

async fn debug_set_balance(State(sim): State<TaqnyatSim>, Json(b): Json<Balance>) -> StatusCode {
    sim.set_balance_milli_sar(b.balance_milli_sar);
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_times_without_an_offset_are_riyadh_time() {
        let at = parse_scheduled("2020-09-30T14:26");
        assert_eq!(at.map(|t| t.to_rfc3339()).as_deref(), Some("2020-09-30T11:26:00+00:00"));
        let at = parse_scheduled("2020-09-30T14:26:05.5");
        assert_eq!(at.map(|t| t.timestamp_millis() % 60_000), Some(5_500));
        assert!(parse_scheduled("2020-09-30 14:26").is_some());
        assert_eq!(
            parse_scheduled("2020-09-30T14:26:00+03:00").map(|t| t.to_rfc3339()).as_deref(),
            Some("2020-09-30T11:26:00+00:00")
        );
        assert!(parse_scheduled("tomorrow").is_none());
        assert!(parse_scheduled("30/09/2020 14:26").is_none());
    }

    #[test]
    fn lists_and_money_are_written_like_taqnyat_writes_them() {
        assert_eq!(bracket_list(&["966500000000".to_owned()]), "[966500000000,]");
        assert_eq!(bracket_list(&["1".to_owned(), "2".to_owned()]), "[1,2,]");
        assert_eq!(riyals(2_044_000), "2044.000");
        assert_eq!(riyals(26), "0.026");
    }

    #[test]
    fn the_inbox_status_follows_the_clock() {
        let now = Utc::now();
        let mut rec = Record {
            id: "1".into(),
            to: "966512345678".into(),
            sender: SANDBOX_SENDER.into(),
            body: "hi".into(),
            num_segments: 1,
            date_created: now,
            scheduled_at: Some(now + TimeDelta::seconds(10)),
            delete_key: None,
            cost_milli_sar: 26,
            canceled: false,
            fails: false,
        };
        let after = TimeDelta::seconds(1);
        assert_eq!(rec.status(now, after), "scheduled");
        assert_eq!(rec.status(now + TimeDelta::seconds(10), after), "sent");
        assert_eq!(rec.status(now + TimeDelta::seconds(11), after), "delivered");
        rec.fails = true;
        assert_eq!(rec.status(now + TimeDelta::seconds(11), after), "undelivered");
        rec.canceled = true;
        assert_eq!(rec.status(now, after), "cancelled");
    }
}
