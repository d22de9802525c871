//! Twilio Programmable Messaging (SMS, API 2010-04-01) on loopback: create, fetch, list, cancel, redact
//! and delete messages, statuses advanced on timers, and status callbacks signed like Twilio signs them.
//!
//! Choices where Twilio's behaviour is not pinned down by our reference (`twilio-sms.md`):
//! - A path Account SID other than the configured one answers **401 / 20003**, as bad credentials do.
//! - Only Basic auth with the Account SID as user is accepted (no API-key SIDs).
//! - Cancelling a message that is not `scheduled`, and redacting or deleting one that is not finished,
//!   answer **400 / 20009**; other update values answer **400 / 20001**.
//! - `StatusCallback` must be an absolute http(s) URL, else **400 / 21609**.
//! - Scheduling (`ScheduleType=fixed` + `SendAt`, RFC 3339) needs a `MessagingServiceSid` (**35118**) and a
//!   `SendAt` in the future and at most 35 days ahead (**35114**); Twilio's 15-minute minimum is *not*
//!   enforced so tests can schedule a second ahead.
//! - List filters on `DateSent` use `date_sent`, or `date_created` while a message is not sent yet, so
//!   a just-queued message is found when reconciling after a timeout.
//! - `price` stays null; Twilio fills it in hours later.
//! - Test numbers: a `To` ending in `0003` ends `undelivered` with 30003, ending in `0006` with 30006.
//!   Any `To` starting `+9661` is a Saudi landline and is refused with 21614.
//! - Callbacks for one message are posted in order within one timer tick, but nothing orders them across
//!   ticks: like Twilio's, they can arrive out of order when the receiver is slow.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha1::Sha1;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::faults::{Fault, FaultSwitch};
use crate::{Faults, lock, mask_phone, segments};

/// The sandbox account: `AC` + 32 lowercase hex.
pub const SANDBOX_ACCOUNT_SID: &str = "ACa11ce0000000000000000000000000de";
/// The sandbox auth token: 32 lowercase hex.
pub const SANDBOX_AUTH_TOKEN: &str = "5ad0b0c55ad0b0c55ad0b0c55ad0b0c5";
/// Alphanumeric sender ID, as Saudi senders must use; also what a Messaging Service "picks".
pub const SANDBOX_FROM: &str = "WASEL";

const API_VERSION: &str = "2010-04-01";
const MAX_BODY_CHARS: usize = 1600;
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;
/// Twilio gives a callback receiver about this long.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(15);
/// Status changes applied per lock hold, so creates are not starved while a big backlog drains.
const TIMER_BATCH: usize = 512;
const MAX_SCHEDULE_AHEAD: chrono::TimeDelta = chrono::TimeDelta::days(35);

/// Credentials and the delays from create to each later status.
#[derive(Clone)]
pub struct TwilioOptions {
    pub account_sid: String,
    pub auth_token: String,
    pub sending_after: Duration,
    pub sent_after: Duration,
    pub delivered_after: Duration,
}

impl Default for TwilioOptions {
    fn default() -> Self {
        Self {
            account_sid: SANDBOX_ACCOUNT_SID.to_owned(),
            auth_token: SANDBOX_AUTH_TOKEN.to_owned(),
            sending_after: Duration::from_millis(150),
            sent_after: Duration::from_millis(400),
            delivered_after: Duration::from_millis(900),
        }
    }
}

impl std::fmt::Debug for TwilioOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioOptions")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("sending_after", &self.sending_after)
            .field("sent_after", &self.sent_after)
            .field("delivered_after", &self.delivered_after)
            .finish()
    }
}

/// One accepted message as the sandbox inbox shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimMessage {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    /// The current status.
    pub status: String,
    pub num_segments: u32,
    pub error_code: Option<u32>,
    pub status_callback: Option<String>,
    pub date_created: DateTime<Utc>,
}

/// `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, url + each param's name and value, sorted by name)).
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    BASE64.encode(mac.finalize().into_bytes())
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Every error the simulator answers with; `spec` is the one table of codes, statuses and texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ApiError {
    InvalidParameter,
    Authenticate,
    NotFound,
    NotComplete,
    NotCancelable,
    TooManyRequests,
    Internal,
    Unavailable,
    InvalidTo,
    InvalidFrom,
    MissingBody,
    MissingFrom,
    MissingTo,
    InvalidStatusCallback,
    OptedOut,
    NotMobile,
    BodyTooLong,
    ScheduleTimestamp,
    ScheduleNeedsService,
}

