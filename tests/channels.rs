//! Every channel end to end through the app (compose checks → outbox → dispatcher → simulator →
//! status by webhook or poll → sandbox inbox), on both databases, and the webhook receiver's
//! refusal of forged and replayed callbacks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::Engine;
use wasel_core::Wasel;
use wasel_core::api::{AttachmentInput, InboundInput, MessageView, SendMessageInput, TemplateFill};
use wasel_core::domain::{Channel, MessageStatus};

/// Real-credential Taqnyat, pointed at the simulator (a test stand-in for api.taqnyat.sa).
fn taqnyat_on(sim: &str) -> wasel_core::api::ProviderInput {
    wasel_tests::provider_input(
        "taqnyat",
        &[
            ("token", wasel_sim::taqnyat::SANDBOX_BEARER_TOKEN),
            ("sender", wasel_sim::taqnyat::SANDBOX_SENDER),
            ("base_url", sim),
        ],
    )
}

fn input(channel: Channel, to: &str, body: &str) -> SendMessageInput {
    SendMessageInput {
        channel,
        to: to.into(),
        guardian_id: None,
        body: body.into(),
        idempotency_key: None,
        send_at: None,
        expires_at: None,
        urgent: None,
        template: None,
        subject: None,
        html: None,
        attachments: Vec::new(),
        language: None,
        subject_en: None,
        body_en: None,
    }
}

async fn wait(wasel: &Wasel, m: &MessageView, statuses: &[MessageStatus]) -> MessageView {
    wasel.messaging(&wasel_core::api::SYSTEM).wait_for(&m.id, statuses, Duration::from_secs(20)).await.unwrap()
}

const FINAL: [MessageStatus; 3] = [MessageStatus::Delivered, MessageStatus::Read, MessageStatus::Failed];

async fn guardian(wasel: &Wasel, phone: &str) -> wasel_core::api::GuardianView {
    wasel
        .messaging(&wasel_core::api::SYSTEM)
        .list_guardians()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.phone == phone)
        .unwrap()
}

