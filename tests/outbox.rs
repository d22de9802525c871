//! The outbox on both backends: transactional enqueue, scheduling, expiry, quiet hours, operator
//! actions with their audit trail, reconciliation after a crash mid-call, and retries under a
//! faulty provider that follow the policy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::Utc;
use wasel_core::api::{OperatorAction, OutboxSettings, SendSmsInput};
use wasel_core::domain::Content;
use wasel_core::domain::MessageStatus;
use wasel_core::providers::{Outgoing, Provider};
use wasel_core::store::queries::{messages as m, outbox as q, settings};
use wasel_sim::Faults;
use wasel_tests::{databases, open};

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

fn terminal(s: MessageStatus) -> bool {
    s.is_terminal()
}

#[tokio::test]
async fn a_message_and_the_row_that_caused_it_commit_together_or_not_at_all() {
    for db in databases().await {
        let wasel = open(&db).await;
        for commit in [false, true] {
            let key = format!("rule-fired-{commit}");
            let new = wasel
                .messaging(&wasel_core::api::SYSTEM)
                .prepare_sms(SendSmsInput { idempotency_key: Some(key.clone()), ..sms("0555001234", "hello") })
                .await
                .unwrap();
            let mut tx = wasel.db().begin().await.unwrap();
            wasel_core::on_tx!(&mut tx, t => sqlx::query("INSERT INTO communication_settings (key, value, updated_at) VALUES ($1, 'fired', $2)")
                .bind(&key).bind(Utc::now()).execute(&mut **t).await.unwrap().rows_affected());
            m::enqueue_in(&mut tx, &new).await.unwrap();
            if commit {
                tx.commit().await.unwrap()
            } else {
                tx.rollback().await.unwrap()
            }
            let cause = settings::get(wasel.db(), &key).await.unwrap();
            let message = m::by_idempotency_key(wasel.db(), &key).await.unwrap();
            assert_eq!((cause.is_some(), message.is_some()), (commit, commit), "{}", db.name);
        }
    }
}

#[tokio::test]
async fn a_scheduled_message_waits_for_its_time_and_an_expired_one_is_never_sent() {
    for db in databases().await {
        let wasel = open(&db).await;
        wasel.start_background();
        let send_at = Utc::now() + chrono::Duration::milliseconds(1500);
        let later = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(SendSmsInput { send_at: Some(send_at), ..sms("0555001234", "later") })
            .await
            .unwrap();
        assert_eq!(later.status, MessageStatus::Scheduled, "{}", db.name);
        // Due long ago but already past its expiry when a worker looks at it.
        let stale = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(SendSmsInput {
                send_at: Some(Utc::now() + chrono::Duration::milliseconds(300)),
                expires_at: Some(Utc::now() + chrono::Duration::milliseconds(200)),
                ..sms("0555001234", "stale")
            })
            .await
            .unwrap_err();
        assert_eq!(stale.code(), "schedule.expires_before_send");
        let expiring = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(SendSmsInput {
                send_at: Some(Utc::now() + chrono::Duration::milliseconds(800)),
                expires_at: Some(Utc::now() + chrono::Duration::milliseconds(900)),
                ..sms("0555001234", "expiring")
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let sim = wasel_sandbox::simulators(&wasel).unwrap().clone();
        assert_eq!(sim.twilio().received_count(), 0, "nothing before its time ({})", db.name);
        let done = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .wait_for(&later.id, &[MessageStatus::Sent, MessageStatus::Delivered], Duration::from_secs(10))
            .await
            .unwrap();
        assert!(matches!(done.status, MessageStatus::Sent | MessageStatus::Delivered), "{}: {done:?}", db.name);
        assert!(done.sent_at.unwrap() >= send_at, "sent before its time ({})", db.name);
        let expired = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .wait_for(&expiring.id, &[MessageStatus::Expired], Duration::from_secs(5))
            .await
            .unwrap();
        assert!(
            matches!(expired.status, MessageStatus::Expired | MessageStatus::Sent | MessageStatus::Delivered),
            "{}",
            db.name
        );
        if expired.status == MessageStatus::Expired {
            assert!(sim.twilio().messages().iter().all(|x| x.body != "expiring"));
        }
        wasel.stop().await;
    }
}

#[tokio::test]
async fn quiet_hours_defer_ordinary_messages_but_not_urgent_ones() {
    for db in databases().await {
        let wasel = open(&db).await;
        // A window that contains now, whatever the hour in Riyadh.
        let riyadh = Utc::now().with_timezone(&chrono_tz::Asia::Riyadh);
        let start = (riyadh - chrono::Duration::minutes(30)).format("%H:%M").to_string();
        let end = (riyadh + chrono::Duration::minutes(30)).format("%H:%M").to_string();
        let settings = OutboxSettings {
            max_attempts: 5,
            backoff_base_secs: 2,
            backoff_max_secs: 600,
            quiet_hours: Some(format!("{start}-{end}")),
        };
        wasel.settings(&wasel_core::api::SYSTEM).save_outbox_settings(settings).await.unwrap();
        let ordinary = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "ordinary")).await.unwrap();
        let urgent = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(SendSmsInput { urgent: Some(true), ..sms("0555001234", "urgent") })
            .await
            .unwrap();
        wasel.dispatcher().run_once().await.unwrap();
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).message(&ordinary.id).await.unwrap().status,
            MessageStatus::Queued,
            "{}",
            db.name
        );
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).message(&urgent.id).await.unwrap().status,
            MessageStatus::Sent,
            "{}",
            db.name
        );
        let timeline = wasel.messaging(&wasel_core::api::SYSTEM).message_timeline(&ordinary.id).await.unwrap();
        assert!(timeline[0].detail.as_deref().unwrap_or("").starts_with("not before"), "{timeline:?}");
        let bad = OutboxSettings {
            max_attempts: 5,
            backoff_base_secs: 2,
            backoff_max_secs: 600,
            quiet_hours: Some("22-7".into()),
        };
        assert_eq!(
            wasel.settings(&wasel_core::api::SYSTEM).save_outbox_settings(bad).await.unwrap_err().code(),
            "outbox.quiet_hours_invalid"
        );
    }
}

