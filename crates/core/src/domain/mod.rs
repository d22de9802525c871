//! Nouns of the domain: types that cannot hold bad values.

pub mod content;
pub mod message;
pub mod phone;
pub mod sms;

pub use content::{Attachment, Content, Language, TemplateUse};
pub use message::{Channel, EventSource, MessageStatus};
pub use phone::PhoneE164;