#[tokio::test]
async fn every_channel_reaches_its_simulator_and_reports_back() {
    for db in wasel_tests::databases().await {
        let wasel = wasel_tests::open(&db).await;
        wasel.start_background();
        let noura = guardian(&wasel, "+966555001201").await;

        // WhatsApp: an approved template through Meta (first in the order), read receipt by webhook.
        let templates = wasel.providers(&wasel_core::api::SYSTEM).whatsapp_templates().await.unwrap();
        assert!(templates.iter().any(|t| t.provider == "meta" && t.name == "appointment_reminder"), "{}", db.name);
        let mut wa = input(Channel::Whatsapp, "0555001201", "");
        wa.template = Some(TemplateFill {
            name: "appointment_reminder".into(),
            language: "ar".into(),
            params: vec!["ريم".into(), "الأحد".into(), "10:30".into()],
        });
        let preview = wasel.messaging(&wasel_core::api::SYSTEM).preview_message(&wa).await.unwrap();
        assert!(preview.problems.is_empty(), "{:?}", preview.problems);
        assert!(preview.rendered.as_deref().unwrap().contains("ريم"));
        let sent = wasel.messaging(&wasel_core::api::SYSTEM).send_message(wa).await.unwrap().remove(0);
        let done = wait(&wasel, &sent, &[MessageStatus::Read, MessageStatus::Failed]).await;
        assert_eq!((done.status, done.provider.as_deref()), (MessageStatus::Read, Some("meta")), "{}", db.name);

        // WhatsApp free text: refused outside the window, allowed once the guardian wrote.
        let free = input(Channel::Whatsapp, "0555001202", "شكرًا لتواصلكم");
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).send_message(free.clone()).await.unwrap_err().code(),
            "whatsapp.outside_window"
        );
        wasel
            .sandbox_inbox(&wasel_core::api::SYSTEM)
            .reply(InboundInput {
                channel: Channel::Whatsapp,
                from: "0555001202".into(),
                text: "متى الموعد؟".into(),
                provider: None,
            })
            .await
            .unwrap();
        let window = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let w = wasel.messaging(&wasel_core::api::SYSTEM).whatsapp_window("+966555001202").await.unwrap();
                if w.open {
                    return w;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .expect("the inbound webhook opens the window");
        assert!(window.closes_at.is_some());
        let free_sent = wasel.messaging(&wasel_core::api::SYSTEM).send_message(free).await.unwrap().remove(0);
        assert_ne!(wait(&wasel, &free_sent, &FINAL).await.status, MessageStatus::Failed);

        // Email with an Arabic subject and a PDF attachment.
        let mut email = input(Channel::Email, "", "نذكّركم بموعد الغد.");
        email.guardian_id = Some(noura.id.clone());
        email.subject = Some("تذكير بالموعد".into());
        email.html = Some("<p>نذكّركم بموعد <b>الغد</b>.</p>".into());
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        email.attachments.push(AttachmentInput {
            filename: "تقرير.pdf".into(),
            content_type: "application/pdf".into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(pdf),
        });
        let mail = wasel.messaging(&wasel_core::api::SYSTEM).send_message(email).await.unwrap().remove(0);
        let mail = wait(&wasel, &mail, &[MessageStatus::Sent, MessageStatus::Failed]).await;
        assert_eq!(mail.status, MessageStatus::Sent, "{:?}", mail.error);
        assert_eq!(mail.to, "noura.alharbi@example.com");

        // Push: one message per device of the guardian (two for Noura: FCM and OneSignal).
        let mut push = input(Channel::Push, "", "تم تأكيد الموعد");
        push.guardian_id = Some(noura.id.clone());
        push.subject = Some("واصل".into());
        push.subject_en = Some("Wasel".into());
        push.body_en = Some("Your appointment is confirmed".into());
        let pushes = wasel.messaging(&wasel_core::api::SYSTEM).send_message(push).await.unwrap();
        assert_eq!(pushes.len(), 2);
        // Each device in its own language: the Arabic phone, the English iPad.
        let mut bodies: Vec<_> = pushes.iter().map(|p| p.body.as_str()).collect();
        bodies.sort_unstable();
        assert_eq!(bodies, ["Your appointment is confirmed", "تم تأكيد الموعد"]);
        for p in &pushes {
            let p = wait(&wasel, p, &[MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Failed]).await;
            assert_ne!(p.status, MessageStatus::Failed, "{:?}", p.error);
        }

        // Voice: answered → delivered; a number the simulator keeps busy → failed with "busy".
        let call = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_message(input(Channel::Voice, "0555001201", "موعدكم غدًا الساعة العاشرة"))
            .await
            .unwrap();
        let call = wait(&wasel, &call[0], &FINAL).await;
        assert_eq!(call.status, MessageStatus::Delivered, "{}: {:?}", db.name, call.error);
        let busy = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_message(input(Channel::Voice, "0555000001", "موعدكم غدًا"))
            .await
            .unwrap();
        let busy = wait(&wasel, &busy[0], &FINAL).await;
        assert_eq!(busy.status, MessageStatus::Failed);
        assert_eq!(busy.error.unwrap().params.get("code").map(String::as_str), Some("busy"));

        // The sandbox inbox shows what each recipient saw.
        let inbox = wasel.sandbox_inbox(&wasel_core::api::SYSTEM).list(None).await.unwrap();
        for channel in [Channel::Whatsapp, Channel::Email, Channel::Push, Channel::Voice] {
            assert!(inbox.iter().any(|i| i.channel == channel), "{channel:?} missing from the inbox");
        }
        let email_item = inbox.iter().find(|i| i.channel == Channel::Email).unwrap();
        assert_eq!(email_item.title.as_deref(), Some("تذكير بالموعد"));
        assert_eq!(email_item.attachments[0].filename, "تقرير.pdf");
        assert_eq!(email_item.attachments[0].size as usize, pdf.len());
        let wa_item = inbox.iter().find(|i| i.channel == Channel::Whatsapp && i.title.is_some()).unwrap();
        assert!(wa_item.text.contains("ريم") && wa_item.text.contains("10:30"), "{}", wa_item.text);
        let call_item = inbox.iter().find(|i| i.channel == Channel::Voice && i.status == "completed").unwrap();
        assert!(call_item.text.contains("موعدكم"), "{call_item:?}");

        // The channel filter of the message list.
        let voice_only = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .list_messages(wasel_core::api::MessageFilter { channel: Some(Channel::Voice), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(voice_only.len(), 2);
        wasel.stop().await;
    }
}

#[tokio::test]
async fn compose_refuses_bad_input_per_channel_with_its_code() {
    for db in wasel_tests::databases().await {
        let wasel = wasel_tests::open(&db).await;
        let noura = guardian(&wasel, "+966555001201").await;
        let code = |r: wasel_core::Result<Vec<MessageView>>| r.unwrap_err().code();

        assert_eq!(
            code(
                wasel
                    .messaging(&wasel_core::api::SYSTEM)
                    .send_message(input(Channel::Email, "not-an-address", "x"))
                    .await
            ),
            "email.invalid"
        );
        let mut no_subject = input(Channel::Email, "guardian@example.com", "x");
        no_subject.subject = Some("  ".into());
        assert_eq!(code(wasel.messaging(&wasel_core::api::SYSTEM).send_message(no_subject).await), "subject.required");
        let mut big = input(Channel::Email, "guardian@example.com", "x");
        big.subject = Some("s".into());
        big.attachments.push(AttachmentInput {
            filename: "big.pdf".into(),
            content_type: "application/pdf".into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(vec![0u8; 11 * 1024 * 1024]),
        });
        assert_eq!(code(wasel.messaging(&wasel_core::api::SYSTEM).send_message(big).await), "attachment.too_large");

        let mut pending = input(Channel::Whatsapp, "0555001201", "");
        pending.template = Some(TemplateFill { name: "payment_due".into(), language: "ar".into(), params: vec![] });
        assert_eq!(
            code(wasel.messaging(&wasel_core::api::SYSTEM).send_message(pending).await),
            "template.not_approved"
        );
        let mut few = input(Channel::Whatsapp, "0555001201", "");
        few.template = Some(TemplateFill {
            name: "appointment_reminder".into(),
            language: "ar".into(),
            params: vec!["ريم".into()],
        });
        assert_eq!(code(wasel.messaging(&wasel_core::api::SYSTEM).send_message(few).await), "template.params");

        let mut push = input(Channel::Push, "", "x");
        push.subject = Some("t".into());
        assert_eq!(
            code(wasel.messaging(&wasel_core::api::SYSTEM).send_message(push.clone()).await),
            "push.guardian_required"
        );
        push.subject = None;
        push.guardian_id = Some(noura.id.clone());
        assert_eq!(code(wasel.messaging(&wasel_core::api::SYSTEM).send_message(push).await), "title.required");

        assert_eq!(
            code(
                wasel.messaging(&wasel_core::api::SYSTEM).send_message(input(Channel::Voice, "0112345678", "x")).await
            ),
            "phone.not_mobile"
        );
        // Nothing was written by any of them.
        assert!(
            wasel.messaging(&wasel_core::api::SYSTEM).list_messages(Default::default()).await.unwrap().is_empty(),
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn a_dead_push_token_disables_the_device() {
    for db in wasel_tests::databases().await {
        let wasel = wasel_tests::open(&db).await;
        wasel.start_background();
        let khalid = guardian(&wasel, "+966555001202").await;
        let device = wasel.messaging(&wasel_core::api::SYSTEM).guardian_devices(&khalid.id).await.unwrap().remove(0);
        let token =
            wasel_core::store::queries::channels::devices_of(wasel.db(), uuid::Uuid::parse_str(&khalid.id).unwrap())
                .await
                .unwrap()
                .remove(0)
                .token;
        let sim = wasel_sandbox::simulators(&wasel).unwrap().base_url();
        reqwest::Client::new()
            .delete(format!("{sim}/_sim/fcm/devices/{token}"))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();

        let mut push = input(Channel::Push, "", "x");
        push.guardian_id = Some(khalid.id.clone());
        push.subject = Some("t".into());
        let sent = wasel.messaging(&wasel_core::api::SYSTEM).send_message(push.clone()).await.unwrap().remove(0);
        let done = wait(&wasel, &sent, &FINAL).await;
        assert_eq!(done.status, MessageStatus::Failed);
        assert_eq!(done.error.unwrap().code, "recipient.device_unregistered");
        let after = wasel.messaging(&wasel_core::api::SYSTEM).guardian_devices(&khalid.id).await.unwrap();
        assert!(after.iter().find(|d| d.id == device.id).unwrap().disabled, "{}", db.name);
        // Khalid has no other device: the next push is refused before anything is written.
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).send_message(push).await.unwrap_err().code(),
            "push.no_devices"
        );
        wasel.stop().await;
    }
}

#[tokio::test]
async fn providers_are_listed_checked_and_reordered() {
    for db in wasel_tests::databases().await {
        let wasel = wasel_tests::open(&db).await;
        wasel.start_background();
        let providers = wasel.providers(&wasel_core::api::SYSTEM).list_providers().await.unwrap();
        assert_eq!(providers.len(), 9);
        for p in &providers {
            assert!(!p.configured, "{} has no real credentials", p.id);
            let check = wasel.providers(&wasel_core::api::SYSTEM).test_provider(&p.id).await.unwrap();
            assert!(check.sandbox);
            match p.id.as_str() {
                "msegat" => assert_eq!(check.error.unwrap().code, "provider.check_unsupported"),
                _ => assert!(check.ok, "{}: {:?}", p.id, check.error),
            }
        }
        // Twilio first for WhatsApp: a template now goes through Twilio's Content API.
        let view = wasel
            .providers(&wasel_core::api::SYSTEM)
            .set_failover_order(Channel::Whatsapp, vec!["twilio_whatsapp".into(), "meta".into()])
            .await
            .unwrap();
        let first = view.iter().find(|p| p.channel == Channel::Whatsapp && p.position == 0).unwrap();
        assert_eq!(first.id, "twilio_whatsapp");
        wasel.providers(&wasel_core::api::SYSTEM).refresh_whatsapp_templates().await.unwrap();
        let mut wa = input(Channel::Whatsapp, "0555001203", "");
        wa.template = Some(TemplateFill {
            name: "appointment_reminder".into(),
            language: "en".into(),
            params: vec!["Leen".into(), "Sunday".into(), "10:30".into()],
        });
        let sent = wasel.messaging(&wasel_core::api::SYSTEM).send_message(wa).await.unwrap().remove(0);
        let done = wait(&wasel, &sent, &[MessageStatus::Delivered, MessageStatus::Read, MessageStatus::Failed]).await;
        assert_eq!(done.provider.as_deref(), Some("twilio_whatsapp"), "{:?}", done.error);
        assert_ne!(done.status, MessageStatus::Failed, "{:?}", done.error);

        // A wrong field is refused with its name, and nothing is saved.
        let bad = wasel_core::api::ProviderInput {
            id: "taqnyat".into(),
            fields: [("token".to_owned(), "t0k3n".to_owned()), ("sender".to_owned(), "way too long sender".to_owned())]
                .into(),
            rate_per_sec: None,
            unit_price_halalas: None,
        };
        assert_eq!(
            wasel.providers(&wasel_core::api::SYSTEM).save_provider(bad).await.unwrap_err().code(),
            "credentials.from_invalid"
        );
        assert!(
            !wasel
                .providers(&wasel_core::api::SYSTEM)
                .list_providers()
                .await
                .unwrap()
                .iter()
                .find(|p| p.id == "taqnyat")
                .unwrap()
                .configured
        );
        wasel.stop().await;
    }
}

#[tokio::test]
async fn the_cost_is_estimated_before_sending_from_the_providers_price() {
    let db = wasel_tests::databases().await.remove(0);
    let wasel = wasel_tests::open(&db).await;
    // 71 Arabic characters: two UCS-2 segments.
    let long = "ت".repeat(71);
    let preview = wasel
        .messaging(&wasel_core::api::SYSTEM)
        .preview_message(&input(Channel::Sms, "0555001234", &long))
        .await
        .unwrap();
    let cost = preview.cost.unwrap();
    assert_eq!((cost.provider.as_str(), cost.units, cost.currency.as_str()), ("twilio", 2, "SAR"));
    assert_eq!(cost.total_halalas, 2 * cost.unit_price_halalas);
    // The price is the centre's contract price, set in Settings → Providers.
    let input_price = wasel_core::api::ProviderInput {
        id: "twilio".into(),
        fields: Default::default(),
        rate_per_sec: None,
        unit_price_halalas: Some(6),
    };
    wasel.providers(&wasel_core::api::SYSTEM).save_provider(input_price).await.unwrap();
    let preview = wasel
        .messaging(&wasel_core::api::SYSTEM)
        .preview_message(&input(Channel::Sms, "0555001234", &long))
        .await
        .unwrap();
    assert_eq!(preview.cost.unwrap().total_halalas, 12);
    let order = vec!["taqnyat".to_owned(), "twilio".to_owned(), "msegat".to_owned()];
    wasel.providers(&wasel_core::api::SYSTEM).set_failover_order(Channel::Sms, order).await.unwrap();
    let preview = wasel
        .messaging(&wasel_core::api::SYSTEM)
        .preview_message(&input(Channel::Sms, "0555001234", "short"))
        .await
        .unwrap();
    let cost = preview.cost.unwrap();
    assert_eq!((cost.provider.as_str(), cost.units, cost.total_halalas), ("taqnyat", 1, cost.unit_price_halalas));
}

#[tokio::test]
async fn forged_callbacks_are_refused_and_signed_redeliveries_acknowledged() {
    let db = wasel_tests::databases().await.remove(0);
    let wasel = wasel_tests::open(&db).await;
    let hooks = wasel.webhook_url().unwrap();
    let http = reqwest::Client::new();

    // Twilio: a status callback signed with the wrong token.
    let url = format!("{hooks}{}", wasel_core::webhooks::TWILIO_STATUS_PATH);
    let params =
        vec![("MessageSid".to_owned(), "SM123".to_owned()), ("MessageStatus".to_owned(), "delivered".to_owned())];
    let forged = wasel_core::webhooks::twilio_signature("not-the-token", &url, &params);
    let answer = http.post(&url).header("X-Twilio-Signature", forged).form(&params).send().await.unwrap();
    assert_eq!(answer.status(), 403);
    let answer = http.post(&url).form(&params).send().await.unwrap();
    assert_eq!(answer.status(), 403, "no signature at all");
    // Rightly signed: taken once; a redelivery (the provider missed our answer) is answered the
    // same way, so Twilio records no error.
    let good = wasel_core::webhooks::twilio_signature(wasel_sim::twilio::SANDBOX_AUTH_TOKEN, &url, &params);
    let first = http.post(&url).header("X-Twilio-Signature", &good).form(&params).send().await.unwrap();
    assert_eq!(first.status(), 204);
    let again = http.post(&url).header("X-Twilio-Signature", &good).form(&params).send().await.unwrap();
    assert_eq!(again.status(), 204);
    // Twilio's own validator also accepts the URL with its default port written out.
    let https = wasel_core::webhooks::receiver(&wasel, "https://hub.example.sa".into());
    let path = wasel_core::webhooks::TWILIO_STATUS_PATH;
    let params443 =
        vec![("MessageSid".to_owned(), "SM443".to_owned()), ("MessageStatus".to_owned(), "delivered".to_owned())];
    let body443: String = params443.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    for (signed_url, expected) in
        [(format!("https://hub.example.sa:443{path}"), 204), (format!("https://hub.example.sa:8443{path}"), 403)]
    {
        let signature =
            wasel_core::webhooks::twilio_signature(wasel_sim::twilio::SANDBOX_AUTH_TOKEN, &signed_url, &params443);
        let delivery = wasel_core::webhooks::Delivery {
            path_and_query: path,
            signature: Some(&signature),
            body: body443.as_bytes(),
        };
        assert_eq!(https.twilio_status(delivery).await.status, expected, "{signed_url}");
    }

    // Meta: wrong signature; replay; verification handshake with a wrong token.
    let meta_url = format!("{hooks}{}", wasel_core::webhooks::META_PATH);
    let body = serde_json::json!({ "object": "whatsapp_business_account", "entry": [] }).to_string();
    let forged = http
        .post(&meta_url)
        .header("X-Hub-Signature-256", wasel_sim::meta::meta_signature("wrong-secret", body.as_bytes()))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let signature = wasel_sim::meta::meta_signature(wasel_sim::meta::SANDBOX_APP_SECRET, body.as_bytes());
    let ok = http.post(&meta_url).header("X-Hub-Signature-256", &signature).body(body.clone()).send().await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    // Meta retries anything but 200 for days and may turn the subscription off.
    let again = http.post(&meta_url).header("X-Hub-Signature-256", &signature).body(body).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let challenge = http
        .get(format!("{meta_url}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=42"))
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 403);
    let challenge = http
        .get(format!(
            "{meta_url}?hub.mode=subscribe&hub.verify_token={}&hub.challenge=42",
            wasel_sim::meta::SANDBOX_VERIFY_TOKEN
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.text().await.unwrap(), "42");
}

#[tokio::test]
async fn a_configured_provider_takes_its_channel_live_while_the_others_stay_in_the_sandbox() {
    for db in wasel_tests::databases().await {
        let wasel = wasel_tests::open(&db).await;
        wasel.start_background();
        let sim = wasel_sandbox::simulators(&wasel).unwrap().base_url();
        let taqnyat = wasel_core::api::ProviderInput { rate_per_sec: Some(5), ..taqnyat_on(&sim) };
        let saved = wasel.providers(&wasel_core::api::SYSTEM).save_provider(taqnyat).await.unwrap();
        let taqnyat = saved.iter().find(|p| p.id == "taqnyat").unwrap();
        assert!(taqnyat.configured && taqnyat.rate_per_sec == 5);
        // The token went to the keychain; the settings table holds only its reference.
        let settings: Vec<(String, String)> = match wasel.db() {
            wasel_core::store::Db::Sqlite(p) => {
                sqlx::query_as("SELECT key, value FROM communication_settings").fetch_all(p).await.unwrap()
            }
            wasel_core::store::Db::Postgres(p) => {
                sqlx::query_as("SELECT key, value FROM communication_settings").fetch_all(p).await.unwrap()
            }
        };
        assert!(settings.iter().all(|(_, v)| !v.contains(wasel_sim::taqnyat::SANDBOX_BEARER_TOKEN)), "{}", db.name);

        let sms = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_message(input(Channel::Sms, "0555001299", "live"))
            .await
            .unwrap()
            .remove(0);
        assert!(!sms.sandbox);
        let sms = wait(&wasel, &sms, &[MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Failed]).await;
        assert_eq!(sms.provider.as_deref(), Some("taqnyat"), "{:?}", sms.error);
        let voice = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_message(input(Channel::Voice, "0555001299", "تجربة"))
            .await
            .unwrap()
            .remove(0);
        assert!(voice.sandbox, "no voice provider is configured: the call stays in the sandbox");

        // Forgetting it sends SMS back to the sandbox.
        wasel.providers(&wasel_core::api::SYSTEM).clear_provider("taqnyat").await.unwrap();
        let again = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_message(input(Channel::Sms, "0555001298", "sandbox"))
            .await
            .unwrap()
            .remove(0);
        assert!(again.sandbox);
        wasel.stop().await;
    }
}

#[tokio::test]
async fn a_simulated_reply_opens_only_the_sandbox_whatsapp_window_not_a_live_one() {
    for db in wasel_tests::databases().await {
        let wasel = wasel_tests::open(&db).await;
        wasel.start_background();
        let sim = wasel_sandbox::simulators(&wasel).unwrap().base_url();
        // A live Meta account (the simulator stands in for graph.facebook.com) whose app secret
        // is its own: the sandbox simulator cannot sign for it.
        let d = wasel_sim::meta::MetaOptions::default();
        let meta = wasel_tests::provider_input(
            "meta",
            &[
                ("phone_number_id", &d.phone_number_id),
                ("waba_id", &d.waba_id),
                ("access_token", &d.access_token),
                ("app_secret", "live-app-secret-for-tests"),
                ("verify_token", "live-verify-token-for-tests"),
                ("base_url", &sim),
            ],
        );
        wasel.providers(&wasel_core::api::SYSTEM).save_provider(meta).await.unwrap();
        let reply = InboundInput {
            channel: Channel::Whatsapp,
            from: "0555001277".into(),
            text: "وصلت الرسالة".into(),
            provider: Some("meta".into()),
        };
        wasel.sandbox_inbox(&wasel_core::api::SYSTEM).reply(reply).await.unwrap();
        let count = "SELECT COUNT(*) FROM inbound_messages";
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let (n,): (i64,) =
                    wasel_core::on_db!(wasel.db(), p => sqlx::query_as(count).fetch_one(p).await.unwrap());
                if n == 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .expect("the simulator's reply reaches the webhook and is recorded");
        let live = wasel.messaging(&wasel_core::api::SYSTEM).whatsapp_window("+966555001277").await.unwrap();
        assert!(!live.open && live.last_inbound_at.is_none(), "{}: {live:?}", db.name);
        let free = input(Channel::Whatsapp, "0555001277", "شكرًا، نراكم غدًا");
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).send_message(free.clone()).await.unwrap_err().code(),
            "whatsapp.outside_window"
        );

        // Back in the sandbox, the same reply is what the sandbox number's family wrote.
        wasel.providers(&wasel_core::api::SYSTEM).clear_provider("meta").await.unwrap();
        let sandbox = wasel.messaging(&wasel_core::api::SYSTEM).whatsapp_window("+966555001277").await.unwrap();
        assert!(sandbox.open, "{}: {sandbox:?}", db.name);
        assert!(wasel.messaging(&wasel_core::api::SYSTEM).send_message(free).await.unwrap()[0].sandbox);
        wasel.stop().await;
    }
}

