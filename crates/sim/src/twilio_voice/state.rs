//! State.

use super::*;

/// The voice simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct TwilioVoiceSim {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) twilio: TwilioSim,
    pub(super) opts: TwilioVoiceOptions,
    pub(super) state: Mutex<Store>,
    pub(super) create_requests: AtomicUsize,
}

#[derive(Default)]
pub(super) struct Store {
    pub(super) calls: Vec<CallRecord>,
    pub(super) by_sid: HashMap<String, usize>,
    /// When the next call may be placed, at the configured CPS.
    pub(super) next_slot: Option<Instant>,
}

pub(super) struct CallRecord {
    pub(super) call: SimCall,
    pub(super) account_sid: String,
    pub(super) events: Events,
    pub(super) callback_method: Method,
    pub(super) source: Source,
    /// Scripted by the test-number suffix.
    pub(super) outcome: Outcome,
    pub(super) start_time: Option<DateTime<Utc>>,
    pub(super) end_time: Option<DateTime<Utc>>,
    pub(super) answered_at: Option<Instant>,
    pub(super) date_updated: DateTime<Utc>,
    /// Callbacks sent so far (`SequenceNumber` of the next one).
    pub(super) sequence: u32,
}

/// Where the call's TwiML comes from.
#[derive(Clone)]
pub(super) enum Source {
    Url { url: String, method: Method },
    Twiml(String),
    Application,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Answered,
    Busy,
    NoAnswer,
    Unreachable,
}

/// The `StatusCallbackEvent`s asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Events {
    pub(super) initiated: bool,
    pub(super) ringing: bool,
    pub(super) answered: bool,
    pub(super) completed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Event {
    Initiated,
    Ringing,
    Answered,
    Completed,
}

impl Events {
    pub(super) fn wants(self, event: Event) -> bool {
        match event {
            Event::Initiated => self.initiated,
            Event::Ringing => self.ringing,
            Event::Answered => self.answered,
            Event::Completed => self.completed,
        }
    }
}

/// One status callback to send.
pub(super) struct Callback {
    pub(super) url: String,
    pub(super) method: Method,
    pub(super) params: Vec<(String, String)>,
    pub(super) sid: String,
}

impl TwilioVoiceSim {
    /// Creates the voice simulator on top of the Twilio one (its account, faults and signing).
    pub(crate) fn new(opts: TwilioVoiceOptions, twilio: TwilioSim) -> Self {
        let shared = Shared { twilio, opts, state: Mutex::new(Store::default()), create_requests: AtomicUsize::new(0) };
        Self { shared: Arc::new(shared) }
    }

    /// Every call, in creation order.
    pub fn calls(&self) -> Vec<SimCall> {
        lock(&self.shared.state).calls.iter().map(|r| r.call.clone()).collect()
    }

    /// Number of create requests that reached the simulator, including rejected and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    /// Forgets every call (their timers stop) and the CPS queue.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.calls.clear();
        state.by_sid.clear();
        state.next_slot = None;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}
