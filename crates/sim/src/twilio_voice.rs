//! Twilio Programmable Voice (API 2010-04-01) on loopback: outbound calls that speak TwiML `<Say>`,
//! placed at a calls-per-second pace, moved through their statuses on a timer, with signed status callbacks.
//!
//! It shares the Twilio simulator's account, fault switches and webhook signing ([`crate::twilio`]).
//! Choices where our reference (`twilio-voice.md`) is silent:
//!
//! | case | what the simulator does |
//! |---|---|
//! | no `To` / no `From` | 400 / 21201 / 21213 |
//! | `To` not E.164 | 400 / **21217**; `From` not E.164 → 400 / 21212 |
//! | none of `Url`, `Twiml`, `ApplicationSid`; `Url` not http(s) | 400 / **21205** |
//! | `Twiml` over 4,000 chars | 400 / **20001** (Twilio's code is not in our reference) |
//! | `ApplicationSid` not `AP` + 32 hex | 400 / 21218; a valid one answers with an empty `<Response/>` |
//! | `Method`, `StatusCallbackMethod` other than GET/POST; unknown `StatusCallbackEvent`; `Timeout` not a number | 400 / 20001 (`Timeout` over 600 is cut to 600) |
//! | `StatusCallback` not http(s) | 400 / 21609 |
//! | `To` ending `0001` / `0002` / `0003` | ends `busy` / `no-answer` / `failed` (error 21217) |
//! | TwiML not well-formed, root not `<Response>` | the call ends `failed` at answer time, error **12100** |
//! | `<Say>` voice not allowed for its language | ends `failed`, error **13511**; an empty `<Say>` → **13520** |
//! | `Url` unreachable or not 2xx | ends `failed`, error **11200**; the TwiML is fetched (signed, with the call's fields) when answered |
//! | error codes | kept in the inbox and sent as `ErrorCode` in the final callback; the Call resource has no error field |
//! | `initiated` event | `CallStatus=initiated` in the callback; the resource stays `queued` until `ringing` |
//! | `duration` | seconds the TwiML takes to speak (12 chars a second per `<Say>` and loop, plus `<Pause>`s), at least 1; after a hang-up (`Status=completed`) the seconds actually spent, at least 1 |
//! | `Status=canceled` on a live or finished call, `completed` on a finished one | 400 / **21220**; `completed` on a queued or ringing call cancels it |
//! | other update fields (`Url`, `Twiml`, …) | accepted and ignored |
//! | `GET Calls.json` | newest first; filters `To`, `From`, `Status`; `PageSize` + `Page` (no `PageToken`) |
//!
//! Allowed `<Say>` pairs: `ar-AE` with `Polly.Hala-Neural`/`Polly.Zayd-Neural`, `arb` with `Polly.Zeina`,
//! `en-US`/`en-GB` with `man`, `woman`, `alice` and a few Polly voices (see [`VOICES`]). The defaults are
//! Twilio's: `en-US` and `man`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::twilio::{TwilioSim, error_body, is_e164, is_http_url, is_sid, new_sid, not_found_response, rfc2822};
use crate::{lock, mask_phone};

const API_VERSION: &str = "2010-04-01";
const MAX_TWIML_CHARS: usize = 4000;
/// How fast the simulated text-to-speech talks, for `duration`.
const SPOKEN_CHARS_PER_SEC: usize = 12;

/// Which voices may speak which language.
pub const VOICES: &[(&str, &[&str])] = &[
    ("ar-AE", &["Polly.Hala-Neural", "Polly.Zayd-Neural"]),
    ("arb", &["Polly.Zeina"]),
    (
        "en-US",
        &[
            "man",
            "woman",
            "alice",
            "Polly.Joanna",
            "Polly.Joanna-Neural",
            "Polly.Matthew",
            "Polly.Matthew-Neural",
            "Polly.Salli",
            "Polly.Salli-Neural",
        ],
    ),
    (
        "en-GB",
        &[
            "man",
            "woman",
            "alice",
            "Polly.Amy",
            "Polly.Amy-Neural",
            "Polly.Brian",
            "Polly.Brian-Neural",
            "Polly.Emma",
            "Polly.Emma-Neural",
        ],
    ),
];

/// The pace of calls and the delays between their statuses.
#[derive(Clone, Debug)]
pub struct TwilioVoiceOptions {
    /// Calls placed per second (Twilio's default is 1); later calls wait and report `queue_time`.
    /// Zero or less places every call at once.
    pub cps: f64,
    /// From placement to `ringing` (or to `busy` / `failed` for those test numbers).
    pub ringing_after: Duration,
    /// From placement to the answer (`in-progress`, or `no-answer` for that test number).
    pub answered_after: Duration,
    /// From the answer to `completed`.
    pub talk_time: Duration,
}

impl Default for TwilioVoiceOptions {
    fn default() -> Self {
        Self {
            cps: 1.0,
            ringing_after: Duration::from_millis(150),
            answered_after: Duration::from_millis(400),
            talk_time: Duration::from_millis(400),
        }
    }
}

/// One call as the sandbox inbox shows it: what the guardian heard and how the call ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimCall {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub status: String,
    /// The first `<Say>`'s language and voice, once the call was answered.
    pub language: Option<String>,
    pub voice: Option<String>,
    /// Everything said, one line per `<Say>` (repeated as its `loop` asks).
    pub text: String,
    pub says: Vec<Said>,
    /// Seconds, once completed.
    pub duration: Option<u32>,
    pub error_code: Option<u32>,
    pub queue_time_ms: u64,
    /// The inline TwiML, when the call was created with `Twiml`.
    pub twiml: Option<String>,
    pub url: Option<String>,
    pub status_callback: Option<String>,
    pub date_created: DateTime<Utc>,
}

/// One `<Say>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    pub language: String,
    pub voice: String,
    pub text: String,
    /// 0 means "until hang-up", as in TwiML.
    pub loops: u32,
}

// ---------------------------------------------------------------------------------------------
// Errors

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ApiError {
    InvalidParameter,
    TwimlTooLong,
    MissingTo,
    MissingFrom,
    InvalidTo,
    InvalidFrom,
    MissingUrl,
    InvalidUrl,
    InvalidApplication,
    InvalidStatusCallback,
    InvalidCallState,
}

impl ApiError {
    const fn spec(self) -> (u32, &'static str) {
        match self {
            Self::InvalidParameter => (20001, "Invalid parameter"),
            Self::TwimlTooLong => (20001, "Twiml must be at most 4000 characters"),
            Self::MissingTo => (21201, "No 'To' number is specified"),
            Self::MissingFrom => (21213, "No 'From' number is specified"),
            Self::InvalidTo => (21217, "Phone number does not appear to be valid"),
            Self::InvalidFrom => (21212, "Invalid 'From' Phone Number"),
            Self::MissingUrl => (21205, "A 'Url', 'Twiml' or 'ApplicationSid' parameter is required"),
            Self::InvalidUrl => (21205, "Url is not a valid URL"),
            Self::InvalidApplication => (21218, "Invalid ApplicationSid"),
            Self::InvalidStatusCallback => (21609, "Invalid StatusCallback url"),
            Self::InvalidCallState => (21220, "Call is not in a state that allows this update"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, message) = self.spec();
        error_body(code, StatusCode::BAD_REQUEST, message)
    }
}

/// Why a call ended `failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CallError {
    code: u32,
    message: &'static str,
}

