//! "Test connection" and "send a test" for one provider, and the cost estimate shown before sending.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::api::*;
use crate::context::ProviderSettings;
use crate::domain::{Channel, Content, EmailAddress, Operation, PhoneE164};
use crate::error::{Error, Result};
use crate::messaging::api::CostEstimate;
use crate::providers::registry;
use crate::providers::{Outgoing, Provider, http_client_with_timeout, request_timeout};

impl ProviderSettings<'_> {
    /// The provider as messages would reach it now: the live one when configured, else the
    /// sandbox's stand-in.
    async fn provider_in_use(&self, id: &str) -> Result<(Arc<dyn Provider>, bool)> {
        let spec = registry::spec(id).ok_or(Error::NotFound { what: "provider" })?;
        let routes = self.routes();
        if self.is_configured(spec).await? {
            let values = self.provider_values(spec).await?.ok_or_else(|| Error::invalid("provider.not_configured"))?;
            let http = http_client_with_timeout(request_timeout(self.options.lease));
            return Ok((registry::build(spec, &values, &http, &self.callbacks(false).await?)?, false));
        }
        let member = routes.sandbox.get(&spec.channel).and_then(|r| r.provider(id).cloned());
        member.map(|p| (p, true)).ok_or_else(|| Error::invalid("provider.not_configured"))
    }

    /// "Test connection": one cheap authenticated call, explained.
    pub async fn test_provider(&self, id: &str) -> Result<ProviderCheckView> {
        self.allow(Operation::TestProviders)?;
        let (provider, sandbox) = self.provider_in_use(id).await?;
        let started = Instant::now();
        let result = provider.check().await;
        Ok(check_view(id, sandbox, started, result))
    }

    /// "Send a test": one real message through this provider only (not the outbox), audited.
    pub async fn send_provider_test(&self, id: &str, to: &str) -> Result<ProviderCheckView> {
        self.allow(Operation::TestProviders)?;
        let (provider, sandbox) = self.provider_in_use(id).await?;
        let channel = provider.channel();
        let address = match channel {
            Channel::Email => EmailAddress::parse(to)?.into_string(),
            Channel::Push => {
                let t = to.trim();
                if t.is_empty() {
                    return Err(Error::invalid("push.token_required"));
                }
                t.to_owned()
            }
            _ => PhoneE164::parse_mobile(to)?.to_string(),
        };
        let language = crate::settings::stored::language(&self.db).await?;
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
        let Some(spec) = registry::spec(first.id()) else { return Ok(None) };
        let price = self.number_setting(spec.id, "unit_price_halalas", spec.unit_price_halalas).await?;
        Ok(Some(CostEstimate {
            provider: spec.id.to_owned(),
            units,
            unit_price_halalas: price,
            total_halalas: price.saturating_mul(units),
            currency: "SAR".into(),
        }))
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
