//! WhatsApp through Meta's Cloud API, against the Meta simulator: templates and free text reach the
//! sandbox inbox, every Graph answer lands in its `ProviderError` with Meta's own code, and the signed
//! webhooks read back as statuses (with our reference) and guardians' messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::sync::mpsc;
use wasel_core::domain::{Content, MessageStatus, PhoneE164, TemplateUse};
use wasel_core::providers::whatsapp::meta::{MetaEvent, MetaWhatsapp, map_status, parse_webhook};
use wasel_core::providers::whatsapp::{TemplateInfo, TemplateStatus};
use wasel_core::providers::{ErrorClass, Outgoing, Provider, ProviderError, http_client_with_timeout};
use wasel_sim::meta::{
    Fate, SANDBOX_ACCESS_TOKEN, SANDBOX_API_VERSION, SANDBOX_APP_SECRET, SANDBOX_PHONE_NUMBER_ID, SANDBOX_VERIFY_TOKEN,
    SANDBOX_WABA_ID, SimTemplate,
};
use wasel_sim::{Faults, Simulators, meta_signature};

const GUARDIAN: &str = "0555001234";
const REFERENCE: &str = "0192f0c4-5b7e-7abc-8def-000000000001";

fn meta(base: &str, token: &str) -> MetaWhatsapp {
    MetaWhatsapp::new(
        http_client_with_timeout(Duration::from_millis(500)),
        base,
        SANDBOX_API_VERSION,
        SANDBOX_PHONE_NUMBER_ID,
        SANDBOX_WABA_ID,
        token,
    )
}

