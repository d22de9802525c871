//! Settings → Providers: each provider's credentials (secrets in the keychain, the rest in
//! `communication_settings`), its failover position, rate and price; the routes built from them;
//! "test connection" and "send a test"; WhatsApp templates; cost estimates.
//!
//! Storage, per provider `id` and field `key`: `providers.<id>.<key>` for plain fields,
//! `providers.<id>.<key>_ref` naming the keychain account (`<installation>/<id>/<key>`) for
//! secrets, `providers.<id>.rate_per_sec`, `providers.<id>.unit_price_halalas`, and
//! `providers.order.<channel>` (ids, comma-separated) for the failover order.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::Wasel;
use crate::api::*;
use crate::domain::{Channel, Content, PhoneE164};
use crate::error::{Error, Result};
use crate::providers::catalog::{self, ProviderSpec};
use crate::providers::failover::Failover;
use crate::providers::limit::Limited;
use crate::providers::{Outgoing, Provider, http_client_with_timeout, request_timeout};
use crate::secrets;
use crate::store::now;
use crate::store::queries::{channels, settings as kv};

/// A provider's saved configuration, secrets included (only ever held in memory).
pub(crate) type Values = BTreeMap<String, String>;

fn key(id: &str, field: &str) -> String {
    format!("providers.{id}.{field}")
}

fn order_key(channel: Channel) -> String {
    format!("providers.order.{}", channel.as_str())
}

