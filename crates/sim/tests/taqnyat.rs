//! The Taqnyat simulator seen from outside, the way Wasel's SMS provider talks to it: over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};
use wasel_sim::taqnyat::{SANDBOX_BEARER_TOKEN, SANDBOX_SENDER, TaqnyatOptions};
use wasel_sim::{Faults, SimOptions, Simulators};

const GUARDIAN: &str = "966512345678";

struct Harness {
    sim: Simulators,
    http: reqwest::Client,
}

async fn spawn_sim() -> Harness {
    let sim = wasel_sim::start(SimOptions {
        taqnyat: TaqnyatOptions { delivered_after: Duration::from_millis(40), ..TaqnyatOptions::default() },
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    Harness { sim, http }
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    async fn post_json(&self, body: &Value) -> (u16, Value) {
        let r = self.http.post(self.url("/v1/messages")).bearer_auth(SANDBOX_BEARER_TOKEN).json(body).send().await;
        let r = r.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn send_sms(&self, to: &str, body: &str) -> Value {
        let (status, json) = self.post_json(&json!({"recipients": [to], "sender": SANDBOX_SENDER, "body": body})).await;
        assert_eq!(status, 201, "{json}");
        json
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).bearer_auth(SANDBOX_BEARER_TOKEN).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn delete_scheduled(&self, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .delete(self.url("/v1/messages"))
            .bearer_auth(SANDBOX_BEARER_TOKEN)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// Waits until the inbox shows every message in a final status.
    async fn wait_final(&self) -> Vec<wasel_sim::taqnyat::SimMessage> {
        for _ in 0..200 {
            let inbox = self.sim.taqnyat().messages();
            if inbox.iter().all(|m| matches!(m.status.as_str(), "delivered" | "undelivered" | "cancelled")) {
                return inbox;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the inbox never settled");
    }
}

fn assert_taqnyat_error(status: u16, json: &Value, http: u16, message: &str) {
    assert_eq!(status, http, "{json}");
    assert_eq!(json["statusCode"], http, "{json}");
    assert_eq!(json["message"], message, "{json}");
}

#[tokio::test]
async fn a_message_is_accepted_with_taqnyats_json_shape() {
    let h = spawn_sim().await;
    let before = h.sim.taqnyat().balance_milli_sar();
    let json = h.send_sms(GUARDIAN, "Salam, pickup at 2pm").await;

    assert_eq!(json["statusCode"], 201);
    let id = json["messageId"].as_u64().expect("messageId is a JSON number");
    assert!(id >= 1_000_000_000, "{id}");
    assert_eq!(json["cost"], 0.026);
    assert_eq!(json["currency"], "SAR");
    assert_eq!(json["totalCount"], 1);
    assert_eq!(json["msgLength"], 1);
    assert_eq!(json["accepted"], "[966512345678,]");
    assert_eq!(json["rejected"], "[]");
    assert_eq!(h.sim.taqnyat().balance_milli_sar(), before - 26);

    assert_eq!(h.sim.taqnyat().received_count(), 1);
    let inbox = h.sim.taqnyat().messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].id, id.to_string());
    assert_eq!(inbox[0].to, GUARDIAN);
    assert_eq!(inbox[0].sender, SANDBOX_SENDER);
    assert_eq!(inbox[0].body, "Salam, pickup at 2pm");
    assert_eq!(inbox[0].status, "sent");
    assert_eq!(inbox[0].num_segments, 1);
    assert!(inbox[0].scheduled_at.is_none());

    let second = h.send_sms(GUARDIAN, "again").await;
    assert_eq!(second["messageId"].as_u64(), Some(id + 1));
    assert_eq!(h.wait_final().await[0].status, "delivered");
}

#[tokio::test]
async fn arabic_bodies_are_counted_and_charged_in_ucs2_segments() {
    let h = spawn_sim().await;
    for (chars, segments) in [(70, 1), (71, 2), (134, 2), (135, 3)] {
        let json = h.send_sms(GUARDIAN, &"ب".repeat(chars)).await;
        assert_eq!(json["msgLength"], segments, "{chars} Arabic letters");
    }
    let stored: Vec<u32> = h.sim.taqnyat().messages().iter().map(|m| m.num_segments).collect();
    assert_eq!(stored, [1, 2, 2, 3]);
    assert_eq!(h.send_sms(GUARDIAN, &"a".repeat(161)).await["msgLength"], 2);

    // Two recipients of a two-segment Arabic reminder cost four segments.
    let before = h.sim.taqnyat().balance_milli_sar();
    let (status, json) = h
        .post_json(&json!({"recipients": [GUARDIAN, "966512345679"], "sender": SANDBOX_SENDER, "body": "ب".repeat(71)}))
        .await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(json["totalCount"], 2);
    assert_eq!(json["cost"], 0.104);
    assert_eq!(h.sim.taqnyat().balance_milli_sar(), before - 104);
}

#[tokio::test]
async fn bad_recipients_are_listed_as_rejected_and_not_charged() {
    let h = spawn_sim().await;
    let before = h.sim.taqnyat().balance_milli_sar();
    let (status, json) = h
        .post_json(&json!({
            "recipients": [GUARDIAN, "+966512345679", "0512345670", 966512345671_u64],
            "sender": SANDBOX_SENDER,
            "body": "hi",
        }))
        .await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(json["totalCount"], 2);
    assert_eq!(json["accepted"], "[966512345678,966512345671,]");
    assert_eq!(json["rejected"], "[+966512345679,0512345670,]");
    assert_eq!(h.sim.taqnyat().balance_milli_sar(), before - 2 * 26);
    let to: Vec<String> = h.sim.taqnyat().messages().into_iter().map(|m| m.to).collect();
    assert_eq!(to, [GUARDIAN, "966512345671"]);
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_refused_with_401() {
    let h = spawn_sim().await;
    let body = json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "hi"});
    let wrong = h.http.post(h.url("/v1/messages")).bearer_auth("0000000000000000000000000000dead").json(&body);
    let missing = h.http.post(h.url("/v1/messages")).json(&body);
    let basic = h.http.post(h.url("/v1/messages")).basic_auth(SANDBOX_BEARER_TOKEN, Some("")).json(&body);
    for request in [wrong, missing, basic] {
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let json: Value = r.json().await.unwrap();
        assert_taqnyat_error(status, &json, 401, "invalid credentials information");
        assert_eq!(json["code"], 104);
    }
    let r = h.http.get(h.url("/account/balance")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(h.sim.taqnyat().received_count(), 0);
    assert_eq!(h.sim.taqnyat().create_requests(), 3);
}

#[tokio::test]
async fn each_invalid_send_is_refused_with_its_taqnyat_error() {
    let h = spawn_sim().await;
    let s = SANDBOX_SENDER;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("no sender", json!({"recipients": [GUARDIAN], "body": "hi"}), "sender is required"),
        ("empty sender", json!({"recipients": [GUARDIAN], "sender": "", "body": "hi"}), "sender is required"),
        ("unapproved sender", json!({"recipients": [GUARDIAN], "sender": "OTHER", "body": "hi"}), "Invalid sender"),
        ("no body", json!({"recipients": [GUARDIAN], "sender": s}), "body is required"),
        ("blank body", json!({"recipients": [GUARDIAN], "sender": s, "body": "  "}), "body is required"),
        ("no recipients", json!({"sender": s, "body": "hi"}), "recipients must be a non-empty array"),
        (
            "empty recipients",
            json!({"recipients": [], "sender": s, "body": "hi"}),
            "recipients must be a non-empty array",
        ),
        (
            "recipients as a string",
            json!({"recipients": GUARDIAN, "sender": s, "body": "hi"}),
            "recipients must be a non-empty array",
        ),
        ("with +", json!({"recipients": ["+966512345678"], "sender": s, "body": "hi"}), "Invalid recipients"),
        ("with 00", json!({"recipients": ["00966512345678"], "sender": s, "body": "hi"}), "Invalid recipients"),
        ("national 05", json!({"recipients": ["0512345678"], "sender": s, "body": "hi"}), "Invalid recipients"),
        ("landline", json!({"recipients": ["966112345678"], "sender": s, "body": "hi"}), "Invalid recipients"),
        ("too short", json!({"recipients": ["96651234567"], "sender": s, "body": "hi"}), "Invalid recipients"),
        ("abroad", json!({"recipients": ["447700900123"], "sender": s, "body": "hi"}), "Invalid recipients"),
        ("not a number", json!({"recipients": [{"to": GUARDIAN}], "sender": s, "body": "hi"}), "Invalid recipients"),
        (
            "bad schedule",
            json!({"recipients": [GUARDIAN], "sender": s, "body": "hi", "scheduled": "tomorrow 9am"}),
            "Invalid scheduled date",
        ),
    ];
    let n = cases.len();
    for (story, body, message) in cases {
        let (status, json) = h.post_json(&body).await;
        assert_eq!(json["message"], message, "{story}: {json}");
        assert_taqnyat_error(status, &json, 400, message);
    }
    let r = h
        .http
        .post(h.url("/v1/messages"))
        .bearer_auth(SANDBOX_BEARER_TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_taqnyat_error(status, &r.json().await.unwrap(), 400, "Invalid JSON body");
    assert_eq!(h.sim.taqnyat().received_count(), 0);
    assert_eq!(h.sim.taqnyat().create_requests(), n + 1);
    assert!(h.sim.taqnyat().messages().is_empty());
}

#[tokio::test]
async fn an_empty_or_short_balance_is_refused_with_code_2_or_3() {
    let h = spawn_sim().await;
    h.sim.taqnyat().set_balance_milli_sar(0);
    let (status, json) = h.post_json(&json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "hi"})).await;
    assert_taqnyat_error(status, &json, 400, "balance is 0");
    assert_eq!(json["code"], 2);

    h.sim.taqnyat().set_balance_milli_sar(30);
    let (status, json) =
        h.post_json(&json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "ب".repeat(71)})).await;
    assert_taqnyat_error(status, &json, 400, "balance is not enough");
    assert_eq!(json["code"], 3);
    assert_eq!(h.sim.taqnyat().balance_milli_sar(), 30, "nothing charged");

    h.send_sms(GUARDIAN, "one segment fits").await;
    assert_eq!(h.sim.taqnyat().balance_milli_sar(), 4);
    let (status, balance) = h.get("/account/balance").await;
    assert_eq!(status, 200);
    assert_eq!(balance["balance"], "0.004");
}

