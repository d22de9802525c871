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
//!
//! WhatsApp (`twilio-whatsapp.md`) rides on the same Message resource; the Content API
//! (`content.twilio.com/v1/…`) is served on the same port. Choices where the reference is silent:
//!
//! | case | what the simulator does |
//! |---|---|
//! | one of `To`/`From` has `whatsapp:`, the other not | 400 / **21910** "Invalid From and To pair" |
//! | WhatsApp `From` not an E.164 number after the prefix | 400 / 21212 |
//! | `ContentSid` unknown or not `HX` + 32 hex | 400 / **21655** "The ContentSid is Invalid" (Twilio's code; 21656 is the next row) |
//! | `ContentVariables` not a JSON object of non-empty strings or numbers | 400 / **21656** |
//! | `ContentVariables` without `ContentSid` | 400 / 21654 |
//! | `Body` together with `ContentSid` | `Body` is ignored: the template is sent |
//! | variables missing from `ContentVariables` | the template's default sample values, as Twilio documents |
//! | WhatsApp free text (or a template not `approved`) outside 24 h of the last inbound | 201, then `failed` / **63016** (an unapproved template goes out as a session message inside the window) |
//! | WhatsApp text after rendering > 1,024 chars | 201, then `failed` / **63021** |
//! | WhatsApp `To` ending `0024` / `0003` / `0018` | 201, then `failed` / 63024 / 63003 / 63018 |
//! | WhatsApp `To` on the opt-out list (`POST /_sim/twilio/opt-outs {"to":"whatsapp:+…"}`) | `sent`, then `undelivered` / **63014** (blocked by the user); a bare `+…` opt-out only blocks SMS |
//! | WhatsApp statuses | `queued → sent → delivered → read` on the three SMS step delays (no `sending`); `num_segments` is 1 |
//! | a `ContentSid` sent by SMS | the rendered text is the SMS body (approval is a WhatsApp matter) |
//! | inbound `Body` `STOP` / `START` by SMS | opts the number out / back in, as Twilio's default keywords do |
//! | Content API dates, paging | ISO 8601 UTC; `PageSize` (1–1000, default 50) + `PageToken`; absolute `*_page_url`s from the request's `Host` |
//! | template sids | `HX` + the first 32 hex of SHA-1(`name:language`): stable across restarts |

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
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
/// The sandbox's own number: the WhatsApp sender (as `whatsapp:+…`), the caller ID for calls and where
/// inbound SMS arrive.
pub const SANDBOX_NUMBER: &str = "+966555000100";
/// The channel prefix of WhatsApp addresses.
pub const WHATSAPP_PREFIX: &str = "whatsapp:";

const API_VERSION: &str = "2010-04-01";
const MAX_BODY_CHARS: usize = 1600;
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;
/// Twilio gives a callback receiver about this long.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(15);
/// Status changes applied per lock hold, so creates are not starved while a big backlog drains.
const TIMER_BATCH: usize = 512;
const MAX_SCHEDULE_AHEAD: chrono::TimeDelta = chrono::TimeDelta::days(35);
/// WhatsApp's customer-service window after the recipient's last inbound message.
const SESSION_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// Longest WhatsApp text (template text with its parameters included).
const MAX_WHATSAPP_CHARS: usize = 1024;

/// Credentials and the delays from create to each later status.
#[derive(Clone)]
pub struct TwilioOptions {
    pub account_sid: String,
    pub auth_token: String,
    pub sending_after: Duration,
    pub sent_after: Duration,
    /// For WhatsApp this is when `read` comes (after `delivered` at `sent_after`).
    pub delivered_after: Duration,
    /// Where inbound messages (`POST /_sim/twilio/inbound`) are posted, as a number's "A message comes in"
    /// webhook; also settable with `PUT /_sim/twilio/webhooks`.
    pub inbound_url: Option<String>,
}

impl Default for TwilioOptions {
    fn default() -> Self {
        Self {
            account_sid: SANDBOX_ACCOUNT_SID.to_owned(),
            auth_token: SANDBOX_AUTH_TOKEN.to_owned(),
            sending_after: Duration::from_millis(150),
            sent_after: Duration::from_millis(400),
            delivered_after: Duration::from_millis(900),
            inbound_url: None,
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
            .field("inbound_url", &self.inbound_url)
            .finish()
    }
}

/// One accepted message as the sandbox inbox shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimMessage {
    pub sid: String,
    /// As given, so `whatsapp:+9665…` for WhatsApp.
    pub to: String,
    pub from: String,
    /// What the recipient reads: for a template, its text with the variables filled in.
    pub body: String,
    #[serde(default)]
    pub channel: Channel,
    /// The Content template's name, when sent with `ContentSid`.
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub content_sid: Option<String>,
    /// The current status.
    pub status: String,
    pub num_segments: u32,
    pub error_code: Option<u32>,
    pub status_callback: Option<String>,
    pub date_created: DateTime<Utc>,
}

/// Which channel a message went by, from the `whatsapp:` prefix of its addresses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    #[default]
    Sms,
    Whatsapp,
}

/// One message a guardian sent to the centre (`POST /_sim/twilio/inbound`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InboundMessage {
    pub sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    pub channel: Channel,
    pub profile_name: Option<String>,
    pub date_received: DateTime<Utc>,
    /// The HTTP status the inbound webhook answered, `None` when none is set or it could not be reached.
    pub webhook_status: Option<u16>,
}

/// What `POST /_sim/twilio/inbound` takes: who writes (`whatsapp:+9665…` or `+9665…`) and what.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Inbound {
    pub from: String,
    pub body: String,
    /// Defaults to the sandbox number (with `whatsapp:` when `from` has it).
    #[serde(default)]
    pub to: Option<String>,
    /// The WhatsApp profile name; defaults to "Guardian".
    #[serde(default)]
    pub profile_name: Option<String>,
    /// When it was received; defaults to now. An earlier time lets a test put a window in the past.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// A Content template's WhatsApp approval status, spelled as Twilio's `approval_requests.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateApproval {
    Unsubmitted,
    Received,
    Pending,
    Approved,
    Rejected,
    Paused,
    Disabled,
}

