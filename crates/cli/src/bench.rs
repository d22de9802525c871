//! `wasel bench outbox`: throughput and latency of the outbox against the Twilio simulator, with
//! raw baselines measured in the same run on the same database (DESIGN §3, issue 4).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Subcommand;
use serde::Serialize;
use tokio::sync::watch;
use uuid::Uuid;

use wasel_core::api::{SYSTEM, SendSmsInput};
use wasel_core::context::Options;
use wasel_core::secrets::MemorySecrets;
use wasel_core::store::{Db, now};
use wasel_core::{Error, Result, Wasel, WaselConfig, on_db};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// A PostgreSQL server to create a throwaway database on (for `postgres`).
    pub postgres_url: Option<String>,
    pub messages: usize,
    pub workers: usize,
    /// Messages sent at a steady 100 msg/s for the latency figures.
    pub latency_messages: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub bench: &'static str,
    pub backend: String,
    pub messages: usize,
    pub workers: usize,
    pub enqueue_per_s: f64,
    pub dispatch_per_s: f64,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    pub latency_messages: usize,
    pub raw_insert_per_s: f64,
    pub raw_claim_per_s: Option<f64>,
    pub enqueue_vs_raw_insert: f64,
    pub dispatch_vs_raw_claim: Option<f64>,
    pub build: &'static str,
}

pub(crate) fn per_s(n: usize, d: Duration) -> f64 {
    (n as f64 / d.as_secs_f64() * 10.0).round() / 10.0
}

fn input(i: usize, run: &str) -> SendSmsInput {
    SendSmsInput {
        to: format!("05550{:05}", i % 100_000),
        body: format!("Bench {run} #{i}: reminder for tomorrow 09:30"),
        guardian_id: None,
        idempotency_key: Some(format!("bench-{run}-{i}")),
        send_at: None,
        expires_at: None,
        urgent: Some(true),
    }
}

pub(crate) struct Target {
    pub(crate) url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile_dir::TempDir>,
}

mod tempfile_dir {
    /// A directory removed on drop (the bench's SQLite file).
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub(crate) async fn target(opts: &BenchOptions) -> Result<Target> {
    match opts.backend.as_str() {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("wasel-bench-{}", Uuid::now_v7().simple()));
            std::fs::create_dir_all(&dir).map_err(|e| Error::Internal(e.to_string()))?;
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            Ok(Target { url, cleanup: None, _dir: Some(tempfile_dir::TempDir(dir)) })
        }
        "postgres" => {
            use sqlx::Connection;
            let admin = opts.postgres_url.clone().ok_or_else(|| Error::invalid("bench.postgres_url_required"))?;
            let name = format!("wasel_bench_{}", Uuid::now_v7().simple());
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            Ok(Target { url: format!("{base}/{name}"), cleanup: Some((admin.clone(), name)), _dir: None })
        }
        _ => Err(Error::invalid("bench.backend_invalid")),
    }
}

pub(crate) async fn drop_target(t: Target) {
    if let Some((admin, name)) = t.cleanup {
        use sqlx::Connection;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut conn)
                .await;
        }
    }
}

pub(crate) async fn open(url: &str, sandbox_url: &str) -> Result<Wasel> {
    let config = WaselConfig {
        database_url: Some(url.to_owned()),
        data_dir: std::env::temp_dir(),
        secrets: Arc::new(MemorySecrets::default()),
        sandbox: None,
        options: Options {
            worker_name: "bench".into(),
            poll_interval: Duration::from_secs(3600),
            lease: Duration::from_secs(60),
            breaker: wasel_core::providers::failover::BreakerPolicy::default(),
        },
    };
    wasel_sandbox::open(config, Some(sandbox_url.to_owned())).await
}

async fn clear(db: &Db) -> Result<()> {
    for sql in ["DELETE FROM message_attempts", "DELETE FROM message_events", "DELETE FROM messages"] {
        on_db!(db, p => sqlx::query(sql).execute(p).await?.rows_affected());
    }
    Ok(())
}

