//! State.

use super::*;

/// The SMTP sink. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct SmtpSim {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) opts: SmtpOptions,
    pub(super) addr: SocketAddr,
    pub(super) store: Mutex<Store>,
    pub(super) faults: FaultSwitch,
    pub(super) connections: AtomicUsize,
    pub(super) data_commands: AtomicUsize,
}

#[derive(Default)]
pub(super) struct Store {
    pub(super) messages: Vec<Stored>,
    pub(super) opted_out: HashSet<String>,
    /// Keyed by the lower-cased address.
    pub(super) scripts: BTreeMap<String, ScriptedReply>,
}

pub(super) struct Stored {
    pub(super) email: SimEmail,
    pub(super) raw: Vec<u8>,
}

impl SmtpSim {
    /// Binds the listener and accepts connections until `stopped` turns true.
    pub(crate) async fn start(opts: SmtpOptions, stopped: watch::Receiver<bool>) -> io::Result<Self> {
        let listener = TcpListener::bind(opts.bind).await?;
        let addr = listener.local_addr()?;
        let sim = Self {
            shared: Arc::new(Shared {
                opts,
                addr,
                store: Mutex::new(Store::default()),
                faults: FaultSwitch::default(),
                connections: AtomicUsize::new(0),
                data_commands: AtomicUsize::new(0),
            }),
        };
        tokio::spawn(sim.clone().accept_loop(listener, stopped));
        tracing::info!(%addr, "smtp sink listening");
        Ok(sim)
    }

    pub(super) async fn accept_loop(self, listener: TcpListener, stopped: watch::Receiver<bool>) {
        let mut stop = stopped.clone();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                // Err means the simulators were dropped: stop as well.
                _ = stop.wait_for(|s| *s) => break,
            };
            let (stream, peer) = match accepted {
                Ok(conn) => conn,
                Err(error) => {
                    tracing::warn!(%error, "smtp sink: accept failed");
                    continue;
                }
            };
            self.shared.connections.fetch_add(1, Ordering::Relaxed);
            let shared = Arc::clone(&self.shared);
            let mut stop = stopped.clone();
            tokio::spawn(async move {
                tokio::select! {
                    result = Session::new(&shared, stream).run() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, %peer, "smtp sink: connection ended with an error");
                        }
                    }
                    // Also ends sessions hung by a timeout fault.
                    _ = stop.wait_for(|s| *s) => {}
                }
            });
        }
        tracing::info!(addr = %self.shared.addr, "smtp sink stopped");
    }

    /// Where clients connect (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Every accepted message, oldest first.
    pub fn messages(&self) -> Vec<SimEmail> {
        lock(&self.shared.store).messages.iter().map(|m| m.email.clone()).collect()
    }

    /// The message as received (dot-unstuffed, CRLF line ends).
    pub fn raw_message(&self, id: &str) -> Option<Vec<u8>> {
        lock(&self.shared.store).messages.iter().find(|m| m.email.id == id).map(|m| m.raw.clone())
    }

    /// Connections accepted so far, including faulted ones.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// `DATA` commands answered with `354`, whatever happened to the message after.
    pub fn data_commands(&self) -> usize {
        self.shared.data_commands.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Later `RCPT TO` for this address get `550 5.1.1` (case-insensitive).
    pub fn opt_out(&self, address: &str) {
        lock(&self.shared.store).opted_out.insert(address.trim().to_lowercase());
    }

    /// Makes `RCPT TO:<rcpt>` answer `reply` (e.g. `452 4.2.2 Mailbox full`). `None` when the reply is
    /// not a `2xx`–`5xx` reply line.
    pub fn script(&self, rcpt: &str, reply: &str) -> Option<()> {
        let parsed = Reply::parse(reply)?;
        let reply = format!("{} {}", parsed.code, parsed.text).trim_end().to_owned();
        let scripted = ScriptedReply { rcpt: rcpt.trim().to_owned(), reply };
        lock(&self.shared.store).scripts.insert(rcpt.trim().to_lowercase(), scripted);
        Some(())
    }

    pub fn scripts(&self) -> Vec<ScriptedReply> {
        lock(&self.shared.store).scripts.values().cloned().collect()
    }

    pub fn clear_scripts(&self) {
        lock(&self.shared.store).scripts.clear();
    }

    /// Forgets every message and resets the counters. Opt-outs, scripts and faults are settings and stay.
    pub fn clear(&self) {
        lock(&self.shared.store).messages.clear();
        self.shared.connections.store(0, Ordering::Relaxed);
        self.shared.data_commands.store(0, Ordering::Relaxed);
    }
}
