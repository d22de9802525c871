//! Meta's WhatsApp Cloud API (Graph API) on loopback: template and free-text sends behind a Bearer token,
//! the 24-hour customer-service window, the template list, the phone-number read, and status and inbound
//! webhooks signed with `X-Hub-Signature-256` after a `hub.challenge` handshake.
//!
//! Sandbox defaults ([`MetaOptions::default`]): API version `v21.0`, phone number id
//! [`SANDBOX_PHONE_NUMBER_ID`], WABA id [`SANDBOX_WABA_ID`], access token [`SANDBOX_ACCESS_TOKEN`], app secret
//! [`SANDBOX_APP_SECRET`], number `+966 55 500 0100` ("Wasel Day Care"), verify token [`SANDBOX_VERIFY_TOKEN`],
//! no webhook, statuses `sent` after 150 ms, `delivered` after 400 ms, `read` after 900 ms.
//!
//! Seeded templates (category UTILITY unless said): `appointment_reminder` ar + en and `session_cancelled`
//! ar + en APPROVED (three and two `{{n}}` parameters), `payment_due` ar PENDING, `promo_offer` en MARKETING
//! REJECTED. [`MetaSim::set_template_status`] or `PUT /_sim/meta/templates/{name}/{language}` change them.
//!
//! Choices where our reference (`meta-whatsapp-cloud.md`) is silent:
//!
//! | question | what the simulator does |
//! |---|---|
//! | API version | only [`MetaOptions::api_version`] is routed; any other `/vN.N/…` path answers 400 / 100 subcode 33 (Graph's "unsupported request") |
//! | bad or missing token | 401, code 190, `type: OAuthException`, a `WWW-Authenticate: OAuth …` header; checked before anything else but the faults |
//! | unknown object id | 400, code 100, `error_subcode` 33, `type: GraphMethodException` |
//! | body | JSON whatever the `Content-Type`; missing `type` means `text` (as Graph); only `text` and `template` are simulated, other types answer 400 / 100 |
//! | validation | 400, code 100, `(#100) The parameter X is required.` or `(#100) Invalid parameter` with `error_data.details`; `to` is 8–15 digits after dropping `+`, spaces, dashes, brackets; text ≤ 4096 chars; `biz_opaque_callback_data` ≤ 512 chars; template parameters of `type: text` only |
//! | unknown template, or not in that language | **404**, code 132001, details `template name (x) does not exist in ar` |
//! | template PENDING or REJECTED | the same **404 / 132001** (Meta's wording for "not approved in that language"); PAUSED → 400 / 132015, DISABLED → 400 / 132016 |
//! | parameter count ≠ distinct `{{n}}` in the body | 400 / 132000; a header or button component with parameters counts as a mismatch (the seeds have none) |
//! | parameter with a new line, tab or > 4 spaces in a row | 400 / 132018 |
//! | throughput (the fault switch's `rate_limit_rate`) | **429**, code 130429, `Retry-After` when `retry_after_secs` is set |
//! | pair rate limit (a recipient scripted [`Fate::PairRateLimited`]) | **429**, code 131056, `Retry-After`: `retry_after_secs` or 6 |
//! | 5xx faults | 500 code 1 `An unknown error has occurred.`; down (or a timeout nobody waits for) 503 code 2 `Service temporarily unavailable`; both `is_transient: true` |
//! | free text outside 24 h, undeliverable (131026), opted out (131050) | accepted (200) and then a `failed` status webhook carrying `errors[]`; an opt-out fails every message, not just marketing |
//! | success body | `messages[].message_status: "accepted"` on template sends only |
//! | wamid | `wamid.` + base64 of the wa_id and 18 random hex digits (the shape of real ones) |
//! | statuses | `accepted` (inbox only) → `sent` → `delivered` → `read`; [`Fate::ReadInChat`] skips `delivered`, [`Fate::NoReadReceipts`] stops at `delivered`; `failed` comes at the `sent` time |
//! | status webhook extras | `conversation` (expiration only on `sent`) and `pricing` (`PMP`: templates `regular`, free text and UTILITY templates inside the window `free_customer_service`); none on `failed` |
//! | webhook delivery | one task per webhook, so order is not guaranteed; non-2xx or unreachable is retried 4 times, waiting [`MetaOptions::webhook_retry_delay`] and doubling |
//! | webhook set through options | trusted without a handshake (the receiver may not be up yet); `PUT /_sim/meta/webhook` does the handshake |
//! | template status changes | posted as a `message_template_status_update` webhook |
//! | `DELETE /_sim/meta/messages` | forgets sent messages and counters; windows, fates, opt-outs, templates, webhook and faults stay |
//!
//! Debug routes under `/_sim/meta/` (besides the shared `messages`, `faults`, `opt-outs`):
//!
//! | route | what |
//! |---|---|
//! | `GET`/`PUT`/`DELETE /webhook` | `{"url":…}` / `{"url":"http://…","verify_token":"…"}` (token optional: the configured one) → 200 `{"url":…,"verified":true}` or 400 `{"error":"…why…"}` / unsubscribe |
//! | `POST /inbound` | `{"from":"966555001234","text":"…","name":"…"}` → 200 `{"id":"wamid.…","from":"966…","webhook":url or null}`; opens the window and posts the inbound webhook |
//! | `GET`/`POST /fates` | `{"966…":"undeliverable",…}` / `{"to":"966…","fate":"undeliverable"}` (a [`Fate`] in snake_case; `normal` clears) |
//! | `GET`/`POST /templates` | [`SimTemplate`]s / add one (`id` optional) → 201 with it, 400 if that name + language exists |
//! | `PUT /templates/{name}/{language}` | `{"status":"APPROVED"}` → 204, 404 if unknown |

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::faults::{Fault, FaultSwitch};
use crate::{Faults, constant_time_eq, lock, mask_phone};

pub const SANDBOX_API_VERSION: &str = "v21.0";
pub const SANDBOX_PHONE_NUMBER_ID: &str = "111222333444555";
pub const SANDBOX_WABA_ID: &str = "999888777666555";
/// Shaped like a system-user token (`EAA…`); fake.
pub const SANDBOX_ACCESS_TOKEN: &str = "EAAWaselSandboxToken0000000000000000000000000000000000";
/// Shaped like an app secret (32 hex); fake.
pub const SANDBOX_APP_SECRET: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
pub const SANDBOX_DISPLAY_PHONE_NUMBER: &str = "+966 55 500 0100";
pub const SANDBOX_VERIFIED_NAME: &str = "Wasel Day Care";
pub const SANDBOX_VERIFY_TOKEN: &str = "wasel-sandbox-verify-token";

const MAX_TEXT_CHARS: usize = 4096;
const MAX_OPAQUE_CHARS: usize = 512;
const WINDOW: TimeDelta = TimeDelta::hours(24);
/// Meta gives a webhook receiver a few seconds; this is generous for slow test machines.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
const WEBHOOK_ATTEMPTS: u32 = 5;
/// Pair rate: about one message every 6 s to the same user.
const PAIR_RETRY_AFTER_SECS: u64 = 6;
const DEFAULT_PAGE_SIZE: usize = 25;
const GRAPH_HREF: &str = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

/// The sandbox business: its ids, secrets, webhook and how fast statuses move.
#[derive(Clone)]
pub struct MetaOptions {
    pub api_version: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub access_token: String,
    /// Signs webhooks (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// As the phone-number read shows it; webhooks carry its digits.
    pub display_phone_number: String,
    pub verified_name: String,
    /// Trusted as is, without the handshake.
    pub webhook_url: Option<String>,
    pub verify_token: String,
    pub sent_after: Duration,
    pub delivered_after: Duration,
    pub read_after: Duration,
    /// First wait before redelivering a refused webhook; doubles each time.
    pub webhook_retry_delay: Duration,
}

impl Default for MetaOptions {
    fn default() -> Self {
        Self {
            api_version: SANDBOX_API_VERSION.to_owned(),
            phone_number_id: SANDBOX_PHONE_NUMBER_ID.to_owned(),
            waba_id: SANDBOX_WABA_ID.to_owned(),
            access_token: SANDBOX_ACCESS_TOKEN.to_owned(),
            app_secret: SANDBOX_APP_SECRET.to_owned(),
            display_phone_number: SANDBOX_DISPLAY_PHONE_NUMBER.to_owned(),
            verified_name: SANDBOX_VERIFIED_NAME.to_owned(),
            webhook_url: None,
            verify_token: SANDBOX_VERIFY_TOKEN.to_owned(),
            sent_after: Duration::from_millis(150),
            delivered_after: Duration::from_millis(400),
            read_after: Duration::from_millis(900),
            webhook_retry_delay: Duration::from_millis(500),
        }
    }
}

impl std::fmt::Debug for MetaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaOptions")
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("access_token", &"<redacted>")
            .field("app_secret", &"<redacted>")
            .field("display_phone_number", &self.display_phone_number)
            .field("verified_name", &self.verified_name)
            .field("webhook_url", &self.webhook_url)
            .field("verify_token", &"<redacted>")
            .field("sent_after", &self.sent_after)
            .field("delivered_after", &self.delivered_after)
            .field("read_after", &self.read_after)
            .field("webhook_retry_delay", &self.webhook_retry_delay)
            .finish()
    }
}

/// One accepted message as the sandbox inbox shows it: what the recipient would have seen.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimMessage {
    /// The wamid.
    pub id: String,
    /// The wa_id: digits with the country code.
    pub to: String,
    /// `text` or `template`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The free text, or the template body with its parameters filled in.
    pub text: String,
    pub template: Option<String>,
    pub language: Option<String>,
    pub params: Vec<String>,
    /// `accepted`, `sent`, `delivered`, `read` or `failed`.
    pub status: String,
    pub error_code: Option<u32>,
    pub biz_opaque_callback_data: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateStatus {
    Approved,
    Pending,
    Rejected,
    Paused,
    Disabled,
}

