//! Accounts: the first admin (only while there is no user at all), and what an admin does on the
//! Users screen — create, assign roles, disable or enable, reset a password. Each change and its
//! audit entry commit together; disabling or resetting ends the user's sessions.

use uuid::Uuid;

use super::api::{IssuedToken, NewUserInput, UserView};
use super::secrets::{hash_password, new_token, verify_password};
use super::user_id;
use crate::audit::{self, Entry};
use crate::context::{Auth, Users};
use crate::domain::password::{check_username, username_key};
use crate::domain::{Actor, Caller, NewPassword, Operation, Origin, Role};
use crate::error::{AuthError, Error, Result};
use crate::store::Tx;
use crate::store::queries::users as q;

impl Auth<'_> {
    /// True until the first user exists: the window then asks for the first admin.
    pub async fn needs_first_admin(&self) -> Result<bool> {
        Ok(q::count(&self.db).await? == 0)
    }

    /// Creates the first admin. Refused once any user exists, so it cannot be replayed later.
    pub async fn create_first_admin(&self, input: NewUserInput, origin: Origin) -> Result<UserView> {
        let input = NewUserInput { roles: vec![Role::Admin], ..input };
        let hash = checked_hash(&input).await?;
        let mut tx = self.db.begin().await?;
        if q::count_in(&mut tx).await? > 0 {
            tx.rollback().await?;
            return Err(AuthError::FirstAdminExists.into());
        }
        let id = insert(&mut tx, &input, &hash).await?;
        let by = Caller::user(id, input.username.trim(), vec![Role::Admin], origin);
        append_user_change(&mut tx, &by, "user.first_admin", id, None, Some(&input)).await?;
        tx.commit().await?;
        view(&self.db, id).await
    }
}

