//! Per-client rate limits for the API (governor's keyed limiter, generic cell rate): a client is
//! its bearer token, or its address when it has none. Over the limit it gets `429` with
//! `Retry-After` and the translated `api.rate_limited`.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use wasel_core::ErrorPayload;

use super::error::{ApiError, language};

/// How many requests a client may make.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for RateLimit {
    /// A desk or an ERP sends far less; a runaway script is stopped.
    fn default() -> Self {
        Self { per_second: 50, burst: 100 }
    }
}

impl RateLimit {
    /// `WASEL_API_RATE_PER_SEC` and `WASEL_API_BURST` override the defaults.
    pub fn from_env() -> Self {
        let get = |k: &str, d: u32| std::env::var(k).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(d);
        let d = Self::default();
        Self { per_second: get("WASEL_API_RATE_PER_SEC", d.per_second), burst: get("WASEL_API_BURST", d.burst) }
    }
}

#[derive(Clone)]
pub struct Limiter {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    seen: Arc<AtomicU64>,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Self {
        let per_second = NonZeroU32::new(limit.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limit.burst).unwrap_or(per_second);
        let quota = Quota::per_second(per_second).allow_burst(burst);
        Self { limiter: Arc::new(RateLimiter::keyed(quota)), seen: Arc::new(AtomicU64::new(0)) }
    }
}

fn client_key(request: &Request) -> String {
    if let Some(auth) = request.headers().get(header::AUTHORIZATION) {
        let digest = Sha256::digest(auth.as_bytes());
        return format!("t:{}", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => format!("ip:{}", addr.ip()),
        None => "ip:unknown".into(),
    }
}

pub async fn limit(State(limiter): State<Limiter>, request: Request, next: Next) -> Response {
    // Forget idle clients now and then, so the table does not grow without end.
    if limiter.seen.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
        limiter.limiter.retain_recent();
    }
    match limiter.limiter.check_key(&client_key(&request)) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let payload = ErrorPayload::new("api.rate_limited").with("seconds", seconds.to_string());
            let mut response = ApiError::new(payload, language(request.headers())).into_response();
            if let Ok(v) = header::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}