impl ApiError {
    const fn spec(self) -> (u32, StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            Self::InvalidParameter => (20001, S::BAD_REQUEST, "Invalid parameter"),
            Self::Authenticate => (20003, S::UNAUTHORIZED, "Authenticate"),
            Self::NotFound => (20404, S::NOT_FOUND, "The requested resource was not found"),
            Self::NotComplete => (20009, S::BAD_REQUEST, "Cannot change or delete this resource before it is complete"),
            Self::NotCancelable => (20009, S::BAD_REQUEST, "Only a scheduled message can be canceled"),
            Self::TooManyRequests => (20429, S::TOO_MANY_REQUESTS, "Too Many Requests"),
            Self::Internal => (20500, S::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            Self::Unavailable => (20500, S::SERVICE_UNAVAILABLE, "Service Unavailable"),
            Self::InvalidTo => (21211, S::BAD_REQUEST, "Invalid 'To' Phone Number"),
            Self::InvalidFrom => (21212, S::BAD_REQUEST, "Invalid 'From' Number (caller ID)"),
            Self::MissingBody => (21602, S::BAD_REQUEST, "Message body is required."),
            Self::MissingFrom => {
                (21603, S::BAD_REQUEST, "A 'From' or 'MessagingServiceSid' parameter is required to send a message")
            }
            Self::MissingTo => (21604, S::BAD_REQUEST, "A 'To' phone number is required."),
            Self::InvalidStatusCallback => (21609, S::BAD_REQUEST, "Invalid StatusCallback url"),
            Self::OptedOut => (21610, S::BAD_REQUEST, "Attempt to send to unsubscribed recipient"),
            Self::NotMobile => (21614, S::BAD_REQUEST, "'To' number is not a valid mobile number"),
            Self::BodyTooLong => {
                (21617, S::BAD_REQUEST, "The concatenated message body exceeds the 1600 character limit")
            }
            Self::ScheduleTimestamp => (35114, S::BAD_REQUEST, "Scheduling does not support this timestamp"),
            Self::ScheduleNeedsService => {
                (35118, S::BAD_REQUEST, "MessagingServiceSid is required to schedule a message")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status, message) = self.spec();
        error_body(code, status, message)
    }
}

fn error_body(code: u32, status: StatusCode, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Twilio API\""));
    }
    response
}

/// Twilio's 404 names the path it could not find.
pub(crate) fn not_found_response(path: &str) -> Response {
    let (code, status, _) = ApiError::NotFound.spec();
    error_body(code, status, &format!("The requested resource {path} was not found"))
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

/// The Twilio simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct TwilioSim {
    shared: Arc<Shared>,
}

struct Shared {
    account_sid: String,
    auth_token: String,
    /// Delay from create (or release of a scheduled message) to each stage, never decreasing.
    delays: [Duration; STAGES],
    state: Mutex<Store>,
    create_requests: AtomicUsize,
    faults: FaultSwitch,
    /// Wakes the status timer when a stage queue goes from empty to non-empty.
    wake: Notify,
    stopped: watch::Receiver<bool>,
    http: reqwest::Client,
}

/// sending, sent, final (delivered or undelivered).
const STAGES: usize = 3;

#[derive(Default)]
struct Store {
    /// Every accepted message, in creation order; a record's index is its `seq`.
    records: Vec<Record>,
    by_sid: HashMap<String, usize>,
    opted_out: HashSet<String>,
    received: usize,
    /// One queue per stage of `(due, seq)`. Each stage has a constant delay and messages enter in time
    /// order, so every queue is already sorted by due time.
    stages: [VecDeque<(Instant, usize)>; STAGES],
}

struct Record {
    msg: SimMessage,
    account_sid: String,
    messaging_service_sid: Option<String>,
    /// False while a Messaging Service has not "picked" a sender yet (`from` is null then).
    from_given: bool,
    num_media: usize,
    date_updated: DateTime<Utc>,
    date_sent: Option<DateTime<Utc>>,
    error_message: Option<&'static str>,
    /// The error the final stage ends with, from the test-number suffixes.
    fate: Option<(u32, &'static str)>,
    deleted: bool,
}

/// One status callback to post.
struct Callback {
    url: String,
    params: Vec<(String, String)>,
    sid: String,
    status: &'static str,
}

fn is_final(status: &str) -> bool {
    matches!(status, "delivered" | "undelivered" | "failed" | "canceled")
}

impl TwilioSim {
    /// Creates the simulator and spawns its status timer (which ends when `stopped` turns true).
    pub(crate) fn start(opts: TwilioOptions, stopped: watch::Receiver<bool>) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(CALLBACK_TIMEOUT)
            .no_proxy()
            .user_agent("TwilioProxy/1.1")
            .build()
            .map_err(std::io::Error::other)?;
        let sending = opts.sending_after;
        let sent = opts.sent_after.max(sending);
        let delivered = opts.delivered_after.max(sent);
        let sim = Self {
            shared: Arc::new(Shared {
                account_sid: opts.account_sid,
                auth_token: opts.auth_token,
                delays: [sending, sent, delivered],
                state: Mutex::new(Store::default()),
                create_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                wake: Notify::new(),
                stopped,
                http,
            }),
        };
        tokio::spawn(run_timer(Arc::clone(&sim.shared)));
        Ok(sim)
    }

