//! One error type at the core's boundary. Every variant has a stable `code()` (also the i18n key
//! `errors.<code>`) and `params()`, which is all that crosses IPC: the UI translates the code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod auth;
mod phone;
mod provider;
mod secret;

pub use auth::AuthError;
pub use phone::PhoneError;
pub use provider::{ErrorClass, ProviderError, Recipient};
pub use secret::SecretError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What crosses IPC and the CLI's JSON: a stable code and its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
pub struct ErrorPayload {
    pub code: String,
    pub params: BTreeMap<String, String>,
}

impl ErrorPayload {
    pub fn new(code: &str) -> Self {
        Self { code: code.to_owned(), params: BTreeMap::new() }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// The message in `lang`, from `locales/<lang>.yml`.
    pub fn localized(&self, lang: &str) -> String {
        crate::i18n::translate_error(&self.code, &self.params, lang)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Phone(#[from] PhoneError),
    #[error("invalid input: {code}")]
    Invalid { code: &'static str, params: Vec<(&'static str, String)> },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The caller's roles do not allow the operation.
    #[error("not allowed: {operation}")]
    Forbidden { operation: &'static str },
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("illegal transition {from} -> {to}")]
    IllegalTransition { from: String, to: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
                Error::DatabaseUnavailable(e)
            }
            _ => Error::Database(e),
        }
    }
}

impl Error {
    pub fn invalid(code: &'static str) -> Self {
        Error::Invalid { code, params: Vec::new() }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::Phone(e) => e.code(),
            Error::Invalid { code, .. } => code,
            Error::Secret(e) => e.code(),
            Error::Auth(e) => e.code(),
            Error::Forbidden { .. } => "auth.forbidden",
            Error::Provider(e) => e.code(),
            Error::DatabaseUnavailable(_) => "db.unavailable",
            Error::Database(_) | Error::Migration(_) => "db.failed",
            Error::NotFound { what } => match *what {
                "message" => "message.not_found",
                _ => "not_found",
            },
            Error::IllegalTransition { .. } => "message.illegal_transition",
            Error::Internal(_) => "internal",
        }
    }

    pub fn params(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        match self {
            Error::Phone(e) => {
                if let Some(input) = e.input() {
                    out.insert("input".into(), input.to_owned());
                }
            }
            Error::Invalid { params, .. } => {
                for (k, v) in params {
                    out.insert((*k).to_owned(), v.clone());
                }
            }
            Error::Provider(e) => out.extend(e.params()),
            Error::Auth(e) => {
                for (k, v) in e.params() {
                    out.insert(k.to_owned(), v);
                }
                if let Some(field) = e.field() {
                    out.insert("field".into(), field.to_owned());
                }
            }
            Error::Forbidden { operation } => {
                out.insert("operation".into(), (*operation).to_owned());
            }
            Error::IllegalTransition { from, to } => {
                out.insert("from".into(), from.clone());
                out.insert("to".into(), to.clone());
            }
            _ => {}
        }
        out
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload { code: self.code().to_owned(), params: self.params() }
    }
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        e.payload()
    }
}

impl From<Error> for ErrorPayload {
    fn from(e: Error) -> Self {
        // The payload is all the user sees; keep the detail in the log.
        tracing::debug!(error = %e, code = e.code(), "error crossing the boundary");
        e.payload()
    }
}

