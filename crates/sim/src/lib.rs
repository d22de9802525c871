//! Provider simulators on loopback: the same paths, auth, fields, statuses, errors and callbacks as the
//! real APIs, so Wasel can be developed, tested and demonstrated without accounts or network.
//!
//! Every simulator lives on one HTTP server ([`start`]); each provider is a module with its own routes
//! under its real paths, and debug routes under `/_sim/` inspect and steer them:
//!
//! | route | what |
//! |---|---|
//! | `GET /_sim/health` | `{"ok":true,"smtp_port":…}` |
//! | `GET`/`PUT /_sim/faults` | read / set [`Faults`] for every provider at once |
//! | `GET`/`DELETE /_sim/fcm/messages`, `…/faults`, `POST …/opt-outs` | the FCM sandbox inbox ([`fcm::SimMessage`]s), faults, opt-outs (= device revoked) |
//! | `/_sim/fcm/{service-account,devices,access-tokens,stats}` | the test service account, the device registry, expiring tokens (see [`fcm`]) |
//! | `GET`/`DELETE /_sim/onesignal/messages`, `…/faults`, `POST …/opt-outs` | the OneSignal sandbox inbox ([`onesignal::SimMessage`]s), faults, opt-outs (= unsubscribed) |
//! | `/_sim/onesignal/{subscriptions,stats}` | the subscription registry (see [`onesignal`]) |
//! | `GET`/`DELETE /_sim/twilio/messages` | the Twilio sandbox inbox ([`twilio::SimMessage`]s) / forget it |
//! | `GET`/`PUT /_sim/twilio/faults` | faults for Twilio only |
//! | `POST /_sim/twilio/opt-outs` | `{"to":"+9665…"}`: that number now answers 21610 (`whatsapp:+9665…`: WhatsApp 63014) |
//! | `GET`/`POST /_sim/twilio/inbound` | inbound messages / a guardian writes ([`twilio::Inbound`]) |
//! | `GET`/`PUT /_sim/twilio/webhooks` | `{"inbound_url":…}`: where inbound messages are posted |
//! | `GET /_sim/twilio/templates`, `PUT …/templates/{sid}` | Content templates / `{"status":"approved"}` |
//! | `GET`/`DELETE /_sim/twilio/calls` | the Twilio voice inbox ([`twilio_voice::SimCall`]s) / forget it |
//! | `GET`/`DELETE /_sim/taqnyat/messages` | the Taqnyat sandbox inbox ([`taqnyat::SimMessage`]s) / forget it |
//! | `GET`/`PUT /_sim/taqnyat/faults` | faults for Taqnyat only |
//! | `POST /_sim/taqnyat/opt-outs` | `{"to":"9665…"}`: that recipient is now rejected |
//! | `GET`/`PUT /_sim/taqnyat/balance` | `{"balance_milli_sar":…}`: read / set the account balance |
//! | `GET`/`DELETE /_sim/msegat/messages` | the Msegat sandbox inbox ([`msegat::SimMessage`]s) / forget it |
//! | `GET`/`PUT /_sim/msegat/faults` | faults for Msegat only |
//! | `POST /_sim/msegat/opt-outs` | `{"to":"9665…"}`: that number now answers 1120 |
//! | `GET`/`PUT /_sim/msegat/balance` | `{"points":…}`: read / set the point balance |
//! | `GET`/`DELETE /_sim/meta/messages`, `…/faults`, `POST …/opt-outs` | the Meta WhatsApp sandbox inbox ([`meta::SimMessage`]s), faults, opt-outs (131050) |
//! | `/_sim/meta/{webhook,inbound,fates,templates}` | Meta webhook handshake, inbound messages, scripted recipients, templates (see [`meta`]) |
//! | `GET`/`DELETE /_sim/smtp/messages` | the SMTP sink's inbox ([`smtp::SimEmail`]s; the sink itself listens on [`Simulators::smtp_addr`]) / forget it |
//! | `GET /_sim/smtp/messages/{id}/raw` | one message as received (`message/rfc822`) |
//! | `GET`/`PUT /_sim/smtp/faults` | faults for the SMTP sink only |
//! | `POST /_sim/smtp/opt-outs` | `{"to":"guardian@example.com"}`: that address now answers `550 5.1.1` |
//! | `GET`/`POST`/`DELETE /_sim/smtp/script` | `{"rcpt":…,"reply":"452 4.2.2 Mailbox full"}`: what `RCPT TO` for that address answers |

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, serve};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub mod faults;
pub mod fcm;
mod kit;
pub mod meta;
pub mod msegat;
pub mod onesignal;
pub mod segments;
pub mod smtp;
pub mod taqnyat;
pub mod twilio;
pub mod twilio_voice;