    /// Everything accepted (and not deleted through the API), in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let state = lock(&self.shared.state);
        state.records.iter().filter(|r| !r.deleted).map(|r| r.msg.clone()).collect()
    }

    /// Number of creates that were accepted (answered 201).
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// Number of create requests that reached the simulator, including rejected and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Later creates to this number answer 400 / 21610, as after the recipient replied STOP.
    pub fn opt_out(&self, e164: &str) {
        lock(&self.shared.state).opted_out.insert(e164.to_owned());
    }

    /// Undoes [`TwilioSim::opt_out`], as after the recipient replied START.
    pub fn opt_in(&self, e164: &str) {
        lock(&self.shared.state).opted_out.remove(e164);
    }

    /// Forgets every message and resets both counters. Opt-outs and faults are settings and stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.by_sid.clear();
        state.received = 0;
        for stage in &mut state.stages {
            stage.clear();
        }
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The public API under Twilio's own paths, behind the fault switches.
pub(crate) fn api_routes(sim: TwilioSim) -> Router {
    Router::new()
        .route("/2010-04-01/Accounts/{account_sid}/Messages.json", post(create_message).get(list_messages))
        .route(
            "/2010-04-01/Accounts/{account_sid}/Messages/{sid_json}",
            get(fetch_message).post(update_message).delete(delete_message),
        )
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim)
}

impl crate::debug::Inspect for TwilioSim {
    type Message = SimMessage;
    const NAME: &'static str = "twilio";
    fn inbox(&self) -> Vec<SimMessage> {
        self.messages()
    }
    fn forget(&self) {
        self.clear();
    }
    fn current_faults(&self) -> Faults {
        self.faults()
    }
    fn put_faults(&self, faults: Faults) {
        self.set_faults(faults);
    }
    fn block(&self, to: &str) {
        self.opt_out(to);
    }
}

/// `/_sim/twilio/...`: the sandbox inbox and Twilio-only switches.
pub(crate) fn debug_routes(sim: TwilioSim) -> Router {
    crate::debug::routes::<TwilioSim>().with_state(sim)
}

