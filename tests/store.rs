//! The store and the first chain on both backends: a message is written once, moves through its
//! statuses in order, and the two schemas agree.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use wasel_core::api::{MessageFilter, SendSmsInput};
use wasel_core::domain::{EventSource, MessageStatus};
use wasel_core::store::queries::messages::{self as q, Change, Transition};
use wasel_tests::{databases, open};

fn sms(to: &str, body: &str, key: Option<&str>) -> SendSmsInput {
    SendSmsInput {
        to: to.into(),
        body: body.into(),
        guardian_id: None,
        idempotency_key: key.map(str::to_owned),
        send_at: None,
        expires_at: None,
        urgent: None,
    }
}

#[tokio::test]
async fn an_sms_moves_from_queued_to_delivered_with_times_on_both_backends() {
    for db in databases().await {
        let wasel = open(&db).await;
        wasel.start_background();
        let sent = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(sms("0555001234", "موعد ريم غدًا الساعة ٩ صباحًا", None))
            .await
            .unwrap();
        assert_eq!(sent.status, MessageStatus::Queued, "{}", db.name);
        assert_eq!(sent.to, "+966555001234");
        assert_eq!(sent.segments, 1);
        let done = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .wait_for(&sent.id, &[MessageStatus::Delivered, MessageStatus::Failed], Duration::from_secs(15))
            .await
            .unwrap();
        assert_eq!(done.status, MessageStatus::Delivered, "{}: {done:?}", db.name);
        assert!(done.sent_at.is_some() && done.delivered_at.is_some());
        let timeline: Vec<_> = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .message_timeline(&sent.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.status, e.source))
            .collect();
        // "Delivered" comes from whichever learns it first: the signed status callback to the
        // console's loopback receiver, or the status poll. Never both.
        let delivered_by = timeline.last().map(|(_, source)| *source);
        assert!(matches!(delivered_by, Some(EventSource::Webhook | EventSource::Poll)), "{timeline:?}");
        assert_eq!(
            timeline,
            vec![
                (MessageStatus::Queued, EventSource::Operator),
                (MessageStatus::Sending, EventSource::Dispatch),
                (MessageStatus::Sent, EventSource::Dispatch),
                (MessageStatus::Delivered, delivered_by.unwrap_or(EventSource::Poll)),
            ],
            "{}",
            db.name
        );
        let sim = wasel_sandbox::simulators(&wasel).unwrap();
        assert_eq!(sim.twilio().received_count(), 1, "{}", db.name);
        wasel.stop().await;
    }
}

#[tokio::test]
async fn the_same_idempotency_key_never_makes_two_messages() {
    for db in databases().await {
        let wasel = open(&db).await;
        let a = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(sms("0555001234", "hello", Some("draft-1")))
            .await
            .unwrap();
        let b = wasel
            .messaging(&wasel_core::api::SYSTEM)
            .send_sms(sms("+966555001234", "hello", Some("draft-1")))
            .await
            .unwrap();
        assert_eq!(a.id, b.id, "{}", db.name);
        let all = wasel.messaging(&wasel_core::api::SYSTEM).list_messages(MessageFilter::default()).await.unwrap();
        assert_eq!(all.len(), 1, "{}", db.name);
    }
}

