//! How the parts of one process tell each other: a message changed (the window listens), a
//! message became due (the dispatcher wakes), the process is stopping.

use std::sync::Arc;

use tokio::sync::{Notify, broadcast, watch};

use crate::outbox::MessageChanged;

#[derive(Clone)]
pub struct Bus {
    pub(crate) wake: Arc<Notify>,
    pub(crate) changes: broadcast::Sender<MessageChanged>,
    pub(crate) shutdown: watch::Sender<bool>,
}

impl Bus {
    pub fn new() -> Self {
        let (shutdown, _) = watch::channel(false);
        let (changes, _) = broadcast::channel(1024);
        Self { wake: Arc::new(Notify::new()), changes, shutdown }
    }

    /// Tells listeners, and wakes a dispatcher to look at the queue again (a new or changed
    /// message may be due now, or sooner than it planned to look).
    pub fn announce(&self, change: MessageChanged) {
        let _ = self.changes.send(change);
        self.wake.notify_one();
    }
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}
