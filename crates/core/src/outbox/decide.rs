//! What becomes of a claimed message after its attempt: a pure decision over what the provider
//! call came to, so each case can be driven alone in a test (no database, no network, no clock).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::MessageStatus;
use crate::domain::policy::RetryPolicy;
use crate::error::ErrorPayload;
use crate::providers::{Accepted, ErrorClass, ProviderError};
use crate::store::queries::outbox::{Attempt, Completion};

/// What the attempt came to.
#[derive(Debug)]
pub enum Outcome {
    /// Not started: too little of the lease was left to finish the call inside it.
    TooLate,
    /// No provider takes this channel (sandbox off and nothing configured).
    NoRoute,
    Accepted(Accepted),
    Failed(ProviderError),
}

/// The claimed message as the decision needs it.
#[derive(Debug, Clone)]
pub struct Attempted {
    pub id: uuid::Uuid,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// The message's own limit.
    pub max_attempts: u32,
    /// The provider the call reached last (after failover), or the route's first; `none`.
    pub provider: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// The completion to record. `jitter` is the retry delay's random factor, in [0.5, 1.0).
pub fn decide(a: Attempted, outcome: Outcome, policy: RetryPolicy, jitter: f64) -> Completion {
    let attempt = |outcome: &'static str| Attempt {
        attempt_no: i32::try_from(a.attempts).unwrap_or(i32::MAX),
        provider: a.provider.clone(),
        started_at: a.started_at,
        finished_at: a.finished_at,
        http_status: None,
        provider_error_code: None,
        error_class: None,
        outcome,
    };
    let completion = |status: MessageStatus, attempt: Attempt| Completion {
        id: a.id,
        status,
        provider: a.provider.clone(),
        provider_message_id: None,
        error: None,
        next_attempt_at: None,
        attempt,
        detail: None,
        give_back: false,
    };
    match outcome {
        Outcome::TooLate => Completion {
            next_attempt_at: Some(a.started_at),
            detail: Some("not sent: too little of the lease left; back in the queue".into()),
            give_back: true,
            ..completion(MessageStatus::Queued, attempt("skipped"))
        },
        Outcome::NoRoute => Completion {
            error: Some(ErrorPayload::new("provider.not_configured")),
            detail: Some("provider.not_configured".into()),
            ..completion(
                MessageStatus::Failed,
                Attempt { error_class: Some(ErrorClass::Permanent.as_str()), ..attempt("error") },
            )
        },
        Outcome::Accepted(accepted) => Completion {
            provider: accepted.provider.to_owned(),
            provider_message_id: Some(accepted.provider_message_id),
            ..completion(
                accepted.status,
                Attempt {
                    http_status: Some(i32::from(accepted.http_status)),
                    provider: accepted.provider.to_owned(),
                    ..attempt("accepted")
                },
            )
        },
        // Our own limit for this account: not a failure, nothing was sent. Wait and retry
        // without using up an attempt.
        Outcome::Failed(ProviderError::RateLimited { provider_code: Some(code), retry_after, .. })
            if code == crate::providers::limit::LOCAL_CODE =>
        {
            let wait = chrono::Duration::from_std(retry_after.unwrap_or_default()).unwrap_or_default();
            Completion {
                next_attempt_at: Some(a.finished_at + wait),
                detail: Some("not sent: this account's rate limit; back in the queue".into()),
                give_back: true,
                ..completion(MessageStatus::Queued, attempt("skipped"))
            }
        }
        Outcome::Failed(e) => {
            let class = e.class();
            let own = crate::Error::from(e.clone()).payload();
            let (status, next, reason) = if matches!(e, ProviderError::Timeout) {
                // The request may have reached the provider: never resend blindly. `unknown`
                // is reconciled by asking the provider (or left to an operator).
                (MessageStatus::Unknown, None, own)
            } else if class == ErrorClass::Permanent {
                (MessageStatus::Failed, None, own)
            } else if policy.exhausted_for(a.attempts, a.max_attempts) {
                // The words of a retryable error ("it will be retried") belong to the attempt;
                // the final reason says that sending stopped, and why.
                (MessageStatus::Failed, None, gave_up(a.attempts, &own))
            } else {
                let wait = policy.delay_with(a.attempts, e.retry_after(), jitter);
                (MessageStatus::Queued, Some(a.finished_at + chrono::Duration::from_std(wait).unwrap_or_default()), own)
            };
            Completion {
                error: Some(reason),
                next_attempt_at: next,
                detail: Some(format!("{} ({})", e.code(), class.as_str())),
                ..completion(
                    status,
                    Attempt {
                        http_status: e.http_status().map(i32::from),
                        provider_error_code: e.provider_code().map(str::to_owned),
                        error_class: Some(class.as_str()),
                        ..attempt("error")
                    },
                )
            }
        }
    }
}