/// A Content template (`twilio/text`) as the debug route shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimTemplate {
    /// `HX` + 32 hex.
    pub sid: String,
    /// The friendly name, also the name submitted to WhatsApp.
    pub name: String,
    /// `ar`, `en`.
    pub language: String,
    /// `UTILITY`, `MARKETING`, `AUTHENTICATION`.
    pub category: String,
    pub status: TemplateApproval,
    pub rejection_reason: String,
    /// With `{{1}}`-style placeholders.
    pub body: String,
    /// Default values for the placeholders.
    pub variables: BTreeMap<String, String>,
    pub date_created: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
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
    ContentSidRequired,
    InvalidContentSid,
    InvalidContentVariables,
    ChannelMismatch,
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
            Self::ContentSidRequired => {
                (21654, S::BAD_REQUEST, "A ContentSid must be specified if ContentVariables are provided")
            }
            Self::InvalidContentSid => (21655, S::BAD_REQUEST, "The ContentSid is Invalid"),
            Self::InvalidContentVariables => (21656, S::BAD_REQUEST, "The ContentVariables Parameter is invalid"),
            Self::ChannelMismatch => {
                (21910, S::BAD_REQUEST, "Invalid From and To pair. From and To should be of the same channel")
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

/// Twilio's error JSON: `{code, message, more_info, status}`.
pub(crate) fn error_body(code: u32, status: StatusCode, message: &str) -> Response {
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

pub(crate) fn fault_response(fault: Fault) -> Response {
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
    /// Addresses as given (`+9665…` blocks SMS, `whatsapp:+9665…` blocks WhatsApp).
    opted_out: HashSet<String>,
    received: usize,
    /// Last inbound WhatsApp message per bare E.164 number: opens the 24 h window.
    last_inbound: HashMap<String, DateTime<Utc>>,
    inbound: Vec<InboundMessage>,
    inbound_url: Option<String>,
    templates: Vec<SimTemplate>,
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
    /// The error the message ends with, from the test-number suffixes and the WhatsApp rules.
    fate: Option<Fate>,
    deleted: bool,
}

/// How a message is going to fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fate {
    code: u32,
    message: &'static str,
    /// `failed` at the first step (it never left Twilio) rather than `undelivered` at the last one.
    early: bool,
}

impl Fate {
    const fn early(code: u32, message: &'static str) -> Self {
        Self { code, message, early: true }
    }

    const fn late(code: u32, message: &'static str) -> Self {
        Self { code, message, early: false }
    }
}

/// One status callback to post.
struct Callback {
    url: String,
    params: Vec<(String, String)>,
    sid: String,
    status: &'static str,
}

fn is_final(status: &str) -> bool {
    matches!(status, "delivered" | "undelivered" | "failed" | "canceled" | "read")
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
        let store = Store { inbound_url: opts.inbound_url, templates: seed_templates(Utc::now()), ..Store::default() };
        let sim = Self {
            shared: Arc::new(Shared {
                account_sid: opts.account_sid,
                auth_token: opts.auth_token,
                delays: [sending, sent, delivered],
                state: Mutex::new(store),
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

    /// Forgets every message (inbound ones and the WhatsApp windows they opened too) and resets both
    /// counters. Opt-outs, templates, the webhook and faults are settings and stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.by_sid.clear();
        state.received = 0;
        state.inbound.clear();
        state.last_inbound.clear();
        for stage in &mut state.stages {
            stage.clear();
        }
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }

    /// A guardian writes to the centre. The message is recorded; by WhatsApp it opens (or extends) the
    /// 24 h window for that number, by SMS `STOP`/`START` opt the number out/in. When an inbound webhook
    /// is set, Twilio's inbound form is posted to it, signed, before this returns.
    /// Err says what is wrong with `from`/`to`.
    pub async fn receive(&self, inbound: Inbound) -> Result<InboundMessage, &'static str> {
        let shared = &self.shared;
        let (channel, number) = split_address(&inbound.from);
        if !is_e164(number) {
            return Err("from must be an E.164 number, optionally prefixed with whatsapp:");
        }
        let to = inbound.to.unwrap_or_else(|| match channel {
            Channel::Whatsapp => format!("{WHATSAPP_PREFIX}{SANDBOX_NUMBER}"),
            Channel::Sms => SANDBOX_NUMBER.to_owned(),
        });
        let (to_channel, to_number) = split_address(&to);
        if to_channel != channel || !is_e164(to_number) {
            return Err("to must be an E.164 number of the same channel as from");
        }
        let at = inbound.at.unwrap_or_else(Utc::now);
        let profile_name = match channel {
            Channel::Whatsapp => Some(inbound.profile_name.unwrap_or_else(|| "Guardian".to_owned())),
            Channel::Sms => None,
        };
        let mut message = InboundMessage {
            sid: new_sid("SM"),
            from: inbound.from.clone(),
            to,
            body: inbound.body,
            channel,
            profile_name,
            date_received: at,
            webhook_status: None,
        };
        let url = {
            let mut state = lock(&shared.state);
            match channel {
                Channel::Whatsapp => {
                    let last = state.last_inbound.entry(number.to_owned()).or_insert(at);
                    *last = (*last).max(at);
                }
                // Twilio's default opt-out and opt-in keywords.
                Channel::Sms => match message.body.trim().to_ascii_uppercase().as_str() {
                    "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => {
                        state.opted_out.insert(number.to_owned());
                    }
                    "START" | "YES" | "UNSTOP" => {
                        state.opted_out.remove(number);
                    }
                    _ => {}
                },
            }
            state.inbound.push(message.clone());
            state.inbound_url.clone()
        };
        tracing::debug!(sid = %message.sid, from = %mask_phone(number), ?channel, "twilio sim: inbound message");
        if let Some(url) = url {
            let params = shared.inbound_params(&message);
            message.webhook_status = match shared.webhook(&axum::http::Method::POST, &url, &params).await {
                Ok(response) => Some(response.status().as_u16()),
                Err(error) => {
                    tracing::warn!(sid = %message.sid, error = %error.without_url(), "twilio sim: inbound webhook failed");
                    None
                }
            };
            let mut state = lock(&shared.state);
            if let Some(stored) = state.inbound.iter_mut().rev().find(|m| m.sid == message.sid) {
                stored.webhook_status = message.webhook_status;
            }
        }
        Ok(message)
    }

    /// Every inbound message, oldest first.
    pub fn inbound_messages(&self) -> Vec<InboundMessage> {
        lock(&self.shared.state).inbound.clone()
    }

    /// Moves (or with `None` closes) the WhatsApp window of a bare E.164 number: the window is open for
    /// 24 h after `at`.
    pub fn set_last_inbound(&self, e164: &str, at: Option<DateTime<Utc>>) {
        let mut state = lock(&self.shared.state);
        match at {
            Some(at) => state.last_inbound.insert(e164.to_owned(), at),
            None => state.last_inbound.remove(e164),
        };
    }

    pub fn set_inbound_url(&self, url: Option<String>) {
        lock(&self.shared.state).inbound_url = url;
    }

    pub fn inbound_url(&self) -> Option<String> {
        lock(&self.shared.state).inbound_url.clone()
    }

    /// The Content templates, in creation order.
    pub fn templates(&self) -> Vec<SimTemplate> {
        lock(&self.shared.state).templates.clone()
    }

    /// The template with this name in this language (`ar`, `en`).
    pub fn template(&self, name: &str, language: &str) -> Option<SimTemplate> {
        lock(&self.shared.state).templates.iter().find(|t| t.name == name && t.language == language).cloned()
    }

    /// Sets a template's WhatsApp approval status, as Meta's review would. False when no such template.
    pub fn set_template_status(&self, sid: &str, status: TemplateApproval) -> bool {
        let mut state = lock(&self.shared.state);
        let Some(template) = state.templates.iter_mut().find(|t| t.sid == sid) else {
            return false;
        };
        template.status = status;
        template.rejection_reason = match status {
            TemplateApproval::Rejected => "Rejected by the simulator".to_owned(),
            _ => String::new(),
        };
        template.date_updated = Utc::now();
        true
    }

    // For the voice simulator, which shares this account, its faults and its webhook signing.

    /// The 401 to answer with, unless the request carries this account's credentials.
    pub(crate) fn refusal(&self, path_account: &str, headers: &HeaderMap) -> Option<Response> {
        self.shared.authorize(path_account, headers).err().map(IntoResponse::into_response)
    }

    /// The fault to answer with instead of serving the request, if one is rolled.
    pub(crate) async fn injected_fault(&self, path: &str) -> Option<Response> {
        let fault = self.shared.faults.apply(&self.shared.stopped).await?;
        tracing::debug!(?fault, path, "twilio sim: fault injected");
        Some(fault_response(fault))
    }

    pub(crate) fn stopped(&self) -> watch::Receiver<bool> {
        self.shared.stopped.clone()
    }

    /// Sends a webhook request signed like Twilio's: a signed form for POST, signed query for GET.
    pub(crate) async fn send_webhook(
        &self,
        method: &axum::http::Method,
        url: &str,
        params: &[(String, String)],
    ) -> Result<reqwest::Response, reqwest::Error> {
        self.shared.webhook(method, url, params).await
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
        // content.twilio.com
        .route("/v1/ContentAndApprovals", get(list_content_and_approvals))
        .route("/v1/Content", get(list_content))
        .route("/v1/Content/{sid}", get(fetch_content))
        .route("/v1/Content/{sid}/ApprovalRequests", get(fetch_approval))
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim)
}

crate::debug::inspect!(TwilioSim, SimMessage, "twilio", opt_out);

/// `/_sim/twilio/...`: the sandbox inbox and Twilio-only switches, inbound messages, the inbound
/// webhook and the Content templates.
pub(crate) fn debug_routes(sim: TwilioSim) -> Router {
    crate::debug::routes::<TwilioSim>()
        .route("/inbound", get(list_inbound).post(post_inbound))
        .route("/webhooks", get(get_webhooks).put(put_webhooks))
        .route("/templates", get(list_templates))
        .route("/templates/{sid}", put(put_template))
        .with_state(sim)
}

async fn list_inbound(State(sim): State<TwilioSim>) -> Json<Vec<InboundMessage>> {
    Json(sim.inbound_messages())
}

async fn post_inbound(State(sim): State<TwilioSim>, Json(inbound): Json<Inbound>) -> Response {
    match sim.receive(inbound).await {
        Ok(message) => (StatusCode::CREATED, Json(message)).into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response(),
    }
}

#[derive(Serialize, Deserialize)]
struct Webhooks {
    inbound_url: Option<String>,
}

async fn get_webhooks(State(sim): State<TwilioSim>) -> Json<Webhooks> {
    Json(Webhooks { inbound_url: sim.inbound_url() })
}

async fn put_webhooks(State(sim): State<TwilioSim>, Json(hooks): Json<Webhooks>) -> Response {
    if let Some(url) = &hooks.inbound_url
        && !is_http_url(url)
    {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "inbound_url must be an http(s) URL" })))
            .into_response();
    }
    sim.set_inbound_url(hooks.inbound_url);
    StatusCode::NO_CONTENT.into_response()
}

