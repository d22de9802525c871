//! Repeated requests: the HTTP API honours an `Idempotency-Key` on every POST. The first request
//! with a key claims it and its answer is saved; the same key with the same body gets that answer
//! again; with another body it is refused. `wasel.requests(&caller)`.

use sha2::{Digest, Sha256};

use crate::context::Requests;
use crate::error::{AuthError, Error, Result};
use crate::store::queries::idempotency as q;

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repeat {
    /// First time: act, then [`Requests::remember`] the answer.
    First,
    /// Seen before with the same body: send this answer again.
    Saved { status: u16, body: String },
}

impl Requests<'_> {
    /// Open to every caller: it only claims the caller's own key; the request's operation is
    /// checked when it runs.
    pub async fn begin(&self, key: &str, method: &str, path: &str, body: &[u8]) -> Result<Repeat> {
        let user = self.caller().user_id().ok_or(AuthError::Required)?;
        if key.trim().is_empty() {
            return Err(Error::invalid("idempotency.invalid"));
        }
        let key = crate::domain::IdempotencyKey::parse_or_new(Some(key))?;
        let hash = body_hash(body);
        if q::claim(&self.db, user, key.as_str(), method, path, &hash).await? {
            return Ok(Repeat::First);
        }
        let saved = q::get(&self.db, user, key.as_str()).await?.ok_or(Error::Internal("key vanished".into()))?;
        if saved.body_hash != hash || saved.method != method || saved.path != path {
            return Err(Error::invalid("idempotency.mismatch"));
        }
        match (saved.status, saved.response) {
            (Some(status), Some(body)) => Ok(Repeat::Saved { status: u16::try_from(status).unwrap_or(200), body }),
            _ => Err(Error::invalid("idempotency.in_progress")),
        }
    }

    /// Open to every caller: saves the answer of the caller's own first request.
    pub async fn remember(&self, key: &str, status: u16, body: &str) -> Result<()> {
        let user = self.caller().user_id().ok_or(AuthError::Required)?;
        if status >= 500 {
            return q::release(&self.db, user, key.trim()).await;
        }
        q::save(&self.db, user, key.trim(), i32::from(status), body).await
    }
}

fn body_hash(body: &[u8]) -> String {
    Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect()
}