pub use faults::Faults;
pub use meta::meta_signature;
pub use twilio::twilio_signature;

/// Where to listen and how each simulator behaves.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Defaults to `127.0.0.1:0` (any free port on loopback).
    pub bind: SocketAddr,
    pub twilio: twilio::TwilioOptions,
    pub twilio_voice: twilio_voice::TwilioVoiceOptions,
    pub taqnyat: taqnyat::TaqnyatOptions,
    pub msegat: msegat::MsegatOptions,
    pub meta: meta::MetaOptions,
    pub smtp: smtp::SmtpOptions,
    pub fcm: fcm::FcmOptions,
    pub onesignal: onesignal::OneSignalOptions,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            twilio: twilio::TwilioOptions::default(),
            twilio_voice: twilio_voice::TwilioVoiceOptions::default(),
            taqnyat: taqnyat::TaqnyatOptions::default(),
            msegat: msegat::MsegatOptions::default(),
            meta: meta::MetaOptions::default(),
            smtp: smtp::SmtpOptions::default(),
            fcm: fcm::FcmOptions::default(),
            onesignal: onesignal::OneSignalOptions::default(),
        }
    }
}

/// A running set of simulators. Clones share the server; it stops on [`Simulators::shutdown`] or when
/// the last clone is dropped.
#[derive(Clone)]
pub struct Simulators {
    inner: Arc<Inner>,
}

struct Inner {
    addr: SocketAddr,
    twilio: twilio::TwilioSim,
    twilio_voice: twilio_voice::TwilioVoiceSim,
    taqnyat: taqnyat::TaqnyatSim,
    msegat: msegat::MsegatSim,
    smtp: smtp::SmtpSim,
    meta: meta::MetaSim,
    fcm: fcm::FcmSim,
    onesignal: onesignal::OneSignalSim,
    shutdown: watch::Sender<bool>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Stops the server, the status timers and any request hung by a timeout fault.
        self.shutdown.send_replace(true);
    }
}

/// How long a graceful stop may take before the server task is aborted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Binds, then serves every simulator on one port in a background task.
pub async fn start(opts: SimOptions) -> std::io::Result<Simulators> {
    let listener = TcpListener::bind(opts.bind).await?;
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = watch::channel(false);
    let twilio = twilio::TwilioSim::start(opts.twilio, stopped.clone())?;
    let twilio_voice = twilio_voice::TwilioVoiceSim::new(opts.twilio_voice, twilio.clone());
    let taqnyat = taqnyat::TaqnyatSim::new(opts.taqnyat, stopped.clone());
    let msegat = msegat::MsegatSim::new(opts.msegat, stopped.clone());
    let meta = meta::MetaSim::start(opts.meta, stopped.clone())?;
    let smtp = smtp::SmtpSim::start(opts.smtp, stopped.clone()).await?;
    let fcm = fcm::FcmSim::new(opts.fcm, addr, stopped.clone());
    let onesignal = onesignal::OneSignalSim::new(opts.onesignal, stopped.clone());

    let app = router(Providers {
        twilio: twilio.clone(),
        twilio_voice: twilio_voice.clone(),
        taqnyat: taqnyat.clone(),
        msegat: msegat.clone(),
        smtp: smtp.clone(),
        meta: meta.clone(),
        fcm: fcm.clone(),
        onesignal: onesignal.clone(),
    });
    let mut stop_signal = stopped;
    let server = tokio::spawn(async move {
        let stop = async move {
            // Err means every sender is gone, which is a stop as well.
            let _ = stop_signal.wait_for(|stopped| *stopped).await;
        };
        if let Err(error) = serve(listener, app).with_graceful_shutdown(stop).await {
            tracing::warn!(%error, "simulator server stopped with an error");
        }
    });
    tracing::info!(%addr, "provider simulators listening");
    let inner = Inner {
        addr,
        twilio,
        twilio_voice,
        taqnyat,
        msegat,
        smtp,
        meta,
        fcm,
        onesignal,
        shutdown,
        server: Mutex::new(Some(server)),
    };
    Ok(Simulators { inner: Arc::new(inner) })
}

