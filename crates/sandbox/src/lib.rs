//! The console's sandbox: [`wasel_core::sandbox::Sandbox`] over the provider simulators of
//! `wasel-sim`, and the wiring the hosts (desktop, CLI, tests) use to open Wasel with it — the
//! simulators (in-process, or already running elsewhere), the loopback receiver for their
//! callbacks, and the simulators told where it is.

mod accounts;
mod inbox;

use std::any::Any;
use std::sync::Arc;

use wasel_core::api::InboxItem;
use wasel_core::domain::Channel;
use wasel_core::providers::BoxFuture;
use wasel_core::providers::email::smtp::{SmtpConfig, SmtpSecurity};
use wasel_core::sandbox::{Reply, Sandbox, SandboxDevice, SandboxKeys, Values};
use wasel_core::{Error, Result, Wasel, WaselConfig};
use wasel_sim::Simulators;

/// The sandbox over simulators at `url`: started here (and stopped with it), or already running.
pub struct SimSandbox {
    url: String,
    sims: Option<Simulators>,
    http: reqwest::Client,
}

impl SimSandbox {
    /// Starts every simulator in this process on loopback.
    pub async fn start() -> Result<Self> {
        let sims = wasel_sim::start(wasel_sim::SimOptions::default())
            .await
            .map_err(|e| Error::Internal(format!("cannot start the sandbox simulators: {e}")))?;
        Ok(Self { url: sims.base_url(), sims: Some(sims), http: wasel_core::providers::http_client() })
    }

    /// Simulators already running at `url` (`wasel sim`, shared with other processes).
    pub fn at(url: &str) -> Self {
        Self { url: url.trim_end_matches('/').to_owned(), sims: None, http: wasel_core::providers::http_client() }
    }

    /// The simulators, when this process runs them.
    pub fn simulators(&self) -> Option<&Simulators> {
        self.sims.as_ref()
    }
}

/// `WASEL_SANDBOX_URL`: simulators already running there, instead of in-process ones.
pub fn url_from_env() -> Option<String> {
    std::env::var("WASEL_SANDBOX_URL").ok().filter(|s| !s.is_empty())
}

/// Opens Wasel with the sandbox: simulators at `sandbox_url` (or started here), the loopback
/// receiver for their callbacks, and the simulators told where it is.
pub async fn open(mut config: WaselConfig, sandbox_url: Option<String>) -> Result<Wasel> {
    let sandbox = match sandbox_url {
        Some(url) => SimSandbox::at(&url),
        None => SimSandbox::start().await?,
    };
    config.sandbox = Some(Arc::new(sandbox));
    let wasel = Wasel::open(config).await?;
    let hooks = wasel_server::listen_loopback(&wasel).await?;
    wasel.connect_sandbox(hooks).await?;
    Ok(wasel)
}

/// The in-process simulators of a Wasel opened by [`open`].
pub fn simulators(wasel: &Wasel) -> Option<&Simulators> {
    wasel.sandbox()?.as_any().downcast_ref::<SimSandbox>()?.simulators()
}

/// The SMTP sink of the simulators at `addr`, with its account (for tests of the adapter).
pub fn smtp_config(addr: std::net::SocketAddr) -> SmtpConfig {
    SmtpConfig {
        host: addr.ip().to_string(),
        port: addr.port(),
        security: SmtpSecurity::None,
        username: Some(wasel_sim::smtp::SANDBOX_USERNAME.to_owned()),
        password: Some(wasel_sim::smtp::SANDBOX_PASSWORD.to_owned()),
        from_address: "noreply@example.com".to_owned(),
        from_name: Some("واصل".to_owned()),
        timeout: std::time::Duration::from_secs(15),
    }
}

impl Sandbox for SimSandbox {
    fn base_url(&self) -> String {
        self.url.clone()
    }

    fn account<'a>(&'a self, provider: &'a str) -> BoxFuture<'a, Values> {
        Box::pin(accounts::account(provider, &self.url, &self.http))
    }

    fn keys(&self) -> SandboxKeys {
        let meta = wasel_sim::meta::MetaOptions::default();
        SandboxKeys {
            twilio_auth_tokens: vec![wasel_sim::twilio::SANDBOX_AUTH_TOKEN.to_owned()],
            meta_app_secrets: vec![meta.app_secret],
            meta_verify_tokens: vec![meta.verify_token],
        }
    }

