//! A rate limit per provider account (`governor`'s GCRA): a call waits for its turn when the wait
//! is short, and otherwise comes back as "rate limited" with the wait as `Retry-After`, so the
//! outbox retries it later instead of holding a lease. The limit is per process; several workers
//! on one account should divide the provider's rate between them.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::domain::Channel;
use crate::providers::{Accepted, BoxFuture, Found, Lookup, Outgoing, Provider, ProviderError, Report};

/// `provider_code` of a "rate limited" that is our own limit, not the provider's answer.
pub const LOCAL_CODE: &str = "local";

/// The longest a call waits for its turn before it is handed back to the queue.
const MAX_WAIT: Duration = Duration::from_secs(2);

pub struct Limited {
    inner: Arc<dyn Provider>,
    limiter: DefaultDirectRateLimiter,
    per_sec: u32,
}

impl Limited {
    /// `per_sec` requests a second, with a burst of the same size (at least one).
    pub fn new(inner: Arc<dyn Provider>, per_sec: u32) -> Self {
        let rate = NonZeroU32::new(per_sec.max(1)).unwrap_or(NonZeroU32::MIN);
        Self { inner, limiter: RateLimiter::direct(Quota::per_second(rate)), per_sec: rate.get() }
    }

    pub fn per_sec(&self) -> u32 {
        self.per_sec
    }

    /// Waits for a turn, or says how long the caller should wait instead.
    async fn turn(&self) -> Result<(), ProviderError> {
        let started = std::time::Instant::now();
        loop {
            match self.limiter.check() {
                Ok(()) => return Ok(()),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(DefaultClock::default().now());
                    if started.elapsed() + wait > MAX_WAIT {
                        return Err(ProviderError::RateLimited {
                            http_status: 429,
                            provider_code: Some(LOCAL_CODE.into()),
                            retry_after: Some(wait),
                        });
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

impl Provider for Limited {
    fn id(&self) -> &'static str {
        self.inner.id()
    }

    fn channel(&self) -> Channel {
        self.inner.channel()
    }

    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            self.turn().await?;
            self.inner.send(out).await
        })
    }

    fn poll_status<'a>(&'a self, provider_message_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        self.inner.poll_status(provider_message_id)
    }

    fn find_sent<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Found, ProviderError>> {
        self.inner.find_sent(lookup)
    }

    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        self.inner.check()
    }

    fn templates(&self) -> Option<&dyn crate::providers::whatsapp::TemplateSource> {
        self.inner.templates()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::{Content, MessageStatus};

    struct Counter(std::sync::atomic::AtomicUsize);

    impl Provider for Counter {
        fn id(&self) -> &'static str {
            "counter"
        }
        fn channel(&self) -> Channel {
            Channel::Sms
        }
        fn send<'a>(&'a self, _out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move {
                Ok(Accepted {
                    provider: "counter",
                    provider_message_id: n.to_string(),
                    status: MessageStatus::Sent,
                    http_status: 200,
                })
            })
        }
        fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
            Box::pin(async { Ok(String::new()) })
        }
    }

    fn out() -> Outgoing<'static> {
        Outgoing { to: "+966555001234", body: "x", content: &Content::Sms, reference: "r", idempotency_key: "k" }
    }

    #[tokio::test]
    async fn calls_beyond_the_rate_wait_their_turn() {
        let limited = Limited::new(Arc::new(Counter(0.into())), 20);
        let started = std::time::Instant::now();
        for _ in 0..30 {
            limited.send(out()).await.unwrap();
        }
        // 20 go at once (the burst), the other 10 at 20 a second.
        assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn callers_that_would_wait_too_long_are_handed_back_as_rate_limited() {
        let limited = Arc::new(Limited::new(Arc::new(Counter(0.into())), 1));
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let l = Arc::clone(&limited);
            calls.spawn(async move { l.send(out()).await.map(|_| ()) });
        }
        let (mut ok, mut refused) = (0, 0);
        while let Some(r) = calls.join_next().await {
            match r.unwrap() {
                Ok(()) => ok += 1,
                Err(e) => {
                    assert_eq!(e.code(), "provider.rate_limited");
                    assert!(e.retry_after().is_some_and(|w| w > Duration::ZERO));
                    refused += 1;
                }
            }
        }
        // One a second for at most two seconds of waiting: about three go, the rest come back.
        assert!((1..=3).contains(&ok), "ok={ok}");
        assert_eq!(ok + refused, 6);
    }
}