const UNREACHABLE: CallError = CallError { code: 21217, message: "Phone number does not appear to be valid" };
const PARSE_FAILURE: CallError = CallError { code: 12100, message: "Document parse failure" };
const INVALID_VOICE: CallError = CallError { code: 13511, message: "Say: Invalid voice value" };
const EMPTY_SAY: CallError = CallError { code: 13520, message: "Say: Invalid text" };
const RETRIEVAL_FAILURE: CallError = CallError { code: 11200, message: "HTTP retrieval failure" };

// ---------------------------------------------------------------------------------------------
// State

/// The voice simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct TwilioVoiceSim {
    shared: Arc<Shared>,
}

struct Shared {
    twilio: TwilioSim,
    opts: TwilioVoiceOptions,
    state: Mutex<Store>,
    create_requests: AtomicUsize,
}

#[derive(Default)]
struct Store {
    calls: Vec<CallRecord>,
    by_sid: HashMap<String, usize>,
    /// When the next call may be placed, at the configured CPS.
    next_slot: Option<Instant>,
}

struct CallRecord {
    call: SimCall,
    account_sid: String,
    events: Events,
    callback_method: Method,
    source: Source,
    /// Scripted by the test-number suffix.
    outcome: Outcome,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    answered_at: Option<Instant>,
    date_updated: DateTime<Utc>,
    /// Callbacks sent so far (`SequenceNumber` of the next one).
    sequence: u32,
}

/// Where the call's TwiML comes from.
#[derive(Clone)]
enum Source {
    Url { url: String, method: Method },
    Twiml(String),
    Application,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Answered,
    Busy,
    NoAnswer,
    Unreachable,
}

/// The `StatusCallbackEvent`s asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Events {
    initiated: bool,
    ringing: bool,
    answered: bool,
    completed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Initiated,
    Ringing,
    Answered,
    Completed,
}

impl Events {
    fn wants(self, event: Event) -> bool {
        match event {
            Event::Initiated => self.initiated,
            Event::Ringing => self.ringing,
            Event::Answered => self.answered,
            Event::Completed => self.completed,
        }
    }
}

/// One status callback to send.
struct Callback {
    url: String,
    method: Method,
    params: Vec<(String, String)>,
    sid: String,
}

impl TwilioVoiceSim {
    /// Creates the voice simulator on top of the Twilio one (its account, faults and signing).
    pub(crate) fn new(opts: TwilioVoiceOptions, twilio: TwilioSim) -> Self {
        let shared = Shared { twilio, opts, state: Mutex::new(Store::default()), create_requests: AtomicUsize::new(0) };
        Self { shared: Arc::new(shared) }
    }

    /// Every call, in creation order.
    pub fn calls(&self) -> Vec<SimCall> {
        lock(&self.shared.state).calls.iter().map(|r| r.call.clone()).collect()
    }

    /// Number of create requests that reached the simulator, including rejected and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    /// Forgets every call (their timers stop) and the CPS queue.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.calls.clear();
        state.by_sid.clear();
        state.next_slot = None;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The Calls API under Twilio's own paths, behind the Twilio fault switches.
pub(crate) fn api_routes(sim: TwilioVoiceSim) -> Router {
    Router::new()
        .route("/2010-04-01/Accounts/{account_sid}/Calls.json", post(create_call).get(list_calls))
        .route("/2010-04-01/Accounts/{account_sid}/Calls/{sid_json}", get(fetch_call).post(update_call))
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim)
}

