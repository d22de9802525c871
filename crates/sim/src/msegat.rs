//! Msegat (مسجات) SMS on loopback: `POST /gw/sendsms.php` with the credentials in the body (form or JSON),
//! Msegat's official result codes, a point balance charged per segment, and duplicate-send protection.
//!
//! Our reference (`msegat.md`) has the official result codes and billing rules; the URL and the body shape
//! are third-party. What this simulator answers where the reference is silent, kept in one table so the
//! adapter can be corrected in one place once the live docs are checked:
//!
//! | question | what the simulator does |
//! |---|---|
//! | HTTP status | **always 200** for a send that reached Msegat, success or not: the adapter must read `code` in the body. Only faults use other statuses |
//! | body | `{"code":"<code>","message":"<text>"}`, `code` always a string; match on `code`, never on `message` (our wording). Every code is in `ResultCode::spec` |
//! | success | `{"code":"1","message":"Success"}`; with `reqBulkId=true` also `"id":"<bulk id>"` *(third-party clients read `id`)* |
//! | `M…` codes | off by default (numeric codes, as the reference's simulator contract asks); [`MsegatOptions::m_codes`] answers `M0000`/`M0001`/`M0002` instead of `1`/`1010`/`1020`, so adapters can be tested on both |
//! | check order | a required field absent (`userName`, `apiKey`, `numbers`, `userSender`, `msg`) → `1010`; credentials → `1020`; sender → `1110`; numbers → `1120`; empty `msg` → `1050`; free-OTP wording → `1064`; too long → `1140`; duplicate → `1061`; balance → `1060` |
//! | numbers | comma-separated `9665` + 8 digits, no `+`, `00` or `0`; other countries only with [`MsegatOptions::international`] (`1120` means "international sending not enabled" too). One bad number refuses the whole send |
//! | opted-out number | `1120`, the whole send (no opt-out code is documented) |
//! | too long | more than [`MAX_SEGMENTS`] segments → `1140` |
//! | duplicate | same numbers, sender and text within [`MsegatOptions::duplicate_window`] → `1061`. A retry after a timeout therefore sees `1061` when the first try got through |
//! | billing | one point per segment per number (160/153 GSM-7, 70/67 otherwise), charged whole or not at all; the free OTP sender `auth-mseg` costs nothing |
//! | `msgEncoding` | `UTF8` (default) or `windows-1256`, recorded as given; other values are treated as `UTF8` |
//! | body fields | a JSON body (`Content-Type: application/json`) or a form; JSON numbers and booleans are read as their text; a body that cannot be read counts as empty (`1010`); `GET` → 405 |
//! | faults | 429 (with `Retry-After` when set), 500 and 503 with `{"message":…}` and **no** `code`, so they are never mistaken for a result |
//! | delivery status | no DLR callback or poll endpoint is simulated (none documented); statuses exist only in the sandbox inbox: `sent` → `delivered` after [`MsegatOptions::delivered_after`], or `undelivered` for a number ending `0003` or `0006` |

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::faults::{Fault, FaultSwitch};
use crate::{Faults, constant_time_eq, is_gateway_number, lock, mask_phone, segments};

/// The sandbox account's user name.
pub const SANDBOX_USERNAME: &str = "wasel-sandbox";
/// The sandbox account's API key (Msegat keys are 32 hex digits).
pub const SANDBOX_API_KEY: &str = "5E6A7C0FFEE5E6A7C0FFEE5E6A7C0DE5";
/// The approved sender name of the sandbox account.
pub const SANDBOX_SENDER: &str = "WASEL";
/// Msegat's free OTP test sender: no approval needed, no points charged, fixed wording only.
pub const FREE_OTP_SENDER: &str = "auth-mseg";

const SEND_PATH: &str = "/gw/sendsms.php";
/// Longest message accepted, in segments (Msegat's own limit is not in our reference).
pub const MAX_SEGMENTS: u32 = 10;
const REQUIRED: [&str; 5] = ["userName", "apiKey", "numbers", "userSender", "msg"];