#[tokio::test]
async fn an_opted_out_guardian_is_rejected_until_opting_in() {
    let h = spawn_sim().await;
    h.sim.taqnyat().opt_out(GUARDIAN);
    let (status, json) = h.post_json(&json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "hi"})).await;
    assert_taqnyat_error(status, &json, 400, "Recipients opted out");

    let (status, json) =
        h.post_json(&json!({"recipients": [GUARDIAN, "966512345679"], "sender": SANDBOX_SENDER, "body": "hi"})).await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(json["rejected"], "[966512345678,]");
    assert_eq!(json["accepted"], "[966512345679,]");

    h.sim.taqnyat().opt_in(&format!("+{GUARDIAN}"));
    h.send_sms(GUARDIAN, "back again").await;
}

#[tokio::test]
async fn an_unreachable_handset_ends_undelivered_in_the_sandbox_inbox() {
    let h = spawn_sim().await;
    h.send_sms("966500000003", "hi").await;
    h.send_sms("966500000006", "hi").await;
    h.send_sms(GUARDIAN, "hi").await;
    let statuses: Vec<String> = h.wait_final().await.into_iter().map(|m| m.status).collect();
    assert_eq!(statuses, ["undelivered", "undelivered", "delivered"]);
}

#[tokio::test]
async fn a_scheduled_message_can_be_deleted_and_its_cost_comes_back() {
    let h = spawn_sim().await;
    let before = h.sim.taqnyat().balance_milli_sar();
    // Riyadh wall-clock time, minute precision, as Taqnyat's SDKs send it.
    let riyadh = chrono::Utc::now() + chrono::TimeDelta::hours(3) + chrono::TimeDelta::hours(2);
    let scheduled = riyadh.format("%Y-%m-%dT%H:%M").to_string();
    let (status, json) = h
        .post_json(&json!({
            "recipients": [GUARDIAN, "966512345679"],
            "sender": SANDBOX_SENDER,
            "body": "Tomorrow is a holiday",
            "scheduled": scheduled,
            "deleteId": 100,
        }))
        .await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(h.sim.taqnyat().balance_milli_sar(), before - 52);
    let inbox = h.sim.taqnyat().messages();
    assert!(inbox.iter().all(|m| m.status == "scheduled"));
    let at = inbox[0].scheduled_at.unwrap();
    let ahead = at - chrono::Utc::now();
    assert!(ahead > chrono::TimeDelta::minutes(118) && ahead <= chrono::TimeDelta::hours(2), "{ahead}");

    let (status, json) = h.delete_scheduled(&json!({"deleteId": "100"})).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json, json!({"statusCode": 200, "message": "Deleted"}));
    assert!(h.sim.taqnyat().messages().iter().all(|m| m.status == "cancelled"));
    assert_eq!(h.sim.taqnyat().balance_milli_sar(), before);

    let (status, json) = h.delete_scheduled(&json!({"deleteKey": 100})).await;
    assert_taqnyat_error(status, &json, 404, "Not Found");
    let (status, json) = h.delete_scheduled(&json!({})).await;
    assert_taqnyat_error(status, &json, 400, "deleteId is required");
}