impl TemplateStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "APPROVED",
            Self::Pending => "PENDING",
            Self::Rejected => "REJECTED",
            Self::Paused => "PAUSED",
            Self::Disabled => "DISABLED",
        }
    }
}

/// A message template of the sandbox WABA: a body with positional `{{n}}` parameters.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimTemplate {
    /// Numeric, assigned when empty.
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub language: String,
    /// `UTILITY`, `MARKETING` or `AUTHENTICATION`.
    pub category: String,
    pub body: String,
    pub status: TemplateStatus,
}

/// What happens to messages for one recipient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    #[default]
    Normal,
    /// Not on WhatsApp: accepted, then `failed` with 131026.
    Undeliverable,
    /// Stopped the business's messages: accepted, then `failed` with 131050.
    OptedOut,
    /// Every send answers 429 / 131056.
    PairRateLimited,
    /// Read with the chat open: `sent` → `read`, no `delivered`.
    ReadInChat,
    /// Read receipts turned off: ends at `delivered`.
    NoReadReceipts,
}

/// `X-Hub-Signature-256` for a webhook body: `sha256=` + hex(HMAC-SHA256(app secret, raw body)).
pub fn meta_signature(app_secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(body);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for byte in mac.finalize().into_bytes() {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The handshake failed; the text says why, as Meta's dashboard does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationFailed(pub String);

impl std::fmt::Display for VerificationFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VerificationFailed {}

// ---------------------------------------------------------------------------------------------
// Errors

/// Every Graph error the simulator answers with; `parts` is the one table of statuses, codes and texts.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ApiError {
    MissingToken,
    InvalidToken,
    UnknownObject { method: &'static str, id: String },
    Required(String),
    Invalid { details: String },
    TemplateMissing { name: String, language: String },
    TemplateNotApproved { name: String, language: String, status: TemplateStatus },
    ParamCount { component: &'static str, expected: usize, got: usize },
    ParamFormat,
    PairRateLimited { retry_after_secs: u64 },
    Throughput { retry_after_secs: Option<u64> },
    Internal,
    Unavailable,
}

struct Parts {
    status: StatusCode,
    code: u32,
    subcode: Option<u32>,
    kind: &'static str,
    message: String,
    details: Option<String>,
    transient: bool,
}

impl ApiError {
    fn parts(&self) -> Parts {
        use StatusCode as S;
        let p = |status, code, message: &str, details: Option<String>| Parts {
            status,
            code,
            subcode: None,
            kind: "OAuthException",
            message: message.to_owned(),
            details,
            transient: false,
        };
        match self {
            Self::MissingToken => {
                p(S::UNAUTHORIZED, 190, "An access token is required to request this resource.", None)
            }
            Self::InvalidToken => {
                p(S::UNAUTHORIZED, 190, "Invalid OAuth access token - Cannot parse access token", None)
            }
            Self::UnknownObject { method, id } => Parts {
                subcode: Some(33),
                kind: "GraphMethodException",
                ..p(
                    S::BAD_REQUEST,
                    100,
                    &format!(
                        "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to \
                         missing permissions, or does not support this operation. Please read the Graph API \
                         documentation at https://developers.facebook.com/docs/graph-api"
                    ),
                    None,
                )
            },
            Self::Required(param) => p(
                S::BAD_REQUEST,
                100,
                &format!("(#100) The parameter {param} is required."),
                Some(format!("The parameter {param} is required.")),
            ),
            Self::Invalid { details } => p(S::BAD_REQUEST, 100, "(#100) Invalid parameter", Some(details.clone())),
            Self::TemplateMissing { name, language } => p(
                S::NOT_FOUND,
                132001,
                "(#132001) Template name does not exist in the translation",
                Some(format!("template name ({name}) does not exist in {language}")),
            ),
            Self::TemplateNotApproved { name, language, status } => match status {
                TemplateStatus::Paused => p(
                    S::BAD_REQUEST,
                    132015,
                    "(#132015) Template is Paused",
                    Some(format!("Template {name} ({language}) is paused due to low quality.")),
                ),
                TemplateStatus::Disabled => p(
                    S::BAD_REQUEST,
                    132016,
                    "(#132016) Template is disabled",
                    Some(format!("Template {name} ({language}) has been paused too many times and is disabled.")),
                ),
                _ => p(
                    S::NOT_FOUND,
                    132001,
                    "(#132001) Template name does not exist in the translation",
                    Some(format!("template name ({name}) does not exist in {language} (status {})", status.as_str())),
                ),
            },
            Self::ParamCount { component, expected, got } => p(
                S::BAD_REQUEST,
                132000,
                "(#132000) Number of parameters does not match the expected number of params",
                Some(format!(
                    "{component}: number of localizable_params ({got}) does not match the expected number of params \
                     ({expected})"
                )),
            ),
            Self::ParamFormat => p(
                S::BAD_REQUEST,
                132018,
                "(#132018) There was an issue with the parameters in your template.",
                Some("Param text cannot have new-line/tab characters or more than 4 consecutive spaces".to_owned()),
            ),
            Self::PairRateLimited { .. } => p(
                S::TOO_MANY_REQUESTS,
                131056,
                "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                Some(
                    "Message failed to send because there were too many messages sent from this phone number to the \
                     same phone number in a short period of time."
                        .to_owned(),
                ),
            ),
            Self::Throughput { .. } => p(
                S::TOO_MANY_REQUESTS,
                130429,
                "(#130429) Rate limit hit",
                Some("Cloud API message throughput has been reached.".to_owned()),
            ),
            Self::Internal => {
                Parts { transient: true, ..p(S::INTERNAL_SERVER_ERROR, 1, "An unknown error has occurred.", None) }
            }
            Self::Unavailable => {
                Parts { transient: true, ..p(S::SERVICE_UNAVAILABLE, 2, "Service temporarily unavailable", None) }
            }
        }
    }

    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::PairRateLimited { retry_after_secs } => Some(*retry_after_secs),
            Self::Throughput { retry_after_secs } => *retry_after_secs,
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let parts = self.parts();
        let mut error = json!({
            "message": parts.message,
            "type": parts.kind,
            "code": parts.code,
            "fbtrace_id": fbtrace_id(),
        });
        if let Some(subcode) = parts.subcode {
            error["error_subcode"] = json!(subcode);
        }
        if let Some(details) = parts.details {
            error["error_data"] = json!({ "messaging_product": "whatsapp", "details": details });
        }
        if parts.transient {
            error["is_transient"] = json!(true);
        }
        let mut response = (parts.status, Json(json!({ "error": error }))).into_response();
        let headers = response.headers_mut();
        if parts.status == StatusCode::UNAUTHORIZED
            && let Ok(value) =
                HeaderValue::from_str(&format!("OAuth \"Facebook Platform\" \"invalid_token\" \"{}\"", parts.message))
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some(secs) = self.retry_after_secs() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Graph paths start with a version: `/v21.0/…`.
pub(crate) fn owns_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/v") else {
        return false;
    };
    let version = rest.split('/').next().unwrap_or_default();
    version.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    })
}

/// What Graph answers for a path it cannot serve: the object (second segment) "does not exist".
pub(crate) fn not_found_response(path: &str) -> Response {
    let id = path.split('/').nth(2).unwrap_or_default().to_owned();
    ApiError::UnknownObject { method: "get or post", id }.into_response()
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Down | Fault::TimedOut => ApiError::Unavailable.into_response(),
        Fault::ServerError => ApiError::Internal.into_response(),
        Fault::RateLimited { retry_after_secs } => ApiError::Throughput { retry_after_secs }.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// State

/// The Meta WhatsApp simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct MetaSim {
    shared: Arc<Shared>,
}

struct Shared {
    opts: MetaOptions,
    /// sent, delivered, read: never decreasing.
    delays: [Duration; 3],
    state: Mutex<Store>,
    create_requests: AtomicUsize,
    faults: FaultSwitch,
    stopped: watch::Receiver<bool>,
    http: reqwest::Client,
}

struct Webhook {
    url: String,
}

#[derive(Default)]
struct Store {
    records: Vec<Record>,
    by_id: HashMap<String, usize>,
    received: usize,
    templates: Vec<SimTemplate>,
    next_template_id: u64,
    fates: HashMap<String, Fate>,
    last_inbound: HashMap<String, DateTime<Utc>>,
    webhook: Option<Webhook>,
}

struct Record {
    msg: SimMessage,
    conversation_id: String,
    /// `conversation.origin.type` and `pricing.category`: the template category in lower case, or `service`.
    category: String,
    billable: bool,
}

/// What the timer does to a message, in order.
#[derive(Clone, Copy, Debug)]
enum Step {
    Sent,
    Delivered,
    Read,
    Failed(u32),
}

