//! Provider callbacks: Twilio status and inbound callbacks (`X-Twilio-Signature`), Twilio call
//! status, and Meta's WhatsApp webhooks (`X-Hub-Signature-256`, the `hub.challenge` handshake).
//! The HTTP server that receives them lives outside the core (`crates/server`); here each
//! delivery is checked and applied, and the answer to give is decided.
//!
//! A callback is believed only when its signature is right (constant-time compare). Each verified
//! delivery's digest goes into `webhook_receipts`: a signed redelivery (the provider did not see
//! our answer) is answered like the first and changes nothing. Forged ones get 403 and a warning.
//! What a callback says goes through the same transition rules as a poll
//! ([`crate::outbox::reports::apply_report`]).

pub mod signatures;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use sha2::Digest;
use tokio::sync::broadcast;

use crate::context::keys::{Side, signed_by};
pub use crate::context::{Key, Keys};
pub use signatures::{constant_time_eq, meta_signature_valid, twilio_signature};

use crate::context::Wasel;
use crate::domain::{Channel, EventSource, MessageStatus, PhoneE164};
use crate::outbox::MessageChanged;
use crate::outbox::reports::apply_report;
use crate::providers::Report;
use crate::providers::registry::{self, CallbackRoute};
use crate::store::Db;
use crate::store::queries::channels;

/// The public base URL providers call (`https://hub.example.sa`), in `communication_settings`.
pub const PUBLIC_URL_KEY: &str = "webhooks.public_url";
pub const TWILIO_STATUS_PATH: &str = "/webhooks/twilio/status";
pub const TWILIO_VOICE_PATH: &str = "/webhooks/twilio/voice";
pub const TWILIO_INBOUND_PATH: &str = "/webhooks/twilio/inbound";
pub const META_PATH: &str = "/webhooks/meta";

/// What to answer the provider: an HTTP status, and a body with its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Answer {
    fn empty(status: u16) -> Self {
        Self { status, content_type: "text/plain; charset=utf-8", body: String::new() }
    }

    fn text(status: u16, body: &str) -> Self {
        Self { body: body.to_owned(), ..Self::empty(status) }
    }

    fn is_server_error(&self) -> bool {
        self.status >= 500
    }

    const NO_CONTENT: u16 = 204;
}

/// Twilio expects TwiML back from an inbound message; an empty response sends no reply.
fn twiml_ok() -> Answer {
    Answer { status: 200, content_type: "text/xml", body: "<Response/>".into() }
}

/// Receives callbacks for one base URL: the database they change, who to tell, the keys they
/// are signed with.
#[derive(Clone)]
pub struct Receiver {
    pub db: Db,
    pub changes: broadcast::Sender<MessageChanged>,
    pub keys: Arc<RwLock<Keys>>,
    /// The base URL providers call, as they sign it (Twilio signs the full URL).
    pub public_url: String,
}

/// One callback as it arrived over HTTP.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The request's path and query (`/webhooks/twilio/status?x=1`).
    pub path_and_query: &'a str,
    /// `X-Twilio-Signature` or `X-Hub-Signature-256`, when sent.
    pub signature: Option<&'a str>,
    pub body: &'a [u8],
}

