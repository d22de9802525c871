//! Signing in, sessions and user accounts.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No signed-in user (never signed in, signed out, or the session ended).
    #[error("sign-in required")]
    Required,
    /// Wrong username or password: the same words for both, so names cannot be probed.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("account locked for {minutes} more minutes")]
    AccountLocked { minutes: i64 },
    #[error("account disabled")]
    AccountDisabled,
    #[error("session expired")]
    SessionExpired,
    /// An API token that is not ours, was altered, or is for another audience.
    #[error("token invalid")]
    TokenInvalid,
    #[error("token expired")]
    TokenExpired,
    /// The console was idle too long: the password unlocks it.
    #[error("console locked after inactivity")]
    IdleLocked,
    /// No user exists yet: the first admin must be created.
    #[error("no users yet")]
    NoUsers,
    #[error("the first admin already exists")]
    FirstAdminExists,
    #[error("username taken")]
    UserExists,
    #[error("user not found")]
    UserNotFound,
    /// The change would leave no enabled admin.
    #[error("last admin")]
    LastAdmin,
    #[error("cannot disable yourself")]
    DisableSelf,
    #[error("no role given")]
    RolesRequired,
    #[error("invalid username")]
    UsernameInvalid,
    #[error("password too short")]
    PasswordTooShort { min: usize },
    #[error("password too long")]
    PasswordTooLong { max: usize },
    #[error("password too simple")]
    PasswordTooSimple,
    #[error("password contains the username")]
    PasswordContainsUsername,
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Required => "auth.required",
            AuthError::InvalidCredentials => "auth.invalid_credentials",
            AuthError::AccountLocked { .. } => "auth.account_locked",
            AuthError::AccountDisabled => "auth.account_disabled",
            AuthError::SessionExpired => "auth.session_expired",
            AuthError::TokenInvalid => "auth.token_invalid",
            AuthError::TokenExpired => "auth.token_expired",
            AuthError::IdleLocked => "auth.idle_locked",
            AuthError::NoUsers => "auth.no_users",
            AuthError::FirstAdminExists => "auth.first_admin_exists",
            AuthError::UserExists => "user.exists",
            AuthError::UserNotFound => "user.not_found",
            AuthError::LastAdmin => "user.last_admin",
            AuthError::RolesRequired => "user.roles_required",
            AuthError::DisableSelf => "user.disable_self",
            AuthError::UsernameInvalid => "username.invalid",
            AuthError::PasswordTooShort { .. } => "password.too_short",
            AuthError::PasswordTooLong { .. } => "password.too_long",
            AuthError::PasswordTooSimple => "password.too_simple",
            AuthError::PasswordContainsUsername => "password.contains_username",
        }
    }

    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            AuthError::AccountLocked { minutes } => vec![("minutes", minutes.to_string())],
            AuthError::PasswordTooShort { min } => vec![("min", min.to_string())],
            AuthError::PasswordTooLong { max } => vec![("max", max.to_string())],
            _ => Vec::new(),
        }
    }

    /// Codes of the form's fields: which input the window marks.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AuthError::UsernameInvalid | AuthError::UserExists => Some("username"),
            AuthError::PasswordTooShort { .. }
            | AuthError::PasswordTooLong { .. }
            | AuthError::PasswordTooSimple
            | AuthError::PasswordContainsUsername => Some("password"),
            AuthError::RolesRequired => Some("roles"),
            _ => None,
        }
    }
}
