//! Ordered failover within one channel, with a circuit breaker per provider: a provider that is down (or whose
//! circuit is open) hands the message to the next one; it gets traffic again after a cool-down,
//! one trial message first. Timeouts never fail over (the first provider may have sent it), and
//! permanent answers (invalid number, opted out) are the same everywhere, so they stop here too.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::Channel;
use crate::providers::{Accepted, BoxFuture, ErrorClass, Found, Lookup, Outgoing, Provider, ProviderError, Report};

/// Consecutive failures that open a circuit, and how long it stays open.
#[derive(Debug, Clone, Copy)]
pub struct BreakerPolicy {
    pub failures_to_open: u32,
    pub open_for: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self { failures_to_open: 5, open_for: Duration::from_secs(30) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    /// The cool-down passed: one trial call decides.
    HalfOpen,
}

#[derive(Debug)]
struct Breaker {
    failures: u32,
    opened_at: Option<Instant>,
    trial_in_flight: bool,
}

/// One provider in the failover order, with its circuit.
pub struct Member {
    pub provider: Arc<dyn Provider>,
    breaker: Mutex<Breaker>,
}

impl Member {
    fn lock(&self) -> std::sync::MutexGuard<'_, Breaker> {
        // The breaker holds plain counters: a poisoned lock still holds usable numbers.
        self.breaker.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub struct Failover {
    channel: Channel,
    members: Vec<Member>,
    policy: BreakerPolicy,
}

impl Failover {
    /// The providers of one channel, in failover order.
    pub fn new(channel: Channel, providers: Vec<Arc<dyn Provider>>, policy: BreakerPolicy) -> Self {
        let members = providers
            .into_iter()
            .map(|provider| Member {
                provider,
                breaker: Mutex::new(Breaker { failures: 0, opened_at: None, trial_in_flight: false }),
            })
            .collect();
        Self { channel, members, policy }
    }

    pub fn providers(&self) -> impl Iterator<Item = &Arc<dyn Provider>> {
        self.members.iter().map(|m| &m.provider)
    }

    pub fn provider(&self, id: &str) -> Option<&Arc<dyn Provider>> {
        self.providers().find(|p| p.id() == id)
    }

    pub fn circuit(&self, id: &str) -> Option<CircuitState> {
        let m = self.members.iter().find(|m| m.provider.id() == id)?;
        Some(self.state(&m.lock()))
    }

    fn state(&self, b: &Breaker) -> CircuitState {
        match b.opened_at {
            None => CircuitState::Closed,
            Some(at) if at.elapsed() < self.policy.open_for => CircuitState::Open,
            Some(_) => CircuitState::HalfOpen,
        }
    }

    /// Whether this member may take a call now (a half-open circuit lets one trial through).
    fn admit(&self, m: &Member) -> bool {
        let mut b = m.lock();
        match self.state(&b) {
            CircuitState::Closed => true,
            CircuitState::Open => false,
            CircuitState::HalfOpen if b.trial_in_flight => false,
            CircuitState::HalfOpen => {
                b.trial_in_flight = true;
                true
            }
        }
    }

