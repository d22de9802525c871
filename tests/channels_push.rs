//! Push through FCM and OneSignal against their simulators: what the device shows, dead devices,
//! the FCM access token (fetched once, refreshed when it expires), OneSignal's idempotency, and every
//! provider answer classified with its real code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use wasel_core::domain::{Content, Language, MessageStatus};
use wasel_core::providers::push::fcm::FcmPush;
use wasel_core::providers::push::onesignal::{self, OneSignalPush};
use wasel_core::providers::{Accepted, ErrorClass, Outgoing, Provider, ProviderError, http_client_with_timeout};
use wasel_sim::onesignal::{SANDBOX_API_KEY, SANDBOX_APP_ID, SimSubscription};
use wasel_sim::{Faults, SimOptions, Simulators};

fn push(title: &str, language: Language, service: &str) -> Content {
    let data = BTreeMap::from([("child".to_owned(), "سارة".to_owned()), ("kind".to_owned(), "reminder".to_owned())]);
    Content::Push { title: title.into(), data, service: service.into(), language }
}

async fn call(
    p: &dyn Provider,
    to: &str,
    body: &str,
    content: &Content,
    reference: &str,
) -> Result<Accepted, ProviderError> {
    p.send(Outgoing { to, body, content, reference, idempotency_key: reference }).await
}

fn reference() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn fcm(sims: &Simulators) -> FcmPush {
    fcm_with(sims, http_client_with_timeout(Duration::from_secs(5))).await
}

async fn fcm_with(sims: &Simulators, http: reqwest::Client) -> FcmPush {
    let account = sims.fcm().service_account_json().await.unwrap();
    FcmPush::new(http, &sims.base_url(), &account, None).unwrap()
}

fn onesignal(sims: &Simulators, key: &str) -> OneSignalPush {
    OneSignalPush::new(http_client_with_timeout(Duration::from_secs(5)), &sims.base_url(), SANDBOX_APP_ID, key)
}

