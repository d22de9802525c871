//! WhatsApp on the desk: approved templates filled with their parameters, and the 24-hour
//! customer-service window that decides between a template and free text.

use super::api::*;
use super::checks::render_placeholders;
use crate::context::Messaging;
use crate::domain::{Channel, Operation, TemplateUse};
use crate::error::{Error, Result};
use crate::store::now;
use crate::store::queries::channels;

/// WhatsApp free text is allowed this long after the guardian's last message.
pub const WHATSAPP_WINDOW_HOURS: i64 = 24;

impl Messaging<'_> {
    /// The template's approved text with the parameters in place, or why it cannot be used.
    pub(super) async fn fill_template(&self, fill: &TemplateFill) -> Result<(String, TemplateUse)> {
        let templates = self.providers(self.caller()).whatsapp_templates().await?;
        let candidates: Vec<_> =
            templates.iter().filter(|t| t.name == fill.name && t.language == fill.language).collect();
        let Some(first) = candidates.first() else {
            return Err(Error::Invalid { code: "template.not_found", params: vec![("name", fill.name.clone())] });
        };
        let Some(usable) = candidates.iter().find(|t| t.status == crate::providers::whatsapp::TemplateStatus::Approved)
        else {
            return Err(Error::Invalid {
                code: "template.not_approved",
                params: vec![("name", fill.name.clone()), ("status", format!("{:?}", first.status).to_lowercase())],
            });
        };
        let params: Vec<String> = fill.params.iter().map(|p| p.trim().to_owned()).collect();
        if params.len() != usable.params as usize || params.iter().any(String::is_empty) {
            return Err(Error::Invalid { code: "template.params", params: vec![("count", usable.params.to_string())] });
        }
        let text = render_placeholders(&usable.body, &params);
        // Twilio names templates by its own id: carry it for the Twilio route.
        let twilio_ref = channels::templates(&self.db)
            .await?
            .into_iter()
            .find(|t| t.provider == "twilio_whatsapp" && t.name == fill.name && t.language == fill.language)
            .and_then(|t| t.provider_ref);
        let template =
            TemplateUse { name: fill.name.clone(), language: fill.language.clone(), params, provider_ref: twilio_ref };
        Ok((text, template))
    }

    /// The WhatsApp customer-service window of a number, opened by its last inbound message on
    /// the side WhatsApp goes out on now (a simulated reply opens only the sandbox's window).
    pub async fn whatsapp_window(&self, address: &str) -> Result<WindowView> {
        self.allow(Operation::ComposeMessage)?;
        let sandbox = self.is_sandbox_for(Channel::Whatsapp);
        let last = channels::last_inbound(&self.db, Channel::Whatsapp, address, sandbox).await?;
        let closes = last.map(|t| t + chrono::Duration::hours(WHATSAPP_WINDOW_HOURS));
        Ok(WindowView { open: closes.is_some_and(|c| c > now()), last_inbound_at: last, closes_at: closes })
    }
}
