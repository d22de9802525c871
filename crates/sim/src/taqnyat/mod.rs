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

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::faults::{Fault, FaultSwitch};
use crate::{Faults, constant_time_eq, is_gateway_number, lock, mask_phone, segments};

mod debug_routes;
mod errors;
mod routes;
mod state;
use debug_routes::*;
pub(crate) use errors::*;
pub(crate) use routes::*;
pub use state::*;

#[cfg(test)]
mod tests;

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
