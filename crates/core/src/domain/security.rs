//! The security settings an admin tunes: when an idle console locks, when repeated wrong
//! passwords lock an account and for how long, how long a sign-in lasts.

use serde::{Deserialize, Serialize};

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SecuritySettings {
    /// Minutes without a keystroke or click before the console asks for the password again.
    pub idle_lock_minutes: u32,
    /// Wrong passwords in a row that lock the account.
    pub max_failed_logins: u32,
    /// How long such a lock lasts.
    pub lockout_minutes: u32,
    /// How long a sign-in lasts at most, however active.
    pub session_hours: u32,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self { idle_lock_minutes: 10, max_failed_logins: 5, lockout_minutes: 15, session_hours: 12 }
    }
}

impl SecuritySettings {
    pub fn check(&self) -> Result<(), Error> {
        if !(1..=240).contains(&self.idle_lock_minutes) || !(1..=24).contains(&self.session_hours) {
            return Err(Error::Invalid {
                code: "security.idle_lock_invalid",
                params: vec![("field", "idle_lock_minutes".into()), ("min", "1".into()), ("max", "240".into())],
            });
        }
        if !(3..=20).contains(&self.max_failed_logins) || !(1..=1440).contains(&self.lockout_minutes) {
            return Err(Error::Invalid {
                code: "security.lockout_invalid",
                params: vec![("field", "max_failed_logins".into()), ("min", "3".into()), ("max", "20".into())],
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_and_extremes_are_refused() {
        assert!(SecuritySettings::default().check().is_ok());
        let s = SecuritySettings { idle_lock_minutes: 0, ..SecuritySettings::default() };
        assert_eq!(s.check().err().map(|e| e.code()), Some("security.idle_lock_invalid"));
        let s = SecuritySettings { max_failed_logins: 1, ..SecuritySettings::default() };
        assert_eq!(s.check().err().map(|e| e.code()), Some("security.lockout_invalid"));
    }
}
