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
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
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

// ---------------------------------------------------------------------------------------------
// The test service account's key

struct TestKey {
    verifying: VerifyingKey<Sha256>,
    pkcs8_pem: String,
    key_id: String,
}

/// One key per process: RSA generation costs about a second even optimised.
static TEST_KEY: OnceLock<Result<TestKey, String>> = OnceLock::new();

fn generate_key() -> Result<TestKey, String> {
    let mut rng = rsa::rand_core::OsRng;
    let private = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| e.to_string())?;
    let pkcs8_pem = private.to_pkcs8_pem(LineEnding::LF).map_err(|e| e.to_string())?.to_string();
    let verifying = VerifyingKey::<Sha256>::new(private.to_public_key());
    let key_id = (0..40).map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)])).collect();
    tracing::debug!("fcm sim: test service-account key generated");
    Ok(TestKey { verifying, pkcs8_pem, key_id })
}

async fn test_key() -> std::io::Result<&'static TestKey> {
    let key = match TEST_KEY.get() {
        Some(key) => key,
        None => {
            tokio::task::spawn_blocking(|| TEST_KEY.get_or_init(generate_key)).await.map_err(std::io::Error::other)?
        }
    };
    key.as_ref().map_err(|e| std::io::Error::other(format!("test RSA key: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Google's API error: `{"error":{"code","message","status","details":[…]}}`.
#[derive(Debug)]
struct GoogleError {
    http: StatusCode,
    status: &'static str,
    message: String,
    fcm_code: Option<&'static str>,
    /// A `BadRequest` detail: the field (if known) and the description (the message).
    violation: Option<Option<String>>,
    retry_after: Option<u64>,
    www_authenticate: bool,
}

impl GoogleError {
    fn new(http: StatusCode, status: &'static str, message: impl Into<String>) -> Self {
        Self {
            http,
            status,
            message: message.into(),
            fcm_code: None,
            violation: None,
            retry_after: None,
            www_authenticate: false,
        }
    }

    fn fcm(mut self, code: &'static str) -> Self {
        self.fcm_code = Some(code);
        self
    }

    /// FCM's own rule broken: `FcmError INVALID_ARGUMENT` plus the field.
    fn invalid_argument(message: impl Into<String>, field: &str) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message).fcm("INVALID_ARGUMENT");
        e.violation = Some(Some(field.to_owned()));
        e
    }

    /// Google's JSON parser refused the body: a `BadRequest` detail and no `FcmError`.
    fn bad_json(message: impl Into<String>, field: Option<&str>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message);
        e.violation = Some(field.map(str::to_owned));
        e
    }

    fn unauthenticated(missing: bool) -> Self {
        let message = if missing {
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
        } else {
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
        };
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
        e.www_authenticate = true;
        e
    }

    fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "PERMISSION_DENIED", message)
    }

    fn unregistered() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Requested entity was not found.").fcm("UNREGISTERED")
    }

    fn sender_id_mismatch() -> Self {
        Self::permission_denied("SenderId mismatch").fcm("SENDER_ID_MISMATCH")
    }

    fn from_fault(fault: Fault) -> Self {
        match fault {
            Fault::Down | Fault::TimedOut => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "The service is currently unavailable.")
                    .fcm("UNAVAILABLE")
            }
            Fault::ServerError => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "Internal error encountered.").fcm("INTERNAL")
            }
            Fault::RateLimited { retry_after_secs } => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RESOURCE_EXHAUSTED",
                    "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute per project'.",
                )
                .fcm("QUOTA_EXCEEDED");
                e.retry_after = retry_after_secs;
                e
            }
        }
    }
}

impl IntoResponse for GoogleError {
    fn into_response(self) -> Response {
        let mut details = Vec::new();
        if let Some(code) = self.fcm_code {
            details.push(json!({ "@type": FCM_ERROR_TYPE, "errorCode": code }));
        }
        if let Some(field) = &self.violation {
            let mut violation = json!({ "description": self.message });
            if let Some(field) = field {
                violation["field"] = json!(field);
            }
            details.push(json!({ "@type": BAD_REQUEST_TYPE, "fieldViolations": [violation] }));
        }
        let mut error = json!({ "code": self.http.as_u16(), "message": self.message, "status": self.status });
        if !details.is_empty() {
            error["details"] = Value::Array(details);
        }
        let mut response = (self.http, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.www_authenticate {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""),
            );
        }
        response
    }
}

/// Google's OAuth error: 400 `{"error","error_description"}`.
#[derive(Debug, PartialEq, Eq)]
struct OAuthError {
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn grant(description: impl Into<String>) -> Self {
        Self { error: "invalid_grant", description: description.into() }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

// ---------------------------------------------------------------------------------------------
// State

/// The FCM simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct FcmSim {
    shared: Arc<Shared>,
}

struct Shared {
    opts: FcmOptions,
    /// The server's own address, for `token_uri` when no `Host` header says otherwise.
    addr: SocketAddr,
    state: Mutex<Store>,
    token_requests: AtomicUsize,
    send_requests: AtomicUsize,
    faults: FaultSwitch,
    stopped: watch::Receiver<bool>,
}

#[derive(Default)]
struct Store {
    records: Vec<Record>,
    devices: HashMap<String, Device>,
    access_tokens: HashMap<String, AccessToken>,
    tokens_issued: usize,
    received: usize,
}

struct Device {
    project_id: String,
    revoked: bool,
}

struct AccessToken {
    expires: Instant,
    /// Carries `firebase.messaging` or `cloud-platform`.
    may_send: bool,
}

struct Record {
    name: String,
    message: NewMessage,
    received_at: DateTime<Utc>,
}

impl FcmSim {
    pub(crate) fn new(opts: FcmOptions, addr: SocketAddr, stopped: watch::Receiver<bool>) -> Self {
        Self {
            shared: Arc::new(Shared {
                opts,
                addr,
                state: Mutex::new(Store::default()),
                token_requests: AtomicUsize::new(0),
                send_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                stopped,
            }),
        }
    }

