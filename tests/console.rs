//! The console's own story: sandbox by default, real credentials switch to the configured
//! provider, a missing keychain keeps the console working in sandbox, and provider answers reach
//! the message with a translated reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use wasel_core::api::{KeychainState, SendSmsInput};
use wasel_core::domain::MessageStatus;
use wasel_core::secrets::{MemorySecrets, SecretError};
use wasel_sim::twilio::TwilioOptions;
use wasel_sim::{Faults, SimOptions};
use wasel_tests::{databases, open, open_with};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn sms(to: &str, body: &str) -> SendSmsInput {
    SendSmsInput {
        to: to.into(),
        body: body.into(),
        guardian_id: None,
        idempotency_key: None,
        send_at: None,
        expires_at: None,
        urgent: None,
    }
}

async fn real_twilio_sim() -> wasel_sim::Simulators {
    let twilio = TwilioOptions { account_sid: SID.into(), auth_token: TOKEN.into(), ..TwilioOptions::default() };
    wasel_sim::start(SimOptions { twilio, ..SimOptions::default() }).await.unwrap()
}

fn credentials(token: &str, real: &wasel_sim::Simulators) -> wasel_core::api::ProviderInput {
    wasel_tests::twilio_provider(SID, token, Some(&real.base_url()))
}

#[tokio::test]
async fn with_no_credentials_the_console_is_in_the_sandbox_with_demo_families() {
    for db in databases().await {
        let wasel = open(&db).await;
        let status = wasel.settings(&wasel_core::api::SYSTEM).status().await.unwrap();
        assert!(status.sandbox && status.sandbox_url.as_deref().unwrap().starts_with("http://127.0.0.1:"));
        let families = wasel.messaging(&wasel_core::api::SYSTEM).list_guardians().await.unwrap();
        assert_eq!(families.len(), 4, "{}", db.name);
        assert!(families.iter().all(|g| g.phone.starts_with("+96655500")));
    }
}

#[tokio::test]
async fn saved_credentials_send_through_the_configured_twilio_not_the_sandbox() {
    for db in databases().await {
        let real = real_twilio_sim().await;
        let wasel = open(&db).await;
        wasel.start_background();
        wasel.providers(&wasel_core::api::SYSTEM).save_provider(credentials(TOKEN, &real)).await.unwrap();
        let m = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(sms("0555001234", "Reminder: appointment tomorrow at 9"))
            .await
            .unwrap();
        assert!(!m.sandbox);
        let done = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .wait_for(&m.id, &[MessageStatus::Delivered, MessageStatus::Failed], Duration::from_secs(15))
            .await
            .unwrap();
        assert_eq!(done.status, MessageStatus::Delivered, "{}: {done:?}", db.name);
        assert_eq!(real.twilio().received_count(), 1);
        assert_eq!(wasel_sandbox::simulators(&wasel).unwrap().twilio().received_count(), 0);
        assert_eq!(real.twilio().messages()[0].from, "WASEL");
        wasel.stop().await;
    }
}

#[tokio::test]
async fn a_wrong_token_fails_once_with_a_translated_reason_and_is_not_retried() {
    for db in databases().await {
        let real = real_twilio_sim().await;
        let wasel = open(&db).await;
        wasel.providers(&wasel_core::api::SYSTEM).save_provider(credentials("wrong-token", &real)).await.unwrap();
        let m = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "hello")).await.unwrap();
        wasel.dispatcher().run_once().await.unwrap();
        let failed = wasel.messaging(&wasel_core::api::SYSTEM).message(&m.id).await.unwrap();
        assert_eq!(failed.status, MessageStatus::Failed, "{}", db.name);
        assert_eq!(failed.attempts, 1);
        let error = failed.error.unwrap();
        assert_eq!(
            (error.code.as_str(), error.params.get("code").map(String::as_str)),
            ("provider.auth_failed", Some("20003"))
        );
        assert!(error.localized("ar").contains("20003"));
    }
}

