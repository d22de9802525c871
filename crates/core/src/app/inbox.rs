//! The sandbox side of the console: the callbacks the simulators send to our loopback receiver,
//! the sandbox inbox (what each recipient would have seen), and simulated replies.

use super::Wasel;
use crate::api::*;
use crate::domain::{Channel, PhoneE164};
use crate::error::{Error, Result};
use crate::providers::catalog;
use crate::webhooks::Key;

impl Wasel {
    /// The console's own webhook receiver (sandbox only).
    pub fn webhook_url(&self) -> Option<String> {
        self.webhook_url.clone()
    }

    /// Collects every secret callbacks may be signed with: the sandbox's and each configured
    /// provider's.
    pub(crate) async fn refresh_webhook_keys(&self) -> Result<()> {
        let mut keys = crate::webhooks::Keys::default();
        if self.sandbox_url.is_some() {
            keys.twilio_auth_tokens.push(Key::sandbox(wasel_sim::twilio::SANDBOX_AUTH_TOKEN));
            let meta = wasel_sim::meta::MetaOptions::default();
            keys.meta_app_secrets.push(Key::sandbox(meta.app_secret));
            keys.meta_verify_tokens.push(meta.verify_token);
        }
        for id in ["twilio", "twilio_whatsapp", "twilio_voice", "meta"] {
            let Some(spec) = catalog::spec(id) else { continue };
            let Ok(Some(values)) = self.provider_values(spec).await else { continue };
            if let Some(t) = values.get("auth_token") {
                keys.twilio_auth_tokens.push(Key::live(t.clone()));
            }
            if let Some(s) = values.get("app_secret") {
                keys.meta_app_secrets.push(Key::live(s.clone()));
            }
            if let Some(v) = values.get("verify_token") {
                keys.meta_verify_tokens.push(v.clone());
            }
        }
        match self.webhook_keys.write() {
            Ok(mut k) => *k = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
        Ok(())
    }

    /// Points the simulators' webhooks (Meta statuses and inbound, Twilio inbound) at our
    /// loopback receiver. Meta's registration runs its verification handshake first.
    pub(crate) async fn connect_sandbox_callbacks(&self) {
        let (Some(sim), Some(hooks)) = (self.sandbox_url.clone(), self.webhook_url.clone()) else { return };
        let http = crate::providers::http_client();
        let meta = wasel_sim::meta::MetaOptions::default();
        let register = http
            .put(format!("{sim}/_sim/meta/webhook"))
            .json(&serde_json::json!({ "url": format!("{hooks}{}", crate::webhooks::META_PATH), "verify_token": meta.verify_token }))
            .send()
            .await;
        if let Err(e) = register.and_then(reqwest::Response::error_for_status) {
            tracing::warn!(error = %e, "the Meta simulator did not take our webhook; WhatsApp statuses will not arrive");
        }
        let inbound = http
            .put(format!("{sim}/_sim/twilio/webhooks"))
            .json(&serde_json::json!({ "inbound_url": format!("{hooks}{}", crate::webhooks::TWILIO_INBOUND_PATH) }))
            .send()
            .await;
        if let Err(e) = inbound.and_then(reqwest::Response::error_for_status) {
            tracing::warn!(error = %e, "the Twilio simulator did not take our inbound webhook");
        }
        // The simulators forget devices on restart: tell them about ours again.
        if let Err(e) = self.register_sandbox_devices(&http, &sim).await {
            tracing::warn!(error = %e, "sandbox devices not registered");
        }
    }

    async fn register_sandbox_devices(&self, http: &reqwest::Client, sim: &str) -> Result<()> {
        for g in crate::store::queries::guardians::list(&self.db).await? {
            for d in crate::store::queries::channels::devices_of(&self.db, g.id).await? {
                if d.disabled_at.is_some() {
                    continue;
                }
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
        }
        Ok(())
    }

    /// Runs the webhook receivers for a public URL (head office): `wasel serve`.
    pub async fn serve_webhooks(&self, bind: &str, public_url: &str) -> Result<String> {
        let url = reqwest::Url::parse(public_url).map_err(|_| Error::invalid("webhooks.public_url_invalid"))?;
        if url.scheme() != "https" && url.host_str().is_none_or(|h| h != "127.0.0.1" && h != "localhost") {
            return Err(Error::invalid("webhooks.public_url_invalid"));
        }
        crate::store::queries::settings::set(
            &self.db,
            crate::webhooks::PUBLIC_URL_KEY,
            public_url.trim_end_matches('/'),
        )
        .await?;
        self.load_live_routes().await?;
        let receiver = crate::webhooks::Receiver {
            db: self.db.clone(),
            changes: self.changes.clone(),
            keys: std::sync::Arc::clone(&self.webhook_keys),
            public_url: public_url.trim_end_matches('/').to_owned(),
        };
        crate::webhooks::listen(receiver, bind, self.shutdown.subscribe()).await
    }

    /// What each recipient would have seen, newest first, from every simulator.
    pub async fn sandbox_inbox(&self, channel: Option<Channel>) -> Result<Vec<InboxItem>> {
        let Some(sim) = self.sandbox_url.clone() else { return Ok(Vec::new()) };
        let http = crate::providers::http_client();
        let mut items = Vec::new();
        for source in super::inbox_sources::SOURCES {
            if channel.is_some_and(|c| c != source.channel) {
                continue;
            }
            let answer = http.get(format!("{sim}{}", source.path)).send().await;
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
        Ok(items)
    }

    /// Forgets every simulator's inbox.
    pub async fn clear_sandbox_inbox(&self) -> Result<()> {
        let Some(sim) = self.sandbox_url.clone() else { return Ok(()) };
        let http = crate::providers::http_client();
        for source in super::inbox_sources::SOURCES {
            let _ = http.delete(format!("{sim}{}", source.path)).send().await;
        }
        Ok(())
    }

    /// A guardian's reply, simulated: it arrives through the provider's webhook like a real one
    /// (and opens the WhatsApp window).
    pub async fn simulate_reply(&self, input: InboundInput) -> Result<()> {
        let Some(sim) = self.sandbox_url.clone() else { return Err(Error::invalid("sandbox.off")) };
        let from = PhoneE164::parse_mobile(&input.from)?;
        let text = input.text.trim();
        if text.is_empty() {
            return Err(Error::invalid("body.required"));
        }
        let provider = match input.provider {
            Some(p) => p,
            None => self.provider_order(input.channel).await?.first().map_or("twilio", |p| p).to_owned(),
        };
        let http = crate::providers::http_client();
        let request = match (input.channel, provider.as_str()) {
            (Channel::Whatsapp, "meta") => http
                .post(format!("{sim}/_sim/meta/inbound"))
                .json(&serde_json::json!({ "from": from.digits(), "text": text })),
            (Channel::Whatsapp, _) => http
                .post(format!("{sim}/_sim/twilio/inbound"))
                .json(&serde_json::json!({ "from": format!("whatsapp:{from}"), "body": text })),
            _ => http
                .post(format!("{sim}/_sim/twilio/inbound"))
                .json(&serde_json::json!({ "from": from.to_string(), "body": text })),
        };
        request
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| Error::from(crate::providers::ProviderError::from_transport(&e)))?;
        Ok(())
    }
}