    pub fn project_id(&self) -> &str {
        &self.shared.opts.project_id
    }

    /// `http://127.0.0.1:PORT/token`.
    pub fn token_uri(&self) -> String {
        format!("http://{}{TOKEN_PATH}", self.shared.addr)
    }

    /// The test service account as Google's JSON key file, `token_uri` pointing at this server.
    /// Makes the RSA key on first use (about a second).
    pub async fn service_account_json(&self) -> std::io::Result<String> {
        let key = test_key().await?;
        Ok(self.shared.service_account(key, &self.token_uri()).to_string())
    }

    /// Every accepted (not dry-run) message, in order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let now = Utc::now();
        let delivered_after = TimeDelta::from_std(self.shared.opts.delivered_after).unwrap_or(TimeDelta::MAX);
        let state = lock(&self.shared.state);
        let records = &state.records;
        records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let m = &r.message;
                let replaced = records[i + 1..].iter().any(|later| later.message.replaces(m));
                SimMessage {
                    name: r.name.clone(),
                    token: m.target.token().map(str::to_owned),
                    topic: m.target.topic().map(str::to_owned),
                    condition: m.target.condition().map(str::to_owned),
                    title: m.title.clone(),
                    body: m.body.clone(),
                    image: m.image.clone(),
                    data: m.data.clone(),
                    android_priority: m.android_priority.clone(),
                    collapse_key: m.collapse_key.clone(),
                    apns_collapse_id: m.apns_collapse_id.clone(),
                    ttl: m.ttl.clone(),
                    status: if now - r.received_at < delivered_after { "accepted" } else { "delivered" }.to_owned(),
                    replaced,
                    received_at: r.received_at,
                }
            })
            .collect()
    }

    /// Sends answered 200 (dry runs excluded).
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// `messages:send` requests that reached the simulator, including refused and faulted ones.
    pub fn send_requests(&self) -> usize {
        self.shared.send_requests.load(Ordering::Relaxed)
    }

    /// `POST /token` requests, including refused ones.
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests.load(Ordering::Relaxed)
    }

    /// Access tokens handed out.
    pub fn tokens_issued(&self) -> usize {
        lock(&self.shared.state).tokens_issued
    }

    /// Every access token handed out so far stops working (as if its hour were up): sends answer 401.
    pub fn expire_access_tokens(&self) {
        lock(&self.shared.state).access_tokens.clear();
    }

    /// Registers a device token of this project (a fresh token re-registers a revoked one).
    pub fn register_device(&self, token: &str) {
        self.register_device_in(token, &self.shared.opts.project_id);
    }

    /// Registers a device token that belongs to another sender: sends to it answer `SENDER_ID_MISMATCH`.
    pub fn register_device_in(&self, token: &str, project_id: &str) {
        let device = Device { project_id: project_id.to_owned(), revoked: false };
        lock(&self.shared.state).devices.insert(token.to_owned(), device);
    }

    /// A new token of this project, registered.
    pub fn new_device(&self) -> String {
        let token = new_device_token();
        self.register_device(&token);
        token
    }

    /// The app was uninstalled: later sends answer `UNREGISTERED`. False when the token was never registered.
    pub fn revoke_device(&self, token: &str) -> bool {
        match lock(&self.shared.state).devices.get_mut(token) {
            Some(device) => {
                device.revoked = true;
                true
            }
            None => false,
        }
    }

    pub fn devices(&self) -> Vec<SimDevice> {
        let state = lock(&self.shared.state);
        let mut devices: Vec<SimDevice> = state
            .devices
            .iter()
            .map(|(token, d)| SimDevice { token: token.clone(), project_id: d.project_id.clone(), revoked: d.revoked })
            .collect();
        devices.sort_by(|a, b| a.token.cmp(&b.token));
        devices
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Forgets every message and resets the counters. Devices, access tokens and faults stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.received = 0;
        state.tokens_issued = 0;
        self.shared.send_requests.store(0, Ordering::Relaxed);
        self.shared.token_requests.store(0, Ordering::Relaxed);
    }
}

impl Shared {
    fn service_account(&self, key: &TestKey, token_uri: &str) -> Value {
        json!({
            "type": "service_account",
            "project_id": self.opts.project_id,
            "private_key_id": key.key_id,
            "private_key": key.pkcs8_pem,
            "client_email": self.opts.client_email,
            "client_id": "104729000000000000001",
            "token_uri": token_uri,
            "universe_domain": "googleapis.com",
        })
    }