/// The final reason of a message whose every attempt met a passing fault: how many attempts, and
/// the last answer's code.
fn gave_up(attempts: u32, last: &ErrorPayload) -> ErrorPayload {
    let mut reason =
        ErrorPayload::new("outbox.gave_up").with("attempts", attempts.to_string()).with("last", &last.code);
    if let Some(code) = last.params.get("code") {
        reason = reason.with("code", code.clone());
    }
    reason
}

/// How long until a retry, for tests and logs.
pub fn wait_of(c: &Completion) -> Option<Duration> {
    c.next_attempt_at.and_then(|at| (at - c.attempt.finished_at).to_std().ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn attempted(attempts: u32) -> Attempted {
        let at = DateTime::parse_from_rfc3339("2026-12-04T09:00:00Z").unwrap().with_timezone(&Utc);
        Attempted {
            id: uuid::Uuid::now_v7(),
            attempts,
            max_attempts: 5,
            provider: "twilio".into(),
            started_at: at,
            finished_at: at + chrono::Duration::milliseconds(120),
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy { max_attempts: 5, base: Duration::from_secs(2), max_delay: Duration::from_secs(600) }
    }

    fn server_error() -> ProviderError {
        ProviderError::Unavailable { http_status: Some(503), provider_code: None, retry_after: None }
    }

    #[test]
    fn an_accepted_message_records_the_providers_id_and_status() {
        let accepted = Accepted {
            provider: "taqnyat",
            provider_message_id: "T-1".into(),
            status: MessageStatus::Sent,
            http_status: 201,
        };
        let c = decide(attempted(1), Outcome::Accepted(accepted), policy(), 0.5);
        assert_eq!((c.status, c.provider.as_str()), (MessageStatus::Sent, "taqnyat"));
        assert_eq!(c.provider_message_id.as_deref(), Some("T-1"));
        assert_eq!((c.attempt.outcome, c.attempt.http_status), ("accepted", Some(201)));
        assert!(!c.give_back && c.error.is_none() && c.next_attempt_at.is_none());
    }

    #[test]
    fn a_server_error_is_retried_after_the_backoff_and_fails_when_attempts_run_out() {
        let c = decide(attempted(2), Outcome::Failed(server_error()), policy(), 0.5);
        assert_eq!(c.status, MessageStatus::Queued);
        // Attempt 2 failed: base · 2 = 4 s, times the jitter 0.5.
        assert_eq!(wait_of(&c), Some(Duration::from_secs(2)));
        assert_eq!((c.attempt.outcome, c.attempt.http_status), ("error", Some(503)));
        let last = decide(attempted(5), Outcome::Failed(server_error()), policy(), 0.5);
        assert_eq!((last.status, last.next_attempt_at), (MessageStatus::Failed, None));
        // The final reason says sending stopped, not that it will be retried.
        let reason = last.error.unwrap();
        assert_eq!(reason.code, "outbox.gave_up");
        assert_eq!(reason.params.get("attempts").map(String::as_str), Some("5"));
        assert_eq!(reason.params.get("last").map(String::as_str), Some("provider.unavailable"));
    }

    #[test]
    fn a_providers_retry_after_is_a_floor() {
        let limited = ProviderError::RateLimited {
            http_status: 429,
            provider_code: None,
            retry_after: Some(Duration::from_secs(30)),
        };
        let c = decide(attempted(1), Outcome::Failed(limited), policy(), 0.5);
        assert_eq!((c.status, wait_of(&c)), (MessageStatus::Queued, Some(Duration::from_secs(30))));
    }

    #[test]
    fn our_own_rate_limit_waits_without_using_an_attempt() {
        let local = ProviderError::RateLimited {
            http_status: 429,
            provider_code: Some(crate::providers::limit::LOCAL_CODE.into()),
            retry_after: Some(Duration::from_millis(250)),
        };
        let c = decide(attempted(5), Outcome::Failed(local), policy(), 0.5);
        assert_eq!((c.status, c.give_back, c.attempt.outcome), (MessageStatus::Queued, true, "skipped"));
        assert_eq!(wait_of(&c), Some(Duration::from_millis(250)));
    }

    #[test]
    fn a_timeout_is_never_retried_blindly() {
        let c = decide(attempted(1), Outcome::Failed(ProviderError::Timeout), policy(), 0.5);
        assert_eq!((c.status, c.next_attempt_at), (MessageStatus::Unknown, None));
    }

    #[test]
    fn a_permanent_error_fails_at_once_with_its_reason() {
        let c = decide(
            attempted(1),
            Outcome::Failed(ProviderError::InvalidNumber { http_status: 400, provider_code: Some("21211".into()) }),
            policy(),
            0.5,
        );
        assert_eq!(c.status, MessageStatus::Failed);
        assert_eq!(c.attempt.error_class, Some("permanent"));
        assert!(c.error.is_some());
    }

    #[test]
    fn every_final_reason_says_what_happened_and_promises_no_retry() {
        let errors = [
            server_error(),
            ProviderError::RateLimited { http_status: 429, provider_code: None, retry_after: None },
            ProviderError::BadResponse { http_status: Some(200), detail: "not json".into() },
            ProviderError::AuthFailed { http_status: 401, provider_code: Some("20003".into()) },
            ProviderError::InvalidNumber { http_status: 400, provider_code: Some("21211".into()) },
            ProviderError::OptedOut { http_status: 400, provider_code: Some("21610".into()) },
            ProviderError::Rejected { http_status: 400, provider_code: Some("x".into()), message: "no".into() },
            ProviderError::TemplateInvalid { http_status: Some(400), provider_code: Some("132001".into()) },
            ProviderError::ContentInvalid { http_status: Some(400), provider_code: Some("21617".into()) },
            ProviderError::OutsideWindow { http_status: Some(400), provider_code: Some("131047".into()) },
        ];
        for e in errors {
            let class = e.class();
            let c = decide(attempted(5), Outcome::Failed(e), policy(), 0.5);
            assert_eq!(c.status, MessageStatus::Failed, "{class:?}");
            let reason = c.error.unwrap();
            for lang in crate::i18n::LANGUAGES {
                let text = reason.localized(lang);
                assert!(!text.is_empty() && !text.contains("%{"), "{}: {text}", reason.code);
                for promise in ["retried", "will be sent", "ستُعاد", "سيُعاد"] {
                    assert!(!text.contains(promise), "{} ({lang}) promises a retry: {text}", reason.code);
                }
            }
        }
    }

    #[test]
    fn a_lowered_limit_ends_retries_of_messages_queued_before() {
        let lowered = RetryPolicy { max_attempts: 2, ..policy() };
        let c = decide(attempted(2), Outcome::Failed(server_error()), lowered, 0.5);
        assert_eq!(c.status, MessageStatus::Failed);
    }

    #[test]
    fn no_route_fails_and_too_late_gives_the_claim_back() {
        let none = decide(attempted(1), Outcome::NoRoute, policy(), 0.5);
        assert_eq!(none.status, MessageStatus::Failed);
        assert_eq!(none.error.map(|e| e.code).as_deref(), Some("provider.not_configured"));
        let late = decide(attempted(1), Outcome::TooLate, policy(), 0.5);
        assert_eq!((late.status, late.give_back, late.attempt.outcome), (MessageStatus::Queued, true, "skipped"));
    }
}