#[tokio::test]
async fn a_scheduled_message_is_sent_when_its_time_comes() {
    let h = spawn_sim().await;
    let at = chrono::Utc::now() + chrono::TimeDelta::milliseconds(500);
    let (status, json) = h
        .post_json(&json!({
            "recipients": [GUARDIAN],
            "sender": SANDBOX_SENDER,
            "body": "hi",
            "scheduledDatetime": at.to_rfc3339(),
            "deleteId": "late",
        }))
        .await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(h.sim.taqnyat().messages()[0].status, "scheduled");
    assert_eq!(h.wait_final().await[0].status, "delivered");
    let (status, _) = h.delete_scheduled(&json!({"deleteId": "late"})).await;
    assert_eq!(status, 404, "too late to delete");
}

#[tokio::test]
async fn balance_senders_and_system_status_answer_canned_json() {
    let h = spawn_sim().await;
    let (status, balance) = h.get("/account/balance").await;
    assert_eq!(status, 200, "{balance}");
    assert_eq!(balance["statusCode"], 200);
    assert_eq!(balance["accountStatus"], "active");
    assert_eq!(balance["balance"], "2044.000");
    assert_eq!(balance["currency"], "SAR");
    assert!(balance["accountExpiryDate"].is_string());

    let (status, senders) = h.get("/v1/messages/senders").await;
    assert_eq!(status, 200);
    assert_eq!(senders, json!({"statusCode": 200, "senders": [SANDBOX_SENDER]}));

    let (status, system) = h.get("/system/status").await;
    assert_eq!(status, 200);
    assert_eq!(system["status"]["description"], "All Services are Operational");
}