impl MetaSim {
    /// Creates the simulator; its status timers and webhook retries end when `stopped` turns true.
    pub(crate) fn start(opts: MetaOptions, stopped: watch::Receiver<bool>) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .no_proxy()
            .user_agent("facebookexternalua")
            .build()
            .map_err(std::io::Error::other)?;
        let sent = opts.sent_after;
        let delivered = opts.delivered_after.max(sent);
        let read = opts.read_after.max(delivered);
        let mut store = Store { webhook: opts.webhook_url.clone().map(|url| Webhook { url }), ..Store::default() };
        for t in seed_templates() {
            store.add_template(t);
        }
        Ok(Self {
            shared: Arc::new(Shared {
                opts,
                delays: [sent, delivered, read],
                state: Mutex::new(store),
                create_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                stopped,
                http,
            }),
        })
    }

    pub fn options(&self) -> &MetaOptions {
        &self.shared.opts
    }

    /// Everything accepted, in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        lock(&self.shared.state).records.iter().map(|r| r.msg.clone()).collect()
    }

    /// Number of sends answered 200.
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// Number of `POST …/messages` that reached the simulator, including rejected and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Scripts what happens to later messages for this number (`+966…` or `966…`).
    pub fn set_fate(&self, number: &str, fate: Fate) {
        let mut state = lock(&self.shared.state);
        let wa_id = wa_id(number);
        if fate == Fate::Normal {
            state.fates.remove(&wa_id);
        } else {
            state.fates.insert(wa_id, fate);
        }
    }

    pub fn fates(&self) -> BTreeMap<String, Fate> {
        lock(&self.shared.state).fates.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// Later messages to this number fail with 131050.
    pub fn opt_out(&self, number: &str) {
        self.set_fate(number, Fate::OptedOut);
    }

    /// Moves the recipient's last message to `at` (now opens the window, 25 hours ago closes it).
    pub fn set_last_inbound(&self, number: &str, at: DateTime<Utc>) {
        lock(&self.shared.state).last_inbound.insert(wa_id(number), at);
    }

    /// The recipient writes to the business: opens the 24 h window and posts the inbound webhook.
    /// Returns the inbound wamid, or `None` when `from` is not a phone number.
    pub fn inbound(&self, from: &str, text: &str, name: &str) -> Option<String> {
        let from = Some(wa_id(from)).filter(|n| is_wa_id(n))?;
        let id = new_wamid(&from);
        let now = Utc::now();
        lock(&self.shared.state).last_inbound.insert(from.clone(), now);
        tracing::debug!(from = %mask_phone(&from), "meta sim: inbound message");
        let value = json!({
            "messaging_product": "whatsapp",
            "metadata": self.shared.metadata(),
            "contacts": [{ "profile": { "name": name }, "wa_id": from }],
            "messages": [{
                "from": from,
                "id": id,
                "timestamp": now.timestamp().to_string(),
                "text": { "body": text },
                "type": "text",
            }],
        });
        self.shared.post_webhook(self.shared.envelope("messages", value, None));
        Some(id)
    }

    pub fn templates(&self) -> Vec<SimTemplate> {
        lock(&self.shared.state).templates.clone()
    }

    /// Adds a template (its `id` assigned when empty); `None` when that name + language exists.
    pub fn add_template(&self, template: SimTemplate) -> Option<SimTemplate> {
        lock(&self.shared.state).add_template(template)
    }

    /// Changes a template's status and posts the `message_template_status_update` webhook. False when unknown.
    pub fn set_template_status(&self, name: &str, language: &str, status: TemplateStatus) -> bool {
        let payload = {
            let mut state = lock(&self.shared.state);
            let Some(t) = state.templates.iter_mut().find(|t| t.name == name && t.language == language) else {
                return false;
            };
            t.status = status;
            let value = json!({
                "event": status.as_str(),
                "message_template_id": t.id.parse::<u64>().map_or_else(|_| json!(t.id), |n| json!(n)),
                "message_template_name": t.name,
                "message_template_language": t.language,
                "reason": if status == TemplateStatus::Rejected { "INVALID_FORMAT" } else { "NONE" },
            });
            self.shared.envelope("message_template_status_update", value, Some(Utc::now().timestamp()))
        };
        self.shared.post_webhook(payload);
        true
    }

    pub fn webhook_url(&self) -> Option<String> {
        lock(&self.shared.state).webhook.as_ref().map(|w| w.url.clone())
    }

    /// Sets (or clears) the webhook without the handshake, as [`MetaOptions::webhook_url`] does.
    pub fn set_webhook_url(&self, url: Option<String>) {
        lock(&self.shared.state).webhook = url.map(|url| Webhook { url });
    }

    /// Meta's subscription: `GET url?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…` must answer 200
    /// with the challenge; only then is the URL kept.
    pub async fn subscribe_webhook(&self, url: &str, verify_token: &str) -> Result<(), VerificationFailed> {
        self.shared.verify(url, verify_token).await?;
        self.set_webhook_url(Some(url.to_owned()));
        tracing::info!(url, "meta sim: webhook verified and subscribed");
        Ok(())
    }

    /// Forgets every message and resets both counters. Windows, fates, templates, the webhook and faults stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.by_id.clear();
        state.received = 0;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

impl Store {
    fn add_template(&mut self, mut t: SimTemplate) -> Option<SimTemplate> {
        if self.templates.iter().any(|o| o.name == t.name && o.language == t.language) {
            return None;
        }
        self.next_template_id += 1;
        if t.id.is_empty() {
            t.id = format!("{}", 1_200_000_000_000_000 + self.next_template_id);
        }
        self.templates.push(t.clone());
        Some(t)
    }

    fn window_open(&self, wa_id: &str, now: DateTime<Utc>) -> bool {
        self.last_inbound.get(wa_id).is_some_and(|&at| at <= now && now - at < WINDOW)
    }
}

fn seed_templates() -> Vec<SimTemplate> {
    let t = |name: &str, language: &str, category: &str, status, body: &str| SimTemplate {
        id: String::new(),
        name: name.to_owned(),
        language: language.to_owned(),
        category: category.to_owned(),
        body: body.to_owned(),
        status,
    };
    use TemplateStatus::{Approved, Pending, Rejected};
    vec![
        t("appointment_reminder", "ar", "UTILITY", Approved, "تذكير: موعد {{1}} يوم {{2}} الساعة {{3}} في مركز واصل."),
        t(
            "appointment_reminder",
            "en",
            "UTILITY",
            Approved,
            "Reminder: {{1}}'s appointment is on {{2}} at {{3}} at Wasel centre.",
        ),
        t(
            "session_cancelled",
            "ar",
            "UTILITY",
            Approved,
            "نعتذر، أُلغيت جلسة {{1}} يوم {{2}}. سنتواصل معكم لتحديد موعد جديد.",
        ),
        t(
            "session_cancelled",
            "en",
            "UTILITY",
            Approved,
            "Sorry, {{1}}'s session on {{2}} is cancelled. We will contact you to book a new one.",
        ),
        t("payment_due", "ar", "UTILITY", Pending, "تذكير بالدفع: مبلغ {{1}} ريال مستحق بتاريخ {{2}}."),
        t("promo_offer", "en", "MARKETING", Rejected, "Enjoy {{1}}% off next month at Wasel centre!"),
    ]
}

impl Shared {
    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return Err(ApiError::MissingToken);
        };
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match token {
            Some(token) if constant_time_eq(token.as_bytes(), self.opts.access_token.as_bytes()) => Ok(()),
            _ => Err(ApiError::InvalidToken),
        }
    }

    fn metadata(&self) -> Value {
        let digits: String = self.opts.display_phone_number.chars().filter(char::is_ascii_digit).collect();
        json!({ "display_phone_number": digits, "phone_number_id": self.opts.phone_number_id })
    }

    /// `{"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[{"value":…,"field":…}]}]}`.
    fn envelope(&self, field: &str, value: Value, time: Option<i64>) -> Value {
        let mut entry = json!({ "id": self.opts.waba_id, "changes": [{ "value": value, "field": field }] });
        if let Some(time) = time {
            entry["time"] = json!(time);
        }
        json!({ "object": "whatsapp_business_account", "entry": [entry] })
    }

    /// The status webhook for a message that just moved to `step`.
    fn status_payload(&self, rec: &Record, step: Step, now: DateTime<Utc>) -> Value {
        let mut status = json!({
            "id": rec.msg.id,
            "status": step.as_str(),
            "timestamp": now.timestamp().to_string(),
            "recipient_id": rec.msg.to,
        });
        if let Some(opaque) = &rec.msg.biz_opaque_callback_data {
            status["biz_opaque_callback_data"] = json!(opaque);
        }
        match step {
            Step::Failed(code) => {
                let (title, details) = failure_text(code);
                status["errors"] = json!([{
                    "code": code,
                    "title": title,
                    "message": title,
                    "error_data": { "details": details },
                    "href": GRAPH_HREF,
                }]);
            }
            _ => {
                let mut conversation = json!({ "id": rec.conversation_id, "origin": { "type": rec.category } });
                if matches!(step, Step::Sent) {
                    conversation["expiration_timestamp"] = json!((now + WINDOW).timestamp().to_string());
                }
                status["conversation"] = conversation;
                status["pricing"] = json!({
                    "billable": rec.billable,
                    "pricing_model": "PMP",
                    "type": if rec.billable { "regular" } else { "free_customer_service" },
                    "category": rec.category,
                });
            }
        }
        let value = json!({ "messaging_product": "whatsapp", "metadata": self.metadata(), "statuses": [status] });
        self.envelope("messages", value, None)
    }

    /// Posts a webhook in the background when one is subscribed.
    fn post_webhook(self: &Arc<Self>, payload: Value) {
        let Some(url) = lock(&self.state).webhook.as_ref().map(|w| w.url.clone()) else {
            return;
        };
        let Ok(body) = serde_json::to_vec(&payload) else {
            return;
        };
        tokio::spawn(deliver(Arc::clone(self), url, body));
    }

    async fn verify(&self, url: &str, verify_token: &str) -> Result<(), VerificationFailed> {
        let fail = |why: String| {
            VerificationFailed(format!("The URL couldn't be validated. Callback verification failed: {why}"))
        };
        let mut target = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| fail("the callback URL is not an absolute http(s) URL".to_owned()))?;
        let challenge = rand::random::<u32>().to_string();
        target
            .query_pairs_mut()
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.challenge", &challenge)
            .append_pair("hub.verify_token", verify_token);
        let response = self
            .http
            .get(target)
            .send()
            .await
            .map_err(|e| fail(format!("could not reach the URL ({})", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!(
                "HTTP Status Code = {}; HTTP Message = {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )));
        }
        let body = response.text().await.unwrap_or_default();
        if body.trim() != challenge {
            let received: String = body.chars().take(64).collect();
            return Err(fail(format!(
                "Response does not match challenge, expected value=\"{challenge}\", received=\"{received}\""
            )));
        }
        Ok(())
    }
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed(_) => "failed",
        }
    }
}

