//! State.

use super::*;

/// The OneSignal simulator. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct OneSignalSim {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) opts: OneSignalOptions,
    pub(super) state: Mutex<Store>,
    pub(super) create_requests: AtomicUsize,
    pub(super) faults: FaultSwitch,
    pub(super) stopped: watch::Receiver<bool>,
}

#[derive(Default)]
pub(super) struct Store {
    pub(super) notifications: Vec<Notification>,
    pub(super) subscriptions: HashMap<String, SimSubscription>,
    /// Lowercased key → when it was first used and the answer given then.
    pub(super) idempotency: HashMap<String, (DateTime<Utc>, Value)>,
    pub(super) received: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Successful,
    Failed,
    Errored,
}

pub(super) struct Delivery {
    pub(super) subscription_id: String,
    pub(super) external_id: Option<String>,
    pub(super) language: String,
    pub(super) outcome: Outcome,
}

pub(super) struct Notification {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) contents: Map<String, Value>,
    pub(super) headings: Option<Map<String, Value>>,
    pub(super) data: Option<Value>,
    pub(super) idempotency_key: Option<String>,
    pub(super) deliveries: Vec<Delivery>,
    pub(super) queued_at: DateTime<Utc>,
    pub(super) send_after: Option<DateTime<Utc>>,
    pub(super) canceled_at: Option<DateTime<Utc>>,
}

/// Where a notification stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Progress {
    Remaining,
    Done(DateTime<Utc>),
    Canceled,
}

impl Notification {
    pub(super) fn done_at(&self, delivered_after: TimeDelta) -> DateTime<Utc> {
        self.send_after.map_or(self.queued_at, |at| at.max(self.queued_at)) + delivered_after
    }

    /// Derived from the clock, so no timer is needed.
    pub(super) fn progress(&self, now: DateTime<Utc>, delivered_after: TimeDelta) -> Progress {
        let done_at = self.done_at(delivered_after);
        match self.canceled_at {
            Some(at) if at < done_at => Progress::Canceled,
            _ if now < done_at => Progress::Remaining,
            _ => Progress::Done(done_at),
        }
    }

    pub(super) fn count(&self, outcome: Outcome) -> usize {
        self.deliveries.iter().filter(|d| d.outcome == outcome).count()
    }

    pub(super) fn view(&self, app_id: &str, now: DateTime<Utc>, delivered_after: TimeDelta) -> Value {
        let progress = self.progress(now, delivered_after);
        let done = matches!(progress, Progress::Done(_));
        let counted = |outcome| if done { self.count(outcome) } else { 0 };
        let (successful, failed, errored) =
            (counted(Outcome::Successful), counted(Outcome::Failed), counted(Outcome::Errored));
        let remaining = if progress == Progress::Remaining { self.deliveries.len() } else { 0 };
        let completed_at = match progress {
            Progress::Done(at) => json!(at.timestamp()),
            _ => Value::Null,
        };
        json!({
            "id": self.id,
            "app_id": app_id,
            "name": self.name,
            "contents": self.contents,
            "headings": self.headings,
            "data": self.data,
            "successful": successful,
            "failed": failed,
            "errored": errored,
            "converted": 0,
            "received": 0,
            "remaining": remaining,
            "queued_at": self.queued_at.timestamp(),
            "send_after": self.send_after.unwrap_or(self.queued_at).timestamp(),
            "completed_at": completed_at,
            "canceled": progress == Progress::Canceled,
            "platform_delivery_stats": {
                "android": { "successful": successful, "failed": failed, "errored": errored, "converted": 0, "received": 0 },
            },
        })
    }
}

impl OneSignalSim {
    pub(crate) fn new(opts: OneSignalOptions, stopped: watch::Receiver<bool>) -> Self {
        Self {
            shared: Arc::new(Shared {
                opts,
                state: Mutex::new(Store::default()),
                create_requests: AtomicUsize::new(0),
                faults: FaultSwitch::default(),
                stopped,
            }),
        }
    }

    pub fn app_id(&self) -> &str {
        &self.shared.opts.app_id
    }