impl Users<'_> {
    pub async fn list_users(&self) -> Result<Vec<UserView>> {
        self.allow(Operation::ManageUsers)?;
        Ok(q::list(&self.db).await?.into_iter().map(UserView::from).collect())
    }

    pub async fn create_user(&self, input: NewUserInput) -> Result<UserView> {
        self.allow(Operation::ManageUsers)?;
        if input.roles.is_empty() {
            return Err(AuthError::RolesRequired.into());
        }
        let hash = checked_hash(&input).await?;
        let mut tx = self.db.begin().await?;
        let id = insert(&mut tx, &input, &hash).await?;
        append_user_change(&mut tx, self.caller(), "user.create", id, None, Some(&input)).await?;
        tx.commit().await?;
        view(&self.db, id).await
    }

    /// Replaces a user's roles. The last enabled admin keeps the admin role.
    pub async fn set_roles(&self, id: &str, roles: Vec<Role>) -> Result<UserView> {
        self.allow(Operation::ManageUsers)?;
        let id = user_id(id)?;
        if roles.is_empty() {
            return Err(AuthError::RolesRequired.into());
        }
        let mut tx = self.db.begin().await?;
        let before = existing(&mut tx, id).await?;
        if !roles.contains(&Role::Admin) && before.disabled_at.is_none() {
            keep_an_admin(&mut tx, id).await?;
        }
        let after = Role::join(&roles);
        q::set_roles(&mut tx, id, &after).await?;
        let entry = Entry::by(self.caller(), "user.roles", "user", Some(id.to_string()))
            .change(Some(serde_json::json!({ "roles": before.roles })), Some(serde_json::json!({ "roles": after })));
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        view(&self.db, id).await
    }

    /// Disables (signs out everywhere, refuses sign-in) or enables a user. An admin cannot
    /// disable the last enabled admin, and nobody disables themselves.
    pub async fn set_disabled(&self, id: &str, disabled: bool) -> Result<UserView> {
        self.allow(Operation::ManageUsers)?;
        let id = user_id(id)?;
        let mut tx = self.db.begin().await?;
        let before = existing(&mut tx, id).await?;
        if disabled && self.caller().user_id() == Some(id) {
            return Err(AuthError::DisableSelf.into());
        }
        if disabled && Role::split(&before.roles).contains(&Role::Admin) {
            keep_an_admin(&mut tx, id).await?;
        }
        q::set_disabled(&mut tx, id, disabled).await?;
        if disabled {
            q::end_sessions_of(&mut tx, id, "disabled").await?;
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        let entry = Entry::by(self.caller(), action, "user", Some(id.to_string())).change(
            Some(serde_json::json!({ "disabled": before.disabled_at.is_some() })),
            Some(serde_json::json!({ "disabled": disabled })),
        );
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        view(&self.db, id).await
    }

    /// Sets a new password for someone who forgot theirs; their sessions end and a lockout clears.
    pub async fn reset_password(&self, id: &str, password: String) -> Result<UserView> {
        self.allow(Operation::ManageUsers)?;
        let id = user_id(id)?;
        let user = q::get(&self.db, id).await?.ok_or(AuthError::UserNotFound)?;
        let new = NewPassword::parse(&password, &user.username)?;
        let hash = hash_password(new.expose().to_owned()).await?;
        let mut tx = self.db.begin().await?;
        q::set_password(&mut tx, id, &hash).await?;
        q::end_sessions_of(&mut tx, id, "password_reset").await?;
        audit::append(&mut tx, Entry::by(self.caller(), "user.password_reset", "user", Some(id.to_string()))).await?;
        tx.commit().await?;
        view(&self.db, id).await
    }

    /// The signed-in user changes their own password, proving the old one.
    pub async fn change_own_password(&self, current: String, new: String) -> Result<()> {
        let Actor::User { id, .. } = &self.caller().actor else { return Err(AuthError::Required.into()) };
        let user = q::get(&self.db, *id).await?.ok_or(AuthError::UserNotFound)?;
        if !verify_password(current, Some(user.password_hash)).await? {
            return Err(AuthError::InvalidCredentials.into());
        }
        let new = NewPassword::parse(&new, &user.username)?;
        let hash = hash_password(new.expose().to_owned()).await?;
        let mut tx = self.db.begin().await?;
        q::set_password(&mut tx, *id, &hash).await?;
        audit::append(&mut tx, Entry::by(self.caller(), "user.password_change", "user", Some(id.to_string()))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A token the CLI signs in with (`WASEL_TOKEN`), for the signed-in user, shown once.
    pub async fn issue_token(&self, label: &str, days: u32) -> Result<IssuedToken> {
        let Actor::User { id, .. } = &self.caller().actor else { return Err(AuthError::Required.into()) };
        let (token, hash) = new_token("wsl");
        let expires_at = crate::store::now() + chrono::Duration::days(i64::from(days.clamp(1, 365)));
        let mut tx = self.db.begin().await?;
        let session = q::NewSession {
            id: Uuid::now_v7(),
            user_id: *id,
            kind: "token",
            token_hash: &hash,
            origin: Origin::Cli.as_str(),
            label: Some(label),
            expires_at,
        };
        q::insert_session(&mut tx, session).await?;
        let entry = Entry::by(self.caller(), "auth.token_issue", "user", Some(id.to_string()))
            .change(None, Some(serde_json::json!({ "label": label, "expires_at": expires_at })));
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(IssuedToken { token, expires_at })
    }
}

async fn checked_hash(input: &NewUserInput) -> Result<String> {
    let username = check_username(&input.username)?;
    let password = NewPassword::parse(&input.password, &username)?;
    hash_password(password.expose().to_owned()).await
}

async fn insert(tx: &mut Tx, input: &NewUserInput, hash: &str) -> Result<Uuid> {
    let username = check_username(&input.username)?;
    let display = input.display_name.trim();
    let id = Uuid::now_v7();
    let row = q::NewUser {
        id,
        username: &username,
        username_key: &username_key(&username),
        display_name: if display.is_empty() { &username } else { display },
        password_hash: hash,
        roles: &Role::join(&input.roles),
    };
    if q::insert(tx, row).await? { Ok(id) } else { Err(AuthError::UserExists.into()) }
}

async fn append_user_change(
    tx: &mut Tx,
    by: &Caller,
    action: &'static str,
    id: Uuid,
    before: Option<&NewUserInput>,
    after: Option<&NewUserInput>,
) -> Result<()> {
    // The password is never written, not even hashed.
    let shape = |u: &NewUserInput| serde_json::json!({ "username": u.username.trim(), "display_name": u.display_name.trim(), "roles": Role::join(&u.roles) });
    let entry = Entry::by(by, action, "user", Some(id.to_string())).change(before.map(shape), after.map(shape));
    audit::append(tx, entry).await
}

async fn existing(tx: &mut Tx, id: Uuid) -> Result<q::UserRow> {
    q::get_in(tx, id).await?.ok_or_else(|| AuthError::UserNotFound.into())
}

async fn keep_an_admin(tx: &mut Tx, id: Uuid) -> Result<()> {
    if q::other_enabled_admins(tx, id).await? == 0 { Err(AuthError::LastAdmin.into()) } else { Ok(()) }
}

async fn view(db: &crate::store::Db, id: Uuid) -> Result<UserView> {
    q::get(db, id).await?.map(UserView::from).ok_or(Error::Auth(AuthError::UserNotFound))
}
