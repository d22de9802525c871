//! Nouns of the domain: types that cannot hold bad values, and the rules that belong to them.

pub mod access;
pub mod content;
pub mod email;
pub mod host;
pub mod idempotency;
pub mod language;
pub mod message;
pub mod national_id;
pub mod operator;
pub mod outbox_settings;
pub mod password;
pub mod phone;
pub mod security;
pub mod sms;

pub use access::{Actor, Caller, Operation, Origin, Role, SYSTEM};
pub use content::{Attachment, Content, TemplateUse};
pub use email::EmailAddress;
pub use host::is_loopback;
pub use idempotency::IdempotencyKey;
pub use language::Language;
pub use message::{Channel, EventSource, MessageStatus};
pub use national_id::NationalId;
pub use operator::OperatorAction;
pub use password::NewPassword;
pub use phone::PhoneE164;
pub use security::SecuritySettings;
pub mod policy;
pub mod search;
pub use outbox_settings::OutboxSettings;
