//! A full session with every provider configured and every channel sent, then a search for each
//! secret used — provider keys and tokens, the FCM private key, a user's password, session and
//! API tokens, the API's signing key — in the database (its rows, and for SQLite its file, WAL and
//! shared memory), the data directory, the logs at their most verbose, and the process
//! environment. Expected: not one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine;
use wasel_core::Wasel;
use wasel_core::api::{LoginInput, OperatorAction, Origin, Role, SYSTEM, SendMessageInput, TemplateFill};
use wasel_core::domain::Channel;
use wasel_core::secrets::{MemorySecrets, SecretStore};
use wasel_tests::{TEST_PASSWORD, databases, open_full, provider_input, sign_in_as};

/// Everything written to the log, at trace level, from every crate.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    captured
}

async fn configure_every_provider(wasel: &Wasel, sim: &wasel_sim::Simulators) -> Vec<String> {
    use wasel_sim::{meta, msegat, onesignal, smtp, taqnyat, twilio};
    let base = sim.base_url();
    let smtp_port = sim.smtp_addr().port().to_string();
    let fcm_json = sim.fcm().service_account_json().await.unwrap();
    let number = twilio::SANDBOX_NUMBER;
    let inputs = [
        (
            "twilio",
            vec![
                ("account_sid", twilio::SANDBOX_ACCOUNT_SID),
                ("auth_token", twilio::SANDBOX_AUTH_TOKEN),
                ("from", "WASEL"),
                ("base_url", &base),
            ],
        ),
        (
            "taqnyat",
            vec![("token", taqnyat::SANDBOX_BEARER_TOKEN), ("sender", taqnyat::SANDBOX_SENDER), ("base_url", &base)],
        ),
        (
            "msegat",
            vec![
                ("user_name", msegat::SANDBOX_USERNAME),
                ("api_key", msegat::SANDBOX_API_KEY),
                ("sender", msegat::SANDBOX_SENDER),
                ("base_url", &base),
            ],
        ),
        (
            "meta",
            vec![
                ("phone_number_id", meta::SANDBOX_PHONE_NUMBER_ID),
                ("waba_id", meta::SANDBOX_WABA_ID),
                ("access_token", meta::SANDBOX_ACCESS_TOKEN),
                ("app_secret", meta::SANDBOX_APP_SECRET),
                ("verify_token", meta::SANDBOX_VERIFY_TOKEN),
                ("base_url", &base),
            ],
        ),
        (
            "twilio_whatsapp",
            vec![
                ("account_sid", twilio::SANDBOX_ACCOUNT_SID),
                ("auth_token", twilio::SANDBOX_AUTH_TOKEN),
                ("from", number),
                ("base_url", &base),
                ("content_base_url", &base),
            ],
        ),
        (
            "smtp",
            vec![
                ("host", "127.0.0.1"),
                ("port", &smtp_port),
                ("security", "none"),
                ("username", smtp::SANDBOX_USERNAME),
                ("password", smtp::SANDBOX_PASSWORD),
                ("from_address", "noreply@example.com"),
            ],
        ),
        ("fcm", vec![("service_account_json", &fcm_json), ("base_url", &base)]),
        (
            "onesignal",
            vec![("app_id", onesignal::SANDBOX_APP_ID), ("api_key", onesignal::SANDBOX_API_KEY), ("base_url", &base)],
        ),
        (
            "twilio_voice",
            vec![
                ("account_sid", twilio::SANDBOX_ACCOUNT_SID),
                ("auth_token", twilio::SANDBOX_AUTH_TOKEN),
                ("from", number),
                ("base_url", &base),
            ],
        ),
    ];
    for (id, fields) in &inputs {
        let saved = wasel.providers(&SYSTEM).save_provider(provider_input(id, fields)).await;
        assert!(saved.is_ok(), "{id}: {:?}", saved.err().map(|e| e.payload()));
    }
    let private_key: serde_json::Value = serde_json::from_str(&fcm_json).unwrap();
    let pem = private_key["private_key"].as_str().unwrap();
    // A line from the middle of the key's body: distinctive, and what a leak would carry.
    let key_line = pem.lines().nth(5).unwrap().to_owned();
    vec![
        twilio::SANDBOX_AUTH_TOKEN.into(),
        taqnyat::SANDBOX_BEARER_TOKEN.into(),
        msegat::SANDBOX_API_KEY.into(),
        meta::SANDBOX_ACCESS_TOKEN.into(),
        meta::SANDBOX_APP_SECRET.into(),
        meta::SANDBOX_VERIFY_TOKEN.into(),
        smtp::SANDBOX_PASSWORD.into(),
        onesignal::SANDBOX_API_KEY.into(),
        key_line,
    ]
}