fn template(name: &str, language: &str, params: &[&str]) -> Content {
    Content::Whatsapp {
        template: Some(TemplateUse {
            name: name.into(),
            language: language.into(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
            provider_ref: None,
        }),
    }
}

async fn send(
    p: &MetaWhatsapp,
    to: &str,
    body: &str,
    content: &Content,
) -> Result<wasel_core::providers::Accepted, ProviderError> {
    let to = PhoneE164::parse_mobile(to).unwrap();
    p.send(Outgoing { to: to.as_str(), body, content, reference: REFERENCE, idempotency_key: "key-1" }).await
}

async fn reminder(p: &MetaWhatsapp, to: &str) -> Result<wasel_core::providers::Accepted, ProviderError> {
    send(p, to, "", &template("appointment_reminder", "ar", &["سارة", "الأحد", "10:30"])).await
}

async fn sim() -> Simulators {
    let mut opts = wasel_sim::SimOptions::default();
    opts.meta.sent_after = Duration::from_millis(20);
    opts.meta.delivered_after = Duration::from_millis(80);
    opts.meta.read_after = Duration::from_millis(140);
    wasel_sim::start(opts).await.unwrap()
}

/// A webhook receiver like Wasel's: answers the handshake, checks the signature, parses the body.
async fn subscribe(sim: &Simulators) -> mpsc::UnboundedReceiver<Vec<MetaEvent>> {
    async fn verify(Query(hub): Query<HashMap<String, String>>) -> axum::response::Response {
        let token = hub.get("hub.verify_token").map(String::as_str);
        if hub.get("hub.mode").map(String::as_str) == Some("subscribe") && token == Some(SANDBOX_VERIFY_TOKEN) {
            hub.get("hub.challenge").cloned().unwrap_or_default().into_response()
        } else {
            StatusCode::FORBIDDEN.into_response()
        }
    }
    async fn receive(
        State(tx): State<mpsc::UnboundedSender<Vec<MetaEvent>>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if signature != meta_signature(SANDBOX_APP_SECRET, &body) {
            return StatusCode::UNAUTHORIZED;
        }
        match parse_webhook(&body) {
            Ok(events) => {
                let _ = tx.send(events);
                StatusCode::OK
            }
            Err(_) => StatusCode::BAD_REQUEST,
        }
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/meta", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/webhooks/meta", get(verify).post(receive)).with_state(tx);
    tokio::spawn(async move { axum::serve(listener, app).await });
    sim.meta().subscribe_webhook(&url, SANDBOX_VERIFY_TOKEN).await.unwrap();
    rx
}

async fn next_events(rx: &mut mpsc::UnboundedReceiver<Vec<MetaEvent>>) -> Vec<MetaEvent> {
    tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a webhook in time").unwrap()
}

/// The next status event: (wamid, our status, Meta's status, error code, reference).
async fn next_status(
    rx: &mut mpsc::UnboundedReceiver<Vec<MetaEvent>>,
) -> (String, MessageStatus, String, Option<String>, Option<String>) {
    let events = next_events(rx).await;
    match events.into_iter().next() {
        Some(MetaEvent::Status { wamid, report, reference, .. }) => {
            (wamid, report.status, report.provider_status, report.provider_error_code, reference)
        }
        other => panic!("expected a status, got {other:?}"),
    }
}

#[tokio::test]
async fn a_template_reminder_reaches_the_guardian_and_its_statuses_come_back_with_our_reference() {
    let sim = sim().await;
    let mut hooks = subscribe(&sim).await;
    let p = meta(&sim.base_url(), SANDBOX_ACCESS_TOKEN);

    let accepted = reminder(&p, GUARDIAN).await.unwrap();
    assert_eq!((accepted.provider, accepted.status, accepted.http_status), ("meta", MessageStatus::Sent, 200));
    assert!(accepted.provider_message_id.starts_with("wamid."));
    let inbox = sim.meta().messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].to, "966555001234");
    assert_eq!(inbox[0].kind, "template");
    assert_eq!(inbox[0].text, "تذكير: موعد سارة يوم الأحد الساعة 10:30 في مركز واصل.");
    assert_eq!(
        (inbox[0].template.as_deref(), inbox[0].language.as_deref()),
        (Some("appointment_reminder"), Some("ar"))
    );
    assert_eq!(inbox[0].biz_opaque_callback_data.as_deref(), Some(REFERENCE));

    for (status, meta_status) in
        [(MessageStatus::Sent, "sent"), (MessageStatus::Delivered, "delivered"), (MessageStatus::Read, "read")]
    {
        let (wamid, ours, theirs, code, reference) = next_status(&mut hooks).await;
        assert_eq!(wamid, accepted.provider_message_id);
        assert_eq!((ours, theirs.as_str(), code), (status, meta_status, None));
        assert_eq!(reference.as_deref(), Some(REFERENCE));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn free_text_goes_out_inside_the_window_and_fails_with_131047_outside_it() {
    let sim = sim().await;
    let mut hooks = subscribe(&sim).await;
    let p = meta(&sim.base_url(), SANDBOX_ACCESS_TOKEN);
    let free_text = Content::Whatsapp { template: None };

    // Nobody wrote yet: Meta takes it, then reports it failed.
    let accepted = send(&p, GUARDIAN, "هل يناسبكم الأحد؟", &free_text).await.unwrap();
    let (wamid, status, _, code, _) = next_status(&mut hooks).await;
    assert_eq!((wamid, status, code.as_deref()), (accepted.provider_message_id, MessageStatus::Failed, Some("131047")));

    // The guardian writes: the inbound webhook arrives and the window opens.
    sim.meta().inbound("966555001234", "نعم يناسبنا", "أم سارة").unwrap();
    let events = next_events(&mut hooks).await;
    let MetaEvent::Inbound { from_e164, text, wamid, .. } = &events[0] else { panic!("{events:?}") };
    assert_eq!((from_e164.as_str(), text.as_str()), ("+966555001234", "نعم يناسبنا"));
    assert!(wamid.starts_with("wamid."));

    send(&p, GUARDIAN, "شكراً، نراكم الأحد", &free_text).await.unwrap();
    let (_, status, _, code, _) = next_status(&mut hooks).await;
    assert_eq!((status, code), (MessageStatus::Sent, None));
    let last = sim.meta().messages().pop().unwrap();
    assert_eq!((last.kind.as_str(), last.text.as_str()), ("text", "شكراً، نراكم الأحد"));
    sim.shutdown().await;
}

#[tokio::test]
async fn recipients_not_on_whatsapp_or_opted_out_fail_later_with_metas_code() {
    let sim = sim().await;
    let mut hooks = subscribe(&sim).await;
    let p = meta(&sim.base_url(), SANDBOX_ACCESS_TOKEN);
    sim.meta().set_fate("+966555000026", Fate::Undeliverable);
    sim.meta().opt_out("+966555000050");
    for (to, code) in [("0555000026", "131026"), ("0555000050", "131050")] {
        reminder(&p, to).await.unwrap();
        let (_, status, theirs, got, _) = next_status(&mut hooks).await;
        assert_eq!((status, theirs.as_str(), got.as_deref()), (MessageStatus::Failed, "failed", Some(code)));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn permanent_graph_errors_keep_metas_code() {
    let sim = sim().await;
    let base = sim.base_url();
    let p = meta(&base, SANDBOX_ACCESS_TOKEN);

    let e = reminder(&meta(&base, "EAAwrong"), GUARDIAN).await.unwrap_err();
    assert_eq!((e.code(), e.provider_code(), e.http_status()), ("provider.auth_failed", Some("190"), Some(401)));
    assert_eq!(e.class(), ErrorClass::Permanent);

    for (content, code, http) in [
        (template("no_such_template", "ar", &["x"]), "132001", 404),
        (template("payment_due", "ar", &["300", "1 ديسمبر"]), "132001", 404),
        (template("promo_offer", "en", &["20"]), "132001", 404),
        (template("appointment_reminder", "ar", &["سارة"]), "132000", 400),
    ] {
        let e = send(&p, GUARDIAN, "", &content).await.unwrap_err();
        assert_eq!(
            (e.code(), e.provider_code(), e.http_status()),
            ("provider.template_invalid", Some(code), Some(http))
        );
        assert_eq!(e.class(), ErrorClass::Permanent);
    }

    // A number Graph cannot read: invalid parameter (100) is a plain rejection.
    let e = p
        .send(Outgoing {
            to: "+12",
            body: "x",
            content: &Content::Whatsapp { template: None },
            reference: REFERENCE,
            idempotency_key: "k",
        })
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.provider_code(), e.http_status()), ("provider.rejected", Some("100"), Some(400)));
    assert_eq!(sim.meta().received_count(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limits_outages_and_timeouts_are_classified() {
    let sim = sim().await;
    let p = meta(&sim.base_url(), SANDBOX_ACCESS_TOKEN);

    sim.meta().set_fate("966555000056", Fate::PairRateLimited);
    let e = reminder(&p, "0555000056").await.unwrap_err();
    assert_eq!(
        (e.code(), e.provider_code(), e.class()),
        ("provider.rate_limited", Some("131056"), ErrorClass::Retryable)
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(6)));

    for (faults, code, provider_code, class) in [
        (
            Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() },
            "provider.rate_limited",
            Some("130429"),
            ErrorClass::Retryable,
        ),
        (Faults { error_rate: 1.0, ..Faults::default() }, "provider.unavailable", Some("1"), ErrorClass::Failover),
        (Faults { down: true, ..Faults::default() }, "provider.unavailable", Some("2"), ErrorClass::Failover),
        (Faults { timeout_rate: 1.0, ..Faults::default() }, "provider.timeout", None, ErrorClass::Retryable),
    ] {
        sim.meta().set_faults(faults.clone());
        let e = reminder(&p, GUARDIAN).await.unwrap_err();
        assert_eq!((e.code(), e.provider_code(), e.class()), (code, provider_code, class), "{faults:?}");
        if code == "provider.rate_limited" {
            assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        }
    }
    sim.meta().set_faults(Faults::default());
    assert!(reminder(&p, GUARDIAN).await.is_ok());
    sim.shutdown().await;
}

#[tokio::test]
async fn test_connection_reads_the_phone_number_and_templates_are_listed_across_pages() {
    let sim = sim().await;
    let p = meta(&sim.base_url(), SANDBOX_ACCESS_TOKEN);
    let detail = p.check().await.unwrap();
    assert_eq!(detail, "Wasel Day Care · +966 55 500 0100 · GREEN");
    let e = meta(&sim.base_url(), "EAAwrong").check().await.unwrap_err();
    assert_eq!((e.code(), e.provider_code()), ("provider.auth_failed", Some("190")));
    assert_eq!(p.poll_status("wamid.anything").await.unwrap(), None);

    let templates = p.templates().await.unwrap();
    assert_eq!(templates.len(), 6);
    let find = |name: &str, language: &str| -> &TemplateInfo {
        templates.iter().find(|t| t.name == name && t.language == language).unwrap()
    };
    let ar = find("appointment_reminder", "ar");
    assert_eq!((ar.status, ar.category.as_deref()), (TemplateStatus::Approved, Some("UTILITY")));
    assert!(ar.body.contains("{{3}}"));
    assert!(ar.provider_ref.as_deref().is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit())));
    assert_eq!(find("payment_due", "ar").status, TemplateStatus::Pending);
    assert_eq!(find("promo_offer", "en").status, TemplateStatus::Rejected);

    // More than one page (the adapter asks for 100 at a time).
    for i in 0..120 {
        sim.meta()
            .add_template(SimTemplate {
                id: String::new(),
                name: format!("notice_{i:03}"),
                language: "ar".into(),
                category: "UTILITY".into(),
                body: "تنبيه: {{1}}".into(),
                status: wasel_sim::meta::TemplateStatus::Approved,
            })
            .unwrap();
    }
    let templates = p.templates().await.unwrap();
    assert_eq!(templates.len(), 126);
    assert_eq!(templates.last().unwrap().name, "notice_119");
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_or_unexpected_answers_are_bad_responses_and_each_graph_code_has_its_class() {
    // A fake Graph: the phone number id in the path picks the answer.
    async fn answer(Path(id): Path<String>) -> axum::response::Response {
        let graph_error = |http: u16, code: i64| {
            let body = serde_json::json!({ "error": { "message": "(#x) test", "type": "OAuthException", "code": code,
                "error_data": { "messaging_product": "whatsapp", "details": "test" }, "fbtrace_id": "Atest" } });
            (StatusCode::from_u16(http).unwrap(), [("retry-after", "9")], axum::Json(body)).into_response()
        };
        match id.as_str() {
            "html" => (StatusCode::OK, "<html>not json</html>").into_response(),
            "nomessages" => axum::Json(serde_json::json!({ "messaging_product": "whatsapp" })).into_response(),
            "notawamid" => axum::Json(serde_json::json!({ "messages": [{ "id": "12345" }] })).into_response(),
            "html500" => (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>").into_response(),
            code => {
                let (http, code) = code.split_once('-').unwrap();
                graph_error(http.parse().unwrap(), code.parse().unwrap())
            }
        }
    }
    let app = axum::Router::new().route(&format!("/{SANDBOX_API_VERSION}/{{id}}/messages"), post(answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let on = |id: &str| {
        MetaWhatsapp::new(
            http_client_with_timeout(Duration::from_millis(500)),
            &base,
            SANDBOX_API_VERSION,
            id,
            SANDBOX_WABA_ID,
            "t",
        )
    };
    for id in ["html", "nomessages", "notawamid"] {
        let e = reminder(&on(id), GUARDIAN).await.unwrap_err();
        assert_eq!(e.code(), "provider.bad_response", "{id}");
    }
    let e = reminder(&on("html500"), GUARDIAN).await.unwrap_err();
    assert_eq!((e.code(), e.class()), ("provider.unavailable", ErrorClass::Failover));

    for (id, code) in [
        ("400-131047", "provider.outside_window"),
        ("400-131026", "recipient.not_on_whatsapp"),
        ("400-131050", "provider.opted_out"),
        ("400-132001", "provider.template_invalid"),
        ("400-132018", "provider.template_invalid"),
        ("400-131048", "provider.rate_limited"),
        ("400-131051", "provider.content_invalid"),
        ("403-200", "provider.auth_failed"),
        ("400-100", "provider.rejected"),
        ("503-131016", "provider.unavailable"),
    ] {
        let e = reminder(&on(id), GUARDIAN).await.unwrap_err();
        let expected_code = id.split_once('-').unwrap().1;
        assert_eq!((e.code(), e.provider_code()), (code, Some(expected_code)), "{id}");
        if code == "provider.rate_limited" {
            assert_eq!(e.retry_after(), Some(Duration::from_secs(9)));
        }
    }
}

#[test]
fn webhook_bodies_parse_into_statuses_and_messages() {
    assert_eq!(map_status("delivered"), Some(MessageStatus::Delivered));
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"999888777666555","changes":[
        {"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"966555000100","phone_number_id":"111222333444555"},
          "statuses":[{"id":"wamid.X","status":"failed","timestamp":"1764000000","recipient_id":"966555001234",
            "biz_opaque_callback_data":"0192f0c4-5b7e-7abc-8def-000000000001",
            "errors":[{"code":131026,"title":"Message undeliverable"}]}]},"field":"messages"},
        {"value":{"event":"APPROVED","message_template_id":1,"message_template_name":"x","message_template_language":"ar","reason":"NONE"},
          "field":"message_template_status_update"}]}]}"#;
    let events = parse_webhook(body).unwrap();
    assert_eq!(events.len(), 1, "template updates are skipped");
    let MetaEvent::Status { wamid, report, at, reference } = &events[0] else { panic!() };
    assert_eq!(wamid, "wamid.X");
    assert_eq!((report.status, report.provider_error_code.as_deref()), (MessageStatus::Failed, Some("131026")));
    assert_eq!(at.timestamp(), 1_764_000_000);
    assert_eq!(reference.as_deref(), Some(REFERENCE));

    for garbage in ["not json", r#"{"object":"page","entry":[]}"#, r#"{"entry":[]}"#] {
        let e = parse_webhook(garbage.as_bytes()).unwrap_err();
        assert_eq!(e.code(), "provider.bad_response");
    }
}
