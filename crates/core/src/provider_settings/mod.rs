//! Settings → Providers (reached as `wasel.providers()`): each provider's credentials (secrets in the keychain, the rest in
//! `communication_settings`), its failover position, rate and price; the routes built from them;
//! "test connection" and "send a test"; WhatsApp templates; cost estimates.
//!
//! Storage, per provider `id` and field `key`: `providers.<id>.<key>` for plain fields,
//! `providers.<id>.<key>_ref` naming the keychain account (`<installation>/<id>/<key>`) for
//! secrets, `providers.<id>.rate_per_sec`, `providers.<id>.unit_price_halalas`, and
//! `providers.order.<channel>` (ids, comma-separated) for the failover order.

pub mod api;
mod checks;
mod fields;
mod routes;
mod templates;

use crate::audit;
use crate::context::ProviderSettings;
use crate::domain::{Channel, Operation};
use crate::error::{Error, Result};
use crate::providers::registry::{self, ProviderSpec, Values};
use crate::secrets;
use crate::store::queries::settings as kv;
use api::*;
use fields::{check_field, field_error};

fn key(id: &str, field: &str) -> String {
    format!("providers.{id}.{field}")
}

fn order_key(channel: Channel) -> String {
    format!("providers.order.{}", channel.as_str())
}