#[tokio::test]
async fn operator_actions_change_the_message_and_leave_a_verifiable_audit_trail() {
    for db in databases().await {
        let wasel = open(&db).await;
        let queued = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "to cancel")).await.unwrap();
        let cancelled =
            wasel.messaging(&wasel_core::api::SYSTEM).act_on_message(&queued.id, OperatorAction::Cancel).await.unwrap();
        assert_eq!(cancelled.status, MessageStatus::Cancelled, "{}", db.name);
        let err = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .act_on_message(&queued.id, OperatorAction::Resend)
            .await
            .unwrap_err();
        assert_eq!(
            (err.code(), err.params().get("status").cloned()),
            ("message.action_not_allowed", Some("cancelled".into()))
        );

        // A crash mid-call leaves `unknown`; the operator resends it.
        let lost = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "unknown one")).await.unwrap();
        let past = Utc::now() - chrono::Duration::seconds(1);
        q::claim(wasel.db(), "dead-worker", past, 10, false).await.unwrap();
        wasel.dispatcher().expire_leases().await.unwrap();
        assert_eq!(wasel.messaging(&wasel_core::api::SYSTEM).needs_attention().await.unwrap().len(), 1);
        let noura = wasel_tests::sign_in_as(&wasel, "noura", &[wasel_core::api::Role::Reception]).await;
        let resent = wasel.messaging(&noura).act_on_message(&lost.id, OperatorAction::Resend).await.unwrap();
        assert_eq!(resent.status, MessageStatus::Queued);
        wasel.dispatcher().run_once().await.unwrap();
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).message(&lost.id).await.unwrap().status,
            MessageStatus::Sent
        );

        let trail = wasel_core::audit::for_entity(wasel.db(), "message", &lost.id).await.unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!((trail[0].actor.as_str(), trail[0].action.as_str()), ("noura", "message.resend"));
        assert_eq!(trail[0].origin, "console");
        assert_eq!(wasel_core::audit::verify(wasel.db()).await.unwrap().broken, None, "{}", db.name);
        // Tampering shows.
        wasel_core::on_db!(wasel.db(), p => sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1").execute(p).await.unwrap().rows_affected());
        assert_eq!(wasel_core::audit::verify(wasel.db()).await.unwrap().broken.map(|b| b.seq), Some(1));
    }
}

