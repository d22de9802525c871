//! Webhook receivers (`wasel serve` at head office, and the console's own loopback receiver for
//! the sandbox): Twilio status and inbound callbacks (`X-Twilio-Signature`), Twilio call status,
//! and Meta's WhatsApp webhooks (`X-Hub-Signature-256`, the `hub.challenge` handshake).
//!
//! A callback is believed only when its signature is right (constant-time compare) and it was
//! not seen before: each verified delivery's digest goes into `webhook_receipts`, so a replayed
//! one is refused (409) and logged. Forged ones get 403 and a warning. What a callback says goes
//! through the same transition rules as a poll ([`crate::outbox::reports::apply_report`]).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Digest;
use tokio::sync::broadcast;

use crate::domain::{Channel, EventSource, MessageStatus, PhoneE164};
use crate::outbox::MessageChanged;
use crate::outbox::reports::apply_report;
use crate::providers::Report;
use crate::store::Db;
use crate::store::queries::channels;

/// The public base URL providers call (`https://hub.example.sa`), in `communication_settings`.
pub const PUBLIC_URL_KEY: &str = "webhooks.public_url";
pub const TWILIO_STATUS_PATH: &str = "/webhooks/twilio/status";
pub const TWILIO_VOICE_PATH: &str = "/webhooks/twilio/voice";
pub const TWILIO_INBOUND_PATH: &str = "/webhooks/twilio/inbound";
pub const META_PATH: &str = "/webhooks/meta";

/// The secrets callbacks are checked with (every configured account, live and sandbox).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub twilio_auth_tokens: Vec<Key>,
    pub meta_app_secrets: Vec<Key>,
    pub meta_verify_tokens: Vec<String>,
}

/// A signing secret, and whether it is the sandbox's: a callback signed with it tells which
/// side of the console it belongs to (a simulated reply must not open a real number's window).
#[derive(Clone)]
pub struct Key {
    pub secret: String,
    pub sandbox: bool,
}

impl Key {
    pub fn live(secret: impl Into<String>) -> Self {
        Self { secret: secret.into(), sandbox: false }
    }

    pub fn sandbox(secret: impl Into<String>) -> Self {
        Self { secret: secret.into(), sandbox: true }
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("Key").field("sandbox", &self.sandbox).finish_non_exhaustive()
    }
}

/// Which side a verified callback came from: `None` when no key signed it. A live key wins
/// over a sandbox one that happens to be the same secret.
fn signed_by(keys: &[Key], check: impl Fn(&str) -> bool) -> Option<Side> {
    let mut matching = keys.iter().filter(|k| check(&k.secret));
    let first = matching.next()?;
    Some(if first.sandbox && matching.all(|k| k.sandbox) { Side::Sandbox } else { Side::Live })
}

/// The side of the console a callback belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Live,
    Sandbox,
}

#[derive(Clone)]
pub struct Receiver {
    pub db: Db,
    pub changes: broadcast::Sender<MessageChanged>,
    pub keys: Arc<RwLock<Keys>>,
    /// The base URL providers call, as they sign it (Twilio signs the full URL).
    pub public_url: String,
}

