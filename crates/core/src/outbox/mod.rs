//! The outbox: every outgoing message is a row first, then a dispatcher claims it under a lease,
//! calls the provider, and records the attempt and the new status together (DESIGN §3).

pub mod decide;
pub mod dispatcher;
pub mod reports;

pub use crate::domain::policy::{OutboxConfig, QuietHours, RetryPolicy};
pub use dispatcher::{Dispatcher, Routes};

use uuid::Uuid;

use crate::domain::MessageStatus;

/// Told to whoever listens (the desktop window) after a message changed status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageChanged {
    pub id: Uuid,
    pub status: MessageStatus,
}