impl Receiver {
    fn keys(&self) -> Keys {
        match self.keys.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Twilio's message status callback (SMS and WhatsApp).
    pub async fn twilio_status(&self, d: Delivery<'_>) -> Answer {
        match self.verify_twilio(d).await {
            Verified::Fresh(params, _, receipt) => {
                let answer = self.on_twilio_status(&params).await;
                self.settle(receipt, answer).await
            }
            Verified::Again => Answer::empty(Answer::NO_CONTENT),
            Verified::Refused(answer) => answer,
        }
    }

    /// Twilio's call status callback.
    pub async fn twilio_voice(&self, d: Delivery<'_>) -> Answer {
        match self.verify_twilio(d).await {
            Verified::Fresh(params, _, receipt) => {
                let answer = match crate::providers::voice::twilio::parse_call_callback(&params) {
                    Some((sid, report)) if report.status != MessageStatus::Sent => {
                        self.apply(CallbackRoute::TwilioCalls, &sid, &report).await
                    }
                    Some(_) => Answer::empty(Answer::NO_CONTENT),
                    None => Answer::text(400, "CallSid and CallStatus are required"),
                };
                self.settle(receipt, answer).await
            }
            Verified::Again => Answer::empty(Answer::NO_CONTENT),
            Verified::Refused(answer) => answer,
        }
    }

    /// An SMS or WhatsApp message a guardian sent to a Twilio number.
    pub async fn twilio_inbound(&self, d: Delivery<'_>) -> Answer {
        match self.verify_twilio(d).await {
            Verified::Fresh(params, side, receipt) => {
                let answer = self.on_twilio_inbound(&params, side).await;
                self.settle(receipt, answer).await
            }
            Verified::Again => twiml_ok(),
            Verified::Refused(answer) => answer,
        }
    }

    /// Meta's subscription handshake (`GET` with `hub.mode`, `hub.verify_token`, `hub.challenge`).
    pub fn meta_challenge(&self, query: &BTreeMap<String, String>) -> Answer {
        let mode = query.get("hub.mode").map(String::as_str);
        let token = query.get("hub.verify_token").map(String::as_str).unwrap_or_default();
        let known = self.keys().meta_verify_tokens.iter().any(|t| constant_time_eq(t.as_bytes(), token.as_bytes()));
        match (mode, query.get("hub.challenge")) {
            (Some("subscribe"), Some(challenge)) if known => Answer::text(200, challenge),
            _ => {
                tracing::warn!("Meta verification refused: wrong verify token or mode");
                Answer::empty(403)
            }
        }
    }

    /// Meta's WhatsApp webhook: statuses and inbound messages.
    pub async fn meta_event(&self, d: Delivery<'_>) -> Answer {
        let signature = d.signature.unwrap_or_default();
        let Some(side) = signed_by(&self.keys().meta_app_secrets, |s| meta_signature_valid(s, d.body, signature))
        else {
            tracing::warn!("forged Meta webhook refused (bad or missing X-Hub-Signature-256)");
            return Answer::empty(403);
        };
        match self.first_time("meta", d.body).await {
            Ok(Some(receipt)) => {
                let answer = self.on_meta_event(d.body, side).await;
                self.settle(receipt, answer).await
            }
            // Meta retries anything but 200, for days, and may turn the subscription off.
            Ok(None) => Answer::empty(200),
            Err(answer) => answer,
        }
    }

    /// Checks a Twilio callback against every known token.
    async fn verify_twilio(&self, d: Delivery<'_>) -> Verified {
        let params = parse_form(d.body);
        let signature = d.signature.unwrap_or_default();
        let path = d.path_and_query.split_once('?').map_or(d.path_and_query, |(p, _)| p);
        let urls = signed_urls(&self.public_url, d.path_and_query);
        let side = if signature.is_empty() {
            None
        } else {
            signed_by(&self.keys().twilio_auth_tokens, |t| {
                urls.iter()
                    .any(|url| constant_time_eq(twilio_signature(t, url, &params).as_bytes(), signature.as_bytes()))
            })
        };
        let Some(side) = side else {
            tracing::warn!(path, "forged Twilio callback refused (bad or missing X-Twilio-Signature)");
            return Verified::Refused(Answer::empty(403));
        };
        match self.first_time("twilio", signature.as_bytes()).await {
            Ok(Some(receipt)) => Verified::Fresh(params, side, receipt),
            Ok(None) => Verified::Again,
            Err(answer) => Verified::Refused(answer),
        }
    }

    /// Notes a verified delivery: `Ok(None)` when it was received before (a redelivery). `what`
    /// is what the signature covers, in one spelling only: Twilio's signature itself (over the
    /// URL and the sorted form, so a reordered body is the same delivery), Meta's raw body.
    async fn first_time(&self, provider: &str, what: &[u8]) -> Result<Option<Receipt>, Answer> {
        let mut hash = sha2::Sha256::new();
        hash.update(provider.as_bytes());
        hash.update(what);
        let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        match channels::first_receipt(&self.db, provider, &digest).await {
            Ok(true) => Ok(Some(Receipt(digest))),
            Ok(false) => {
                // Already applied once: it cannot change anything, and the provider only wants
                // to hear that we have it.
                tracing::debug!(provider, "signed redelivery of a processed callback acknowledged");
                Ok(None)
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhook receipt could not be stored; provider will retry");
                Err(Answer::empty(503))
            }
        }
    }

    /// Keeps the receipt of a processed delivery; forgets it when processing failed, so the
    /// provider's retry of the same delivery is taken instead of acknowledged unprocessed.
    async fn settle(&self, receipt: Receipt, answer: Answer) -> Answer {
        if answer.is_server_error()
            && let Err(e) = channels::forget_receipt(&self.db, &receipt.0).await
        {
            tracing::warn!(error = %e, "a failed delivery's receipt could not be dropped; its retry will be ignored");
        }
        answer
    }

    async fn apply(&self, route: CallbackRoute, provider_message_id: &str, report: &Report) -> Answer {
        for provider in registry::reported_by(route) {
            match channels::message_by_provider_id(&self.db, provider, provider_message_id).await {
                Ok(Some((_, status))) if status == MessageStatus::Sending.as_str() => {
                    // The report overtook the dispatcher's own record of the send: ask for it
                    // again (Meta redelivers; Twilio's statuses are also polled).
                    return Answer::text(503, "not recorded yet");
                }
                Ok(Some((id, _))) => {
                    return match apply_report(&self.db, id, report, EventSource::Webhook).await {
                        Ok(changed) => {
                            if changed {
                                let _ = self.changes.send(MessageChanged { id, status: report.status });
                            }
                            Answer::empty(Answer::NO_CONTENT)
                        }
                        // An out-of-order report (delivered after read) is not an error for the sender.
                        Err(crate::Error::IllegalTransition { .. }) => Answer::empty(Answer::NO_CONTENT),
                        Err(e) => {
                            tracing::warn!(error = %e, "callback could not be applied");
                            Answer::empty(503)
                        }
                    };
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "callback lookup failed");
                    return Answer::empty(503);
                }
            }
        }
        // Not ours (or not yet recorded): acknowledge so the provider stops retrying.
        tracing::debug!(provider_message_id, "callback for an unknown message");
        Answer::empty(Answer::NO_CONTENT)
    }

