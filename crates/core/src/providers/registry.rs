//! Every provider Wasel knows, declared once: its channel, the fields its credentials need (secret
//! ones go to the OS keychain), the defaults of its rate limit and estimate price, which callbacks
//! report on it, and how its adapter is built from saved values. Everything else (Settings →
//! Providers, the routes, the webhook keys, the sandbox's accounts) reads these declarations.
//!
//! Prices are estimates for the "cost before sending" line and nothing else: the defaults are
//! round figures of public list prices for Saudi destinations and must be set to the centre's
//! contract in Settings → Providers. Rates are requests per second this account may make; the
//! defaults follow the references (Twilio voice 1 call per second, Meta 80 messages per second,
//! OneSignal 150 per second on free plans) and stay modest where the provider publishes nothing.

use std::sync::Arc;

use super::{Provider, email, push, sms, voice, whatsapp};
use crate::domain::Channel;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: &'static str,
    /// Kept in the keychain; the database holds only a reference.
    pub secret: bool,
    pub required: bool,
    pub multiline: bool,
}

const fn field(key: &'static str) -> FieldSpec {
    FieldSpec { key, secret: false, required: true, multiline: false }
}

const fn secret(key: &'static str) -> FieldSpec {
    FieldSpec { key, secret: true, required: true, multiline: false }
}

const fn optional(key: &'static str) -> FieldSpec {
    FieldSpec { key, secret: false, required: false, multiline: false }
}

#[derive(Debug, Clone, Copy)]
pub struct ProviderSpec {
    pub id: &'static str,
    pub channel: Channel,
    pub fields: &'static [FieldSpec],
    pub rate_per_sec: u32,
    /// Halalas per unit (SMS segment, WhatsApp message, push, email, call).
    pub unit_price_halalas: u32,
    /// The webhook that reports on this provider's messages, if it has one.
    pub callbacks: Option<CallbackRoute>,
    /// The adapter, from the saved values (secrets included) and where callbacks should go.
    pub build: fn(&Values, &Env) -> Result<Arc<dyn Provider>>,
}

/// A provider's fields, as Settings → Providers holds them (secrets included, in memory only).
pub type Values = std::collections::BTreeMap<String, String>;

/// The webhooks `wasel serve` receives, each reporting on one family of providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackRoute {
    /// Twilio's message status callback (SMS and WhatsApp).
    TwilioMessages,
    TwilioCalls,
    MetaWhatsapp,
}

/// Where providers should send status callbacks (a public `wasel serve`, or the console's own
/// loopback receiver for the sandbox).
#[derive(Debug, Clone, Default)]
pub struct Callbacks {
    pub twilio_status: Option<String>,
    pub twilio_voice: Option<String>,
}

/// What every adapter is built with besides its values.
pub struct Env<'a> {
    pub http: &'a reqwest::Client,
    pub callbacks: &'a Callbacks,
}