#[tokio::test]
async fn a_provider_that_is_down_answers_503_but_the_sim_routes_still_work() {
    let h = spawn_sim().await;
    h.sim.taqnyat().set_faults(Faults { down: true, ..Faults::default() });
    let (status, json) = h.post_json(&json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "hi"})).await;
    assert_taqnyat_error(status, &json, 503, "Service Unavailable");
    assert_eq!(h.get("/system/status").await.0, 503);
    assert_eq!(h.sim.twilio().faults(), Faults::default(), "only Taqnyat is down");

    let r = h.http.get(h.url("/_sim/taqnyat/messages")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(h.sim.taqnyat().create_requests(), 1);
    assert_eq!(h.sim.taqnyat().received_count(), 0);

    h.sim.taqnyat().set_faults(Faults::default());
    h.send_sms(GUARDIAN, "recovered").await;
}

#[tokio::test]
async fn a_rate_limited_send_answers_429_with_retry_after() {
    let h = spawn_sim().await;
    h.sim.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
    let r = h
        .http
        .post(h.url("/v1/messages"))
        .bearer_auth(SANDBOX_BEARER_TOKEN)
        .json(&json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["retry-after"], "7");
    let status = r.status().as_u16();
    assert_taqnyat_error(status, &r.json().await.unwrap(), 429, "Too Many Requests");
    assert_eq!(h.sim.taqnyat().received_count(), 0);
}