/// The sandbox account: credentials, approved senders, points and the switches the reference leaves open.
#[derive(Clone)]
pub struct MsegatOptions {
    pub user_name: String,
    pub api_key: String,
    /// Approved sender names; any other `userSender` (except [`FREE_OTP_SENDER`]) answers 1110.
    pub senders: Vec<String>,
    /// Starting balance in points (one point per segment per number).
    pub points: u64,
    /// International sending enabled on the account; off, a non-Saudi number answers 1120.
    pub international: bool,
    /// An identical send within this window answers 1061. Zero turns the protection off.
    pub duplicate_window: Duration,
    /// Answer `M0000`/`M0001`/`M0002` instead of `1`/`1010`/`1020`.
    pub m_codes: bool,
    /// From send to `delivered` in the sandbox inbox.
    pub delivered_after: Duration,
}

impl Default for MsegatOptions {
    fn default() -> Self {
        Self {
            user_name: SANDBOX_USERNAME.to_owned(),
            api_key: SANDBOX_API_KEY.to_owned(),
            senders: vec![SANDBOX_SENDER.to_owned()],
            points: 10_000,
            international: false,
            duplicate_window: Duration::from_secs(60),
            m_codes: false,
            delivered_after: Duration::from_millis(900),
        }
    }
}

impl std::fmt::Debug for MsegatOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsegatOptions")
            .field("user_name", &self.user_name)
            .field("api_key", &"<redacted>")
            .field("senders", &self.senders)
            .field("points", &self.points)
            .field("international", &self.international)
            .field("duplicate_window", &self.duplicate_window)
            .field("m_codes", &self.m_codes)
            .field("delivered_after", &self.delivered_after)
            .finish()
    }
}

/// One accepted message to one number, as the sandbox inbox shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimMessage {
    /// The send's bulk id, shared by every number of that send (returned as `id` with `reqBulkId=true`).
    pub id: String,
    /// As received: digits with the country code.
    pub to: String,
    pub sender: String,
    pub body: String,
    /// `sent`, `delivered` or `undelivered` (the inbox's own; Msegat reports none here).
    pub status: String,
    pub num_segments: u32,
    /// `msgEncoding` as given (`UTF8` when absent).
    pub encoding: String,
    pub date_created: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------
// Result codes

/// Every answer to a send; `spec` is the one table of Msegat's codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResultCode {
    Success,
    VariablesMissing,
    InvalidLogin,
    EmptyBody,
    BalanceShort,
    Duplicate,
    FreeOtpWording,
    InvalidSender,
    InvalidNumbers,
    TooLong,
}

impl ResultCode {
    /// The numeric code, its `M…` twin where Msegat has one, and our message.
    const fn spec(self) -> (&'static str, Option<&'static str>, &'static str) {
        match self {
            Self::Success => ("1", Some("M0000"), "Success"),
            Self::VariablesMissing => ("1010", Some("M0001"), "Variables missing"),
            Self::InvalidLogin => ("1020", Some("M0002"), "Invalid login info"),
            Self::EmptyBody => ("1050", None, "MSG body is empty"),
            Self::BalanceShort => ("1060", None, "Balance is not enough"),
            Self::Duplicate => ("1061", None, "MSG duplicated"),
            Self::FreeOtpWording => {
                ("1064", None, "Free OTP: the text must be \"Pin Code is: xxxx\" or \"رمز التحقق: xxxx\"")
            }
            Self::InvalidSender => ("1110", None, "Sender name is missing or incorrect"),
            Self::InvalidNumbers => {
                ("1120", None, "Mobile numbers are not correct or international sending is not enabled")
            }
            Self::TooLong => ("1140", None, "MSG length is too long"),
        }
    }

    fn body(self, m_codes: bool) -> Value {
        let (code, m_code, message) = self.spec();
        let code = if m_codes { m_code.unwrap_or(code) } else { code };
        json!({ "code": code, "message": message })
    }
}

