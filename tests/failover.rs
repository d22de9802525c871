//! SMS failover: with Twilio down, messages go through Taqnyat (then Msegat), Twilio's circuit
//! opens, and it gets traffic again once it recovers. Each provider's answers reach the message
//! with its real code and the right class.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use wasel_core::api::SendSmsInput;
use wasel_core::domain::Content;
use wasel_core::domain::{Channel, MessageStatus, PhoneE164};
use wasel_core::providers::failover::CircuitState;
use wasel_core::providers::sms::msegat::MsegatSms;
use wasel_core::providers::sms::taqnyat::TaqnyatSms;
use wasel_core::providers::{ErrorClass, ProviderError};
use wasel_core::providers::{Outgoing, Provider};
use wasel_sim::Faults;
use wasel_tests::{databases, open};

fn sms(i: usize, tag: &str) -> SendSmsInput {
    SendSmsInput {
        to: format!("05550{:05}", 1000 + i % 50_000),
        body: format!("{tag} #{i}"),
        guardian_id: None,
        idempotency_key: None,
        send_at: None,
        expires_at: None,
        urgent: Some(true),
    }
}

async fn wait_sent(wasel: &wasel_core::Wasel, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let (open,): (i64,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(
            "SELECT COUNT(*) FROM messages WHERE status IN ('queued', 'sending', 'unknown')").fetch_one(p).await.unwrap());
        let (total,): (i64,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as("SELECT COUNT(*) FROM messages").fetch_one(p).await.unwrap());
        if (open == 0 && total as usize >= n) || tokio::time::Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_twilio_down_1000_sms_go_through_taqnyat_and_msegat_and_twilio_is_used_again_when_it_recovers() {
    for db in databases().await {
        let wasel = open(&db).await;
        let sim = wasel_sandbox::simulators(&wasel).unwrap().clone();
        sim.twilio().set_faults(Faults { down: true, ..Faults::default() });
        wasel.start_background();
        for i in 0..1000 {
            wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms(i, "twilio down")).await.unwrap();
        }
        wait_sent(&wasel, 1000).await;
        let route = wasel.providers(&wasel_core::api::SYSTEM).sandbox_route(Channel::Sms).unwrap();
        // Open, or already half-open if the cool-down passed while the batch drained.
        let circuit = route.circuit("twilio");
        assert!(matches!(circuit, Some(CircuitState::Open | CircuitState::HalfOpen)), "{}: {circuit:?}", db.name);
        // Taqnyat down as well: Msegat takes the rest.
        sim.taqnyat().set_faults(Faults { down: true, ..Faults::default() });
        for i in 1000..1100 {
            wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms(i, "both down")).await.unwrap();
        }
        wait_sent(&wasel, 1100).await;
        let (taqnyat, msegat) = (sim.taqnyat().received_count(), sim.msegat().received_count());
        let sent: Vec<(String, i64)> = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(
            "SELECT provider, COUNT(*) FROM messages WHERE status IN ('sent', 'delivered') GROUP BY provider ORDER BY provider").fetch_all(p).await.unwrap());
        eprintln!(
            "{}: twilio received {}, taqnyat {taqnyat}, msegat {msegat}; by provider {sent:?}",
            db.name,
            sim.twilio().received_count()
        );
        assert_eq!(sim.twilio().received_count(), 0);
        assert_eq!(taqnyat + msegat, 1100, "{}: every message went out once", db.name);
        assert!(msegat >= 100, "{}: Msegat took over when Taqnyat went down too", db.name);
        assert_eq!(sent.iter().map(|(_, n)| n).sum::<i64>(), 1100);

        // Twilio recovers: after the cool-down a trial message closes its circuit again.
        sim.twilio().set_faults(Faults::default());
        sim.taqnyat().set_faults(Faults::default());
        tokio::time::sleep(Duration::from_millis(900)).await;
        for i in 1100..1120 {
            wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms(i, "recovered")).await.unwrap();
        }
        wait_sent(&wasel, 1120).await;
        assert!(sim.twilio().received_count() > 0, "{}: Twilio gets traffic again", db.name);
        assert_eq!(route.circuit("twilio"), Some(CircuitState::Closed));
        wasel.stop().await;
    }
}

fn taqnyat(base: &str, token: &str) -> TaqnyatSms {
    TaqnyatSms::new(
        reqwest::Client::builder().timeout(Duration::from_millis(500)).build().unwrap(),
        base,
        token,
        "WASEL",
    )
}

fn msegat(base: &str, key: &str) -> MsegatSms {
    MsegatSms::new(
        reqwest::Client::builder().timeout(Duration::from_millis(500)).build().unwrap(),
        base,
        wasel_sim::msegat::SANDBOX_USERNAME,
        key,
        "WASEL",
    )
}