#[tokio::test]
async fn a_failing_provider_answers_500_with_taqnyat_json() {
    let h = spawn_sim().await;
    h.sim.taqnyat().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let (status, json) = h.post_json(&json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "hi"})).await;
    assert_taqnyat_error(status, &json, 500, "Internal Server Error");
}

#[tokio::test]
async fn a_hung_provider_never_answers() {
    let h = spawn_sim().await;
    h.sim.taqnyat().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
    let error = h
        .http
        .post(h.url("/v1/messages"))
        .timeout(Duration::from_millis(300))
        .bearer_auth(SANDBOX_BEARER_TOKEN)
        .json(&json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "hi"}))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(h.sim.taqnyat().create_requests(), 1);
    tokio::time::timeout(Duration::from_secs(3), h.sim.shutdown()).await.expect("shutdown in time");
}

#[tokio::test]
async fn the_sim_routes_show_the_inbox_set_faults_opt_outs_balance_and_clear() {
    let h = spawn_sim().await;
    h.send_sms(GUARDIAN, "first").await;

    let inbox: Vec<Value> = h.http.get(h.url("/_sim/taqnyat/messages")).send().await.unwrap().json().await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["body"], "first");
    assert_eq!(inbox[0]["to"], GUARDIAN);
    assert_eq!(inbox[0]["sender"], SANDBOX_SENDER);
    assert_eq!(inbox[0]["num_segments"], 1);

    let r = h.http.put(h.url("/_sim/taqnyat/faults")).json(&json!({"down": true})).send().await.unwrap();
    assert!(r.status().is_success());
    assert!(h.sim.taqnyat().faults().down);
    let faults: Value = h.http.get(h.url("/_sim/taqnyat/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(faults["down"], true);
    h.http.put(h.url("/_sim/faults")).json(&json!({})).send().await.unwrap();
    assert!(!h.sim.taqnyat().faults().down, "the all-provider switch reaches Taqnyat");

    let r = h.http.post(h.url("/_sim/taqnyat/opt-outs")).json(&json!({"to": GUARDIAN})).send().await.unwrap();
    assert!(r.status().is_success());
    let (status, _) = h.post_json(&json!({"recipients": [GUARDIAN], "sender": SANDBOX_SENDER, "body": "hi"})).await;
    assert_eq!(status, 400);

    let r = h.http.put(h.url("/_sim/taqnyat/balance")).json(&json!({"balance_milli_sar": 5})).send().await.unwrap();
    assert!(r.status().is_success());
    let balance: Value = h.http.get(h.url("/_sim/taqnyat/balance")).send().await.unwrap().json().await.unwrap();
    assert_eq!(balance["balance_milli_sar"], 5);

    let r = h.http.delete(h.url("/_sim/taqnyat/messages")).send().await.unwrap();
    assert!(r.status().is_success());
    assert!(h.sim.taqnyat().messages().is_empty());
    assert_eq!(h.sim.taqnyat().received_count(), 0);
    assert_eq!(h.sim.taqnyat().create_requests(), 0);
    assert_eq!(h.sim.taqnyat().balance_milli_sar(), 2_044_000, "clear restores the starting balance");
}

#[tokio::test]
async fn an_unknown_path_answers_taqnyat_404_json() {
    let h = spawn_sim().await;
    let (status, json) = h.get("/v1/messages/status").await;
    assert_taqnyat_error(status, &json, 404, "Not Found");
}