    fn record(&self, m: &Member, ok: bool) {
        let mut b = m.lock();
        b.trial_in_flight = false;
        if ok {
            if b.opened_at.is_some() {
                tracing::info!(provider = m.provider.id(), "circuit closed: the provider answers again");
            }
            *b = Breaker { failures: 0, opened_at: None, trial_in_flight: false };
        } else {
            b.failures += 1;
            let half_open = matches!(self.state(&b), CircuitState::HalfOpen);
            if half_open || b.failures >= self.policy.failures_to_open {
                if b.opened_at.is_none() || half_open {
                    tracing::warn!(provider = m.provider.id(), "circuit open: sending through the next provider");
                }
                b.opened_at = Some(Instant::now());
            }
        }
    }
}

/// Told before the message is handed to the next provider (so a crash from then on knows which
/// providers may have it).
pub type OnFailover = dyn Fn(&'static str) -> BoxFuture<'static, ()> + Send + Sync;

impl Failover {
    /// Sends through the first provider that takes it. Also returns the last provider contacted.
    pub async fn send_traced<'a>(
        &'a self,
        out: Outgoing<'a>,
        on_failover: &OnFailover,
        send_by: Option<chrono::DateTime<chrono::Utc>>,
    ) -> (Result<Accepted, ProviderError>, Option<&'static str>) {
        let mut last = None;
        let mut reached: Option<&'static str> = None;
        let pinned = out.content.pinned_provider();
        for (i, m) in self.members.iter().enumerate() {
            if pinned.is_some_and(|p| p != m.provider.id()) || !self.admit(m) {
                continue;
            }
            if i > 0 {
                // Too late to hand it to another provider under this lease: retry later instead.
                if send_by.is_some_and(|t| chrono::Utc::now() > t) {
                    m.lock().trial_in_flight = false;
                    break;
                }
                on_failover(m.provider.id()).await;
            }
            reached = Some(m.provider.id());
            let attempt = Outgoing {
                to: out.to,
                body: out.body,
                content: out.content,
                reference: out.reference,
                idempotency_key: out.idempotency_key,
            };
            match m.provider.send(attempt).await {
                Ok(accepted) => {
                    self.record(m, true);
                    return (Ok(accepted), reached);
                }
                Err(e) if e.class() == ErrorClass::Failover => {
                    self.record(m, false);
                    tracing::debug!(provider = m.provider.id(), code = e.code(), "failing over");
                    last = Some(e);
                }
                Err(e) => {
                    // Not this provider's fault (or not known to be): count it as an answer.
                    if e.class() == ErrorClass::Permanent || matches!(e, ProviderError::Timeout) {
                        self.record(m, true);
                    } else {
                        m.lock().trial_in_flight = false;
                    }
                    return (Err(e), reached);
                }
            }
        }
        let e =
            last.unwrap_or(ProviderError::Unavailable { http_status: None, provider_code: None, retry_after: None });
        (Err(e), reached)
    }

    /// After a crash: asks the providers that may have the message, in order, up to `furthest`
    /// (the last one it was handed to; `None`: only the first). Found by one → found; not found by
    /// all of them → not found; one of them cannot be asked → unsupported (an operator decides).
    pub async fn find_sent_upto(&self, lookup: Lookup<'_>, furthest: Option<&str>) -> Result<Found, ProviderError> {
        let mut unsupported = false;
        for m in &self.members {
            let l = Lookup { to: lookup.to, body: lookup.body, since: lookup.since, exclude: lookup.exclude };
            match m.provider.find_sent(l).await? {
                Found::Yes(a) => return Ok(Found::Yes(a)),
                Found::No => {}
                Found::Unsupported => unsupported = true,
            }
            if furthest.is_none_or(|f| f == m.provider.id()) {
                break;
            }
        }
        Ok(if unsupported { Found::Unsupported } else { Found::No })
    }
}

impl Provider for Failover {
    fn id(&self) -> &'static str {
        self.members.first().map_or("none", |m| m.provider.id())
    }

    fn channel(&self) -> Channel {
        self.channel
    }

    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move { self.send_traced(out, &|_| Box::pin(async {}), None).await.0 })
    }

    /// Checks the first provider (each provider is checked on its own in Settings).
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            match self.members.first() {
                Some(m) => m.provider.check().await,
                None => Err(ProviderError::Unavailable { http_status: None, provider_code: None, retry_after: None }),
            }
        })
    }

    fn poll_status<'a>(&'a self, provider_message_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        // Callers poll the member that took the message (`provider(id)`); this asks the first.
        Box::pin(async move {
            match self.members.first() {
                Some(m) => m.provider.poll_status(provider_message_id).await,
                None => Ok(None),
            }
        })
    }

    /// Asks every member (see [`Failover::find_sent_upto`]).
    fn find_sent<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Found, ProviderError>> {
        let last = self.members.last().map(|m| m.provider.id());
        Box::pin(async move { self.find_sent_upto(lookup, last).await })
    }
}
