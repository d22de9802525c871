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
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self};
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

mod debug_routes;
mod errors;
mod helpers;
mod routes;
mod state;
mod webhooks;
pub(crate) use debug_routes::*;
pub(crate) use errors::*;
use helpers::*;
pub(crate) use routes::*;
pub use state::*;
use webhooks::*;

#[cfg(test)]
mod tests;

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
