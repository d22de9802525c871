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
//! - List filters on `DateSent` (`=`, `<=`, `>=`) take a day (`2026-12-04`) or an RFC 3339 instant, as the
//!   official SDKs send them; they use `date_sent`, or `date_created` while a message is not sent yet, so
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
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self};
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

mod callbacks;
mod content;
mod errors;
mod list;
mod parsers;
mod routes;
mod state;
use callbacks::*;
use content::*;
pub(crate) use errors::*;
use list::*;
pub(crate) use parsers::*;
pub(crate) use routes::*;
pub use state::*;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) use tests::testing;

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
