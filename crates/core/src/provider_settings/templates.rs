//! WhatsApp templates and their approval status, as fetched from each WhatsApp provider in use.

use crate::context::ProviderSettings;
use crate::domain::{Channel, Operation};
use crate::error::Result;
use crate::messaging::api::TemplateView;
use crate::messaging::placeholder_count;
use crate::providers::registry::ProviderSpec;
use crate::store::now;
use crate::store::queries::channels;

impl ProviderSettings<'_> {
    /// The templates as last fetched from each WhatsApp provider in use (fetched once on first use).
    pub async fn whatsapp_templates(&self) -> Result<Vec<TemplateView>> {
        self.allow_templates()?;
        if channels::templates(&self.db).await?.is_empty() && !self.whatsapp_in_use().is_empty() {
            // First use: fetch them once, so the compose screen has something to offer.
            return self.refresh_whatsapp_templates().await;
        }
        self.stored_templates().await
    }

    /// The desk reads templates to compose; an admin or auditor reads them in Settings.
    fn allow_templates(&self) -> Result<()> {
        if self.caller().may(Operation::ViewProviders) { Ok(()) } else { self.allow(Operation::ComposeMessage) }
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
                params: placeholder_count(&t.body),
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
        self.allow_templates()?;
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
    pub(super) async fn forget_templates(&self, spec: &ProviderSpec) -> Result<()> {
        if spec.channel == Channel::Whatsapp {
            channels::replace_templates(&self.db, spec.id, &[]).await?;
        }
        Ok(())
    }
}

fn template_status(s: &str) -> crate::providers::whatsapp::TemplateStatus {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .unwrap_or(crate::providers::whatsapp::TemplateStatus::Unknown)
}