/// True for the paths Msegat's API lives under, so an unknown one answers in Msegat's shape.
pub(crate) fn owns_path(path: &str) -> bool {
    path.starts_with("/gw/")
}

fn plain_error(status: StatusCode) -> Response {
    let message = status.canonical_reason().unwrap_or("Error");
    (status, Json(json!({ "message": message }))).into_response()
}

pub(crate) fn not_found_response() -> Response {
    plain_error(StatusCode::NOT_FOUND)
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Down | Fault::TimedOut => plain_error(StatusCode::SERVICE_UNAVAILABLE),
        Fault::ServerError => plain_error(StatusCode::INTERNAL_SERVER_ERROR),
        Fault::RateLimited { retry_after_secs } => {
            let mut response = plain_error(StatusCode::TOO_MANY_REQUESTS);
            if let Some(secs) = retry_after_secs {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}

// ---------------------------------------------------------------------------------------------
// State

/// The Msegat simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct MsegatSim {
    shared: Arc<Shared>,
}

struct Shared {
    opts: MsegatOptions,
    state: Mutex<Store>,
    create_requests: AtomicUsize,
    faults: FaultSwitch,
    stopped: watch::Receiver<bool>,
}

struct Store {
    records: Vec<Record>,
    opted_out: HashSet<String>,
    received: usize,
    points: u64,
    next_id: u64,
    /// Last accepted time of each (numbers, sender, text), for 1061.
    recent: HashMap<(String, String, String), DateTime<Utc>>,
}

impl Store {
    fn new(opts: &MsegatOptions) -> Self {
        Self {
            records: Vec::new(),
            opted_out: HashSet::new(),
            received: 0,
            points: opts.points,
            next_id: rand::random_range(10_000_000..90_000_000),
            recent: HashMap::new(),
        }
    }
}

struct Record {
    msg: SimMessage,
    fails: bool,
}

impl Record {
    /// The inbox status is derived from the clock, so no timer is needed.
    fn status(&self, now: DateTime<Utc>, delivered_after: TimeDelta) -> &'static str {
        if now - self.msg.date_created < delivered_after {
            "sent"
        } else if self.fails {
            "undelivered"
        } else {
            "delivered"
        }
    }
}

impl MsegatSim {
    pub(crate) fn new(opts: MsegatOptions, stopped: watch::Receiver<bool>) -> Self {
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

    /// Every number of every accepted send, in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let now = Utc::now();
        let delivered_after = TimeDelta::from_std(self.shared.opts.delivered_after).unwrap_or(TimeDelta::MAX);
        let state = lock(&self.shared.state);
        state
            .records
            .iter()
            .map(|r| SimMessage { status: r.status(now, delivered_after).to_owned(), ..r.msg.clone() })
            .collect()
    }

    /// Number of sends that were accepted (answered code 1), whatever their number of recipients.
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// Number of `POST /gw/sendsms.php` that reached the simulator, including refused and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Later sends to this number answer 1120 (`9665…`; a leading `+` is ignored here for convenience).
    pub fn opt_out(&self, number: &str) {
        lock(&self.shared.state).opted_out.insert(wire_number(number));
    }

    /// Undoes [`MsegatSim::opt_out`].
    pub fn opt_in(&self, number: &str) {
        lock(&self.shared.state).opted_out.remove(&wire_number(number));
    }

    /// Points left.
    pub fn points(&self) -> u64 {
        lock(&self.shared.state).points
    }

    /// Tops up or drains the account, e.g. to 0 to see 1060.
    pub fn set_points(&self, points: u64) {
        lock(&self.shared.state).points = points;
    }

