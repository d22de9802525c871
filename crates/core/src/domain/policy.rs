//! When to try again: exponential backoff with jitter, `Retry-After` honoured, bounded attempts.

use std::time::Duration;

use rand::Rng;

/// The outbox's settings for one channel, changeable while workers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxConfig {
    pub policy: RetryPolicy,
    pub quiet_hours: Option<QuietHours>,
}

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
        self.delay_with(attempt, retry_after, random_jitter())
    }

    /// [`RetryPolicy::delay`] with the random factor given (`jitter` in [0.5, 1.0)).
    pub fn delay_with(&self, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let exp = self.base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let capped = exp.min(self.max_delay);
        let delay = capped.mul_f64(jitter.clamp(0.5, 1.0));
        retry_after.map_or(delay, |floor| delay.max(floor))
    }

    /// Whether a message allowed `own_max` attempts (its row's limit) has used them all, under
    /// this policy's limit too (an administrator may have lowered it since it was queued).
    pub fn exhausted_for(&self, attempts: u32, own_max: u32) -> bool {
        attempts >= own_max.min(self.max_attempts)
    }

    pub fn exhausted(&self, attempts: u32) -> bool {
        attempts >= self.max_attempts
    }
}

/// The random factor of a retry delay: workers that failed together do not retry together.
pub fn random_jitter() -> f64 {
    rand::rng().random_range(0.5..1.0)
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

/// Hours (Asia/Riyadh) when non-urgent messages wait: `22:00-07:00` wraps midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
}

impl QuietHours {
    /// Parses `HH:MM-HH:MM`.
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.trim().split_once('-')?;
        let start = chrono::NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
        let end = chrono::NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
        (start != end).then_some(Self { start, end })
    }

    fn local(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono_tz::Tz> {
        at.with_timezone(&chrono_tz::Asia::Riyadh)
    }

    pub fn contains(&self, at: chrono::DateTime<chrono::Utc>) -> bool {
        let t = Self::local(at).time();
        if self.start < self.end { t >= self.start && t < self.end } else { t >= self.start || t < self.end }
    }

    /// The first minute at or after `at` outside the quiet hours.
    pub fn next_allowed(&self, at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        use chrono::TimeZone;
        if !self.contains(at) {
            return at;
        }
        let local = Self::local(at);
        let mut day = local.date_naive();
        if self.start > self.end && local.time() >= self.start {
            day = day.succ_opt().unwrap_or(day);
        }
        chrono_tz::Asia::Riyadh
            .from_local_datetime(&day.and_time(self.end))
            .earliest()
            .map_or(at, |d| d.with_timezone(&chrono::Utc))
    }
}

#[cfg(test)]
mod quiet_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn riyadh(h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
        chrono_tz::Asia::Riyadh.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap().with_timezone(&chrono::Utc)
    }

    #[test]
    fn a_night_window_defers_to_the_next_morning() {
        let q = QuietHours::parse("22:00-07:00").unwrap();
        assert!(
            q.contains(riyadh(23, 30))
                && q.contains(riyadh(3, 0))
                && !q.contains(riyadh(7, 0))
                && !q.contains(riyadh(12, 0))
        );
        let next = q.next_allowed(riyadh(23, 30)).with_timezone(&chrono_tz::Asia::Riyadh);
        assert_eq!((next.format("%d %H:%M").to_string()), "26 07:00");
        let next = q.next_allowed(riyadh(3, 0)).with_timezone(&chrono_tz::Asia::Riyadh);
        assert_eq!((next.format("%d %H:%M").to_string()), "25 07:00");
        assert_eq!(q.next_allowed(riyadh(12, 0)), riyadh(12, 0));
    }

    #[test]
    fn a_day_window_works_too_and_nonsense_is_refused() {
        let q = QuietHours::parse("13:00-15:00").unwrap();
        assert!(q.contains(riyadh(14, 0)) && !q.contains(riyadh(16, 0)));
        assert!(QuietHours::parse("25:00-07:00").is_none() && QuietHours::parse("07:00-07:00").is_none());
    }
}
