//! The outbox settings an administrator may change, and what makes them valid.

use serde::{Deserialize, Serialize};

use super::policy::QuietHours;
use crate::error::{Error, Result};

/// The most attempts a message may be given.
pub const MAX_ATTEMPTS: u32 = 20;

/// Retries (SMS) and quiet hours (Riyadh time, `HH:MM-HH:MM`, empty for none).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutboxSettings {
    pub max_attempts: u32,
    pub backoff_base_secs: u32,
    pub backoff_max_secs: u32,
    pub quiet_hours: Option<String>,
}

impl OutboxSettings {
    /// Checks every value; returns the quiet hours as they will be stored (`None` for none).
    pub fn check(&self) -> Result<Option<&str>> {
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(Error::Invalid {
                code: "outbox.max_attempts_invalid",
                params: vec![("max", MAX_ATTEMPTS.to_string())],
            });
        }
        if self.backoff_base_secs == 0 || self.backoff_max_secs < self.backoff_base_secs {
            return Err(Error::invalid("outbox.backoff_invalid"));
        }
        let quiet = self.quiet_hours.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(q) = quiet
            && QuietHours::parse(q).is_none()
        {
            return Err(Error::Invalid { code: "outbox.quiet_hours_invalid", params: vec![("input", q.to_owned())] });
        }
        Ok(quiet)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings(max_attempts: u32, base: u32, max: u32, quiet: Option<&str>) -> OutboxSettings {
        OutboxSettings {
            max_attempts,
            backoff_base_secs: base,
            backoff_max_secs: max,
            quiet_hours: quiet.map(str::to_owned),
        }
    }

    #[test]
    fn outbox_settings_are_checked_before_anything_is_saved() {
        assert_eq!(settings(5, 30, 3600, Some(" 21:00-08:00 ")).check().unwrap(), Some("21:00-08:00"));
        assert_eq!(settings(5, 30, 3600, Some("  ")).check().unwrap(), None);
        assert_eq!(settings(0, 30, 3600, None).check().unwrap_err().code(), "outbox.max_attempts_invalid");
        assert_eq!(settings(21, 30, 3600, None).check().unwrap_err().code(), "outbox.max_attempts_invalid");
        assert_eq!(settings(5, 0, 3600, None).check().unwrap_err().code(), "outbox.backoff_invalid");
        assert_eq!(settings(5, 60, 30, None).check().unwrap_err().code(), "outbox.backoff_invalid");
        assert_eq!(settings(5, 30, 60, Some("late")).check().unwrap_err().code(), "outbox.quiet_hours_invalid");
    }
}
