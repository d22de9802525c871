//! National ids and iqama numbers sealed at rest, found by a keyed hash, rotated to a new data key
//! in resumable batches — in-process on both databases, and through `wasel keys rotate` killed
//! mid-rotation and resumed, with its secrets in a protected credentials directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use wasel_core::api::Role;
use wasel_core::domain::national_id::with_check_digit;
use wasel_core::secrets::CredentialsDir;
use wasel_core::{Wasel, on_db};
use wasel_tests::{TEST_PASSWORD, databases, open, open_with, sign_in_as, wasel_bin};

async fn beneficiaries(wasel: &Wasel) -> Vec<String> {
    let rows: Vec<(uuid::Uuid,)> =
        on_db!(wasel.db(), p => sqlx::query_as("SELECT id FROM beneficiaries ORDER BY id").fetch_all(p).await.unwrap());
    rows.into_iter().map(|(id,)| id.to_string()).collect()
}

async fn raw_columns(wasel: &Wasel) -> String {
    let rows: Vec<(Option<String>, Option<String>, Option<String>)> = on_db!(wasel.db(), p => sqlx::query_as(
        "SELECT national_id_sealed, national_id_key, national_id_index FROM beneficiaries").fetch_all(p).await.unwrap());
    format!("{rows:?}")
}

#[tokio::test]
async fn a_national_id_is_sealed_found_by_its_hash_and_shown_only_to_the_roles_that_may() {
    for db in databases().await {
        let wasel = open(&db).await;
        let desk = sign_in_as(&wasel, "huda", &[Role::Reception]).await;
        let nurse = sign_in_as(&wasel, "amal", &[Role::Clinician]).await;
        let auditor = sign_in_as(&wasel, "sara", &[Role::Auditor]).await;
        let ids = beneficiaries(&wasel).await;
        assert!(ids.len() >= 2, "the sandbox seeds families ({})", db.name);
        let number = with_check_digit("101234567");
        let iqama = with_check_digit("212345678");
        wasel.identity(&desk).set_national_id(&ids[0], Some(&number)).await.unwrap();
        wasel.identity(&desk).set_national_id(&ids[1], Some(&iqama)).await.unwrap();
        let raw = raw_columns(&wasel).await;
        assert!(!raw.contains(&number) && !raw.contains(&iqama), "a number is stored in the clear: {raw}");

        assert_eq!(wasel.identity(&nurse).national_id(&ids[0]).await.unwrap().as_deref(), Some(number.as_str()));
        let arabic: String =
            number.chars().map(|c| char::from_u32(u32::from('٠') + c.to_digit(10).unwrap()).unwrap()).collect();
        assert_eq!(wasel.identity(&desk).find_by_national_id(&arabic).await.unwrap(), vec![ids[0].clone()]);
        assert_eq!(wasel.identity(&auditor).national_id(&ids[0]).await.unwrap_err().code(), "auth.forbidden");
        assert_eq!(wasel.identity(&nurse).set_national_id(&ids[0], None).await.unwrap_err().code(), "auth.forbidden");
        let bad = wasel.identity(&desk).set_national_id(&ids[0], Some("1012345670")).await.unwrap_err();
        assert_eq!(bad.code(), "national_id.invalid");
        assert_eq!(wasel.identity(&desk).national_id(&ids[0]).await.unwrap().as_deref(), Some(number.as_str()));

        // A sealed value moved to another row does not open there.
        on_db!(wasel.db(), p => sqlx::query("UPDATE beneficiaries SET national_id_sealed = (SELECT national_id_sealed FROM beneficiaries WHERE id = $1), national_id_key = (SELECT national_id_key FROM beneficiaries WHERE id = $1) WHERE id = $2")
            .bind(uuid::Uuid::parse_str(&ids[0]).unwrap()).bind(uuid::Uuid::parse_str(&ids[1]).unwrap()).execute(p).await.unwrap().rows_affected());
        assert_eq!(wasel.identity(&nurse).national_id(&ids[1]).await.unwrap_err().code(), "keys.broken_value");

        // The audit says a number was set, never which.
        let trail = wasel_core::audit::for_entity(wasel.db(), "beneficiary", &ids[0]).await.unwrap();
        assert!(!trail.is_empty() && trail.iter().all(|r| !format!("{r:?}").contains(&number[2..])));
    }
}