/// `GET`/`DELETE /calls`, to be nested under `/_sim/twilio`.
pub(crate) fn debug_routes(sim: TwilioVoiceSim) -> Router {
    Router::new()
        .route(
            "/calls",
            get(|State(sim): State<TwilioVoiceSim>| async move { Json(sim.calls()) }).delete(
                |State(sim): State<TwilioVoiceSim>| async move {
                    sim.clear();
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(sim)
}

async fn gate(State(sim): State<TwilioVoiceSim>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && req.uri().path().ends_with("/Calls.json") {
        sim.shared.create_requests.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(response) = sim.shared.twilio.injected_fault(req.uri().path()).await {
        return response;
    }
    next.run(req).await
}

type Params = Vec<(String, String)>;

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// A create request, validated.
struct NewCall {
    to: String,
    from: String,
    source: Source,
    status_callback: Option<String>,
    callback_method: Method,
    events: Events,
}

fn http_method(value: Option<&str>) -> Result<Method, ApiError> {
    match value.map(str::to_ascii_uppercase).as_deref() {
        None | Some("POST") => Ok(Method::POST),
        Some("GET") => Ok(Method::GET),
        Some(_) => Err(ApiError::InvalidParameter),
    }
}

fn validate(params: &Params) -> Result<NewCall, ApiError> {
    let to = param(params, "To").ok_or(ApiError::MissingTo)?;
    let from = param(params, "From").ok_or(ApiError::MissingFrom)?;
    if !is_e164(to) {
        return Err(ApiError::InvalidTo);
    }
    if !is_e164(from) {
        return Err(ApiError::InvalidFrom);
    }
    let url = param(params, "Url");
    if url.is_some_and(|u| !is_http_url(u)) {
        return Err(ApiError::InvalidUrl);
    }
    let twiml = param(params, "Twiml");
    if twiml.is_some_and(|t| t.chars().count() > MAX_TWIML_CHARS) {
        return Err(ApiError::TwimlTooLong);
    }
    let application = param(params, "ApplicationSid");
    if application.is_some_and(|a| !is_sid(a, "AP")) {
        return Err(ApiError::InvalidApplication);
    }
    // Twilio ignores Twiml when Url is given too.
    let source = match (url, twiml, application) {
        (Some(url), _, _) => Source::Url { url: url.to_owned(), method: http_method(param(params, "Method"))? },
        (None, Some(twiml), _) => Source::Twiml(twiml.to_owned()),
        (None, None, Some(_)) => Source::Application,
        (None, None, None) => return Err(ApiError::MissingUrl),
    };
    let status_callback = param(params, "StatusCallback");
    if status_callback.is_some_and(|u| !is_http_url(u)) {
        return Err(ApiError::InvalidStatusCallback);
    }
    let callback_method = http_method(param(params, "StatusCallbackMethod"))?;
    let mut events = Events::default();
    let mut any = false;
    // Repeated, or space-separated in one value, as helper libraries send it.
    for value in params.iter().filter(|(n, _)| n == "StatusCallbackEvent").flat_map(|(_, v)| v.split_whitespace()) {
        any = true;
        match value {
            "initiated" => events.initiated = true,
            "ringing" => events.ringing = true,
            "answered" => events.answered = true,
            "completed" => events.completed = true,
            _ => return Err(ApiError::InvalidParameter),
        }
    }
    if !any {
        events.completed = true;
    }
    // Checked only: the simulator rings for `answered_after` whatever the timeout (Twilio cuts it to 600).
    if let Some(timeout) = param(params, "Timeout") {
        timeout.parse::<u32>().map_err(|_| ApiError::InvalidParameter)?;
    }
    Ok(NewCall {
        to: to.to_owned(),
        from: from.to_owned(),
        source,
        status_callback: status_callback.map(str::to_owned),
        callback_method,
        events,
    })
}

async fn create_call(
    State(sim): State<TwilioVoiceSim>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Some(response) = shared.twilio.refusal(&account_sid, &headers) {
        return response;
    }
    let params = form.map(|Form(p)| p).unwrap_or_default();
    let new = match validate(&params) {
        Ok(new) => new,
        Err(e) => return e.into_response(),
    };
    let outcome = if new.to.ends_with("0001") {
        Outcome::Busy
    } else if new.to.ends_with("0002") {
        Outcome::NoAnswer
    } else if new.to.ends_with("0003") {
        Outcome::Unreachable
    } else {
        Outcome::Answered
    };
    let sid = new_sid("CA");
    let (resource, placed_at) = {
        let mut state = lock(&shared.state);
        let now = Instant::now();
        let placed_at = state.next_slot.map_or(now, |slot| slot.max(now));
        if shared.opts.cps.is_finite() && shared.opts.cps > 0.0 {
            let gap = Duration::try_from_secs_f64(1.0 / shared.opts.cps)
                .unwrap_or(Duration::MAX)
                .min(Duration::from_secs(3600));
            state.next_slot = Some(placed_at + gap);
        }
        let queue_time_ms = u64::try_from((placed_at - now).as_millis()).unwrap_or(u64::MAX);
        let created = Utc::now();
        let (twiml, url) = match &new.source {
            Source::Twiml(twiml) => (Some(twiml.clone()), None),
            Source::Url { url, .. } => (None, Some(url.clone())),
            Source::Application => (None, None),
        };
        let record = CallRecord {
            call: SimCall {
                sid: sid.clone(),
                to: new.to,
                from: new.from,
                status: "queued".to_owned(),
                language: None,
                voice: None,
                text: String::new(),
                says: Vec::new(),
                duration: None,
                error_code: None,
                queue_time_ms,
                twiml,
                url,
                status_callback: new.status_callback,
                date_created: created,
            },
            account_sid,
            events: new.events,
            callback_method: new.callback_method,
            source: new.source,
            outcome,
            start_time: None,
            end_time: None,
            answered_at: None,
            date_updated: created,
            sequence: 0,
        };
        tracing::debug!(sid = %sid, to = %mask_phone(&record.call.to), queue_time_ms, "twilio voice sim: call queued");
        let resource = resource(&record);
        let seq = state.calls.len();
        state.calls.push(record);
        state.by_sid.insert(sid.clone(), seq);
        (resource, placed_at)
    };
    tokio::spawn(drive(Arc::clone(&sim.shared), sid, placed_at));
    (StatusCode::CREATED, Json(resource)).into_response()
}

async fn fetch_call(
    State(sim): State<TwilioVoiceSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    if let Some(response) = sim.shared.twilio.refusal(&account_sid, &headers) {
        return response;
    }
    let state = lock(&sim.shared.state);
    match find(&state, &account_sid, &sid_json) {
        Some(seq) => Json(resource(&state.calls[seq])).into_response(),
        None => not_found_response(uri.path()),
    }
}

/// `Status=canceled` cancels a queued or ringing call; `Status=completed` hangs up a live one.
async fn update_call(
    State(sim): State<TwilioVoiceSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Some(response) = shared.twilio.refusal(&account_sid, &headers) {
        return response;
    }
    let params = form.map(|Form(p)| p).unwrap_or_default();
    let (resource, callback) = {
        let mut state = lock(&shared.state);
        let Some(seq) = find(&state, &account_sid, &sid_json) else {
            return not_found_response(uri.path());
        };
        let rec = &mut state.calls[seq];
        let callback = match (param(&params, "Status"), rec.call.status.as_str()) {
            (None, _) => None,
            (Some("canceled" | "completed"), "queued" | "ringing") => finish(rec, "canceled", None),
            (Some("completed"), "in-progress") => {
                let spent = rec.answered_at.map(|at| at.elapsed()).unwrap_or_default();
                let secs = u32::try_from(spent.as_secs()).unwrap_or(u32::MAX).saturating_add(1);
                rec.call.duration = Some(secs);
                finish(rec, "completed", None)
            }
            (Some("canceled" | "completed"), _) => return ApiError::InvalidCallState.into_response(),
            (Some(_), _) => return ApiError::InvalidParameter.into_response(),
        };
        (resource(rec), callback)
    };
    if let Some(cb) = callback {
        tokio::spawn(post_callback(Arc::clone(&sim.shared), cb));
    }
    Json(resource).into_response()
}

/// Newest first, filtered by `To`/`From`/`Status`, paged by `PageSize` (≤ 1,000) and `Page`.
async fn list_calls(
    State(sim): State<TwilioVoiceSim>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    if let Some(response) = sim.shared.twilio.refusal(&account_sid, &headers) {
        return response;
    }
    let params = query.map(|Query(p)| p).unwrap_or_default();
    let page_size = match param(&params, "PageSize").map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => return ApiError::InvalidParameter.into_response(),
    };
    let Ok(page) = param(&params, "Page").map_or(Ok(0), str::parse::<usize>) else {
        return ApiError::InvalidParameter.into_response();
    };
    let wanted = |name: &str, value: &str| param(&params, name).is_none_or(|v| v == value);
    let state = lock(&sim.shared.state);
    let matching: Vec<&CallRecord> = state
        .calls
        .iter()
        .rev()
        .filter(|r| r.account_sid == account_sid)
        .filter(|r| wanted("To", &r.call.to) && wanted("From", &r.call.from) && wanted("Status", &r.call.status))
        .collect();
    let start = page * page_size;
    let calls: Vec<Value> = matching.iter().skip(start).take(page_size).map(|r| resource(r)).collect();
    let path = format!("/{API_VERSION}/Accounts/{account_sid}/Calls.json");
    let page_uri = |page: usize| format!("{path}?PageSize={page_size}&Page={page}");
    Json(json!({
        "calls": calls,
        "page": page,
        "page_size": page_size,
        "start": start,
        "end": (start + calls.len()).saturating_sub(1),
        "first_page_uri": page_uri(0),
        "next_page_uri": (start + page_size < matching.len()).then(|| page_uri(page + 1)),
        "previous_page_uri": (page > 0).then(|| page_uri(page - 1)),
        "uri": page_uri(page),
    }))
    .into_response()
}

/// `Calls/{sid}.json` → the record's index, if it exists in this account.
fn find(state: &Store, account_sid: &str, sid_json: &str) -> Option<usize> {
    let sid = sid_json.strip_suffix(".json")?;
    let seq = *state.by_sid.get(sid)?;
    (state.calls.get(seq)?.account_sid == account_sid).then_some(seq)
}

/// The Call resource as Twilio's JSON shows it.
fn resource(rec: &CallRecord) -> Value {
    let call = &rec.call;
    let base = format!("/{API_VERSION}/Accounts/{}/Calls/{}", rec.account_sid, call.sid);
    json!({
        "account_sid": rec.account_sid,
        "annotation": null,
        "answered_by": null,
        "api_version": API_VERSION,
        "caller_name": null,
        "date_created": rfc2822(call.date_created),
        "date_updated": rfc2822(rec.date_updated),
        "direction": "outbound-api",
        "duration": call.duration.map(|d| d.to_string()),
        "end_time": rec.end_time.map(rfc2822),
        "forwarded_from": null,
        "from": call.from,
        "from_formatted": call.from,
        "group_sid": null,
        "parent_call_sid": null,
        "phone_number_sid": null,
        "price": null,
        "price_unit": "USD",
        "queue_time": call.queue_time_ms.to_string(),
        "sid": call.sid,
        "start_time": rec.start_time.map(rfc2822),
        "status": call.status,
        "subresource_uris": {
            "events": format!("{base}/Events.json"),
            "notifications": format!("{base}/Notifications.json"),
            "recordings": format!("{base}/Recordings.json"),
            "payments": format!("{base}/Payments.json"),
        },
        "to": call.to,
        "to_formatted": call.to,
        "trunk_sid": null,
        "uri": format!("{base}.json"),
    })
}

// ---------------------------------------------------------------------------------------------
// The call's life

/// Ends the call with `status` (and, for `failed`, an error); returns the `completed`-event callback.
fn finish(rec: &mut CallRecord, status: &'static str, error: Option<CallError>) -> Option<Callback> {
    let now = Utc::now();
    rec.call.status = status.to_owned();
    rec.call.error_code = error.map(|e| e.code);
    rec.end_time = Some(now);
    rec.date_updated = now;
    tracing::debug!(sid = %rec.call.sid, status, error = ?error.map(|e| e.message), "twilio voice sim: call ended");
    callback(rec, Event::Completed, status)
}

/// The callback for `event` with `CallStatus=status`, when the call subscribed to it.
fn callback(rec: &mut CallRecord, event: Event, status: &str) -> Option<Callback> {
    let url = rec.call.status_callback.clone()?;
    if !rec.events.wants(event) {
        return None;
    }
    let mut params: Vec<(String, String)> = vec![
        ("CallSid".into(), rec.call.sid.clone()),
        ("AccountSid".into(), rec.account_sid.clone()),
        ("From".into(), rec.call.from.clone()),
        ("To".into(), rec.call.to.clone()),
        ("CallStatus".into(), status.to_owned()),
        ("ApiVersion".into(), API_VERSION.into()),
        ("Direction".into(), "outbound-api".into()),
        ("CallbackSource".into(), "call-progress-events".into()),
        ("Timestamp".into(), rfc2822(Utc::now())),
        ("SequenceNumber".into(), rec.sequence.to_string()),
    ];
    rec.sequence += 1;
    if event == Event::Completed {
        params.push(("CallDuration".into(), rec.call.duration.unwrap_or(0).to_string()));
        if let Some(code) = rec.call.error_code {
            params.push(("ErrorCode".into(), code.to_string()));
        }
    }
    Some(Callback { url, method: rec.callback_method.clone(), params, sid: rec.call.sid.clone() })
}

impl Shared {
    /// Applies `change` to the call if it is still in `expected`; None when it moved on (canceled, hung up,
    /// cleared), which ends its timer. Some(callback) otherwise.
    fn step(
        &self,
        sid: &str,
        expected: &str,
        change: impl FnOnce(&mut CallRecord) -> Option<Callback>,
    ) -> Option<Option<Callback>> {
        let mut state = lock(&self.state);
        let seq = *state.by_sid.get(sid)?;
        let rec = state.calls.get_mut(seq)?;
        (rec.call.status == expected).then(|| change(rec))
    }

    /// Sleeps until `at`; false when the simulators shut down meanwhile.
    async fn sleep_until(&self, at: Instant) -> bool {
        let mut stopped = self.twilio.stopped();
        tokio::select! {
            () = tokio::time::sleep_until(at) => true,
            _ = stopped.wait_for(|s| *s) => false,
        }
    }

    /// The TwiML the call runs when answered: inline, fetched from `Url`, or an application's (empty).
    async fn script(&self, rec_view: &CallView) -> Result<Script, CallError> {
        match &rec_view.source {
            Source::Twiml(twiml) => parse_twiml(twiml),
            Source::Application => Ok(Script::default()),
            Source::Url { url, method } => {
                let params = vec![
                    ("CallSid".to_owned(), rec_view.sid.clone()),
                    ("AccountSid".to_owned(), rec_view.account_sid.clone()),
                    ("From".to_owned(), rec_view.from.clone()),
                    ("To".to_owned(), rec_view.to.clone()),
                    ("CallStatus".to_owned(), "in-progress".to_owned()),
                    ("ApiVersion".to_owned(), API_VERSION.to_owned()),
                    ("Direction".to_owned(), "outbound-api".to_owned()),
                ];
                let response = self.twilio.send_webhook(method, url, &params).await.map_err(|_| RETRIEVAL_FAILURE)?;
                if !response.status().is_success() {
                    return Err(RETRIEVAL_FAILURE);
                }
                let body = response.text().await.map_err(|_| RETRIEVAL_FAILURE)?;
                parse_twiml(&body)
            }
        }
    }
}

/// What the timer needs to know about a call outside the lock.
struct CallView {
    sid: String,
    account_sid: String,
    from: String,
    to: String,
    source: Source,
    outcome: Outcome,
}

/// One task per call walks it through its statuses; it stops as soon as the call moved on without it.
async fn drive(shared: Arc<Shared>, sid: String, placed_at: Instant) {
    let view = {
        let state = lock(&shared.state);
        let Some(rec) = state.by_sid.get(&sid).and_then(|&seq| state.calls.get(seq)) else {
            return;
        };
        CallView {
            sid: sid.clone(),
            account_sid: rec.account_sid.clone(),
            from: rec.call.from.clone(),
            to: rec.call.to.clone(),
            source: rec.source.clone(),
            outcome: rec.outcome,
        }
    };
    let opts = shared.opts.clone();
    let fire = |cb: Option<Callback>| {
        if let Some(cb) = cb {
            tokio::spawn(post_callback(Arc::clone(&shared), cb));
        }
    };

    if !shared.sleep_until(placed_at).await {
        return;
    }
    let Some(cb) = shared.step(&sid, "queued", |rec| {
        rec.start_time = Some(Utc::now());
        callback(rec, Event::Initiated, "initiated")
    }) else {
        return;
    };
    fire(cb);

    if !shared.sleep_until(placed_at + opts.ringing_after).await {
        return;
    }
    let ringing = shared.step(&sid, "queued", |rec| match view.outcome {
        Outcome::Busy => finish(rec, "busy", None),
        Outcome::Unreachable => finish(rec, "failed", Some(UNREACHABLE)),
        Outcome::Answered | Outcome::NoAnswer => {
            rec.call.status = "ringing".to_owned();
            rec.date_updated = Utc::now();
            callback(rec, Event::Ringing, "ringing")
        }
    });
    let Some(cb) = ringing else {
        return;
    };
    fire(cb);
    if matches!(view.outcome, Outcome::Busy | Outcome::Unreachable) {
        return;
    }

    if !shared.sleep_until(placed_at + opts.answered_after.max(opts.ringing_after)).await {
        return;
    }
    if view.outcome == Outcome::NoAnswer {
        if let Some(cb) = shared.step(&sid, "ringing", |rec| finish(rec, "no-answer", None)) {
            fire(cb);
        }
        return;
    }
    let script = shared.script(&view).await;
    let answered = shared.step(&sid, "ringing", |rec| match &script {
        Err(error) => finish(rec, "failed", Some(*error)),
        Ok(script) => {
            rec.call.says = script.says.clone();
            rec.call.text = script.text();
            rec.call.language = script.says.first().map(|s| s.language.clone());
            rec.call.voice = script.says.first().map(|s| s.voice.clone());
            rec.call.status = "in-progress".to_owned();
            rec.answered_at = Some(Instant::now());
            rec.date_updated = Utc::now();
            callback(rec, Event::Answered, "in-progress")
        }
    });
    let Some(cb) = answered else {
        return;
    };
    fire(cb);
    let Ok(script) = script else {
        return;
    };

    if !shared.sleep_until(Instant::now() + opts.talk_time).await {
        return;
    }
    if let Some(cb) = shared.step(&sid, "in-progress", |rec| {
        rec.call.duration = Some(script.seconds());
        finish(rec, "completed", None)
    }) {
        fire(cb);
    }
}

/// Posts one status callback, signed. Failures are logged and dropped, as Twilio does.
async fn post_callback(shared: Arc<Shared>, cb: Callback) {
    match shared.twilio.send_webhook(&cb.method, &cb.url, &cb.params).await {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => tracing::warn!(
            sid = %cb.sid,
            http_status = response.status().as_u16(),
            "twilio voice sim: status callback refused"
        ),
        Err(error) => {
            tracing::warn!(sid = %cb.sid, error = %error.without_url(), "twilio voice sim: status callback failed");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// TwiML

/// What a call's TwiML says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Script {
    says: Vec<Said>,
    pause_secs: u32,
}

impl Script {
    /// One line per `<Say>` and loop.
    fn text(&self) -> String {
        let lines: Vec<&str> =
            self.says.iter().flat_map(|s| std::iter::repeat_n(s.text.as_str(), s.loops.max(1) as usize)).collect();
        lines.join("\n")
    }

    /// How long speaking it takes, at least a second.
    fn seconds(&self) -> u32 {
        let chars: usize = self.says.iter().map(|s| s.text.chars().count() * s.loops.max(1) as usize).sum();
        let speech = u32::try_from(chars.div_ceil(SPOKEN_CHARS_PER_SEC)).unwrap_or(u32::MAX);
        speech.saturating_add(self.pause_secs).max(1)
    }
}

/// Reads the `<Say>`s and `<Pause>`s directly under `<Response>`; other verbs are ignored, SSML inside
/// `<Say>` contributes its text.
fn parse_twiml(xml: &str) -> Result<Script, CallError> {
    let tokens = tokenize(xml).ok_or(PARSE_FAILURE)?;
    let mut script = Script::default();
    let mut stack: Vec<&str> = Vec::new();
    let mut seen_root = false;
    // The `<Say>` being read: its attributes and text so far.
    let mut say: Option<(Vec<(&str, String)>, String)> = None;
    for token in tokens {
        match token {
            Token::Open { name, attrs, self_closing } => {
                if stack.is_empty() {
                    if name != "Response" || seen_root {
                        return Err(PARSE_FAILURE);
                    }
                    seen_root = true;
                }
                if stack.last() == Some(&"Response") {
                    match name {
                        "Say" if self_closing => return Err(EMPTY_SAY),
                        "Say" => say = Some((attrs, String::new())),
                        "Pause" => {
                            let length = attr(&attrs, "length").map_or(Ok(1), str::parse::<u32>);
                            script.pause_secs = script.pause_secs.saturating_add(length.unwrap_or(1));
                        }
                        _ => {}
                    }
                }
                if !self_closing {
                    stack.push(name);
                }
            }
            Token::Close(name) => {
                if stack.pop() != Some(name) {
                    return Err(PARSE_FAILURE);
                }
                if name == "Say"
                    && stack.last() == Some(&"Response")
                    && let Some((attrs, text)) = say.take()
                {
                    script.says.push(said(&attrs, &text)?);
                }
            }
            Token::Text(text) => match &mut say {
                Some((_, said)) => said.push_str(&text),
                None if stack.is_empty() && !text.trim().is_empty() => return Err(PARSE_FAILURE),
                None => {}
            },
        }
    }
    if !seen_root || !stack.is_empty() {
        return Err(PARSE_FAILURE);
    }
    Ok(script)
}

fn attr<'a>(attrs: &'a [(&str, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
}

/// A finished `<Say>`, checked against [`VOICES`].
fn said(attrs: &[(&str, String)], text: &str) -> Result<Said, CallError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(EMPTY_SAY);
    }
    let language = attr(attrs, "language").unwrap_or("en-US");
    let voice = attr(attrs, "voice").unwrap_or("man");
    let allowed = VOICES.iter().any(|(l, voices)| *l == language && voices.contains(&voice));
    if !allowed {
        return Err(INVALID_VOICE);
    }
    let loops = attr(attrs, "loop").and_then(|l| l.parse().ok()).unwrap_or(1);
    Ok(Said { language: language.to_owned(), voice: voice.to_owned(), text, loops })
}

#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Open { name: &'a str, attrs: Vec<(&'a str, String)>, self_closing: bool },
    Close(&'a str),
    Text(String),
}

/// A small XML tokenizer, enough for TwiML: tags with quoted attributes, text with the five named and
/// numeric entities, comments and the XML declaration. None when the document is not well-formed.
fn tokenize(xml: &str) -> Option<Vec<Token<'_>>> {
    let mut tokens = Vec::new();
    let mut rest = xml.trim_start_matches('\u{feff}');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>')?;
            let name = after[..end].trim();
            if !is_name(name) {
                return None;
            }
            tokens.push(Token::Close(name));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = tag_end(after)?;
            let (inner, self_closing) = match after[..end].strip_suffix('/') {
                Some(inner) => (inner, true),
                None => (&after[..end], false),
            };
            let (name, attrs) = parse_tag(inner)?;
            tokens.push(Token::Open { name, attrs, self_closing });
            rest = &after[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            tokens.push(Token::Text(unescape(&rest[..end])?));
            rest = &rest[end..];
        }
    }
    Some(tokens)
}

/// The `>` closing a tag, skipping any inside quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '>') => return Some(i),
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    None
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
}

/// `Say language="ar-AE" voice='Polly.Hala-Neural'` → the name and attributes.
fn parse_tag(inner: &str) -> Option<(&str, Vec<(&str, String)>)> {
    let inner = inner.trim_end();
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let name = &inner[..name_end];
    if !is_name(name) {
        return None;
    }
    let mut attrs = Vec::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        if !is_name(key) || attrs.iter().any(|(k, _)| *k == key) {
            return None;
        }
        let value_part = rest[eq + 1..].trim_start();
        let quote = value_part.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let value_end = value_part[1..].find(quote)? + 1;
        attrs.push((key, unescape(&value_part[1..value_end])?));
        let after = &value_part[value_end + 1..];
        // Attributes are separated by whitespace.
        if !after.is_empty() && !after.starts_with(char::is_whitespace) {
            return None;
        }
        rest = after.trim_start();
    }
    Some((name, attrs))
}