    fn connect<'a>(&'a self, callbacks_url: &'a str, devices: Vec<SandboxDevice>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let (sim, http) = (&self.url, &self.http);
            let meta = wasel_sim::meta::MetaOptions::default();
            // Meta's registration runs its verification handshake first.
            let register = http
                .put(format!("{sim}/_sim/meta/webhook"))
                .json(&serde_json::json!({
                    "url": format!("{callbacks_url}{}", wasel_core::webhooks::META_PATH),
                    "verify_token": meta.verify_token,
                }))
                .send()
                .await;
            if let Err(e) = register.and_then(reqwest::Response::error_for_status) {
                tracing::warn!(error = %e, "the Meta simulator did not take our webhook; WhatsApp statuses will not arrive");
            }
            let inbound = http
                .put(format!("{sim}/_sim/twilio/webhooks"))
                .json(&serde_json::json!({
                    "inbound_url": format!("{callbacks_url}{}", wasel_core::webhooks::TWILIO_INBOUND_PATH),
                }))
                .send()
                .await;
            if let Err(e) = inbound.and_then(reqwest::Response::error_for_status) {
                tracing::warn!(error = %e, "the Twilio simulator did not take our inbound webhook");
            }
            // The simulators forget devices on restart: tell them about ours again.
            for d in devices {
                let request = match d.service.as_str() {
                    "fcm" => {
                        http.post(format!("{sim}/_sim/fcm/devices")).json(&serde_json::json!({ "token": d.token }))
                    }
                    _ => http
                        .post(format!("{sim}/_sim/onesignal/subscriptions"))
                        .json(&serde_json::json!({ "id": d.token, "language": d.language })),
                };
                if let Err(e) = request.send().await.and_then(reqwest::Response::error_for_status) {
                    tracing::debug!(error = %e, service = %d.service, "device not registered with the simulator");
                }
            }
        })
    }

    fn inbox(&self, channel: Option<Channel>) -> BoxFuture<'_, Vec<InboxItem>> {
        Box::pin(async move {
            let mut items = Vec::new();
            for source in inbox::SOURCES {
                if channel.is_some_and(|c| c != source.channel) {
                    continue;
                }
                let answer = self.http.get(format!("{}{}", self.url, source.path)).send().await;
                let list: Vec<serde_json::Value> = match answer.and_then(reqwest::Response::error_for_status) {
                    Ok(r) => r.json().await.unwrap_or_default(),
                    Err(e) => {
                        tracing::debug!(error = %e, path = source.path, "sandbox inbox not readable");
                        continue;
                    }
                };
                items.extend(list.iter().filter_map(|v| (source.read)(v)));
            }
            items.sort_by_key(|i| std::cmp::Reverse(i.at));
            items
        })
    }

    fn clear_inbox(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            for source in inbox::SOURCES {
                let _ = self.http.delete(format!("{}{}", self.url, source.path)).send().await;
            }
        })
    }

    fn reply<'a>(&'a self, reply: Reply<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let (sim, from, text) = (&self.url, reply.from, reply.text);
            let request = match (reply.channel, reply.provider) {
                (Channel::Whatsapp, "meta") => self
                    .http
                    .post(format!("{sim}/_sim/meta/inbound"))
                    .json(&serde_json::json!({ "from": from.digits(), "text": text })),
                (Channel::Whatsapp, _) => self
                    .http
                    .post(format!("{sim}/_sim/twilio/inbound"))
                    .json(&serde_json::json!({ "from": format!("whatsapp:{from}"), "body": text })),
                _ => self
                    .http
                    .post(format!("{sim}/_sim/twilio/inbound"))
                    .json(&serde_json::json!({ "from": from.to_string(), "body": text })),
            };
            request
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| Error::from(wasel_core::providers::ProviderError::from_transport(&e)))?;
            Ok(())
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// A provider declared in the core's registry without a sandbox account would silently have
    /// no sandbox: every one has its account here, with every field its declaration requires.
    #[tokio::test]
    async fn every_declared_provider_has_a_sandbox_account_with_its_required_fields() {
        let sandbox = super::SimSandbox::start().await.unwrap();
        for spec in wasel_core::providers::registry::PROVIDERS {
            let values = super::Sandbox::account(&sandbox, spec.id).await;
            for field in spec.fields.iter().filter(|f| f.required) {
                assert!(
                    values.get(field.key).is_some_and(|v| !v.is_empty()),
                    "{}: the sandbox account has no {}",
                    spec.id,
                    field.key
                );
            }
            let built = wasel_core::providers::registry::build(
                spec,
                &values,
                &wasel_core::providers::http_client(),
                &Default::default(),
            );
            assert!(built.is_ok(), "{}: the sandbox account does not build its adapter", spec.id);
        }
    }

    #[test]
    fn the_cores_twilio_signature_matches_the_simulators() {
        let params =
            vec![("MessageSid".to_owned(), "SM1".to_owned()), ("MessageStatus".to_owned(), "delivered".to_owned())];
        let url = "https://hub.example.sa/webhooks/twilio/status";
        assert_eq!(
            wasel_core::webhooks::twilio_signature("token", url, &params),
            wasel_sim::twilio_signature("token", url, &params)
        );
    }
}
