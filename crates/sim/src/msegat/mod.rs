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
use axum::middleware::{self};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::faults::{Fault, FaultSwitch};
use crate::{Faults, constant_time_eq, is_gateway_number, lock, mask_phone, segments};

mod codes;
mod debug_routes;
mod routes;
mod state;
pub(crate) use codes::*;
use debug_routes::*;
pub(crate) use routes::*;
pub use state::*;

#[cfg(test)]
mod tests;

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
