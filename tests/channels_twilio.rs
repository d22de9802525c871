//! WhatsApp and reminder calls through Twilio, against the Twilio simulator: templates go by their
//! `ContentSid` and free text only inside the window, calls speak the script twice in the guardian's
//! language, every Twilio answer lands in its `ProviderError` with Twilio's own code, and the signed
//! callbacks read back as statuses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use axum::{Form, Router};
use tokio::sync::mpsc;
use wasel_core::domain::{Content, Language, MessageStatus, PhoneE164, TemplateUse};
use wasel_core::providers::voice::twilio::{TwilioVoice, parse_call_callback};
use wasel_core::providers::whatsapp::twilio::{TwilioWhatsapp, error_for_code, parse_inbound, parse_status_callback};
use wasel_core::providers::whatsapp::{TemplateInfo, TemplateStatus};
use wasel_core::providers::{Accepted, Outgoing, Provider, ProviderError, Report, http_client_with_timeout};
use wasel_sim::twilio::{Inbound, SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_NUMBER};
use wasel_sim::{Faults, SimOptions, Simulators, twilio_signature};

const GUARDIAN: &str = "0555001234";
const REFERENCE: &str = "0192f0c4-5b7e-7abc-8def-000000000001";

async fn sim() -> Simulators {
    let mut opts = SimOptions::default();
    opts.twilio.sending_after = Duration::from_millis(10);
    opts.twilio.sent_after = Duration::from_millis(25);
    opts.twilio.delivered_after = Duration::from_millis(40);
    opts.twilio_voice.cps = 0.0;
    opts.twilio_voice.ringing_after = Duration::from_millis(10);
    opts.twilio_voice.answered_after = Duration::from_millis(30);
    opts.twilio_voice.talk_time = Duration::from_millis(30);
    wasel_sim::start(opts).await.unwrap()
}

fn whatsapp(base: &str, token: &str, callback: Option<String>) -> TwilioWhatsapp {
    let http = http_client_with_timeout(Duration::from_millis(500));
    TwilioWhatsapp::new(http, base, base, SANDBOX_ACCOUNT_SID, token, SANDBOX_NUMBER, callback)
}

fn voice(base: &str, token: &str, callback: Option<String>) -> TwilioVoice {
    let http = http_client_with_timeout(Duration::from_millis(500));
    TwilioVoice::new(http, base, SANDBOX_ACCOUNT_SID, token, SANDBOX_NUMBER, callback)
}

fn template(name: &str, language: &str, params: &[&str], provider_ref: Option<String>) -> Content {
    Content::Whatsapp {
        template: Some(TemplateUse {
            name: name.into(),
            language: language.into(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
            provider_ref,
        }),
    }
}

async fn send(p: &dyn Provider, to: &str, body: &str, content: &Content) -> Result<Accepted, ProviderError> {
    let to = PhoneE164::parse_mobile(to).unwrap();
    p.send(Outgoing { to: to.as_str(), body, content, reference: REFERENCE, idempotency_key: "key-1" }).await
}

/// Polls until the provider reports something other than `sent` (or a generous deadline passes).
async fn settled(p: &dyn Provider, id: &str, until: MessageStatus) -> Report {
    for _ in 0..300 {
        let report = p.poll_status(id).await.unwrap().expect("the provider knows it");
        if report.status == until || report.status == MessageStatus::Failed {
            return report;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{id} never settled");
}

fn find<'a>(templates: &'a [TemplateInfo], name: &str, language: &str) -> &'a TemplateInfo {
    templates.iter().find(|t| t.name == name && t.language == language).unwrap()
}

/// A callback receiver like Wasel's: checks the signature against the full URL, hands on the form.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Vec<(String, String)>>) {
    #[derive(Clone)]
    struct Sink {
        tx: mpsc::UnboundedSender<Vec<(String, String)>>,
        base: String,
    }
    async fn receive(
        State(sink): State<Sink>,
        uri: Uri,
        headers: HeaderMap,
        Form(form): Form<Vec<(String, String)>>,
    ) -> StatusCode {
        let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if signature != twilio_signature(SANDBOX_AUTH_TOKEN, &format!("{}{uri}", sink.base), &form) {
            return StatusCode::FORBIDDEN;
        }
        let _ = sink.tx.send(form);
        StatusCode::NO_CONTENT
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(post(receive)).with_state(Sink { tx, base: base.clone() });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, rx)
}

