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
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::twilio::{TwilioSim, error_body, is_e164, is_http_url, is_sid, new_sid, not_found_response, rfc2822};
use crate::{lock, mask_phone};

mod call;
mod errors;
mod routes;
mod state;
mod twiml;
use call::*;
use errors::*;
pub(crate) use routes::*;
pub use state::*;
use twiml::*;

#[cfg(test)]
mod tests;

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