#[tokio::test]
async fn a_wrong_number_is_refused_before_anything_is_written() {
    for db in databases().await {
        let wasel = open(&db).await;
        let err = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("12345", "hello", None)).await.unwrap_err();
        assert_eq!(err.code(), "phone.invalid");
        assert_eq!(err.params().get("input").map(String::as_str), Some("12345"));
        let err = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "   ", None)).await.unwrap_err();
        assert_eq!(err.code(), "body.required");
        assert!(
            wasel.messaging(&wasel_core::api::SYSTEM).list_messages(MessageFilter::default()).await.unwrap().is_empty(),
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn illegal_transitions_are_refused_and_leave_no_event() {
    for db in databases().await {
        let wasel = open(&db).await;
        let m = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "hello", None)).await.unwrap();
        let id = uuid::Uuid::parse_str(&m.id).unwrap();
        let refused = q::transition(wasel.db(), id, MessageStatus::Delivered, EventSource::Poll, Change::default())
            .await
            .unwrap();
        assert_eq!(refused, Transition::Refused { from: MessageStatus::Queued }, "{}", db.name);
        let cancelled =
            q::transition(wasel.db(), id, MessageStatus::Cancelled, EventSource::Operator, Change::default())
                .await
                .unwrap();
        assert_eq!(cancelled, Transition::Applied { from: MessageStatus::Queued });
        let again = q::transition(wasel.db(), id, MessageStatus::Queued, EventSource::Operator, Change::default())
            .await
            .unwrap();
        assert_eq!(again, Transition::Refused { from: MessageStatus::Cancelled });
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).message_timeline(&m.id).await.unwrap().len(),
            2,
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn a_lease_that_expires_while_sending_makes_the_message_unknown_not_resent() {
    for db in databases().await {
        let wasel = open(&db).await;
        let m = wasel.messaging(&wasel_core::api::SYSTEM).send_sms(sms("0555001234", "hello", None)).await.unwrap();
        let past = chrono::Utc::now() - chrono::Duration::seconds(1);
        let claimed =
            wasel_core::store::queries::outbox::claim(wasel.db(), "dead-worker", past, 10, false).await.unwrap();
        assert_eq!(claimed.len(), 1);
        let expired = wasel.dispatcher().expire_leases().await.unwrap();
        assert_eq!(expired, 1, "{}", db.name);
        assert_eq!(
            wasel.messaging(&wasel_core::api::SYSTEM).message(&m.id).await.unwrap().status,
            MessageStatus::Unknown
        );
        assert_eq!(
            wasel.dispatcher().run_once().await.unwrap().claimed,
            0,
            "an unknown message is never claimed again"
        );
        assert_eq!(wasel_sandbox::simulators(&wasel).unwrap().twilio().received_count(), 0);
    }
}

#[tokio::test]
async fn language_and_settings_are_remembered() {
    for db in databases().await {
        let wasel = open(&db).await;
        assert_eq!(
            wasel.settings(&wasel_core::api::SYSTEM).status().await.unwrap().language,
            wasel_core::settings::Language::Ar
        );
        wasel.settings(&wasel_core::api::SYSTEM).set_language(wasel_core::settings::Language::En).await.unwrap();
        drop(wasel);
        let again = open(&db).await;
        assert_eq!(
            again.settings(&wasel_core::api::SYSTEM).status().await.unwrap().language,
            wasel_core::settings::Language::En,
            "{}",
            db.name
        );
    }
}

/// Both schemas hold the same tables and columns.
#[tokio::test]
async fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    let dbs = databases().await;
    let mut shapes = Vec::new();
    for db in &dbs {
        let wasel = open(db).await;
        let cols: BTreeSet<(String, String)> = match wasel.db() {
            wasel_core::store::Db::Sqlite(p) => sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
            )
            .fetch_all(p)
            .await
            .unwrap()
            .into_iter()
            .collect(),
            wasel_core::store::Db::Postgres(p) => sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
            )
            .fetch_all(p)
            .await
            .unwrap()
            .into_iter()
            .collect(),
        };
        assert!(cols.contains(&("messages".into(), "idempotency_key".into())));
        shapes.push((db.name, cols));
    }
    if let [(_, a), (_, b)] = shapes.as_slice() {
        let only_sqlite: Vec<_> = a.difference(b).collect();
        let only_pg: Vec<_> = b.difference(a).collect();
        assert!(
            only_sqlite.is_empty() && only_pg.is_empty(),
            "only sqlite: {only_sqlite:?}; only postgres: {only_pg:?}"
        );
    }
}
