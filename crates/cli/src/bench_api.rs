//! `wasel bench api`: the HTTP API under many clients, each signed in with its own token and
//! sending SMS through `POST /api/communication/send-sms` with a fresh Idempotency-Key per
//! request, while a dispatcher drains the queue to the simulator as in production. The baseline,
//! measured in the same run on the same database: the same sends made in-process (no HTTP, no
//! token), at the same concurrency.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use uuid::Uuid;
use wasel_core::api::{NewUserInput, Role, SYSTEM, SendSmsInput};
use wasel_core::{Error, Result, Wasel};

use crate::bench::{BenchOptions, drop_target, open, per_s, percentile, still_simulators, target};

#[derive(Debug, Clone)]
pub struct ApiBenchOptions {
    pub backend: String,
    pub postgres_url: Option<String>,
    pub clients: usize,
    pub seconds: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiBenchReport {
    pub bench: &'static str,
    pub backend: String,
    pub clients: usize,
    pub seconds: u64,
    pub requests: usize,
    pub requests_per_s: f64,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The same sends in-process (no HTTP, no token checks), same concurrency and database.
    pub core_send_per_s: f64,
    pub api_vs_core: f64,
    /// Messages the dispatcher sent to the simulator while the API was being called.
    pub dispatched: i64,
    pub build: &'static str,
}

const PASSWORD: &str = "Bench-Client-2026";

pub async fn api(opts: ApiBenchOptions) -> Result<ApiBenchReport> {
    let sim = still_simulators().await?;
    let outbox_opts = BenchOptions {
        backend: opts.backend.clone(),
        postgres_url: opts.postgres_url.clone(),
        messages: 0,
        workers: 1,
        latency_messages: 0,
    };
    let target = target(&outbox_opts).await?;
    let result = run(&opts, &target.url, &sim.base_url()).await;
    sim.shutdown().await;
    drop_target(target).await;
    result
}

fn sms(to: usize, tag: &str) -> SendSmsInput {
    SendSmsInput {
        to: format!("05550{:05}", to % 100_000),
        body: format!("Bench {tag}: reminder for tomorrow 09:30"),
        guardian_id: None,
        idempotency_key: None,
        send_at: None,
        expires_at: None,
        urgent: Some(true),
    }
}

/// The request body a client sends (the API's JSON for `SendSmsInput`).
fn body(to: usize, tag: &str) -> serde_json::Value {
    let s = sms(to, tag);
    serde_json::json!({ "to": s.to, "body": s.body, "urgent": true })
}

async fn run(opts: &ApiBenchOptions, url: &str, sandbox_url: &str) -> Result<ApiBenchReport> {
    let wasel = Arc::new(open(url, sandbox_url).await?);
    let clients = opts.clients.max(1);
    let seconds = opts.seconds.max(1);
    let input = NewUserInput {
        username: "bench-desk".into(),
        display_name: "Bench desk".into(),
        password: PASSWORD.into(),
        roles: vec![Role::Reception],
    };
    wasel.users(&SYSTEM).create_user(input).await?;
    // The limiter is on, with room for the bench's clients (each has its own token).
    let limit = wasel_server::api::RateLimit { per_second: 100_000, burst: 100_000 };
    let base = wasel_server::serve(Arc::clone(&wasel), "127.0.0.1:0", "http://127.0.0.1", limit).await?;
    let background = wasel.start_background();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .map_err(|e| Error::Internal(e.to_string()))?;

    let mut tokens = Vec::with_capacity(clients);
    for _ in 0..clients {
        let r = http
            .post(format!("{base}/api/auth/login"))
            .json(&serde_json::json!({ "username": "bench-desk", "password": PASSWORD }))
            .send()
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        let tokens_json: serde_json::Value = r.json().await.map_err(|e| Error::Internal(e.to_string()))?;
        let access = tokens_json["access_token"].as_str().ok_or_else(|| Error::Internal("no token".into()))?;
        tokens.push(access.to_owned());
    }

    let run_id = Uuid::now_v7().simple().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, token) in tokens.into_iter().enumerate() {
        let (http, base, stop, run_id) = (http.clone(), base.clone(), Arc::clone(&stop), run_id.clone());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut errors, mut i) = (Vec::new(), 0usize, 0usize);
            while !stop.load(Ordering::Relaxed) {
                let key = format!("{run_id}-{c}-{i}");
                let t0 = Instant::now();
                let sent = http
                    .post(format!("{base}/api/communication/send-sms"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", &key)
                    .json(&body(c * 1000 + i, &key))
                    .send()
                    .await;
                let ok = matches!(&sent, Ok(r) if r.status() == reqwest::StatusCode::CREATED);
                if let Ok(r) = sent {
                    let _ = r.bytes().await;
                }
                latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
                errors += usize::from(!ok);
                i += 1;
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await.map_err(|e| Error::Internal(e.to_string()))?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort_by(f64::total_cmp);
    let dispatched = sent_count(&wasel).await?;

    // Baseline: the same sends in-process, same concurrency, for a third of the time (at least 5 s).
    let base_secs = (seconds / 3).max(5);
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let t0 = Instant::now();
    for c in 0..clients {
        let (wasel, stop, run_id) = (Arc::clone(&wasel), Arc::clone(&stop), run_id.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let mut input = sms(c * 1000 + n, &run_id);
                input.idempotency_key = Some(format!("{run_id}-core-{c}-{n}"));
                if wasel.messaging(&SYSTEM).send_sms(input).await.is_ok() {
                    n += 1;
                }
            }
            n
        }));
    }
    tokio::time::sleep(Duration::from_secs(base_secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut core_sends = 0;
    for t in tasks {
        core_sends += t.await.map_err(|e| Error::Internal(e.to_string()))?;
    }
    let core_send_per_s = per_s(core_sends, t0.elapsed());
    wasel.stop().await;
    for h in background {
        let _ = h.await;
    }

    let requests_per_s = per_s(latencies.len(), elapsed);
    Ok(ApiBenchReport {
        bench: "api",
        backend: opts.backend.clone(),
        clients,
        seconds,
        requests: latencies.len(),
        requests_per_s,
        errors,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: latencies.last().map_or(0.0, |m| (m * 100.0).round() / 100.0),
        core_send_per_s,
        api_vs_core: if core_send_per_s > 0.0 {
            (requests_per_s / core_send_per_s * 1000.0).round() / 1000.0
        } else {
            0.0
        },
        dispatched,
        build: if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

async fn sent_count(wasel: &Wasel) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM messages WHERE status IN ('sent', 'delivered', 'read')";
    let (n,): (i64,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(SQL).fetch_one(p).await?);
    Ok(n)
}