impl ProviderSettings<'_> {
    /// Provider ids of a channel in failover order (saved order first, then the rest by default).
    pub(crate) async fn order(&self, channel: Channel) -> Result<Vec<&'static str>> {
        let saved = kv::get(&self.db, &order_key(channel)).await?.unwrap_or_default();
        let mut out: Vec<&'static str> = saved
            .split(',')
            .filter_map(|id| registry::spec(id.trim()))
            .filter(|s| s.channel == channel)
            .map(|s| s.id)
            .collect();
        out.dedup();
        for spec in registry::of_channel(channel) {
            if !out.contains(&spec.id) {
                out.push(spec.id);
            }
        }
        Ok(out)
    }

    pub(crate) async fn number_setting(&self, id: &str, field: &str, default: u32) -> Result<u32> {
        Ok(kv::get(&self.db, &key(id, field)).await?.and_then(|v| v.parse().ok()).unwrap_or(default))
    }

    /// The saved configuration, secrets read from the keychain. `None` unless every required
    /// field is there.
    pub(crate) async fn provider_values(&self, spec: &ProviderSpec) -> Result<Option<Values>> {
        let mut values = Values::new();
        for f in spec.fields {
            let value = if f.secret {
                match kv::get(&self.db, &key(spec.id, &format!("{}_ref", f.key))).await? {
                    Some(account) => secrets::blocking(&self.secrets, move |s| s.get(&account)).await?,
                    None => None,
                }
            } else {
                kv::get(&self.db, &key(spec.id, f.key)).await?
            };
            match value.filter(|v| !v.is_empty()) {
                Some(v) => {
                    values.insert(f.key.to_owned(), v);
                }
                None if f.required => return Ok(None),
                None => {}
            }
        }
        Ok(Some(values))
    }

    pub(crate) async fn is_configured(&self, spec: &ProviderSpec) -> Result<bool> {
        for f in spec.fields.iter().filter(|f| f.required) {
            let k = if f.secret { key(spec.id, &format!("{}_ref", f.key)) } else { key(spec.id, f.key) };
            if kv::get(&self.db, &k).await?.is_none_or(|v| v.is_empty()) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub async fn list_providers(&self) -> Result<Vec<ProviderView>> {
        self.allow(Operation::ViewProviders)?;
        let routes = self.routes();
        let mut out = Vec::new();
        for channel in Channel::ALL {
            for (position, id) in self.order(channel).await?.into_iter().enumerate() {
                let Some(spec) = registry::spec(id) else { continue };
                let mut fields = Vec::new();
                for f in spec.fields {
                    let (value, set) = if f.secret {
                        (None, kv::get(&self.db, &key(id, &format!("{}_ref", f.key))).await?.is_some())
                    } else {
                        let v = kv::get(&self.db, &key(id, f.key)).await?;
                        let set = v.is_some();
                        (v, set)
                    };
                    fields.push(ProviderFieldView {
                        key: f.key.to_owned(),
                        secret: f.secret,
                        required: f.required,
                        value,
                        set,
                        multiline: f.multiline,
                    });
                }
                let configured = self.is_configured(spec).await?;
                let route = if configured { routes.live.get(&channel) } else { routes.sandbox.get(&channel) };
                let circuit = route.and_then(|r| r.circuit(id)).map(|c| match c {
                    crate::providers::failover::CircuitState::Closed => "closed".to_owned(),
                    crate::providers::failover::CircuitState::Open => "open".to_owned(),
                    crate::providers::failover::CircuitState::HalfOpen => "halfOpen".to_owned(),
                });
                out.push(ProviderView {
                    id: id.to_owned(),
                    channel,
                    position: u32::try_from(position).unwrap_or(0),
                    configured,
                    fields,
                    circuit,
                    rate_per_sec: self.number_setting(id, "rate_per_sec", spec.rate_per_sec).await?,
                    unit_price_halalas: self.number_setting(id, "unit_price_halalas", spec.unit_price_halalas).await?,
                });
            }
        }
        Ok(out)
    }

    /// Saves a provider's fields (secrets into the keychain), its rate and price; rebuilds routes.
    /// Every field is checked first, so nothing is saved when one is wrong.
    pub async fn save_provider(&self, input: ProviderInput) -> Result<Vec<ProviderView>> {
        self.allow(Operation::ManageProviders)?;
        let spec = registry::spec(&input.id).ok_or(Error::NotFound { what: "provider" })?;
        // Only the rate or the price: no credentials involved (a sandbox provider has a price too).
        let numbers_only = input.fields.values().all(|v| v.trim().is_empty());
        let mut plain = Vec::new();
        let mut secret = Vec::new();
        // Whether each secret will be there after this save (typed now, or kept from before).
        let mut secrets_set = Vec::new();
        for f in spec.fields.iter().filter(|_| !numbers_only) {
            let raw = input.fields.get(f.key).map(|v| v.trim().to_owned()).unwrap_or_default();
            if f.secret {
                let saved = kv::get(&self.db, &key(spec.id, &format!("{}_ref", f.key))).await?.is_some();
                if saved || !raw.is_empty() {
                    secrets_set.push(f.key);
                }
                if raw.is_empty() {
                    if f.required && !saved {
                        return Err(field_error("provider.field_required", f.key));
                    }
                    continue;
                }
                secret.push((f.key, check_field(spec, f.key, &raw)?));
            } else if raw.is_empty() {
                if f.required {
                    return Err(field_error("provider.field_required", f.key));
                }
                plain.push((f.key, None));
            } else {
                plain.push((f.key, Some(check_field(spec, f.key, &raw)?)));
            }
        }
        if !numbers_only {
            let values: std::collections::BTreeMap<&str, &str> =
                plain.iter().filter_map(|(f, v)| Some((*f, v.as_deref()?))).collect();
            fields::check_together(spec, &values, &secrets_set)?;
        }
        for (k, v) in [("rate_per_sec", input.rate_per_sec), ("unit_price_halalas", input.unit_price_halalas)] {
            match v {
                Some(0) if k == "rate_per_sec" => return Err(field_error("provider.field_invalid", k)),
                Some(n) if n > 100_000 => return Err(field_error("provider.field_invalid", k)),
                _ => {}
            }
        }
        for (field, value) in &secret {
            let account = format!("{}/{}/{field}", self.installation, spec.id);
            let (a, v) = (account.clone(), value.clone());
            if let Err(e) = secrets::blocking(&self.secrets, move |s| s.set(&a, &v)).await {
                self.set_keychain_error(Some(e.clone()));
                return Err(e.into());
            }
            kv::set(&self.db, &key(spec.id, &format!("{field}_ref")), &account).await?;
        }
        for (field, value) in &plain {
            match value {
                Some(v) => kv::set(&self.db, &key(spec.id, field), v).await?,
                None => kv::delete(&self.db, &key(spec.id, field)).await?,
            }
        }
        if let Some(rate) = input.rate_per_sec {
            kv::set(&self.db, &key(spec.id, "rate_per_sec"), &rate.to_string()).await?;
        }
        if let Some(price) = input.unit_price_halalas {
            kv::set(&self.db, &key(spec.id, "unit_price_halalas"), &price.to_string()).await?;
        }
        // Which fields changed is audited; their values are not (secrets never leave the keychain).
        let changed: Vec<&str> = secret.iter().map(|(k, _)| *k).chain(plain.iter().map(|(k, _)| *k)).collect();
        self.audit("provider.save", spec.id, None, Some(serde_json::json!({ "fields": changed }))).await?;
        self.forget_templates(spec).await?;
        self.load_live_routes().await?;
        self.list_providers().await
    }

    /// Forgets a provider's credentials (keychain and settings): its channel falls back to the
    /// next configured provider, or the sandbox.
    pub async fn clear_provider(&self, id: &str) -> Result<Vec<ProviderView>> {
        self.allow(Operation::ManageProviders)?;
        let spec = registry::spec(id).ok_or(Error::NotFound { what: "provider" })?;
        for f in spec.fields {
            if f.secret {
                let ref_key = key(spec.id, &format!("{}_ref", f.key));
                if let Some(account) = kv::get(&self.db, &ref_key).await?
                    && let Err(e) = secrets::blocking(&self.secrets, move |s| s.delete(&account)).await
                {
                    tracing::warn!(code = e.code(), provider = id, "could not delete a secret from the keychain");
                }
                kv::delete(&self.db, &ref_key).await?;
            } else {
                kv::delete(&self.db, &key(spec.id, f.key)).await?;
            }
        }
        self.audit("provider.clear", spec.id, None, None).await?;
        self.forget_templates(spec).await?;
        self.load_live_routes().await?;
        self.list_providers().await
    }

    /// The failover order of one channel (every provider of the channel, each once).
    pub async fn set_failover_order(&self, channel: Channel, ids: Vec<String>) -> Result<Vec<ProviderView>> {
        self.allow(Operation::ManageProviders)?;
        let mut wanted: Vec<&'static str> = Vec::new();
        for id in &ids {
            let spec =
                registry::spec(id).filter(|s| s.channel == channel).ok_or(Error::NotFound { what: "provider" })?;
            if wanted.contains(&spec.id) {
                return Err(Error::invalid("provider.order_invalid"));
            }
            wanted.push(spec.id);
        }
        if wanted.len() != registry::of_channel(channel).count() {
            return Err(Error::invalid("provider.order_invalid"));
        }
        let before = self.order(channel).await?;
        kv::set(&self.db, &order_key(channel), &wanted.join(",")).await?;
        self.audit(
            "provider.order",
            channel.as_str(),
            Some(serde_json::json!(before)),
            Some(serde_json::json!(wanted)),
        )
        .await?;
        self.load_live_routes().await?;
        self.load_sandbox_routes().await?;
        self.list_providers().await
    }

    pub(crate) async fn audit(
        &self,
        action: &str,
        entity_id: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        audit::append(
            &mut tx,
            audit::Entry::by(self.caller(), action, "settings", Some(entity_id.to_owned())).change(before, after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
