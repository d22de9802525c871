//! Typed access to `communication_settings`: the interface language, this installation's id, and
//! where each provider's credentials are (the keychain reference, never the secret).

use uuid::Uuid;

use crate::error::Result;
use crate::store::Db;
use crate::store::queries::settings as q;

pub use crate::domain::Language;

const LANGUAGE: &str = "ui.language";
const INSTALLATION: &str = "installation.id";

const MAX_ATTEMPTS: &str = "outbox.sms.max_attempts";
const BACKOFF_BASE: &str = "outbox.sms.backoff_base_secs";
const BACKOFF_MAX: &str = "outbox.sms.backoff_max_secs";
const QUIET_HOURS: &str = "outbox.quiet_hours";
const SECURITY: &str = "security";

/// The idle lock, lockout and session length in force (defaults until an admin saves them).
pub async fn security(db: &Db) -> Result<crate::domain::SecuritySettings> {
    Ok(q::get(db, SECURITY).await?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default())
}

pub async fn set_security(db: &Db, settings: &crate::domain::SecuritySettings) -> Result<()> {
    let json = serde_json::to_string(settings).map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    q::set(db, SECURITY, &json).await
}

/// The outbox settings as stored (retries for SMS, quiet hours in Riyadh time).
pub async fn outbox(db: &Db) -> Result<crate::outbox::OutboxConfig> {
    let default = crate::outbox::RetryPolicy::default();
    let num = |v: Option<String>, d: u64| v.and_then(|s| s.parse::<u64>().ok()).unwrap_or(d);
    let policy = crate::outbox::RetryPolicy {
        max_attempts: u32::try_from(num(q::get(db, MAX_ATTEMPTS).await?, u64::from(default.max_attempts))).unwrap_or(5),
        base: std::time::Duration::from_secs(num(q::get(db, BACKOFF_BASE).await?, default.base.as_secs())),
        max_delay: std::time::Duration::from_secs(num(q::get(db, BACKOFF_MAX).await?, default.max_delay.as_secs())),
    };
    let quiet_hours = q::get(db, QUIET_HOURS).await?.and_then(|s| crate::outbox::QuietHours::parse(&s));
    Ok(crate::outbox::OutboxConfig { policy, quiet_hours })
}

pub async fn set_outbox(
    db: &Db,
    max_attempts: u32,
    base_secs: u64,
    max_secs: u64,
    quiet_hours: Option<&str>,
) -> Result<()> {
    q::set(db, MAX_ATTEMPTS, &max_attempts.to_string()).await?;
    q::set(db, BACKOFF_BASE, &base_secs.to_string()).await?;
    q::set(db, BACKOFF_MAX, &max_secs.to_string()).await?;
    match quiet_hours {
        Some(qh) => q::set(db, QUIET_HOURS, qh).await,
        None => q::delete(db, QUIET_HOURS).await,
    }
}

pub async fn language(db: &Db) -> Result<Language> {
    Ok(q::get(db, LANGUAGE).await?.and_then(|v| Language::parse(&v)).unwrap_or(Language::Ar))
}

pub async fn set_language(db: &Db, language: Language) -> Result<()> {
    q::set(db, LANGUAGE, language.as_str()).await
}

/// A random id made on first start; keychain accounts are named after it so two databases on
/// one machine (a test, a second branch) never read each other's secrets.
pub async fn installation_id(db: &Db) -> Result<String> {
    if let Some(id) = q::get(db, INSTALLATION).await? {
        return Ok(id);
    }
    let id = Uuid::now_v7().to_string();
    q::set(db, INSTALLATION, &id).await?;
    // Another process may have won the race; read back what stuck.
    Ok(q::get(db, INSTALLATION).await?.unwrap_or(id))
}
