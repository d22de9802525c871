//! Secrets live in the OS keychain (Secret Service on Linux): a token saved by one process is read
//! by the next, never written to the database, and a missing keychain is reported, not fatal.
//! The test command runs these inside a private D-Bus session with an unlocked gnome-keyring and
//! sets `WASEL_REQUIRE_KEYCHAIN=1`; without it they are skipped with a note.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::Arc;

use wasel_core::secrets::{Keychain, SecretStore};

const CHILD_ENV: &str = "WASEL_KEYCHAIN_CHILD_ACCOUNT";

fn keychain_required() -> bool {
    if std::env::var("WASEL_REQUIRE_KEYCHAIN").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("note: WASEL_REQUIRE_KEYCHAIN unset; keychain test skipped");
    false
}

#[test]
fn a_secret_saved_in_the_keychain_survives_a_process_restart() {
    if !keychain_required() {
        return;
    }
    let account = format!("test/{}/token", uuid::Uuid::now_v7());
    Keychain.probe().expect("the keychain must be usable here");
    Keychain.set(&account, "s3cret-token").unwrap();
    // A second process reads it: proof that it is not an in-memory store.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_reads_the_secret", "--ignored", "--nocapture"])
        .env(CHILD_ENV, &account)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("secret=s3cret-token"), "{stdout}");
    Keychain.delete(&account).unwrap();
    assert_eq!(Keychain.get(&account).unwrap(), None);
}

/// Run by the test above in a separate process.
#[test]
#[ignore = "run as a child process by a_secret_saved_in_the_keychain_survives_a_process_restart"]
fn child_reads_the_secret() {
    let account = std::env::var(CHILD_ENV).expect("started by the parent test");
    println!("secret={}", Keychain.get(&account).unwrap().unwrap_or_default());
}

#[tokio::test]
async fn twilio_credentials_go_to_the_keychain_and_only_a_reference_to_the_database() {
    if !keychain_required() {
        return;
    }
    for db in wasel_tests::databases().await {
        let wasel = wasel_tests::open_with(&db, Arc::new(Keychain)).await;
        let status = wasel.settings(&wasel_core::api::SYSTEM).status().await.unwrap();
        assert_eq!(status.keychain, wasel_core::api::KeychainState::Available, "{:?}", status.keychain_error);
        let token = format!("tok{}", uuid::Uuid::now_v7().simple());
        let input = wasel_tests::twilio_provider("AC0123456789abcdef0123456789abcdef", &token, None);
        let providers = wasel.providers(&wasel_core::api::SYSTEM).save_provider(input).await.unwrap();
        assert!(providers.iter().find(|p| p.id == "twilio").unwrap().configured);
        assert!(!wasel.settings(&wasel_core::api::SYSTEM).status().await.unwrap().sandbox);
        let dump: Vec<(String, String)> = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(
            "SELECT key, value FROM communication_settings").fetch_all(p).await.unwrap());
        assert!(dump.iter().all(|(_, v)| !v.contains(&token)), "the token leaked into the database: {dump:?}");
        // A new process (here: a new Wasel on the same database) finds the token in the keychain.
        drop(wasel);
        let again = wasel_tests::open_with(&db, Arc::new(Keychain)).await;
        assert!(!again.settings(&wasel_core::api::SYSTEM).status().await.unwrap().sandbox, "{}", db.name);
        again.providers(&wasel_core::api::SYSTEM).clear_provider("twilio").await.unwrap();
        assert!(again.settings(&wasel_core::api::SYSTEM).status().await.unwrap().sandbox);
    }
}
