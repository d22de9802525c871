//! Nouns of the domain: types that cannot hold bad values, and the rules that belong to them.

pub mod content;
pub mod email;
pub mod host;
pub mod idempotency;
pub mod language;
pub mod message;
pub mod operator;
pub mod outbox_settings;
pub mod phone;
pub mod sms;

pub use content::{Attachment, Content, TemplateUse};
pub use email::EmailAddress;
pub use host::is_loopback;
pub use idempotency::IdempotencyKey;
pub use language::Language;
pub use message::{Channel, EventSource, MessageStatus};
pub use operator::OperatorAction;
pub use phone::PhoneE164;
pub mod policy;
pub use outbox_settings::OutboxSettings;