/// A server that answers the token endpoint properly and everything else with garbage.
async fn garbage_server() -> String {
    use axum::routing::post;
    let token = || async { axum::Json(serde_json::json!({ "access_token": "ya29.x", "expires_in": 3600 })) };
    let app = axum::Router::new()
        .route("/token", post(token))
        .route("/bad-token", post(|| async { "<html>not json</html>" }))
        .route("/v1/projects/{p}/messages:send", post(|| async { "<html>not json</html>" }))
        .route("/notifications", post(|| async { axum::Json(serde_json::json!({ "unexpected": true })) }))
        .route("/notifications/{id}", axum::routing::get(|| async { "{not json" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

// ---------------------------------------------------------------------------------------------
// FCM

#[tokio::test]
async fn an_fcm_push_reaches_the_device_with_its_title_data_and_collapse_id() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.fcm().new_device();
    let fcm = fcm(&sims).await;
    assert_eq!((fcm.id(), fcm.project_id()), ("fcm", "wasel-sim"));
    let content = push("تذكير الدواء", Language::Ar, "fcm");
    let r = reference();
    let accepted = call(&fcm, &device, "موعد دواء سارة الساعة ١٠", &content, &r).await.unwrap();
    assert_eq!((accepted.provider, accepted.status, accepted.http_status), ("fcm", MessageStatus::Sent, 200));
    assert!(
        accepted.provider_message_id.starts_with("projects/wasel-sim/messages/"),
        "{}",
        accepted.provider_message_id
    );

    // A retry after a lost answer: the device replaces the first copy with the second.
    call(&fcm, &device, "موعد دواء سارة الساعة ١٠", &content, &r).await.unwrap();
    let inbox = sims.fcm().messages();
    assert_eq!(inbox.len(), 2);
    let seen = &inbox[0];
    assert_eq!(seen.token.as_deref(), Some(device.as_str()));
    assert_eq!(seen.title.as_deref(), Some("تذكير الدواء"));
    assert_eq!(seen.body.as_deref(), Some("موعد دواء سارة الساعة ١٠"));
    assert_eq!(seen.data["child"], "سارة");
    assert_eq!(seen.android_priority.as_deref(), Some("HIGH"));
    assert_eq!(seen.collapse_key.as_deref(), Some(r.as_str()));
    assert_eq!(seen.apns_collapse_id.as_deref(), Some(r.as_str()));
    assert!(seen.replaced && !inbox[1].replaced);

    assert!(fcm.check().await.unwrap().contains("wasel-sim"));
    assert_eq!(FcmPush::map_status("accepted"), Some(MessageStatus::Sent));
    assert_eq!(FcmPush::map_status("delivered"), Some(MessageStatus::Delivered));
}

#[tokio::test]
async fn the_fcm_access_token_is_fetched_once_and_reused_for_many_sends() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.fcm().new_device();
    let fcm = std::sync::Arc::new(fcm(&sims).await);
    let content = push("t", Language::En, "fcm");
    let sends = (0..20).map(|i| {
        let (fcm, device, content) = (fcm.clone(), device.clone(), content.clone());
        tokio::spawn(async move { call(fcm.as_ref(), &device, &format!("n{i}"), &content, &reference()).await })
    });
    for send in sends {
        send.await.unwrap().unwrap();
    }
    assert_eq!(sims.fcm().received_count(), 20);
    assert_eq!(sims.fcm().token_requests(), 1, "concurrent sends wait for one token");
    assert_eq!(sims.fcm().tokens_issued(), 1);
}

#[tokio::test]
async fn an_expired_fcm_token_is_refreshed() {
    // Google revokes early (or the clock lied): the 401 triggers exactly one refresh.
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.fcm().new_device();
    let fcm = fcm(&sims).await;
    let content = push("t", Language::En, "fcm");
    call(&fcm, &device, "one", &content, &reference()).await.unwrap();
    sims.fcm().expire_access_tokens();
    call(&fcm, &device, "two", &content, &reference()).await.unwrap();
    assert_eq!(sims.fcm().tokens_issued(), 2);
    assert_eq!(sims.fcm().send_requests(), 3, "one refused with 401, then retried");

    // A token close to its end is replaced before use: no 401 at all.
    let opts = SimOptions {
        fcm: wasel_sim::fcm::FcmOptions { token_lifetime: Duration::from_secs(61), ..Default::default() },
        ..SimOptions::default()
    };
    let sims = wasel_sim::start(opts).await.unwrap();
    let device = sims.fcm().new_device();
    let fcm = fcm_with(&sims, http_client_with_timeout(Duration::from_secs(5))).await;
    call(&fcm, &device, "one", &content, &reference()).await.unwrap();
    call(&fcm, &device, "two", &content, &reference()).await.unwrap();
    assert_eq!(sims.fcm().tokens_issued(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    call(&fcm, &device, "three", &content, &reference()).await.unwrap();
    assert_eq!(sims.fcm().tokens_issued(), 2, "refreshed a minute before expiry");
    assert_eq!(sims.fcm().send_requests(), 3);
}

#[tokio::test]
async fn a_revoked_or_malformed_fcm_token_is_unreachable() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.fcm().new_device();
    let fcm = fcm(&sims).await;
    let content = push("t", Language::Ar, "fcm");
    sims.fcm().revoke_device(&device);
    let e = call(&fcm, &device, "x", &content, &reference()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Unreachable { http_status: Some(404), .. }), "{e:?}");
    assert_eq!(
        (e.code(), e.provider_code(), e.class()),
        ("recipient.device_unregistered", Some("UNREGISTERED"), ErrorClass::Permanent)
    );

    let e = call(&fcm, "not-a-token", "x", &content, &reference()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Unreachable { http_status: Some(400), .. }), "{e:?}");
    assert_eq!(e.provider_code(), Some("UNREGISTERED"));

    // A token of another Firebase project.
    let foreign = wasel_sim::fcm::new_device_token();
    sims.fcm().register_device_in(&foreign, "another-project");
    let e = call(&fcm, &foreign, "x", &content, &reference()).await.unwrap_err();
    assert_eq!((e.code(), e.provider_code()), ("provider.auth_failed", Some("SENDER_ID_MISMATCH")));
}

#[tokio::test]
async fn fcm_refusals_keep_their_real_codes() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.fcm().new_device();
    let fcm = fcm(&sims).await;

    // Too big for FCM (4 KB): the content is refused, not the device.
    let big = push(&"ع".repeat(2100), Language::Ar, "fcm");
    let e = call(&fcm, &device, "x", &big, &reference()).await.unwrap_err();
    assert_eq!(
        (e.code(), e.provider_code(), e.http_status()),
        ("provider.content_invalid", Some("INVALID_ARGUMENT"), Some(400))
    );
    // A reserved data key.
    let reserved = Content::Push {
        title: "t".into(),
        data: BTreeMap::from([("from".to_owned(), "x".to_owned())]),
        service: "fcm".into(),
        language: Language::En,
    };
    let e = call(&fcm, &device, "x", &reserved, &reference()).await.unwrap_err();
    assert_eq!(e.code(), "provider.content_invalid");

    // A service account the token endpoint does not know.
    let mut account: serde_json::Value =
        serde_json::from_str(&sims.fcm().service_account_json().await.unwrap()).unwrap();
    account["client_email"] = "someone-else@wasel-sim.iam.gserviceaccount.com".into();
    let stranger = FcmPush::new(reqwest::Client::new(), &sims.base_url(), &account.to_string(), None).unwrap();
    let e = call(&stranger, &device, "x", &big, &reference()).await.unwrap_err();
    assert_eq!(
        (e.code(), e.provider_code(), e.http_status()),
        ("provider.auth_failed", Some("invalid_grant"), Some(400))
    );
    assert_eq!(stranger.check().await.unwrap_err().code(), "provider.auth_failed");

    // A file that is not a service account at all.
    let e = FcmPush::new(reqwest::Client::new(), &sims.base_url(), "{}", None).unwrap_err();
    assert_eq!((e.code(), e.provider_code()), ("provider.auth_failed", Some("service_account.missing_project_id")));
}