/// Every code the core can return. The UI and the CLI must translate each one (tested).
pub const CODES: &[&str] = &[
    "internal",
    "not_found",
    "phone.required",
    "phone.invalid",
    "phone.not_mobile",
    "body.required",
    "body.too_long",
    "guardian.not_found",
    "idempotency.invalid",
    "idempotency.mismatch",
    "idempotency.in_progress",
    "feature.not_built",
    "api.body_too_large",
    "api.bad_request",
    "api.rate_limited",
    "api.not_found",
    "keychain.unavailable",
    "keychain.locked",
    "keychain.no_service",
    "keychain.failed",
    "keychain.file_exposed",
    "credentials.account_sid_invalid",
    "credentials.from_invalid",
    "db.unavailable",
    "db.failed",
    "message.not_found",
    "message.duplicate",
    "message.illegal_transition",
    "provider.auth_failed",
    "provider.invalid_number",
    "provider.opted_out",
    "provider.rate_limited",
    "provider.unavailable",
    "provider.timeout",
    "provider.rejected",
    "provider.bad_response",
    "provider.undelivered",
    "provider.not_configured",
    "schedule.expired",
    "schedule.expires_before_send",
    "outbox.max_attempts_invalid",
    "outbox.backoff_invalid",
    "outbox.quiet_hours_invalid",
    "message.action_not_allowed",
    "bench.postgres_url_required",
    "bench.backend_invalid",
    "recipient.no_mailbox",
    "recipient.no_mail_domain",
    "recipient.mailbox_full",
    "recipient.bad_address",
    "recipient.not_on_whatsapp",
    "recipient.device_unregistered",
    "recipient.cannot_receive_sms",
    "provider.plain_http_not_loopback",
    "smtp.plain_credentials",
    "outbox.gave_up",
    "provider.outside_window",
    "provider.template_invalid",
    "provider.content_invalid",
    "provider.check_unsupported",
    "provider.field_required",
    "provider.field_invalid",
    "provider.order_invalid",
    "email.required",
    "email.invalid",
    "subject.required",
    "subject.too_long",
    "title.required",
    "template.not_found",
    "template.not_approved",
    "template.params",
    "whatsapp.outside_window",
    "push.no_devices",
    "push.guardian_required",
    "push.token_required",
    "attachment.invalid",
    "attachment.too_large",
    "webhooks.public_url_invalid",
    "sandbox.off",
    "auth.forbidden",
    "auth.required",
    "auth.invalid_credentials",
    "auth.account_locked",
    "auth.account_disabled",
    "auth.session_expired",
    "auth.token_invalid",
    "auth.token_expired",
    "auth.idle_locked",
    "auth.no_users",
    "auth.first_admin_exists",
    "user.exists",
    "user.not_found",
    "user.last_admin",
    "user.roles_required",
    "user.disable_self",
    "username.invalid",
    "password.too_short",
    "password.too_long",
    "password.too_simple",
    "password.contains_username",
    "security.idle_lock_invalid",
    "security.lockout_invalid",
    "audit.filter_invalid",
    "national_id.invalid",
    "export.save_failed",
    "contact.name_required",
    "contact.file_number_taken",
    "keys.missing",
    "keys.broken_value",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use crate::error::Recipient;

    #[test]
    fn each_channels_recipient_problem_has_its_own_words_in_both_languages() {
        let problems = [
            (Recipient::NoMailbox, "mailbox", "صندوق بريد"),
            (Recipient::NoMailDomain, "domain", "نطاق"),
            (Recipient::MailboxFull, "full", "ممتلئ"),
            (Recipient::BadAddress, "email address", "عنوان البريد"),
            (Recipient::NotOnWhatsapp, "WhatsApp", "واتساب"),
            (Recipient::DeviceUnregistered, "notifications", "الإشعارات"),
            (Recipient::CannotReceiveSms, "SMS", "الرسائل النصية"),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (problem, en, ar) in problems {
            let e = crate::providers::ProviderError::Unreachable {
                http_status: None,
                provider_code: Some("X1".into()),
                problem,
            };
            let payload = Error::from(e).payload();
            assert!(payload.code.starts_with("recipient."), "{}", payload.code);
            let (text_en, text_ar) = (payload.localized("en"), payload.localized("ar"));
            assert!(text_en.contains(en) && text_en.contains("X1"), "{}: {text_en}", payload.code);
            assert!(text_ar.contains(ar) && text_ar.contains("X1"), "{}: {text_ar}", payload.code);
            assert!(seen.insert(text_en), "two problems read the same");
        }
    }

    #[test]
    fn a_final_reason_never_promises_a_retry() {
        let gave_up = ErrorPayload::new("outbox.gave_up").with("attempts", "5").with("last", "provider.unavailable");
        for lang in crate::i18n::LANGUAGES {
            let text = gave_up.localized(lang);
            assert!(text.contains('5') && !text.contains("%{"), "{lang}: {text}");
            assert!(!text.contains("will be retried") && !text.contains("ستُعاد"), "{lang}: {text}");
        }
    }

    use super::*;

    fn lookup<'a>(value: &'a serde_json::Value, dotted: &str) -> Option<&'a serde_json::Value> {
        dotted.split('.').try_fold(value, |v, part| v.get(part))
    }

    #[test]
    fn every_variant_reports_a_listed_code() {
        let samples: Vec<Error> = vec![
            PhoneError::Required.into(),
            PhoneError::Invalid { input: "1".into() }.into(),
            PhoneError::NotMobile { input: "1".into() }.into(),
            SecretError::Unavailable(String::new()).into(),
            SecretError::Locked(String::new()).into(),
            SecretError::NoService(String::new()).into(),
            SecretError::Failed(String::new()).into(),
            SecretError::Exposed(String::new()).into(),
            ProviderError::Timeout.into(),
            ProviderError::from_http(401, None, String::new(), None).into(),
            ProviderError::from_http(429, None, String::new(), None).into(),
            ProviderError::from_http(503, None, String::new(), None).into(),
            ProviderError::from_http(400, Some("1".into()), String::new(), None).into(),
            ProviderError::InvalidNumber { http_status: 400, provider_code: None }.into(),
            ProviderError::OptedOut { http_status: 400, provider_code: None }.into(),
            ProviderError::BadResponse { http_status: None, detail: String::new() }.into(),
            Error::DatabaseUnavailable(sqlx::Error::PoolTimedOut),
            Error::Database(sqlx::Error::RowNotFound),
            Error::NotFound { what: "message" },
            Error::IllegalTransition { from: "a".into(), to: "b".into() },
            Error::Internal(String::new()),
            Error::Forbidden { operation: "message.send" },
            AuthError::Required.into(),
            AuthError::InvalidCredentials.into(),
            AuthError::AccountLocked { minutes: 3 }.into(),
            AuthError::AccountDisabled.into(),
            AuthError::SessionExpired.into(),
            AuthError::TokenInvalid.into(),
            AuthError::TokenExpired.into(),
            AuthError::IdleLocked.into(),
            AuthError::NoUsers.into(),
            AuthError::FirstAdminExists.into(),
            AuthError::UserExists.into(),
            AuthError::UserNotFound.into(),
            AuthError::LastAdmin.into(),
            AuthError::RolesRequired.into(),
            AuthError::DisableSelf.into(),
            AuthError::UsernameInvalid.into(),
            AuthError::PasswordTooShort { min: 10 }.into(),
            AuthError::PasswordTooLong { max: 128 }.into(),
            AuthError::PasswordTooSimple.into(),
            AuthError::PasswordContainsUsername.into(),
        ];
        for e in samples {
            assert!(CODES.contains(&e.code()), "{} is not in CODES", e.code());
        }
    }

    #[test]
    fn every_code_is_translated_for_the_cli_and_the_window_in_both_languages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for lang in crate::i18n::LANGUAGES {
            for (place, file) in
                [("locales", format!("locales/{lang}.json")), ("ui", format!("ui/src/locales/{lang}.json"))]
            {
                let text = std::fs::read_to_string(root.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                for code in CODES {
                    let found = lookup(&json, &format!("errors.{code}")).and_then(|v| v.as_str());
                    assert!(found.is_some_and(|s| !s.trim().is_empty()), "{place}: errors.{code} missing in {file}");
                }
            }
        }
    }
}