    /// Forgets every message and the duplicate memory, resets both counters and restores the starting
    /// points. Opt-outs and faults are settings and stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.recent.clear();
        state.received = 0;
        state.points = self.shared.opts.points;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

fn wire_number(number: &str) -> String {
    number.strip_prefix('+').unwrap_or(number).to_owned()
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The public API under Msegat's own path, behind the fault switches.
pub(crate) fn api_routes(sim: MsegatSim) -> Router {
    Router::new()
        .route(SEND_PATH, post(send_sms))
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim)
}

crate::debug::inspect!(MsegatSim, SimMessage, "msegat", opt_out);

/// `/_sim/msegat/...`: the sandbox inbox and Msegat-only switches.
pub(crate) fn debug_routes(sim: MsegatSim) -> Router {
    crate::debug::routes::<MsegatSim>().route("/balance", get(debug_points).put(debug_set_points)).with_state(sim)
}

/// Counts sends, then applies the faults before anything else (auth included).
async fn gate(State(sim): State<MsegatSim>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && req.uri().path() == SEND_PATH {
        sim.shared.create_requests.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(fault) = sim.shared.faults.apply(&sim.shared.stopped).await {
        tracing::debug!(?fault, path = req.uri().path(), "msegat sim: fault injected");
        return fault_response(fault);
    }
    next.run(req).await
}

type Params = HashMap<String, String>;

/// The body's fields, from JSON or a form; a body that cannot be read has none.
async fn read_params(req: Request) -> Params {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if is_json {
        match Json::<Value>::from_request(req, &()).await {
            Ok(Json(Value::Object(map))) => map
                .into_iter()
                .filter_map(|(name, value)| {
                    let text = match value {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return None,
                    };
                    Some((name, text))
                })
                .collect(),
            _ => Params::new(),
        }
    } else {
        match Form::<Vec<(String, String)>>::from_request(req, &()).await {
            Ok(Form(pairs)) => pairs.into_iter().collect(),
            Err(_) => Params::new(),
        }
    }
}

/// `Pin Code is: 1234` or `رمز التحقق: 1234`: the only texts the free OTP sender may carry.
fn is_free_otp_text(msg: &str) -> bool {
    ["Pin Code is: ", "رمز التحقق: "].iter().any(|prefix| {
        msg.strip_prefix(prefix)
            .is_some_and(|code| (4..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// What a send asks for, once validated.
struct NewSend {
    numbers: Vec<String>,
    sender: String,
    msg: String,
    encoding: String,
    num_segments: u32,
    free: bool,
    want_bulk_id: bool,
}

fn validate(p: &Params, opts: &MsegatOptions) -> Result<NewSend, ResultCode> {
    if REQUIRED.iter().any(|name| !p.contains_key(*name)) {
        return Err(ResultCode::VariablesMissing);
    }
    let field = |name: &str| p.get(name).map(String::as_str).unwrap_or_default();
    let user_ok = constant_time_eq(field("userName").as_bytes(), opts.user_name.as_bytes());
    let key_ok = constant_time_eq(field("apiKey").as_bytes(), opts.api_key.as_bytes());
    if !(user_ok && key_ok) {
        return Err(ResultCode::InvalidLogin);
    }
    let sender = field("userSender");
    let free = sender == FREE_OTP_SENDER;
    if !free && !opts.senders.iter().any(|s| s == sender) {
        return Err(ResultCode::InvalidSender);
    }
    let numbers: Vec<String> =
        field("numbers").split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
    if numbers.is_empty() || !numbers.iter().all(|n| is_gateway_number(n, opts.international)) {
        return Err(ResultCode::InvalidNumbers);
    }
    let msg = field("msg");
    if msg.trim().is_empty() {
        return Err(ResultCode::EmptyBody);
    }
    if free && !is_free_otp_text(msg) {
        return Err(ResultCode::FreeOtpWording);
    }
    let num_segments = segments::num_segments(msg);
    if num_segments > MAX_SEGMENTS {
        return Err(ResultCode::TooLong);
    }
    let encoding = match p.get("msgEncoding").map(String::as_str) {
        Some(e) if e.eq_ignore_ascii_case("windows-1256") => e.to_owned(),
        _ => "UTF8".to_owned(),
    };
    Ok(NewSend {
        numbers,
        sender: sender.to_owned(),
        msg: msg.to_owned(),
        encoding,
        num_segments,
        free,
        want_bulk_id: p.get("reqBulkId").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1"),
    })
}

async fn send_sms(State(sim): State<MsegatSim>, req: Request) -> Response {
    let shared = &sim.shared;
    let m_codes = shared.opts.m_codes;
    let answer = |code: ResultCode| Json(code.body(m_codes)).into_response();
    let params = read_params(req).await;
    let new = match validate(&params, &shared.opts) {
        Ok(new) => new,
        Err(code) => return answer(code),
    };

    let mut state = lock(&shared.state);
    if new.numbers.iter().any(|n| state.opted_out.contains(n)) {
        return answer(ResultCode::InvalidNumbers);
    }
    let now = Utc::now();
    let mut sorted = new.numbers.clone();
    sorted.sort();
    let key = (sorted.join(","), new.sender.clone(), new.msg.clone());
    let window = TimeDelta::from_std(shared.opts.duplicate_window).unwrap_or(TimeDelta::MAX);
    if !window.is_zero() && state.recent.get(&key).is_some_and(|at| now - *at < window) {
        return answer(ResultCode::Duplicate);
    }
    let cost = if new.free { 0 } else { u64::from(new.num_segments).saturating_mul(new.numbers.len() as u64) };
    if state.points < cost {
        return answer(ResultCode::BalanceShort);
    }
    state.points -= cost;
    let id = state.next_id.to_string();
    state.next_id += 1;
    for to in &new.numbers {
        state.records.push(Record {
            msg: SimMessage {
                id: id.clone(),
                to: to.clone(),
                sender: new.sender.clone(),
                body: new.msg.clone(),
                status: "sent".to_owned(),
                num_segments: new.num_segments,
                encoding: new.encoding.clone(),
                date_created: now,
            },
            fails: to.ends_with("0003") || to.ends_with("0006"),
        });
    }
    if !window.is_zero() {
        state.recent.insert(key, now);
    }
    state.received += 1;
    drop(state);
    tracing::debug!(
        bulk_id = %id,
        numbers = new.numbers.len(),
        first = %new.numbers.first().map(|n| mask_phone(n)).unwrap_or_default(),
        segments = new.num_segments,
        points = cost,
        "msegat sim: message accepted"
    );
    let mut body = ResultCode::Success.body(m_codes);
    if new.want_bulk_id {
        body["id"] = json!(id);
    }
    Json(body).into_response()
}

// ---------------------------------------------------------------------------------------------
// Debug routes

#[derive(Serialize, Deserialize)]
struct Points {
    points: u64,
}

async fn debug_points(State(sim): State<MsegatSim>) -> Json<Points> {
    Json(Points { points: sim.points() })
}

async fn debug_set_points(State(sim): State<MsegatSim>, Json(p): Json<Points>) -> StatusCode {
    sim.set_points(p.points);
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_otp_wordings_pass_the_free_sender() {
        assert!(is_free_otp_text("Pin Code is: 1234"));
        assert!(is_free_otp_text("رمز التحقق: 123456"));
        assert!(!is_free_otp_text("Pin Code is: 12a4"));
        assert!(!is_free_otp_text("Your pickup code is 1234"));
        assert!(!is_free_otp_text("Pin Code is: "));
    }

    #[test]
    fn m_codes_replace_only_the_codes_that_have_a_twin() {
        assert_eq!(ResultCode::Success.body(true)["code"], "M0000");
        assert_eq!(ResultCode::InvalidLogin.body(false)["code"], "1020");
        assert_eq!(ResultCode::InvalidLogin.body(true)["code"], "M0002");
        assert_eq!(ResultCode::BalanceShort.body(true)["code"], "1060");
    }
}
