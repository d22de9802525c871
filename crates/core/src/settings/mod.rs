//! The console's status (language, database, sandbox, keychain) and the settings an administrator
//! changes: the interface language, retries and quiet hours. Reached as `wasel.settings()`.

pub mod api;
pub mod stored;

use crate::audit;
use crate::context::{Settings, write};
pub use crate::domain::Language;
use crate::domain::OutboxSettings;
use crate::error::{Error, Result};
use api::{AppStatus, KeychainState};

impl Settings<'_> {
    pub async fn status(&self) -> Result<AppStatus> {
        let language = stored::language(&self.db).await?;
        let keychain_error = self.keychain_error();
        Ok(AppStatus {
            language,
            backend: self.db.backend(),
            sandbox: self.is_sandbox(),
            sandbox_url: self.sandbox.as_ref().map(|s| s.base_url()),
            keychain: if keychain_error.is_some() { KeychainState::Unavailable } else { KeychainState::Available },
            keychain_error: keychain_error.map(|e| Error::from(e).payload()),
        })
    }

    pub async fn set_language(&self, language: Language) -> Result<AppStatus> {
        stored::set_language(&self.db, language).await?;
        self.status().await
    }

    pub async fn outbox_settings(&self) -> Result<OutboxSettings> {
        let c = self.outbox_config();
        Ok(OutboxSettings {
            max_attempts: c.policy.max_attempts,
            backoff_base_secs: u32::try_from(c.policy.base.as_secs()).unwrap_or(u32::MAX),
            backoff_max_secs: u32::try_from(c.policy.max_delay.as_secs()).unwrap_or(u32::MAX),
            quiet_hours: stored::outbox(&self.db)
                .await?
                .quiet_hours
                .map(|q| format!("{}-{}", q.start.format("%H:%M"), q.end.format("%H:%M"))),
        })
    }

    /// Changes retries and quiet hours; running dispatchers use them from their next round.
    pub async fn save_outbox_settings(&self, input: OutboxSettings, actor: &str) -> Result<OutboxSettings> {
        let quiet = input.check()?;
        let before = self.outbox_settings().await?;
        stored::set_outbox(
            &self.db,
            input.max_attempts,
            u64::from(input.backoff_base_secs),
            u64::from(input.backoff_max_secs),
            quiet,
        )
        .await?;
        let fresh = stored::outbox(&self.db).await?;
        write(&self.outbox, fresh);
        let after = self.outbox_settings().await?;
        let mut tx = self.db.begin().await?;
        audit::append(
            &mut tx,
            audit::Entry {
                actor,
                action: "settings.outbox",
                entity: "settings",
                entity_id: Some("outbox".into()),
                before: serde_json::to_value(&before).ok(),
                after: serde_json::to_value(&after).ok(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}