    async fn on_twilio_status(&self, params: &[(String, String)]) -> Answer {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let (Some(sid), Some(status)) = (get("MessageSid"), get("MessageStatus")) else {
            return Answer::text(400, "MessageSid and MessageStatus are required");
        };
        let Some(mapped) = crate::providers::sms::twilio::TwilioSms::map_status(&status) else {
            return Answer::empty(Answer::NO_CONTENT);
        };
        if mapped == MessageStatus::Sent {
            return Answer::empty(Answer::NO_CONTENT);
        }
        let report = Report {
            status: mapped,
            provider_status: status,
            provider_error_code: get("ErrorCode").filter(|c| !c.is_empty()),
        };
        self.apply(CallbackRoute::TwilioMessages, &sid, &report).await
    }

    async fn on_twilio_inbound(&self, params: &[(String, String)], side: Side) -> Answer {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let from = get("From");
        let (channel, provider, number) = match from.strip_prefix("whatsapp:") {
            Some(n) => (Channel::Whatsapp, "twilio_whatsapp", n.to_owned()),
            None => (Channel::Sms, "twilio", from.clone()),
        };
        let Ok(number) = PhoneE164::parse_mobile(&number) else {
            return Answer::text(400, "From is not a phone number");
        };
        let sid = get("MessageSid");
        let body = get("Body");
        let inbound = channels::NewInbound {
            channel,
            provider,
            provider_message_id: Some(sid.as_str()).filter(|s| !s.is_empty()),
            from_address: number.as_str(),
            body: &body,
            received_at: crate::store::now(),
            sandbox: side == Side::Sandbox,
        };
        self.record_inbound(&inbound, twiml_ok()).await
    }

    /// Stores an inbound message and answers `ok`, or 503 so that the provider delivers it again.
    async fn record_inbound(&self, inbound: &channels::NewInbound<'_>, ok: Answer) -> Answer {
        match channels::record_inbound(&self.db, inbound).await {
            Ok(_) => ok,
            Err(e) => {
                tracing::warn!(error = %e, "inbound message could not be stored");
                Answer::empty(503)
            }
        }
    }

