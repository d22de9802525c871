//! The sandbox inbox screen's operations: what each recipient would have seen, and a guardian's
//! simulated reply.

use super::Reply;
use super::api::{InboundInput, InboxItem};
use crate::context::SandboxInbox;
use crate::domain::{Channel, Operation, PhoneE164};
use crate::error::{Error, Result};

impl SandboxInbox<'_> {
    /// What each recipient would have seen, newest first, from every simulator.
    pub async fn list(&self, channel: Option<Channel>) -> Result<Vec<InboxItem>> {
        self.allow(Operation::ViewSandbox)?;
        match &self.sandbox {
            Some(s) => Ok(s.inbox(channel).await),
            None => Ok(Vec::new()),
        }
    }

    /// Forgets every simulator's inbox.
    pub async fn clear(&self) -> Result<()> {
        self.allow(Operation::UseSandbox)?;
        if let Some(s) = &self.sandbox {
            s.clear_inbox().await;
        }
        Ok(())
    }

    /// A guardian's reply, simulated: it arrives through the provider's webhook like a real one
    /// (and opens the WhatsApp window).
    pub async fn reply(&self, input: InboundInput) -> Result<()> {
        self.allow(Operation::UseSandbox)?;
        let Some(sandbox) = self.sandbox.clone() else { return Err(Error::invalid("sandbox.off")) };
        let from = PhoneE164::parse_mobile(&input.from)?;
        let text = input.text.trim();
        if text.is_empty() {
            return Err(Error::invalid("body.required"));
        }
        let provider = match input.provider {
            Some(p) => p,
            None => {
                self.providers(self.caller()).order(input.channel).await?.first().map_or("twilio", |p| p).to_owned()
            }
        };
        sandbox.reply(Reply { channel: input.channel, provider: &provider, from: &from, text }).await
    }
}
