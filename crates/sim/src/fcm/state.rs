//! State.

use super::*;

/// The FCM simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct FcmSim {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) opts: FcmOptions,
    /// The server's own address, for `token_uri` when no `Host` header says otherwise.
    pub(super) addr: SocketAddr,
    pub(super) state: Mutex<Store>,
    pub(super) token_requests: AtomicUsize,
    pub(super) send_requests: AtomicUsize,
    pub(super) faults: FaultSwitch,
    pub(super) stopped: watch::Receiver<bool>,
}

#[derive(Default)]
pub(super) struct Store {
    pub(super) records: Vec<Record>,
    pub(super) devices: HashMap<String, Device>,
    pub(super) access_tokens: HashMap<String, AccessToken>,
    pub(super) tokens_issued: usize,
    pub(super) received: usize,
}

pub(super) struct Device {
    pub(super) project_id: String,
    pub(super) revoked: bool,
}

pub(super) struct AccessToken {
    pub(super) expires: Instant,
    /// Carries `firebase.messaging` or `cloud-platform`.
    pub(super) may_send: bool,
}

pub(super) struct Record {
    pub(super) name: String,
    pub(super) message: NewMessage,
    pub(super) received_at: DateTime<Utc>,
}

impl FcmSim {
    pub(crate) fn new(opts: FcmOptions, addr: SocketAddr, stopped: watch::Receiver<bool>) -> Self {
        Self {
            shared: Arc::new(Shared {
                opts,
                addr,
                state: Mutex::new(Store::default()),
                token_requests: AtomicUsize::new(0),
                send_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                stopped,
            }),
        }
    }

    pub fn project_id(&self) -> &str {
        &self.shared.opts.project_id
    }

    /// `http://127.0.0.1:PORT/token`.
    pub fn token_uri(&self) -> String {
        format!("http://{}{TOKEN_PATH}", self.shared.addr)
    }

    /// The test service account as Google's JSON key file, `token_uri` pointing at this server.
    /// Makes the RSA key on first use (about a second).
    pub async fn service_account_json(&self) -> std::io::Result<String> {
        let key = test_key().await?;
        Ok(self.shared.service_account(key, &self.token_uri()).to_string())
    }

    /// Every accepted (not dry-run) message, in order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let now = Utc::now();
        let delivered_after = TimeDelta::from_std(self.shared.opts.delivered_after).unwrap_or(TimeDelta::MAX);
        let state = lock(&self.shared.state);
        let records = &state.records;
        records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let m = &r.message;
                let replaced = records[i + 1..].iter().any(|later| later.message.replaces(m));
                SimMessage {
                    name: r.name.clone(),
                    token: m.target.token().map(str::to_owned),
                    topic: m.target.topic().map(str::to_owned),
                    condition: m.target.condition().map(str::to_owned),
                    title: m.title.clone(),
                    body: m.body.clone(),
                    image: m.image.clone(),
                    data: m.data.clone(),
                    android_priority: m.android_priority.clone(),
                    collapse_key: m.collapse_key.clone(),
                    apns_collapse_id: m.apns_collapse_id.clone(),
                    ttl: m.ttl.clone(),
                    status: if now - r.received_at < delivered_after { "accepted" } else { "delivered" }.to_owned(),
                    replaced,
                    received_at: r.received_at,
                }
            })
            .collect()
    }

    /// Sends answered 200 (dry runs excluded).
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// `messages:send` requests that reached the simulator, including refused and faulted ones.
    pub fn send_requests(&self) -> usize {
        self.shared.send_requests.load(Ordering::Relaxed)
    }

    /// `POST /token` requests, including refused ones.
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests.load(Ordering::Relaxed)
    }

    /// Access tokens handed out.
    pub fn tokens_issued(&self) -> usize {
        lock(&self.shared.state).tokens_issued
    }

    /// Every access token handed out so far stops working (as if its hour were up): sends answer 401.
    pub fn expire_access_tokens(&self) {
        lock(&self.shared.state).access_tokens.clear();
    }

    /// Registers a device token of this project (a fresh token re-registers a revoked one).
    pub fn register_device(&self, token: &str) {
        self.register_device_in(token, &self.shared.opts.project_id);
    }

    /// Registers a device token that belongs to another sender: sends to it answer `SENDER_ID_MISMATCH`.
    pub fn register_device_in(&self, token: &str, project_id: &str) {
        let device = Device { project_id: project_id.to_owned(), revoked: false };
        lock(&self.shared.state).devices.insert(token.to_owned(), device);
    }

    /// A new token of this project, registered.
    pub fn new_device(&self) -> String {
        let token = new_device_token();
        self.register_device(&token);
        token
    }

    /// The app was uninstalled: later sends answer `UNREGISTERED`. False when the token was never registered.
    pub fn revoke_device(&self, token: &str) -> bool {
        match lock(&self.shared.state).devices.get_mut(token) {
            Some(device) => {
                device.revoked = true;
                true
            }
            None => false,
        }
    }

    pub fn devices(&self) -> Vec<SimDevice> {
        let state = lock(&self.shared.state);
        let mut devices: Vec<SimDevice> = state
            .devices
            .iter()
            .map(|(token, d)| SimDevice { token: token.clone(), project_id: d.project_id.clone(), revoked: d.revoked })
            .collect();
        devices.sort_by(|a, b| a.token.cmp(&b.token));
        devices
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Forgets every message and resets the counters. Devices, access tokens and faults stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.received = 0;
        state.tokens_issued = 0;
        self.shared.send_requests.store(0, Ordering::Relaxed);
        self.shared.token_requests.store(0, Ordering::Relaxed);
    }
}

impl Shared {
    pub(super) fn service_account(&self, key: &TestKey, token_uri: &str) -> Value {
        json!({
            "type": "service_account",
            "project_id": self.opts.project_id,
            "private_key_id": key.key_id,
            "private_key": key.pkcs8_pem,
            "client_email": self.opts.client_email,
            "client_id": "104729000000000000001",
            "token_uri": token_uri,
            "universe_domain": "googleapis.com",
        })
    }

    /// This server's base URL as the caller reached it.
    pub(super) fn base_url(&self, headers: &HeaderMap) -> String {
        match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
            Some(host) => format!("http://{host}"),
            None => format!("http://{}", self.addr),
        }
    }

    pub(super) fn accepted_audiences(&self, headers: &HeaderMap) -> [String; 2] {
        [format!("{}{TOKEN_PATH}", self.base_url(headers)), format!("http://{}{TOKEN_PATH}", self.addr)]
    }

    pub(super) fn authorize(&self, headers: &HeaderMap) -> Result<(), GoogleError> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| GoogleError::unauthenticated(true))?;
        let mut state = lock(&self.state);
        let now = Instant::now();
        state.access_tokens.retain(|_, t| t.expires > now);
        match state.access_tokens.get(token) {
            Some(t) if t.may_send => Ok(()),
            Some(_) => Err(GoogleError::permission_denied("Request had insufficient authentication scopes.")),
            None => Err(GoogleError::unauthenticated(false)),
        }
    }
}
