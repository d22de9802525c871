//! Signing in and the sessions that follow: a password checked against its argon2id hash, a
//! lockout after repeated failures, a session token of which only the hash is stored, the idle
//! lock (only a person's activity counts, not the window's background refreshes), sign-out.
//! Every sign-in, failed sign-in, lockout, unlock and sign-out is audited.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::api::{LoginInput, SessionView, SignedIn, UserView};
use super::secrets::{new_token, token_hash, verify_password};
use crate::audit::{self, Entry};
use crate::context::Auth;
use crate::domain::password::username_key;
use crate::domain::{Caller, Origin, Role, SecuritySettings};
use crate::error::{AuthError, Result};
use crate::settings::stored;
use crate::store::now;
use crate::store::queries::users::{self as q, SessionRow, UserRow};

/// Activity closer together than this is not written again.
const TOUCH_EVERY: Duration = Duration::seconds(15);

impl Auth<'_> {
    /// Checks the password and opens a session. Wrong name and wrong password read the same.
    pub async fn login(&self, input: LoginInput, origin: Origin) -> Result<SignedIn> {
        let security = stored::security(&self.db).await?;
        let typed = input.username.trim().chars().take(64).collect::<String>();
        let user = q::by_key(&self.db, &username_key(&typed)).await?;
        if let Some(u) = &user
            && let Some(minutes) = minutes_locked(u.locked_until)
        {
            self.record(&typed, origin, "auth.login_refused", u.id, "locked").await?;
            return Err(AuthError::AccountLocked { minutes }.into());
        }
        let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
        if !verify_password(input.password, stored_hash).await? {
            return Err(self.wrong_password(&typed, origin, user.as_ref(), &security, "auth.login_failed").await?);
        }
        let Some(user) = user else { return Err(AuthError::InvalidCredentials.into()) };
        if user.disabled_at.is_some() {
            self.record(&typed, origin, "auth.login_refused", user.id, "disabled").await?;
            return Err(AuthError::AccountDisabled.into());
        }
        let (token, hash) = new_token("wss");
        let expires_at = now() + Duration::hours(i64::from(security.session_hours));
        let mut tx = self.db.begin().await?;
        q::record_success(&mut tx, user.id).await?;
        let session = q::NewSession {
            id: Uuid::now_v7(),
            user_id: user.id,
            kind: "session",
            token_hash: &hash,
            origin: origin.as_str(),
            label: None,
            expires_at,
        };
        q::insert_session(&mut tx, session).await?;
        let by = Caller::user(user.id, user.username.clone(), Role::split(&user.roles), origin);
        audit::append(&mut tx, Entry::by(&by, "auth.login", "user", Some(user.id.to_string()))).await?;
        tx.commit().await?;
        let session = self.view_of(&token).await?.ok_or(AuthError::Required)?;
        Ok(SignedIn { token, session })
    }

    /// The caller a token stands for, checked now: the session is live, not expired, not idle
    /// for longer than the setting, and its user is enabled; roles are read fresh, so a change
    /// takes effect at the next call.
    pub async fn authenticate(&self, token: &str, origin: Origin) -> Result<Caller> {
        let (session, user) = self.live(token).await?;
        if session.kind == "session" {
            if session.locked_at.is_some() {
                return Err(AuthError::IdleLocked.into());
            }
            let security = stored::security(&self.db).await?;
            if now() - session.last_active_at > Duration::minutes(i64::from(security.idle_lock_minutes)) {
                q::set_locked(&self.db, session.id, true).await?;
                return Err(AuthError::IdleLocked.into());
            }
        }
        Ok(Caller::user(user.id, user.username, Role::split(&user.roles), origin))
    }

    /// A person typed or clicked: the idle clock starts again.
    pub async fn activity(&self, token: &str) -> Result<()> {
        let (session, _) = self.live(token).await?;
        self.authenticate(token, Origin::parse(&session.origin).unwrap_or(Origin::Console)).await?;
        if now() - session.last_active_at >= TOUCH_EVERY {
            q::touch(&self.db, session.id).await?;
        }
        Ok(())
    }

    /// Locks the console now (the window saw no activity, or the user asked).
    pub async fn lock(&self, token: &str) -> Result<()> {
        let (session, _) = self.live(token).await?;
        q::set_locked(&self.db, session.id, true).await
    }

    /// Unlocks a locked console with the user's password; wrong passwords count toward the lockout.
    pub async fn unlock(&self, token: &str, password: String, origin: Origin) -> Result<SessionView> {
        let (session, user) = self.live(token).await?;
        if let Some(minutes) = minutes_locked(user.locked_until) {
            return Err(AuthError::AccountLocked { minutes }.into());
        }
        let security = stored::security(&self.db).await?;
        if !verify_password(password, Some(user.password_hash.clone())).await? {
            return Err(self
                .wrong_password(&user.username, origin, Some(&user), &security, "auth.unlock_failed")
                .await?);
        }
        q::set_locked(&self.db, session.id, false).await?;
        let by = Caller::user(user.id, user.username.clone(), Role::split(&user.roles), origin);
        let mut tx = self.db.begin().await?;
        q::record_success(&mut tx, user.id).await?;
        audit::append(&mut tx, Entry::by(&by, "auth.unlock", "user", Some(user.id.to_string()))).await?;
        tx.commit().await?;
        self.view_of(token).await?.ok_or_else(|| AuthError::Required.into())
    }

    /// Signs out: the token stops working everywhere.
    pub async fn logout(&self, token: &str, origin: Origin) -> Result<()> {
        let Some(session) = q::session_by_hash(&self.db, &token_hash(token)).await? else { return Ok(()) };
        if session.ended_at.is_some() {
            return Ok(());
        }
        q::end_session(&self.db, session.id, "logout").await?;
        if let Some(user) = q::get(&self.db, session.user_id).await? {
            let by = Caller::user(user.id, user.username, Vec::new(), origin);
            let mut tx = self.db.begin().await?;
            audit::append(&mut tx, Entry::by(&by, "auth.logout", "user", Some(user.id.to_string()))).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The session a token stands for, locked or not; `None` when it no longer works.
    pub async fn view_of(&self, token: &str) -> Result<Option<SessionView>> {
        let Ok((session, user)) = self.live(token).await else { return Ok(None) };
        let security = stored::security(&self.db).await?;
        let idle = now() - session.last_active_at > Duration::minutes(i64::from(security.idle_lock_minutes));
        let locked = session.kind == "session" && (session.locked_at.is_some() || idle);
        let caller = Caller::user(user.id, user.username.clone(), Role::split(&user.roles), Origin::Console);
        Ok(Some(SessionView {
            operations: caller.operations(),
            user: UserView::from(user),
            idle_lock_minutes: security.idle_lock_minutes,
            expires_at: session.expires_at,
            locked,
        }))
    }

    /// The session behind a token and its user, if both still stand.
    pub(super) async fn live(&self, token: &str) -> Result<(SessionRow, UserRow)> {
        let session = q::session_by_hash(&self.db, &token_hash(token)).await?.ok_or(AuthError::Required)?;
        if session.ended_at.is_some() {
            return Err(AuthError::Required.into());
        }
        if now() >= session.expires_at {
            q::end_session(&self.db, session.id, "expired").await?;
            return Err(AuthError::SessionExpired.into());
        }
        let user = q::get(&self.db, session.user_id).await?.ok_or(AuthError::Required)?;
        if user.disabled_at.is_some() {
            q::end_session(&self.db, session.id, "disabled").await?;
            return Err(AuthError::AccountDisabled.into());
        }
        Ok((session, user))
    }

    /// Counts a wrong password, audits it, and says what the person sees.
    async fn wrong_password(
        &self,
        typed: &str,
        origin: Origin,
        user: Option<&UserRow>,
        security: &SecuritySettings,
        action: &'static str,
    ) -> Result<crate::error::Error> {
        let Some(user) = user else {
            self.record(typed, origin, action, Uuid::nil(), "unknown_user").await?;
            return Ok(AuthError::InvalidCredentials.into());
        };
        let until = now() + Duration::minutes(i64::from(security.lockout_minutes));
        let max = i32::try_from(security.max_failed_logins).unwrap_or(i32::MAX);
        let (count, locked_until) = q::record_failure(&self.db, user.id, max, until).await?;
        self.record(typed, origin, action, user.id, &format!("attempt {count}")).await?;
        if let Some(minutes) = minutes_locked(locked_until) {
            self.record(typed, origin, "auth.account_locked", user.id, &format!("after {count} attempts")).await?;
            return Ok(AuthError::AccountLocked { minutes }.into());
        }
        Ok(AuthError::InvalidCredentials.into())
    }

    async fn record(&self, typed: &str, origin: Origin, action: &'static str, id: Uuid, why: &str) -> Result<()> {
        let entry = Entry {
            actor: typed.to_owned(),
            origin,
            action,
            entity: "user",
            entity_id: (!id.is_nil()).then(|| id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "reason": why })),
        };
        let mut tx = self.db.begin().await?;
        audit::append(&mut tx, entry).await?;
        tx.commit().await
    }
}

/// Whole minutes left on a lockout, rounded up; `None` when there is none.
fn minutes_locked(until: Option<DateTime<Utc>>) -> Option<i64> {
    let left = until? - now();
    (left > Duration::zero()).then(|| (left.num_seconds() + 59) / 60)
}
