//! Chaos: `wasel worker` processes are killed with SIGKILL at random moments and abort at each
//! fault point (before the HTTP call, after the response before the commit, mid-commit) while
//! messages flow; they are restarted, and at the end nothing is lost and nothing was sent twice.
//! `WASEL_CHAOS_RUNS` (default 2) runs of `WASEL_CHAOS_MESSAGES` (default 300) messages each, fed at
//! `WASEL_CHAOS_RATE` messages a second (default 200),
//! alternating PostgreSQL (3 workers) and SQLite (1 worker). Ends with one summary line:
//! `chaos: runs=R messages=N lost=0 silent_duplicates=0 unknown=U reconciled=V`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::process::Child;
use std::time::{Duration, Instant};

use rand::Rng;
use wasel_core::api::SendSmsInput;
use wasel_tests::{TestDb, fresh_pg_database, open_on_sim, spawn_worker};

const FAULTS: [&str; 4] = ["before_http", "after_response", "mid_commit", ""];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Default, Debug)]
struct Tally {
    lost: usize,
    silent_duplicates: usize,
    unknown: i64,
    reconciled: i64,
    kills: usize,
    aborts: usize,
}

fn spawn(db: &str, sim: &str, fault: &str) -> Child {
    let env: Vec<(&str, &str)> =
        if fault.is_empty() { vec![] } else { vec![("WASEL_FAULT", fault), ("WASEL_FAULT_RATE", "0.01")] };
    spawn_worker(db, sim, 3, &env)
}