async fn next_form(rx: &mut mpsc::UnboundedReceiver<Vec<(String, String)>>) -> Vec<(String, String)> {
    tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a callback in time").unwrap()
}

// ---------------------------------------------------------------------------------------------
// WhatsApp

#[tokio::test]
async fn templates_are_listed_with_their_approval_and_a_reminder_goes_out_by_its_content_sid() {
    let sim = sim().await;
    let p = whatsapp(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);

    let templates = p.templates().await.unwrap();
    assert_eq!(templates.len(), 6);
    let reminder = find(&templates, "appointment_reminder", "ar");
    assert_eq!(reminder.status, TemplateStatus::Approved);
    assert_eq!(reminder.category.as_deref(), Some("UTILITY"));
    assert_eq!(reminder.body, "تذكير: موعد {{1}} يوم {{2}} الساعة {{3}} في مركز واصل.");
    assert!(reminder.provider_ref.as_deref().is_some_and(|sid| sid.starts_with("HX") && sid.len() == 34));
    assert_eq!(find(&templates, "payment_due", "ar").status, TemplateStatus::Pending);
    assert_eq!(find(&templates, "promo_offer", "en").status, TemplateStatus::Rejected);
    let listed = Provider::templates(&p).unwrap().list_templates().await.unwrap();
    assert_eq!(listed, templates);

    let content = template("appointment_reminder", "ar", &["سارة", "الأحد", "10:30"], reminder.provider_ref.clone());
    let accepted = send(&p, GUARDIAN, "", &content).await.unwrap();
    assert_eq!(
        (accepted.provider, accepted.status, accepted.http_status),
        ("twilio_whatsapp", MessageStatus::Sent, 201)
    );
    assert!(accepted.provider_message_id.starts_with("SM"));
    let inbox = sim.twilio().messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].to, "whatsapp:+966555001234");
    assert_eq!(inbox[0].from, "whatsapp:+966555000100");
    assert_eq!(inbox[0].body, "تذكير: موعد سارة يوم الأحد الساعة 10:30 في مركز واصل.");
    assert_eq!(inbox[0].template.as_deref(), Some("appointment_reminder"));
    assert_eq!(inbox[0].content_sid, reminder.provider_ref);

    let report = settled(&p, &accepted.provider_message_id, MessageStatus::Read).await;
    assert_eq!(
        report,
        Report { status: MessageStatus::Read, provider_status: "read".into(), provider_error_code: None }
    );
    assert!(p.check().await.unwrap().contains(SANDBOX_ACCOUNT_SID));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_template_without_a_stored_content_sid_is_found_by_name_and_language_if_approved() {
    let sim = sim().await;
    let p = whatsapp(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);
    let content = template("session_cancelled", "en", &["art", "Tuesday"], None);
    send(&p, GUARDIAN, "", &content).await.unwrap();
    let sent = sim.twilio().messages().pop().unwrap();
    assert_eq!(sent.template.as_deref(), Some("session_cancelled"));
    assert!(sent.body.starts_with("Sorry, the art session on Tuesday"));

    // Only a pending one exists: nothing is sent.
    let e = send(&p, GUARDIAN, "", &template("payment_due", "ar", &["1500"], None)).await.unwrap_err();
    assert!(matches!(e, ProviderError::TemplateInvalid { provider_code: None, .. }), "{e:?}");
    assert_eq!(sim.twilio().messages().len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn free_text_fails_later_with_63016_outside_the_window_and_goes_out_once_the_guardian_wrote() {
    let sim = sim().await;
    let p = whatsapp(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);
    let free_text = Content::Whatsapp { template: None };

    let accepted = send(&p, GUARDIAN, "هل يناسبكم الأحد؟", &free_text).await.unwrap();
    let report = settled(&p, &accepted.provider_message_id, MessageStatus::Read).await;
    assert_eq!((report.status, report.provider_error_code.as_deref()), (MessageStatus::Failed, Some("63016")));
    let e = error_for_code(63016, None).unwrap();
    assert!(matches!(e, ProviderError::OutsideWindow { .. }));
    assert_eq!(e.code(), "provider.outside_window");

    let inbound =
        Inbound { from: "whatsapp:+966555001234".into(), body: "نعم يناسبنا".into(), ..Inbound::default() };
    sim.twilio().receive(inbound).await.unwrap();
    let accepted = send(&p, GUARDIAN, "شكراً، نراكم الأحد", &free_text).await.unwrap();
    let report = settled(&p, &accepted.provider_message_id, MessageStatus::Read).await;
    assert_eq!((report.status, report.provider_error_code), (MessageStatus::Read, None));
    assert_eq!(sim.twilio().messages().pop().unwrap().body, "شكراً، نراكم الأحد");
    sim.shutdown().await;
}

#[tokio::test]
async fn recipients_not_on_whatsapp_blocking_us_or_over_the_limit_fail_with_twilios_code() {
    let sim = sim().await;
    let p = whatsapp(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);
    sim.twilio().opt_out("whatsapp:+966555001234");
    let long = "س".repeat(1100);
    let cases = [
        ("0555000024", vec!["x"], "63024", "recipient.not_on_whatsapp"),
        ("0555000003", vec!["x"], "63003", "recipient.not_on_whatsapp"),
        ("0555000018", vec!["x"], "63018", "provider.rate_limited"),
        (GUARDIAN, vec!["x"], "63014", "provider.opted_out"),
        ("0555009999", vec![long.as_str()], "63021", "provider.content_invalid"),
    ];
    let sid = sim.twilio().template("appointment_reminder", "ar").unwrap().sid;
    for (to, params, code, ours) in cases {
        let content = template("appointment_reminder", "ar", &params, Some(sid.clone()));
        let accepted = send(&p, to, "", &content).await.unwrap();
        let report = settled(&p, &accepted.provider_message_id, MessageStatus::Read).await;
        assert_eq!((report.status, report.provider_error_code.as_deref()), (MessageStatus::Failed, Some(code)), "{to}");
        let error = error_for_code(code.parse().unwrap(), None).unwrap();
        assert_eq!((error.code(), error.provider_code()), (ours, Some(code)));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn permanent_whatsapp_refusals_keep_twilios_code() {
    let sim = sim().await;
    let p = whatsapp(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);
    let unknown = template("appointment_reminder", "ar", &[], Some(format!("HX{}", "0".repeat(32))));
    let e = send(&p, GUARDIAN, "", &unknown).await.unwrap_err();
    assert!(matches!(&e, ProviderError::TemplateInvalid { http_status: Some(400), .. }), "{e:?}");
    assert_eq!(e.provider_code(), Some("21655"));

    let wrong = whatsapp(&sim.base_url(), "wrong-token", None);
    let e = send(&wrong, GUARDIAN, "hi", &Content::Whatsapp { template: None }).await.unwrap_err();
    assert_eq!((e.code(), e.http_status(), e.provider_code()), ("provider.auth_failed", Some(401), Some("20003")));
    let e = wrong.templates().await.unwrap_err();
    assert_eq!(e.code(), "provider.auth_failed");
    assert_eq!(wrong.check().await.unwrap_err().code(), "provider.auth_failed");

    let to = "+96655"; // Twilio's own check, not ours: the adapter passes the address through
    let e = p
        .send(Outgoing {
            to,
            body: "hi",
            content: &Content::Whatsapp { template: None },
            reference: REFERENCE,
            idempotency_key: "k",
        })
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.provider_code()), ("provider.invalid_number", Some("21211")));
    let e = send(&p, GUARDIAN, "hi", &Content::Sms).await.unwrap_err();
    assert_eq!(e.code(), "provider.content_invalid");
    assert!(sim.twilio().messages().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn whatsapp_status_callbacks_and_inbound_messages_are_signed_and_read() {
    let sim = sim().await;
    let (base, mut forms) = receiver().await;
    let p = whatsapp(&sim.base_url(), SANDBOX_AUTH_TOKEN, Some(format!("{base}/webhooks/twilio/status")));
    let sid = sim.twilio().template("appointment_reminder", "en").unwrap().sid;
    let accepted = send(&p, GUARDIAN, "", &template("appointment_reminder", "en", &["art"], Some(sid))).await.unwrap();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (message_sid, report) = parse_status_callback(&next_form(&mut forms).await).unwrap();
        assert_eq!(message_sid, accepted.provider_message_id);
        statuses.push(report.status);
    }
    statuses.sort_by_key(|s| *s as u8);
    assert_eq!(statuses, [MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Read]);

    sim.twilio().set_inbound_url(Some(format!("{base}/webhooks/twilio/inbound")));
    let inbound = Inbound {
        from: "whatsapp:+966555001234".into(),
        body: "سأتأخر".into(),
        profile_name: Some("أم سارة".into()),
        ..Inbound::default()
    };
    let received = sim.twilio().receive(inbound).await.unwrap();
    assert_eq!(received.webhook_status, Some(204));
    let message = parse_inbound(&next_form(&mut forms).await).unwrap();
    assert_eq!(message.from_e164, "+966555001234");
    assert_eq!(message.text, "سأتأخر");
    assert_eq!(message.profile_name.as_deref(), Some("أم سارة"));
    assert_eq!(message.message_sid, received.sid);
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Voice

#[tokio::test]
async fn a_reminder_call_says_the_script_twice_in_gulf_arabic_and_ends_delivered() {
    let sim = sim().await;
    let (base, mut forms) = receiver().await;
    let p = voice(&sim.base_url(), SANDBOX_AUTH_TOKEN, Some(format!("{base}/webhooks/twilio/voice")));
    let script = "تذكير: موعد سارة غداً الساعة العاشرة & النصف.";
    let accepted = send(&p, GUARDIAN, script, &Content::Voice { language: Language::Ar }).await.unwrap();
    assert_eq!((accepted.provider, accepted.status, accepted.http_status), ("twilio_voice", MessageStatus::Sent, 201));
    assert!(accepted.provider_message_id.starts_with("CA"));

    let (call_sid, report) = parse_call_callback(&next_form(&mut forms).await).unwrap();
    assert_eq!(call_sid, accepted.provider_message_id);
    assert_eq!(
        report,
        Report { status: MessageStatus::Delivered, provider_status: "completed".into(), provider_error_code: None }
    );
    let polled = settled(&p, &accepted.provider_message_id, MessageStatus::Delivered).await;
    assert_eq!(polled, report);

    let call = sim.twilio_voice().calls().pop().unwrap();
    assert_eq!(call.to, "+966555001234");
    assert_eq!((call.language.as_deref(), call.voice.as_deref()), (Some("ar-AE"), Some("Polly.Hala-Neural")));
    assert_eq!(call.text, format!("{script}\n{script}"));
    assert!(call.duration.is_some_and(|d| d > 2));

    send(&p, GUARDIAN, "Pickup is at two.", &Content::Voice { language: Language::En }).await.unwrap();
    next_form(&mut forms).await;
    let call = sim.twilio_voice().calls().pop().unwrap();
    assert_eq!((call.language.as_deref(), call.voice.as_deref()), (Some("en-US"), Some("Polly.Joanna")));
    assert_eq!(call.says.len(), 2);
    assert!(p.check().await.unwrap().contains(SANDBOX_ACCOUNT_SID));
    sim.shutdown().await;
}

#[tokio::test]
async fn unanswered_calls_fail_with_their_call_status_as_the_code() {
    let sim = sim().await;
    let p = voice(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);
    for (to, status) in [("0555000001", "busy"), ("0555000002", "no-answer"), ("0555000003", "failed")] {
        let accepted = send(&p, to, "تذكير", &Content::Voice { language: Language::Ar }).await.unwrap();
        let report = settled(&p, &accepted.provider_message_id, MessageStatus::Delivered).await;
        assert_eq!(
            report,
            Report {
                status: MessageStatus::Failed,
                provider_status: status.into(),
                provider_error_code: Some(status.into())
            }
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn permanent_call_refusals_keep_twilios_code_and_an_oversized_script_is_never_sent() {
    let sim = sim().await;
    let voice_ar = Content::Voice { language: Language::Ar };
    let wrong = voice(&sim.base_url(), "wrong-token", None);
    let e = send(&wrong, GUARDIAN, "تذكير", &voice_ar).await.unwrap_err();
    assert_eq!((e.code(), e.http_status(), e.provider_code()), ("provider.auth_failed", Some(401), Some("20003")));
    assert_eq!(wrong.check().await.unwrap_err().code(), "provider.auth_failed");

    let p = voice(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);
    let e = p
        .send(Outgoing {
            to: "+96655", body: "تذكير", content: &voice_ar, reference: REFERENCE, idempotency_key: "k"
        })
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.provider_code()), ("provider.invalid_number", Some("21217")));

    let before = sim.twilio_voice().create_requests();
    let e = send(&p, GUARDIAN, &"ا".repeat(2000), &voice_ar).await.unwrap_err();
    assert_eq!(e.code(), "provider.content_invalid");
    let e = send(&p, GUARDIAN, "   ", &voice_ar).await.unwrap_err();
    assert_eq!(e.code(), "provider.content_invalid");
    let e = send(&p, GUARDIAN, "hi", &Content::Sms).await.unwrap_err();
    assert_eq!(e.code(), "provider.content_invalid");
    assert_eq!(sim.twilio_voice().create_requests(), before);
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Both

#[tokio::test]
async fn rate_limits_outages_and_hung_requests_are_classified_for_both_channels() {
    let sim = sim().await;
    let wa = whatsapp(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);
    let call = voice(&sim.base_url(), SANDBOX_AUTH_TOKEN, None);
    let free_text = Content::Whatsapp { template: None };
    let voice_en = Content::Voice { language: Language::En };

    sim.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
    for e in [
        send(&wa, GUARDIAN, "hi", &free_text).await.unwrap_err(),
        send(&call, GUARDIAN, "hi", &voice_en).await.unwrap_err(),
        wa.templates().await.unwrap_err(),
    ] {
        assert!(matches!(e, ProviderError::RateLimited { http_status: 429, .. }), "{e:?}");
        assert_eq!((e.provider_code(), e.retry_after()), (Some("20429"), Some(Duration::from_secs(7))));
    }

    sim.set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    for e in [
        send(&wa, GUARDIAN, "hi", &free_text).await.unwrap_err(),
        send(&call, GUARDIAN, "hi", &voice_en).await.unwrap_err(),
    ] {
        assert!(matches!(e, ProviderError::Unavailable { http_status: Some(500), .. }), "{e:?}");
    }

    sim.set_faults(Faults { down: true, ..Faults::default() });
    for e in [
        send(&wa, GUARDIAN, "hi", &free_text).await.unwrap_err(),
        send(&call, GUARDIAN, "hi", &voice_en).await.unwrap_err(),
    ] {
        assert!(matches!(e, ProviderError::Unavailable { http_status: Some(503), .. }), "{e:?}");
    }

    sim.set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
    for e in [
        send(&wa, GUARDIAN, "hi", &free_text).await.unwrap_err(),
        send(&call, GUARDIAN, "hi", &voice_en).await.unwrap_err(),
    ] {
        assert!(matches!(e, ProviderError::Timeout), "{e:?}");
    }
    assert!(sim.twilio().messages().is_empty());
    assert!(sim.twilio_voice().calls().is_empty());
    sim.set_faults(Faults::default());
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_or_unexpected_answers_are_bad_responses() {
    use axum::routing::get;
    let accounts = format!("/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}");
    let html = || async { (StatusCode::CREATED, "<html>not json</html>") };
    let app = Router::new()
        .route(&format!("{accounts}/Messages.json"), post(html).get(html))
        .route(
            &format!("{accounts}/Calls.json"),
            post(|| async { (StatusCode::CREATED, axum::Json(serde_json::json!({"sid": "SM1", "status": "queued"}))) }),
        )
        .route(
            &format!("{accounts}/Calls/{{sid}}"),
            get(|| async { axum::Json(serde_json::json!({"sid": "CA1", "status": "warping"})) }),
        )
        .route("/v1/ContentAndApprovals", get(|| async { axum::Json(serde_json::json!({"contents": "nope"})) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let wa = whatsapp(&base, SANDBOX_AUTH_TOKEN, None);
    let call = voice(&base, SANDBOX_AUTH_TOKEN, None);
    let content = template("appointment_reminder", "ar", &["x"], Some(format!("HX{}", "1".repeat(32))));
    for e in [
        send(&wa, GUARDIAN, "", &content).await.unwrap_err(),
        wa.templates().await.unwrap_err(),
        wa.check().await.unwrap_err(),
        send(&call, GUARDIAN, "hi", &Content::Voice { language: Language::En }).await.unwrap_err(),
        call.poll_status("CA1").await.unwrap_err(),
    ] {
        assert_eq!(e.code(), "provider.bad_response", "{e:?}");
    }
    // Unknown to the provider: nothing to report, not an error.
    assert_eq!(wa.poll_status("SM404").await.unwrap(), None);
}
