//! `Wasel`: the small context every feature operation takes — the database, the keychain, this
//! installation's id, the provider routes, the sandbox (when a host wired one in), the event bus
//! and the outbox settings in force. Operations live in their feature folders and are reached
//! through one handle per feature (`wasel.messaging()`, `wasel.providers()`, …).

mod bus;
pub(crate) mod keys;
mod open;

use std::sync::{Arc, RwLock};

pub use bus::Bus;
pub use open::{Options, WaselConfig};
use tokio::sync::{broadcast, watch};

use crate::domain::{Caller, Channel, Operation};
use crate::outbox::dispatcher::SharedRoutes;
use crate::outbox::{MessageChanged, OutboxConfig, Routes};
use crate::ports::sandbox::Sandbox;
use crate::secrets::{SecretError, SharedSecrets};
use crate::store::Db;
pub use keys::{Key, Keys};

pub struct Wasel {
    pub(crate) db: Db,
    pub(crate) secrets: SharedSecrets,
    /// Names this installation's keychain accounts.
    pub(crate) installation: String,
    pub(crate) sandbox: Option<Arc<dyn Sandbox>>,
    pub(crate) routes: SharedRoutes,
    pub(crate) bus: Bus,
    pub(crate) options: Options,
    pub(crate) outbox: Arc<RwLock<OutboxConfig>>,
    /// The secrets provider callbacks are signed with (live accounts and the sandbox's).
    pub(crate) webhook_keys: Arc<RwLock<Keys>>,
    /// The console's own loopback receiver for the sandbox's callbacks, once a host started it.
    pub(crate) webhook_url: RwLock<Option<String>>,
    pub(crate) keychain_error: RwLock<Option<SecretError>>,
    /// The key API tokens are signed with, once read from the keychain.
    pub(crate) api_key: tokio::sync::OnceCell<Vec<u8>>,
}

/// Reads a lock whose writers only ever assign whole values: a poisoned one still holds a whole
/// value (the writer panicked before or after the assignment, never during it).
pub(crate) fn read<T: Clone>(lock: &RwLock<T>) -> T {
    match lock.read() {
        Ok(v) => v.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

pub(crate) fn write<T>(lock: &RwLock<T>, value: T) {
    update(lock, |v| *v = value);
}

/// Changes a value in place under its write lock.
pub(crate) fn update<T>(lock: &RwLock<T>, change: impl FnOnce(&mut T)) {
    match lock.write() {
        Ok(mut v) => change(&mut v),
        Err(poisoned) => change(&mut poisoned.into_inner()),
    }
}

/// A feature's operations over the context, on behalf of a caller:
/// `wasel.messaging(&caller).send(…)`. Each operation asks the caller first (`self.allow(…)`).
macro_rules! feature {
    ($(#[$doc:meta])* $name:ident, $accessor:ident) => {
        $(#[$doc])*
        pub struct $name<'a> {
            wasel: &'a Wasel,
            caller: &'a Caller,
        }

        impl std::ops::Deref for $name<'_> {
            type Target = Wasel;
            fn deref(&self) -> &Wasel {
                self.wasel
            }
        }

        impl $name<'_> {
            /// Refuses unless the caller's roles allow `op` (the table in `domain::access`).
            #[allow(dead_code, reason = "a handle whose operations are all open never asks")]
            pub(crate) fn allow(&self, op: Operation) -> crate::error::Result<()> {
                self.caller.require(op)
            }

            pub(crate) fn caller(&self) -> &Caller {
                self.caller
            }
        }

        impl Wasel {
            $(#[$doc])*
            pub fn $accessor<'a>(&'a self, caller: &'a Caller) -> $name<'a> {
                $name { wasel: self, caller }
            }
        }
    };
}

feature!(
    /// Composing, sending and following messages; operator actions; guardians.
    Messaging, messaging
);
feature!(
    /// Settings → Providers: credentials, failover order, checks, WhatsApp templates.
    ProviderSettings, providers
);
feature!(
    /// The console's status, its language and the outbox settings.
    Settings, settings
);
feature!(
    /// The sandbox inbox and simulated replies.
    SandboxInbox, sandbox_inbox
);
feature!(
    /// Users and their roles (admin), and a user's own password and tokens.
    Users, users
);
feature!(
    /// Reading, exporting and verifying the audit trail.
    AuditTrail, audit_trail
);
feature!(/** The HTTP API's repeated requests (`Idempotency-Key`). */ Requests, requests);
feature!(/** National ids and iqama numbers, sealed at rest, and the data keys. */ Identity, identity);
feature!(/** Families: search, edit, consent per channel. */ Contacts, contacts);

/// Signing in, before there is a caller (first admin, sign-in, sessions): `wasel.auth().login(…)`.
pub struct Auth<'a>(&'a Wasel);

impl std::ops::Deref for Auth<'_> {
    type Target = Wasel;
    fn deref(&self) -> &Wasel {
        self.0
    }
}

impl Wasel {
    /// Signing in and sessions (no caller yet).
    pub fn auth(&self) -> Auth<'_> {
        Auth(self)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn subscribe(&self) -> broadcast::Receiver<MessageChanged> {
        self.bus.changes.subscribe()
    }

    /// Turns true when [`Wasel::stop`] is called: servers and loops started for this context end.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.bus.shutdown.subscribe()
    }

    pub(crate) fn routes(&self) -> Routes {
        read(&self.routes)
    }

    pub(crate) fn outbox_config(&self) -> OutboxConfig {
        read(&self.outbox)
    }

    /// The sandbox the host wired in, if any.
    pub fn sandbox(&self) -> Option<&Arc<dyn Sandbox>> {
        self.sandbox.as_ref()
    }

    /// True when no real provider is configured: new messages go to the simulators.
    pub fn is_sandbox(&self) -> bool {
        self.routes().live.is_empty()
    }

    /// Whether a new message on this channel goes to the simulators.
    pub(crate) fn is_sandbox_for(&self, channel: Channel) -> bool {
        !self.routes().live.contains_key(&channel)
    }

    /// The console's own webhook receiver (sandbox only).
    pub fn webhook_url(&self) -> Option<String> {
        read(&self.webhook_url)
    }

    pub(crate) fn keychain_error(&self) -> Option<SecretError> {
        read(&self.keychain_error)
    }

    pub(crate) fn set_keychain_error(&self, e: Option<SecretError>) {
        write(&self.keychain_error, e);
    }

    /// Something changed: tell the window, and wake the dispatcher when a message became due.
    pub(crate) fn announce(&self, change: MessageChanged) {
        self.bus.announce(change);
    }
}
