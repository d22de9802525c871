//! What the faces send and get back for the sandbox inbox.

use serde::Deserialize;

use crate::domain::Channel;
pub use crate::ports::sandbox::{InboxAttachment, InboxItem};

/// A reply from a guardian, simulated in the sandbox (opens the WhatsApp window).
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct InboundInput {
    pub channel: Channel,
    pub from: String,
    pub text: String,
    /// Which WhatsApp provider the reply arrives through (default: the first in the order).
    pub provider: Option<String>,
}