/// Batched inserts of the same rows with no logic: the floor for enqueue.
async fn raw_insert(db: &Db, n: usize) -> Result<Duration> {
    let at = now();
    let started = Instant::now();
    let ids: Vec<usize> = (0..n).collect();
    for chunk in ids.chunks(500) {
        on_db!(db, p => {
            let mut tx = p.begin().await?;
            let mut b = sqlx::QueryBuilder::new(
                "INSERT INTO messages (id, idempotency_key, channel, status, to_address, body, encoding, segments, urgent, sandbox, \
                 max_attempts, next_attempt_at, created_at, updated_at) ",
            );
            b.push_values(chunk, |mut row, i| {
                row.push_bind(Uuid::now_v7())
                    .push_bind(format!("raw-{i}"))
                    .push_bind("sms")
                    .push_bind("queued")
                    .push_bind(format!("+9665550{:05}", i % 100_000))
                    .push_bind(format!("Bench raw #{i}: reminder for tomorrow 09:30"))
                    .push_bind("gsm7")
                    .push_bind(1)
                    .push_bind(true)
                    .push_bind(true)
                    .push_bind(5)
                    .push_bind(at)
                    .push_bind(at)
                    .push_bind(at);
            });
            b.build().execute(&mut *tx).await?;
            tx.commit().await?;
        });
    }
    Ok(started.elapsed())
}

/// A bare `FOR UPDATE SKIP LOCKED` claim-and-update loop, one row per transaction, `workers`
/// connections: the floor for PostgreSQL dispatch.
async fn raw_claim(db: &Db, n: usize, workers: usize) -> Result<Duration> {
    let Db::Postgres(pool) = db else { return Ok(Duration::ZERO) };
    const CLAIM: &str = "UPDATE messages SET status = 'sending' WHERE id = \
        (SELECT id FROM messages WHERE status = 'queued' ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id";
    const DONE: &str = "UPDATE messages SET status = 'sent' WHERE id = $1";
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0usize;
            loop {
                let mut tx = pool.begin().await?;
                let row: Option<(Uuid,)> = sqlx::query_as(CLAIM).fetch_optional(&mut *tx).await?;
                let Some((id,)) = row else { break };
                sqlx::query(DONE).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                done += 1;
            }
            Ok::<usize, sqlx::Error>(done)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.map_err(|e| Error::Internal(e.to_string()))??;
    }
    if total != n {
        tracing::warn!(total, n, "raw claim loop processed a different count");
    }
    Ok(started.elapsed())
}

async fn count_status(db: &Db, status: &str) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM messages WHERE status = $1";
    let (n,): (i64,) = on_db!(db, p => sqlx::query_as(SQL).bind(status).fetch_one(p).await?);
    Ok(n)
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[idx.min(sorted.len() - 1)] * 100.0).round() / 100.0
}

/// The simulators with Twilio's statuses held still (no callbacks during a bench): only the
/// create call and what Wasel does around it are measured.
pub(crate) async fn still_simulators() -> Result<wasel_sim::Simulators> {
    let twilio = wasel_sim::twilio::TwilioOptions {
        sending_after: Duration::from_secs(3600),
        sent_after: Duration::from_secs(3600),
        delivered_after: Duration::from_secs(3600),
        ..Default::default()
    };
    wasel_sim::start(wasel_sim::SimOptions { twilio, ..Default::default() })
        .await
        .map_err(|e| Error::Internal(e.to_string()))
}

pub async fn outbox(opts: BenchOptions) -> Result<BenchReport> {
    let sim = still_simulators().await?;
    let target = target(&opts).await?;
    let result = run(&opts, &target.url, &sim).await;
    sim.shutdown().await;
    drop_target(target).await;
    result
}