/// `errors[].title` and `error_data.details` of a failed status.
fn failure_text(code: u32) -> (&'static str, &'static str) {
    match code {
        131047 => (
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this \
             number.",
        ),
        131026 => ("Message undeliverable", "Message Undeliverable."),
        131050 => (
            "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on \
             WhatsApp from your business.",
            "The recipient has opted out of messages from this business.",
        ),
        _ => ("Message failed to send", "Message failed to send."),
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The Graph paths of the configured version, behind the fault switches.
pub(crate) fn api_routes(sim: MetaSim) -> Router {
    let v = &sim.shared.opts.api_version;
    Router::new()
        .route(&format!("/{v}/{{id}}/messages"), post(send_message))
        .route(&format!("/{v}/{{id}}/message_templates"), get(list_templates))
        .route(&format!("/{v}/{{id}}"), get(read_node))
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim)
}

/// Counts sends, then applies the faults before anything else (auth included).
async fn gate(State(sim): State<MetaSim>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && req.uri().path().ends_with("/messages") {
        sim.shared.create_requests.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(fault) = sim.shared.faults.apply(&sim.shared.stopped).await {
        tracing::debug!(?fault, path = req.uri().path(), "meta sim: fault injected");
        return fault_response(fault);
    }
    next.run(req).await
}

/// What a send asks for, once validated (the template is checked against the store later).
struct NewMessage {
    to_input: String,
    wa_id: String,
    content: NewContent,
    opaque: Option<String>,
}

enum NewContent {
    Text(String),
    Template { name: String, language: String, body_params: Vec<String>, other_params: Vec<(&'static str, usize)> },
}

fn string_field(json: &Value, key: &str, param: &str) -> Result<Option<String>, ApiError> {
    match json.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::Invalid { details: format!("Param {param} must be a string.") }),
    }
}

fn validate(json: &Value) -> Result<NewMessage, ApiError> {
    if !json.is_object() {
        return Err(ApiError::Required("messaging_product".into()));
    }
    match string_field(json, "messaging_product", "messaging_product")? {
        None => return Err(ApiError::Required("messaging_product".into())),
        Some(p) if p.eq_ignore_ascii_case("whatsapp") => {}
        Some(p) => {
            return Err(ApiError::Invalid {
                details: format!("Param messaging_product must be one of {{WHATSAPP}} - got \"{p}\"."),
            });
        }
    }
    if let Some(rt) = string_field(json, "recipient_type", "recipient_type")?
        && !rt.eq_ignore_ascii_case("individual")
    {
        return Err(ApiError::Invalid {
            details: format!("Param recipient_type must be one of {{INDIVIDUAL}} - got \"{rt}\"."),
        });
    }
    let to_input = string_field(json, "to", "to")?.filter(|t| !t.is_empty()).ok_or(ApiError::Required("to".into()))?;
    let wa_id = wa_id(&to_input);
    if !is_wa_id(&wa_id) {
        return Err(ApiError::Invalid { details: "Param to is not a valid phone number.".to_owned() });
    }
    let opaque = string_field(json, "biz_opaque_callback_data", "biz_opaque_callback_data")?;
    if opaque.as_ref().is_some_and(|o| o.chars().count() > MAX_OPAQUE_CHARS) {
        return Err(ApiError::Invalid {
            details: format!("Param biz_opaque_callback_data must be at most {MAX_OPAQUE_CHARS} characters long."),
        });
    }
    let kind = string_field(json, "type", "type")?.unwrap_or_else(|| "text".to_owned());
    let content = match kind.as_str() {
        "text" => NewContent::Text(validate_text(json)?),
        "template" => validate_template(json)?,
        other => {
            return Err(ApiError::Invalid {
                details: format!("Param type must be one of {{TEXT, TEMPLATE}} in this simulator - got \"{other}\"."),
            });
        }
    };
    Ok(NewMessage { to_input, wa_id, content, opaque })
}

fn validate_text(json: &Value) -> Result<String, ApiError> {
    let Some(text) = json.get("text").filter(|t| t.is_object()) else {
        return Err(ApiError::Required("text['body']".into()));
    };
    let body = string_field(text, "body", "text['body']")?
        .filter(|b| !b.trim().is_empty())
        .ok_or(ApiError::Required("text['body']".into()))?;
    if body.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::Invalid {
            details: format!("Param text['body'] must be at most {MAX_TEXT_CHARS} characters long."),
        });
    }
    if text.get("preview_url").is_some_and(|p| !p.is_boolean()) {
        return Err(ApiError::Invalid { details: "Param text['preview_url'] must be a boolean.".to_owned() });
    }
    Ok(body)
}

fn validate_template(json: &Value) -> Result<NewContent, ApiError> {
    let Some(template) = json.get("template").filter(|t| t.is_object()) else {
        return Err(ApiError::Required("template".into()));
    };
    let name = string_field(template, "name", "template['name']")?
        .filter(|n| !n.is_empty())
        .ok_or(ApiError::Required("template['name']".into()))?;
    let Some(language) = template.get("language").filter(|l| l.is_object()) else {
        return Err(ApiError::Required("template['language']".into()));
    };
    let code = string_field(language, "code", "template['language']['code']")?
        .filter(|c| !c.is_empty())
        .ok_or(ApiError::Required("template['language']['code']".into()))?;
    if let Some(policy) = string_field(language, "policy", "template['language']['policy']")?
        && policy != "deterministic"
    {
        return Err(ApiError::Invalid {
            details: format!(
                "Param template['language']['policy'] must be one of {{DETERMINISTIC}} - got \"{policy}\"."
            ),
        });
    }
    let components = match template.get("components") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(ApiError::Invalid { details: "Param template['components'] must be an array.".to_owned() });
        }
    };
    let mut body_params = Vec::new();
    let mut other_params = Vec::new();
    for (i, component) in components.iter().enumerate() {
        let kind = string_field(component, "type", "components['type']")?
            .ok_or_else(|| ApiError::Required(format!("template['components'][{i}]['type']")))?
            .to_ascii_lowercase();
        let kind: &'static str = match kind.as_str() {
            "body" => "body",
            "header" => "header",
            "button" => "button",
            other => {
                return Err(ApiError::Invalid {
                    details: format!(
                        "Param template['components'][{i}]['type'] must be one of {{HEADER, BODY, BUTTON}} - got \
                         \"{other}\"."
                    ),
                });
            }
        };
        let params = match component.get("parameters") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => {
                return Err(ApiError::Invalid {
                    details: format!("Param template['components'][{i}]['parameters'] must be an array."),
                });
            }
        };
        let mut texts = Vec::with_capacity(params.len());
        for (j, param) in params.iter().enumerate() {
            let at = format!("template['components'][{i}]['parameters'][{j}]");
            match string_field(param, "type", &format!("{at}['type']"))?.as_deref() {
                Some("text") => {}
                Some(other) => {
                    return Err(ApiError::Invalid {
                        details: format!("Param {at}['type'] must be text in this simulator - got \"{other}\"."),
                    });
                }
                None => return Err(ApiError::Required(format!("{at}['type']"))),
            }
            let text = string_field(param, "text", &format!("{at}['text']"))?
                .filter(|t| !t.is_empty())
                .ok_or_else(|| ApiError::Required(format!("{at}['text']")))?;
            texts.push(text);
        }
        if kind == "body" {
            body_params.extend(texts);
        } else if !texts.is_empty() {
            other_params.push((kind, texts.len()));
        }
    }
    Ok(NewContent::Template { name, language: code, body_params, other_params })
}

/// Placeholders `{{n}}` in a template body: the distinct `n`s.
fn placeholders(body: &str) -> HashSet<usize> {
    let mut found = HashSet::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        if let Some(end) = rest.find("}}")
            && let Ok(n) = rest[..end].trim().parse::<usize>()
        {
            found.insert(n);
            rest = &rest[end + 2..];
        }
    }
    found
}

/// The body with each `{{n}}` replaced by the n-th parameter.
fn render(body: &str, params: &[String]) -> String {
    let mut out = body.to_owned();
    for (i, p) in params.iter().enumerate() {
        out = out.replace(&format!("{{{{{}}}}}", i + 1), p);
    }
    out
}

/// Meta refuses new lines, tabs and more than four spaces in a row inside a parameter.
fn param_is_clean(p: &str) -> bool {
    !p.contains(['\n', '\t', '\r']) && !p.contains("     ")
}