async fn send_on_every_channel(wasel: &Wasel) {
    let desk = sign_in_as(wasel, "huda", &[Role::Reception]).await;
    let guardian = wasel.messaging(&desk).list_guardians().await.unwrap().into_iter().next();
    let input = |channel: Channel, to: &str| SendMessageInput {
        channel,
        to: to.into(),
        guardian_id: None,
        body: "موعدكم غدًا الساعة التاسعة".into(),
        idempotency_key: None,
        send_at: None,
        expires_at: None,
        urgent: Some(true),
        template: None,
        subject: Some("تذكير".into()),
        html: None,
        attachments: Vec::new(),
        language: None,
        subject_en: None,
        body_en: None,
    };
    let mut sent = Vec::new();
    for order in [["twilio", "taqnyat", "msegat"], ["taqnyat", "msegat", "twilio"], ["msegat", "twilio", "taqnyat"]] {
        let admin = SYSTEM.clone();
        let ids = order.iter().map(|s| (*s).to_owned()).collect();
        wasel.providers(&admin).set_failover_order(Channel::Sms, ids).await.unwrap();
        sent.extend(wasel.messaging(&desk).send_message(input(Channel::Sms, "0555001234")).await.unwrap());
    }
    let mut wa = input(Channel::Whatsapp, "0555001234");
    wa.body = String::new();
    wa.template = Some(TemplateFill {
        name: "appointment_reminder".into(),
        language: "ar".into(),
        params: vec!["سارة".into(), "الأحد".into(), "9:00".into()],
    });
    for order in [["meta", "twilio_whatsapp"], ["twilio_whatsapp", "meta"]] {
        let ids = order.iter().map(|s| (*s).to_owned()).collect();
        wasel.providers(&SYSTEM).set_failover_order(Channel::Whatsapp, ids).await.unwrap();
        if let Ok(m) = wasel.messaging(&desk).send_message(wa.clone()).await {
            sent.extend(m);
        }
    }
    sent.extend(wasel.messaging(&desk).send_message(input(Channel::Email, "family@example.com")).await.unwrap());
    sent.extend(wasel.messaging(&desk).send_message(input(Channel::Voice, "0555001234")).await.unwrap());
    if let Some(g) = guardian {
        for order in [["fcm", "onesignal"], ["onesignal", "fcm"]] {
            let ids = order.iter().map(|s| (*s).to_owned()).collect();
            wasel.providers(&SYSTEM).set_failover_order(Channel::Push, ids).await.unwrap();
            let mut push = input(Channel::Push, "");
            push.guardian_id = Some(g.id.clone());
            if let Ok(m) = wasel.messaging(&desk).send_message(push).await {
                sent.extend(m);
            }
        }
    }
    // Each provider also gets a test call and a test send, as an admin checking Settings would.
    for id in ["twilio", "taqnyat", "msegat", "meta", "twilio_whatsapp", "smtp", "fcm", "onesignal", "twilio_voice"] {
        let _ = wasel.providers(&SYSTEM).test_provider(id).await;
    }
    for m in &sent {
        let _ = wasel
            .messaging(&desk)
            .wait_for(
                &m.id,
                &[
                    wasel_core::domain::MessageStatus::Sent,
                    wasel_core::domain::MessageStatus::Delivered,
                    wasel_core::domain::MessageStatus::Failed,
                ],
                std::time::Duration::from_secs(20),
            )
            .await;
    }
    let _ = wasel.messaging(&desk).act_on_message(&sent[0].id, OperatorAction::Cancel).await;
    assert!(sent.len() >= 7, "only {} messages went out", sent.len());
}

