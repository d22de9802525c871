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
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::faults::{Fault, FaultSwitch};
use crate::{Faults, constant_time_eq, lock};

mod debug_routes;
mod errors;
mod routes;
mod state;
use debug_routes::*;
use errors::*;
pub(crate) use routes::*;
pub use state::*;

#[cfg(test)]
mod tests;

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
