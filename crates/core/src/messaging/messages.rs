//! Reading the outbox: the message list with its filters, one message, its timeline and attempts;
//! the guardians to send to and their devices.

use uuid::Uuid;

use super::api::*;
use super::views::to_view;
use crate::context::Messaging;
use crate::domain::{EventSource, Language, MessageStatus, Operation, PhoneE164};
use crate::error::{Error, Result};
use crate::store::queries::{channels, guardians, messages as q};

/// A message id as the faces send it.
pub(super) fn message_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::NotFound { what: "message" })
}

impl Messaging<'_> {
    pub async fn list_messages(&self, filter: MessageFilter) -> Result<Vec<MessageView>> {
        self.allow(Operation::ViewMessages)?;
        let limit = i64::from(filter.limit.unwrap_or(200).clamp(1, 1000));
        let narrow = q::ListFilter {
            status: filter.status,
            channel: filter.channel,
            provider: filter.provider.as_deref().filter(|p| !p.is_empty()),
        };
        Ok(q::list(&self.db, narrow, limit).await?.into_iter().map(to_view).collect())
    }

    pub async fn message(&self, id: &str) -> Result<MessageView> {
        self.allow(Operation::ViewMessages)?;
        let id = message_id(id)?;
        q::get(&self.db, id).await?.map(to_view).ok_or(Error::NotFound { what: "message" })
    }

    pub async fn message_timeline(&self, id: &str) -> Result<Vec<MessageEventView>> {
        self.allow(Operation::ViewMessages)?;
        let id = message_id(id)?;
        if q::get(&self.db, id).await?.is_none() {
            return Err(Error::NotFound { what: "message" });
        }
        Ok(q::events(&self.db, id)
            .await?
            .into_iter()
            .map(|e| MessageEventView {
                id: e.id.to_string(),
                status: MessageStatus::parse(&e.status).unwrap_or(MessageStatus::Unknown),
                source: EventSource::parse(&e.source).unwrap_or(EventSource::Dispatch),
                at: e.at,
                detail: e.detail,
            })
            .collect())
    }

    pub async fn message_attempts(&self, id: &str) -> Result<Vec<AttemptView>> {
        self.allow(Operation::ViewMessages)?;
        let id = message_id(id)?;
        Ok(q::attempts(&self.db, id)
            .await?
            .into_iter()
            .map(|a| AttemptView {
                attempt_no: u32::try_from(a.attempt_no).unwrap_or(0),
                provider: a.provider,
                started_at: a.started_at,
                latency_ms: a.latency_ms.and_then(|l| u32::try_from(l).ok()),
                http_status: a.http_status.and_then(|h| u16::try_from(h).ok()),
                provider_error_code: a.provider_error_code,
                error_class: a.error_class,
                outcome: a.outcome,
            })
            .collect())
    }

    pub async fn list_guardians(&self) -> Result<Vec<GuardianView>> {
        self.allow(Operation::ViewGuardians)?;
        Ok(guardians::list(&self.db)
            .await?
            .into_iter()
            .filter_map(|g| {
                let phone = PhoneE164::from_stored(g.phone_e164?);
                Some(GuardianView {
                    id: g.id.to_string(),
                    name: g.full_name,
                    phone_display: phone.display(),
                    phone: phone.to_string(),
                    language: Language::parse(&g.preferred_language).unwrap_or(Language::Ar),
                    beneficiary_name: g.beneficiary_name,
                    email: g.email,
                    devices: u32::try_from(g.devices).unwrap_or(0),
                })
            })
            .collect())
    }

    pub async fn guardian_devices(&self, guardian_id: &str) -> Result<Vec<DeviceView>> {
        self.allow(Operation::ViewGuardians)?;
        let id = Uuid::parse_str(guardian_id).map_err(|_| Error::invalid("guardian.not_found"))?;
        Ok(channels::devices_of(&self.db, id)
            .await?
            .into_iter()
            .map(|d| DeviceView {
                id: d.id.to_string(),
                token_tail: d.token.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect(),
                service: d.service,
                label: d.label,
                language: Language::parse(&d.language).unwrap_or(Language::Ar),
                disabled: d.disabled_at.is_some(),
                disabled_reason: d.disabled_reason,
            })
            .collect())
    }
}