    /// Every recipient of every created notification, in creation order.
    pub fn messages(&self) -> Vec<SimMessage> {
        let now = Utc::now();
        let delivered_after = self.shared.delivered_after();
        let state = lock(&self.shared.state);
        let mut inbox = Vec::new();
        for n in &state.notifications {
            let progress = n.progress(now, delivered_after);
            for d in &n.deliveries {
                let status = match (progress, d.outcome) {
                    (Progress::Canceled, _) => "canceled",
                    (Progress::Remaining, _) => "remaining",
                    (Progress::Done(_), Outcome::Successful) => "successful",
                    (Progress::Done(_), Outcome::Failed) => "failed",
                    (Progress::Done(_), Outcome::Errored) => "errored",
                };
                let localized = |map: &Map<String, Value>| {
                    map.get(&d.language).or_else(|| map.get("en")).and_then(Value::as_str).map(str::to_owned)
                };
                inbox.push(SimMessage {
                    notification_id: n.id.clone(),
                    subscription_id: d.subscription_id.clone(),
                    external_id: d.external_id.clone(),
                    language: d.language.clone(),
                    heading: n.headings.as_ref().and_then(localized),
                    content: localized(&n.contents).unwrap_or_default(),
                    data: n.data.clone(),
                    idempotency_key: n.idempotency_key.clone(),
                    status: status.to_owned(),
                    queued_at: n.queued_at,
                });
            }
        }
        inbox
    }

    /// Notifications created (answered 200 with an id); idempotent repeats are not counted.
    pub fn received_count(&self) -> usize {
        lock(&self.shared.state).received
    }

    /// `POST /notifications` that reached the simulator, including refused, repeated and faulted ones.
    pub fn create_requests(&self) -> usize {
        self.shared.create_requests.load(Ordering::Relaxed)
    }

    /// Registers (or re-subscribes) a device; returns its id, made up when `sub.id` is empty.
    pub fn add_subscription(&self, mut sub: SimSubscription) -> Result<String, String> {
        if sub.id.is_empty() {
            sub.id = new_uuid();
        }
        if !is_uuid(&sub.id) {
            return Err(format!("subscription id {} is not a UUID", sub.id));
        }
        sub.id = sub.id.to_ascii_lowercase();
        let id = sub.id.clone();
        lock(&self.shared.state).subscriptions.insert(id.clone(), sub);
        Ok(id)
    }

    /// A new subscribed device reading `language`; returns its id.
    pub fn new_subscription(&self, language: &str) -> String {
        let id = new_uuid();
        let sub = SimSubscription { id: id.clone(), language: language.to_owned(), ..SimSubscription::default() };
        lock(&self.shared.state).subscriptions.insert(id.clone(), sub);
        id
    }

    /// The device unsubscribed: sends to it count as `failed`. False when the id was never registered.
    pub fn unsubscribe(&self, id: &str) -> bool {
        match lock(&self.shared.state).subscriptions.get_mut(&id.to_ascii_lowercase()) {
            Some(sub) => {
                sub.subscribed = false;
                true
            }
            None => false,
        }
    }

    pub fn subscriptions(&self) -> Vec<SimSubscription> {
        let mut subs: Vec<SimSubscription> = lock(&self.shared.state).subscriptions.values().cloned().collect();
        subs.sort_by(|a, b| a.id.cmp(&b.id));
        subs
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Forgets notifications, idempotency keys and counters. Subscriptions and faults stay.
    pub fn clear(&self) {
        let mut state = lock(&self.shared.state);
        state.notifications.clear();
        state.idempotency.clear();
        state.received = 0;
        self.shared.create_requests.store(0, Ordering::Relaxed);
    }
}

impl Shared {
    pub(super) fn delivered_after(&self) -> TimeDelta {
        TimeDelta::from_std(self.opts.delivered_after).unwrap_or(TimeDelta::MAX)
    }

    pub(super) fn authorize(&self, headers: &HeaderMap) -> Result<(), OsError> {
        let key = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("key") || scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, key)| key.trim());
        match key {
            Some(key) if constant_time_eq(key.as_bytes(), self.opts.api_key.as_bytes()) => Ok(()),
            _ => Err(OsError::AccessDenied),
        }
    }

    /// The `app_id` of a view / cancel / list query: required, and ours.
    pub(super) fn check_query_app(&self, query: &HashMap<String, String>) -> Result<(), OsError> {
        match query.get("app_id") {
            None => Err(OsError::AppIdMissing),
            Some(app) if app.eq_ignore_ascii_case(&self.opts.app_id) => Ok(()),
            Some(_) => Err(OsError::AccessDenied),
        }
    }
}