#[tokio::test]
async fn wasel_serve_checks_signatures_against_its_public_url() {
    let db = wasel_tests::databases().await.remove(0);
    let wasel = std::sync::Arc::new(wasel_tests::open(&db).await);
    let limit = wasel_server::api::RateLimit::default();
    // Behind a TLS proxy: providers call and sign https://hub.example.sa/…, we listen on loopback.
    let local = wasel_server::serve(std::sync::Arc::clone(&wasel), "127.0.0.1:0", "https://hub.example.sa", limit)
        .await
        .unwrap();
    let params =
        vec![("MessageSid".to_owned(), "SM9".to_owned()), ("MessageStatus".to_owned(), "delivered".to_owned())];
    let path = wasel_core::webhooks::TWILIO_STATUS_PATH;
    let token = wasel_sim::twilio::SANDBOX_AUTH_TOKEN;
    let http = reqwest::Client::new();
    let as_signed = wasel_core::webhooks::twilio_signature(token, &format!("https://hub.example.sa{path}"), &params);
    let ok =
        http.post(format!("{local}{path}")).header("X-Twilio-Signature", as_signed).form(&params).send().await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    let wrong_url = wasel_core::webhooks::twilio_signature(token, &format!("{local}{path}"), &params);
    let refused =
        http.post(format!("{local}{path}")).header("X-Twilio-Signature", wrong_url).form(&params).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    // A public URL that providers cannot sign for safely is refused.
    assert_eq!(
        wasel_server::serve(wasel, "127.0.0.1:0", "http://hub.example.sa", limit).await.unwrap_err().code(),
        "webhooks.public_url_invalid"
    );
}