/// Every row of every PostgreSQL table, as text (SQLite's file and WAL are read as they are).
async fn dump_rows(wasel: &Wasel) -> String {
    let wasel_core::store::Db::Postgres(p) = wasel.db() else { return String::new() };
    const TABLES: &str = "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'";
    let tables: Vec<(String,)> = sqlx::query_as(TABLES).fetch_all(p).await.unwrap();
    let mut out = String::new();
    for (table,) in tables {
        let sql = format!("SELECT row_to_json(t)::text FROM \"{table}\" t");
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await.unwrap();
        for (r,) in rows {
            out.push_str(&r);
            out.push('\n');
        }
    }
    assert!(out.contains("audit_log") || out.len() > 1000, "the rows dump is empty");
    out
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[tokio::test]
async fn a_full_session_leaves_no_secret_in_the_database_the_logs_the_files_or_the_environment() {
    let logs = capture_logs();
    for db in databases().await {
        let secrets = MemorySecrets::default();
        let wasel = Arc::new(open_full(&db, Arc::new(secrets.clone()), std::time::Duration::from_secs(60), None).await);
        wasel.start_background();
        let sim = wasel_sandbox::simulators(&wasel).unwrap();
        let mut needles = configure_every_provider(&wasel, sim).await;
        send_on_every_channel(&wasel).await;

        // A person's password and tokens, and the API's signing key.
        let signed = wasel
            .auth()
            .login(LoginInput { username: "huda".into(), password: TEST_PASSWORD.into() }, Origin::Console)
            .await
            .unwrap();
        let url = wasel_server::serve(Arc::clone(&wasel), "127.0.0.1:0", "https://hub.example.com", Default::default())
            .await
            .unwrap();
        let tokens: serde_json::Value = reqwest::Client::new()
            .post(format!("{url}/api/auth/login"))
            .json(&serde_json::json!({ "username": "huda", "password": TEST_PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let account = secrets.accounts().into_iter().find(|a| a.ends_with("/api/jwt_signing_key")).unwrap();
        let jwt_key = secrets.get(&account).unwrap().unwrap();
        needles.extend([
            TEST_PASSWORD.to_owned(),
            signed.token.clone(),
            tokens["refresh_token"].as_str().unwrap().to_owned(),
            tokens["access_token"].as_str().unwrap().to_owned(),
            jwt_key.clone(),
            String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(&jwt_key).unwrap()).into_owned(),
        ]);
        wasel.stop().await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;

        let mut haystacks: Vec<(String, Vec<u8>)> = vec![
            ("rows".into(), dump_rows(&wasel).await.into_bytes()),
            ("logs".into(), logs.0.lock().unwrap().clone()),
            (
                "environment".into(),
                std::env::vars().map(|(k, v)| format!("{k}={v}\n")).collect::<String>().into_bytes(),
            ),
        ];
        let mut files = Vec::new();
        if let Some(dir) = &db.dir {
            files_under(dir.path(), &mut files);
        }
        for f in files {
            haystacks.push((f.display().to_string(), std::fs::read(&f).unwrap_or_default()));
        }
        assert!(
            haystacks.iter().any(|(n, _)| n.ends_with("wasel.db")) || db.name == "postgres",
            "the SQLite file was not scanned"
        );
        assert!(logs.0.lock().unwrap().len() > 10_000, "the logs captured almost nothing");
        // A control: a value that is stored in the clear (the Twilio account SID is not a secret)
        // is found, so the search can find things.
        let sid = wasel_sim::twilio::SANDBOX_ACCOUNT_SID.as_bytes();
        assert!(haystacks.iter().any(|(_, h)| h.windows(sid.len()).any(|w| w == sid)), "the control was not found");
        let mut found = Vec::new();
        for needle in &needles {
            for (name, hay) in &haystacks {
                if hay.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(format!("{}… in {name}", &needle[..needle.len().min(8)]));
                }
            }
        }
        assert!(found.is_empty(), "secrets found ({}): {found:#?}", db.name);
        // The logs also keep no number, address or message text in full.
        let log = logs.0.lock().unwrap().clone();
        let log = String::from_utf8_lossy(&log);
        for private in ["555001234", "family@example.com", "موعدكم غدًا الساعة التاسعة"] {
            let lines: Vec<&str> = log.lines().filter(|l| l.contains(private)).take(3).collect();
            assert!(lines.is_empty(), "{private} in the logs ({}): {lines:#?}", db.name);
        }
        eprintln!("{}: {} secrets, {} places, 0 found", db.name, needles.len(), haystacks.len());
    }
}
