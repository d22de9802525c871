//! How Wasel is opened (see `crate::boot` for the opening itself), and the background work it
//! runs: the dispatcher and the status poller.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::Wasel;
use crate::outbox::Dispatcher;
use crate::outbox::reports::Poller;
use crate::ports::sandbox::Sandbox;
use crate::providers::failover::BreakerPolicy;
use crate::secrets::{self, SharedSecrets};

/// How to open Wasel.
pub struct WaselConfig {
    /// `postgres://…` or `sqlite://…`; `None` means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub secrets: SharedSecrets,
    /// The simulators a channel without real credentials sends to (wired in by the host:
    /// `crates/sandbox`). `None`: such a channel has no route.
    pub sandbox: Option<Arc<dyn Sandbox>>,
    pub options: Options,
}

/// How this process takes part in the outbox.
#[derive(Debug, Clone)]
pub struct Options {
    /// Names this process in leases (`console@host:pid`, `worker@host:pid`).
    pub worker_name: String,
    pub poll_interval: Duration,
    /// How long a worker may hold a claimed message before it is presumed dead.
    pub lease: Duration,
    /// When a provider's circuit opens and for how long.
    pub breaker: BreakerPolicy,
}

impl WaselConfig {
    /// The defaults of an installation: OS data directory, OS keychain, no sandbox (the host adds
    /// it). `WASEL_DATA_DIR`, `WASEL_DATABASE_URL` and `WASEL_LEASE_SECS` override;
    /// `WASEL_CREDENTIALS_DIR` or systemd's `CREDENTIALS_DIRECTORY` puts secrets in files instead
    /// of the keychain (a server without a Secret Service).
    pub fn from_env(worker_kind: &str) -> Self {
        let data_dir = std::env::var_os("WASEL_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::data_dir().map(|d| d.join("wasel")))
            .unwrap_or_else(|| PathBuf::from(".wasel"));
        Self {
            database_url: std::env::var("WASEL_DATABASE_URL").ok().filter(|s| !s.is_empty()),
            data_dir,
            secrets: match secrets::CredentialsDir::from_env() {
                Some(dir) => Arc::new(dir),
                None => Arc::new(secrets::Keychain),
            },
            sandbox: None,
            options: Options {
                worker_name: format!("{worker_kind}@{}:{}", host_name(), std::process::id()),
                poll_interval: Duration::from_secs(1),
                lease: Duration::from_secs(
                    std::env::var("WASEL_LEASE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60).max(1),
                ),
                breaker: BreakerPolicy::default(),
            },
        }
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname").map(|s| s.trim().to_owned()).unwrap_or_else(|_| "host".into())
}

impl Wasel {
    pub fn dispatcher(&self) -> Dispatcher {
        Dispatcher {
            db: self.db.clone(),
            routes: Arc::clone(&self.routes),
            owner: self.options.worker_name.clone(),
            lease: self.options.lease,
            batch: 100,
            config: Arc::clone(&self.outbox),
            wake: Arc::clone(&self.bus.wake),
            changes: self.bus.changes.clone(),
        }
    }

    pub fn poller(&self) -> Poller {
        Poller {
            db: self.db.clone(),
            routes: Arc::clone(&self.routes),
            interval: self.options.poll_interval,
            changes: self.bus.changes.clone(),
        }
    }

    /// Starts the dispatcher and the status poller in the background until [`Wasel::stop`].
    pub fn start_background(&self) -> Vec<JoinHandle<()>> {
        vec![
            tokio::spawn(self.dispatcher().run(self.shutdown_signal())),
            tokio::spawn(self.poller().run(self.shutdown_signal())),
        ]
    }

    pub async fn stop(&self) {
        let _ = self.bus.shutdown.send(true);
    }
}
