//! The routes messages take: per channel, the configured providers in failover order (live), and
//! the sandbox's stand-ins; where providers should call back; which keys sign those callbacks.

use std::sync::Arc;

use crate::context::{Key, Keys};
use crate::context::{ProviderSettings, update, write};
use crate::domain::Channel;
use crate::error::{Error, Result};
use crate::providers::failover::Failover;
use crate::providers::limit::Limited;
use crate::providers::registry::{self, Callbacks};
use crate::providers::{Provider, http_client_with_timeout, request_timeout};
use crate::secrets;
use crate::store::queries::settings as kv;

impl ProviderSettings<'_> {
    /// The sandbox's route of a channel (its circuits), when the sandbox is on.
    /// Open to every caller: it holds no data, only the simulators' circuit states.
    pub fn sandbox_route(&self, channel: Channel) -> Option<Arc<Failover>> {
        self.routes().sandbox.get(&channel).cloned()
    }

    /// Builds the live route of every channel from the saved settings. A channel with no
    /// configured provider stays on the sandbox; without a keychain, all of them do.
    pub(crate) async fn load_live_routes(&self) -> Result<()> {
        let probe = secrets::blocking(&self.secrets, |s| s.probe()).await;
        self.set_keychain_error(probe.as_ref().err().cloned());
        let http = http_client_with_timeout(request_timeout(self.options.lease));
        let callbacks = self.callbacks(false).await?;
        for channel in Channel::ALL {
            let mut members: Vec<Arc<dyn Provider>> = Vec::new();
            for id in self.order(channel).await? {
                let Some(spec) = registry::spec(id) else { continue };
                if !self.is_configured(spec).await? {
                    continue;
                }
                let values = match self.provider_values(spec).await {
                    Ok(Some(v)) => v,
                    Ok(None) => {
                        tracing::warn!(provider = id, "configured, but a secret is missing from the keychain");
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(provider = id, code = e.code(), "keychain unavailable; provider skipped");
                        if let Error::Secret(s) = &e {
                            self.set_keychain_error(Some(s.clone()));
                        }
                        continue;
                    }
                };
                match registry::build(spec, &values, &http, &callbacks) {
                    Ok(p) => {
                        let rate = self.number_setting(id, "rate_per_sec", spec.rate_per_sec).await?;
                        members.push(Arc::new(Limited::new(p, rate)));
                    }
                    Err(e) => {
                        tracing::warn!(provider = id, code = e.code(), "saved settings cannot build the provider")
                    }
                }
            }
            let route = (!members.is_empty()).then(|| Arc::new(Failover::new(channel, members, self.options.breaker)));
            self.set_live(channel, route);
        }
        self.refresh_webhook_keys().await
    }

    /// Builds the sandbox route of every channel, in the saved failover order.
    pub(crate) async fn load_sandbox_routes(&self) -> Result<()> {
        let Some(sandbox) = self.sandbox.clone() else { return Ok(()) };
        let http = http_client_with_timeout(request_timeout(self.options.lease));
        let callbacks = self.callbacks(true).await?;
        let mut routes = std::collections::HashMap::new();
        for channel in Channel::ALL {
            let mut members: Vec<Arc<dyn Provider>> = Vec::new();
            for id in self.order(channel).await? {
                let Some(spec) = registry::spec(id) else { continue };
                let values = sandbox.account(spec.id).await;
                match registry::build(spec, &values, &http, &callbacks) {
                    Ok(p) => members.push(p),
                    Err(e) => tracing::warn!(provider = id, code = e.code(), "sandbox provider not built"),
                }
            }
            if !members.is_empty() {
                routes.insert(channel, Arc::new(Failover::new(channel, members, self.options.breaker)));
            }
        }
        update(&self.routes, |all| all.sandbox = routes);
        Ok(())
    }

    fn set_live(&self, channel: Channel, route: Option<Arc<Failover>>) {
        update(&self.routes, |all| match route {
            Some(route) => {
                all.live.insert(channel, route);
            }
            None => {
                all.live.remove(&channel);
            }
        });
    }

    /// Collects every secret callbacks may be signed with: the sandbox's and each configured
    /// provider's.
    pub(crate) async fn refresh_webhook_keys(&self) -> Result<()> {
        let mut keys = Keys::default();
        if let Some(sandbox) = &self.sandbox {
            let k = sandbox.keys();
            keys.twilio_auth_tokens.extend(k.twilio_auth_tokens.into_iter().map(Key::sandbox));
            keys.meta_app_secrets.extend(k.meta_app_secrets.into_iter().map(Key::sandbox));
            keys.meta_verify_tokens.extend(k.meta_verify_tokens);
        }
        for spec in registry::PROVIDERS.iter().filter(|s| s.callbacks.is_some()) {
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
        write(&self.webhook_keys, keys);
        Ok(())
    }

    pub(super) async fn callbacks(&self, sandbox: bool) -> Result<Callbacks> {
        let base =
            if sandbox { self.webhook_url() } else { kv::get(&self.db, crate::webhooks::PUBLIC_URL_KEY).await? };
        Ok(match base {
            Some(b) => Callbacks {
                twilio_status: Some(format!("{}{}", b.trim_end_matches('/'), crate::webhooks::TWILIO_STATUS_PATH)),
                twilio_voice: Some(format!("{}{}", b.trim_end_matches('/'), crate::webhooks::TWILIO_VOICE_PATH)),
            },
            None => Callbacks::default(),
        })
    }
}
