//! Shared helpers for the system tests: a fresh database on each backend, an in-memory keychain,
//! and the simulators on port 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use wasel_core::context::Options;
use wasel_core::secrets::{MemorySecrets, SharedSecrets};
use wasel_core::{Wasel, WaselConfig};

/// One backend under test.
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    pub dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite file, and a fresh PostgreSQL database when `WASEL_TEST_PG_URL` names a server.
/// With `WASEL_REQUIRE_PG=1` (the test command sets it) a missing server fails the test instead of
/// quietly testing one backend.
pub async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("wasel.db").display());
    let mut out = vec![TestDb { name: "sqlite", url, dir: Some(dir) }];
    match std::env::var("WASEL_TEST_PG_URL") {
        Ok(admin) if !admin.is_empty() => {
            out.push(TestDb { name: "postgres", url: fresh_pg_database(&admin).await, dir: None })
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
    open_full(db, secrets, Duration::from_secs(60), None).await
}

/// A short lease (and so a short provider time limit): for tests of timeouts and crashes.
pub async fn open_with_lease(db: &TestDb, lease: Duration) -> Wasel {
    open_full(db, memory_secrets(), lease, None).await
}

/// Wasel routed to simulators that are already running (shared with worker processes).
pub async fn open_on_sim(db: &TestDb, sandbox_url: &str) -> Wasel {
    open_full(db, memory_secrets(), Duration::from_secs(60), Some(sandbox_url.to_owned())).await
}

/// A provider's fields for `save_provider`, as Settings → Providers would send them.
pub fn provider_input(id: &str, fields: &[(&str, &str)]) -> wasel_core::api::ProviderInput {
    wasel_core::api::ProviderInput {
        id: id.to_owned(),
        fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        rate_per_sec: None,
        unit_price_halalas: None,
    }
}

/// Real-credential Twilio fields for `save_provider`, sent to `base_url` (a simulator standing in).
pub fn twilio_provider(sid: &str, token: &str, base_url: Option<&str>) -> wasel_core::api::ProviderInput {
    let mut input = provider_input("twilio", &[("account_sid", sid), ("auth_token", token), ("from", "WASEL")]);
    if let Some(url) = base_url {
        input.fields.insert("base_url".into(), url.to_owned());
    }
    input
}

pub async fn open_full(db: &TestDb, secrets: SharedSecrets, lease: Duration, sandbox_url: Option<String>) -> Wasel {
    let data_dir = tempfile::tempdir().unwrap().keep();
    let config = WaselConfig {
        database_url: Some(db.url.clone()),
        data_dir,
        secrets,
        sandbox: None,
        options: Options {
            worker_name: format!("test@{}", std::process::id()),
            poll_interval: Duration::from_millis(100),
            lease,
            // Short, so tests see a circuit open and close again.
            breaker: wasel_core::providers::failover::BreakerPolicy {
                failures_to_open: 3,
                open_for: Duration::from_millis(800),
            },
        },
    };
    wasel_sandbox::open(config, sandbox_url).await.unwrap()
}

/// The `wasel` binary, built once per test process (`cargo build -p wasel-cli`), so the process
/// tests never run a stale one.
pub fn wasel_bin() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args(["build", "--quiet", "-p", "wasel-cli"])
                .current_dir(&root)
                .status()
                .expect("run cargo build");
            assert!(status.success(), "cargo build -p wasel-cli failed");
            let target =
                std::env::var("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| root.join("target"));
            target.join("debug").join("wasel")
        })
        .clone()
}

/// A `wasel worker` process on `database_url`, sending to the simulators at `sandbox_url`.
pub fn spawn_worker(
    database_url: &str,
    sandbox_url: &str,
    lease_secs: u64,
    extra_env: &[(&str, &str)],
) -> std::process::Child {
    let mut cmd = std::process::Command::new(wasel_bin());
    cmd.arg("worker")
        .env("WASEL_DATABASE_URL", database_url)
        .env("WASEL_SANDBOX_URL", sandbox_url)
        .env("WASEL_LEASE_SECS", lease_secs.to_string())
        .env("WASEL_DATA_DIR", std::env::temp_dir().join("wasel-worker-data"))
        .env("WASEL_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn wasel worker")
}

/// The password every test user gets (it meets the policy; never used outside tests).
pub const TEST_PASSWORD: &str = "Blue-Harbour-47";

/// Creates `username` with `roles` and signs them in: the caller a person at the console would be.
pub async fn sign_in_as(wasel: &Wasel, username: &str, roles: &[wasel_core::api::Role]) -> wasel_core::api::Caller {
    use wasel_core::api::{LoginInput, NewUserInput, Origin, SYSTEM};
    let input = NewUserInput {
        username: username.to_owned(),
        display_name: String::new(),
        password: TEST_PASSWORD.to_owned(),
        roles: roles.to_vec(),
    };
    wasel.users(&SYSTEM).create_user(input).await.expect("create a test user");
    let login = LoginInput { username: username.to_owned(), password: TEST_PASSWORD.to_owned() };
    let signed = wasel.auth().login(login, Origin::Console).await.expect("sign in");
    wasel.auth().authenticate(&signed.token, Origin::Console).await.expect("session")
}