async fn call(p: &dyn Provider, to: &str, body: &str) -> Result<wasel_core::providers::Accepted, ProviderError> {
    let to = PhoneE164::parse_mobile(to).unwrap();
    p.send(Outgoing { to: to.as_str(), body, content: &Content::Sms, reference: "ref-1", idempotency_key: "key-1" })
        .await
}

#[tokio::test]
async fn taqnyat_and_msegat_answers_are_read_and_classified() {
    let sim = wasel_sim::start(wasel_sim::SimOptions::default()).await.unwrap();
    let base = sim.base_url();
    let t = taqnyat(&base, wasel_sim::taqnyat::SANDBOX_BEARER_TOKEN);
    let m = msegat(&base, wasel_sim::msegat::SANDBOX_API_KEY);

    // Success.
    let a = call(&t, "0555001234", "موعد الغد").await.unwrap();
    assert_eq!((a.provider, a.status), ("taqnyat", MessageStatus::Sent));
    let a = call(&m, "0555001234", "موعد الغد").await.unwrap();
    assert_eq!(a.provider, "msegat");
    // Msegat's duplicate protection answers 1061 for the same text: read as already sent.
    assert!(call(&m, "0555001234", "موعد الغد").await.is_ok());

    // Bad credentials: permanent, with the provider's code.
    let e = call(&taqnyat(&base, "wrong"), "0555001234", "x").await.unwrap_err();
    assert_eq!((e.code(), e.provider_code(), e.class()), ("provider.auth_failed", Some("104"), ErrorClass::Permanent));
    let e = call(&msegat(&base, "wrong"), "0555001234", "x").await.unwrap_err();
    assert_eq!((e.code(), e.provider_code()), ("provider.auth_failed", Some("1020")));

    // Opted-out recipients.
    sim.taqnyat().opt_out("966555001299");
    sim.msegat().opt_out("966555001299");
    let e = call(&t, "0555001299", "x").await.unwrap_err();
    assert_eq!(e.code(), "provider.opted_out");
    let e = call(&m, "0555001299", "y").await.unwrap_err();
    assert_eq!((e.code(), e.provider_code()), ("provider.invalid_number", Some("1120")));

    // 429 with Retry-After, 5xx, down, timeout.
    for (faults, code, class) in [
        (
            Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() },
            "provider.rate_limited",
            ErrorClass::Retryable,
        ),
        (Faults { error_rate: 1.0, ..Faults::default() }, "provider.unavailable", ErrorClass::Failover),
        (Faults { down: true, ..Faults::default() }, "provider.unavailable", ErrorClass::Failover),
        (Faults { timeout_rate: 1.0, ..Faults::default() }, "provider.timeout", ErrorClass::Retryable),
    ] {
        sim.set_faults(faults.clone());
        for p in [&t as &dyn Provider, &m] {
            let e = call(p, "0555001234", "fault").await.unwrap_err();
            assert_eq!((e.code(), e.class()), (code, class), "{} under {faults:?}", p.id());
            if code == "provider.rate_limited" {
                assert_eq!(e.retry_after(), Some(Duration::from_secs(7)), "{}", p.id());
            }
        }
    }
    sim.set_faults(Faults::default());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_malformed_answer_is_a_bad_response_not_a_success() {
    use axum::routing::post;
    let app = axum::Router::new()
        .route("/v1/messages", post(|| async { (axum::http::StatusCode::CREATED, "<html>not json</html>") }))
        .route("/gw/sendsms.php", post(|| async { axum::Json(serde_json::json!({"unexpected": true})) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let e = call(&taqnyat(&base, "t"), "0555001234", "x").await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
    let e = call(&msegat(&base, "k"), "0555001234", "x").await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
}

#[tokio::test]
async fn a_crash_after_failing_over_to_a_provider_that_cannot_be_asked_waits_for_an_operator() {
    use wasel_core::store::queries::outbox as q;
    for db in databases().await {
        // Reconciliation waits a whole lease after the call: a short one keeps the test quick.
        let wasel = wasel_tests::open_with_lease(&db, Duration::from_secs(1)).await;
        let handed = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms(1, "handed to taqnyat")).await.unwrap();
        let first_only =
            wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms(2, "only twilio reached")).await.unwrap();
        let past = chrono::Utc::now() - chrono::Duration::seconds(1);
        q::claim(wasel.db(), "dead-worker", past, 10, false).await.unwrap();
        let id = uuid::Uuid::parse_str(&handed.id).unwrap();
        q::mark_handed_to(wasel.db(), id, "dead-worker", "taqnyat").await.unwrap();
        let d = wasel.dispatcher();
        d.expire_leases().await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(d.reconcile_unknowns().await.unwrap(), 1, "{}", db.name);
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).message(&handed.id).await.unwrap().status,
            MessageStatus::Unknown,
            "Taqnyat cannot be asked"
        );
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).message(&first_only.id).await.unwrap().status,
            MessageStatus::Queued,
            "Twilio says it never arrived"
        );
        let attention: Vec<String> = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .needs_attention()
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(attention, vec![handed.id.clone()]);
    }
}