    /// This server's base URL as the caller reached it.
    fn base_url(&self, headers: &HeaderMap) -> String {
        match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
            Some(host) => format!("http://{host}"),
            None => format!("http://{}", self.addr),
        }
    }

    fn accepted_audiences(&self, headers: &HeaderMap) -> [String; 2] {
        [format!("{}{TOKEN_PATH}", self.base_url(headers)), format!("http://{}{TOKEN_PATH}", self.addr)]
    }

    fn authorize(&self, headers: &HeaderMap) -> Result<(), GoogleError> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| GoogleError::unauthenticated(true))?;
        let mut state = lock(&self.state);
        let now = Instant::now();
        state.access_tokens.retain(|_, t| t.expires > now);
        match state.access_tokens.get(token) {
            Some(t) if t.may_send => Ok(()),
            Some(_) => Err(GoogleError::permission_denied("Request had insufficient authentication scopes.")),
            None => Err(GoogleError::unauthenticated(false)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// `/token` and `messages:send`; faults apply to the FCM API only.
pub(crate) fn api_routes(sim: FcmSim) -> Router {
    let send = Router::new()
        .route(SEND_PATH, post(send_message))
        .route_layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim.clone());
    Router::new().route(TOKEN_PATH, post(issue_token)).with_state(sim).merge(send)
}

crate::debug::inspect!(FcmSim, SimMessage, "fcm", revoke_device);

/// `/_sim/fcm/...`: the inbox, faults, the service account, devices and access tokens.
pub(crate) fn debug_routes(sim: FcmSim) -> Router {
    crate::debug::routes::<FcmSim>()
        .route("/service-account", get(debug_service_account))
        .route("/devices", get(debug_devices).post(debug_register_device))
        .route("/devices/{token}", delete(debug_revoke_device))
        .route("/access-tokens", delete(debug_expire_tokens))
        .route("/stats", get(debug_stats))
        .with_state(sim)
}

async fn gate(State(sim): State<FcmSim>, req: Request, next: Next) -> Response {
    sim.shared.send_requests.fetch_add(1, Ordering::Relaxed);
    if let Some(fault) = sim.shared.faults.apply(&sim.shared.stopped).await {
        tracing::debug!(?fault, "fcm sim: fault injected");
        return GoogleError::from_fault(fault).into_response();
    }
    next.run(req).await
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    assertion: Option<String>,
}

async fn issue_token(
    State(sim): State<FcmSim>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    shared.token_requests.fetch_add(1, Ordering::Relaxed);
    let Ok(Form(form)) = form else {
        return OAuthError { error: "invalid_request", description: "Missing required parameter: grant_type".into() }
            .into_response();
    };
    match form.grant_type.as_deref() {
        Some(JWT_BEARER_GRANT) => {}
        None | Some("") => {
            return OAuthError {
                error: "invalid_request",
                description: "Missing required parameter: grant_type".into(),
            }
            .into_response();
        }
        Some(other) => {
            return OAuthError { error: "unsupported_grant_type", description: format!("Invalid grant_type: {other}") }
                .into_response();
        }
    }
    let Some(assertion) = form.assertion.filter(|a| !a.is_empty()) else {
        return OAuthError { error: "invalid_request", description: "Missing required parameter: assertion".into() }
            .into_response();
    };
    let key = match test_key().await {
        Ok(key) => key,
        Err(error) => {
            tracing::warn!(%error, "fcm sim: no test key");
            return GoogleError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "Internal error encountered.")
                .into_response();
        }
    };
    let audiences = shared.accepted_audiences(&headers);
    let may_send =
        match verify_assertion(&assertion, key, &shared.opts.client_email, &audiences, Utc::now().timestamp()) {
            Ok(may_send) => may_send,
            Err(e) => {
                tracing::debug!(error = e.error, description = %e.description, "fcm sim: assertion refused");
                return e.into_response();
            }
        };
    let access_token =
        format!("ya29.c.{}", rand::rng().sample_iter(Alphanumeric).take(120).map(char::from).collect::<String>());
    let lifetime = shared.opts.token_lifetime;
    {
        let mut state = lock(&shared.state);
        let now = Instant::now();
        state.access_tokens.retain(|_, t| t.expires > now);
        state.access_tokens.insert(access_token.clone(), AccessToken { expires: now + lifetime, may_send });
        state.tokens_issued += 1;
    }
    tracing::debug!(may_send, "fcm sim: access token issued");
    let expires_in = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
    Json(json!({ "access_token": access_token, "expires_in": expires_in, "token_type": "Bearer" })).into_response()
}

/// Checks a JWT-bearer assertion as Google does; `Ok(true)` when its scopes allow sending messages.
fn verify_assertion(
    jwt: &str,
    key: &TestKey,
    client_email: &str,
    audiences: &[String],
    now: i64,
) -> Result<bool, OAuthError> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(claims), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OAuthError::grant("Invalid JWT: not a signed JWT (header.claims.signature)"));
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part.trim_end_matches('='));
    let header: Value = decode(header)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| OAuthError::grant("Invalid JWT: unreadable header"))?;
    let claims: Value = decode(claims)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| OAuthError::grant("Invalid JWT: unreadable claim set"))?;
    let signature = decode(signature).map_err(|_| OAuthError::grant("Invalid JWT Signature."))?;

    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(OAuthError::grant("Invalid JWT Signature."));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(client_email) {
        return Err(OAuthError::grant("Invalid grant: account not found"));
    }
    if let Some(kid) = header.get("kid")
        && kid.as_str() != Some(key.key_id.as_str())
    {
        return Err(OAuthError::grant("Invalid JWT Signature."));
    }
    let signed_len = jwt.len() - jwt.rsplit('.').next().map_or(0, str::len) - 1;
    let signature =
        Signature::try_from(signature.as_slice()).map_err(|_| OAuthError::grant("Invalid JWT Signature."))?;
    if key.verifying.verify(&jwt.as_bytes()[..signed_len], &signature).is_err() {
        return Err(OAuthError::grant("Invalid JWT Signature."));
    }
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or_default();
    if !audiences.iter().any(|a| a == aud) {
        return Err(OAuthError::grant(format!(
            "Invalid JWT: Failed audience check. The expected value was {}, but the actual value was {aud}",
            audiences.first().map_or("", String::as_str)
        )));
    }
    let time = |name: &str| claims.get(name).and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)));
    let window_ok = match (time("iat"), time("exp")) {
        (Some(iat), Some(exp)) => {
            exp > iat && exp - iat <= MAX_ASSERTION_SECS && iat <= now + CLOCK_SKEW_SECS && exp > now - CLOCK_SKEW_SECS
        }
        _ => false,
    };
    if !window_ok {
        return Err(OAuthError::grant(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        ));
    }
    let scopes: Vec<&str> =
        claims.get("scope").and_then(Value::as_str).unwrap_or_default().split_whitespace().collect();
    if scopes.is_empty() || !scopes.iter().all(|s| s.starts_with("https://www.googleapis.com/auth/")) {
        return Err(OAuthError {
            error: "invalid_scope",
            description: "Invalid OAuth scope or ID token audience provided.".into(),
        });
    }
    Ok(scopes.iter().any(|s| *s == SCOPE_MESSAGING || *s == SCOPE_CLOUD_PLATFORM))
}

