//! Fault switches shared by every simulator: latency, outages, rate limits, 5xx and hung requests.
//! Each provider decides *whether* a request is faulted here and renders the fault in its own error shape.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::lock;

/// What the simulators should do wrong. `Faults::default()` is a healthy provider.
///
/// Rates are probabilities in `0.0..=1.0` (values outside are clamped) rolled independently per request.
/// In JSON the latency is carried as whole milliseconds under `latency_ms`, so
/// `PUT /_sim/faults {"down": true}` or `{"latency_ms": 250, "rate_limit_rate": 0.5}` both work.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added before anything else, on every provider API request.
    #[serde(rename = "latency_ms", with = "millis")]
    pub latency: Duration,
    /// Share of requests answered with a 500 in the provider's error shape.
    pub error_rate: f64,
    /// Share of requests answered with a 429 (Twilio code 20429).
    pub rate_limit_rate: f64,
    /// When set, 429 answers carry `Retry-After: <secs>`.
    pub retry_after_secs: Option<u64>,
    /// Share of requests whose connection is accepted and then never answered.
    pub timeout_rate: f64,
    /// Every provider API request gets a 503.
    pub down: bool,
}

/// The fault a request was picked for, in the order they are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Down,
    /// The request hung until the simulators shut down; answer whatever, nobody is listening.
    TimedOut,
    RateLimited {
        retry_after_secs: Option<u64>,
    },
    ServerError,
}

/// One provider's fault settings, cheap to clone.
#[derive(Clone, Debug, Default)]
pub(crate) struct FaultSwitch(Arc<Mutex<Faults>>);

/// How long a "timeout" fault keeps the request hanging: far longer than any client waits.
const HANG: Duration = Duration::from_secs(3600);

impl FaultSwitch {
    pub(crate) fn set(&self, faults: Faults) {
        *lock(&self.0) = faults;
    }

    pub(crate) fn get(&self) -> Faults {
        lock(&self.0).clone()
    }

    /// Sleeps for the configured latency, then rolls the dice. `None` means: serve the request normally.
    /// A timeout fault only returns once `shutdown` fires, so graceful shutdown is not held up by it.
    pub(crate) async fn apply(&self, shutdown: &watch::Receiver<bool>) -> Option<Fault> {
        let faults = self.get();
        if !faults.latency.is_zero() {
            tokio::time::sleep(faults.latency).await;
        }
        if faults.down {
            return Some(Fault::Down);
        }
        if roll(faults.timeout_rate) {
            let mut shutdown = shutdown.clone();
            tokio::select! {
                () = tokio::time::sleep(HANG) => {}
                // Err means the simulators were dropped: stop hanging as well.
                _ = shutdown.wait_for(|stopped| *stopped) => {}
            }
            return Some(Fault::TimedOut);
        }
        if roll(faults.rate_limit_rate) {
            return Some(Fault::RateLimited { retry_after_secs: faults.retry_after_secs });
        }
        if roll(faults.error_rate) {
            return Some(Fault::ServerError);
        }
        None
    }
}

fn roll(rate: f64) -> bool {
    if rate.is_nan() || rate <= 0.0 {
        return false;
    }
    rate >= 1.0 || rand::random::<f64>() < rate
}

/// `Duration` as whole milliseconds, so the debug API takes plain numbers.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn faults_travel_as_json_with_latency_in_milliseconds() {
        let f = Faults { latency: Duration::from_millis(250), retry_after_secs: Some(3), ..Faults::default() };
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["latency_ms"], 250);
        let back: Faults = serde_json::from_value(json).unwrap();
        assert_eq!(back, f);
        let partial: Faults = serde_json::from_str(r#"{"down":true}"#).unwrap();
        assert!(partial.down);
        assert_eq!(partial.latency, Duration::ZERO);
    }

    #[test]
    fn rates_at_the_edges_are_certain() {
        assert!(!roll(0.0));
        assert!(!roll(f64::NAN));
        assert!(!roll(-1.0));
        assert!(roll(1.0));
        assert!(roll(7.0));
    }
}