/// Counts create requests, then applies the faults before anything else (auth included).
async fn gate(State(sim): State<TwilioSim>, req: Request, next: Next) -> Response {
    if req.method() == axum::http::Method::POST && req.uri().path().ends_with("/Messages.json") {
        sim.shared.create_requests.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(fault) = sim.shared.faults.apply(&sim.shared.stopped).await {
        tracing::debug!(?fault, path = req.uri().path(), "twilio sim: fault injected");
        return fault_response(fault);
    }
    next.run(req).await
}

/// Form fields in arrival order; repeated names (MediaUrl) are kept.
type Params = Vec<(String, String)>;

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

impl Shared {
    fn authorize(&self, path_account: &str, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some((user, password)) = basic_credentials(headers) else {
            return Err(ApiError::Authenticate);
        };
        let ok = path_account == self.account_sid
            && user == self.account_sid
            && constant_time_eq(password.as_bytes(), self.auth_token.as_bytes());
        if ok { Ok(()) } else { Err(ApiError::Authenticate) }
    }

    fn resource(&self, rec: &Record) -> Value {
        let base = format!("/{API_VERSION}/Accounts/{}/Messages/{}", rec.account_sid, rec.msg.sid);
        let pending_service = !rec.from_given && matches!(rec.msg.status.as_str(), "accepted" | "scheduled");
        json!({
            "account_sid": rec.account_sid,
            "api_version": API_VERSION,
            "body": rec.msg.body,
            "date_created": rfc2822(rec.msg.date_created),
            "date_sent": rec.date_sent.map(rfc2822),
            "date_updated": rfc2822(rec.date_updated),
            "direction": "outbound-api",
            "error_code": rec.msg.error_code,
            "error_message": rec.error_message,
            "from": if pending_service { None } else { Some(&rec.msg.from) },
            "messaging_service_sid": rec.messaging_service_sid,
            "num_media": rec.num_media.to_string(),
            "num_segments": if pending_service { "0".to_owned() } else { rec.msg.num_segments.to_string() },
            "price": null,
            "price_unit": "USD",
            "sid": rec.msg.sid,
            "status": rec.msg.status,
            "subresource_uris": {
                "media": format!("{base}/Media.json"),
                "feedback": format!("{base}/Feedback.json"),
            },
            "to": rec.msg.to,
            "uri": format!("{base}.json"),
        })
    }
}

/// What a create request asks for, once validated.
struct NewMessage {
    to: String,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    body: String,
    status_callback: Option<String>,
    num_media: usize,
    send_at: Option<DateTime<Utc>>,
}

fn validate(params: &Params, now: DateTime<Utc>) -> Result<NewMessage, ApiError> {
    let to = param(params, "To").ok_or(ApiError::MissingTo)?;
    if !is_e164(to) {
        return Err(ApiError::InvalidTo);
    }
    let from = param(params, "From");
    let service = param(params, "MessagingServiceSid");
    if from.is_none() && service.is_none() {
        return Err(ApiError::MissingFrom);
    }
    if let Some(from) = from
        && !(is_e164(from) || is_alphanumeric_sender(from) || is_short_code(from))
    {
        return Err(ApiError::InvalidFrom);
    }
    let num_media = params.iter().filter(|(n, v)| n == "MediaUrl" && !v.is_empty()).count();
    let body = param(params, "Body").unwrap_or_default();
    if body.is_empty() && num_media == 0 && param(params, "ContentSid").is_none() {
        return Err(ApiError::MissingBody);
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::BodyTooLong);
    }
    let status_callback = param(params, "StatusCallback");
    if let Some(url) = status_callback
        && !reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
    {
        return Err(ApiError::InvalidStatusCallback);
    }
    let send_at = match param(params, "ScheduleType") {
        None => None,
        Some("fixed") => {
            if service.is_none() {
                return Err(ApiError::ScheduleNeedsService);
            }
            let at = param(params, "SendAt")
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc))
                .ok_or(ApiError::ScheduleTimestamp)?;
            if at <= now || at - now > MAX_SCHEDULE_AHEAD {
                return Err(ApiError::ScheduleTimestamp);
            }
            Some(at)
        }
        Some(_) => return Err(ApiError::InvalidParameter),
    };
    Ok(NewMessage {
        to: to.to_owned(),
        from: from.map(str::to_owned),
        messaging_service_sid: service.map(str::to_owned),
        body: body.to_owned(),
        status_callback: status_callback.map(str::to_owned),
        num_media,
        send_at,
    })
}

async fn create_message(
    State(sim): State<TwilioSim>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    // A body that is not a form reads as an empty one, so it fails like Twilio's: 'To' is required.
    let params = form.map(|Form(p)| p).unwrap_or_default();
    let now = Utc::now();
    let new = match validate(&params, now) {
        Ok(new) => new,
        Err(e) => return e.into_response(),
    };
    if new.to.starts_with("+9661") {
        return ApiError::NotMobile.into_response();
    }
    let sid = new_sid("SM");
    let num_segments = segments::num_segments(&new.body);
    let fate = if new.to.ends_with("0003") {
        Some((30003, "Unreachable destination handset"))
    } else if new.to.ends_with("0006") {
        Some((30006, "Landline or unreachable carrier"))
    } else {
        None
    };
    let status = match (&new.messaging_service_sid, new.send_at) {
        (_, Some(_)) => "scheduled",
        (Some(_), None) => "accepted",
        (None, None) => "queued",
    };
    let mut record = Record {
        msg: SimMessage {
            sid: sid.clone(),
            to: new.to,
            from: new.from.clone().unwrap_or_else(|| SANDBOX_FROM.to_owned()),
            body: new.body,
            status: status.to_owned(),
            num_segments,
            error_code: None,
            status_callback: new.status_callback,
            date_created: now,
        },
        account_sid: account_sid.clone(),
        messaging_service_sid: new.messaging_service_sid,
        from_given: new.from.is_some(),
        num_media: new.num_media,
        date_updated: now,
        date_sent: None,
        error_message: None,
        fate,
        deleted: false,
    };

    let (resource, wake) = {
        let mut state = lock(&shared.state);
        if state.opted_out.contains(&record.msg.to) {
            return ApiError::OptedOut.into_response();
        }
        // Stamped under the lock so creation times follow creation order, as the list relies on.
        record.msg.date_created = Utc::now();
        record.date_updated = record.msg.date_created;
        let seq = state.records.len();
        let resource = shared.resource(&record);
        tracing::debug!(
            sid = %sid,
            to = %mask_phone(&record.msg.to),
            segments = num_segments,
            status,
            "twilio sim: message accepted"
        );
        state.records.push(record);
        state.by_sid.insert(sid.clone(), seq);
        state.received += 1;
        let wake = new.send_at.is_none() && shared.enqueue(&mut state, seq);
        (resource, wake)
    };
    if wake {
        shared.wake.notify_one();
    }
    if let Some(at) = new.send_at {
        tokio::spawn(release_when_due(Arc::clone(&sim.shared), sid, at));
    }
    (StatusCode::CREATED, Json(resource)).into_response()
}