#[tokio::test]
async fn a_delivery_that_could_not_be_processed_is_taken_when_the_provider_retries_it() {
    let db = wasel_tests::databases().await.remove(0);
    let wasel = wasel_tests::open(&db).await;
    let hooks = wasel.webhook_url().unwrap();
    let url = format!("{hooks}{}", wasel_core::webhooks::TWILIO_STATUS_PATH);
    let params =
        vec![("MessageSid".to_owned(), "SM77".to_owned()), ("MessageStatus".to_owned(), "delivered".to_owned())];
    let signature = wasel_core::webhooks::twilio_signature(wasel_sim::twilio::SANDBOX_AUTH_TOKEN, &url, &params);
    let post = || reqwest::Client::new().post(&url).header("X-Twilio-Signature", &signature).form(&params).send();
    let wasel_core::store::Db::Sqlite(pool) = wasel.db() else { unreachable!("the first test database is SQLite") };
    // The messages table is away for a moment: the callback cannot be looked up.
    sqlx::query("ALTER TABLE messages RENAME TO messages_away").execute(pool).await.unwrap();
    assert_eq!(post().await.unwrap().status(), 503);
    sqlx::query("ALTER TABLE messages_away RENAME TO messages").execute(pool).await.unwrap();
    // Twilio sends the same delivery again: it is processed, not acknowledged unprocessed.
    assert!(post().await.unwrap().status().is_success());
    // Once processed, a redelivery is acknowledged and applies nothing: it does not even read the
    // messages, which are away again.
    sqlx::query("ALTER TABLE messages RENAME TO messages_away").execute(pool).await.unwrap();
    assert_eq!(post().await.unwrap().status(), 204, "a processed delivery, redelivered");
    sqlx::query("ALTER TABLE messages_away RENAME TO messages").execute(pool).await.unwrap();
}

