//! Users and sessions: the first admin, signing in with a password (argon2id, lockout after
//! repeated failures), the idle lock, CLI tokens, and the admin's Users screen. Sign-in is
//! `wasel.auth()`; managing users is `wasel.users(&caller)` (role `admin`).

mod accounts;
pub mod api;
mod bearer;
mod secrets;
mod sessions;

use api::UserView;

use crate::domain::Role;
use crate::store::queries::users::UserRow;

pub use bearer::{ACCESS_MINUTES, AUDIENCE};
pub use secrets::token_hash;

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        let locked = u.locked_until.filter(|t| *t > crate::store::now());
        Self {
            id: u.id.to_string(),
            username: u.username,
            display_name: u.display_name,
            roles: Role::split(&u.roles),
            disabled: u.disabled_at.is_some(),
            locked_until: locked,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
        }
    }
}

/// The user id in a view or a command, or `user.not_found`.
pub(crate) fn user_id(id: &str) -> crate::error::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(id.trim()).map_err(|_| crate::error::AuthError::UserNotFound.into())
}
