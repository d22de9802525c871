//! State.

use super::*;

/// The Msegat simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct MsegatSim {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) opts: MsegatOptions,
    pub(super) state: Mutex<Store>,
    pub(super) create_requests: AtomicUsize,
    pub(super) faults: FaultSwitch,
    pub(super) stopped: watch::Receiver<bool>,
}

pub(super) struct Store {
    pub(super) records: Vec<Record>,
    pub(super) opted_out: HashSet<String>,
    pub(super) received: usize,
    pub(super) points: u64,
    pub(super) next_id: u64,
    /// Last accepted time of each (numbers, sender, text), for 1061.
    pub(super) recent: HashMap<(String, String, String), DateTime<Utc>>,
}

impl Store {
    pub(super) fn new(opts: &MsegatOptions) -> Self {
        Self {
            records: Vec::new(),
            opted_out: HashSet::new(),
            received: 0,
            points: opts.points,
            next_id: rand::random_range(10_000_000..90_000_000),
            recent: HashMap::new(),
        }
    }
}

pub(super) struct Record {
    pub(super) msg: SimMessage,
    pub(super) fails: bool,
}

impl Record {
    /// The inbox status is derived from the clock, so no timer is needed.
    pub(super) fn status(&self, now: DateTime<Utc>, delivered_after: TimeDelta) -> &'static str {
        if now - self.msg.date_created < delivered_after {
            "sent"
        } else if self.fails {
            "undelivered"
        } else {
            "delivered"
        }
    }
}

impl MsegatSim {
    pub(crate) fn new(opts: MsegatOptions, stopped: watch::Receiver<bool>) -> Self {
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

    /// Every number of every accepted send, in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let now = Utc::now();
        let delivered_after = TimeDelta::from_std(self.shared.opts.delivered_after).unwrap_or(TimeDelta::MAX);
        let state = lock(&self.shared.state);
        state
            .records
            .iter()
            .map(|r| SimMessage { status: r.status(now, delivered_after).to_owned(), ..r.msg.clone() })
            .collect()
    }

    /// Number of sends that were accepted (answered code 1), whatever their number of recipients.
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// Number of `POST /gw/sendsms.php` that reached the simulator, including refused and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Later sends to this number answer 1120 (`9665…`; a leading `+` is ignored here for convenience).
    pub fn opt_out(&self, number: &str) {
        lock(&self.shared.state).opted_out.insert(wire_number(number));
    }

    /// Undoes [`MsegatSim::opt_out`].
    pub fn opt_in(&self, number: &str) {
        lock(&self.shared.state).opted_out.remove(&wire_number(number));
    }

    /// Points left.
    pub fn points(&self) -> u64 {
        lock(&self.shared.state).points
    }

    /// Tops up or drains the account, e.g. to 0 to see 1060.
    pub fn set_points(&self, points: u64) {
        lock(&self.shared.state).points = points;
    }

    /// Forgets every message and the duplicate memory, resets both counters and restores the starting
    /// points. Opt-outs and faults are settings and stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.records.clear();
        state.recent.clear();
        state.received = 0;
        state.points = self.shared.opts.points;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

pub(super) fn wire_number(number: &str) -> String {
    number.strip_prefix('+').unwrap_or(number).to_owned()
}