async fn fetch_message(
    State(sim): State<TwilioSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    let state = lock(&shared.state);
    match find(&state, &account_sid, &sid_json) {
        Some(seq) => Json(shared.resource(&state.records[seq])).into_response(),
        None => not_found_response(uri.path()),
    }
}

async fn update_message(
    State(sim): State<TwilioSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    let params = form.map(|Form(p)| p).unwrap_or_default();
    let status = param(&params, "Status");
    let body = params.iter().find(|(n, _)| n == "Body").map(|(_, v)| v.as_str());
    let (resource, callback) = {
        let mut state = lock(&shared.state);
        let Some(seq) = find(&state, &account_sid, &sid_json) else {
            return not_found_response(uri.path());
        };
        let rec = &mut state.records[seq];
        let mut callback = None;
        match (status, body) {
            (Some("canceled"), _) => {
                if rec.msg.status != "scheduled" {
                    return ApiError::NotCancelable.into_response();
                }
                rec.msg.status = "canceled".to_owned();
                rec.date_updated = Utc::now();
                callback = shared.callback(rec, "canceled");
                tracing::debug!(sid = %rec.msg.sid, "twilio sim: scheduled message canceled");
            }
            (Some(_), _) => return ApiError::InvalidParameter.into_response(),
            (None, Some("")) => {
                if !is_final(&rec.msg.status) {
                    return ApiError::NotComplete.into_response();
                }
                rec.msg.body.clear();
                rec.date_updated = Utc::now();
            }
            (None, Some(_)) => return ApiError::InvalidParameter.into_response(),
            (None, None) => {}
        }
        (shared.resource(rec), callback)
    };
    if let Some(cb) = callback {
        tokio::spawn(post_callbacks(Arc::clone(&sim.shared), vec![cb]));
    }
    Json(resource).into_response()
}

async fn delete_message(
    State(sim): State<TwilioSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    let mut state = lock(&shared.state);
    let Some(seq) = find(&state, &account_sid, &sid_json) else {
        return not_found_response(uri.path());
    };
    let rec = &mut state.records[seq];
    if !is_final(&rec.msg.status) {
        return ApiError::NotComplete.into_response();
    }
    rec.deleted = true;
    let sid = rec.msg.sid.clone();
    state.by_sid.remove(&sid);
    StatusCode::NO_CONTENT.into_response()
}

/// `Messages/{sid}.json` → the record's index, if it exists in this account and was not deleted.
fn find(state: &Store, account_sid: &str, sid_json: &str) -> Option<usize> {
    let sid = sid_json.strip_suffix(".json")?;
    let seq = *state.by_sid.get(sid)?;
    let rec = state.records.get(seq)?;
    (!rec.deleted && rec.account_sid == account_sid).then_some(seq)
}

// ---------------------------------------------------------------------------------------------
// List

struct ListQuery {
    to: Option<String>,
    from: Option<String>,
    date_sent: Option<NaiveDate>,
    sent_before: Option<NaiveDate>,
    sent_after: Option<NaiveDate>,
    page_size: usize,
    page: usize,
    token: Option<PageToken>,
}

/// Opaque to clients: `PA<seq>` = the page after (older than) `seq`, `PB<seq>` = the page before it.
#[derive(Clone, Copy)]
enum PageToken {
    After(usize),
    Before(usize),
}

impl PageToken {
    fn parse(s: &str) -> Option<Self> {
        let (kind, n) = s.split_at_checked(2)?;
        let n = usize::from_str_radix(n, 16).ok()?;
        match kind {
            "PA" => Some(Self::After(n)),
            "PB" => Some(Self::Before(n)),
            _ => None,
        }
    }

    fn encode(self) -> String {
        match self {
            Self::After(n) => format!("PA{n:x}"),
            Self::Before(n) => format!("PB{n:x}"),
        }
    }
}