#[tokio::test]
async fn fcm_faults_are_rate_limits_outages_and_timeouts() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.fcm().new_device();
    let fcm = fcm_with(&sims, http_client_with_timeout(Duration::from_millis(500))).await;
    let content = push("t", Language::En, "fcm");
    fcm.check().await.unwrap();

    sims.fcm().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
    let e = call(&fcm, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!(
        (e.code(), e.provider_code(), e.class()),
        ("provider.rate_limited", Some("QUOTA_EXCEEDED"), ErrorClass::Retryable)
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));

    sims.fcm().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let e = call(&fcm, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!((e.code(), e.provider_code(), e.http_status()), ("provider.unavailable", Some("INTERNAL"), Some(500)));

    sims.fcm().set_faults(Faults { down: true, ..Faults::default() });
    let e = call(&fcm, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!(
        (e.code(), e.provider_code(), e.class()),
        ("provider.unavailable", Some("UNAVAILABLE"), ErrorClass::Failover)
    );

    sims.fcm().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
    let e = call(&fcm, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!((e.code(), e.class()), ("provider.timeout", ErrorClass::Retryable));

    sims.fcm().set_faults(Faults::default());
    call(&fcm, &device, "x", &content, &reference()).await.unwrap();
    sims.shutdown().await;
}

#[tokio::test]
async fn a_malformed_fcm_answer_is_a_bad_response_not_a_success() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let account = sims.fcm().service_account_json().await.unwrap();
    let garbage = garbage_server().await;
    let content = push("t", Language::En, "fcm");
    let device = wasel_sim::fcm::new_device_token();

    let send_garbage =
        FcmPush::new(reqwest::Client::new(), &garbage, &account, Some(format!("{garbage}/token"))).unwrap();
    let e = call(&send_garbage, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");

    let token_garbage =
        FcmPush::new(reqwest::Client::new(), &sims.base_url(), &account, Some(format!("{garbage}/bad-token"))).unwrap();
    let e = call(&token_garbage, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
    assert_eq!(token_garbage.check().await.unwrap_err().code(), "provider.bad_response");
}

// ---------------------------------------------------------------------------------------------
// OneSignal

#[tokio::test]
async fn a_onesignal_push_reaches_the_device_in_its_language_and_is_polled_to_delivered() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.onesignal().new_subscription("ar");
    let os = onesignal(&sims, SANDBOX_API_KEY);
    assert_eq!(os.id(), "onesignal");
    let content = push("تذكير", Language::Ar, "onesignal");
    let r = reference();
    let accepted = call(&os, &device, "موعد الدواء", &content, &r).await.unwrap();
    assert_eq!((accepted.provider, accepted.status, accepted.http_status), ("onesignal", MessageStatus::Sent, 200));

    let inbox = sims.onesignal().messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].heading.as_deref(), Some("تذكير"));
    assert_eq!(inbox[0].content, "موعد الدواء");
    assert_eq!(inbox[0].idempotency_key.as_deref(), Some(r.as_str()));
    assert_eq!(inbox[0].data.as_ref().unwrap()["child"], "سارة");

    let report = os.poll_status(&accepted.provider_message_id).await.unwrap().unwrap();
    assert_eq!((report.status, report.provider_status.as_str()), (MessageStatus::Sent, "remaining"));
    tokio::time::sleep(Duration::from_millis(700)).await;
    let report = os.poll_status(&accepted.provider_message_id).await.unwrap().unwrap();
    assert_eq!((report.status, report.provider_status.as_str()), (MessageStatus::Delivered, "successful"));
    assert_eq!(os.poll_status(&uuid::Uuid::now_v7().to_string()).await.unwrap(), None);

    // A device whose deliveries error out ends failed, with OneSignal's counter as the code.
    let broken = sims.onesignal().add_subscription(SimSubscription { errored: true, ..Default::default() }).unwrap();
    let accepted = call(&os, &broken, "x", &content, &reference()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let report = os.poll_status(&accepted.provider_message_id).await.unwrap().unwrap();
    assert_eq!((report.status, report.provider_error_code.as_deref()), (MessageStatus::Failed, Some("errored")));

    assert!(os.check().await.unwrap().contains(SANDBOX_APP_ID));
}

#[tokio::test]
async fn sending_twice_with_the_same_reference_reaches_the_onesignal_device_once() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.onesignal().new_subscription("en");
    let os = onesignal(&sims, SANDBOX_API_KEY);
    let content = push("Reminder", Language::En, "onesignal");
    let r = reference();
    let first = call(&os, &device, "Medicine at 10", &content, &r).await.unwrap();
    let again = call(&os, &device, "Medicine at 10", &content, &r).await.unwrap();
    assert_eq!(first.provider_message_id, again.provider_message_id);
    assert_eq!(sims.onesignal().messages().len(), 1);
    assert_eq!(sims.onesignal().create_requests(), 2);
    call(&os, &device, "Medicine at 10", &content, &reference()).await.unwrap();
    assert_eq!(sims.onesignal().messages().len(), 2, "another reference is another message");
}

