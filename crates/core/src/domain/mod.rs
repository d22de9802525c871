//! Nouns of the domain: types that cannot hold bad values.

pub mod message;
pub mod phone;
pub mod sms;

pub use message::{Channel, EventSource, MessageStatus};
pub use phone::PhoneE164;