impl Simulators {
    /// `http://127.0.0.1:PORT`, to be used as each provider's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    pub fn twilio(&self) -> &twilio::TwilioSim {
        &self.inner.twilio
    }

    /// Twilio calls; they share [`Simulators::twilio`]'s account and faults.
    pub fn twilio_voice(&self) -> &twilio_voice::TwilioVoiceSim {
        &self.inner.twilio_voice
    }

    pub fn taqnyat(&self) -> &taqnyat::TaqnyatSim {
        &self.inner.taqnyat
    }

    pub fn msegat(&self) -> &msegat::MsegatSim {
        &self.inner.msegat
    }

    pub fn meta(&self) -> &meta::MetaSim {
        &self.inner.meta
    }

    pub fn smtp(&self) -> &smtp::SmtpSim {
        &self.inner.smtp
    }

    pub fn fcm(&self) -> &fcm::FcmSim {
        &self.inner.fcm
    }

    pub fn onesignal(&self) -> &onesignal::OneSignalSim {
        &self.inner.onesignal
    }

    /// `127.0.0.1:PORT` of the SMTP sink (its own TCP port, not HTTP).
    pub fn smtp_addr(&self) -> SocketAddr {
        self.inner.smtp.addr()
    }

    /// Sets the same faults on every simulator (what `PUT /_sim/faults` does).
    pub fn set_faults(&self, faults: Faults) {
        self.inner.twilio.set_faults(faults.clone());
        self.inner.taqnyat.set_faults(faults.clone());
        self.inner.smtp.set_faults(faults.clone());
        self.inner.meta.set_faults(faults.clone());
        self.inner.fcm.set_faults(faults.clone());
        self.inner.onesignal.set_faults(faults.clone());
        self.inner.msegat.set_faults(faults);
    }

    /// Stops accepting, lets in-flight requests finish (at most a few seconds), then returns.
    pub async fn shutdown(self) {
        self.inner.shutdown.send_replace(true);
        let server = lock(&self.inner.server).take();
        if let Some(server) = server {
            let abort = server.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, server).await.is_err() {
                tracing::warn!("simulator server did not stop in time; aborting it");
                abort.abort();
            }
        }
        tracing::info!(addr = %self.inner.addr, "provider simulators stopped");
    }
}

/// Every simulator, for the debug routes that act on all of them.
#[derive(Clone)]
struct Providers {
    twilio: twilio::TwilioSim,
    twilio_voice: twilio_voice::TwilioVoiceSim,
    taqnyat: taqnyat::TaqnyatSim,
    msegat: msegat::MsegatSim,
    smtp: smtp::SmtpSim,
    meta: meta::MetaSim,
    fcm: fcm::FcmSim,
    onesignal: onesignal::OneSignalSim,
}

fn router(providers: Providers) -> Router {
    let debug = Router::new()
        .route("/health", get(health))
        .route("/faults", get(get_faults).put(put_faults))
        .with_state(providers.clone())
        .nest(
            "/twilio",
            twilio::debug_routes(providers.twilio.clone())
                .merge(twilio_voice::debug_routes(providers.twilio_voice.clone())),
        )
        .nest("/taqnyat", taqnyat::debug_routes(providers.taqnyat.clone()))
        .nest("/msegat", msegat::debug_routes(providers.msegat.clone()))
        .nest("/meta", meta::debug_routes(providers.meta.clone()))
        .nest("/smtp", smtp::debug_routes(providers.smtp.clone()))
        .nest("/fcm", fcm::debug_routes(providers.fcm.clone()))
        .nest("/onesignal", onesignal::debug_routes(providers.onesignal.clone()));
    Router::new()
        .merge(twilio::api_routes(providers.twilio))
        .merge(twilio_voice::api_routes(providers.twilio_voice))
        .merge(taqnyat::api_routes(providers.taqnyat))
        .merge(msegat::api_routes(providers.msegat))
        .merge(meta::api_routes(providers.meta))
        .merge(fcm::api_routes(providers.fcm))
        .merge(onesignal::api_routes(providers.onesignal))
        .nest("/_sim", debug)
        .fallback(not_found)
}

