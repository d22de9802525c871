//! Shared helpers for the system tests: a fresh database on each backend, an in-memory keychain,
//! and the simulators on port 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use wasel_core::secrets::{MemorySecrets, SharedSecrets};
use wasel_core::{Wasel, WaselConfig};

/// One backend under test.
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite file, and a fresh PostgreSQL database when `WASEL_TEST_PG_URL` names a server.
/// With `WASEL_REQUIRE_PG=1` (the test command sets it) a missing server fails the test instead of
/// quietly testing one backend.
pub async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("wasel.db").display());
    let mut out = vec![TestDb { name: "sqlite", url, _dir: Some(dir) }];
    match std::env::var("WASEL_TEST_PG_URL") {
        Ok(admin) if !admin.is_empty() => {
            out.push(TestDb { name: "postgres", url: fresh_pg_database(&admin).await, _dir: None })
        }
        _ => {
            assert!(
                std::env::var("WASEL_REQUIRE_PG").ok().as_deref() != Some("1"),
                "WASEL_REQUIRE_PG=1 but WASEL_TEST_PG_URL is not set"
            );
            eprintln!("note: WASEL_TEST_PG_URL unset; PostgreSQL half of this test skipped");
        }
    }
    out
}

/// Creates `wasel_test_<uuid>` on the server and returns its URL.
pub async fn fresh_pg_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("wasel_test_{}", uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url).await.expect("connect to WASEL_TEST_PG_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
    format!("{base}/{name}")
}

pub fn memory_secrets() -> SharedSecrets {
    Arc::new(MemorySecrets::default())
}

/// Wasel on `db` with the sandbox simulators and an in-memory keychain; dispatcher not started.
pub async fn open(db: &TestDb) -> Wasel {
    open_with(db, memory_secrets()).await
}

pub async fn open_with(db: &TestDb, secrets: SharedSecrets) -> Wasel {
    let data_dir = tempfile::tempdir().unwrap().keep();
    Wasel::open(WaselConfig {
        database_url: Some(db.url.clone()),
        data_dir,
        secrets,
        sandbox: true,
        twilio_base_url: None,
        worker_name: format!("test@{}", std::process::id()),
        poll_interval: Duration::from_millis(100),
    })
    .await
    .unwrap()
}
