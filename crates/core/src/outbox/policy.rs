//! When to try again: exponential backoff with jitter, `Retry-After` honoured, bounded attempts.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 5, base: Duration::from_secs(2), max_delay: Duration::from_secs(600) }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1`, after `attempt` failed (1-based): `base · 2^(n-1)`
    /// capped at `max_delay`, scaled by a random factor in [0.5, 1.0) so that workers that failed
    /// together do not retry together. A provider's `Retry-After` is a floor.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let capped = exp.min(self.max_delay);
        let jitter: f64 = rand::rng().random_range(0.5..1.0);
        let delay = capped.mul_f64(jitter);
        retry_after.map_or(delay, |floor| delay.max(floor))
    }

    pub fn exhausted(&self, attempts: u32) -> bool {
        attempts >= self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_within_the_jitter_band_and_the_cap() {
        let p = RetryPolicy { max_attempts: 10, base: Duration::from_secs(2), max_delay: Duration::from_secs(60) };
        for attempt in 1..=8 {
            let expected = (2u64 << (attempt - 1)).min(60) as f64;
            for _ in 0..50 {
                let d = p.delay(attempt, None).as_secs_f64();
                assert!(d >= expected * 0.5 && d < expected, "attempt {attempt}: {d}");
            }
        }
    }

    #[test]
    fn retry_after_is_a_floor() {
        let p = RetryPolicy::default();
        assert!(p.delay(1, Some(Duration::from_secs(30))) >= Duration::from_secs(30));
    }
}
