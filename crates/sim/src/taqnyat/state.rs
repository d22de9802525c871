//! State.

use super::*;

/// The Taqnyat simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct TaqnyatSim {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) opts: TaqnyatOptions,
    pub(super) state: Mutex<Store>,
    pub(super) create_requests: AtomicUsize,
    pub(super) faults: FaultSwitch,
    pub(super) stopped: watch::Receiver<bool>,
}

pub(super) struct Store {
    pub(super) records: Vec<Record>,
    pub(super) opted_out: HashSet<String>,
    pub(super) received: usize,
    pub(super) balance_milli_sar: u64,
    pub(super) next_id: u64,
}

impl Store {
    pub(super) fn new(opts: &TaqnyatOptions) -> Self {
        Self {
            records: Vec::new(),
            opted_out: HashSet::new(),
            received: 0,
            balance_milli_sar: opts.balance_milli_sar,
            // Ten digits, like the ids Taqnyat hands out.
            next_id: rand::random_range(1_000_000_000..5_000_000_000),
        }
    }
}

pub(super) struct Record {
    pub(super) id: String,
    pub(super) to: String,
    pub(super) sender: String,
    pub(super) body: String,
    pub(super) num_segments: u32,
    pub(super) date_created: DateTime<Utc>,
    pub(super) scheduled_at: Option<DateTime<Utc>>,
    pub(super) delete_key: Option<String>,
    /// What this recipient was charged, refunded when a scheduled send is deleted.
    pub(super) cost_milli_sar: u64,
    pub(super) canceled: bool,
    /// Ends `undelivered` (test-number suffixes).
    pub(super) fails: bool,
}

impl Record {
    /// The inbox status is derived from the clock, so no timer is needed.
    pub(super) fn status(&self, now: DateTime<Utc>, delivered_after: TimeDelta) -> &'static str {
        if self.canceled {
            return "cancelled";
        }
        let start = self.scheduled_at.map_or(self.date_created, |at| at.max(self.date_created));
        if now < start {
            "scheduled"
        } else if now - start < delivered_after {
            "sent"
        } else if self.fails {
            "undelivered"
        } else {
            "delivered"
        }
    }

    pub(super) fn is_pending(&self, now: DateTime<Utc>) -> bool {
        !self.canceled && self.scheduled_at.is_some_and(|at| at > now)
    }
}

impl TaqnyatSim {
    pub(crate) fn new(opts: TaqnyatOptions, stopped: watch::Receiver<bool>) -> Self {
        let state = Mutex::new(Store::new(&opts));
        Self {
            shared: Arc::new(Shared {
                opts,
                state,
                create_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                stopped,
            }),
        }
    }

    /// Every recipient of every accepted send, in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let now = Utc::now();
        let delivered_after = self.shared.delivered_after();
        let state = lock(&self.shared.state);
        state
            .records
            .iter()
            .map(|r| SimMessage {
                id: r.id.clone(),
                to: r.to.clone(),
                sender: r.sender.clone(),
                body: r.body.clone(),
                status: r.status(now, delivered_after).to_owned(),
                num_segments: r.num_segments,
                date_created: r.date_created,
                scheduled_at: r.scheduled_at,
            })
            .collect()
    }

    /// Number of sends that were accepted (answered 201), whatever their number of recipients.
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// Number of `POST /v1/messages` that reached the simulator, including rejected and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Later sends reject this recipient (`9665…`; a leading `+` is ignored here for convenience).
    pub fn opt_out(&self, number: &str) {
        lock(&self.shared.state).opted_out.insert(wire_number(number));
    }

    /// Undoes [`TaqnyatSim::opt_out`].
    pub fn opt_in(&self, number: &str) {
        lock(&self.shared.state).opted_out.remove(&wire_number(number));
    }

    /// The balance left, in thousandths of a riyal.
    pub fn balance_milli_sar(&self) -> u64 {
        lock(&self.shared.state).balance_milli_sar
    }

    /// Tops up or drains the account, e.g. to 0 to see code 2.
    pub fn set_balance_milli_sar(&self, balance: u64) {
        lock(&self.shared.state).balance_milli_sar = balance;
    }

    /// Forgets every message, resets both counters and restores the starting balance. Opt-outs and
    /// faults are settings and stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.received = 0;
        state.balance_milli_sar = self.shared.opts.balance_milli_sar;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

impl Shared {
    pub(super) fn delivered_after(&self) -> TimeDelta {
        TimeDelta::from_std(self.opts.delivered_after).unwrap_or(TimeDelta::MAX)
    }

    pub(super) fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match token {
            Some(token) if constant_time_eq(token.as_bytes(), self.opts.bearer_token.as_bytes()) => Ok(()),
            _ => Err(ApiError::Unauthorized),
        }
    }
}

pub(super) fn wire_number(number: &str) -> String {
    number.strip_prefix('+').unwrap_or(number).to_owned()
}