fn parse_list_query(params: &Params) -> Result<ListQuery, ApiError> {
    let date = |name: &str| -> Result<Option<NaiveDate>, ApiError> {
        param(params, name)
            .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ApiError::InvalidParameter))
            .transpose()
    };
    let page_size = match param(params, "PageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_PAGE_SIZE),
            _ => return Err(ApiError::InvalidParameter),
        },
    };
    let page = match param(params, "Page") {
        None => 0,
        Some(s) => s.parse().map_err(|_| ApiError::InvalidParameter)?,
    };
    let token = match param(params, "PageToken") {
        None => None,
        Some(s) => Some(PageToken::parse(s).ok_or(ApiError::InvalidParameter)?),
    };
    Ok(ListQuery {
        to: param(params, "To").map(str::to_owned),
        from: param(params, "From").map(str::to_owned),
        date_sent: date("DateSent")?,
        sent_before: date("DateSent<")?,
        sent_after: date("DateSent>")?,
        page_size,
        page,
        token,
    })
}

impl ListQuery {
    fn matches(&self, rec: &Record) -> bool {
        let day = rec.date_sent.unwrap_or(rec.msg.date_created).date_naive();
        !rec.deleted
            && self.to.as_deref().is_none_or(|to| rec.msg.to == to)
            && self.from.as_deref().is_none_or(|from| rec.msg.from == from)
            && self.date_sent.is_none_or(|d| day == d)
            && self.sent_before.is_none_or(|d| day <= d)
            && self.sent_after.is_none_or(|d| day >= d)
    }

    /// The list URI for another page, with the filters carried over.
    fn uri(&self, account_sid: &str, page: usize, token: Option<PageToken>) -> String {
        let path = format!("/{API_VERSION}/Accounts/{account_sid}/Messages.json");
        let Ok(mut url) = reqwest::Url::parse(&format!("http://sim{path}")) else {
            return path;
        };
        {
            let mut q = url.query_pairs_mut();
            if let Some(to) = &self.to {
                q.append_pair("To", to);
            }
            if let Some(from) = &self.from {
                q.append_pair("From", from);
            }
            let dates = [("DateSent", self.date_sent), ("DateSent<", self.sent_before), ("DateSent>", self.sent_after)];
            for (name, date) in dates {
                if let Some(d) = date {
                    q.append_pair(name, &d.format("%Y-%m-%d").to_string());
                }
            }
            q.append_pair("PageSize", &self.page_size.to_string());
            q.append_pair("Page", &page.to_string());
            if let Some(t) = token {
                q.append_pair("PageToken", &t.encode());
            }
        }
        match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        }
    }
}

