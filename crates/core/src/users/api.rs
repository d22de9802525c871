//! What the faces send and get back for signing in and managing users.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Operation, Role};

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    /// Set while too many wrong passwords keep the account locked.
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A new user (or the first admin, whose roles are always `admin`).
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
}

impl std::fmt::Debug for NewUserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUserInput").field("username", &self.username).field("roles", &self.roles).finish()
    }
}

#[derive(Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInput").field("username", &self.username).finish()
    }
}

/// The signed-in user as the window sees it: who, what they may do, and when the console locks.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub user: UserView,
    /// The operations this user may do; the window shows only those (the core checks anyway).
    pub operations: Vec<Operation>,
    pub idle_lock_minutes: u32,
    pub expires_at: DateTime<Utc>,
    pub locked: bool,
}

/// Where signing in stands, before anyone has.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuthState {
    /// No user exists: the window asks for the first admin.
    pub needs_first_admin: bool,
    pub session: Option<SessionView>,
}

/// A token for the CLI, shown once.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What `POST /api/auth/login` and `/api/auth/refresh` answer.
#[derive(Debug, Clone, Serialize, specta::Type, utoipa::ToSchema)]
pub struct ApiTokens {
    /// A JWT for `Authorization: Bearer …`, valid `expires_in` seconds.
    pub access_token: String,
    /// Trade it for a new pair at `/api/auth/refresh`; it works once.
    pub refresh_token: String,
    pub token_type: String,
    pub expires_in: u32,
}

/// What `wasel.auth().login` returns: the token the host keeps (never shown to the window) and
/// the session it stands for.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: SessionView,
}