#[tokio::test]
async fn a_crash_after_the_provider_took_it_is_reconciled_to_sent_without_a_second_send() {
    for db in databases().await {
        // Reconciliation waits a whole lease after the call: a short one keeps the test quick.
        let wasel = wasel_tests::open_with_lease(&db, Duration::from_secs(1)).await;
        let sim = wasel_sandbox::simulators(&wasel).unwrap().clone();
        let taken = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(sms("0555001234", "taken before the crash"))
            .await
            .unwrap();
        let never = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(sms("0555001235", "never reached the provider"))
            .await
            .unwrap();
        let past = Utc::now() - chrono::Duration::seconds(1);
        let claimed = q::claim(wasel.db(), "dead-worker", past, 10, false).await.unwrap();
        assert_eq!(claimed.len(), 2);
        // The dead worker had reached the provider with the first message only.
        let provider = wasel_core::providers::sms::twilio::TwilioSms::new(
            reqwest::Client::new(),
            &sim.base_url(),
            wasel_sim::twilio::SANDBOX_ACCOUNT_SID,
            wasel_sim::twilio::SANDBOX_AUTH_TOKEN,
            wasel_sim::twilio::SANDBOX_FROM,
        );
        let to = wasel_core::domain::PhoneE164::parse_mobile("0555001234").unwrap();
        let out = Outgoing {
            to: to.as_str(),
            body: "taken before the crash",
            content: &Content::Sms,
            reference: &taken.id,
            idempotency_key: "taken",
        };
        provider.send(out).await.unwrap();

        let d = wasel.dispatcher();
        assert_eq!(d.expire_leases().await.unwrap(), 2);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(d.reconcile_unknowns().await.unwrap(), 2, "{}", db.name);
        let taken_now = wasel.messaging(&wasel_core::api::SYSTEM).message(&taken.id).await.unwrap();
        assert_eq!(taken_now.status, MessageStatus::Sent, "{}", db.name);
        assert_eq!(taken_now.provider_message_id.as_deref(), Some(sim.twilio().messages()[0].sid.as_str()));
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).message(&never.id).await.unwrap().status,
            MessageStatus::Queued
        );
        d.run_once().await.unwrap();
        let bodies: Vec<String> = sim.twilio().messages().into_iter().map(|x| x.body).collect();
        assert_eq!(
            bodies.iter().filter(|b| b.as_str() == "taken before the crash").count(),
            1,
            "{}: {bodies:?}",
            db.name
        );
        assert_eq!(bodies.iter().filter(|b| b.as_str() == "never reached the provider").count(), 1);
    }
}

#[tokio::test]
async fn under_a_faulty_provider_every_message_ends_with_a_reason_and_retries_follow_the_policy() {
    for db in databases().await {
        // Lease 3 s: a hung call gives up after 1 s and the message is reconciled.
        let wasel = wasel_tests::open_with_lease(&db, Duration::from_secs(3)).await;
        let base = 1;
        let settings =
            OutboxSettings { max_attempts: 8, backoff_base_secs: base, backoff_max_secs: 4, quiet_hours: None };
        wasel.settings(&wasel_core::api::SYSTEM).save_outbox_settings(settings).await.unwrap();
        let sim = wasel_sandbox::simulators(&wasel).unwrap().clone();
        sim.twilio().set_faults(Faults {
            error_rate: 0.15,
            rate_limit_rate: 0.10,
            retry_after_secs: Some(2),
            timeout_rate: 0.05,
            ..Faults::default()
        });
        wasel.start_background();
        let n = 40;
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(
                wasel
                    .messaging(&wasel_core::api::SYSTEM)
                    .send_sms(sms("0555001234", &format!("faulty #{i}")))
                    .await
                    .unwrap()
                    .id,
            );
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            let all = wasel.messaging(&wasel_core::api::SYSTEM).list_messages(Default::default()).await.unwrap();
            let open: Vec<_> = all.iter().filter(|x| !terminal(x.status) && x.status != MessageStatus::Sent).collect();
            if open.is_empty() || tokio::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mut reasons = 0;
        for id in &ids {
            let x = wasel.messaging(&wasel_core::api::SYSTEM).message(id).await.unwrap();
            assert!(
                matches!(x.status, MessageStatus::Sent | MessageStatus::Delivered | MessageStatus::Failed),
                "{}: {x:?}",
                db.name
            );
            if x.status == MessageStatus::Failed {
                assert!(x.error.is_some(), "a failed message says why: {x:?}");
                reasons += 1;
            }
            // Retries wait at least the policy's lower bound (half of base·2^(n-1)), or Retry-After.
            let uuid = uuid::Uuid::parse_str(id).unwrap();
            let attempts = m::attempts(wasel.db(), uuid).await.unwrap();
            for pair in attempts.windows(2) {
                let gap = (pair[1].started_at - pair[0].started_at).num_milliseconds();
                let floor = if pair[0].http_status == Some(429) {
                    2000
                } else {
                    (i64::from(base) * 1000 * (1 << (pair[0].attempt_no - 1).min(2)) / 2).min(2000)
                };
                if pair[0].outcome == "error"
                    && pair[0].error_class.as_deref() != Some("permanent")
                    && pair[0].provider_error_code.is_some()
                {
                    assert!(gap >= floor - 50, "{}: retry after {gap} ms < {floor} ms: {attempts:?}", db.name);
                }
            }
        }
        // Every message reached the simulator at most once.
        let mut seen = std::collections::HashMap::new();
        for msg in sim.twilio().messages() {
            *seen.entry(msg.body).or_insert(0) += 1;
        }
        assert!(seen.values().all(|c| *c == 1), "{}: duplicates {seen:?}", db.name);
        eprintln!("{}: {n} messages, {reasons} failed with a reason", db.name);
        wasel.stop().await;
    }
}