#[tokio::test]
async fn webhook_receipts_past_their_retention_are_pruned_and_recent_ones_still_recognise_redeliveries() {
    for db in wasel_tests::databases().await {
        let wasel = wasel_tests::open(&db).await;
        let hooks = wasel.webhook_url().unwrap();
        let url = format!("{hooks}{}", wasel_core::webhooks::TWILIO_STATUS_PATH);
        let signed = |sid: &str| {
            let params =
                vec![("MessageSid".to_owned(), sid.to_owned()), ("MessageStatus".to_owned(), "delivered".to_owned())];
            let signature =
                wasel_core::webhooks::twilio_signature(wasel_sim::twilio::SANDBOX_AUTH_TOKEN, &url, &params);
            reqwest::Client::new().post(&url).header("X-Twilio-Signature", signature).form(&params).send()
        };
        assert!(signed("SM-old").await.unwrap().status().is_success(), "{}", db.name);
        assert!(signed("SM-new").await.unwrap().status().is_success(), "{}", db.name);
        // The first delivery was received long ago, just past the retention.
        let long_ago = wasel_core::store::now()
            - chrono::TimeDelta::days(wasel_core::outbox::dispatcher::RECEIPT_RETENTION_DAYS)
            - chrono::TimeDelta::minutes(1);
        let count = "SELECT COUNT(*) FROM webhook_receipts";
        let (before,): (i64,) = wasel_core::on_db!(wasel.db(), p => {
            sqlx::query("UPDATE webhook_receipts SET received_at = $1 WHERE received_at = (SELECT MIN(received_at) FROM webhook_receipts)")
                .bind(long_ago).execute(p).await.unwrap();
            sqlx::query_as(count).fetch_one(p).await.unwrap()
        });
        assert_eq!(before, 2, "{}", db.name);
        wasel.dispatcher().prune_receipts().await;
        let (after,): (i64,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(count).fetch_one(p).await.unwrap());
        assert_eq!(after, 1, "{}: only the old receipt goes", db.name);
        // A recent redelivery is acknowledged without a new receipt; the pruned one is taken again.
        assert!(signed("SM-new").await.unwrap().status().is_success(), "{}", db.name);
        let (same,): (i64,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(count).fetch_one(p).await.unwrap());
        assert_eq!(same, 1, "{}: a recent redelivery is recognised", db.name);
        assert!(signed("SM-old").await.unwrap().status().is_success(), "{}", db.name);
        let (taken,): (i64,) = wasel_core::on_db!(wasel.db(), p => sqlx::query_as(count).fetch_one(p).await.unwrap());
        assert_eq!(taken, 2, "{}: the pruned one is taken again", db.name);
    }
}