async fn send_message(
    State(sim): State<FcmSim>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match accept(&sim.shared, &project, &headers, &body) {
        Ok(name) => Json(json!({ "name": name })).into_response(),
        Err(e) => {
            tracing::debug!(status = e.status, fcm = ?e.fcm_code, message = %e.message, "fcm sim: send refused");
            e.into_response()
        }
    }
}

/// Auth, project, validation, the device registry; then records the message and returns its name.
fn accept(shared: &Shared, project: &str, headers: &HeaderMap, body: &[u8]) -> Result<String, GoogleError> {
    shared.authorize(headers)?;
    if project != shared.opts.project_id && project != shared.opts.project_number {
        return Err(GoogleError::permission_denied(format!(
            "Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/{project}' (or it may not exist)."
        )));
    }
    let request: Value = serde_json::from_slice(body)
        .map_err(|_| GoogleError::bad_json("Invalid JSON payload received. Unexpected token.", None))?;
    let request = request
        .as_object()
        .ok_or_else(|| GoogleError::bad_json("Invalid JSON payload received. Unexpected token.", None))?;
    check_known(request, &["validate_only", "message"], None)?;
    let validate_only = match field(request, "validate_only") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(GoogleError::bad_json(
                format!("Invalid value at 'validate_only' (TYPE_BOOL), {other}"),
                Some("validate_only"),
            ));
        }
    };
    let message = validate(field(request, "message"))?;

    let mut state = lock(&shared.state);
    if let Target::Token(token) = &message.target {
        match state.devices.get(token) {
            None | Some(Device { revoked: true, .. }) => return Err(GoogleError::unregistered()),
            Some(device) if device.project_id != shared.opts.project_id => {
                return Err(GoogleError::sender_id_mismatch());
            }
            Some(_) => {}
        }
    }
    if validate_only {
        return Ok(format!("projects/{}/messages/fake_message_id", shared.opts.project_id));
    }
    let now = Utc::now();
    let name = format!(
        "projects/{}/messages/0:{}%{:016x}",
        shared.opts.project_id,
        now.timestamp_millis(),
        rand::random::<u64>()
    );
    tracing::debug!(%name, kind = message.target.kind(), "fcm sim: message accepted");
    state.records.push(Record { name: name.clone(), message, received_at: now });
    state.received += 1;
    Ok(name)
}

// ---------------------------------------------------------------------------------------------
// Validation

enum Target {
    Token(String),
    Topic(String),
    Condition(String),
}

impl Target {
    fn token(&self) -> Option<&str> {
        if let Self::Token(t) = self { Some(t) } else { None }
    }
    fn topic(&self) -> Option<&str> {
        if let Self::Topic(t) = self { Some(t) } else { None }
    }
    fn condition(&self) -> Option<&str> {
        if let Self::Condition(c) = self { Some(c) } else { None }
    }
    fn kind(&self) -> &'static str {
        match self {
            Self::Token(_) => "token",
            Self::Topic(_) => "topic",
            Self::Condition(_) => "condition",
        }
    }
}

struct NewMessage {
    target: Target,
    title: Option<String>,
    body: Option<String>,
    image: Option<String>,
    data: BTreeMap<String, String>,
    android_priority: Option<String>,
    collapse_key: Option<String>,
    apns_collapse_id: Option<String>,
    ttl: Option<String>,
}

impl NewMessage {
    /// Same device and the same collapse id on either platform: the device shows only the later one.
    fn replaces(&self, earlier: &NewMessage) -> bool {
        let same_device = matches!((self.target.token(), earlier.target.token()), (Some(a), Some(b)) if a == b);
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        same_device
            && (same(&self.collapse_key, &earlier.collapse_key)
                || same(&self.apns_collapse_id, &earlier.apns_collapse_id))
    }
}

/// `collapseKey` → `collapse_key`: Google's JSON takes proto field names in either spelling.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A proto field by its snake_case name, also found under its lowerCamelCase spelling.
fn field<'a>(obj: &'a Map<String, Value>, snake: &str) -> Option<&'a Value> {
    obj.get(snake).or_else(|| obj.iter().find(|(k, _)| k.as_str() != snake && snake_case(k) == snake).map(|(_, v)| v))
}

fn check_known(obj: &Map<String, Value>, known: &[&str], path: Option<&str>) -> Result<(), GoogleError> {
    match obj.keys().find(|k| !known.contains(&snake_case(k).as_str())) {
        None => Ok(()),
        Some(k) => {
            let at = path.map(|p| format!(" at '{p}'")).unwrap_or_default();
            Err(GoogleError::bad_json(
                format!("Invalid JSON payload received. Unknown name \"{k}\"{at}: Cannot find field."),
                path,
            ))
        }
    }
}

/// A present-and-not-null value must be an object.
fn object<'a>(
    value: Option<&'a Value>,
    path: &str,
    proto: &str,
) -> Result<Option<&'a Map<String, Value>>, GoogleError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(obj)) => Ok(Some(obj)),
        Some(other) => Err(GoogleError::bad_json(format!("Invalid value at '{path}' ({proto}), {other}"), Some(path))),
    }
}

fn string(obj: &Map<String, Value>, name: &str, path: &str) -> Result<Option<String>, GoogleError> {
    match field(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => {
            let at = format!("{path}.{name}");
            Err(GoogleError::bad_json(format!("Invalid value at '{at}' (TYPE_STRING), {other}"), Some(&at)))
        }
    }
}

/// `map<string, string>`: every value a string.
fn string_map(value: Option<&Value>, path: &str) -> Result<BTreeMap<String, String>, GoogleError> {
    let Some(obj) = object(value, path, "map<string, string>")? else {
        return Ok(BTreeMap::new());
    };
    let mut map = BTreeMap::new();
    for (i, (k, v)) in obj.iter().enumerate() {
        let Value::String(s) = v else {
            let at = format!("{path}[{i}].value");
            return Err(GoogleError::bad_json(format!("Invalid value at '{at}' (TYPE_STRING), {v}"), Some(&at)));
        };
        map.insert(k.clone(), s.clone());
    }
    Ok(map)
}