#[tokio::test]
async fn rotating_the_data_key_reseals_every_value_and_old_values_open_meanwhile() {
    for db in databases().await {
        let wasel = open(&db).await;
        let admin = sign_in_as(&wasel, "amal", &[Role::Admin]).await;
        let ids = beneficiaries(&wasel).await;
        let numbers: Vec<String> = (0..ids.len()).map(|i| with_check_digit(&format!("10{i:07}"))).collect();
        for (id, n) in ids.iter().zip(&numbers) {
            wasel.identity(&admin).set_national_id(id, Some(n)).await.unwrap();
        }
        let first = wasel.identity(&admin).key_status().await.unwrap();
        assert_eq!(first.stale, 0);
        let report = wasel.identity(&admin).rotate_keys(1, false).await.unwrap();
        assert_eq!(report.resealed as usize, ids.len(), "{}", db.name);
        assert_eq!(report.batches as usize, ids.len());
        assert_ne!(Some(report.key.clone()), first.current);
        let after = wasel.identity(&admin).key_status().await.unwrap();
        assert_eq!((after.stale, after.values_per_key.len()), (0, 1), "{after:?}");
        for (id, n) in ids.iter().zip(&numbers) {
            assert_eq!(wasel.identity(&admin).national_id(id).await.unwrap().as_deref(), Some(n.as_str()));
        }
        assert_eq!(wasel.identity(&admin).find_by_national_id(&numbers[0]).await.unwrap(), vec![ids[0].clone()]);
    }
}

/// `wasel keys rotate` aborted after its first batch (a crash), then `--resume`d.
#[tokio::test]
async fn a_rotation_killed_mid_way_finishes_when_run_again() {
    let db = databases().await.remove(0);
    let creds = tempfile::tempdir().unwrap();
    std::fs::set_permissions(creds.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let secrets = Arc::new(CredentialsDir::new(creds.path()));
    let wasel = open_with(&db, secrets).await;
    let admin = sign_in_as(&wasel, "amal", &[Role::Admin]).await;
    let ids = beneficiaries(&wasel).await;
    let numbers: Vec<String> = (0..ids.len()).map(|i| with_check_digit(&format!("20{i:07}"))).collect();
    for (id, n) in ids.iter().zip(&numbers) {
        wasel.identity(&admin).set_national_id(id, Some(n)).await.unwrap();
    }
    let cli = |args: &[&str], fault: Option<&str>| {
        let mut cmd = std::process::Command::new(wasel_bin());
        cmd.args(args)
            .env("WASEL_DATABASE_URL", &db.url)
            .env("WASEL_CREDENTIALS_DIR", creds.path())
            .env("WASEL_USER", "amal")
            .env("WASEL_LANG", "en")
            .env("WASEL_LOG", "error")
            .env("WASEL_DATA_DIR", creds.path().join("data"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(f) = fault {
            cmd.env("WASEL_FAULT", f);
        }
        let mut child = cmd.spawn().unwrap();
        writeln!(child.stdin.take().unwrap(), "{TEST_PASSWORD}").unwrap();
        child.wait_with_output().unwrap()
    };
    let crashed = cli(&["keys", "rotate", "--batch", "1"], Some("keys.rotate.after_batch"));
    assert!(!crashed.status.success(), "the fault point did not stop the rotation");
    let status = String::from_utf8(cli(&["keys", "status"], None).stdout).unwrap();
    let stale: usize = status.lines().find_map(|l| l.strip_prefix("stale: ")).unwrap().trim().parse().unwrap();
    assert_eq!(stale, ids.len() - 1, "one batch of one value was committed before the crash: {status}");
    let resumed = cli(&["keys", "rotate", "--resume", "--batch", "1"], None);
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    let status = String::from_utf8(cli(&["keys", "status"], None).stdout).unwrap();
    assert!(status.contains("stale: 0"), "{status}");
    for (id, n) in ids.iter().zip(&numbers) {
        assert_eq!(wasel.identity(&admin).national_id(id).await.unwrap().as_deref(), Some(n.as_str()));
    }
    // The keys live in the credentials directory, each file readable by its owner only.
    for f in std::fs::read_dir(creds.path()).unwrap().flatten().filter(|f| f.path().is_file()) {
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o077, 0, "{}", f.path().display());
    }
    // A wrong password is refused, translated, with its code.
    let mut cmd = std::process::Command::new(wasel_bin());
    cmd.args(["keys", "status"])
        .env("WASEL_DATABASE_URL", &db.url)
        .env("WASEL_CREDENTIALS_DIR", creds.path())
        .env("WASEL_USER", "amal")
        .env("WASEL_LANG", "en")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "Wrong-Pass-123").unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[auth.invalid_credentials]") && err.contains("password"), "{err}");
}