#[tokio::test]
async fn our_own_rate_limit_delays_messages_without_using_up_their_attempts() {
    let db = wasel_tests::databases().await.remove(0);
    let wasel = wasel_tests::open(&db).await;
    let sim = wasel_sandbox::simulators(&wasel).unwrap().base_url();
    let limited = wasel_core::api::ProviderInput { rate_per_sec: Some(1), ..taqnyat_on(&sim) };
    wasel.providers(&wasel_core::api::SYSTEM).save_provider(limited).await.unwrap();
    wasel.start_background();
    // Eight at once through an account allowed one a second: most wait their turn in the queue.
    let mut sent = Vec::new();
    for n in 0..8 {
        sent.push(
            wasel
                .messaging(&wasel_core::api::SYSTEM)
                .send_message(input(Channel::Sms, &format!("05550013{n:02}"), "limited"))
                .await
                .unwrap()
                .remove(0),
        );
    }
    for m in &sent {
        let done = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .wait_for(
                &m.id,
                &[MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Failed],
                Duration::from_secs(40),
            )
            .await
            .unwrap();
        assert_ne!(done.status, MessageStatus::Failed, "{:?}", done.error);
        assert_eq!(done.attempts, 1, "waiting for our own limit is not an attempt");
    }
    let skipped = count_skipped(&wasel, &sent).await;
    assert!(skipped > 0, "with 1/s some of the eight must have waited");
    wasel.stop().await;
}