async fn run(opts: &BenchOptions, url: &str, sim: &wasel_sim::Simulators) -> Result<BenchReport> {
    let wasel = Arc::new(open(url, &sim.base_url()).await?);
    let db = wasel.db().clone();
    let n = opts.messages.max(1);
    let workers = opts.workers.max(1);

    // Baselines.
    let raw_insert_time = raw_insert(&db, n).await?;
    let raw_claim_time =
        if matches!(db, Db::Postgres(_)) { Some(raw_claim(&db, n, workers.max(4)).await?) } else { None };
    clear(&db).await?;

    // Enqueue through the API, `workers` callers at once.
    let run_id = Uuid::now_v7().simple().to_string();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let wasel = Arc::clone(&wasel);
        let run_id = run_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while i < n {
                wasel.messaging(&SYSTEM).send_sms(input(i, &run_id)).await?;
                i += workers;
            }
            Ok::<(), Error>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| Error::Internal(e.to_string()))??;
    }
    let enqueue_time = started.elapsed();

    // Dispatch everything with `workers` dispatchers (SQLite: one database, one writer at a time).
    let (stop, stop_rx) = watch::channel(false);
    let started = Instant::now();
    let mut handles = Vec::new();
    for w in 0..workers {
        let mut d = wasel.dispatcher();
        d.owner = format!("bench-{w}");
        handles.push(tokio::spawn(d.run(stop_rx.clone())));
    }
    loop {
        if count_status(&db, "sent").await? >= i64::try_from(n).unwrap_or(i64::MAX) {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(Error::Internal("dispatch did not finish within 10 minutes".into()));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let dispatch_time = started.elapsed();

    // Latency at a steady 100 msg/s, dispatchers idle and waiting.
    let m = opts.latency_messages.max(1);
    let latency_run = format!("{run_id}-lat");
    let mut enqueued_at: HashMap<String, chrono::DateTime<chrono::Utc>> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    for i in 0..m {
        tick.tick().await;
        let inp = input(n + i, &latency_run);
        let body = inp.body.clone();
        let t0 = chrono::Utc::now();
        wasel.messaging(&SYSTEM).send_sms(inp).await?;
        enqueued_at.insert(body, t0);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut latencies: Vec<f64>;
    loop {
        latencies = sim
            .twilio()
            .messages()
            .into_iter()
            .filter_map(|msg| {
                enqueued_at
                    .get(&msg.body)
                    .map(|t0| (msg.date_created - *t0).num_microseconds().unwrap_or(0) as f64 / 1000.0)
            })
            .collect();
        if latencies.len() >= m || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(true);
    for h in handles {
        let _ = h.await;
    }
    latencies.sort_by(f64::total_cmp);

    let enqueue_per_s = per_s(n, enqueue_time);
    let dispatch_per_s = per_s(n, dispatch_time);
    let raw_insert_per_s = per_s(n, raw_insert_time);
    let raw_claim_per_s = raw_claim_time.map(|t| per_s(n, t));
    Ok(BenchReport {
        bench: "outbox",
        backend: opts.backend.clone(),
        messages: n,
        workers,
        enqueue_per_s,
        dispatch_per_s,
        latency_p50_ms: percentile(&latencies, 0.50),
        latency_p99_ms: percentile(&latencies, 0.99),
        latency_messages: latencies.len(),
        raw_insert_per_s,
        raw_claim_per_s,
        enqueue_vs_raw_insert: (enqueue_per_s / raw_insert_per_s * 1000.0).round() / 1000.0,
        dispatch_vs_raw_claim: raw_claim_per_s.map(|r| (dispatch_per_s / r * 1000.0).round() / 1000.0),
        build: if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

#[derive(Subcommand)]
pub(crate) enum BenchWhat {
    /// Requests per second and latency of the HTTP API's send-sms (each with an Idempotency-Key),
    /// many clients at once against the sandbox, with the same sends made in-process as a baseline.
    Api {
        #[arg(long, default_value = "sqlite")]
        backend: String,
        #[arg(long, default_value_t = 50)]
        clients: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, env = "WASEL_BENCH_PG_URL")]
        database_url: Option<String>,
    },
    /// Contacts search on a large book of families, as desks type names (variants), with a
    /// `LIKE '%…%'` scan of the same names as the baseline.
    Search {
        #[arg(long, default_value = "sqlite")]
        backend: String,
        #[arg(long, default_value_t = 100_000)]
        guardians: usize,
        #[arg(long, default_value_t = 500)]
        searches: usize,
        #[arg(long, env = "WASEL_BENCH_PG_URL")]
        database_url: Option<String>,
    },
    /// Enqueue and dispatch throughput and latency of the outbox, with raw baselines.
    Outbox {
        #[arg(long, default_value = "sqlite")]
        backend: String,
        #[arg(long, default_value_t = 10_000)]
        messages: usize,
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Messages sent at a steady 100 msg/s for the latency figures.
        #[arg(long, default_value_t = 1_000)]
        latency_messages: usize,
        /// A PostgreSQL server for `--backend postgres` (a throwaway database is created on it).
        #[arg(long, env = "WASEL_BENCH_PG_URL")]
        database_url: Option<String>,
    },
}

pub(crate) async fn run_command(what: BenchWhat) -> Result<(), crate::output::Failure> {
    let core = |e| crate::output::Failure::Core(e, wasel_core::settings::Language::En);
    let json = match what {
        BenchWhat::Outbox { backend, messages, workers, latency_messages, database_url } => {
            let opts = BenchOptions { backend, postgres_url: database_url, messages, workers, latency_messages };
            serde_json::to_string(&outbox(opts).await.map_err(core)?)
        }
        BenchWhat::Search { backend, guardians, searches, database_url } => serde_json::to_string(
            &crate::bench_search::search(backend, database_url, guardians, searches).await.map_err(core)?,
        ),
        BenchWhat::Api { backend, clients, seconds, database_url } => {
            let opts = crate::bench_api::ApiBenchOptions { backend, postgres_url: database_url, clients, seconds };
            serde_json::to_string(&crate::bench_api::api(opts).await.map_err(core)?)
        }
    };
    println!("{}", json.context("report")?);
    Ok(())
}