#[tokio::test]
async fn unknown_unsubscribed_and_malformed_onesignal_ids_are_unreachable() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let os = onesignal(&sims, SANDBOX_API_KEY);
    let content = push("t", Language::Ar, "onesignal");
    let unknown = uuid::Uuid::now_v7().to_string();
    let gone = sims.onesignal().new_subscription("ar");
    sims.onesignal().unsubscribe(&gone);
    for to in [unknown.as_str(), gone.as_str(), "player-1"] {
        let e = call(&os, to, "x", &content, &reference()).await.unwrap_err();
        assert_eq!(
            (e.code(), e.provider_code(), e.class()),
            ("recipient.device_unregistered", Some("invalid_player_ids"), ErrorClass::Permanent),
            "{to}"
        );
    }
    assert_eq!(sims.onesignal().received_count(), 0);
}

#[tokio::test]
async fn onesignal_refusals_and_faults_are_classified() {
    let sims = wasel_sim::start(SimOptions::default()).await.unwrap();
    let device = sims.onesignal().new_subscription("en");
    let content = push("t", Language::En, "onesignal");

    let wrong = onesignal(&sims, "wrong-key");
    let e = call(&wrong, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!((e.code(), e.http_status(), e.class()), ("provider.auth_failed", Some(403), ErrorClass::Permanent));
    assert_eq!(wrong.check().await.unwrap_err().code(), "provider.auth_failed");

    let big = Content::Push {
        title: "t".into(),
        data: BTreeMap::from([("k".to_owned(), "x".repeat(2100))]),
        service: "onesignal".into(),
        language: Language::En,
    };
    let os = OneSignalPush::new(
        http_client_with_timeout(Duration::from_millis(500)),
        &sims.base_url(),
        SANDBOX_APP_ID,
        SANDBOX_API_KEY,
    );
    let e = call(&os, &device, "x", &big, &reference()).await.unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("provider.content_invalid", Some(400)));

    sims.onesignal().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(100), ..Faults::default() });
    let e = call(&os, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("provider.rate_limited", Some(429)));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(100)));

    sims.onesignal().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let e = call(&os, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!((e.code(), e.class()), ("provider.unavailable", ErrorClass::Failover));
    sims.onesignal().set_faults(Faults { down: true, ..Faults::default() });
    let e = call(&os, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("provider.unavailable", Some(503)));

    sims.onesignal().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
    let e = call(&os, &device, "x", &content, &reference()).await.unwrap_err();
    assert_eq!(e.code(), "provider.timeout");

    sims.onesignal().set_faults(Faults::default());
    call(&os, &device, "x", &content, &reference()).await.unwrap();
    sims.shutdown().await;
}

#[tokio::test]
async fn a_malformed_onesignal_answer_is_a_bad_response_not_a_success() {
    let garbage = garbage_server().await;
    let os = OneSignalPush::new(reqwest::Client::new(), &garbage, SANDBOX_APP_ID, SANDBOX_API_KEY);
    let content = push("t", Language::En, "onesignal");
    let e = call(&os, &uuid::Uuid::now_v7().to_string(), "x", &content, &reference()).await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
    let e = os.poll_status("some-id").await.unwrap_err();
    assert_eq!(e.code(), "provider.bad_response");
    assert_eq!(onesignal::map_status("successful"), Some(MessageStatus::Delivered));
}