async fn count_skipped(wasel: &Wasel, sent: &[MessageView]) -> usize {
    let mut n = 0;
    for m in sent {
        n += wasel
            .messaging(&wasel_core::api::SYSTEM)
            .message_attempts(&m.id)
            .await
            .unwrap()
            .iter()
            .filter(|a| a.outcome == "skipped")
            .count();
    }
    n
}

#[tokio::test]
async fn an_email_bounce_is_explained_as_what_happened_to_that_mailbox_in_both_languages() {
    let db = wasel_tests::databases().await.remove(0);
    let wasel = wasel_tests::open(&db).await;
    let smtp = wasel_sandbox::simulators(&wasel).unwrap().smtp().clone();
    // A real SMTP listener (the sandbox's) answering RCPT TO as a relay would.
    let cases = [
        ("no-user@example.com", "550 5.1.1 No such user", "recipient.no_mailbox", "mailbox", "صندوق بريد"),
        ("someone@no-mx.example.com", "550 5.1.2 Host not found", "recipient.no_mail_domain", "domain", "نطاق"),
        ("full@example.com", "552 5.2.2 Mailbox full", "recipient.mailbox_full", "full", "ممتلئ"),
    ];
    for (to, reply, ..) in cases {
        smtp.script(to, reply).unwrap();
    }
    let _tasks = wasel.start_background();
    for (to, _, code, en, ar) in cases {
        let mut email = input(Channel::Email, to, "Lina's assessment is ready.");
        email.subject = Some("Assessment".into());
        let sent = wasel.messaging(&wasel_core::api::SYSTEM).send_message(email).await.unwrap().remove(0);
        let done = wait(&wasel, &sent, &FINAL).await;
        assert_eq!(done.status, MessageStatus::Failed, "{to}");
        let reason = done.error.unwrap();
        assert_eq!(reason.code, code, "{to}");
        assert!(reason.localized("en").contains(en), "{to}: {}", reason.localized("en"));
        assert!(reason.localized("ar").contains(ar), "{to}: {}", reason.localized("ar"));
        assert!(!reason.localized("en").contains("WhatsApp"), "an email bounce is not a WhatsApp problem");
        assert_eq!(done.attempts, 1, "{to}: a permanent answer is not retried");
    }
    wasel.stop().await;
}