impl Receiver {
    fn keys(&self) -> Keys {
        match self.keys.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

pub fn router(receiver: Receiver) -> Router {
    Router::new()
        .route(TWILIO_STATUS_PATH, post(twilio_status))
        .route(TWILIO_VOICE_PATH, post(twilio_voice))
        .route(TWILIO_INBOUND_PATH, post(twilio_inbound))
        .route(META_PATH, post(meta_event).get(meta_challenge))
        .with_state(receiver)
}

/// Serves the receivers on `bind` until `shutdown`; returns `http://<address>`.
pub async fn listen(
    mut receiver: Receiver,
    bind: &str,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> crate::Result<String> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| crate::Error::Internal(format!("cannot listen for webhooks on {bind}: {e}")))?;
    let addr = listener.local_addr().map_err(|e| crate::Error::Internal(e.to_string()))?;
    if receiver.public_url.is_empty() {
        // On loopback (the sandbox), callers sign the address they were given: this one.
        receiver.public_url = format!("http://{addr}");
    }
    let app = router(receiver);
    tokio::spawn(async move {
        let stop = async move {
            let _ = shutdown.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
            tracing::warn!(error = %e, "webhook receiver stopped with an error");
        }
    });
    tracing::info!(%addr, "webhook receiver listening");
    Ok(format!("http://{addr}"))
}

/// Twilio's signature: base64 HMAC-SHA1 over the full URL followed by each POST parameter's name
/// and value, sorted by name.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = hmac_sha1(auth_token.as_bytes());
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn hmac_sha1(key: &[u8]) -> Hmac<sha1::Sha1> {
    // HMAC takes keys of any length; this cannot fail.
    match Hmac::<sha1::Sha1>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// Meta's signature check: `sha256=<hex HMAC-SHA256(app secret, raw body)>`, compared in
/// constant time.
pub fn meta_signature_valid(app_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else { return false };
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes()) else { return false };
    mac.update(body);
    let Some(expected) = decode_hex(hex) else { return false };
    mac.verify_slice(&expected).is_ok()
}

/// Lower-case hex only, as Meta writes it: one spelling per signature.
fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Checks a Twilio callback against every known token; `Err` is the answer to send back.
async fn verify_twilio(
    r: &Receiver,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Vec<(String, String)>, Side, Receipt), Response> {
    let params = parse_form(body);
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let url = format!("{}{}", r.public_url.trim_end_matches('/'), uri.path_and_query().map_or("", |p| p.as_str()));
    let side = if signature.is_empty() {
        None
    } else {
        signed_by(&r.keys().twilio_auth_tokens, |t| {
            constant_time_eq(twilio_signature(t, &url, &params).as_bytes(), signature.as_bytes())
        })
    };
    let Some(side) = side else {
        tracing::warn!(path = uri.path(), "forged Twilio callback refused (bad or missing X-Twilio-Signature)");
        return Err(StatusCode::FORBIDDEN.into_response());
    };
    let receipt = first_time(r, "twilio", signature.as_bytes()).await?;
    Ok((params, side, receipt))
}

/// A verified delivery's digest in `webhook_receipts`, kept once the delivery was processed.
struct Receipt(String);

/// Notes a verified delivery; a second arrival of the same one is a replay. `what` is what the
/// signature covers, in one spelling only: Twilio's signature itself (over the URL and the sorted
/// form, so a reordered body is the same delivery), Meta's raw body.
async fn first_time(r: &Receiver, provider: &str, what: &[u8]) -> Result<Receipt, Response> {
    let mut hash = sha2::Sha256::new();
    hash.update(provider.as_bytes());
    hash.update(what);
    let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    match channels::first_receipt(&r.db, provider, &digest).await {
        Ok(true) => Ok(Receipt(digest)),
        Ok(false) => {
            tracing::warn!(provider, "replayed callback refused (already received)");
            Err((StatusCode::CONFLICT, "replayed").into_response())
        }
        Err(e) => {
            tracing::warn!(error = %e, "webhook receipt could not be stored; provider will retry");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// Keeps the receipt of a processed delivery; forgets it when processing failed, so the
/// provider's retry of the same delivery is taken instead of refused as a replay.
async fn settle(r: &Receiver, receipt: Receipt, answer: Response) -> Response {
    if answer.status().is_server_error()
        && let Err(e) = channels::forget_receipt(&r.db, &receipt.0).await
    {
        tracing::warn!(error = %e, "a failed delivery's receipt could not be dropped; its retry will be refused");
    }
    answer
}

async fn apply(r: &Receiver, providers: &[&str], provider_message_id: &str, report: &Report) -> Response {
    for provider in providers {
        match channels::message_by_provider_id(&r.db, provider, provider_message_id).await {
            Ok(Some((_, status))) if status == MessageStatus::Sending.as_str() => {
                // The report overtook the dispatcher's own record of the send: ask for it again
                // (Meta redelivers; Twilio's statuses are also polled).
                return (StatusCode::SERVICE_UNAVAILABLE, "not recorded yet").into_response();
            }
            Ok(Some((id, _))) => {
                return match apply_report(&r.db, id, report, EventSource::Webhook).await {
                    Ok(changed) => {
                        if changed {
                            let _ = r.changes.send(MessageChanged { id, status: report.status });
                        }
                        StatusCode::NO_CONTENT.into_response()
                    }
                    // An out-of-order report (delivered after read) is not an error for the sender.
                    Err(crate::Error::IllegalTransition { .. }) => StatusCode::NO_CONTENT.into_response(),
                    Err(e) => {
                        tracing::warn!(error = %e, "callback could not be applied");
                        StatusCode::SERVICE_UNAVAILABLE.into_response()
                    }
                };
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "callback lookup failed");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
    }
    // Not ours (or not yet recorded): acknowledge so the provider stops retrying.
    tracing::debug!(provider_message_id, "callback for an unknown message");
    StatusCode::NO_CONTENT.into_response()
}

async fn twilio_status(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    match verify_twilio(&r, &uri, &headers, &body).await {
        Ok((params, _, receipt)) => {
            let answer = on_twilio_status(&r, &params).await;
            settle(&r, receipt, answer).await
        }
        Err(answer) => answer,
    }
}

async fn on_twilio_status(r: &Receiver, params: &[(String, String)]) -> Response {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (Some(sid), Some(status)) = (get("MessageSid"), get("MessageStatus")) else {
        return (StatusCode::BAD_REQUEST, "MessageSid and MessageStatus are required").into_response();
    };
    let Some(mapped) = crate::providers::sms::twilio::TwilioSms::map_status(&status) else {
        return StatusCode::NO_CONTENT.into_response();
    };
    if mapped == MessageStatus::Sent {
        return StatusCode::NO_CONTENT.into_response();
    }
    let report = Report {
        status: mapped,
        provider_status: status,
        provider_error_code: get("ErrorCode").filter(|c| !c.is_empty()),
    };
    apply(r, &["twilio", "twilio_whatsapp"], &sid, &report).await
}

async fn twilio_voice(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    match verify_twilio(&r, &uri, &headers, &body).await {
        Ok((params, _, receipt)) => {
            let answer = on_twilio_voice(&r, &params).await;
            settle(&r, receipt, answer).await
        }
        Err(answer) => answer,
    }
}

async fn on_twilio_voice(r: &Receiver, params: &[(String, String)]) -> Response {
    match crate::providers::voice::twilio::parse_call_callback(params) {
        Some((sid, report)) if report.status != MessageStatus::Sent => apply(r, &["twilio_voice"], &sid, &report).await,
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => (StatusCode::BAD_REQUEST, "CallSid and CallStatus are required").into_response(),
    }
}

async fn twilio_inbound(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    match verify_twilio(&r, &uri, &headers, &body).await {
        Ok((params, side, receipt)) => {
            let answer = on_twilio_inbound(&r, &params, side).await;
            settle(&r, receipt, answer).await
        }
        Err(answer) => answer,
    }
}

async fn on_twilio_inbound(r: &Receiver, params: &[(String, String)], side: Side) -> Response {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let from = get("From");
    let (channel, provider, number) = match from.strip_prefix("whatsapp:") {
        Some(n) => (Channel::Whatsapp, "twilio_whatsapp", n.to_owned()),
        None => (Channel::Sms, "twilio", from.clone()),
    };
    let Ok(number) = PhoneE164::parse_mobile(&number) else {
        return (StatusCode::BAD_REQUEST, "From is not a phone number").into_response();
    };
    let sid = get("MessageSid");
    let body = get("Body");
    let inbound = channels::NewInbound {
        channel: channel.as_str(),
        provider,
        provider_message_id: Some(sid.as_str()).filter(|s| !s.is_empty()),
        from_address: number.as_str(),
        body: &body,
        received_at: crate::store::now(),
        sandbox: side == Side::Sandbox,
    };
    // Twilio expects TwiML back; an empty response sends no reply.
    record_inbound(r, &inbound, ([("content-type", "text/xml")], "<Response/>")).await
}

/// Stores an inbound message and answers `ok`, or 503 so that the provider delivers it again.
async fn record_inbound(r: &Receiver, inbound: &channels::NewInbound<'_>, ok: impl IntoResponse) -> Response {
    match channels::record_inbound(&r.db, inbound).await {
        Ok(_) => ok.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "inbound message could not be stored");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn meta_challenge(State(r): State<Receiver>, Query(q): Query<BTreeMap<String, String>>) -> Response {
    let mode = q.get("hub.mode").map(String::as_str);
    let token = q.get("hub.verify_token").map(String::as_str).unwrap_or_default();
    let known = r.keys().meta_verify_tokens.iter().any(|t| constant_time_eq(t.as_bytes(), token.as_bytes()));
    match (mode, q.get("hub.challenge")) {
        (Some("subscribe"), Some(challenge)) if known => challenge.clone().into_response(),
        _ => {
            tracing::warn!("Meta verification refused: wrong verify token or mode");
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

async fn meta_event(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(side) = signed_by(&r.keys().meta_app_secrets, |s| meta_signature_valid(s, &body, signature)) else {
        tracing::warn!("forged Meta webhook refused (bad or missing X-Hub-Signature-256)");
        return StatusCode::FORBIDDEN.into_response();
    };
    match first_time(&r, "meta", &body).await {
        Ok(receipt) => {
            let answer = on_meta_event(&r, &body, side).await;
            settle(&r, receipt, answer).await
        }
        Err(answer) => answer,
    }
}

async fn on_meta_event(r: &Receiver, body: &[u8], side: Side) -> Response {
    let events = match crate::providers::whatsapp::meta::parse_webhook(body) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(error = ?e, "Meta webhook body not understood");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    use crate::providers::whatsapp::meta::MetaEvent;
    for event in events {
        let answer = match event {
            MetaEvent::Status { wamid, report, .. } => apply(r, &["meta"], &wamid, &report).await,
            MetaEvent::Inbound { from_e164, text, at, wamid } => {
                let inbound = channels::NewInbound {
                    channel: Channel::Whatsapp.as_str(),
                    provider: "meta",
                    provider_message_id: Some(&wamid),
                    from_address: &from_e164,
                    body: &text,
                    received_at: at,
                    sandbox: side == Side::Sandbox,
                };
                record_inbound(r, &inbound, StatusCode::NO_CONTENT).await
            }
        };
        if answer.status().is_server_error() {
            return answer;
        }
    }
    StatusCode::OK.into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn twilio_signatures_match_the_simulators() {
        let params =
            vec![("MessageSid".to_owned(), "SM1".to_owned()), ("MessageStatus".to_owned(), "delivered".to_owned())];
        let url = "https://hub.example.sa/webhooks/twilio/status";
        assert_eq!(twilio_signature("token", url, &params), wasel_sim::twilio_signature("token", url, &params));
        assert_ne!(twilio_signature("other", url, &params), twilio_signature("token", url, &params));
    }

    #[test]
    fn a_callback_belongs_to_the_side_whose_key_signed_it() {
        let keys = [Key::live("live-secret"), Key::sandbox("sim-secret")];
        let signed_with = |secret: &'static str| move |candidate: &str| candidate == secret;
        assert_eq!(signed_by(&keys, signed_with("live-secret")), Some(Side::Live));
        assert_eq!(signed_by(&keys, signed_with("sim-secret")), Some(Side::Sandbox));
        assert_eq!(signed_by(&keys, signed_with("forged")), None);
        // The same secret on both sides: the live account's window must not stay shut.
        let shared = [Key::sandbox("same"), Key::live("same")];
        assert_eq!(signed_by(&shared, signed_with("same")), Some(Side::Live));
        assert_eq!(signed_by(&[], signed_with("same")), None);
    }

    #[test]
    fn meta_signatures_are_checked_over_the_raw_body() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert!(meta_signature_valid("secret", body, &format!("sha256={hex}")));
        assert!(!meta_signature_valid("wrong", body, &format!("sha256={hex}")));
        assert!(!meta_signature_valid("secret", b"{}", &format!("sha256={hex}")));
        assert!(!meta_signature_valid("secret", body, &hex));
        assert!(!meta_signature_valid("secret", body, "sha256=zz"));
    }
}
