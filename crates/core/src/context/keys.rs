//! The secrets callbacks are signed with, and which side of the console (live or sandbox) each belongs to.

/// The secrets callbacks are checked with (every configured account, live and sandbox).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub twilio_auth_tokens: Vec<Key>,
    pub meta_app_secrets: Vec<Key>,
    pub meta_verify_tokens: Vec<String>,
}

/// A signing secret, and whether it is the sandbox's: a callback signed with it tells which
/// side of the console it belongs to (a simulated reply must not open a real number's window).
#[derive(Clone)]
pub struct Key {
    pub secret: String,
    pub sandbox: bool,
}

impl Key {
    pub fn live(secret: impl Into<String>) -> Self {
        Self { secret: secret.into(), sandbox: false }
    }

    pub fn sandbox(secret: impl Into<String>) -> Self {
        Self { secret: secret.into(), sandbox: true }
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("Key").field("sandbox", &self.sandbox).finish_non_exhaustive()
    }
}

/// Which side a verified callback came from: `None` when no key signed it. A live key wins
/// over a sandbox one that happens to be the same secret.
pub(crate) fn signed_by(keys: &[Key], check: impl Fn(&str) -> bool) -> Option<Side> {
    let mut matching = keys.iter().filter(|k| check(&k.secret));
    let first = matching.next()?;
    Some(if first.sandbox && matching.all(|k| k.sandbox) { Side::Sandbox } else { Side::Live })
}

/// The side of the console a callback belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Live,
    Sandbox,
}