/// Every provider, in the default failover order of each channel.
pub const PROVIDERS: &[ProviderSpec] = &[
    ProviderSpec {
        id: "twilio",
        channel: Channel::Sms,
        fields: &[field("account_sid"), secret("auth_token"), field("from"), optional("base_url")],
        rate_per_sec: 10,
        callbacks: Some(CallbackRoute::TwilioMessages),
        build: twilio_sms,
        unit_price_halalas: 20,
    },
    ProviderSpec {
        id: "taqnyat",
        channel: Channel::Sms,
        fields: &[secret("token"), field("sender"), optional("base_url")],
        rate_per_sec: 10,
        callbacks: None,
        build: taqnyat_sms,
        unit_price_halalas: 7,
    },
    ProviderSpec {
        id: "msegat",
        channel: Channel::Sms,
        fields: &[field("user_name"), secret("api_key"), field("sender"), optional("base_url")],
        rate_per_sec: 10,
        callbacks: None,
        build: msegat_sms,
        unit_price_halalas: 8,
    },
    ProviderSpec {
        id: "meta",
        channel: Channel::Whatsapp,
        fields: &[
            field("phone_number_id"),
            field("waba_id"),
            secret("access_token"),
            secret("app_secret"),
            secret("verify_token"),
            optional("base_url"),
        ],
        rate_per_sec: 80,
        callbacks: Some(CallbackRoute::MetaWhatsapp),
        build: meta_whatsapp,
        unit_price_halalas: 12,
    },
    ProviderSpec {
        id: "twilio_whatsapp",
        channel: Channel::Whatsapp,
        fields: &[
            field("account_sid"),
            secret("auth_token"),
            field("from"),
            optional("base_url"),
            optional("content_base_url"),
        ],
        rate_per_sec: 10,
        callbacks: Some(CallbackRoute::TwilioMessages),
        build: twilio_whatsapp,
        unit_price_halalas: 15,
    },
    ProviderSpec {
        id: "smtp",
        channel: Channel::Email,
        fields: &[
            field("host"),
            field("port"),
            field("security"),
            optional("username"),
            FieldSpec { key: "password", secret: true, required: false, multiline: false },
            field("from_address"),
            optional("from_name"),
        ],
        rate_per_sec: 5,
        callbacks: None,
        build: smtp_email,
        unit_price_halalas: 0,
    },
    ProviderSpec {
        id: "fcm",
        channel: Channel::Push,
        fields: &[
            FieldSpec { key: "service_account_json", secret: true, required: true, multiline: true },
            optional("base_url"),
            optional("token_uri"),
        ],
        rate_per_sec: 100,
        callbacks: None,
        build: fcm_push,
        unit_price_halalas: 0,
    },
    ProviderSpec {
        id: "onesignal",
        channel: Channel::Push,
        fields: &[field("app_id"), secret("api_key"), optional("base_url")],
        rate_per_sec: 150,
        callbacks: None,
        build: onesignal_push,
        unit_price_halalas: 0,
    },
    ProviderSpec {
        id: "twilio_voice",
        channel: Channel::Voice,
        fields: &[field("account_sid"), secret("auth_token"), field("from"), optional("base_url")],
        rate_per_sec: 1,
        callbacks: Some(CallbackRoute::TwilioCalls),
        build: twilio_voice,
        unit_price_halalas: 45,
    },
];

pub fn spec(id: &str) -> Option<&'static ProviderSpec> {
    PROVIDERS.iter().find(|p| p.id == id)
}

pub fn of_channel(channel: Channel) -> impl Iterator<Item = &'static ProviderSpec> {
    PROVIDERS.iter().filter(move |p| p.channel == channel)
}

/// The providers a callback route reports on.
pub fn reported_by(route: CallbackRoute) -> impl Iterator<Item = &'static str> {
    PROVIDERS.iter().filter(move |p| p.callbacks == Some(route)).map(|p| p.id)
}

/// An adapter from its saved values.
pub fn build(
    spec: &ProviderSpec,
    values: &Values,
    http: &reqwest::Client,
    callbacks: &Callbacks,
) -> Result<Arc<dyn Provider>> {
    (spec.build)(values, &Env { http, callbacks })
}

/// The Graph API version Wasel is written against (pinned, as Meta asks).
const META_API_VERSION: &str = "v21.0";

fn get(v: &Values, k: &str) -> String {
    v.get(k).cloned().unwrap_or_default()
}

/// The API's base URL: the saved one (a proxy, a simulator) or the real default. Twilio's three
/// products share one API host.
fn base(v: &Values, id: &str) -> String {
    let id = if id.starts_with("twilio") { "twilio" } else { id };
    v.get("base_url").cloned().or_else(|| super::default_base_url(id)).unwrap_or_default()
}

fn twilio_sms(v: &Values, env: &Env) -> Result<Arc<dyn Provider>> {
    let p = sms::twilio::TwilioSms::new(
        env.http.clone(),
        &base(v, "twilio"),
        &get(v, "account_sid"),
        &get(v, "auth_token"),
        &get(v, "from"),
    )
    .with_status_callback(env.callbacks.twilio_status.clone());
    Ok(Arc::new(p))
}

