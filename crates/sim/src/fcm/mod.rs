//! Firebase Cloud Messaging (HTTP v1) on loopback: Google's OAuth token endpoint for a service account
//! (JWT-bearer grant, RS256), `messages:send` with FCM's validation and error shapes, and a device registry.
//!
//! The simulator makes its own service account (one RSA 2048 key per process, made on first use) and
//! serves it at `GET /_sim/fcm/service-account` with `token_uri` pointing at this server's `/token`.
//! Choices where our reference (`fcm-v1.md`) is silent:
//!
//! | question | what the simulator does |
//! |---|---|
//! | token endpoint errors | 400 `{"error","error_description"}`: `unsupported_grant_type`, `invalid_request` (no assertion), `invalid_grant` (bad JWT, signature, unknown `iss`, wrong `aud`, `exp`/`iat` not a ≤ 60 min window around now ± 5 min), `invalid_scope` (no scope, or one outside `https://www.googleapis.com/auth/`) |
//! | accepted `aud` | this server's own `/token` URL (by `Host` or bound address); the real Google endpoint is never named in code |
//! | a JWT `kid` | optional; when present it must be the `private_key_id` |
//! | access tokens | `ya29.c.` + 120 random characters, valid for [`FcmOptions::token_lifetime`] (`expires_in` in whole seconds); [`FcmSim::expire_access_tokens`] ends them all early |
//! | a token without a messaging scope | 403 `PERMISSION_DENIED` "Request had insufficient authentication scopes." |
//! | another project in the path | 403 `PERMISSION_DENIED` (the project id or [`FcmOptions::project_number`] are ours) |
//! | registration token shape | 32–4,096 characters of `A–Z a–z 0–9 : _ -`, else 400 `INVALID_ARGUMENT` "The registration token is not a valid FCM registration token" with field `message.token` |
//! | well-shaped but unknown / revoked | 404 `NOT_FOUND` + `UNREGISTERED`, also with `validate_only` (dry runs check tokens too); a device registered for another project: 403 + `SENDER_ID_MISMATCH` |
//! | JSON errors | unknown field, wrong type, bad enum or duration, two targets: 400 `INVALID_ARGUMENT` "Invalid JSON payload received…" / "Invalid value at '…'" with a `BadRequest` detail only (no `FcmError`), as Google's JSON parser answers; field names in `snake_case` or `lowerCamelCase` |
//! | FCM rule errors | no target ("Recipient of the message is not set."), reserved data key, payload over 4,096 bytes (2,048 for topic / condition) counting data keys + values + notification title + body, `ttl` outside 0–2,419,200 s, `apns-collapse-id` over 64 bytes: 400 `INVALID_ARGUMENT` with `FcmError INVALID_ARGUMENT` and a `BadRequest` field violation |
//! | success | 200 `{"name":"projects/{project_id}/messages/0:<ms>%<16 hex>"}`; `validate_only` → `…/messages/fake_message_id`, nothing recorded |
//! | faults | on `messages:send` only (the OAuth endpoint is another Google service): 429 `RESOURCE_EXHAUSTED` + `QUOTA_EXCEEDED` (+ `Retry-After`), 500 `INTERNAL`, 503 `UNAVAILABLE` |
//! | delivery | FCM reports none; the sandbox inbox shows `accepted`, then `delivered` after [`FcmOptions::delivered_after`], and `replaced: true` once a later message to the same token carries the same `collapse_key` / `apns-collapse-id` |

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::sha2::Sha256;
use rsa::signature::Verifier;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::Faults;
use crate::faults::{Fault, FaultSwitch};
use crate::lock;

mod debug_routes;
mod errors;
mod routes;
mod state;
mod test_key;
mod validation;
use debug_routes::*;
use errors::*;
pub(crate) use routes::*;
pub use state::*;
use test_key::*;
use validation::*;

#[cfg(test)]
mod tests;

pub const SANDBOX_PROJECT_ID: &str = "wasel-sim";
/// The same project by number, which the send path also accepts.
pub const SANDBOX_PROJECT_NUMBER: &str = "104729000001";
pub const SANDBOX_CLIENT_EMAIL: &str = "firebase-adminsdk-sim@wasel-sim.iam.gserviceaccount.com";
/// The real token endpoint: also accepted as the JWT `aud`.
pub const SCOPE_MESSAGING: &str = "https://www.googleapis.com/auth/firebase.messaging";
pub const SCOPE_CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

const TOKEN_PATH: &str = "/token";
const SEND_PATH: &str = "/v1/projects/{project}/messages:send";
const MAX_PAYLOAD_BYTES: usize = 4096;
const MAX_TOPIC_PAYLOAD_BYTES: usize = 2048;
const MAX_TTL_SECS: f64 = 2_419_200.0;
const MAX_APNS_COLLAPSE_ID_BYTES: usize = 64;
/// Google accepts assertions valid for at most an hour…
const MAX_ASSERTION_SECS: i64 = 3600;
/// …and tolerates this much clock difference.
const CLOCK_SKEW_SECS: i64 = 300;
const FCM_ERROR_TYPE: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const BAD_REQUEST_TYPE: &str = "type.googleapis.com/google.rpc.BadRequest";

/// The sandbox project and how long tokens and deliveries take.
#[derive(Clone, Debug)]
pub struct FcmOptions {
    pub project_id: String,
    pub project_number: String,
    /// The service account's `client_email`: the only accepted JWT `iss`.
    pub client_email: String,
    /// How long an access token works; `expires_in` says the same in whole seconds.
    pub token_lifetime: Duration,
    /// From accepted to `delivered` in the sandbox inbox.
    pub delivered_after: Duration,
}

impl Default for FcmOptions {
    fn default() -> Self {
        Self {
            project_id: SANDBOX_PROJECT_ID.to_owned(),
            project_number: SANDBOX_PROJECT_NUMBER.to_owned(),
            client_email: SANDBOX_CLIENT_EMAIL.to_owned(),
            token_lifetime: Duration::from_secs(3600),
            delivered_after: Duration::from_millis(300),
        }
    }
}

/// One accepted message as the device (or topic) would have shown it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimMessage {
    /// `projects/{project_id}/messages/{id}`, as the send answered.
    pub name: String,
    pub token: Option<String>,
    pub topic: Option<String>,
    pub condition: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub image: Option<String>,
    pub data: BTreeMap<String, String>,
    /// `NORMAL` or `HIGH`, when set.
    pub android_priority: Option<String>,
    pub collapse_key: Option<String>,
    pub apns_collapse_id: Option<String>,
    /// As sent, e.g. `"3600s"`.
    pub ttl: Option<String>,
    /// `accepted`, then `delivered`.
    pub status: String,
    /// A later message to the same token with the same collapse id took this one's place on the device.
    pub replaced: bool,
    pub received_at: DateTime<Utc>,
}

/// A registered device token, as `GET /_sim/fcm/devices` lists it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimDevice {
    pub token: String,
    pub project_id: String,
    pub revoked: bool,
}

/// A fresh registration token shaped like FCM's (`<22 chars>:APA91b<134 chars>`).
pub fn new_device_token() -> String {
    let mut rng = rand::rng();
    let mut part = |n: usize| -> String {
        (0..n)
            .map(|_| {
                const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])
            })
            .collect()
    };
    format!("{}:APA91b{}", part(22), part(134))
}

fn is_token_shaped(token: &str) -> bool {
    (32..=4096).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_:".contains(&b))
}