fn is_reserved_data_key(key: &str) -> bool {
    key == "from" || key == "message_type" || key.starts_with("google.") || key.starts_with("gcm.notification.")
}

/// `"3.5s"`: protobuf's Duration in JSON; seconds as a number.
fn parse_duration(s: &str) -> Option<f64> {
    let number = s.strip_suffix('s')?;
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digits(whole)
        || !digits(frac)
        || frac.len() > 9
        || (number.contains('.') && frac.is_empty())
    {
        return None;
    }
    number.parse().ok()
}

fn validate(message: Option<&Value>) -> Result<NewMessage, GoogleError> {
    let Some(m) = object(message, "message", "type.googleapis.com/google.firebase.fcm.v1.Message")? else {
        return Err(GoogleError::invalid_argument("Recipient of the message is not set.", "message"));
    };
    check_known(
        m,
        &["name", "data", "notification", "android", "webpush", "apns", "fcm_options", "token", "topic", "condition"],
        Some("message"),
    )?;

    let mut targets = Vec::new();
    for name in ["token", "topic", "condition"] {
        if let Some(value) = string(m, name, "message")? {
            targets.push((name, value));
        }
    }
    let target = match targets.len() {
        0 => return Err(GoogleError::invalid_argument("Recipient of the message is not set.", "message")),
        1 => match targets.remove(0) {
            ("token", token) if is_token_shaped(&token) => Target::Token(token),
            ("token", _) => {
                return Err(GoogleError::invalid_argument(
                    "The registration token is not a valid FCM registration token",
                    "message.token",
                ));
            }
            ("topic", topic) => {
                let name = topic.strip_prefix("/topics/").unwrap_or(&topic);
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)) {
                    return Err(GoogleError::invalid_argument("Invalid topic name.", "message.topic"));
                }
                Target::Topic(topic)
            }
            (_, condition) => {
                if !condition.contains("in topics") {
                    return Err(GoogleError::invalid_argument(
                        "Invalid condition expression provided.",
                        "message.condition",
                    ));
                }
                Target::Condition(condition)
            }
        },
        _ => {
            return Err(GoogleError::bad_json(
                format!(
                    "Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set '{}'",
                    targets[1].0
                ),
                Some("message"),
            ));
        }
    };

    let data = string_map(field(m, "data"), "message.data")?;
    if let Some(key) = data.keys().find(|k| is_reserved_data_key(k)) {
        return Err(GoogleError::invalid_argument(format!("Invalid data payload key: {key}"), "message.data"));
    }

    let (mut title, mut body, mut image) = (None, None, None);
    if let Some(n) = object(
        field(m, "notification"),
        "message.notification",
        "type.googleapis.com/google.firebase.fcm.v1.Notification",
    )? {
        check_known(n, &["title", "body", "image"], Some("message.notification"))?;
        title = string(n, "title", "message.notification")?;
        body = string(n, "body", "message.notification")?;
        image = string(n, "image", "message.notification")?;
    }

    let (mut android_priority, mut collapse_key, mut ttl) = (None, None, None);
    if let Some(a) =
        object(field(m, "android"), "message.android", "type.googleapis.com/google.firebase.fcm.v1.AndroidConfig")?
    {
        check_known(
            a,
            &[
                "collapse_key",
                "priority",
                "ttl",
                "restricted_package_name",
                "data",
                "notification",
                "fcm_options",
                "direct_boot_ok",
            ],
            Some("message.android"),
        )?;
        collapse_key = string(a, "collapse_key", "message.android")?;
        android_priority = string(a, "priority", "message.android")?;
        if let Some(p) = &android_priority
            && p != "NORMAL"
            && p != "HIGH"
        {
            return Err(GoogleError::bad_json(
                format!(
                    "Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), \"{p}\""
                ),
                Some("message.android.priority"),
            ));
        }
        ttl = string(a, "ttl", "message.android")?;
        if let Some(t) = &ttl {
            let secs = parse_duration(t).ok_or_else(|| {
                GoogleError::bad_json(
                    format!(
                        "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), \"{t}\""
                    ),
                    Some("message.android.ttl"),
                )
            })?;
            if secs > MAX_TTL_SECS {
                return Err(GoogleError::invalid_argument(
                    "The ttl is out of range: it must be between 0 and 2419200 seconds (4 weeks).",
                    "message.android.ttl",
                ));
            }
        }
        string_map(field(a, "data"), "message.android.data")?;
        object(
            field(a, "notification"),
            "message.android.notification",
            "type.googleapis.com/google.firebase.fcm.v1.AndroidNotification",
        )?;
    }

    let mut apns_collapse_id = None;
    if let Some(a) = object(field(m, "apns"), "message.apns", "type.googleapis.com/google.firebase.fcm.v1.ApnsConfig")?
    {
        check_known(a, &["headers", "payload", "fcm_options", "live_activity_token"], Some("message.apns"))?;
        let headers = string_map(field(a, "headers"), "message.apns.headers")?;
        apns_collapse_id =
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("apns-collapse-id")).map(|(_, v)| v.clone());
        if apns_collapse_id.as_ref().is_some_and(|id| id.len() > MAX_APNS_COLLAPSE_ID_BYTES) {
            return Err(GoogleError::invalid_argument(
                "apns-collapse-id must not be longer than 64 bytes.",
                "message.apns.headers",
            ));
        }
        object(field(a, "payload"), "message.apns.payload", "type.googleapis.com/google.protobuf.Struct")?;
    }
    object(field(m, "webpush"), "message.webpush", "type.googleapis.com/google.firebase.fcm.v1.WebpushConfig")?;
    object(field(m, "fcm_options"), "message.fcm_options", "type.googleapis.com/google.firebase.fcm.v1.FcmOptions")?;

    let size = data.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
        + title.as_ref().map_or(0, String::len)
        + body.as_ref().map_or(0, String::len);
    let limit = if matches!(target, Target::Token(_)) { MAX_PAYLOAD_BYTES } else { MAX_TOPIC_PAYLOAD_BYTES };
    if size > limit {
        return Err(GoogleError::invalid_argument(
            format!("Message is too big: {size} bytes of data and notification, the limit is {limit}."),
            "message",
        ));
    }
    Ok(NewMessage { target, title, body, image, data, android_priority, collapse_key, apns_collapse_id, ttl })
}