fn taqnyat_sms(v: &Values, env: &Env) -> Result<Arc<dyn Provider>> {
    Ok(Arc::new(sms::taqnyat::TaqnyatSms::new(
        env.http.clone(),
        &base(v, "taqnyat"),
        &get(v, "token"),
        &get(v, "sender"),
    )))
}

fn msegat_sms(v: &Values, env: &Env) -> Result<Arc<dyn Provider>> {
    Ok(Arc::new(sms::msegat::MsegatSms::new(
        env.http.clone(),
        &base(v, "msegat"),
        &get(v, "user_name"),
        &get(v, "api_key"),
        &get(v, "sender"),
    )))
}

fn twilio_whatsapp(v: &Values, env: &Env) -> Result<Arc<dyn Provider>> {
    let content =
        v.get("content_base_url").cloned().or_else(|| super::default_base_url("twilio_content")).unwrap_or_default();
    Ok(Arc::new(whatsapp::twilio::TwilioWhatsapp::new(
        env.http.clone(),
        &base(v, "twilio"),
        &content,
        &get(v, "account_sid"),
        &get(v, "auth_token"),
        &get(v, "from"),
        env.callbacks.twilio_status.clone(),
    )))
}

fn meta_whatsapp(v: &Values, env: &Env) -> Result<Arc<dyn Provider>> {
    Ok(Arc::new(whatsapp::meta::MetaWhatsapp::new(
        env.http.clone(),
        &base(v, "meta"),
        v.get("api_version").map_or(META_API_VERSION, String::as_str),
        &get(v, "phone_number_id"),
        &get(v, "waba_id"),
        &get(v, "access_token"),
    )))
}

fn smtp_email(v: &Values, _env: &Env) -> Result<Arc<dyn Provider>> {
    let security = match get(v, "security").as_str() {
        "none" => email::smtp::SmtpSecurity::None,
        "tls" => email::smtp::SmtpSecurity::Tls,
        _ => email::smtp::SmtpSecurity::StartTls,
    };
    let config = email::smtp::SmtpConfig {
        host: get(v, "host"),
        port: get(v, "port").parse().unwrap_or(587),
        security,
        username: v.get("username").cloned(),
        password: v.get("password").cloned(),
        from_address: v.get("from_address").cloned().unwrap_or_default(),
        from_name: v.get("from_name").cloned(),
        timeout: super::request_timeout(std::time::Duration::from_secs(60)),
    };
    Ok(Arc::new(email::smtp::SmtpEmail::new(config)?))
}

fn fcm_push(v: &Values, env: &Env) -> Result<Arc<dyn Provider>> {
    let p = push::fcm::FcmPush::new(
        env.http.clone(),
        &base(v, "fcm"),
        &get(v, "service_account_json"),
        v.get("token_uri").cloned(),
    )
    .map_err(Error::from)?;
    Ok(Arc::new(p))
}

fn onesignal_push(v: &Values, env: &Env) -> Result<Arc<dyn Provider>> {
    Ok(Arc::new(push::onesignal::OneSignalPush::new(
        env.http.clone(),
        &base(v, "onesignal"),
        &get(v, "app_id"),
        &get(v, "api_key"),
    )))
}

fn twilio_voice(v: &Values, env: &Env) -> Result<Arc<dyn Provider>> {
    Ok(Arc::new(voice::twilio::TwilioVoice::new(
        env.http.clone(),
        &base(v, "twilio"),
        &get(v, "account_sid"),
        &get(v, "auth_token"),
        &get(v, "from"),
        env.callbacks.twilio_voice.clone(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_has_a_provider_and_ids_are_unique() {
        for c in Channel::ALL {
            assert!(of_channel(c).count() > 0, "{c:?}");
        }
        let mut ids: Vec<_> = PROVIDERS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PROVIDERS.len());
    }
}