    async fn on_meta_event(&self, body: &[u8], side: Side) -> Answer {
        use crate::providers::whatsapp::meta::MetaEvent;
        let events = match crate::providers::whatsapp::meta::parse_webhook(body) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = ?e, "Meta webhook body not understood");
                return Answer::empty(400);
            }
        };
        for event in events {
            let answer = match event {
                MetaEvent::Status { wamid, report, .. } => {
                    self.apply(CallbackRoute::MetaWhatsapp, &wamid, &report).await
                }
                MetaEvent::Inbound { from_e164, text, at, wamid } => {
                    let inbound = channels::NewInbound {
                        channel: Channel::Whatsapp,
                        provider: "meta",
                        provider_message_id: Some(&wamid),
                        from_address: &from_e164,
                        body: &text,
                        received_at: at,
                        sandbox: side == Side::Sandbox,
                    };
                    self.record_inbound(&inbound, Answer::empty(Answer::NO_CONTENT)).await
                }
            };
            if answer.is_server_error() {
                return answer;
            }
        }
        Answer::empty(200)
    }
}

/// The receiver for callbacks addressed to `public_url` (empty: the loopback address it will
/// listen on, for the sandbox).
pub fn receiver(wasel: &Wasel, public_url: String) -> Receiver {
    Receiver {
        db: wasel.db.clone(),
        changes: wasel.bus.changes.clone(),
        keys: Arc::clone(&wasel.webhook_keys),
        public_url,
    }
}

/// The receiver of `wasel serve` at head office: the public URL is checked, saved (providers are
/// told to call back there) and the live routes rebuilt to ask for callbacks.
pub async fn public_receiver(wasel: &Wasel, public_url: &str) -> crate::Result<Receiver> {
    let url = reqwest::Url::parse(public_url).map_err(|_| crate::Error::invalid("webhooks.public_url_invalid"))?;
    // Plain http only for a receiver on this machine (behind a local TLS proxy, or a test).
    if url.scheme() != "https" && !url.host_str().is_some_and(crate::domain::is_loopback) {
        return Err(crate::Error::invalid("webhooks.public_url_invalid"));
    }
    let public_url = public_url.trim_end_matches('/');
    crate::store::queries::settings::set(&wasel.db, PUBLIC_URL_KEY, public_url).await?;
    wasel.providers(&crate::domain::SYSTEM).load_live_routes().await?;
    Ok(receiver(wasel, public_url.to_owned()))
}

enum Verified {
    /// Signed and new: apply it, then settle its receipt.
    Fresh(Vec<(String, String)>, Side, Receipt),
    /// Signed, and processed before.
    Again,
    /// Forged, or the receipt could not be stored.
    Refused(Answer),
}

/// A verified delivery's digest in `webhook_receipts`, kept once the delivery was processed.
struct Receipt(String);

fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The URLs a Twilio signature may cover: the public URL as configured, and the same with the
/// scheme's default port written out (`https://host:443/…`), as Twilio's own validator accepts.
fn signed_urls(public_url: &str, path_and_query: &str) -> Vec<String> {
    let base = public_url.trim_end_matches('/');
    let mut urls = vec![format!("{base}{path_and_query}")];
    if let Ok(parsed) = reqwest::Url::parse(base)
        && parsed.port().is_none()
        && let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default())
    {
        let path = parsed.path().trim_end_matches('/');
        urls.push(format!("{}://{host}:{port}{path}{path_and_query}", parsed.scheme()));
    }
    urls
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::context::keys::{Key, Side, signed_by};
    use hmac::{Hmac, Mac};

    #[test]
    fn a_signature_over_the_default_port_is_the_same_url() {
        let urls = signed_urls("https://hub.example.sa", "/webhooks/twilio/status");
        assert_eq!(
            urls,
            ["https://hub.example.sa/webhooks/twilio/status", "https://hub.example.sa:443/webhooks/twilio/status"]
        );
        let behind = signed_urls("https://hub.example.sa/wasel/", "/webhooks/meta");
        assert_eq!(behind[1], "https://hub.example.sa:443/wasel/webhooks/meta");
        // A port already written is signed as written.
        assert_eq!(signed_urls("http://127.0.0.1:8080", "/x").len(), 1);
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