async fn send_message(State(sim): State<MetaSim>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&headers) {
        return e.into_response();
    }
    if id != shared.opts.phone_number_id {
        return ApiError::UnknownObject { method: "post", id }.into_response();
    }
    // Anything that is not JSON reads as an empty body, so it fails like Graph's: messaging_product is required.
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let new = match validate(&json) {
        Ok(new) => new,
        Err(e) => return e.into_response(),
    };
    match accept(&sim, new) {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// Checks the template and the recipient's script, stores the message and starts its timer.
fn accept(sim: &MetaSim, new: NewMessage) -> Result<Response, ApiError> {
    let shared = &sim.shared;
    let now = Utc::now();
    let mut state = lock(&shared.state);
    let fate = state.fates.get(&new.wa_id).copied().unwrap_or_default();
    if fate == Fate::PairRateLimited {
        let retry_after_secs = shared.faults.get().retry_after_secs.unwrap_or(PAIR_RETRY_AFTER_SECS);
        return Err(ApiError::PairRateLimited { retry_after_secs });
    }
    let window_open = state.window_open(&new.wa_id, now);
    let (kind, text, template, language, params, category) = match new.content {
        NewContent::Text(body) => ("text", body, None, None, Vec::new(), "service".to_owned()),
        NewContent::Template { name, language, body_params, other_params } => {
            let Some(t) = state.templates.iter().find(|t| t.name == name && t.language == language) else {
                return Err(ApiError::TemplateMissing { name, language });
            };
            if t.status != TemplateStatus::Approved {
                return Err(ApiError::TemplateNotApproved { name, language, status: t.status });
            }
            let expected = placeholders(&t.body).len();
            if body_params.len() != expected {
                return Err(ApiError::ParamCount { component: "body", expected, got: body_params.len() });
            }
            if let Some(&(component, got)) = other_params.first() {
                return Err(ApiError::ParamCount { component, expected: 0, got });
            }
            if !body_params.iter().all(|p| param_is_clean(p)) {
                return Err(ApiError::ParamFormat);
            }
            let text = render(&t.body, &body_params);
            let category = t.category.to_ascii_lowercase();
            ("template", text, Some(name), Some(language), body_params, category)
        }
    };
    let failure = match fate {
        Fate::Undeliverable => Some(131026),
        Fate::OptedOut => Some(131050),
        _ if kind == "text" && !window_open => Some(131047),
        _ => None,
    };
    let [sent, delivered, read] = shared.delays;
    let plan: Vec<(Duration, Step)> = match (failure, fate) {
        (Some(code), _) => vec![(sent, Step::Failed(code))],
        (None, Fate::ReadInChat) => vec![(sent, Step::Sent), (read, Step::Read)],
        (None, Fate::NoReadReceipts) => vec![(sent, Step::Sent), (delivered, Step::Delivered)],
        (None, _) => vec![(sent, Step::Sent), (delivered, Step::Delivered), (read, Step::Read)],
    };
    // Inside the window service replies and utility templates are free under per-message pricing.
    let billable = !(kind == "text" || (window_open && category == "utility"));
    let id = new_wamid(&new.wa_id);
    let msg = SimMessage {
        id: id.clone(),
        to: new.wa_id.clone(),
        kind: kind.to_owned(),
        text,
        template,
        language,
        params,
        status: "accepted".to_owned(),
        error_code: None,
        biz_opaque_callback_data: new.opaque,
        created_at: now,
    };
    let conversation_id = format!("{:032x}", rand::random::<u128>());
    let index = state.records.len();
    state.by_id.insert(id.clone(), index);
    state.records.push(Record { msg, conversation_id, category, billable });
    state.received += 1;
    drop(state);
    tracing::debug!(to = %mask_phone(&new.wa_id), kind, ?fate, "meta sim: message accepted");
    tokio::spawn(progress(Arc::clone(shared), id.clone(), plan));
    let mut message = json!({ "id": id });
    if kind == "template" {
        message["message_status"] = json!("accepted");
    }
    let body = json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": new.to_input, "wa_id": new.wa_id }],
        "messages": [message],
    });
    Ok(Json(body).into_response())
}

#[derive(Deserialize, Default)]
struct ListQuery {
    limit: Option<String>,
    after: Option<String>,
    name: Option<String>,
    status: Option<String>,
    language: Option<String>,
}

async fn list_templates(
    State(sim): State<MetaSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&headers) {
        return e.into_response();
    }
    if id != shared.opts.waba_id {
        return ApiError::UnknownObject { method: "get", id }.into_response();
    }
    // An unreadable query string lists everything, as if it were absent.
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            return ApiError::Invalid { details: "Param limit must be a positive integer.".to_owned() }.into_response();
        }
    };
    let start = match q.after.as_deref() {
        None => 0,
        Some(cursor) => match decode_cursor(cursor) {
            Some(i) => i + 1,
            None => {
                return ApiError::Invalid { details: "Param after is not a valid cursor.".to_owned() }.into_response();
            }
        },
    };
    let templates = sim.templates();
    let matching: Vec<(usize, &SimTemplate)> = templates
        .iter()
        .enumerate()
        .filter(|(_, t)| q.name.as_deref().is_none_or(|n| t.name.contains(n)))
        .filter(|(_, t)| q.status.as_deref().is_none_or(|s| t.status.as_str().eq_ignore_ascii_case(s)))
        .filter(|(_, t)| q.language.as_deref().is_none_or(|l| t.language == l))
        .filter(|(i, _)| *i >= start)
        .collect();
    let page = &matching[..limit.min(matching.len())];
    let data: Vec<Value> = page
        .iter()
        .map(|(_, t)| {
            json!({
                "name": t.name,
                "parameter_format": "POSITIONAL",
                "components": [{ "type": "BODY", "text": t.body }],
                "language": t.language,
                "status": t.status.as_str(),
                "category": t.category,
                "id": t.id,
            })
        })
        .collect();
    let mut paging = json!({});
    if let (Some((first, _)), Some((last, _))) = (page.first(), page.last()) {
        paging["cursors"] = json!({ "before": encode_cursor(*first), "after": encode_cursor(*last) });
        if matching.len() > page.len() {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
            let v = &shared.opts.api_version;
            paging["next"] =
                json!(format!("http://{host}/{v}/{id}/message_templates?limit={limit}&after={}", encode_cursor(*last)));
        }
    }
    Json(json!({ "data": data, "paging": paging })).into_response()
}

fn encode_cursor(index: usize) -> String {
    BASE64.encode(index.to_string())
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    String::from_utf8(BASE64.decode(cursor).ok()?).ok()?.parse().ok()
}

/// `GET /{phone_number_id}` (the "test connection" read) or `GET /{waba_id}`.
async fn read_node(State(sim): State<MetaSim>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let opts = &sim.shared.opts;
    if let Err(e) = sim.shared.authorize(&headers) {
        return e.into_response();
    }
    if id == opts.phone_number_id {
        Json(json!({
            "verified_name": opts.verified_name,
            "code_verification_status": "VERIFIED",
            "display_phone_number": opts.display_phone_number,
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": { "level": "STANDARD" },
            "id": opts.phone_number_id,
        }))
        .into_response()
    } else if id == opts.waba_id {
        Json(json!({
            "id": opts.waba_id,
            "name": opts.verified_name,
            "timezone_id": "73",
            "message_template_namespace": "c0ffee00_wasel_sandbox",
        }))
        .into_response()
    } else {
        ApiError::UnknownObject { method: "get", id }.into_response()
    }
}

// ---------------------------------------------------------------------------------------------
// Debug routes

crate::debug::inspect!(MetaSim, SimMessage, "meta", opt_out);

/// `/_sim/meta/...`: the sandbox inbox and Meta-only switches (see the module doc).
pub(crate) fn debug_routes(sim: MetaSim) -> Router {
    crate::debug::routes::<MetaSim>()
        .route("/webhook", get(debug_webhook).put(debug_subscribe).delete(debug_unsubscribe))
        .route("/inbound", post(debug_inbound))
        .route("/fates", get(debug_fates).post(debug_set_fate))
        .route("/templates", get(debug_templates).post(debug_add_template))
        .route("/templates/{name}/{language}", put(debug_template_status))
        .with_state(sim)
}

fn debug_error(status: StatusCode, error: String) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

async fn debug_webhook(State(sim): State<MetaSim>) -> Json<Value> {
    Json(json!({ "url": sim.webhook_url() }))
}

#[derive(Deserialize)]
struct Subscribe {
    url: String,
    verify_token: Option<String>,
}

async fn debug_subscribe(State(sim): State<MetaSim>, Json(s): Json<Subscribe>) -> Response {
    let token = s.verify_token.unwrap_or_else(|| sim.shared.opts.verify_token.clone());
    match sim.subscribe_webhook(&s.url, &token).await {
        Ok(()) => Json(json!({ "url": s.url, "verified": true })).into_response(),
        Err(e) => debug_error(StatusCode::BAD_REQUEST, e.0),
    }
}

async fn debug_unsubscribe(State(sim): State<MetaSim>) -> StatusCode {
    sim.set_webhook_url(None);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Inbound {
    from: String,
    text: String,
    name: Option<String>,
}

async fn debug_inbound(State(sim): State<MetaSim>, Json(i): Json<Inbound>) -> Response {
    if i.text.trim().is_empty() {
        return debug_error(StatusCode::BAD_REQUEST, "text must not be empty".to_owned());
    }
    match sim.inbound(&i.from, &i.text, i.name.as_deref().unwrap_or("Guardian")) {
        Some(id) => Json(json!({ "id": id, "from": wa_id(&i.from), "webhook": sim.webhook_url() })).into_response(),
        None => debug_error(StatusCode::BAD_REQUEST, "from must be a phone number with its country code".to_owned()),
    }
}

async fn debug_fates(State(sim): State<MetaSim>) -> Json<BTreeMap<String, Fate>> {
    Json(sim.fates())
}

#[derive(Deserialize)]
struct SetFate {
    to: String,
    fate: Fate,
}

async fn debug_set_fate(State(sim): State<MetaSim>, Json(f): Json<SetFate>) -> StatusCode {
    sim.set_fate(&f.to, f.fate);
    StatusCode::NO_CONTENT
}

async fn debug_templates(State(sim): State<MetaSim>) -> Json<Vec<SimTemplate>> {
    Json(sim.templates())
}

async fn debug_add_template(State(sim): State<MetaSim>, Json(t): Json<SimTemplate>) -> Response {
    let (name, language) = (t.name.clone(), t.language.clone());
    match sim.add_template(t) {
        Some(t) => (StatusCode::CREATED, Json(t)).into_response(),
        None => debug_error(StatusCode::BAD_REQUEST, format!("template {name} ({language}) already exists")),
    }
}

#[derive(Deserialize)]
struct SetStatus {
    status: TemplateStatus,
}

async fn debug_template_status(
    State(sim): State<MetaSim>,
    Path((name, language)): Path<(String, String)>,
    Json(s): Json<SetStatus>,
) -> Response {
    if sim.set_template_status(&name, &language, s.status) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        debug_error(StatusCode::NOT_FOUND, format!("no template {name} ({language})"))
    }
}

// ---------------------------------------------------------------------------------------------
// Status timer and webhooks