#[tokio::test]
async fn an_opted_out_number_fails_permanently_and_an_unreachable_handset_ends_undelivered() {
    for db in databases().await {
        let wasel = open(&db).await;
        wasel.start_background();
        wasel_sandbox::simulators(&wasel).unwrap().twilio().opt_out("+966555001299");
        let opted = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001299", "hello")).await.unwrap();
        let unreachable = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555000003", "hello")).await.unwrap();
        let finals = [MessageStatus::Delivered, MessageStatus::Failed];
        let opted = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .wait_for(&opted.id, &finals, Duration::from_secs(15))
            .await
            .unwrap();
        let unreachable = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .wait_for(&unreachable.id, &finals, Duration::from_secs(15))
            .await
            .unwrap();
        assert_eq!(opted.error.map(|e| e.code), Some("provider.opted_out".to_owned()), "{}", db.name);
        assert_eq!(unreachable.status, MessageStatus::Failed);
        let e = unreachable.error.unwrap();
        assert_eq!(
            (e.code.as_str(), e.params.get("code").map(String::as_str)),
            ("provider.undelivered", Some("30003"))
        );
        wasel.stop().await;
    }
}

#[tokio::test]
async fn an_outage_of_every_provider_is_retried_with_backoff_until_they_recover() {
    for db in databases().await {
        let wasel = open(&db).await;
        let sim = wasel_sandbox::simulators(&wasel).unwrap().clone();
        // Every provider of the failover order is down.
        sim.set_faults(Faults { down: true, ..Faults::default() });
        let m = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "hello")).await.unwrap();
        wasel.dispatcher().run_once().await.unwrap();
        let waiting = wasel.messaging(&wasel_core::api::SYSTEM).message(&m.id).await.unwrap();
        assert_eq!(waiting.status, MessageStatus::Queued, "{}", db.name);
        assert_eq!(waiting.error.as_ref().map(|e| e.code.as_str()), Some("provider.unavailable"));
        // Not due yet: the backoff holds it.
        assert_eq!(wasel.dispatcher().run_once().await.unwrap().claimed, 0);
        sim.set_faults(Faults::default());
        wasel.start_background();
        let done = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .wait_for(&m.id, &[MessageStatus::Delivered], Duration::from_secs(20))
            .await
            .unwrap();
        assert_eq!(done.status, MessageStatus::Delivered, "{}", db.name);
        assert_eq!(done.attempts, 2);
        assert_eq!(sim.twilio().received_count(), 1);
        wasel.stop().await;
    }
}

#[tokio::test]
async fn without_a_keychain_the_console_says_so_and_keeps_working_in_the_sandbox() {
    for db in databases().await {
        let secrets = Arc::new(MemorySecrets::failing(SecretError::Unavailable("no session bus".into())));
        let wasel = open_with(&db, secrets).await;
        let status = wasel.settings(&wasel_core::api::SYSTEM).status().await.unwrap();
        assert_eq!(status.keychain, KeychainState::Unavailable);
        assert_eq!(status.keychain_error.unwrap().code, "keychain.unavailable");
        let real = real_twilio_sim().await;
        let err = wasel.providers(&wasel_core::api::SYSTEM).save_provider(credentials(TOKEN, &real)).await.unwrap_err();
        assert_eq!(err.code(), "keychain.unavailable");
        assert!(wasel.settings(&wasel_core::api::SYSTEM).status().await.unwrap().sandbox);
        wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "hello")).await.unwrap();
    }
}

#[tokio::test]
async fn bad_credentials_are_refused_at_the_field() {
    for db in databases().await {
        let wasel = open(&db).await;
        let real = real_twilio_sim().await;
        let with = |field: &str, value: &str| {
            let mut input = credentials(TOKEN, &real);
            input.fields.insert(field.to_owned(), value.to_owned());
            input
        };
        let code = |e: wasel_core::Error| (e.code(), e.params().get("field").cloned());
        let refused =
            wasel.providers(&wasel_core::api::SYSTEM).save_provider(with("account_sid", "AC123")).await.unwrap_err();
        assert_eq!(code(refused), ("credentials.account_sid_invalid", None));
        let refused =
            wasel.providers(&wasel_core::api::SYSTEM).save_provider(with("auth_token", " ")).await.unwrap_err();
        assert_eq!(code(refused), ("provider.field_required", Some("auth_token".into())));
        let refused =
            wasel.providers(&wasel_core::api::SYSTEM).save_provider(with("from", "not a sender!!")).await.unwrap_err();
        assert_eq!(code(refused), ("credentials.from_invalid", None));
        let refused = wasel
            .providers(&wasel_core::api::SYSTEM)
            .save_provider(with("base_url", "ftp://example.com"))
            .await
            .unwrap_err();
        assert_eq!(code(refused), ("provider.field_invalid", Some("base_url".into())));
        // Nothing of it was kept.
        assert!(
            !wasel.providers(&wasel_core::api::SYSTEM).list_providers().await.unwrap().iter().any(|p| p.configured),
            "{}",
            db.name
        );
    }
}