/// Also tells a client started elsewhere (`wasel sim`) where the SMTP sink listens.
async fn health(State(p): State<Providers>) -> Json<serde_json::Value> {
    Json(json!({ "ok": true, "smtp_port": p.smtp.addr().port() }))
}

async fn get_faults(State(p): State<Providers>) -> Json<Faults> {
    Json(p.twilio.faults())
}

async fn put_faults(State(p): State<Providers>, Json(faults): Json<Faults>) -> StatusCode {
    tracing::info!(?faults, "simulator faults set for every provider");
    p.twilio.set_faults(faults.clone());
    p.taqnyat.set_faults(faults.clone());
    p.smtp.set_faults(faults.clone());
    p.meta.set_faults(faults.clone());
    p.fcm.set_faults(faults.clone());
    p.onesignal.set_faults(faults.clone());
    p.msegat.set_faults(faults);
    StatusCode::NO_CONTENT
}

/// An unknown path answers in the error shape of the provider whose paths it looks like.
async fn not_found(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if taqnyat::owns_path(path) {
        taqnyat::not_found_response()
    } else if msegat::owns_path(path) {
        msegat::not_found_response()
    } else if meta::owns_path(path) {
        meta::not_found_response(path)
    } else {
        twilio::not_found_response(path).into_response()
    }
}

/// Locks, shrugging off poisoning: the guarded data stays consistent because no code path panics
/// half-way through an update, and a simulator must keep serving other tests after one panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A recipient as the Saudi gateways (Taqnyat, Msegat) take it: country code and number as digits, with no
/// `+`, `00` or trunk `0`. Saudi numbers must be mobiles (`9665` + 8 digits); other countries only when
/// `international` is on (8–15 digits, as E.164 allows).
pub(crate) fn is_gateway_number(number: &str, international: bool) -> bool {
    if !number.bytes().all(|b| b.is_ascii_digit()) || number.starts_with('0') {
        return false;
    }
    match number.strip_prefix("966") {
        Some(national) => national.len() == 9 && national.starts_with('5'),
        None => international && (8..=15).contains(&number.len()),
    }
}

/// Compares secrets without leaking how long a prefix matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Masks a phone number for logs: `+966512345123` → `+9665•••••123`.
pub(crate) fn mask_phone(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 8 {
        let tail: String = chars[chars.len().saturating_sub(2)..].iter().collect();
        return format!("•••••{tail}");
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}•••••{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_masked_for_logs() {
        assert_eq!(mask_phone("+966512345123"), "+9665•••••123");
        assert_eq!(mask_phone("12345"), "•••••45");
        assert_eq!(mask_phone(""), "•••••");
        assert_eq!(mask_phone("966512345123"), "96651•••••123");
    }

    #[test]
    fn gateway_numbers_are_digits_with_the_country_code() {
        assert!(is_gateway_number("966512345678", false));
        assert!(!is_gateway_number("+966512345678", false));
        assert!(!is_gateway_number("00966512345678", false));
        assert!(!is_gateway_number("0512345678", false));
        assert!(!is_gateway_number("512345678", false));
        assert!(!is_gateway_number("966112345678", false), "a Riyadh landline");
        assert!(!is_gateway_number("96651234567", false));
        assert!(!is_gateway_number("9665123456789", false));
        assert!(!is_gateway_number("9665123 5678", false));
        assert!(!is_gateway_number("", true));
        assert!(!is_gateway_number("447700900123", false));
        assert!(is_gateway_number("447700900123", true));
        assert!(!is_gateway_number("966112345678", true), "Saudi numbers stay mobile-only");
    }
}