/// Walks one message through its plan, posting a status webhook at each step; stops on shutdown or when
/// the inbox was cleared meanwhile.
async fn progress(shared: Arc<Shared>, id: String, plan: Vec<(Duration, Step)>) {
    let start = Instant::now();
    let mut stopped = shared.stopped.clone();
    for (after, step) in plan {
        tokio::select! {
            () = tokio::time::sleep_until(start + after) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let payload = {
            let mut state = lock(&shared.state);
            let Some(&i) = state.by_id.get(&id) else {
                return;
            };
            let Some(rec) = state.records.get_mut(i) else {
                return;
            };
            rec.msg.status = step.as_str().to_owned();
            if let Step::Failed(code) = step {
                rec.msg.error_code = Some(code);
            }
            tracing::debug!(wamid = %id, status = step.as_str(), "meta sim: status changed");
            shared.status_payload(rec, step, Utc::now())
        };
        shared.post_webhook(payload);
    }
}

/// Posts one signed webhook; a refusal or a network error is retried with a doubling wait.
async fn deliver(shared: Arc<Shared>, url: String, body: Vec<u8>) {
    let signature = meta_signature(&shared.opts.app_secret, &body);
    let mut wait = shared.opts.webhook_retry_delay;
    let mut stopped = shared.stopped.clone();
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        let result = shared
            .http
            .post(&url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("X-Hub-Signature-256", &signature)
            .body(body.clone())
            .send()
            .await;
        match result {
            Ok(response) if response.status().is_success() => return,
            Ok(response) => {
                tracing::warn!(attempt, http_status = response.status().as_u16(), "meta sim: webhook refused")
            }
            Err(error) => tracing::warn!(attempt, error = %error.without_url(), "meta sim: webhook failed"),
        }
        if attempt == WEBHOOK_ATTEMPTS {
            tracing::warn!(attempts = WEBHOOK_ATTEMPTS, "meta sim: webhook given up");
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        wait = wait.saturating_mul(2);
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/// Digits of a phone number as Meta keys users: `+966 55-500 1234` → `966555001234`.
fn wa_id(number: &str) -> String {
    number.chars().filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')')).collect()
}

fn is_wa_id(s: &str) -> bool {
    (8..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// `wamid.` + base64 of a small record holding the wa_id and a random id, like real ones.
fn new_wamid(wa_id: &str) -> String {
    let mut raw: Vec<u8> = vec![0x1c, 0x18, u8::try_from(wa_id.len()).unwrap_or(u8::MAX)];
    raw.extend_from_slice(wa_id.as_bytes());
    raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x11, 0x18, 0x12]);
    let random = rand::random::<u128>() & ((1u128 << 72) - 1);
    raw.extend_from_slice(format!("{random:018X}").as_bytes());
    raw.push(0x00);
    format!("wamid.{}", BASE64.encode(raw))
}

/// Graph's per-request trace id: 23 characters of URL-safe base64.
fn fbtrace_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..23).map(|_| char::from(ALPHABET[usize::from(rand::random::<u8>() & 63)])).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::atomic::AtomicUsize;

    use axum::extract::Query;
    use tokio::sync::mpsc;

    use super::*;
    use crate::{SimOptions, Simulators};

    const GUARDIAN: &str = "966555001234";

    #[test]
    fn the_signature_is_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            meta_signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn placeholders_are_counted_once_and_filled_in() {
        assert_eq!(placeholders("{{1}} {{2}} {{1}}").len(), 2);
        assert_eq!(placeholders("no params").len(), 0);
        assert_eq!(placeholders("{{x}} {{3}}").len(), 1);
        assert_eq!(render("موعد {{1}} يوم {{2}}", &["سارة".into(), "الأحد".into()]), "موعد سارة يوم الأحد");
        assert!(param_is_clean("سارة أحمد"));
        assert!(!param_is_clean("a\nb"));
        assert!(!param_is_clean("a     b"));
    }

    #[test]
    fn wamids_and_paths_look_like_graphs() {
        let id = new_wamid(GUARDIAN);
        assert!(id.starts_with("wamid.HBgM"), "{id}");
        assert!(id.len() <= 128);
        assert_ne!(id, new_wamid(GUARDIAN));
        assert_eq!(wa_id("+966 55-500 1234"), GUARDIAN);
        assert!(owns_path("/v21.0/123/messages"));
        assert!(owns_path("/v19.0"));
        assert!(!owns_path("/v1/messages"));
        assert!(!owns_path("/2010-04-01/Accounts"));
        assert_eq!(fbtrace_id().len(), 23);
        assert_eq!(decode_cursor(&encode_cursor(7)), Some(7));
    }

    // -----------------------------------------------------------------------------------------
    // Over HTTP

    struct Harness {
        sim: Simulators,
        http: reqwest::Client,
    }

    fn fast() -> MetaOptions {
        MetaOptions {
            sent_after: Duration::from_millis(20),
            delivered_after: Duration::from_millis(80),
            read_after: Duration::from_millis(140),
            webhook_retry_delay: Duration::from_millis(50),
            ..MetaOptions::default()
        }
    }

    async fn spawn_sim() -> Harness {
        let sim = crate::start(SimOptions { meta: fast(), ..SimOptions::default() }).await.unwrap();
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().unwrap();
        Harness { sim, http }
    }

    impl Harness {
        fn url(&self, path: &str) -> String {
            format!("{}/{SANDBOX_API_VERSION}/{path}", self.sim.base_url())
        }

        fn debug(&self, path: &str) -> String {
            format!("{}/_sim/meta/{path}", self.sim.base_url())
        }

        async fn post_raw(&self, token: Option<&str>, body: Vec<u8>) -> (u16, HeaderMap, Value) {
            let mut req = self.http.post(self.url(&format!("{SANDBOX_PHONE_NUMBER_ID}/messages"))).body(body);
            if let Some(token) = token {
                req = req.bearer_auth(token).header(header::CONTENT_TYPE, "application/json");
            }
            let response = req.send().await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            (status, headers, response.json().await.unwrap())
        }

        async fn send(&self, body: Value) -> (u16, HeaderMap, Value) {
            self.post_raw(Some(SANDBOX_ACCESS_TOKEN), serde_json::to_vec(&body).unwrap()).await
        }

        async fn get(&self, url: &str) -> (u16, Value) {
            let response = self.http.get(url).bearer_auth(SANDBOX_ACCESS_TOKEN).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        }

        async fn inbox(&self) -> Vec<SimMessage> {
            self.http.get(self.debug("messages")).send().await.unwrap().json().await.unwrap()
        }

        async fn subscribe(&self, hooks: &Hooks) {
            let response = self
                .http
                .put(self.debug("webhook"))
                .json(&json!({ "url": hooks.url, "verify_token": SANDBOX_VERIFY_TOKEN }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        }
    }

    fn text_message(to: &str, body: &str) -> Value {
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": { "preview_url": false, "body": body },
            "biz_opaque_callback_data": "msg-0192",
        })
    }

    fn template_message(name: &str, language: &str, params: &[&str]) -> Value {
        let parameters: Vec<Value> = params.iter().map(|p| json!({ "type": "text", "text": p })).collect();
        json!({
            "messaging_product": "whatsapp",
            "to": format!("+{GUARDIAN}"),
            "type": "template",
            "template": {
                "name": name,
                "language": { "code": language, "policy": "deterministic" },
                "components": [{ "type": "body", "parameters": parameters }],
            },
            "biz_opaque_callback_data": "msg-0193",
        })
    }

    fn assert_graph_error(status: u16, json: &Value, http: u16, code: u64) {
        assert_eq!(status, http, "{json}");
        assert_eq!(json["error"]["code"], code, "{json}");
        assert!(json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{json}");
        assert!(json["error"]["type"].is_string(), "{json}");
        assert_eq!(json["error"]["fbtrace_id"].as_str().map(str::len), Some(23), "{json}");
    }

    /// What a webhook brought: its signature and its raw body.
    #[derive(Debug)]
    struct Hook {
        signature: String,
        body: Vec<u8>,
    }

    impl Hook {
        fn json(&self) -> Value {
            serde_json::from_slice(&self.body).unwrap()
        }

        fn status(&self) -> Value {
            self.json()["entry"][0]["changes"][0]["value"]["statuses"][0].clone()
        }
    }

    #[derive(Clone)]
    struct HookState {
        tx: mpsc::UnboundedSender<Hook>,
        refuse_next: Arc<AtomicUsize>,
        echo: Arc<Mutex<Option<String>>>,
    }

    struct Hooks {
        url: String,
        rx: mpsc::UnboundedReceiver<Hook>,
        refuse_next: Arc<AtomicUsize>,
        /// When set, the handshake answers this instead of the challenge.
        echo: Arc<Mutex<Option<String>>>,
    }

    impl Hooks {
        async fn next(&mut self) -> Hook {
            tokio::time::timeout(Duration::from_secs(5), self.rx.recv()).await.expect("a webhook in time").unwrap()
        }

        async fn next_status(&mut self) -> Value {
            let hook = self.next().await;
            assert_eq!(hook.signature, meta_signature(SANDBOX_APP_SECRET, &hook.body));
            hook.status()
        }
    }

    /// A webhook receiver on port 0 that does the handshake like Wasel's should.
    async fn spawn_receiver() -> Hooks {
        async fn verify(State(s): State<HookState>, Query(q): Query<HashMap<String, String>>) -> Response {
            let ok = q.get("hub.mode").map(String::as_str) == Some("subscribe")
                && q.get("hub.verify_token").map(String::as_str) == Some(SANDBOX_VERIFY_TOKEN);
            if !ok {
                return StatusCode::FORBIDDEN.into_response();
            }
            let echo = lock(&s.echo).clone();
            echo.unwrap_or_else(|| q.get("hub.challenge").cloned().unwrap_or_default()).into_response()
        }
        async fn receive(State(s): State<HookState>, headers: HeaderMap, body: Bytes) -> StatusCode {
            let signature =
                headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let _ = s.tx.send(Hook { signature, body: body.to_vec() });
            let refuse = s.refuse_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
            if refuse { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let refuse_next = Arc::new(AtomicUsize::new(0));
        let echo = Arc::new(Mutex::new(None));
        let state = HookState { tx, refuse_next: Arc::clone(&refuse_next), echo: Arc::clone(&echo) };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/whatsapp", listener.local_addr().unwrap());
        let app = Router::new().route("/webhooks/whatsapp", get(verify).post(receive)).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Hooks { url, rx, refuse_next, echo }
    }

    #[tokio::test]
    async fn a_guardian_who_wrote_gets_free_text_sent_delivered_read_with_signed_webhooks() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;

        let response = h
            .http
            .post(h.debug("inbound"))
            .json(&json!({ "from": GUARDIAN, "text": "متى موعد سارة؟", "name": "أم سارة" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let inbound = hooks.next().await;
        assert_eq!(inbound.signature, meta_signature(SANDBOX_APP_SECRET, &inbound.body));
        let json = inbound.json();
        assert_eq!(json["object"], "whatsapp_business_account");
        assert_eq!(json["entry"][0]["id"], SANDBOX_WABA_ID);
        let value = &json["entry"][0]["changes"][0]["value"];
        assert_eq!(json["entry"][0]["changes"][0]["field"], "messages");
        assert_eq!(value["metadata"]["phone_number_id"], SANDBOX_PHONE_NUMBER_ID);
        assert_eq!(value["metadata"]["display_phone_number"], "966555000100");
        assert_eq!(value["contacts"][0]["wa_id"], GUARDIAN);
        assert_eq!(value["contacts"][0]["profile"]["name"], "أم سارة");
        assert_eq!(value["messages"][0]["from"], GUARDIAN);
        assert_eq!(value["messages"][0]["text"]["body"], "متى موعد سارة؟");
        assert!(value.get("statuses").is_none());

        let (status, _, json) = h.send(text_message(GUARDIAN, "الأحد الساعة العاشرة")).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["messaging_product"], "whatsapp");
        assert_eq!(json["contacts"][0]["input"], GUARDIAN);
        assert_eq!(json["contacts"][0]["wa_id"], GUARDIAN);
        let wamid = json["messages"][0]["id"].as_str().unwrap().to_owned();
        assert!(wamid.starts_with("wamid."));

        for expected in ["sent", "delivered", "read"] {
            let s = hooks.next_status().await;
            assert_eq!(s["status"], expected);
            assert_eq!(s["id"], wamid.as_str());
            assert_eq!(s["recipient_id"], GUARDIAN);
            assert_eq!(s["biz_opaque_callback_data"], "msg-0192");
            assert_eq!(s["pricing"]["category"], "service");
            assert_eq!(s["pricing"]["billable"], false);
            assert!(s["timestamp"].as_str().unwrap().parse::<i64>().is_ok());
            assert_eq!(s["conversation"]["expiration_timestamp"].is_string(), expected == "sent");
        }
        let inbox = h.inbox().await;
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].status, "read");
        assert_eq!(inbox[0].kind, "text");
        assert_eq!(inbox[0].text, "الأحد الساعة العاشرة");
        assert_eq!(inbox[0].error_code, None);
    }

    #[tokio::test]
    async fn an_arabic_template_is_rendered_in_the_inbox_and_billed_as_utility() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        let (status, _, json) =
            h.send(template_message("appointment_reminder", "ar", &["سارة", "الأحد", "10:30"])).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["contacts"][0]["input"], format!("+{GUARDIAN}"));
        assert_eq!(json["contacts"][0]["wa_id"], GUARDIAN);
        assert_eq!(json["messages"][0]["message_status"], "accepted");
        let s = hooks.next_status().await;
        assert_eq!(s["status"], "sent");
        assert_eq!(s["biz_opaque_callback_data"], "msg-0193");
        assert_eq!(s["conversation"]["origin"]["type"], "utility");
        assert_eq!(s["pricing"]["billable"], true);
        assert_eq!(s["pricing"]["type"], "regular");
        let inbox = h.inbox().await;
        assert_eq!(inbox[0].text, "تذكير: موعد سارة يوم الأحد الساعة 10:30 في مركز واصل.");
        assert_eq!(inbox[0].template.as_deref(), Some("appointment_reminder"));
        assert_eq!(inbox[0].language.as_deref(), Some("ar"));
        assert_eq!(h.sim.meta().received_count(), 1);
    }

    #[tokio::test]
    async fn a_bad_or_missing_token_is_graph_error_190() {
        let h = spawn_sim().await;
        let body = serde_json::to_vec(&text_message(GUARDIAN, "hi")).unwrap();
        let (status, headers, json) = h.post_raw(Some("EAAwrong"), body.clone()).await;
        assert_graph_error(status, &json, 401, 190);
        assert_eq!(json["error"]["type"], "OAuthException");
        assert!(headers.get(header::WWW_AUTHENTICATE).is_some());
        let (status, _, json) = h.post_raw(None, body).await;
        assert_graph_error(status, &json, 401, 190);
        let response = h.http.get(h.url(SANDBOX_PHONE_NUMBER_ID)).send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(h.sim.meta().received_count(), 0);
    }

    #[tokio::test]
    async fn each_malformed_request_is_graph_error_100() {
        let h = spawn_sim().await;
        let base = text_message(GUARDIAN, "hi");
        let with = |patch: Value| {
            let mut b = base.clone();
            for (k, v) in patch.as_object().unwrap() {
                if v.is_null() {
                    b.as_object_mut().unwrap().remove(k);
                } else {
                    b[k] = v.clone();
                }
            }
            b
        };
        let cases = [
            ("no messaging_product", with(json!({ "messaging_product": null }))),
            ("wrong messaging_product", with(json!({ "messaging_product": "sms" }))),
            ("group recipient", with(json!({ "recipient_type": "group" }))),
            ("no to", with(json!({ "to": null }))),
            ("to not a number", with(json!({ "to": "guardian@example.com" }))),
            ("to as a JSON number", with(json!({ "to": 966_555_001_234_u64 }))),
            ("unsupported type", with(json!({ "type": "image" }))),
            ("no text", with(json!({ "text": null }))),
            ("empty body", with(json!({ "text": { "body": " " } }))),
            ("body too long", with(json!({ "text": { "body": "x".repeat(4097) } }))),
            ("opaque too long", with(json!({ "biz_opaque_callback_data": "x".repeat(513) }))),
            ("template without template", with(json!({ "type": "template", "text": null }))),
            (
                "template without name",
                with(json!({ "type": "template", "template": { "language": { "code": "ar" } } })),
            ),
            ("template without language", with(json!({ "type": "template", "template": { "name": "x" } }))),
            (
                "non-text parameter",
                with(json!({ "type": "template", "template": { "name": "appointment_reminder",
                    "language": { "code": "ar" },
                    "components": [{ "type": "body", "parameters": [{ "type": "image", "image": {} }] }] } })),
            ),
        ];
        for (what, body) in cases {
            let (status, _, json) = h.send(body).await;
            assert_graph_error(status, &json, 400, 100);
            assert_eq!(json["error"]["error_data"]["messaging_product"], "whatsapp", "{what}");
            assert!(json["error"]["error_data"]["details"].is_string(), "{what}: {json}");
        }
        let (status, _, json) = h.post_raw(Some(SANDBOX_ACCESS_TOKEN), b"to=966555001234".to_vec()).await;
        assert_graph_error(status, &json, 400, 100);
        assert_eq!(json["error"]["message"], "(#100) The parameter messaging_product is required.");
        // Missing `type` means text, as on Graph.
        let (status, _, _) = h.send(with(json!({ "type": null }))).await;
        assert_eq!(status, 200);
        assert_eq!(h.sim.meta().create_requests(), 17);
    }

    #[tokio::test]
    async fn templates_must_exist_be_approved_and_get_the_right_parameters() {
        let h = spawn_sim().await;
        let cases = [
            (template_message("no_such_template", "ar", &["a"]), 404, 132001),
            (template_message("appointment_reminder", "fr", &["a", "b", "c"]), 404, 132001),
            (template_message("payment_due", "ar", &["300", "1 ديسمبر"]), 404, 132001),
            (template_message("promo_offer", "en", &["20"]), 404, 132001),
            (template_message("appointment_reminder", "ar", &["سارة", "الأحد"]), 400, 132000),
            (template_message("session_cancelled", "en", &["Sara", "Sunday", "extra"]), 400, 132000),
            (template_message("session_cancelled", "en", &["Sara\nAhmad", "Sunday"]), 400, 132018),
        ];
        for (body, http, code) in cases {
            let (status, _, json) = h.send(body).await;
            assert_graph_error(status, &json, http, code);
        }
        let (_, _, json) = h.send(template_message("payment_due", "ar", &["300", "1 ديسمبر"])).await;
        assert!(json["error"]["error_data"]["details"].as_str().unwrap().contains("PENDING"));

        assert!(h.sim.meta().set_template_status("session_cancelled", "en", TemplateStatus::Paused));
        let (status, _, json) = h.send(template_message("session_cancelled", "en", &["Sara", "Sunday"])).await;
        assert_graph_error(status, &json, 400, 132015);
        let response = h
            .http
            .put(h.debug("templates/session_cancelled/en"))
            .json(&json!({ "status": "APPROVED" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let (status, _, json) = h.send(template_message("session_cancelled", "en", &["Sara", "Sunday"])).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(
            h.inbox().await[0].text,
            "Sorry, Sara's session on Sunday is cancelled. We will contact you to book a new one."
        );
        let response =
            h.http.put(h.debug("templates/nope/ar")).json(&json!({ "status": "APPROVED" })).send().await.unwrap();
        assert_eq!(response.status(), 404);
    }

    #[tokio::test]
    async fn free_text_outside_the_window_is_accepted_then_fails_with_131047() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        h.sim.meta().set_last_inbound(GUARDIAN, Utc::now() - TimeDelta::hours(25));
        let (status, _, json) = h.send(text_message(GUARDIAN, "hello")).await;
        assert_eq!(status, 200, "{json}");
        let s = hooks.next_status().await;
        assert_eq!(s["status"], "failed");
        assert_eq!(s["errors"][0]["code"], 131047);
        assert!(s["errors"][0]["error_data"]["details"].is_string());
        assert_eq!(s["biz_opaque_callback_data"], "msg-0192");
        assert!(s.get("pricing").is_none());
        let inbox = h.inbox().await;
        assert_eq!((inbox[0].status.as_str(), inbox[0].error_code), ("failed", Some(131047)));
        // A template still goes through.
        let (status, _, _) = h.send(template_message("appointment_reminder", "en", &["Sara", "Sunday", "10:30"])).await;
        assert_eq!(status, 200);
        assert_eq!(hooks.next_status().await["status"], "sent");
    }

    #[tokio::test]
    async fn scripted_recipients_fail_later_or_at_once_and_receipts_vary() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        let reminder = |to: &str| {
            let mut b = template_message("appointment_reminder", "ar", &["سارة", "الأحد", "10:30"]);
            b["to"] = json!(to);
            b
        };
        let meta = h.sim.meta();
        meta.set_fate("+966555000026", Fate::Undeliverable);
        let response = h.http.post(h.debug("opt-outs")).json(&json!({ "to": "+966555000050" })).send().await.unwrap();
        assert_eq!(response.status(), 204);
        for (to, code) in [("966555000026", 131026), ("966555000050", 131050)] {
            let (status, _, _) = h.send(reminder(to)).await;
            assert_eq!(status, 200);
            let s = hooks.next_status().await;
            assert_eq!((s["status"].as_str(), s["errors"][0]["code"].as_u64()), (Some("failed"), Some(code)));
            assert_eq!(s["recipient_id"], to);
        }

        let response = h
            .http
            .post(h.debug("fates"))
            .json(&json!({ "to": "966555000056", "fate": "pair_rate_limited" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let (status, headers, json) = h.send(reminder("966555000056")).await;
        assert_graph_error(status, &json, 429, 131056);
        assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "6");

        meta.set_fate(GUARDIAN, Fate::ReadInChat);
        h.send(reminder(GUARDIAN)).await;
        assert_eq!(hooks.next_status().await["status"], "sent");
        assert_eq!(hooks.next_status().await["status"], "read");
        meta.set_fate(GUARDIAN, Fate::NoReadReceipts);
        h.send(reminder(GUARDIAN)).await;
        assert_eq!(hooks.next_status().await["status"], "sent");
        assert_eq!(hooks.next_status().await["status"], "delivered");
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(hooks.rx.try_recv().is_err(), "no read receipt");
        let (_, fates) = h.get(&h.debug("fates")).await;
        assert_eq!(fates["966555000050"], "opted_out");
    }

    #[tokio::test]
    async fn faults_answer_in_graphs_error_shape() {
        let h = spawn_sim().await;
        let body = || text_message(GUARDIAN, "hi");
        h.sim.meta().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(3), ..Faults::default() });
        let (status, headers, json) = h.send(body()).await;
        assert_graph_error(status, &json, 429, 130429);
        assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "3");

        h.sim.meta().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let (status, _, json) = h.send(body()).await;
        assert_graph_error(status, &json, 500, 1);
        assert_eq!(json["error"]["is_transient"], true);

        let response = h.http.put(h.debug("faults")).json(&json!({ "down": true })).send().await.unwrap();
        assert_eq!(response.status(), 204);
        let (status, _, json) = h.send(body()).await;
        assert_graph_error(status, &json, 503, 2);

        h.sim.set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let quick = reqwest::Client::builder().no_proxy().timeout(Duration::from_millis(200)).build().unwrap();
        let result = quick
            .post(h.url(&format!("{SANDBOX_PHONE_NUMBER_ID}/messages")))
            .bearer_auth(SANDBOX_ACCESS_TOKEN)
            .json(&body())
            .send()
            .await;
        assert!(result.is_err_and(|e| e.is_timeout()));

        h.sim.set_faults(Faults::default());
        assert_eq!(h.send(body()).await.0, 200);
        assert_eq!(h.sim.meta().received_count(), 1);
    }

    #[tokio::test]
    async fn the_webhook_is_kept_only_when_the_challenge_comes_back() {
        let h = spawn_sim().await;
        let hooks = spawn_receiver().await;
        let put = |token: &str| {
            h.http.put(h.debug("webhook")).json(&json!({ "url": hooks.url, "verify_token": token })).send()
        };
        let response = put("wrong-token").await.unwrap();
        assert_eq!(response.status(), 400);
        let json: Value = response.json().await.unwrap();
        assert!(json["error"].as_str().unwrap().contains("403"), "{json}");

        *lock(&hooks.echo) = Some("not-the-challenge".into());
        let response = put(SANDBOX_VERIFY_TOKEN).await.unwrap();
        assert_eq!(response.status(), 400);
        let json: Value = response.json().await.unwrap();
        assert!(json["error"].as_str().unwrap().contains("does not match challenge"), "{json}");
        let response = h
            .http
            .put(h.debug("webhook"))
            .json(&json!({ "url": "http://127.0.0.1:9/nothing-listens" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(h.get(&h.debug("webhook")).await.1["url"], Value::Null);

        *lock(&hooks.echo) = None;
        let response = h.http.put(h.debug("webhook")).json(&json!({ "url": hooks.url })).send().await.unwrap();
        assert_eq!(response.status(), 200, "the configured verify token is the default");
        assert_eq!(h.get(&h.debug("webhook")).await.1["url"], hooks.url.as_str());
        let response = h.http.delete(h.debug("webhook")).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(h.sim.meta().webhook_url(), None);
    }

    #[tokio::test]
    async fn a_refused_webhook_is_delivered_again_with_the_same_signed_body() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        hooks.refuse_next.store(2, Ordering::SeqCst);
        assert_eq!(h.sim.meta().inbound(GUARDIAN, "مرحبا", "أم سارة").map(|id| id.starts_with("wamid.")), Some(true));
        let first = hooks.next().await;
        let second = hooks.next().await;
        let third = hooks.next().await;
        assert_eq!(first.body, second.body);
        assert_eq!(second.body, third.body);
        assert_eq!(third.signature, meta_signature(SANDBOX_APP_SECRET, &third.body));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(hooks.rx.try_recv().is_err(), "accepted once, not delivered again");
    }

    #[tokio::test]
    async fn templates_are_listed_with_paging_and_status_changes_are_announced() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        let (status, json) = h.get(&h.url(&format!("{SANDBOX_WABA_ID}/message_templates"))).await;
        assert_eq!(status, 200, "{json}");
        let data = json["data"].as_array().unwrap();
        assert_eq!(data.len(), 6);
        let ar = data.iter().find(|t| t["name"] == "appointment_reminder" && t["language"] == "ar").unwrap();
        assert_eq!(ar["status"], "APPROVED");
        assert_eq!(ar["category"], "UTILITY");
        assert_eq!(ar["components"][0]["type"], "BODY");
        assert!(ar["components"][0]["text"].as_str().unwrap().contains("{{3}}"));
        assert!(ar["id"].as_str().unwrap().bytes().all(|b| b.is_ascii_digit()));
        assert!(json["paging"].get("next").is_none());

        let (_, page1) = h.get(&h.url(&format!("{SANDBOX_WABA_ID}/message_templates?limit=4"))).await;
        assert_eq!(page1["data"].as_array().unwrap().len(), 4);
        let next = page1["paging"]["next"].as_str().unwrap().to_owned();
        let (_, page2) = h.get(&next).await;
        assert_eq!(page2["data"].as_array().unwrap().len(), 2);
        assert_eq!(page2["data"][1]["name"], "promo_offer");
        let (_, pending) = h.get(&h.url(&format!("{SANDBOX_WABA_ID}/message_templates?status=PENDING"))).await;
        assert_eq!(pending["data"][0]["name"], "payment_due");

        let (status, json) = h.get(&h.url(&format!("{SANDBOX_PHONE_NUMBER_ID}/message_templates"))).await;
        assert_graph_error(status, &json, 400, 100);
        assert_eq!(json["error"]["error_subcode"], 33);

        assert!(h.sim.meta().set_template_status("payment_due", "ar", TemplateStatus::Approved));
        let hook = hooks.next().await;
        assert_eq!(hook.signature, meta_signature(SANDBOX_APP_SECRET, &hook.body));
        let json = hook.json();
        let change = &json["entry"][0]["changes"][0];
        assert_eq!(change["field"], "message_template_status_update");
        assert_eq!(change["value"]["event"], "APPROVED");
        assert_eq!(change["value"]["message_template_name"], "payment_due");
        assert!(json["entry"][0]["time"].is_i64());

        let response = h
            .http
            .post(h.debug("templates"))
            .json(&json!({ "name": "pickup_changed", "language": "ar", "category": "UTILITY",
                "body": "تغيّر موعد الاستلام إلى {{1}}.", "status": "APPROVED" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let (status, _, json) = h.send(template_message("pickup_changed", "ar", &["الرابعة"])).await;
        assert_eq!(status, 200, "{json}");
    }

    #[tokio::test]
    async fn the_phone_number_read_tests_the_connection() {
        let h = spawn_sim().await;
        let (status, json) = h.get(&h.url(SANDBOX_PHONE_NUMBER_ID)).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["id"], SANDBOX_PHONE_NUMBER_ID);
        assert_eq!(json["display_phone_number"], SANDBOX_DISPLAY_PHONE_NUMBER);
        assert_eq!(json["verified_name"], SANDBOX_VERIFIED_NAME);
        assert_eq!(json["quality_rating"], "GREEN");
        let (status, json) = h.get(&h.url("123")).await;
        assert_graph_error(status, &json, 400, 100);
        let (status, json) = h.get(&format!("{}/v17.0/{SANDBOX_PHONE_NUMBER_ID}/photos", h.sim.base_url())).await;
        assert_graph_error(status, &json, 400, 100);
        let response = h.http.delete(h.debug("messages")).send().await.unwrap();
        assert_eq!(response.status(), 204);
    }
}