#[tokio::test]
async fn a_message_whose_attempts_ran_out_says_sending_stopped_not_that_it_will_be_retried() {
    let db = wasel_tests::databases().await.remove(0);
    let wasel = wasel_tests::open(&db).await;
    // SMTP at a closed port, two attempts, short waits.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sandbox_smtp = wasel.providers(&wasel_core::api::SYSTEM).list_providers().await.unwrap();
    assert!(sandbox_smtp.iter().any(|p| p.id == "smtp"));
    let port = closed.to_string();
    let fields =
        [("host", "127.0.0.1"), ("port", port.as_str()), ("security", "none"), ("from_address", "noreply@example.com")];
    wasel
        .providers(&wasel_core::api::SYSTEM)
        .save_provider(wasel_tests::provider_input("smtp", &fields))
        .await
        .unwrap();
    let settings = wasel_core::api::OutboxSettings {
        max_attempts: 2,
        backoff_base_secs: 1,
        backoff_max_secs: 1,
        quiet_hours: None,
    };
    wasel.settings(&wasel_core::api::SYSTEM).save_outbox_settings(settings).await.unwrap();
    let _tasks = wasel.start_background();
    let mut email = input(Channel::Email, "noura.alharbi@example.com", "A reminder.");
    email.subject = Some("Reminder".into());
    let sent = wasel.messaging(&wasel_core::api::SYSTEM).send_message(email).await.unwrap().remove(0);
    let done = wait(&wasel, &sent, &FINAL).await;
    assert_eq!((done.status, done.attempts), (MessageStatus::Failed, 2));
    let reason = done.error.unwrap();
    assert_eq!(reason.code, "outbox.gave_up");
    assert_eq!(reason.params.get("last").map(String::as_str), Some("provider.unavailable"));
    for lang in ["ar", "en"] {
        let text = reason.localized(lang);
        assert!(!text.contains("retried") && !text.contains("ستُعاد"), "{lang}: {text}");
        assert!(text.contains('2'), "{lang}: {text}");
    }
    wasel.stop().await;
}

#[tokio::test]
async fn smtp_without_tls_may_not_carry_credentials_over_the_network() {
    let db = wasel_tests::databases().await.remove(0);
    let wasel = wasel_tests::open(&db).await;
    let fields = [
        ("host", "smtp.mail.example.com"),
        ("port", "587"),
        ("security", "none"),
        ("username", "desk@centre.example"),
        ("password", "not-a-real-password"),
        ("from_address", "desk@centre.example"),
    ];
    let refused = wasel
        .providers(&wasel_core::api::SYSTEM)
        .save_provider(wasel_tests::provider_input("smtp", &fields))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "smtp.plain_credentials");
    assert_eq!(refused.payload().params.get("field").map(String::as_str), Some("security"));
    for lang in ["ar", "en"] {
        assert!(refused.payload().localized(lang).contains("TLS"), "{lang}");
    }
    // Nothing was saved: the channel still goes to the sandbox.
    let smtp = wasel
        .providers(&wasel_core::api::SYSTEM)
        .list_providers()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == "smtp")
        .unwrap();
    assert!(!smtp.configured);
    // A plain-text base URL is refused unless it points at this machine.
    let mut twilio = wasel_tests::twilio_provider("AC00000000000000000000000000000000", "token", None);
    twilio.fields.insert("base_url".into(), "http://api.provider.example.com".into());
    let e = wasel.providers(&wasel_core::api::SYSTEM).save_provider(twilio).await.unwrap_err();
    assert_eq!(e.code(), "provider.plain_http_not_loopback");
}