/// XML text with entities resolved; None for a bare `&` or `<`, or an unknown entity.
fn unescape(s: &str) -> Option<String> {
    if s.contains('<') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';')?;
        let entity = &after[..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => entity.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use serde_json::Value;

    use super::*;
    use crate::Faults;
    use crate::twilio::testing::{Harness, assert_twilio_error, harness, harness_with, next_hook, receiver};
    use crate::twilio::{SANDBOX_ACCOUNT_SID, SANDBOX_NUMBER};

    const GUARDIAN: &str = "+966555001234";
    const ARABIC_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say language="ar-AE" voice="Polly.Hala-Neural">تذكير: موعد جلسة النطق غداً الساعة العاشرة &amp; النصف.</Say>
  <Pause length="2"/>
  <Say language="ar-AE" voice="Polly.Hala-Neural">تذكير: موعد جلسة النطق غداً الساعة العاشرة &amp; النصف.</Say>
</Response>"#;

    impl Harness {
        async fn call(&self, form: &[(&str, &str)]) -> (u16, Value) {
            self.post_form(&self.account_url("Calls.json"), form).await
        }

        async fn call_ok(&self, form: &[(&str, &str)]) -> Value {
            let (status, json) = self.call(form).await;
            assert_eq!(status, 201, "{json}");
            json
        }

        async fn call_ended(&self, sid: &str) -> Value {
            self.wait_for(&self.account_url(&format!("Calls/{sid}.json")), |c| {
                matches!(c["status"].as_str(), Some("completed" | "busy" | "failed" | "no-answer" | "canceled"))
            })
            .await
        }

        fn inbox_call(&self, sid: &str) -> SimCall {
            self.sims.twilio_voice().calls().into_iter().find(|c| c.sid == sid).unwrap()
        }
    }

    #[tokio::test]
    async fn an_arabic_reminder_call_rings_is_answered_and_completes_with_signed_callbacks() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("").await;
        let callback = format!("{hooks}/twilio/voice-status?centre=riyadh-1");
        let json = h
            .call_ok(&[
                ("To", GUARDIAN),
                ("From", SANDBOX_NUMBER),
                ("Twiml", ARABIC_TWIML),
                ("StatusCallback", &callback),
                ("StatusCallbackEvent", "initiated ringing"),
                ("StatusCallbackEvent", "answered"),
                ("StatusCallbackEvent", "completed"),
            ])
            .await;
        let sid = json["sid"].as_str().unwrap().to_owned();
        assert!(is_sid(&sid, "CA"));
        assert_eq!(json["status"], "queued");
        assert_eq!(json["queue_time"], "0");
        assert_eq!(json["direction"], "outbound-api");
        assert_eq!(json["to"], GUARDIAN);
        assert_eq!(json["from"], SANDBOX_NUMBER);
        assert!(json["duration"].is_null() && json["start_time"].is_null());
        assert_eq!(json["uri"], format!("/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Calls/{sid}.json"));

        let mut hooks = Vec::new();
        for _ in 0..4 {
            hooks.push(next_hook(&mut rx).await);
        }
        hooks.sort_by_key(|h| h.get("SequenceNumber").unwrap().parse::<u32>().unwrap());
        let statuses: Vec<&str> = hooks.iter().map(|h| h.get("CallStatus").unwrap()).collect();
        assert_eq!(statuses, ["initiated", "ringing", "in-progress", "completed"]);
        for hook in &hooks {
            assert!(hook.signed, "{hook:?}");
            assert_eq!(hook.get("CallSid"), Some(sid.as_str()));
            assert_eq!(hook.get("AccountSid"), Some(SANDBOX_ACCOUNT_SID));
            assert_eq!(hook.get("To"), Some(GUARDIAN));
            assert_eq!(hook.get("Direction"), Some("outbound-api"));
            assert_eq!(hook.get("ApiVersion"), Some("2010-04-01"));
            assert!(hook.get("Timestamp").is_some_and(|t| DateTime::parse_from_rfc2822(t).is_ok()));
        }
        // Two sayings at 12 characters a second, plus the 2 s pause.
        let seconds = parse_twiml(ARABIC_TWIML).unwrap().seconds();
        assert!(seconds > 2);
        assert_eq!(hooks[3].get("CallDuration"), Some(seconds.to_string().as_str()));

        let done = h.call_ended(&sid).await;
        assert_eq!(done["status"], "completed");
        assert_eq!(done["duration"], seconds.to_string());
        assert!(done["start_time"].is_string() && done["end_time"].is_string());
        let call = h.inbox_call(&sid);
        assert_eq!(call.language.as_deref(), Some("ar-AE"));
        assert_eq!(call.voice.as_deref(), Some("Polly.Hala-Neural"));
        let (_, list) = h.get(&h.account_url("Calls.json?To=%2B966555001234&Status=completed")).await;
        assert_eq!(list["calls"][0]["sid"], sid);
        assert!(list["next_page_uri"].is_null());
        let line = "تذكير: موعد جلسة النطق غداً الساعة العاشرة & النصف.";
        assert_eq!(call.text, format!("{line}\n{line}"));
        assert_eq!(call.says.len(), 2);
        assert_eq!(call.duration, Some(seconds));

        let listed: Vec<Value> = h.http.get(h.url("/_sim/twilio/calls")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed[0]["status"], "completed");
        assert_eq!(listed[0]["language"], "ar-AE");
        let r = h.http.delete(h.url("/_sim/twilio/calls")).send().await.unwrap();
        assert_eq!(r.status(), 204);
        assert!(h.sims.twilio_voice().calls().is_empty());
    }

    #[tokio::test]
    async fn by_default_only_the_end_of_the_call_is_called_back() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("").await;
        let twiml = r#"<Response><Say voice="Polly.Joanna">Pickup is at two.</Say></Response>"#;
        let callback = format!("{hooks}/voice");
        let json = h
            .call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallback", &callback)])
            .await;
        let hook = next_hook(&mut rx).await;
        assert_eq!(hook.get("CallStatus"), Some("completed"));
        assert_eq!(hook.get("SequenceNumber"), Some("0"));
        assert_eq!(hook.get("CallSid"), json["sid"].as_str());
        assert!(tokio::time::timeout(Duration::from_millis(100), rx.recv()).await.is_err(), "nothing more");
        let call = h.inbox_call(json["sid"].as_str().unwrap());
        assert_eq!((call.language.as_deref(), call.voice.as_deref()), (Some("en-US"), Some("Polly.Joanna")));
    }

    #[tokio::test]
    async fn test_numbers_end_busy_unanswered_or_failed() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("").await;
        let callback = format!("{hooks}/voice");
        let twiml = "<Response><Say>Hello</Say></Response>";
        for (to, status, code) in [
            ("+966555000001", "busy", None),
            ("+966555000002", "no-answer", None),
            ("+966555000003", "failed", Some(21217)),
        ] {
            let json = h
                .call_ok(&[("To", to), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallback", &callback)])
                .await;
            let sid = json["sid"].as_str().unwrap();
            let done = h.call_ended(sid).await;
            assert_eq!(done["status"], status, "{to}");
            assert!(done["duration"].is_null(), "{to}");
            assert_eq!(h.inbox_call(sid).error_code, code);
            let hook = next_hook(&mut rx).await;
            assert_eq!(hook.get("CallStatus"), Some(status));
            assert_eq!(hook.get("ErrorCode").map(|c| c.parse::<u32>().unwrap()), code);
            assert_eq!(hook.get("CallDuration"), Some("0"));
        }
    }

    #[tokio::test]
    async fn a_voice_not_made_for_the_language_or_broken_twiml_fails_the_call() {
        let h = harness().await;
        let cases = [
            (r#"<Response><Say language="ar-AE" voice="Polly.Joanna">مرحبا</Say></Response>"#, 13511),
            (r#"<Response><Say language="ar-SA" voice="Polly.Zeina">مرحبا</Say></Response>"#, 13511),
            (r#"<Response><Say language="arb" voice="Polly.Zeina">  </Say></Response>"#, 13520),
            ("<Response><Say>Hello</Response>", 12100),
            ("<Speak>Hello</Speak>", 12100),
            ("<Response><Say>Fish & chips</Say></Response>", 12100),
        ];
        for (twiml, code) in cases {
            let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml)]).await;
            let sid = json["sid"].as_str().unwrap();
            assert_eq!(h.call_ended(sid).await["status"], "failed", "{twiml}");
            assert_eq!(h.inbox_call(sid).error_code, Some(code), "{twiml}");
        }
        let arb = r#"<Response><Say language="arb" voice="Polly.Zeina">مرحبا</Say></Response>"#;
        let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", arb)]).await;
        assert_eq!(h.call_ended(json["sid"].as_str().unwrap()).await["status"], "completed");
    }

    #[tokio::test]
    async fn each_invalid_call_is_refused_with_its_twilio_code() {
        let h = harness().await;
        let twiml = "<Response><Say>Hi</Say></Response>";
        let long = format!("<Response><Say>{}</Say></Response>", "a".repeat(4000));
        type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u64);
        let cases: Vec<Case> = vec![
            ("no To", vec![("From", SANDBOX_NUMBER), ("Twiml", twiml)], 21201),
            ("no From", vec![("To", GUARDIAN), ("Twiml", twiml)], 21213),
            ("To without +", vec![("To", "966555001234"), ("From", SANDBOX_NUMBER), ("Twiml", twiml)], 21217),
            ("From a sender name", vec![("To", GUARDIAN), ("From", "WASEL"), ("Twiml", twiml)], 21212),
            ("nothing to run", vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER)], 21205),
            ("Url not a URL", vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Url", "twiml.xml")], 21205),
            ("Twiml over 4000", vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", &long)], 20001),
            ("bad ApplicationSid", vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("ApplicationSid", "AP1")], 21218),
            (
                "unknown event",
                vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallbackEvent", "hangup")],
                20001,
            ),
            (
                "bad StatusCallback",
                vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallback", "x")],
                21609,
            ),
            (
                "bad StatusCallbackMethod",
                vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallbackMethod", "PUT")],
                20001,
            ),
            (
                "bad Timeout",
                vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("Timeout", "soon")],
                20001,
            ),
        ];
        let n = cases.len();
        for (story, form, code) in cases {
            let (status, json) = h.call(&form).await;
            assert_eq!(json["code"], code, "{story}: {json}");
            assert_twilio_error(status, &json, 400, code);
        }
        assert!(h.sims.twilio_voice().calls().is_empty());
        assert_eq!(h.sims.twilio_voice().create_requests(), n);
        let (status, list) = h.get(&h.account_url("Calls.json?PageSize=1")).await;
        assert_eq!((status, list["calls"].as_array().map(Vec::len)), (200, Some(0)), "{list}");

        let wrong = h
            .http
            .post(h.account_url("Calls.json"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some("wrong"))
            .form(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml)])
            .send()
            .await
            .unwrap();
        let status = wrong.status().as_u16();
        assert_twilio_error(status, &wrong.json().await.unwrap(), 401, 20003);
        let other = format!("AC{}", "1".repeat(32));
        let (status, json) = h.post_form(&h.url(&format!("/2010-04-01/Accounts/{other}/Calls.json")), &[]).await;
        assert_twilio_error(status, &json, 401, 20003);
        let (status, json) = h.get(&h.account_url(&format!("Calls/CA{}.json", "0".repeat(32)))).await;
        assert_twilio_error(status, &json, 404, 20404);
    }

    #[tokio::test]
    async fn calls_are_placed_at_the_calls_per_second_and_report_their_queue_time() {
        let h = harness_with(TwilioVoiceOptions {
            cps: 4.0,
            ringing_after: Duration::from_millis(10),
            answered_after: Duration::from_millis(20),
            talk_time: Duration::from_millis(20),
        })
        .await;
        let twiml = "<Response><Say>Hi</Say></Response>";
        let mut queued = Vec::new();
        for _ in 0..3 {
            let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml)]).await;
            queued.push(json["queue_time"].as_str().unwrap().parse::<u64>().unwrap());
        }
        assert_eq!(queued[0], 0);
        // Slots are 250 ms apart from the first placement; each wait is its slot less the time already gone.
        assert!((1..=250).contains(&queued[1]), "{queued:?}");
        assert!(queued[2] > queued[1] && queued[2] <= 500, "{queued:?}");
        let calls = h.sims.twilio_voice().calls();
        let last = h.call_ended(&calls[2].sid).await;
        assert_eq!(last["status"], "completed");
        assert_eq!(last["queue_time"], queued[2].to_string());
    }

    #[tokio::test]
    async fn a_queued_call_can_be_canceled_and_a_live_one_hung_up() {
        let h = harness_with(TwilioVoiceOptions {
            cps: 0.0,
            ringing_after: Duration::from_millis(300),
            answered_after: Duration::from_millis(400),
            talk_time: Duration::from_secs(30),
        })
        .await;
        let (hooks, mut rx) = receiver("").await;
        let callback = format!("{hooks}/voice");
        let twiml = "<Response><Say>Hi</Say></Response>";
        let form = [("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallback", &callback)];

        let sid = h.call_ok(&form).await["sid"].as_str().unwrap().to_owned();
        let url = h.account_url(&format!("Calls/{sid}.json"));
        let (status, json) = h.post_form(&url, &[("Status", "canceled")]).await;
        assert_eq!((status, json["status"].as_str()), (200, Some("canceled")), "{json}");
        assert_eq!(next_hook(&mut rx).await.get("CallStatus"), Some("canceled"));
        let (status, json) = h.post_form(&url, &[("Status", "canceled")]).await;
        assert_twilio_error(status, &json, 400, 21220);
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(h.get(&url).await.1["status"], "canceled", "the timer left it alone");

        let sid = h.call_ok(&form).await["sid"].as_str().unwrap().to_owned();
        let url = h.account_url(&format!("Calls/{sid}.json"));
        h.wait_for(&url, |c| c["status"] == "in-progress").await;
        let (status, json) = h.post_form(&url, &[("Status", "completed")]).await;
        assert_eq!((status, json["status"].as_str()), (200, Some("completed")), "{json}");
        assert_eq!(json["duration"], "1");
        let hook = next_hook(&mut rx).await;
        assert_eq!((hook.get("CallStatus"), hook.get("CallDuration")), (Some("completed"), Some("1")));
        let (status, json) = h.post_form(&url, &[("Status", "busy")]).await;
        assert_twilio_error(status, &json, 400, 20001);
        let (status, json) = h.post_form(&url, &[("Status", "completed")]).await;
        assert_twilio_error(status, &json, 400, 21220);
    }

    #[tokio::test]
    async fn the_twiml_is_fetched_from_the_url_signed_when_the_call_is_answered() {
        let h = harness().await;
        let twiml =
            r#"<Response><Say language="en-GB" voice="Polly.Amy">Your child's lab results are ready.</Say></Response>"#;
        let (hooks, mut rx) = receiver(twiml).await;
        let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Url", &format!("{hooks}/twiml"))]).await;
        let sid = json["sid"].as_str().unwrap();
        let fetch = next_hook(&mut rx).await;
        assert!(fetch.signed);
        assert_eq!(fetch.get("CallSid"), Some(sid));
        assert_eq!(fetch.get("CallStatus"), Some("in-progress"));
        assert_eq!(h.call_ended(sid).await["status"], "completed");
        assert_eq!(h.inbox_call(sid).text, "Your child's lab results are ready.");

        let json = h
            .call_ok(&[
                ("To", GUARDIAN),
                ("From", SANDBOX_NUMBER),
                ("Url", &format!("{hooks}/twiml")),
                ("Method", "GET"),
            ])
            .await;
        let fetch = next_hook(&mut rx).await;
        assert!(fetch.signed, "a GET is signed on its URL");
        assert_eq!(fetch.get("CallSid"), json["sid"].as_str());

        let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Url", "http://127.0.0.1:9/none")]).await;
        let sid = json["sid"].as_str().unwrap();
        assert_eq!(h.call_ended(sid).await["status"], "failed");
        assert_eq!(h.inbox_call(sid).error_code, Some(11200));

        let app = format!("AP{}", "a".repeat(32));
        let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("ApplicationSid", &app)]).await;
        let done = h.call_ended(json["sid"].as_str().unwrap()).await;
        assert_eq!((done["status"].as_str(), done["duration"].as_str()), (Some("completed"), Some("1")));
    }

    #[tokio::test]
    async fn faults_apply_to_calls() {
        let h = harness().await;
        let twiml = "<Response><Say>Hi</Say></Response>";
        let form = [("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml)];
        h.sims.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(3), ..Faults::default() });
        let r = h
            .http
            .post(h.account_url("Calls.json"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some(crate::twilio::SANDBOX_AUTH_TOKEN))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["retry-after"], "3");
        let status = r.status().as_u16();
        assert_twilio_error(status, &r.json().await.unwrap(), 429, 20429);

        h.sims.twilio().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let (status, json) = h.call(&form).await;
        assert_twilio_error(status, &json, 500, 20500);

        h.sims.twilio().set_faults(Faults { down: true, ..Faults::default() });
        let (status, json) = h.call(&form).await;
        assert_twilio_error(status, &json, 503, 20500);

        h.sims.twilio().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let hung = h
            .http
            .post(h.account_url("Calls.json"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some(crate::twilio::SANDBOX_AUTH_TOKEN))
            .form(&form)
            .timeout(Duration::from_millis(200))
            .send()
            .await;
        assert!(hung.unwrap_err().is_timeout());
        assert!(h.sims.twilio_voice().calls().is_empty());
        assert_eq!(h.sims.twilio_voice().create_requests(), 4);
    }

    #[test]
    fn twiml_says_pauses_and_entities_are_read() {
        let script = parse_twiml(ARABIC_TWIML).unwrap();
        assert_eq!(script.says.len(), 2);
        assert_eq!(script.pause_secs, 2);
        assert!(script.says[0].text.contains("العاشرة & النصف"));
        let ssml = r#"<Response><!-- hi --><Say voice='alice' loop="2">One <break time="1s"/>two &#x41;&#66;</Say><Hangup/></Response>"#;
        let script = parse_twiml(ssml).unwrap();
        assert_eq!(script.says[0].text, "One two AB");
        assert_eq!(script.says[0].loops, 2);
        assert_eq!(script.text(), "One two AB\nOne two AB");
        assert_eq!(script.seconds(), 2);
        assert_eq!(parse_twiml("<Response/>").unwrap(), Script::default());
        assert_eq!(Script::default().seconds(), 1);
    }

    #[test]
    fn malformed_twiml_is_a_parse_failure() {
        for bad in [
            "",
            "Hello",
            "<Response>",
            "<Response></Say>",
            "<Response/><Response/>",
            "<Response a=1/>",
            r#"<Response a="1"b="2"/>"#,
            r#"<Response a="1" a="2"/>"#,
            "<Response>&nbsp;</Response>",
            "<Response><Say>a</Say>",
            "<Response></Response>trailing",
        ] {
            assert_eq!(parse_twiml(bad), Err(PARSE_FAILURE), "{bad:?}");
        }
    }
}