async fn list_templates(State(sim): State<TwilioSim>) -> Json<Vec<SimTemplate>> {
    Json(sim.templates())
}

#[derive(Deserialize)]
struct TemplateUpdate {
    status: TemplateApproval,
}

async fn put_template(
    State(sim): State<TwilioSim>,
    Path(sid): Path<String>,
    Json(update): Json<TemplateUpdate>,
) -> StatusCode {
    if sim.set_template_status(&sid, update.status) { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
}

/// Counts create requests, then applies the faults before anything else (auth included).
async fn gate(State(sim): State<TwilioSim>, req: Request, next: Next) -> Response {
    if req.method() == axum::http::Method::POST && req.uri().path().ends_with("/Messages.json") {
        sim.shared.create_requests.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(response) = sim.injected_fault(req.uri().path()).await {
        return response;
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
    channel: Channel,
    /// As given, so with the `whatsapp:` prefix for WhatsApp.
    to: String,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    body: String,
    content: Option<ContentRequest>,
    status_callback: Option<String>,
    num_media: usize,
    send_at: Option<DateTime<Utc>>,
}

/// A template send: which template, and values for its placeholders.
struct ContentRequest {
    sid: String,
    variables: BTreeMap<String, String>,
}

fn validate(params: &Params, now: DateTime<Utc>) -> Result<NewMessage, ApiError> {
    let to = param(params, "To").ok_or(ApiError::MissingTo)?;
    let (channel, to_number) = split_address(to);
    if !is_e164(to_number) {
        return Err(ApiError::InvalidTo);
    }
    let from = param(params, "From");
    let service = param(params, "MessagingServiceSid");
    if from.is_none() && service.is_none() {
        return Err(ApiError::MissingFrom);
    }
    if let Some(from) = from {
        let (from_channel, from_address) = split_address(from);
        if from_channel != channel {
            return Err(ApiError::ChannelMismatch);
        }
        let valid = match channel {
            Channel::Whatsapp => is_e164(from_address),
            Channel::Sms => is_e164(from) || is_alphanumeric_sender(from) || is_short_code(from),
        };
        if !valid {
            return Err(ApiError::InvalidFrom);
        }
    }
    let num_media = params.iter().filter(|(n, v)| n == "MediaUrl" && !v.is_empty()).count();
    let content = parse_content(params)?;
    let body = param(params, "Body").unwrap_or_default();
    if body.is_empty() && num_media == 0 && content.is_none() {
        return Err(ApiError::MissingBody);
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::BodyTooLong);
    }
    let status_callback = param(params, "StatusCallback");
    if let Some(url) = status_callback
        && !is_http_url(url)
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
        channel,
        to: to.to_owned(),
        from: from.map(str::to_owned),
        messaging_service_sid: service.map(str::to_owned),
        body: body.to_owned(),
        content,
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
    if new.channel == Channel::Sms && new.to.starts_with("+9661") {
        return ApiError::NotMobile.into_response();
    }
    let sid = new_sid("SM");
    let status = match (&new.messaging_service_sid, new.send_at) {
        (_, Some(_)) => "scheduled",
        (Some(_), None) => "accepted",
        (None, None) => "queued",
    };

    let (resource, wake) = {
        let mut state = lock(&shared.state);
        // (text, template name, whether the text may only go out inside the WhatsApp window)
        let (body, template, needs_window) = match &new.content {
            None => (new.body, None, true),
            Some(content) => {
                let Some(t) = state.templates.iter().find(|t| t.sid == content.sid) else {
                    return ApiError::InvalidContentSid.into_response();
                };
                (t.render(&content.variables), Some(t.name.clone()), t.status != TemplateApproval::Approved)
            }
        };
        let fate = match new.channel {
            Channel::Sms => {
                if state.opted_out.contains(&new.to) {
                    return ApiError::OptedOut.into_response();
                }
                // Only a rendered template can get here with too long a text.
                if body.chars().count() > MAX_BODY_CHARS {
                    return ApiError::BodyTooLong.into_response();
                }
                sms_fate(&new.to)
            }
            Channel::Whatsapp => whatsapp_fate(&state, &new.to, &body, needs_window, now),
        };
        let num_segments = match new.channel {
            Channel::Sms => segments::num_segments(&body),
            Channel::Whatsapp => 1,
        };
        let default_from = match new.channel {
            Channel::Sms => SANDBOX_FROM.to_owned(),
            Channel::Whatsapp => format!("{WHATSAPP_PREFIX}{SANDBOX_NUMBER}"),
        };
        let mut record = Record {
            msg: SimMessage {
                sid: sid.clone(),
                to: new.to,
                from: new.from.clone().unwrap_or(default_from),
                body,
                channel: new.channel,
                template,
                content_sid: new.content.map(|c| c.sid),
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
        // Stamped under the lock so creation times follow creation order, as the list relies on.
        record.msg.date_created = Utc::now();
        record.date_updated = record.msg.date_created;
        let seq = state.records.len();
        let resource = shared.resource(&record);
        tracing::debug!(
            sid = %sid,
            to = %mask_phone(&record.msg.to),
            channel = ?record.msg.channel,
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

/// The template fields of a create: `ContentSid` (well-formed) and `ContentVariables`.
fn parse_content(params: &Params) -> Result<Option<ContentRequest>, ApiError> {
    let variables = param(params, "ContentVariables");
    let Some(sid) = param(params, "ContentSid") else {
        return match variables {
            Some(_) => Err(ApiError::ContentSidRequired),
            None => Ok(None),
        };
    };
    if !is_sid(sid, "HX") {
        return Err(ApiError::InvalidContentSid);
    }
    let variables = match variables {
        None => BTreeMap::new(),
        Some(json) => parse_content_variables(json).ok_or(ApiError::InvalidContentVariables)?,
    };
    Ok(Some(ContentRequest { sid: sid.to_owned(), variables }))
}

/// `{"1":"Ahmad","2":10}` → its values as text; None unless a JSON object of non-empty strings or numbers.
fn parse_content_variables(json: &str) -> Option<BTreeMap<String, String>> {
    let Value::Object(map) = serde_json::from_str::<Value>(json).ok()? else {
        return None;
    };
    map.into_iter()
        .map(|(key, value)| match value {
            Value::String(s) if !s.is_empty() => Some((key, s)),
            Value::Number(n) => Some((key, n.to_string())),
            _ => None,
        })
        .collect()
}

/// The SMS test numbers: `…0003` and `…0006` end undelivered.
fn sms_fate(to: &str) -> Option<Fate> {
    if to.ends_with("0003") {
        Some(Fate::late(30003, "Unreachable destination handset"))
    } else if to.ends_with("0006") {
        Some(Fate::late(30006, "Landline or unreachable carrier"))
    } else {
        None
    }
}

/// How a WhatsApp message will end (module docs); the first rule that applies wins.
fn whatsapp_fate(state: &Store, to: &str, text: &str, needs_window: bool, now: DateTime<Utc>) -> Option<Fate> {
    let (_, number) = split_address(to);
    let in_window = state.last_inbound.get(number).is_some_and(|&at| now - at < SESSION_WINDOW);
    if text.chars().count() > MAX_WHATSAPP_CHARS {
        Some(Fate::early(63021, "Channel invalid content error"))
    } else if needs_window && !in_window {
        Some(Fate::early(
            63016,
            "Failed to send freeform message because you are outside the allowed window. \
             If you are using WhatsApp, please use a Message Template.",
        ))
    } else if number.ends_with("0024") {
        Some(Fate::early(63024, "Invalid message recipient"))
    } else if number.ends_with("0003") {
        Some(Fate::early(63003, "Channel could not find To address"))
    } else if number.ends_with("0018") {
        Some(Fate::early(63018, "Rate limit exceeded for Channel"))
    } else if state.opted_out.contains(to) {
        Some(Fate::late(63014, "Channel could not deliver message: the user has blocked the sender"))
    } else {
        None
    }
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
// Content API (content.twilio.com)

async fn list_content_and_approvals(
    State(sim): State<TwilioSim>,
    headers: HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    list_contents(&sim, &headers, query, "/v1/ContentAndApprovals", true)
}

async fn list_content(
    State(sim): State<TwilioSim>,
    headers: HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    list_contents(&sim, &headers, query, "/v1/Content", false)
}

/// Both lists page alike: `PageSize`, `Page`, and `PageToken` = `PT` + the hex offset.
fn list_contents(
    sim: &TwilioSim,
    headers: &HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
    path: &str,
    with_approvals: bool,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&shared.account_sid, headers) {
        return e.into_response();
    }
    let params = query.map(|Query(p)| p).unwrap_or_default();
    let page_size = match param(&params, "PageSize").map(str::parse::<usize>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => return ApiError::InvalidParameter.into_response(),
    };
    let Ok(page) = param(&params, "Page").map_or(Ok(0), str::parse::<usize>) else {
        return ApiError::InvalidParameter.into_response();
    };
    let offset = match param(&params, "PageToken") {
        None => page * page_size,
        Some(token) => match token.strip_prefix("PT").and_then(|hex| usize::from_str_radix(hex, 16).ok()) {
            Some(offset) => offset,
            None => return ApiError::InvalidParameter.into_response(),
        },
    };
    let origin = origin(headers);
    let page_url = |page: usize, offset: Option<usize>| {
        let token = offset.map(|o| format!("&PageToken=PT{o:x}")).unwrap_or_default();
        format!("{origin}{path}?PageSize={page_size}&Page={page}{token}")
    };
    let state = lock(&shared.state);
    let total = state.templates.len();
    let contents: Vec<Value> = state
        .templates
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|t| shared.content_json(t, &origin, with_approvals))
        .collect();
    let next = (offset + page_size < total).then(|| page_url(page + 1, Some(offset + page_size)));
    let previous = (offset > 0).then(|| page_url(page.saturating_sub(1), Some(offset.saturating_sub(page_size))));
    let this = page_url(page, param(&params, "PageToken").map(|_| offset));
    Json(json!({
        "contents": contents,
        "meta": {
            "page": page,
            "page_size": page_size,
            "first_page_url": page_url(0, None),
            "previous_page_url": previous,
            "url": this,
            "next_page_url": next,
            "key": "contents",
        },
    }))
    .into_response()
}

async fn fetch_content(
    State(sim): State<TwilioSim>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&shared.account_sid, &headers) {
        return e.into_response();
    }
    let state = lock(&shared.state);
    match state.templates.iter().find(|t| t.sid == sid) {
        Some(t) => Json(shared.content_json(t, &origin(&headers), false)).into_response(),
        None => not_found_response(uri.path()),
    }
}

async fn fetch_approval(
    State(sim): State<TwilioSim>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&shared.account_sid, &headers) {
        return e.into_response();
    }
    let state = lock(&shared.state);
    match state.templates.iter().find(|t| t.sid == sid) {
        Some(t) => Json(json!({
            "sid": t.sid,
            "account_sid": shared.account_sid,
            "whatsapp": approval_json(t),
            "url": format!("{}/v1/Content/{}/ApprovalRequests", origin(&headers), t.sid),
        }))
        .into_response(),
        None => not_found_response(uri.path()),
    }
}

impl Shared {
    /// A Content resource; with `approval_requests` as `ContentAndApprovals` lists it, else with its links.
    fn content_json(&self, t: &SimTemplate, origin: &str, with_approvals: bool) -> Value {
        let mut content = json!({
            "account_sid": self.account_sid,
            "date_created": iso8601(t.date_created),
            "date_updated": iso8601(t.date_updated),
            "friendly_name": t.name,
            "language": t.language,
            "sid": t.sid,
            "types": { "twilio/text": { "body": t.body } },
            "variables": t.variables,
        });
        if with_approvals {
            content["approval_requests"] = approval_json(t);
        } else {
            let url = format!("{origin}/v1/Content/{}", t.sid);
            content["links"] = json!({
                "approval_create": format!("{url}/ApprovalRequests/whatsapp"),
                "approval_fetch": format!("{url}/ApprovalRequests"),
            });
            content["url"] = Value::String(url);
        }
        content
    }
}

fn approval_json(t: &SimTemplate) -> Value {
    json!({
        "name": t.name,
        "category": t.category,
        "content_type": "twilio/text",
        "status": t.status,
        "rejection_reason": t.rejection_reason,
        "allow_category_change": true,
    })
}

/// `http://host:port` from the request, so page URLs lead back to this simulator.
fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("content.twilio.com");
    format!("http://{host}")
}

fn iso8601(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `HX` + the first 32 hex digits of SHA-1(`name:language`), so a template keeps its sid across restarts.
fn template_sid(name: &str, language: &str) -> String {
    let digest = Sha1::digest(format!("{name}:{language}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("HX{hex}")
}

/// The templates a fresh sandbox has: reminders and cancellations approved in both languages, a payment
/// notice still pending and a promotion WhatsApp rejected.
fn seed_templates(now: DateTime<Utc>) -> Vec<SimTemplate> {
    use TemplateApproval::{Approved, Pending, Rejected};
    /// (name, language, category, status, body, default values)
    type Seed<'a> = (&'a str, &'a str, &'a str, TemplateApproval, &'a str, &'a [&'a str]);
    let seeds: [Seed; 6] = [
        (
            "appointment_reminder",
            "ar",
            "UTILITY",
            Approved,
            "تذكير: موعد {{1}} يوم {{2}} الساعة {{3}} في مركز واصل.",
            &["جلسة النطق", "الأحد", "10:30"],
        ),
        (
            "appointment_reminder",
            "en",
            "UTILITY",
            Approved,
            "Reminder: {{1}} appointment on {{2}} at {{3}} at Wasel centre.",
            &["speech therapy", "Sunday", "10:30"],
        ),
        (
            "session_cancelled",
            "ar",
            "UTILITY",
            Approved,
            "نعتذر، أُلغيت جلسة {{1}} يوم {{2}}. سنتواصل معكم لتحديد موعد بديل.",
            &["العلاج الوظيفي", "الثلاثاء"],
        ),
        (
            "session_cancelled",
            "en",
            "UTILITY",
            Approved,
            "Sorry, the {{1}} session on {{2}} is cancelled. We will contact you to arrange another time.",
            &["occupational therapy", "Tuesday"],
        ),
        ("payment_due", "ar", "UTILITY", Pending, "تذكير: مبلغ {{1}} ريال مستحق قبل {{2}}.", &["1500", "2026-12-01"]),
        (
            "promo_offer",
            "en",
            "MARKETING",
            Rejected,
            "Enjoy {{1}}% off summer club registration until {{2}}!",
            &["20", "June 30"],
        ),
    ];
    seeds
        .into_iter()
        .map(|(name, language, category, status, body, defaults)| SimTemplate {
            sid: template_sid(name, language),
            name: name.to_owned(),
            language: language.to_owned(),
            category: category.to_owned(),
            status,
            rejection_reason: match status {
                Rejected => "The template looks promotional for its category".to_owned(),
                _ => String::new(),
            },
            body: body.to_owned(),
            variables: defaults.iter().enumerate().map(|(i, v)| ((i + 1).to_string(), (*v).to_owned())).collect(),
            date_created: now,
            date_updated: now,
        })
        .collect()
}

impl SimTemplate {
    /// The text with each `{{key}}` replaced by its value, or by the default when the value is missing.
    fn render(&self, values: &BTreeMap<String, String>) -> String {
        let mut out = String::with_capacity(self.body.len());
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                break;
            };
            out.push_str(&rest[..start]);
            let key = after[..end].trim();
            match values.get(key).or_else(|| self.variables.get(key)) {
                Some(value) => out.push_str(value),
                None => out.push_str(&rest[start..start + end + 4]),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

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
        let whatsapp = rec.msg.channel == Channel::Whatsapp;
        let mut changes: Vec<&'static str> = Vec::with_capacity(2);
        // SMS: sending, sent, delivered. WhatsApp has no `sending`: sent, delivered, read.
        match (stage, rec.msg.status.as_str(), whatsapp) {
            (0, "accepted" | "queued", _) => {
                if rec.msg.status == "accepted" {
                    changes.push("queued");
                }
                match rec.fate.filter(|f| f.early) {
                    Some(fate) => {
                        rec.msg.error_code = Some(fate.code);
                        rec.error_message = Some(fate.message);
                        changes.push("failed");
                    }
                    None if whatsapp => {
                        changes.push("sent");
                        rec.date_sent = Some(now);
                    }
                    None => changes.push("sending"),
                }
            }
            (1, "sending", false) => {
                changes.push("sent");
                rec.date_sent = Some(now);
            }
            (1, "sent", true) | (2, "sent", false) => match rec.fate {
                Some(fate) => {
                    rec.msg.error_code = Some(fate.code);
                    rec.error_message = Some(fate.message);
                    changes.push("undelivered");
                }
                None => changes.push("delivered"),
            },
            (2, "delivered", true) => changes.push("read"),
            // Failed, canceled, deleted or cleared meanwhile: nothing more happens to it.
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
        match rec.msg.channel {
            Channel::Sms if matches!(status, "delivered" | "undelivered") => {
                // Carriers' receipt time, YYMMDDhhmm; Twilio passes it through on final statuses.
                params.push(("RawDlrDoneDate".into(), Utc::now().format("%y%m%d%H%M").to_string()));
            }
            Channel::Sms => {}
            Channel::Whatsapp => {
                let (_, number) = split_address(&rec.msg.to);
                params.push(("ChannelPrefix".into(), "whatsapp".into()));
                params.push(("ChannelToAddress".into(), number.to_owned()));
            }
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
        match shared.webhook(&axum::http::Method::POST, &cb.url, &cb.params).await {
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

impl Shared {
    /// One webhook request as Twilio sends it: POST signs the form fields, GET carries them in the query
    /// and signs the full URL alone.
    async fn webhook(
        &self,
        method: &axum::http::Method,
        url: &str,
        params: &[(String, String)],
    ) -> Result<reqwest::Response, reqwest::Error> {
        let request = if method == axum::http::Method::GET {
            let mut full = reqwest::Url::parse(url).ok();
            if let Some(full) = &mut full {
                full.query_pairs_mut().extend_pairs(params);
            }
            let full = full.map_or_else(|| url.to_owned(), String::from);
            let signature = twilio_signature(&self.auth_token, &full, &[]);
            self.http.get(&full).header("X-Twilio-Signature", signature)
        } else {
            let signature = twilio_signature(&self.auth_token, url, params);
            self.http.post(url).header("X-Twilio-Signature", signature).form(params)
        };
        request.header("I-Twilio-Idempotency-Token", new_sid("")).send().await
    }

    /// The form of Twilio's "a message comes in" webhook.
    fn inbound_params(&self, m: &InboundMessage) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = vec![
            ("MessageSid".into(), m.sid.clone()),
            ("SmsMessageSid".into(), m.sid.clone()),
            ("SmsSid".into(), m.sid.clone()),
            ("AccountSid".into(), self.account_sid.clone()),
            ("From".into(), m.from.clone()),
            ("To".into(), m.to.clone()),
            ("Body".into(), m.body.clone()),
            ("NumMedia".into(), "0".into()),
            ("NumSegments".into(), "1".into()),
            ("SmsStatus".into(), "received".into()),
            ("ApiVersion".into(), API_VERSION.into()),
        ];
        if m.channel == Channel::Whatsapp {
            let (_, number) = split_address(&m.from);
            params.push(("ProfileName".into(), m.profile_name.clone().unwrap_or_default()));
            params.push(("WaId".into(), number.trim_start_matches('+').to_owned()));
            params.push(("MessageType".into(), "text".into()));
        }
        params
    }
}

// ---------------------------------------------------------------------------------------------
// Small parsers

/// `whatsapp:+9665…` → (WhatsApp, `+9665…`); anything else is an SMS address as it stands.
pub(crate) fn split_address(address: &str) -> (Channel, &str) {
    match address.strip_prefix(WHATSAPP_PREFIX) {
        Some(number) => (Channel::Whatsapp, number),
        None => (Channel::Sms, address),
    }
}

/// `^\+[1-9]\d{7,14}$`
pub(crate) fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

/// `prefix` + 32 hex digits, as every Twilio sid.
pub(crate) fn is_sid(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An absolute http(s) URL with a host, as Twilio wants for callbacks.
pub(crate) fn is_http_url(s: &str) -> bool {
    reqwest::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
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

pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
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
pub(crate) fn new_sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

pub(crate) fn rfc2822(t: DateTime<Utc>) -> String {
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

/// What the WhatsApp, Content and voice tests share: a started simulator and a webhook receiver.
#[cfg(test)]
pub(crate) mod testing {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use axum::extract::State;
    use axum::http::{HeaderMap, Method, Uri};
    use axum::routing::any;
    use axum::{Form, Router};
    use serde_json::Value;
    use tokio::sync::mpsc;

    use super::{SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, TwilioOptions, twilio_signature};
    use crate::twilio_voice::TwilioVoiceOptions;
    use crate::{SimOptions, Simulators};

    pub(crate) struct Harness {
        pub(crate) sims: Simulators,
        pub(crate) http: reqwest::Client,
    }

    /// Simulators with fast timers: messages move every few tens of milliseconds, calls are not paced.
    pub(crate) async fn harness() -> Harness {
        harness_with(TwilioVoiceOptions {
            cps: 0.0,
            ringing_after: Duration::from_millis(10),
            answered_after: Duration::from_millis(30),
            talk_time: Duration::from_millis(30),
        })
        .await
    }

    pub(crate) async fn harness_with(voice: TwilioVoiceOptions) -> Harness {
        let sims = crate::start(SimOptions {
            twilio: TwilioOptions {
                sending_after: Duration::from_millis(10),
                sent_after: Duration::from_millis(25),
                delivered_after: Duration::from_millis(40),
                ..TwilioOptions::default()
            },
            twilio_voice: voice,
            ..SimOptions::default()
        })
        .await
        .unwrap();
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
        Harness { sims, http }
    }

    impl Harness {
        pub(crate) fn url(&self, path: &str) -> String {
            format!("{}{path}", self.sims.base_url())
        }

        pub(crate) fn account_url(&self, rest: &str) -> String {
            self.url(&format!("/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/{rest}"))
        }

        pub(crate) async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> (u16, Value) {
            let response =
                self.http.post(url).basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN)).form(form).send().await;
            let response = response.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        }

        pub(crate) async fn get(&self, url: &str) -> (u16, Value) {
            let response =
                self.http.get(url).basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN)).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        }

        /// Polls `url` until `done` holds for its JSON (or a generous deadline passes).
        pub(crate) async fn wait_for(&self, url: &str, done: impl Fn(&Value) -> bool) -> Value {
            for _ in 0..300 {
                let (status, json) = self.get(url).await;
                assert_eq!(status, 200, "{json}");
                if done(&json) {
                    return json;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("{url} never reached the expected state");
        }
    }

    pub(crate) fn assert_twilio_error(status: u16, json: &Value, http: u16, code: u64) {
        assert_eq!(status, http, "{json}");
        assert_eq!(json["code"], code, "{json}");
        assert_eq!(json["status"], http, "{json}");
        assert_eq!(json["more_info"], format!("https://www.twilio.com/docs/errors/{code}"));
    }

    /// A webhook request: its URL, the fields (form or query) and whether its signature verifies.
    #[derive(Debug)]
    pub(crate) struct Hook {
        pub(crate) params: Vec<(String, String)>,
        pub(crate) signed: bool,
    }

    impl Hook {
        pub(crate) fn get(&self, name: &str) -> Option<&str> {
            self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }
    }

    /// A receiver on port 0 recording every request to any path; it answers with `reply` (TwiML, say).
    /// Returns its base URL (`http://127.0.0.1:PORT`) and the stream of requests.
    pub(crate) async fn receiver(reply: &'static str) -> (String, mpsc::UnboundedReceiver<Hook>) {
        #[derive(Clone)]
        struct Sink {
            tx: mpsc::UnboundedSender<Hook>,
            base: String,
            reply: &'static str,
        }
        async fn receive(
            State(sink): State<Sink>,
            method: Method,
            uri: Uri,
            headers: HeaderMap,
            Form(params): Form<Vec<(String, String)>>,
        ) -> &'static str {
            let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
            let url = format!("{}{uri}", sink.base);
            // A GET carries its fields in the query (where `Form` reads them) and is signed on the URL alone.
            let signed_params = if method == Method::GET { Vec::new() } else { params.clone() };
            let signed = twilio_signature(SANDBOX_AUTH_TOKEN, &url, &signed_params) == signature;
            let _ = sink.tx.send(Hook { params, signed });
            sink.reply
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sink = Sink { tx, base: base.clone(), reply };
        let app = Router::new().fallback(any(receive)).with_state(sink);
        tokio::spawn(async move { axum::serve(listener, app).await });
        (base, rx)
    }

    pub(crate) async fn next_hook(rx: &mut mpsc::UnboundedReceiver<Hook>) -> Hook {
        tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a webhook in time").expect("open")
    }
}

#[cfg(test)]
mod whatsapp_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use serde_json::{Value, json};

    use super::testing::{Harness, assert_twilio_error, harness, next_hook, receiver};
    use super::*;

    const GUARDIAN: &str = "+966555001234";
    const WA_GUARDIAN: &str = "whatsapp:+966555001234";
    const WA_FROM: &str = "whatsapp:+966555000100";

    impl Harness {
        async fn send(&self, form: &[(&str, &str)]) -> (u16, Value) {
            self.post_form(&self.account_url("Messages.json"), form).await
        }

        async fn send_ok(&self, form: &[(&str, &str)]) -> String {
            let (status, json) = self.send(form).await;
            assert_eq!(status, 201, "{json}");
            json["sid"].as_str().unwrap().to_owned()
        }

        /// Waits for a message to stop moving: failed, undelivered or read.
        async fn settled(&self, sid: &str) -> Value {
            self.wait_for(&self.account_url(&format!("Messages/{sid}.json")), |m| {
                matches!(m["status"].as_str(), Some("failed" | "undelivered" | "read"))
            })
            .await
        }

        fn template_sid(&self, name: &str, language: &str) -> String {
            self.sims.twilio().template(name, language).unwrap().sid
        }

        async fn guardian_writes(&self, from: &str, body: &str) -> (u16, Value) {
            let response = self
                .http
                .post(self.url("/_sim/twilio/inbound"))
                .json(&json!({ "from": from, "body": body }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        }
    }

    #[tokio::test]
    async fn an_approved_template_goes_out_rendered_and_is_read_with_signed_callbacks() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("").await;
        let callback = format!("{hooks}/twilio/status?centre=riyadh-1");
        let content_sid = h.template_sid("appointment_reminder", "ar");
        let (status, json) = h
            .send(&[
                ("To", WA_GUARDIAN),
                ("From", WA_FROM),
                ("ContentSid", &content_sid),
                ("ContentVariables", r#"{"1":"جلسة العلاج الوظيفي","2":"الأحد","3":"10:00"}"#),
                ("StatusCallback", &callback),
            ])
            .await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(json["status"], "queued");
        assert_eq!(json["to"], WA_GUARDIAN);
        assert_eq!(json["from"], WA_FROM);
        assert_eq!(json["num_segments"], "1");
        let text = "تذكير: موعد جلسة العلاج الوظيفي يوم الأحد الساعة 10:00 في مركز واصل.";
        assert_eq!(json["body"], text);
        let sid = json["sid"].as_str().unwrap().to_owned();
        assert!(sid.starts_with("SM") && sid.len() == 34);

        let mut seen = Vec::new();
        for _ in 0..3 {
            let hook = next_hook(&mut rx).await;
            assert!(hook.signed, "{hook:?}");
            assert_eq!(hook.get("MessageSid"), Some(sid.as_str()));
            assert_eq!(hook.get("ChannelPrefix"), Some("whatsapp"));
            assert_eq!(hook.get("To"), Some(WA_GUARDIAN));
            assert_eq!(hook.get("ErrorCode"), None);
            seen.push(hook.get("MessageStatus").unwrap().to_owned());
        }
        seen.sort();
        assert_eq!(seen, ["delivered", "read", "sent"]);
        let done = h.settled(&sid).await;
        assert_eq!(done["status"], "read");

        let inbox = h.sims.twilio().messages();
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].channel, Channel::Whatsapp);
        assert_eq!(inbox[0].template.as_deref(), Some("appointment_reminder"));
        assert_eq!(inbox[0].content_sid.as_deref(), Some(content_sid.as_str()));
        assert_eq!(inbox[0].body, text);
        let listed: Vec<Value> = h.http.get(h.url("/_sim/twilio/messages")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed[0]["channel"], "whatsapp");
        assert_eq!(listed[0]["template"], "appointment_reminder");
    }

    #[tokio::test]
    async fn missing_variables_fall_back_to_the_templates_samples() {
        let h = harness().await;
        let content_sid = h.template_sid("session_cancelled", "en");
        let (status, json) = h
            .send(&[
                ("To", WA_GUARDIAN),
                ("From", WA_FROM),
                ("ContentSid", &content_sid),
                ("ContentVariables", r#"{"1":"art"}"#),
            ])
            .await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(
            json["body"],
            "Sorry, the art session on Tuesday is cancelled. We will contact you to arrange another time."
        );
    }

    #[tokio::test]
    async fn free_text_needs_the_24_hour_window_the_guardian_opened() {
        let h = harness().await;
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "Salam")]).await;
        let done = h.settled(&sid).await;
        assert_eq!(done["status"], "failed");
        assert_eq!(done["error_code"], 63016);
        assert!(done["error_message"].as_str().unwrap().contains("outside the allowed window"));

        let (status, _) = h.guardian_writes(WA_GUARDIAN, "Is the centre open on Thursday?").await;
        assert_eq!(status, 201);
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "Yes, 7am to 3pm")]).await;
        assert_eq!(h.settled(&sid).await["status"], "read");

        h.sims.twilio().set_last_inbound(GUARDIAN, Some(Utc::now() - chrono::TimeDelta::hours(25)));
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "One more thing")]).await;
        assert_eq!(h.settled(&sid).await["error_code"], 63016);
    }

    #[tokio::test]
    async fn a_template_not_yet_approved_only_goes_out_inside_the_window() {
        let h = harness().await;
        let pending = h.template_sid("payment_due", "ar");
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &pending)]).await;
        assert_eq!(h.settled(&sid).await["error_code"], 63016);

        let rejected = h.template_sid("promo_offer", "en");
        h.sims.twilio().set_last_inbound(GUARDIAN, Some(Utc::now()));
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &rejected)]).await;
        assert_eq!(h.settled(&sid).await["status"], "read", "a session message inside the window");
        h.sims.twilio().set_last_inbound(GUARDIAN, None);

        let r = h
            .http
            .put(h.url(&format!("/_sim/twilio/templates/{pending}")))
            .json(&json!({"status": "approved"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &pending)]).await;
        assert_eq!(h.settled(&sid).await["status"], "read");
        let r = h.http.put(h.url("/_sim/twilio/templates/HX0")).json(&json!({"status": "approved"})).send().await;
        assert_eq!(r.unwrap().status(), 404);
        assert!(!h.sims.twilio().set_template_status("HX0", TemplateApproval::Paused));
    }

    #[tokio::test]
    async fn text_over_1024_characters_after_rendering_fails_with_63021() {
        let h = harness().await;
        let content_sid = h.template_sid("appointment_reminder", "en");
        let variables = json!({ "1": "x".repeat(1000) }).to_string();
        let sid = h
            .send_ok(&[
                ("To", WA_GUARDIAN),
                ("From", WA_FROM),
                ("ContentSid", &content_sid),
                ("ContentVariables", &variables),
            ])
            .await;
        let done = h.settled(&sid).await;
        assert_eq!((done["status"].as_str(), done["error_code"].as_u64()), (Some("failed"), Some(63021)));
    }

    #[tokio::test]
    async fn scripted_recipients_fail_with_their_whatsapp_codes() {
        let h = harness().await;
        let content_sid = h.template_sid("appointment_reminder", "ar");
        for (to, status, code) in [
            ("whatsapp:+966555000024", "failed", 63024),
            ("whatsapp:+966555000003", "failed", 63003),
            ("whatsapp:+966555000018", "failed", 63018),
        ] {
            let sid = h.send_ok(&[("To", to), ("From", WA_FROM), ("ContentSid", &content_sid)]).await;
            let done = h.settled(&sid).await;
            assert_eq!((done["status"].as_str(), done["error_code"].as_u64()), (Some(status), Some(code)), "{to}");
        }

        // A bare opt-out stops SMS only; the prefixed one is the guardian blocking the WhatsApp sender.
        h.sims.twilio().opt_out(GUARDIAN);
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &content_sid)]).await;
        assert_eq!(h.settled(&sid).await["status"], "read");
        let r = h.http.post(h.url("/_sim/twilio/opt-outs")).json(&json!({"to": WA_GUARDIAN})).send().await.unwrap();
        assert!(r.status().is_success());
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &content_sid)]).await;
        let done = h.settled(&sid).await;
        assert_eq!((done["status"].as_str(), done["error_code"].as_u64()), (Some("undelivered"), Some(63014)));
        assert!(done["date_sent"].is_string(), "it was sent before the block showed");
    }

    #[tokio::test]
    async fn each_invalid_whatsapp_create_is_refused_with_its_twilio_code() {
        let h = harness().await;
        let known = h.template_sid("appointment_reminder", "ar");
        let unknown = format!("HX{}", "0".repeat(32));
        type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u64);
        let cases: Vec<Case> = vec![
            ("prefixed To, bare From", vec![("To", WA_GUARDIAN), ("From", "+966555000100"), ("Body", "hi")], 21910),
            ("bare To, prefixed From", vec![("To", GUARDIAN), ("From", WA_FROM), ("Body", "hi")], 21910),
            (
                "WhatsApp From not a number",
                vec![("To", WA_GUARDIAN), ("From", "whatsapp:WASEL"), ("Body", "hi")],
                21212,
            ),
            ("WhatsApp To without +", vec![("To", "whatsapp:966555001234"), ("From", WA_FROM), ("Body", "hi")], 21211),
            ("ContentSid malformed", vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", "HX123")], 21655),
            ("ContentSid unknown", vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &unknown)], 21655),
            (
                "ContentVariables not JSON",
                vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &known), ("ContentVariables", "{1: x}")],
                21656,
            ),
            (
                "ContentVariables with an empty value",
                vec![
                    ("To", WA_GUARDIAN),
                    ("From", WA_FROM),
                    ("ContentSid", &known),
                    ("ContentVariables", r#"{"1":""}"#),
                ],
                21656,
            ),
            (
                "ContentVariables an array",
                vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &known), ("ContentVariables", r#"["a"]"#)],
                21656,
            ),
            (
                "ContentVariables without ContentSid",
                vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "hi"), ("ContentVariables", r#"{"1":"a"}"#)],
                21654,
            ),
            ("no Body nor ContentSid", vec![("To", WA_GUARDIAN), ("From", WA_FROM)], 21602),
        ];
        for (story, form, code) in cases {
            let (status, json) = h.send(&form).await;
            assert_eq!(json["code"], code, "{story}: {json}");
            assert_twilio_error(status, &json, 400, code);
        }
        assert!(h.sims.twilio().messages().is_empty());

        let wrong = h
            .http
            .post(h.account_url("Messages.json"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some("wrong"))
            .form(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &known)])
            .send()
            .await
            .unwrap();
        let status = wrong.status().as_u16();
        assert_twilio_error(status, &wrong.json().await.unwrap(), 401, 20003);
    }

    #[tokio::test]
    async fn a_template_sent_by_sms_is_its_rendered_text() {
        let h = harness().await;
        let content_sid = h.template_sid("appointment_reminder", "en");
        let (status, json) = h
            .send(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("ContentSid", &content_sid), ("Body", "ignored")])
            .await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(json["body"], "Reminder: speech therapy appointment on Sunday at 10:30 at Wasel centre.");
        let sid = json["sid"].as_str().unwrap();
        let done = h.wait_for(&h.account_url(&format!("Messages/{sid}.json")), |m| m["status"] == "delivered").await;
        assert_eq!(done["num_segments"], "1");
        assert_eq!(h.sims.twilio().messages()[0].channel, Channel::Sms);
    }

    #[tokio::test]
    async fn inbound_messages_reach_the_webhook_signed_like_twilios() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("<Response/>").await;
        let inbound_url = format!("{hooks}/twilio/inbound");
        let r = h.http.put(h.url("/_sim/twilio/webhooks")).json(&json!({"inbound_url": inbound_url})).send().await;
        assert_eq!(r.unwrap().status(), 204);
        let got: Value = h.http.get(h.url("/_sim/twilio/webhooks")).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["inbound_url"], inbound_url);

        let (status, json) = h.guardian_writes(WA_GUARDIAN, "سأتأخر ربع ساعة").await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(json["webhook_status"], 200);
        assert_eq!(json["to"], WA_FROM);
        let hook = next_hook(&mut rx).await;
        assert!(hook.signed);
        assert_eq!(hook.get("From"), Some(WA_GUARDIAN));
        assert_eq!(hook.get("To"), Some(WA_FROM));
        assert_eq!(hook.get("Body"), Some("سأتأخر ربع ساعة"));
        assert_eq!(hook.get("WaId"), Some("966555001234"));
        assert_eq!(hook.get("ProfileName"), Some("Guardian"));
        assert_eq!(hook.get("NumMedia"), Some("0"));
        assert_eq!(hook.get("AccountSid"), Some(SANDBOX_ACCOUNT_SID));
        assert!(hook.get("MessageSid").is_some_and(|s| s.starts_with("SM")));

        // By SMS, STOP opts the number out as Twilio's keywords do, START opts it back in.
        let (status, _) = h.guardian_writes(GUARDIAN, "stop").await;
        assert_eq!(status, 201);
        let sms = next_hook(&mut rx).await;
        assert_eq!(sms.get("WaId"), None);
        assert_eq!(sms.get("To"), Some(SANDBOX_NUMBER));
        assert_eq!(h.send(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await.1["code"], 21610);
        h.guardian_writes(GUARDIAN, "START").await;
        assert_eq!(h.send(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await.0, 201);

        let listed: Vec<Value> = h.http.get(h.url("/_sim/twilio/inbound")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed.len(), 3);
        assert_eq!(listed[0]["channel"], "whatsapp");
        assert_eq!(listed[1]["channel"], "sms");

        let (status, json) = h.guardian_writes("0555001234", "hi").await;
        assert_eq!(status, 400, "{json}");
        let r = h.http.put(h.url("/_sim/twilio/webhooks")).json(&json!({"inbound_url": "nope"})).send().await;
        assert_eq!(r.unwrap().status(), 400);
    }

    #[tokio::test]
    async fn the_content_api_lists_templates_with_their_approval_page_by_page() {
        let h = harness().await;
        let (status, first) = h.get(&h.url("/v1/ContentAndApprovals?PageSize=4")).await;
        assert_eq!(status, 200, "{first}");
        let contents = first["contents"].as_array().unwrap();
        assert_eq!(contents.len(), 4);
        assert_eq!(first["meta"]["key"], "contents");
        assert_eq!(first["meta"]["page"], 0);
        assert_eq!(first["meta"]["page_size"], 4);
        assert!(first["meta"]["previous_page_url"].is_null());
        let reminder = &contents[0];
        assert_eq!(reminder["friendly_name"], "appointment_reminder");
        assert_eq!(reminder["language"], "ar");
        assert_eq!(reminder["account_sid"], SANDBOX_ACCOUNT_SID);
        assert_eq!(reminder["approval_requests"]["status"], "approved");
        assert_eq!(reminder["approval_requests"]["category"], "UTILITY");
        assert_eq!(reminder["types"]["twilio/text"]["body"], "تذكير: موعد {{1}} يوم {{2}} الساعة {{3}} في مركز واصل.");
        assert_eq!(reminder["variables"]["2"], "الأحد");
        let sid = reminder["sid"].as_str().unwrap();
        assert!(is_sid(sid, "HX"));

        let next = first["meta"]["next_page_url"].as_str().unwrap();
        let (_, second) = h.get(next).await;
        let rest = second["contents"].as_array().unwrap();
        let statuses: Vec<(&str, &str, &str)> = rest
            .iter()
            .map(|c| {
                let name = c["friendly_name"].as_str().unwrap();
                (name, c["language"].as_str().unwrap(), c["approval_requests"]["status"].as_str().unwrap())
            })
            .collect();
        assert_eq!(statuses, [("payment_due", "ar", "pending"), ("promo_offer", "en", "rejected")]);
        assert!(second["meta"]["next_page_url"].is_null());
        assert!(second["meta"]["previous_page_url"].is_string());
        assert!(!rest[1]["approval_requests"]["rejection_reason"].as_str().unwrap().is_empty());

        let (status, content) = h.get(&h.url(&format!("/v1/Content/{sid}"))).await;
        assert_eq!(status, 200);
        assert_eq!(content["sid"], sid);
        assert!(content["url"].as_str().unwrap().ends_with(&format!("/v1/Content/{sid}")));
        assert!(content.get("approval_requests").is_none());
        let (status, approval) = h.get(&h.url(&format!("/v1/Content/{sid}/ApprovalRequests"))).await;
        assert_eq!(status, 200);
        assert_eq!(approval["whatsapp"]["status"], "approved");
        let (status, all) = h.get(&h.url("/v1/Content")).await;
        assert_eq!(status, 200);
        assert_eq!(all["contents"].as_array().unwrap().len(), 6);

        let (status, json) = h.get(&h.url(&format!("/v1/Content/HX{}", "f".repeat(32)))).await;
        assert_twilio_error(status, &json, 404, 20404);
        let (status, json) = h.get(&h.url("/v1/ContentAndApprovals?PageSize=0")).await;
        assert_twilio_error(status, &json, 400, 20001);
        let r = h.http.get(h.url("/v1/ContentAndApprovals")).basic_auth(SANDBOX_ACCOUNT_SID, Some("x")).send();
        let r = r.await.unwrap();
        let status = r.status().as_u16();
        assert_twilio_error(status, &r.json().await.unwrap(), 401, 20003);

        let debug: Vec<SimTemplate> =
            h.http.get(h.url("/_sim/twilio/templates")).send().await.unwrap().json().await.unwrap();
        assert_eq!(debug.len(), 6);
        assert_eq!(debug[4].status, TemplateApproval::Pending);
    }

    #[tokio::test]
    async fn faults_apply_to_whatsapp_and_the_content_api() {
        let h = harness().await;
        let twilio = h.sims.twilio();
        twilio.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
        let r = h.http.get(h.url("/v1/ContentAndApprovals")).basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN));
        let r = r.send().await.unwrap();
        assert_eq!(r.headers()["retry-after"], "7");
        let status = r.status().as_u16();
        assert_twilio_error(status, &r.json().await.unwrap(), 429, 20429);
        let (status, json) = h.send(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "hi")]).await;
        assert_twilio_error(status, &json, 429, 20429);

        twilio.set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let (status, json) = h.get(&h.url("/v1/ContentAndApprovals")).await;
        assert_twilio_error(status, &json, 500, 20500);

        twilio.set_faults(Faults { down: true, ..Faults::default() });
        let (status, json) = h.send(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "hi")]).await;
        assert_twilio_error(status, &json, 503, 20500);

        twilio.set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let hung = h
            .http
            .get(h.url("/v1/ContentAndApprovals"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
            .timeout(Duration::from_millis(200))
            .send()
            .await;
        assert!(hung.unwrap_err().is_timeout());
        assert!(h.sims.twilio().messages().is_empty());
    }

    #[test]
    fn templates_render_with_values_then_defaults_and_keep_unknown_placeholders() {
        let template = SimTemplate {
            sid: template_sid("t", "en"),
            name: "t".into(),
            language: "en".into(),
            category: "UTILITY".into(),
            status: TemplateApproval::Approved,
            rejection_reason: String::new(),
            body: "{{1}} and {{ 2 }} and {{9}} and {{unclosed".into(),
            variables: [("2".to_owned(), "two".to_owned())].into(),
            date_created: Utc::now(),
            date_updated: Utc::now(),
        };
        let values = [("1".to_owned(), "one".to_owned())].into();
        assert_eq!(template.render(&values), "one and two and {{9}} and {{unclosed");
    }

    #[test]
    fn template_sids_are_stable_and_shaped_like_twilios() {
        let sid = template_sid("appointment_reminder", "ar");
        assert!(is_sid(&sid, "HX"));
        assert_eq!(sid, template_sid("appointment_reminder", "ar"));
        assert_ne!(sid, template_sid("appointment_reminder", "en"));
        let seeds = seed_templates(Utc::now());
        let mut sids: Vec<&str> = seeds.iter().map(|t| t.sid.as_str()).collect();
        sids.dedup();
        assert_eq!(sids.len(), 6);
    }

    #[test]
    fn content_variables_must_be_an_object_of_text() {
        assert_eq!(parse_content_variables(r#"{"1":"a","2":3}"#).unwrap()["2"], "3");
        assert!(parse_content_variables(r#"{"1":null}"#).is_none());
        assert!(parse_content_variables(r#"{"1":true}"#).is_none());
        assert!(parse_content_variables("").is_none());
        assert!(parse_content_variables("{}").unwrap().is_empty());
    }
}