impl Wasel {
    /// Provider ids of a channel in failover order (saved order first, then the rest by default).
    pub(crate) async fn provider_order(&self, channel: Channel) -> Result<Vec<&'static str>> {
        let saved = kv::get(&self.db, &order_key(channel)).await?.unwrap_or_default();
        let mut out: Vec<&'static str> = saved
            .split(',')
            .filter_map(|id| catalog::spec(id.trim()))
            .filter(|s| s.channel == channel)
            .map(|s| s.id)
            .collect();
        out.dedup();
        for spec in catalog::of_channel(channel) {
            if !out.contains(&spec.id) {
                out.push(spec.id);
            }
        }
        Ok(out)
    }

    async fn number_setting(&self, id: &str, field: &str, default: u32) -> Result<u32> {
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

    async fn is_configured(&self, spec: &ProviderSpec) -> Result<bool> {
        for f in spec.fields.iter().filter(|f| f.required) {
            let k = if f.secret { key(spec.id, &format!("{}_ref", f.key)) } else { key(spec.id, f.key) };
            if kv::get(&self.db, &k).await?.is_none_or(|v| v.is_empty()) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Builds the live route of every channel from the saved settings. A channel with no
    /// configured provider stays on the sandbox; without a keychain, all of them do.
    pub(crate) async fn load_live_routes(&self) -> Result<()> {
        let probe = secrets::blocking(&self.secrets, |s| s.probe()).await;
        self.set_keychain_error(probe.as_ref().err().cloned());
        let http = http_client_with_timeout(request_timeout(self.lease));
        let callbacks = self.callbacks(false).await?;
        for channel in Channel::ALL {
            let mut members: Vec<Arc<dyn Provider>> = Vec::new();
            for id in self.provider_order(channel).await? {
                let Some(spec) = catalog::spec(id) else { continue };
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
                match build(spec, &values, &http, &callbacks, None) {
                    Ok(p) => {
                        let rate = self.number_setting(id, "rate_per_sec", spec.rate_per_sec).await?;
                        members.push(Arc::new(Limited::new(p, rate)));
                    }
                    Err(e) => {
                        tracing::warn!(provider = id, code = e.code(), "saved settings cannot build the provider")
                    }
                }
            }
            let route = (!members.is_empty()).then(|| Arc::new(Failover::new(channel, members, self.breaker)));
            self.set_live(channel, route);
        }
        self.refresh_webhook_keys().await
    }

    /// Builds the sandbox route of every channel, in the saved failover order.
    pub(crate) async fn load_sandbox_routes(&self) -> Result<()> {
        let Some(url) = self.sandbox_url.clone() else { return Ok(()) };
        let http = http_client_with_timeout(request_timeout(self.lease));
        let callbacks = self.callbacks(true).await?;
        let mut routes = std::collections::HashMap::new();
        for channel in Channel::ALL {
            let mut members: Vec<Arc<dyn Provider>> = Vec::new();
            for id in self.provider_order(channel).await? {
                let Some(spec) = catalog::spec(id) else { continue };
                let values = sandbox_values(spec.id, &url, &http).await;
                match build(spec, &values, &http, &callbacks, Some(&url)) {
                    Ok(p) => members.push(p),
                    Err(e) => tracing::warn!(provider = id, code = e.code(), "sandbox provider not built"),
                }
            }
            if !members.is_empty() {
                routes.insert(channel, Arc::new(Failover::new(channel, members, self.breaker)));
            }
        }
        match self.routes.write() {
            Ok(mut r) => r.sandbox = routes,
            Err(poisoned) => poisoned.into_inner().sandbox = routes,
        }
        Ok(())
    }

    /// Whether a new message on this channel goes to the simulators.
    pub(crate) fn is_sandbox_for(&self, channel: Channel) -> bool {
        !self.routes().live.contains_key(&channel)
    }

    pub async fn list_providers(&self) -> Result<Vec<ProviderView>> {
        let routes = self.routes();
        let mut out = Vec::new();
        for channel in Channel::ALL {
            for (position, id) in self.provider_order(channel).await?.into_iter().enumerate() {
                let Some(spec) = catalog::spec(id) else { continue };
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
    pub async fn save_provider(&self, input: ProviderInput, actor: &str) -> Result<Vec<ProviderView>> {
        let spec = catalog::spec(&input.id).ok_or(Error::NotFound { what: "provider" })?;
        // Only the rate or the price: no credentials involved (a sandbox provider has a price too).
        let numbers_only = input.fields.values().all(|v| v.trim().is_empty());
        let mut plain = Vec::new();
        let mut secret = Vec::new();
        for f in spec.fields.iter().filter(|_| !numbers_only) {
            let raw = input.fields.get(f.key).map(|v| v.trim().to_owned()).unwrap_or_default();
            if f.secret {
                let saved = kv::get(&self.db, &key(spec.id, &format!("{}_ref", f.key))).await?.is_some();
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
        self.audit(actor, "provider.save", spec.id, None, Some(serde_json::json!({ "fields": changed }))).await?;
        self.forget_templates(spec).await?;
        self.load_live_routes().await?;
        self.list_providers().await
    }

    /// Forgets a provider's credentials (keychain and settings): its channel falls back to the
    /// next configured provider, or the sandbox.
    pub async fn clear_provider(&self, id: &str, actor: &str) -> Result<Vec<ProviderView>> {
        let spec = catalog::spec(id).ok_or(Error::NotFound { what: "provider" })?;
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
        self.audit(actor, "provider.clear", spec.id, None, None).await?;
        self.forget_templates(spec).await?;
        self.load_live_routes().await?;
        self.list_providers().await
    }

    /// The failover order of one channel (every provider of the channel, each once).
    pub async fn set_failover_order(
        &self,
        channel: Channel,
        ids: Vec<String>,
        actor: &str,
    ) -> Result<Vec<ProviderView>> {
        let mut wanted: Vec<&'static str> = Vec::new();
        for id in &ids {
            let spec =
                catalog::spec(id).filter(|s| s.channel == channel).ok_or(Error::NotFound { what: "provider" })?;
            if wanted.contains(&spec.id) {
                return Err(Error::invalid("provider.order_invalid"));
            }
            wanted.push(spec.id);
        }
        if wanted.len() != catalog::of_channel(channel).count() {
            return Err(Error::invalid("provider.order_invalid"));
        }
        let before = self.provider_order(channel).await?;
        kv::set(&self.db, &order_key(channel), &wanted.join(",")).await?;
        self.audit(
            actor,
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

    /// The provider as messages would reach it now: the live one when configured, else the
    /// sandbox's stand-in.
    async fn provider_in_use(&self, id: &str) -> Result<(Arc<dyn Provider>, bool)> {
        let spec = catalog::spec(id).ok_or(Error::NotFound { what: "provider" })?;
        let routes = self.routes();
        if self.is_configured(spec).await? {
            let values = self.provider_values(spec).await?.ok_or_else(|| Error::invalid("provider.not_configured"))?;
            let http = http_client_with_timeout(request_timeout(self.lease));
            return Ok((build(spec, &values, &http, &self.callbacks(false).await?, None)?, false));
        }
        let member = routes.sandbox.get(&spec.channel).and_then(|r| r.provider(id).cloned());
        member.map(|p| (p, true)).ok_or_else(|| Error::invalid("provider.not_configured"))
    }

    /// "Test connection": one cheap authenticated call, explained.
    pub async fn test_provider(&self, id: &str) -> Result<ProviderCheckView> {
        let (provider, sandbox) = self.provider_in_use(id).await?;
        let started = Instant::now();
        let result = provider.check().await;
        Ok(check_view(id, sandbox, started, result))
    }

    /// "Send a test": one real message through this provider only (not the outbox), audited.
    pub async fn send_provider_test(&self, id: &str, to: &str, actor: &str) -> Result<ProviderCheckView> {
        let (provider, sandbox) = self.provider_in_use(id).await?;
        let channel = provider.channel();
        let address = match channel {
            Channel::Email => super::compose::normalize_email(to)?,
            Channel::Push => {
                let t = to.trim();
                if t.is_empty() {
                    return Err(Error::invalid("push.token_required"));
                }
                t.to_owned()
            }
            _ => PhoneE164::parse_mobile(to)?.to_string(),
        };
        let language = self.status().await?.language;
        let body = crate::i18n::t("provider_test.body", language.as_str());
        let subject = crate::i18n::t("provider_test.subject", language.as_str());
        let content = match channel {
            Channel::Sms => Content::Sms,
            Channel::Whatsapp => Content::Whatsapp { template: None },
            Channel::Email => Content::Email { subject, html: None, to_name: None, attachments: Vec::new() },
            Channel::Push => Content::Push { title: subject, data: BTreeMap::new(), service: id.to_owned(), language },
            Channel::Voice => Content::Voice { language },
        };
        let reference = uuid::Uuid::now_v7().to_string();
        let started = Instant::now();
        let result = provider
            .send(Outgoing {
                to: &address,
                body: &body,
                content: &content,
                reference: &reference,
                idempotency_key: &reference,
            })
            .await
            .map(|a| a.provider_message_id);
        let view = check_view(id, sandbox, started, result);
        self.audit(
            actor,
            "provider.send_test",
            id,
            None,
            Some(serde_json::json!({ "ok": view.ok, "sandbox": sandbox, "error": view.error.as_ref().map(|e| e.code.clone()) })),
        )
        .await?;
        Ok(view)
    }

    /// The estimate shown before sending: units × the price of the first provider in use.
    pub(crate) async fn estimate(&self, channel: Channel, units: u32) -> Result<Option<CostEstimate>> {
        let routes = self.routes();
        let route = routes.live.get(&channel).or_else(|| routes.sandbox.get(&channel));
        let Some(first) = route.and_then(|r| r.providers().next().cloned()) else { return Ok(None) };
        let Some(spec) = catalog::spec(first.id()) else { return Ok(None) };
        let price = self.number_setting(spec.id, "unit_price_halalas", spec.unit_price_halalas).await?;
        Ok(Some(CostEstimate {
            provider: spec.id.to_owned(),
            units,
            unit_price_halalas: price,
            total_halalas: price.saturating_mul(units),
            currency: "SAR".into(),
        }))
    }

    /// The templates as last fetched from each WhatsApp provider in use (fetched once on first use).
    pub async fn whatsapp_templates(&self) -> Result<Vec<TemplateView>> {
        if channels::templates(&self.db).await?.is_empty() && !self.whatsapp_in_use().is_empty() {
            // First use: fetch them once, so the compose screen has something to offer.
            return self.refresh_whatsapp_templates().await;
        }
        self.stored_templates().await
    }

    fn whatsapp_in_use(&self) -> Vec<String> {
        let routes = self.routes();
        let route = routes.live.get(&Channel::Whatsapp).or_else(|| routes.sandbox.get(&Channel::Whatsapp));
        route.map(|r| r.providers().map(|p| p.id().to_owned()).collect()).unwrap_or_default()
    }

    async fn stored_templates(&self) -> Result<Vec<TemplateView>> {
        let in_use = self.whatsapp_in_use();
        Ok(channels::templates(&self.db)
            .await?
            .into_iter()
            .filter(|t| in_use.contains(&t.provider))
            .map(|t| TemplateView {
                params: super::compose::placeholder_count(&t.body),
                status: template_status(&t.status),
                provider: t.provider,
                name: t.name,
                language: t.language,
                category: t.category,
                body: t.body,
                fetched_at: t.fetched_at,
            })
            .collect())
    }

    /// Asks each WhatsApp provider in use for its templates and their approval status.
    pub async fn refresh_whatsapp_templates(&self) -> Result<Vec<TemplateView>> {
        let route = {
            let routes = self.routes();
            routes.live.get(&Channel::Whatsapp).or_else(|| routes.sandbox.get(&Channel::Whatsapp)).cloned()
        };
        let Some(route) = route else { return Ok(Vec::new()) };
        let mut last_error = None;
        let mut any = false;
        for provider in route.providers() {
            let Some(source) = provider.templates() else { continue };
            match source.list_templates().await {
                Ok(list) => {
                    any = true;
                    let at = now();
                    let rows: Vec<channels::TemplateRow> = list
                        .into_iter()
                        .map(|t| channels::TemplateRow {
                            provider: provider.id().to_owned(),
                            name: t.name,
                            language: t.language,
                            status: serde_json::to_value(t.status)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_else(|| "unknown".into()),
                            category: t.category,
                            body: t.body,
                            provider_ref: t.provider_ref,
                            fetched_at: at,
                        })
                        .collect();
                    channels::replace_templates(&self.db, provider.id(), &rows).await?;
                }
                Err(e) => {
                    tracing::warn!(provider = provider.id(), code = e.code(), "templates could not be fetched");
                    last_error = Some(e);
                }
            }
        }
        if !any && let Some(e) = last_error {
            return Err(e.into());
        }
        self.stored_templates().await
    }

    /// Templates fetched from the simulator (or another account) are not this account's: they
    /// are fetched again on next use.
    async fn forget_templates(&self, spec: &ProviderSpec) -> Result<()> {
        if spec.channel == Channel::Whatsapp {
            channels::replace_templates(&self.db, spec.id, &[]).await?;
        }
        Ok(())
    }

    pub(crate) async fn audit(
        &self,
        actor: &str,
        action: &str,
        entity_id: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        crate::audit::append(
            &mut tx,
            crate::audit::Entry {
                actor,
                action,
                entity: "settings",
                entity_id: Some(entity_id.to_owned()),
                before,
                after,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn template_status(s: &str) -> crate::providers::whatsapp::TemplateStatus {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .unwrap_or(crate::providers::whatsapp::TemplateStatus::Unknown)
}

fn field_error(code: &'static str, field: &str) -> Error {
    Error::Invalid { code, params: vec![("field", field.to_owned())] }
}

/// Checks one field's shape (and normalises it) before anything is saved.
fn check_field(spec: &ProviderSpec, field: &str, raw: &str) -> Result<String> {
    let invalid = || field_error("provider.field_invalid", field);
    match field {
        "account_sid" => {
            let ok = raw.len() == 34 && raw.starts_with("AC") && raw[2..].chars().all(|c| c.is_ascii_hexdigit());
            if ok { Ok(raw.to_owned()) } else { Err(Error::invalid("credentials.account_sid_invalid")) }
        }
        "from" if spec.id == "twilio_whatsapp" => {
            let number = raw.strip_prefix("whatsapp:").unwrap_or(raw);
            Ok(format!("whatsapp:{}", PhoneE164::parse_mobile(number).map_err(|_| invalid())?))
        }
        "from" if spec.id == "twilio_voice" => Ok(PhoneE164::parse_mobile(raw).map_err(|_| invalid())?.to_string()),
        "from" | "sender" => {
            let sender_name =
                (1..=11).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ');
            if raw.starts_with('+') || raw.chars().all(|c| c.is_ascii_digit()) {
                Ok(PhoneE164::parse_mobile(raw).map_err(|_| Error::invalid("credentials.from_invalid"))?.to_string())
            } else if sender_name {
                Ok(raw.to_owned())
            } else {
                Err(Error::invalid("credentials.from_invalid"))
            }
        }
        "base_url" | "content_base_url" | "token_uri" => {
            let url = reqwest::Url::parse(raw).map_err(|_| invalid())?;
            if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
                return Err(invalid());
            }
            Ok(raw.trim_end_matches('/').to_owned())
        }
        "port" => raw.parse::<u16>().ok().filter(|p| *p > 0).map(|p| p.to_string()).ok_or_else(invalid),
        "security" => match raw.to_lowercase().as_str() {
            s @ ("starttls" | "tls" | "none") => Ok(s.to_owned()),
            _ => Err(invalid()),
        },
        "from_address" => super::compose::normalize_email(raw),
        "service_account_json" => {
            let json: serde_json::Value = serde_json::from_str(raw).map_err(|_| invalid())?;
            let has = |k: &str| json.get(k).and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty());
            if has("client_email") && has("private_key") && has("project_id") {
                Ok(raw.to_owned())
            } else {
                Err(invalid())
            }
        }
        "phone_number_id" | "waba_id" => {
            if raw.chars().all(|c| c.is_ascii_digit()) && raw.len() <= 32 {
                Ok(raw.to_owned())
            } else {
                Err(invalid())
            }
        }
        "app_id" => uuid::Uuid::parse_str(raw).map(|u| u.to_string()).map_err(|_| invalid()),
        _ if raw.chars().any(char::is_control) && field != "service_account_json" => Err(invalid()),
        _ => Ok(raw.to_owned()),
    }
}

fn check_view(
    id: &str,
    sandbox: bool,
    started: Instant,
    result: std::result::Result<String, crate::providers::ProviderError>,
) -> ProviderCheckView {
    let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    match result {
        Ok(detail) => ProviderCheckView {
            provider: id.to_owned(),
            ok: true,
            sandbox,
            detail: Some(detail).filter(|d| !d.is_empty()),
            error: None,
            latency_ms,
        },
        Err(e) => ProviderCheckView {
            provider: id.to_owned(),
            ok: false,
            sandbox,
            detail: None,
            error: Some(Error::from(e).payload()),
            latency_ms,
        },
    }
}

/// Where providers should send status callbacks (a public `wasel serve`, or the console's own
/// loopback receiver for the sandbox).
#[derive(Debug, Clone, Default)]
pub(crate) struct Callbacks {
    pub twilio_status: Option<String>,
    pub twilio_voice: Option<String>,
}

impl Wasel {
    async fn callbacks(&self, sandbox: bool) -> Result<Callbacks> {
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

/// The simulators' own credentials for each provider (the sandbox).
async fn sandbox_values(id: &str, url: &str, http: &reqwest::Client) -> Values {
    let pairs: Vec<(&str, String)> = match id {
        "twilio" => vec![
            ("account_sid", wasel_sim::twilio::SANDBOX_ACCOUNT_SID.into()),
            ("auth_token", wasel_sim::twilio::SANDBOX_AUTH_TOKEN.into()),
            ("from", wasel_sim::twilio::SANDBOX_FROM.into()),
        ],
        "twilio_voice" => vec![
            ("account_sid", wasel_sim::twilio::SANDBOX_ACCOUNT_SID.into()),
            ("auth_token", wasel_sim::twilio::SANDBOX_AUTH_TOKEN.into()),
            ("from", wasel_sim::twilio::SANDBOX_NUMBER.into()),
        ],
        "twilio_whatsapp" => vec![
            ("account_sid", wasel_sim::twilio::SANDBOX_ACCOUNT_SID.into()),
            ("auth_token", wasel_sim::twilio::SANDBOX_AUTH_TOKEN.into()),
            ("from", format!("whatsapp:{}", wasel_sim::twilio::SANDBOX_NUMBER)),
            ("content_base_url", url.to_owned()),
        ],
        "taqnyat" => vec![
            ("token", wasel_sim::taqnyat::SANDBOX_BEARER_TOKEN.into()),
            ("sender", wasel_sim::taqnyat::SANDBOX_SENDER.into()),
        ],
        "msegat" => vec![
            ("user_name", wasel_sim::msegat::SANDBOX_USERNAME.into()),
            ("api_key", wasel_sim::msegat::SANDBOX_API_KEY.into()),
            ("sender", wasel_sim::msegat::SANDBOX_SENDER.into()),
        ],
        "meta" => {
            let d = wasel_sim::meta::MetaOptions::default();
            vec![
                ("phone_number_id", d.phone_number_id),
                ("waba_id", d.waba_id),
                ("access_token", d.access_token),
                ("app_secret", d.app_secret),
                ("verify_token", d.verify_token),
                ("api_version", d.api_version),
            ]
        }
        "smtp" => {
            let port = smtp_port(url, http).await;
            vec![
                ("host", "127.0.0.1".into()),
                ("port", port.to_string()),
                ("security", "none".into()),
                ("username", wasel_sim::smtp::SANDBOX_USERNAME.into()),
                ("password", wasel_sim::smtp::SANDBOX_PASSWORD.into()),
                ("from_address", "noreply@wasel.example".into()),
                ("from_name", "مركز واصل".into()),
            ]
        }
        "fcm" => {
            let account = http
                .get(format!("{url}/_sim/fcm/service-account"))
                .send()
                .await
                .ok()
                .and_then(|r| r.error_for_status().ok());
            let json = match account {
                Some(r) => r.text().await.unwrap_or_default(),
                None => String::new(),
            };
            vec![("service_account_json", json)]
        }
        "onesignal" => vec![
            ("app_id", wasel_sim::onesignal::SANDBOX_APP_ID.into()),
            ("api_key", wasel_sim::onesignal::SANDBOX_API_KEY.into()),
        ],
        _ => Vec::new(),
    };
    let mut values: Values = pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    values.insert("base_url".into(), url.to_owned());
    values
}

/// The Graph API version Wasel is written against (pinned, as Meta asks).
const META_API_VERSION: &str = "v21.0";

/// The SMTP sink's port, from the simulators' health answer.
async fn smtp_port(url: &str, http: &reqwest::Client) -> u16 {
    let health = http.get(format!("{url}/_sim/health")).send().await.ok();
    let json: Option<serde_json::Value> = match health {
        Some(r) => r.json().await.ok(),
        None => None,
    };
    json.and_then(|j| j.get("smtp_port").and_then(serde_json::Value::as_u64))
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(25)
}

/// An adapter from its saved values. `sandbox_url` marks the sandbox (simulator-only details).
pub(crate) fn build(
    spec: &ProviderSpec,
    v: &Values,
    http: &reqwest::Client,
    callbacks: &Callbacks,
    _sandbox_url: Option<&str>,
) -> Result<Arc<dyn Provider>> {
    use crate::providers::{email, push, sms, voice, whatsapp};
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    // Twilio's three products share one API host.
    let base = |id: &str| {
        let id = if id.starts_with("twilio") { "twilio" } else { id };
        v.get("base_url").cloned().or_else(|| crate::providers::default_base_url(id)).unwrap_or_default()
    };
    let provider: Arc<dyn Provider> = match spec.id {
        "twilio" => Arc::new(
            sms::twilio::TwilioSms::new(
                http.clone(),
                &base("twilio"),
                &get("account_sid"),
                &get("auth_token"),
                &get("from"),
            )
            .with_status_callback(callbacks.twilio_status.clone()),
        ),
        "taqnyat" => {
            Arc::new(sms::taqnyat::TaqnyatSms::new(http.clone(), &base("taqnyat"), &get("token"), &get("sender")))
        }
        "msegat" => Arc::new(sms::msegat::MsegatSms::new(
            http.clone(),
            &base("msegat"),
            &get("user_name"),
            &get("api_key"),
            &get("sender"),
        )),
        "twilio_whatsapp" => Arc::new(whatsapp::twilio::TwilioWhatsapp::new(
            http.clone(),
            &base("twilio"),
            &v.get("content_base_url")
                .cloned()
                .or_else(|| crate::providers::default_base_url("twilio_content"))
                .unwrap_or_default(),
            &get("account_sid"),
            &get("auth_token"),
            &get("from"),
            callbacks.twilio_status.clone(),
        )),
        "meta" => Arc::new(whatsapp::meta::MetaWhatsapp::new(
            http.clone(),
            &base("meta"),
            v.get("api_version").map_or(META_API_VERSION, String::as_str),
            &get("phone_number_id"),
            &get("waba_id"),
            &get("access_token"),
        )),
        "smtp" => {
            let security = match get("security").as_str() {
                "none" => email::smtp::SmtpSecurity::None,
                "tls" => email::smtp::SmtpSecurity::Tls,
                _ => email::smtp::SmtpSecurity::StartTls,
            };
            let config = email::smtp::SmtpConfig {
                host: get("host"),
                port: get("port").parse().unwrap_or(587),
                security,
                username: v.get("username").cloned(),
                password: v.get("password").cloned(),
                from_address: v.get("from_address").cloned().unwrap_or_default(),
                from_name: v.get("from_name").cloned(),
                timeout: request_timeout(std::time::Duration::from_secs(60)),
            };
            Arc::new(email::smtp::SmtpEmail::new(config)?)
        }
        "fcm" => Arc::new(
            push::fcm::FcmPush::new(
                http.clone(),
                &base("fcm"),
                &get("service_account_json"),
                v.get("token_uri").cloned(),
            )
            .map_err(Error::from)?,
        ),
        "onesignal" => Arc::new(push::onesignal::OneSignalPush::new(
            http.clone(),
            &base("onesignal"),
            &get("app_id"),
            &get("api_key"),
        )),
        "twilio_voice" => Arc::new(voice::twilio::TwilioVoice::new(
            http.clone(),
            &base("twilio"),
            &get("account_sid"),
            &get("auth_token"),
            &get("from"),
            callbacks.twilio_voice.clone(),
        )),
        _ => return Err(Error::NotFound { what: "provider" }),
    };
    Ok(provider)
}
