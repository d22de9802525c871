//! The simulator's own tests.

use super::*;

#[cfg(test)]
mod unit {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use crate::{SimOptions, Simulators, start};

    async fn post(sims: &Simulators, key: &str, body: &Value) -> (u16, Value, HeaderMap) {
        let res = reqwest::Client::new()
            .post(format!("{}/notifications", sims.base_url()))
            .header("Authorization", format!("Key {key}"))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, res.json().await.unwrap_or(Value::Null), headers)
    }

    async fn view(sims: &Simulators, id: &str) -> (u16, Value) {
        let res = reqwest::Client::new()
            .get(format!("{}/notifications/{id}?app_id={SANDBOX_APP_ID}", sims.base_url()))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    fn message(to: &[&str]) -> Value {
        json!({
            "app_id": SANDBOX_APP_ID,
            "include_subscription_ids": to,
            "headings": { "en": "Reminder", "ar": "تذكير" },
            "contents": { "en": "Medicine at 10:00", "ar": "الدواء الساعة ١٠:٠٠" },
            "data": { "reference": "r-1" },
        })
    }

    fn first_error(body: &Value) -> &str {
        body["errors"][0].as_str().unwrap_or_default()
    }

    #[tokio::test]
    async fn a_notification_reaches_subscribed_devices_in_their_language() {
        let sims = start(SimOptions::default()).await.unwrap();
        let base = sims.base_url();
        let added: Value = reqwest::Client::new()
            .post(format!("{base}/_sim/onesignal/subscriptions"))
            .json(&json!({ "language": "ar" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let arabic = added["id"].as_str().unwrap().to_owned();
        let english = sims.onesignal().new_subscription("en");
        let gone = sims.onesignal().new_subscription("ar");
        let broken =
            sims.onesignal().add_subscription(SimSubscription { errored: true, ..SimSubscription::default() }).unwrap();
        assert!(sims.onesignal().unsubscribe(&gone));

        let (status, body, _) = post(&sims, SANDBOX_API_KEY, &message(&[&arabic, &english, &gone, &broken])).await;
        assert_eq!(status, 200, "{body}");
        let id = body["id"].as_str().unwrap().to_owned();
        assert!(is_uuid(&id));
        assert_eq!(body["external_id"], Value::Null);
        assert!(body.get("errors").is_none());

        let (status, counters) = view(&sims, &id).await;
        assert_eq!(status, 200);
        assert_eq!((counters["remaining"].as_u64(), counters["successful"].as_u64()), (Some(4), Some(0)));
        assert_eq!(counters["canceled"], false);
        tokio::time::sleep(Duration::from_millis(650)).await;
        let (_, counters) = view(&sims, &id).await;
        assert_eq!(counters["remaining"], 0);
        assert_eq!(counters["successful"], 2);
        assert_eq!(counters["failed"], 1, "the unsubscribed device");
        assert_eq!(counters["errored"], 1);
        assert!(counters["completed_at"].is_i64());

        let inbox = sims.onesignal().messages();
        let seen = |sub: &str| inbox.iter().find(|m| m.subscription_id == sub).unwrap().clone();
        assert_eq!(seen(&arabic).heading.as_deref(), Some("تذكير"));
        assert_eq!(seen(&arabic).content, "الدواء الساعة ١٠:٠٠");
        assert_eq!(seen(&arabic).status, "successful");
        assert_eq!(seen(&english).content, "Medicine at 10:00");
        assert_eq!(seen(&gone).status, "failed");
        assert_eq!(seen(&broken).status, "errored");
        assert_eq!(seen(&english).data, Some(json!({ "reference": "r-1" })));

        let list: Value = reqwest::Client::new()
            .get(format!("{base}/notifications?app_id={SANDBOX_APP_ID}&limit=1"))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total_count"], 1);
        assert_eq!(list["notifications"][0]["id"], json!(id));
    }

    #[tokio::test]
    async fn a_repeated_idempotency_key_answers_the_first_result_and_sends_nothing() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("ar");
        let mut body = message(&[&device]);
        body["idempotency_key"] = json!(new_uuid());
        let (_, first, _) = post(&sims, SANDBOX_API_KEY, &body).await;
        body["contents"]["en"] = json!("something else");
        let (status, second, _) = post(&sims, SANDBOX_API_KEY, &body).await;
        assert_eq!(status, 200);
        assert_eq!(first, second);
        assert_eq!(sims.onesignal().messages().len(), 1);
        assert_eq!(sims.onesignal().received_count(), 1);
        assert_eq!(sims.onesignal().create_requests(), 2);

        body["idempotency_key"] = json!("not-a-uuid");
        let (status, answer, _) = post(&sims, SANDBOX_API_KEY, &body).await;
        assert_eq!((status, first_error(&answer)), (400, "idempotency_key must be a valid UUID"));

        // The memory fades after the configured time (30 days at OneSignal).
        let opts = SimOptions {
            onesignal: OneSignalOptions { idempotency_ttl: Duration::from_millis(100), ..OneSignalOptions::default() },
            ..SimOptions::default()
        };
        let sims = start(opts).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let mut body = message(&[&device]);
        body["idempotency_key"] = json!(new_uuid());
        post(&sims, SANDBOX_API_KEY, &body).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        post(&sims, SANDBOX_API_KEY, &body).await;
        assert_eq!(sims.onesignal().received_count(), 2);
    }

    #[tokio::test]
    async fn unknown_and_unsubscribed_recipients_come_back_as_errors_with_http_200() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let unknown = new_uuid();
        let (status, body, _) = post(&sims, SANDBOX_API_KEY, &message(&[&unknown])).await;
        assert_eq!(status, 200);
        assert_eq!(body["id"], "");
        assert_eq!(body["errors"]["invalid_player_ids"], json!([unknown]));

        let (_, body, _) = post(&sims, SANDBOX_API_KEY, &message(&[&unknown, &device])).await;
        assert!(is_uuid(body["id"].as_str().unwrap()), "partial success has an id");
        assert_eq!(body["errors"]["invalid_player_ids"], json!([unknown]));

        sims.onesignal().unsubscribe(&device);
        let (_, body, _) = post(&sims, SANDBOX_API_KEY, &message(&[&device])).await;
        assert_eq!(body["id"], "");
        assert_eq!(first_error(&body), "All included players are not subscribed");

        let guardian = SimSubscription { external_id: Some("guardian-7".into()), ..SimSubscription::default() };
        sims.onesignal().add_subscription(guardian).unwrap();
        let mut by_alias = message(&[]);
        by_alias.as_object_mut().unwrap().remove("include_subscription_ids");
        by_alias["include_aliases"] = json!({ "external_id": ["guardian-7", "guardian-8"] });
        by_alias["target_channel"] = json!("push");
        let (_, body, _) = post(&sims, SANDBOX_API_KEY, &by_alias).await;
        assert!(is_uuid(body["id"].as_str().unwrap()));
        assert_eq!(body["errors"]["invalid_aliases"]["external_id"], json!(["guardian-8"]));
        assert_eq!(sims.onesignal().received_count(), 2);
    }

    #[tokio::test]
    async fn bad_keys_and_bad_bodies_are_refused() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let (status, body, _) = post(&sims, "wrong", &message(&[&device])).await;
        assert_eq!(status, 403);
        assert!(first_error(&body).starts_with("Access denied."));
        let res = reqwest::Client::new()
            .post(format!("{}/notifications", sims.base_url()))
            .header("Authorization", format!("Basic {SANDBOX_API_KEY}"))
            .json(&message(&[&device]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the legacy REST key scheme");

        let mut other_app = message(&[&device]);
        other_app["app_id"] = json!(new_uuid());
        let edit = |f: &dyn Fn(&mut Value)| {
            let mut body = message(&[&device]);
            f(&mut body);
            body
        };
        let cases: Vec<(Value, u16, &str)> = vec![
            (other_app, 403, "Access denied."),
            (
                edit(&|b| {
                    b.as_object_mut().unwrap().remove("app_id");
                }),
                400,
                "app_id not found.",
            ),
            (
                edit(&|b| {
                    b.as_object_mut().unwrap().remove("include_subscription_ids");
                }),
                400,
                "You must include which players",
            ),
            (edit(&|b| b["included_segments"] = json!(["Subscribed Users"])), 400, "cannot be combined"),
            (edit(&|b| b["include_subscription_ids"] = json!(["player-1"])), 400, "not a valid UUID): player-1"),
            (edit(&|b| b["include_subscription_ids"] = json!(vec![device.clone(); 2001])), 400, "at most 2000"),
            (edit(&|b| b["contents"] = json!({ "ar": "مرحبا" })), 400, "must have English language content"),
            (edit(&|b| b["headings"] = json!({ "ar": "مرحبا" })), 400, "headings must have English"),
            (edit(&|b| b["contents"] = json!({ "en": 5 })), 400, "contents has the wrong type"),
            (edit(&|b| b["data"] = json!({ "k": "x".repeat(2100) })), 400, "2048 bytes or less"),
            (edit(&|b| b["send_after"] = json!("tomorrow")), 400, "send_after is not a valid date"),
            (
                edit(&|b| {
                    b.as_object_mut().unwrap().remove("include_subscription_ids");
                    b["include_aliases"] = json!({ "external_id": ["g-1"] });
                }),
                400,
                "target_channel",
            ),
        ];
        for (body, expected, needle) in cases {
            let (status, answer, _) = post(&sims, SANDBOX_API_KEY, &body).await;
            assert_eq!(status, expected, "{answer}");
            assert!(first_error(&answer).contains(needle), "{answer} should contain {needle}");
        }
        assert_eq!(sims.onesignal().received_count(), 1);

        let (status, body) = view(&sims, &new_uuid()).await;
        assert_eq!((status, first_error(&body)), (404, "Notification not found"));
    }

    #[tokio::test]
    async fn a_scheduled_notification_can_be_cancelled_before_it_goes_out() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let mut body = message(&[&device]);
        body["send_after"] = json!((Utc::now() + TimeDelta::hours(1)).to_rfc3339());
        let (_, answer, _) = post(&sims, SANDBOX_API_KEY, &body).await;
        let id = answer["id"].as_str().unwrap().to_owned();
        let cancel = || {
            reqwest::Client::new()
                .delete(format!("{}/notifications/{id}?app_id={SANDBOX_APP_ID}", sims.base_url()))
                .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
                .send()
        };
        let res = cancel().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap(), json!({ "success": true }));
        let (_, counters) = view(&sims, &id).await;
        assert_eq!(counters["canceled"], true);
        assert_eq!(counters["remaining"], 0);
        assert_eq!(sims.onesignal().messages()[0].status, "canceled");
        assert_eq!(cancel().await.unwrap().status(), 200, "cancelling twice is harmless");

        let (_, answer, _) = post(&sims, SANDBOX_API_KEY, &message(&[&device])).await;
        let sent = answer["id"].as_str().unwrap().to_owned();
        tokio::time::sleep(Duration::from_millis(650)).await;
        let res = reqwest::Client::new()
            .delete(format!("{}/notifications/{sent}?app_id={SANDBOX_APP_ID}", sims.base_url()))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);

        let res = reqwest::Client::new()
            .get(format!("{}/notifications/{sent}", sims.base_url()))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "app_id is required on views");
    }

    #[tokio::test]
    async fn faults_answer_in_onesignals_error_shape() {
        let sims = start(SimOptions::default()).await.unwrap();
        let device = sims.onesignal().new_subscription("en");
        let body = message(&[&device]);

        sims.onesignal().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(100), ..Faults::default() });
        let (status, answer, headers) = post(&sims, SANDBOX_API_KEY, &body).await;
        assert_eq!((status, first_error(&answer)), (429, "API rate limit exceeded."));
        assert_eq!(headers[header::RETRY_AFTER], "100");

        sims.onesignal().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        assert_eq!(post(&sims, SANDBOX_API_KEY, &body).await.0, 500);
        let res = reqwest::Client::new()
            .put(format!("{}/_sim/onesignal/faults", sims.base_url()))
            .json(&json!({ "down": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(post(&sims, SANDBOX_API_KEY, &body).await.0, 503);

        sims.onesignal().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let client = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
        let res = client
            .post(format!("{}/notifications", sims.base_url()))
            .header("Authorization", format!("Key {SANDBOX_API_KEY}"))
            .json(&body)
            .send()
            .await;
        assert!(res.unwrap_err().is_timeout());

        sims.onesignal().set_faults(Faults::default());
        assert_eq!(post(&sims, SANDBOX_API_KEY, &body).await.0, 200);
        assert_eq!(sims.onesignal().received_count(), 1);
        sims.shutdown().await;
    }

    #[test]
    fn uuids_are_v4_and_recognised() {
        let id = new_uuid();
        assert!(is_uuid(&id));
        assert_eq!(&id[14..15], "4");
        assert!(!is_uuid("3c7a1f52-9d4e-4b8a-a6f1-2e5d8c0b7a9"));
        assert!(!is_uuid("3c7a1f52x9d4e-4b8a-a6f1-2e5d8c0b7a94"));
        assert!(parse_send_after("2015-09-24 14:00:00 GMT-0700").is_some());
        assert!(parse_send_after("2026-11-25T10:00:00+03:00").is_some());
    }
}