async fn one_run(run: usize, db: &TestDb, workers: usize, n: usize) -> Tally {
    let twilio = wasel_sim::twilio::TwilioOptions {
        sending_after: Duration::from_millis(30),
        sent_after: Duration::from_millis(60),
        delivered_after: Duration::from_millis(120),
        ..Default::default()
    };
    let sim = wasel_sim::start(wasel_sim::SimOptions { twilio, ..Default::default() }).await.unwrap();
    let wasel = open_on_sim(db, &sim.base_url()).await;
    let fault_of = |k: usize| FAULTS[(run + k) % FAULTS.len()];
    let mut procs: Vec<Child> = (0..workers).map(|k| spawn(&db.url, &sim.base_url(), fault_of(k))).collect();
    // Messages arrive at a steady pace (`WASEL_CHAOS_RATE`, default 200/s) while workers are being killed.
    let tag = format!("chaos-{run}");
    let wasel = std::sync::Arc::new(wasel);
    let feeder = {
        let wasel = std::sync::Arc::clone(&wasel);
        let tag = tag.clone();
        tokio::spawn(async move {
            let rate = env_usize("WASEL_CHAOS_RATE", 200).max(1) as u64;
            let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
            for i in 0..n {
                tick.tick().await;
                let input = SendSmsInput {
                    to: format!("05550{:05}", i % 100_000),
                    body: format!("{tag} #{i}"),
                    guardian_id: None,
                    idempotency_key: Some(format!("{tag}-{i}")),
                    send_at: None,
                    expires_at: None,
                    urgent: Some(true),
                };
                wasel.messaging(&wasel_core::api::SYSTEM).send_sms(input).await.unwrap();
            }
        })
    };
    let mut tally = Tally::default();
    let started = Instant::now();
    let mut next_kill = Instant::now() + Duration::from_millis(150);
    loop {
        let received = sim.twilio().received_count();
        let chaos_phase =
            (!feeder.is_finished() || received < n * 8 / 10) && started.elapsed() < Duration::from_secs(60);
        if chaos_phase && Instant::now() >= next_kill {
            let k = rand::rng().random_range(0..procs.len());
            let _ = procs[k].kill(); // SIGKILL
            let _ = procs[k].wait();
            tally.kills += 1;
            next_kill = Instant::now() + Duration::from_millis(rand::rng().random_range(150..600));
        }
        for (k, p) in procs.iter_mut().enumerate() {
            if let Ok(Some(_)) = p.try_wait() {
                tally.aborts += 1;
                // After the chaos phase, workers come back without fault points so the run can end.
                *p = spawn(&db.url, &sim.base_url(), if chaos_phase { fault_of(k) } else { "" });
            }
        }
        let (pending,): (i64,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(
            "SELECT COUNT(*) FROM messages WHERE status IN ('queued', 'sending', 'unknown', 'scheduled')").fetch_one(p).await.unwrap());
        if (pending == 0 && feeder.is_finished()) || started.elapsed() > Duration::from_secs(240) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for p in &mut procs {
        let _ = p.kill();
        let _ = p.wait();
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in sim.twilio().messages() {
        *seen.entry(m.body).or_insert(0) += 1;
    }
    let rows: Vec<(String, String, Option<String>)> = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(
        "SELECT body, status, error_code FROM messages").fetch_all(p).await.unwrap());
    for (body, status, error) in &rows {
        let delivered_once = seen.get(body).copied().unwrap_or(0) >= 1;
        let ok = match status.as_str() {
            "sent" | "delivered" | "read" => delivered_once,
            "failed" => error.is_some(),
            _ => false,
        };
        if !ok {
            eprintln!("lost: {body} status={status} error={error:?} received={}", seen.get(body).copied().unwrap_or(0));
            tally.lost += 1;
        }
    }
    tally.lost += n.saturating_sub(rows.len());
    tally.silent_duplicates = seen.values().filter(|c| **c > 1).count();
    for (body, count) in seen.iter().filter(|(_, c)| **c > 1) {
        let events: Vec<(String, String, Option<String>, chrono::DateTime<chrono::Utc>)> = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(
            "SELECT e.status, e.source, e.detail, e.at FROM message_events e JOIN messages m ON m.id = e.message_id WHERE m.body = $1 ORDER BY e.at")
            .bind(body).fetch_all(p).await.unwrap());
        let received: Vec<_> =
            sim.twilio().messages().into_iter().filter(|m| &m.body == body).map(|m| (m.sid, m.date_created)).collect();
        eprintln!("duplicate {body} x{count}: events {events:?}; received {received:?}");
    }
    (tally.unknown,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(
        "SELECT COUNT(DISTINCT message_id) FROM message_events WHERE status = 'unknown'").fetch_one(p).await.unwrap());
    (tally.reconciled,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(
        "SELECT COUNT(*) FROM message_events WHERE detail LIKE 'reconciled%'").fetch_one(p).await.unwrap());
    sim.shutdown().await;
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_killed_at_random_and_at_every_fault_point_lose_nothing_and_send_nothing_twice() {
    let runs = env_usize("WASEL_CHAOS_RUNS", 2);
    let n = env_usize("WASEL_CHAOS_MESSAGES", 300);
    let pg = std::env::var("WASEL_TEST_PG_URL").ok().filter(|s| !s.is_empty());
    let mut total = Tally::default();
    for run in 0..runs {
        let (db, workers) = match (&pg, run % 2) {
            (Some(admin), 0) => (TestDb { name: "postgres", url: fresh_pg_database(admin).await, dir: None }, 3),
            _ => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("chaos.db").display());
                (TestDb { name: "sqlite", url, dir: Some(dir) }, 1)
            }
        };
        let t = one_run(run, &db, workers, n).await;
        eprintln!("run {run} ({}, {workers} workers): {t:?}", db.name);
        total.lost += t.lost;
        total.silent_duplicates += t.silent_duplicates;
        total.unknown += t.unknown;
        total.reconciled += t.reconciled;
        total.kills += t.kills;
        total.aborts += t.aborts;
    }
    println!(
        "chaos: runs={runs} messages={n} lost={} silent_duplicates={} unknown={} reconciled={}",
        total.lost, total.silent_duplicates, total.unknown, total.reconciled
    );
    eprintln!("chaos: kills={} aborts_at_fault_points_or_kills={}", total.kills, total.aborts);
    assert_eq!((total.lost, total.silent_duplicates), (0, 0));
    assert!(total.kills > 0, "the run must actually kill workers");
}
