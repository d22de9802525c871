//! The console's status (language, database, sandbox, keychain) and the settings an administrator
//! changes: the interface language, retries and quiet hours. Reached as `wasel.settings(&caller)`.

pub mod api;
pub mod stored;

use crate::audit;
use crate::context::{Settings, write};
pub use crate::domain::Language;
use crate::domain::{Operation, OutboxSettings, SecuritySettings};
use crate::error::{Error, Result};
use api::{AppStatus, KeychainState};

impl Settings<'_> {
    /// Open to every caller, signed in or not: the sign-in screen needs the language and the
    /// state of the database and keychain.
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

    /// Open to every caller: the language can be switched on the sign-in screen.
    pub async fn set_language(&self, language: Language) -> Result<AppStatus> {
        stored::set_language(&self.db, language).await?;
        self.status().await
    }

    pub async fn outbox_settings(&self) -> Result<OutboxSettings> {
        self.allow(Operation::ViewSettings)?;
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
    pub async fn save_outbox_settings(&self, input: OutboxSettings) -> Result<OutboxSettings> {
        self.allow(Operation::ManageSettings)?;
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
            audit::Entry::by(self.caller(), "settings.outbox", "settings", Some("outbox".into()))
                .change(serde_json::to_value(&before).ok(), serde_json::to_value(&after).ok()),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn security_settings(&self) -> Result<SecuritySettings> {
        self.allow(Operation::ViewSettings)?;
        stored::security(&self.db).await
    }

    /// The idle lock, lockout and session length; sessions read them at their next call.
    pub async fn save_security_settings(&self, input: SecuritySettings) -> Result<SecuritySettings> {
        self.allow(Operation::ManageSettings)?;
        input.check()?;
        let before = stored::security(&self.db).await?;
        stored::set_security(&self.db, &input).await?;
        let mut tx = self.db.begin().await?;
        let entry = audit::Entry::by(self.caller(), "settings.security", "settings", Some("security".into()))
            .change(serde_json::to_value(before).ok(), serde_json::to_value(input).ok());
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(input)
    }
}