async fn list_messages(
    State(sim): State<TwilioSim>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    let params = query.map(|Query(p)| p).unwrap_or_default();
    let q = match parse_list_query(&params) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let state = lock(&shared.state);
    // Newest first, as Twilio lists.
    let matching: Vec<usize> = (0..state.records.len())
        .rev()
        .filter(|&seq| {
            let rec = &state.records[seq];
            rec.account_sid == account_sid && q.matches(rec)
        })
        .collect();
    let page: &[usize] = match q.token {
        None => &matching[..q.page_size.min(matching.len())],
        Some(PageToken::After(n)) => {
            let start = matching.partition_point(|&seq| seq >= n);
            let end = (start + q.page_size).min(matching.len());
            &matching[start..end]
        }
        Some(PageToken::Before(n)) => {
            let end = matching.partition_point(|&seq| seq > n);
            &matching[end.saturating_sub(q.page_size)..end]
        }
    };
    let messages: Vec<Value> = page.iter().map(|&seq| shared.resource(&state.records[seq])).collect();
    let next = page
        .last()
        .filter(|&&last| matching.last().is_some_and(|&oldest| oldest < last))
        .map(|&last| q.uri(&account_sid, q.page + 1, Some(PageToken::After(last))));
    let previous = page
        .first()
        .filter(|&&first| matching.first().is_some_and(|&newest| newest > first))
        .map(|&first| q.uri(&account_sid, q.page.saturating_sub(1), Some(PageToken::Before(first))));
    let start = q.page * q.page_size;
    Json(json!({
        "messages": messages,
        "page": q.page,
        "page_size": q.page_size,
        "start": start,
        "end": (start + page.len()).saturating_sub(1),
        "first_page_uri": q.uri(&account_sid, 0, None),
        "next_page_uri": next,
        "previous_page_uri": previous,
        "uri": q.uri(&account_sid, q.page, q.token),
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// Debug routes

// ---------------------------------------------------------------------------------------------
// Status timer and callbacks

impl Shared {
    /// Puts a message on every stage queue, timed from now. True when the timer must be woken because
    /// a queue was empty (otherwise it already sleeps until a due time no later than the new ones).
    fn enqueue(&self, state: &mut Store, seq: usize) -> bool {
        let now = Instant::now();
        let mut was_empty = false;
        for (queue, delay) in state.stages.iter_mut().zip(self.delays) {
            was_empty |= queue.is_empty();
            queue.push_back((now + delay, seq));
        }
        was_empty
    }

    /// Applies up to [`TIMER_BATCH`] due status changes. Returns their callbacks, grouped per message in
    /// order, and the next due time when a queue is still non-empty.
    fn fire_due(&self, now: Instant) -> (Vec<Vec<Callback>>, Option<Instant>) {
        let mut state = lock(&self.state);
        let mut callbacks: Vec<Vec<Callback>> = Vec::new();
        let mut by_seq: HashMap<usize, usize> = HashMap::new();
        for _ in 0..TIMER_BATCH {
            // Earliest head first; on a tie the earlier stage, so one message's changes stay in order.
            let Some(stage) = (0..STAGES)
                .filter_map(|i| state.stages[i].front().map(|&(due, _)| (due, i)))
                .min()
                .filter(|&(due, _)| due <= now)
                .map(|(_, i)| i)
            else {
                break;
            };
            let Some((_, seq)) = state.stages[stage].pop_front() else {
                break;
            };
            let Some(rec) = state.records.get_mut(seq) else {
                continue;
            };
            let fired = self.advance(rec, stage);
            if !fired.is_empty() {
                let slot = *by_seq.entry(seq).or_insert_with(|| {
                    callbacks.push(Vec::new());
                    callbacks.len() - 1
                });
                callbacks[slot].extend(fired);
            }
        }
        let next = state.stages.iter().filter_map(|q| q.front().map(|&(due, _)| due)).min();
        (callbacks, next)
    }

    /// Moves one message through `stage`; returns the callbacks to post (none without StatusCallback).
    fn advance(&self, rec: &mut Record, stage: usize) -> Vec<Callback> {
        let now = Utc::now();
        let mut changes: Vec<&'static str> = Vec::with_capacity(2);
        match (stage, rec.msg.status.as_str()) {
            (0, "accepted") => {
                changes.push("queued");
                changes.push("sending");
            }
            (0, "queued") => changes.push("sending"),
            (1, "sending") => {
                changes.push("sent");
                rec.date_sent = Some(now);
            }
            (2, "sent") => match rec.fate {
                Some((code, message)) => {
                    rec.msg.error_code = Some(code);
                    rec.error_message = Some(message);
                    changes.push("undelivered");
                }
                None => changes.push("delivered"),
            },
            // Canceled, deleted or cleared meanwhile: nothing more happens to it.
            _ => return Vec::new(),
        }
        let Some(&last) = changes.last() else {
            return Vec::new();
        };
        rec.msg.status = last.to_owned();
        rec.date_updated = now;
        tracing::debug!(sid = %rec.msg.sid, status = last, "twilio sim: status changed");
        if rec.deleted {
            return Vec::new();
        }
        changes.into_iter().filter_map(|status| self.callback(rec, status)).collect()
    }

    /// The callback for a change to `status`, when the message asked for callbacks.
    fn callback(&self, rec: &Record, status: &'static str) -> Option<Callback> {
        let url = rec.msg.status_callback.clone()?;
        let mut params: Vec<(String, String)> = vec![
            ("MessageSid".into(), rec.msg.sid.clone()),
            ("SmsSid".into(), rec.msg.sid.clone()),
            ("MessageStatus".into(), status.into()),
            ("SmsStatus".into(), status.into()),
            ("AccountSid".into(), rec.account_sid.clone()),
            ("From".into(), rec.msg.from.clone()),
            ("To".into(), rec.msg.to.clone()),
            ("ApiVersion".into(), API_VERSION.into()),
        ];
        if let Some(service) = &rec.messaging_service_sid {
            params.push(("MessagingServiceSid".into(), service.clone()));
        }
        if matches!(status, "undelivered" | "failed")
            && let Some(code) = rec.msg.error_code
        {
            params.push(("ErrorCode".into(), code.to_string()));
        }
        if matches!(status, "delivered" | "undelivered") {
            // Carriers' receipt time, YYMMDDhhmm; Twilio passes it through on final statuses.
            params.push(("RawDlrDoneDate".into(), Utc::now().format("%y%m%d%H%M").to_string()));
        }
        Some(Callback { url, params, sid: rec.msg.sid.clone(), status })
    }
}

/// One task drains every stage queue, so per-message cost is three queue entries, not three timers.
async fn run_timer(shared: Arc<Shared>) {
    let mut stopped = shared.stopped.clone();
    loop {
        if *stopped.borrow() {
            return;
        }
        let (callbacks, next) = shared.fire_due(Instant::now());
        for group in callbacks {
            tokio::spawn(post_callbacks(Arc::clone(&shared), group));
        }
        tokio::select! {
            () = async {
                match next {
                    Some(due) => tokio::time::sleep_until(due).await,
                    None => std::future::pending().await,
                }
            } => {}
            () = shared.wake.notified() => {}
            changed = stopped.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// Moves a scheduled message into the send pipeline at `at`, unless it was canceled meanwhile.
async fn release_when_due(shared: Arc<Shared>, sid: String, at: DateTime<Utc>) {
    let wait = (at - Utc::now()).to_std().unwrap_or_default();
    let mut stopped = shared.stopped.clone();
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        _ = stopped.wait_for(|s| *s) => return,
    }
    let (callback, wake) = {
        let mut state = lock(&shared.state);
        let Some(&seq) = state.by_sid.get(&sid) else {
            return;
        };
        let Some(rec) = state.records.get_mut(seq) else {
            return;
        };
        if rec.msg.status != "scheduled" {
            return;
        }
        rec.msg.status = "queued".to_owned();
        rec.date_updated = Utc::now();
        let callback = shared.callback(rec, "queued");
        let wake = shared.enqueue(&mut state, seq);
        (callback, wake)
    };
    if wake {
        shared.wake.notify_one();
    }
    if let Some(cb) = callback {
        post_callbacks(shared, vec![cb]).await;
    }
}

/// Posts one message's callbacks in order. Failures are logged and dropped, as Twilio does by default.
async fn post_callbacks(shared: Arc<Shared>, callbacks: Vec<Callback>) {
    for cb in callbacks {
        let signature = twilio_signature(&shared.auth_token, &cb.url, &cb.params);
        let result = shared
            .http
            .post(&cb.url)
            .header("X-Twilio-Signature", signature)
            .header("I-Twilio-Idempotency-Token", new_sid(""))
            .form(&cb.params)
            .send()
            .await;
        match result {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => tracing::warn!(
                sid = %cb.sid,
                status = cb.status,
                http_status = response.status().as_u16(),
                "twilio sim: status callback refused"
            ),
            Err(error) => tracing::warn!(
                sid = %cb.sid,
                status = cb.status,
                error = %error.without_url(),
                "twilio sim: status callback failed"
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Small parsers

/// `^\+[1-9]\d{7,14}$`
fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

/// Alphanumeric sender ID: 1–11 letters, digits or spaces, at least one letter.
fn is_alphanumeric_sender(s: &str) -> bool {
    (1..=11).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

fn is_short_code(s: &str) -> bool {
    (3..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(BASE64.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `prefix` + 32 random lowercase hex digits.
fn new_sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

fn rfc2822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers_are_told_apart_from_the_rest() {
        assert!(is_e164("+966512345678"));
        assert!(is_e164("+12025550123"));
        assert!(!is_e164("966512345678"));
        assert!(!is_e164("+0966512345"));
        assert!(!is_e164("+9665123"));
        assert!(!is_e164("+9665123456789012"));
        assert!(!is_e164("+96651234abc"));
    }

    #[test]
    fn sender_ids_follow_the_alphanumeric_rules() {
        assert!(is_alphanumeric_sender("WASEL"));
        assert!(is_alphanumeric_sender("Wasel Care"));
        assert!(!is_alphanumeric_sender("123456"));
        assert!(!is_alphanumeric_sender("WASEL-CARE-KSA"));
        assert!(is_short_code("12345"));
    }

    #[test]
    fn sandbox_credentials_have_twilios_shape() {
        let hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        assert_eq!(SANDBOX_ACCOUNT_SID.len(), 34);
        assert!(SANDBOX_ACCOUNT_SID.starts_with("AC") && hex(&SANDBOX_ACCOUNT_SID[2..]));
        assert_eq!(SANDBOX_AUTH_TOKEN.len(), 32);
        assert!(hex(SANDBOX_AUTH_TOKEN));
        let sid = new_sid("SM");
        assert_eq!(sid.len(), 34);
        assert!(hex(&sid[2..]));
    }

    #[test]
    fn page_tokens_round_trip() {
        assert!(matches!(PageToken::parse(&PageToken::After(42).encode()), Some(PageToken::After(42))));
        assert!(matches!(PageToken::parse(&PageToken::Before(0).encode()), Some(PageToken::Before(0))));
        assert!(PageToken::parse("XX12").is_none());
        assert!(PageToken::parse("P").is_none());
    }

    #[test]
    fn the_signature_matches_twilios_documented_example() {
        // Example from Twilio's webhook-security docs: token 12345, this URL and these params.
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let sig = twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params);
        assert_eq!(sig, "GvWf1cFY/Q7PnoempGyD5oXAezc=");
    }
}