// ---------------------------------------------------------------------------------------------
// Debug routes

async fn debug_service_account(State(sim): State<FcmSim>, headers: HeaderMap) -> Response {
    match test_key().await {
        Ok(key) => {
            let token_uri = format!("{}{TOKEN_PATH}", sim.shared.base_url(&headers));
            Json(sim.shared.service_account(key, &token_uri)).into_response()
        }
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": error.to_string() }))).into_response(),
    }
}

async fn debug_devices(State(sim): State<FcmSim>) -> Json<Vec<SimDevice>> {
    Json(sim.devices())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewDevice {
    token: Option<String>,
    project_id: Option<String>,
}

/// `{"token"?, "project_id"?}` → 201 `{"token"}`; a token is made up when none is given.
async fn debug_register_device(State(sim): State<FcmSim>, body: Option<Json<NewDevice>>) -> Response {
    let NewDevice { token, project_id } = body.map(|Json(b)| b).unwrap_or_default();
    let token = token.unwrap_or_else(new_device_token);
    if !is_token_shaped(&token) {
        let error = "a device token is 32–4096 characters of A–Z a–z 0–9 : _ -";
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response();
    }
    sim.register_device_in(&token, project_id.as_deref().unwrap_or(&sim.shared.opts.project_id));
    (StatusCode::CREATED, Json(json!({ "token": token }))).into_response()
}

async fn debug_revoke_device(State(sim): State<FcmSim>, Path(token): Path<String>) -> StatusCode {
    if sim.revoke_device(&token) { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
}

async fn debug_expire_tokens(State(sim): State<FcmSim>) -> StatusCode {
    sim.expire_access_tokens();
    StatusCode::NO_CONTENT
}

async fn debug_stats(State(sim): State<FcmSim>) -> Json<Value> {
    Json(json!({
        "token_requests": sim.token_requests(),
        "tokens_issued": sim.tokens_issued(),
        "send_requests": sim.send_requests(),
        "received": sim.received_count(),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer};

    use crate::{SimOptions, Simulators, start};

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// What the adapter does: an RS256 JWT over these claims with the sim's service-account key.
    fn assertion(key: &TestKey, claims: &Value) -> String {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": key.key_id });
        let signing_input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let private = RsaPrivateKey::from_pkcs8_pem(&key.pkcs8_pem).unwrap();
        let signer = SigningKey::<Sha256>::new(private);
        let signature = signer.sign(signing_input.as_bytes()).to_bytes();
        format!("{signing_input}.{}", b64(&signature))
    }

    fn claims(aud: &str, scope: &str) -> Value {
        let now = Utc::now().timestamp();
        json!({ "iss": SANDBOX_CLIENT_EMAIL, "scope": scope, "aud": aud, "iat": now, "exp": now + 3600 })
    }

    async fn post_token(base: &str, assertion: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{base}/token"))
            .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", assertion)])
            .send()
            .await
            .unwrap()
    }

    async fn access_token(sims: &Simulators) -> String {
        let key = test_key().await.unwrap();
        let jwt = assertion(key, &claims(&sims.fcm().token_uri(), SCOPE_MESSAGING));
        let res = post_token(&sims.base_url(), &jwt).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn send(sims: &Simulators, bearer: &str, body: Value) -> (u16, Value, HeaderMap) {
        let res = reqwest::Client::new()
            .post(format!("{}/v1/projects/{SANDBOX_PROJECT_ID}/messages:send", sims.base_url()))
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, res.json().await.unwrap_or(Value::Null), headers)
    }

    fn fcm_code(body: &Value) -> Option<&str> {
        body["error"]["details"]
            .as_array()?
            .iter()
            .find(|d| d["@type"] == FCM_ERROR_TYPE)
            .and_then(|d| d["errorCode"].as_str())
    }

    #[tokio::test]
    async fn a_service_account_token_sends_to_a_registered_device() {
        let sims = start(SimOptions::default()).await.unwrap();
        let base = sims.base_url();
        let account: Value =
            reqwest::get(format!("{base}/_sim/fcm/service-account")).await.unwrap().json().await.unwrap();
        assert_eq!(account["type"], "service_account");
        assert_eq!(account["token_uri"], format!("{base}/token"));
        assert!(account["private_key"].as_str().unwrap().starts_with("-----BEGIN PRIVATE KEY-----"));

        let device: Value = reqwest::Client::new()
            .post(format!("{base}/_sim/fcm/devices"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let device = device["token"].as_str().unwrap().to_owned();
        let bearer = access_token(&sims).await;
        let message = json!({ "message": {
            "token": device,
            "notification": { "title": "تذكير", "body": "موعد الدواء" },
            "data": { "reference": "r-1" },
            "android": { "priority": "HIGH", "collapseKey": "r-1", "ttl": "3600s" },
            "apns": { "headers": { "apns-collapse-id": "r-1" } },
        }});
        let (status, body, _) = send(&sims, &bearer, message.clone()).await;
        assert_eq!(status, 200, "{body}");
        let name = body["name"].as_str().unwrap();
        assert!(name.starts_with(&format!("projects/{SANDBOX_PROJECT_ID}/messages/0:")), "{name}");

        let (status, _, _) = send(&sims, &bearer, message).await;
        assert_eq!(status, 200);
        let inbox = sims.fcm().messages();
        assert_eq!(inbox.len(), 2);
        assert_eq!(inbox[0].title.as_deref(), Some("تذكير"));
        assert_eq!(inbox[0].data["reference"], "r-1");
        assert_eq!(inbox[0].collapse_key.as_deref(), Some("r-1"));
        assert!(inbox[0].replaced && !inbox[1].replaced, "the duplicate replaces the first on the device");
        assert_eq!(inbox[0].status, "accepted");
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(sims.fcm().messages()[1].status, "delivered");

        let dry = json!({ "validate_only": true, "message": { "token": device } });
        let (status, body, _) = send(&sims, &bearer, dry).await;
        assert_eq!(status, 200);
        assert_eq!(body["name"], format!("projects/{SANDBOX_PROJECT_ID}/messages/fake_message_id"));
        assert_eq!(sims.fcm().received_count(), 2, "a dry run records nothing");
        assert_eq!(sims.fcm().tokens_issued(), 1);
    }

    #[tokio::test]
    async fn the_token_endpoint_checks_the_assertion_like_google() {
        let sims = start(SimOptions::default()).await.unwrap();
        let base = sims.base_url();
        let key = test_key().await.unwrap();
        let aud = sims.fcm().token_uri();
        let now = Utc::now().timestamp();
        let error = |res: Value| res["error"].as_str().unwrap().to_owned();

        let res = post_token(&base, &assertion(key, &claims(&aud, SCOPE_CLOUD_PLATFORM))).await;
        assert_eq!(res.status(), 200, "the cloud-platform scope also covers messaging");

        let mut wrong_iss = claims(&aud, SCOPE_MESSAGING);
        wrong_iss["iss"] = json!("someone@example.com");
        let expired = json!({ "iss": SANDBOX_CLIENT_EMAIL, "scope": SCOPE_MESSAGING, "aud": aud, "iat": now - 7200, "exp": now - 3600 });
        let too_long =
            json!({ "iss": SANDBOX_CLIENT_EMAIL, "scope": SCOPE_MESSAGING, "aud": aud, "iat": now, "exp": now + 7200 });
        let cases = [
            (assertion(key, &claims("https://example.com/token", SCOPE_MESSAGING)), "invalid_grant"),
            (assertion(key, &wrong_iss), "invalid_grant"),
            (assertion(key, &expired), "invalid_grant"),
            (assertion(key, &too_long), "invalid_grant"),
            (assertion(key, &claims(&aud, "")), "invalid_scope"),
            (assertion(key, &claims(&aud, "email")), "invalid_scope"),
            ("not-a-jwt".to_owned(), "invalid_grant"),
        ];
        for (jwt, expected) in cases {
            let res = post_token(&base, &jwt).await;
            assert_eq!(res.status(), 400);
            assert_eq!(error(res.json().await.unwrap()), expected);
        }

        // A signature over other claims.
        let good = assertion(key, &claims(&aud, SCOPE_MESSAGING));
        let (signing_input, signature) = good.rsplit_once('.').unwrap();
        let (header, _) = signing_input.split_once('.').unwrap();
        let forged = format!("{header}.{}.{signature}", b64(claims(&aud, SCOPE_CLOUD_PLATFORM).to_string().as_bytes()));
        let res = post_token(&base, &forged).await;
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error_description"], "Invalid JWT Signature.");

        let res = reqwest::Client::new()
            .post(format!("{base}/token"))
            .form(&[("grant_type", "client_credentials"), ("assertion", good.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(error(res.json().await.unwrap()), "unsupported_grant_type");
        let res = reqwest::Client::new()
            .post(format!("{base}/token"))
            .form(&[("grant_type", JWT_BEARER_GRANT)])
            .send()
            .await
            .unwrap();
        assert_eq!(error(res.json().await.unwrap()), "invalid_request");
        assert_eq!(sims.fcm().tokens_issued(), 1);
    }

    #[tokio::test]
    async fn sends_without_a_valid_token_are_unauthenticated() {
        let opts = SimOptions {
            fcm: FcmOptions { token_lifetime: Duration::from_millis(300), ..FcmOptions::default() },
            ..SimOptions::default()
        };
        let sims = start(opts).await.unwrap();
        let device = sims.fcm().new_device();
        let message = json!({ "message": { "token": device } });
        let (status, body, headers) = send(&sims, "ya29.made-up", message.clone()).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
        assert!(headers.contains_key(header::WWW_AUTHENTICATE));

        let res = reqwest::Client::new()
            .post(format!("{}/v1/projects/{SANDBOX_PROJECT_ID}/messages:send", sims.base_url()))
            .json(&message)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);

        let key = test_key().await.unwrap();
        let jwt = assertion(key, &claims(&sims.fcm().token_uri(), SCOPE_MESSAGING));
        let body: Value = post_token(&sims.base_url(), &jwt).await.json().await.unwrap();
        assert_eq!(body["expires_in"], 1, "a shortened lifetime is announced in whole seconds");
        let bearer = body["access_token"].as_str().unwrap();
        assert_eq!(send(&sims, bearer, message.clone()).await.0, 200);
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(send(&sims, bearer, message.clone()).await.0, 401, "the token has expired");

        let body: Value = post_token(&sims.base_url(), &jwt).await.json().await.unwrap();
        let bearer = body["access_token"].as_str().unwrap();
        sims.fcm().expire_access_tokens();
        assert_eq!(send(&sims, bearer, message).await.0, 401);

        // A token for another API may not send.
        let jwt = assertion(key, &claims(&sims.fcm().token_uri(), "https://www.googleapis.com/auth/userinfo.email"));
        let body: Value = post_token(&sims.base_url(), &jwt).await.json().await.unwrap();
        let (status, body, _) =
            send(&sims, body["access_token"].as_str().unwrap(), json!({ "message": { "token": device } })).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
    }

    #[tokio::test]
    async fn invalid_messages_answer_invalid_argument() {
        let sims = start(SimOptions::default()).await.unwrap();
        let bearer = access_token(&sims).await;
        let device = sims.fcm().new_device();
        let big = "x".repeat(4100);
        let cases: Vec<(Value, bool, &str)> = vec![
            (json!({ "message": {} }), true, "Recipient of the message is not set."),
            (json!({ "message": { "token": device, "topic": "news" } }), false, "oneof field 'target' is already set"),
            (json!({ "message": { "token": "short" } }), true, "not a valid FCM registration token"),
            (
                json!({ "message": { "token": device, "data": { "n": 5 } } }),
                false,
                "'message.data[0].value' (TYPE_STRING)",
            ),
            (
                json!({ "message": { "token": device, "data": { "from": "x" } } }),
                true,
                "Invalid data payload key: from",
            ),
            (json!({ "message": { "token": device, "data": { "google.x": "x" } } }), true, "Invalid data payload key"),
            (json!({ "message": { "token": device, "data": { "k": big } } }), true, "Message is too big"),
            (json!({ "message": { "topic": "news", "data": { "k": "x".repeat(2100) } } }), true, "the limit is 2048"),
            (json!({ "message": { "token": device, "android": { "ttl": "2419201s" } } }), true, "ttl is out of range"),
            (json!({ "message": { "token": device, "android": { "ttl": "1 day" } } }), false, "protobuf.Duration"),
            (
                json!({ "message": { "token": device, "android": { "priority": "URGENT" } } }),
                false,
                "AndroidMessagePriority",
            ),
            (json!({ "message": { "token": device, "colour": "red" } }), false, "Unknown name \"colour\""),
            (json!({ "message": { "token": device }, "dry": true }), false, "Unknown name \"dry\""),
        ];
        for (body, fcm_error, needle) in cases {
            let (status, answer, _) = send(&sims, &bearer, body.clone()).await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(answer["error"]["status"], "INVALID_ARGUMENT");
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(message.contains(needle), "{message} should contain {needle}");
            assert_eq!(fcm_code(&answer), fcm_error.then_some("INVALID_ARGUMENT"), "{answer}");
        }
        let (_, answer, _) = send(&sims, &bearer, json!({ "message": { "token": "short" } })).await;
        assert_eq!(answer["error"]["details"][1]["fieldViolations"][0]["field"], "message.token");
        assert_eq!(
            send(&sims, &bearer, json!({ "message": { "token": device, "android": { "ttl": "2419200s" } } })).await.0,
            200
        );
        assert_eq!(sims.fcm().received_count(), 1);
    }

    #[tokio::test]
    async fn unknown_revoked_and_foreign_tokens_are_refused() {
        let sims = start(SimOptions::default()).await.unwrap();
        let bearer = access_token(&sims).await;
        let (status, body, _) = send(&sims, &bearer, json!({ "message": { "token": new_device_token() } })).await;
        assert_eq!((status, fcm_code(&body)), (404, Some("UNREGISTERED")));

        let device = sims.fcm().new_device();
        let res = reqwest::Client::new()
            .delete(format!("{}/_sim/fcm/devices/{device}", sims.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let (status, body, _) = send(&sims, &bearer, json!({ "message": { "token": device } })).await;
        assert_eq!((status, fcm_code(&body)), (404, Some("UNREGISTERED")));
        let (status, _, _) =
            send(&sims, &bearer, json!({ "validate_only": true, "message": { "token": device } })).await;
        assert_eq!(status, 404, "a dry run checks the token too");

        let foreign = new_device_token();
        sims.fcm().register_device_in(&foreign, "another-project");
        let (status, body, _) = send(&sims, &bearer, json!({ "message": { "token": foreign } })).await;
        assert_eq!((status, fcm_code(&body)), (403, Some("SENDER_ID_MISMATCH")));

        let res = reqwest::Client::new()
            .post(format!("{}/v1/projects/another-project/messages:send", sims.base_url()))
            .bearer_auth(&bearer)
            .json(&json!({ "message": { "topic": "news" } }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
    }

    #[tokio::test]
    async fn faults_answer_in_fcms_error_shape() {
        let sims = start(SimOptions::default()).await.unwrap();
        let bearer = access_token(&sims).await;
        let message = json!({ "message": { "topic": "news" } });

        sims.fcm().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
        let (status, body, headers) = send(&sims, &bearer, message.clone()).await;
        assert_eq!((status, fcm_code(&body)), (429, Some("QUOTA_EXCEEDED")));
        assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
        assert_eq!(headers[header::RETRY_AFTER], "7");
        // The OAuth endpoint is another service: FCM's faults leave it alone.
        let key = test_key().await.unwrap();
        assert_eq!(
            post_token(&sims.base_url(), &assertion(key, &claims(&sims.fcm().token_uri(), SCOPE_MESSAGING)))
                .await
                .status(),
            200
        );

        sims.fcm().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let (status, body, _) = send(&sims, &bearer, message.clone()).await;
        assert_eq!((status, fcm_code(&body)), (500, Some("INTERNAL")));

        let res = reqwest::Client::new()
            .put(format!("{}/_sim/fcm/faults", sims.base_url()))
            .json(&json!({ "down": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let (status, body, _) = send(&sims, &bearer, message.clone()).await;
        assert_eq!((status, fcm_code(&body)), (503, Some("UNAVAILABLE")));

        sims.fcm().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let client = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
        let res = client
            .post(format!("{}/v1/projects/{SANDBOX_PROJECT_ID}/messages:send", sims.base_url()))
            .bearer_auth(&bearer)
            .json(&message)
            .send()
            .await;
        assert!(res.unwrap_err().is_timeout());

        sims.fcm().set_faults(Faults::default());
        assert_eq!(send(&sims, &bearer, message).await.0, 200);
        assert_eq!(sims.fcm().send_requests(), 5);
        sims.shutdown().await;
    }

    #[test]
    fn durations_and_field_names_read_like_googles_json() {
        assert_eq!(parse_duration("3600s"), Some(3600.0));
        assert_eq!(parse_duration("0.5s"), Some(0.5));
        assert_eq!(parse_duration("3600"), None);
        assert_eq!(parse_duration("1.s"), None);
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(snake_case("collapseKey"), "collapse_key");
        assert_eq!(snake_case("validate_only"), "validate_only");
        assert!(is_token_shaped(&new_device_token()));
        assert!(!is_token_shaped("abc"));
        assert!(!is_token_shaped(&format!("{} ", new_device_token())));
    }
}
