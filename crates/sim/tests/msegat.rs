//! The Msegat simulator seen from outside, the way Wasel's SMS provider talks to it: over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};
use wasel_sim::msegat::{FREE_OTP_SENDER, MsegatOptions, SANDBOX_API_KEY, SANDBOX_SENDER, SANDBOX_USERNAME};
use wasel_sim::{Faults, SimOptions, Simulators};

const GUARDIAN: &str = "966512345678";

struct Harness {
    sim: Simulators,
    http: reqwest::Client,
}

async fn spawn_with(msegat: MsegatOptions) -> Harness {
    let sim = wasel_sim::start(SimOptions { msegat, ..SimOptions::default() }).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    Harness { sim, http }
}

async fn spawn_sim() -> Harness {
    spawn_with(MsegatOptions { delivered_after: Duration::from_millis(40), ..MsegatOptions::default() }).await
}

/// Form fields of one send, in order.
type Fields = Vec<(&'static str, String)>;

/// The fields every send carries, ready to be changed per story.
fn send_fields(numbers: &str, msg: &str) -> Fields {
    vec![
        ("userName", SANDBOX_USERNAME.to_owned()),
        ("apiKey", SANDBOX_API_KEY.to_owned()),
        ("numbers", numbers.to_owned()),
        ("userSender", SANDBOX_SENDER.to_owned()),
        ("msg", msg.to_owned()),
        ("msgEncoding", "UTF8".to_owned()),
    ]
}

fn with(mut fields: Fields, name: &'static str, value: &str) -> Fields {
    fields.retain(|(n, _)| *n != name);
    fields.push((name, value.to_owned()));
    fields
}

fn without(mut fields: Fields, name: &str) -> Fields {
    fields.retain(|(n, _)| *n != name);
    fields
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// Posts form-encoded, as Msegat's docs ask.
    async fn post_form(&self, fields: &[(&str, String)]) -> (u16, Value) {
        let r = self.http.post(self.url("/gw/sendsms.php")).form(fields).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// Posts the same fields as a JSON body, as many clients do.
    async fn post_json(&self, body: &Value) -> (u16, Value) {
        let r = self.http.post(self.url("/gw/sendsms.php")).json(body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// A send that must get result `code`, answered (as Msegat does) with HTTP 200.
    async fn expect_code(&self, story: &str, fields: &[(&str, String)], code: &str) {
        let (status, json) = self.post_form(fields).await;
        assert_eq!(status, 200, "{story}: {json}");
        assert_eq!(json["code"], code, "{story}: {json}");
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()), "{story}: {json}");
    }

    async fn send_sms(&self, numbers: &str, msg: &str) -> Value {
        let (status, json) = self.post_form(&send_fields(numbers, msg)).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["code"], "1", "{json}");
        json
    }
}

#[tokio::test]
async fn a_message_is_accepted_with_code_1_in_an_http_200() {
    let h = spawn_sim().await;
    let before = h.sim.msegat().points();
    let json = h.send_sms(GUARDIAN, "Salam, pickup at 2pm").await;
    assert_eq!(json, json!({"code": "1", "message": "Success"}));
    assert_eq!(h.sim.msegat().points(), before - 1);

    assert_eq!(h.sim.msegat().received_count(), 1);
    let inbox = h.sim.msegat().messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].to, GUARDIAN);
    assert_eq!(inbox[0].sender, SANDBOX_SENDER);
    assert_eq!(inbox[0].body, "Salam, pickup at 2pm");
    assert_eq!(inbox[0].status, "sent");
    assert_eq!(inbox[0].num_segments, 1);
    assert_eq!(inbox[0].encoding, "UTF8");
    assert!(!inbox[0].id.is_empty());
}

#[tokio::test]
async fn a_json_body_with_a_bulk_id_request_gets_the_id_back() {
    let h = spawn_sim().await;
    let (status, json) = h
        .post_json(&json!({
            "userName": SANDBOX_USERNAME,
            "apiKey": SANDBOX_API_KEY,
            "numbers": format!("{GUARDIAN},966512345679"),
            "userSender": SANDBOX_SENDER,
            "msg": "Reminder: vaccination card",
            "msgEncoding": "UTF8",
            "reqBulkId": true,
        }))
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["code"], "1");
    let id = json["id"].as_str().expect("a bulk id as a string").to_owned();
    let inbox = h.sim.msegat().messages();
    assert_eq!(inbox.len(), 2, "one inbox entry per number");
    assert!(inbox.iter().all(|m| m.id == id));
    assert_eq!(h.sim.msegat().received_count(), 1);
}

#[tokio::test]
async fn arabic_bodies_are_billed_one_point_per_ucs2_segment() {
    let h = spawn_sim().await;
    let before = h.sim.msegat().points();
    for chars in [70, 71, 134, 135] {
        h.send_sms(GUARDIAN, &"ب".repeat(chars)).await;
    }
    let stored: Vec<u32> = h.sim.msegat().messages().iter().map(|m| m.num_segments).collect();
    assert_eq!(stored, [1, 2, 2, 3]);
    assert_eq!(h.sim.msegat().points(), before - 8);

    // English: 160 per segment, 153 per part.
    h.send_sms(GUARDIAN, &"a".repeat(306)).await;
    h.send_sms("966512345679", &"a".repeat(160)).await;
    assert_eq!(h.sim.msegat().points(), before - 8 - 2 - 1);

    // Two numbers of a two-segment message cost four points.
    h.send_sms(&format!("{GUARDIAN}, 966512345679"), &"ب".repeat(71)).await;
    assert_eq!(h.sim.msegat().points(), before - 11 - 4);
}

#[tokio::test]
async fn wrong_credentials_answer_1020_and_missing_ones_1010() {
    let h = spawn_sim().await;
    let base = send_fields(GUARDIAN, "hi");
    h.expect_code("wrong key", &with(base.clone(), "apiKey", "0000"), "1020").await;
    h.expect_code("wrong user", &with(base.clone(), "userName", "someone"), "1020").await;
    h.expect_code("empty key", &with(base.clone(), "apiKey", ""), "1020").await;
    h.expect_code("no key", &without(base.clone(), "apiKey"), "1010").await;
    h.expect_code("no user", &without(base, "userName"), "1010").await;
    assert_eq!(h.sim.msegat().received_count(), 0);
    assert_eq!(h.sim.msegat().create_requests(), 5);
}

#[tokio::test]
async fn an_account_on_m_codes_answers_m0000_m0001_and_m0002() {
    let h = spawn_with(MsegatOptions { m_codes: true, ..MsegatOptions::default() }).await;
    let base = send_fields(GUARDIAN, "hi");
    h.expect_code("success", &base, "M0000").await;
    h.expect_code("wrong key", &with(base.clone(), "apiKey", "0000"), "M0002").await;
    h.expect_code("no numbers", &without(base.clone(), "numbers"), "M0001").await;
    h.expect_code("bad sender keeps its number", &with(base, "userSender", "OTHER"), "1110").await;
}

#[tokio::test]
async fn each_invalid_send_is_refused_with_its_msegat_code() {
    let h = spawn_sim().await;
    let base = send_fields(GUARDIAN, "hi");
    let too_long = "ب".repeat(67 * 10 + 1);
    // (story, form fields, expected Msegat code)
    let cases: Vec<(&str, Fields, &str)> = vec![
        ("no numbers", without(base.clone(), "numbers"), "1010"),
        ("no sender", without(base.clone(), "userSender"), "1010"),
        ("no msg", without(base.clone(), "msg"), "1010"),
        ("empty sender", with(base.clone(), "userSender", ""), "1110"),
        ("unapproved sender", with(base.clone(), "userSender", "OTHER"), "1110"),
        ("empty numbers", with(base.clone(), "numbers", ""), "1120"),
        ("with +", with(base.clone(), "numbers", "+966512345678"), "1120"),
        ("with 00", with(base.clone(), "numbers", "00966512345678"), "1120"),
        ("national 05", with(base.clone(), "numbers", "0512345678"), "1120"),
        ("landline", with(base.clone(), "numbers", "966112345678"), "1120"),
        ("too short", with(base.clone(), "numbers", "96651234567"), "1120"),
        ("abroad without international", with(base.clone(), "numbers", "447700900123"), "1120"),
        ("one bad among good", with(base.clone(), "numbers", "966512345678,0512345679"), "1120"),
        ("empty msg", with(base.clone(), "msg", ""), "1050"),
        ("blank msg", with(base.clone(), "msg", "   "), "1050"),
        ("over ten segments", with(base.clone(), "msg", &too_long), "1140"),
    ];
    let n = cases.len();
    for (story, fields, code) in cases {
        h.expect_code(story, &fields, code).await;
    }
    // Exactly ten Arabic segments still go.
    h.send_sms(GUARDIAN, &"ب".repeat(670)).await;
    assert_eq!(h.sim.msegat().received_count(), 1);
    assert_eq!(h.sim.msegat().create_requests(), n + 1);

    // A body that is neither a form nor JSON reads as empty.
    let r = h.http.post(h.url("/gw/sendsms.php")).body("hello").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "1010");
}

#[tokio::test]
async fn international_numbers_go_once_the_account_allows_them() {
    let h = spawn_with(MsegatOptions { international: true, ..MsegatOptions::default() }).await;
    h.send_sms("447700900123", "hello from Riyadh").await;
    h.expect_code("Saudi landline still refused", &send_fields("966112345678", "hi"), "1120").await;
}

#[tokio::test]
async fn the_free_otp_sender_costs_nothing_but_takes_only_the_otp_wording() {
    let h = spawn_sim().await;
    let before = h.sim.msegat().points();
    let otp = |msg: &str| with(send_fields(GUARDIAN, msg), "userSender", FREE_OTP_SENDER);
    h.expect_code("pickup reminder", &otp("Pickup at 2pm"), "1064").await;
    h.expect_code("english otp", &otp("Pin Code is: 4821"), "1").await;
    h.expect_code("arabic otp", &otp("رمز التحقق: 4822"), "1").await;
    assert_eq!(h.sim.msegat().points(), before);
    assert_eq!(h.sim.msegat().messages()[0].sender, FREE_OTP_SENDER);
}

#[tokio::test]
async fn the_same_send_twice_within_the_window_answers_1061() {
    let h = spawn_sim().await;
    h.send_sms(GUARDIAN, "Reminder: closed tomorrow").await;
    h.expect_code("immediate repeat", &send_fields(GUARDIAN, "Reminder: closed tomorrow"), "1061").await;
    h.send_sms(GUARDIAN, "Reminder: closed on Sunday").await;
    h.send_sms("966512345679", "Reminder: closed tomorrow").await;
    assert_eq!(h.sim.msegat().received_count(), 3);

    let h = spawn_with(MsegatOptions { duplicate_window: Duration::ZERO, ..MsegatOptions::default() }).await;
    h.send_sms(GUARDIAN, "same").await;
    h.send_sms(GUARDIAN, "same").await;
}

#[tokio::test]
async fn a_short_balance_answers_1060_and_charges_nothing() {
    let h = spawn_sim().await;
    h.sim.msegat().set_points(2);
    h.expect_code("three segments, two points", &send_fields(GUARDIAN, &"ب".repeat(135)), "1060").await;
    assert_eq!(h.sim.msegat().points(), 2);
    h.send_sms(GUARDIAN, &"ب".repeat(71)).await;
    assert_eq!(h.sim.msegat().points(), 0);
    h.expect_code("nothing left", &send_fields(GUARDIAN, "hi"), "1060").await;
}

#[tokio::test]
async fn an_opted_out_number_answers_1120_until_opting_in() {
    let h = spawn_sim().await;
    h.sim.msegat().opt_out(GUARDIAN);
    h.expect_code("opted out", &send_fields(GUARDIAN, "hi"), "1120").await;
    h.expect_code("opted out among others", &send_fields(&format!("966512345679,{GUARDIAN}"), "hi"), "1120").await;
    h.send_sms("966512345679", "someone else is fine").await;
    h.sim.msegat().opt_in(GUARDIAN);
    h.send_sms(GUARDIAN, "back again").await;
}

#[tokio::test]
async fn an_unreachable_handset_ends_undelivered_in_the_sandbox_inbox() {
    let h = spawn_sim().await;
    h.send_sms("966500000003,966500000006,966512345678", "hi").await;
    for _ in 0..200 {
        let statuses: Vec<String> = h.sim.msegat().messages().into_iter().map(|m| m.status).collect();
        if statuses.iter().all(|s| s != "sent") {
            assert_eq!(statuses, ["undelivered", "undelivered", "delivered"]);
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the inbox never settled");
}

#[tokio::test]
async fn a_get_is_refused() {
    let h = spawn_sim().await;
    let r = h.http.get(h.url("/gw/sendsms.php")).query(&send_fields(GUARDIAN, "hi")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(h.sim.msegat().received_count(), 0);
}

#[tokio::test]
async fn a_provider_that_is_down_answers_503_without_a_result_code() {
    let h = spawn_sim().await;
    h.sim.msegat().set_faults(Faults { down: true, ..Faults::default() });
    let (status, json) = h.post_form(&send_fields(GUARDIAN, "hi")).await;
    assert_eq!(status, 503, "{json}");
    assert!(json.get("code").is_none(), "{json}");
    assert_eq!(json["message"], "Service Unavailable");
    assert_eq!(h.sim.taqnyat().faults(), Faults::default(), "only Msegat is down");
    assert_eq!(h.sim.msegat().create_requests(), 1);
    assert_eq!(h.sim.msegat().received_count(), 0);

    h.sim.msegat().set_faults(Faults::default());
    h.send_sms(GUARDIAN, "recovered").await;
}

#[tokio::test]
async fn a_rate_limited_send_answers_429_with_retry_after() {
    let h = spawn_sim().await;
    h.sim.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
    let r = h.http.post(h.url("/gw/sendsms.php")).form(&send_fields(GUARDIAN, "hi")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let json: Value = r.json().await.unwrap();
    assert!(json.get("code").is_none(), "{json}");
    assert_eq!(h.sim.msegat().received_count(), 0);
}

#[tokio::test]
async fn a_failing_provider_answers_500_without_a_result_code() {
    let h = spawn_sim().await;
    h.sim.msegat().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let (status, json) = h.post_form(&send_fields(GUARDIAN, "hi")).await;
    assert_eq!(status, 500, "{json}");
    assert!(json.get("code").is_none(), "{json}");
}

#[tokio::test]
async fn a_hung_provider_never_answers() {
    let h = spawn_sim().await;
    h.sim.msegat().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
    let error = h
        .http
        .post(h.url("/gw/sendsms.php"))
        .timeout(Duration::from_millis(300))
        .form(&send_fields(GUARDIAN, "hi"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    tokio::time::timeout(Duration::from_secs(3), h.sim.shutdown()).await.expect("shutdown in time");
}

#[tokio::test]
async fn the_sim_routes_show_the_inbox_set_faults_opt_outs_points_and_clear() {
    let h = spawn_sim().await;
    h.send_sms(GUARDIAN, "first").await;

    let inbox: Vec<Value> = h.http.get(h.url("/_sim/msegat/messages")).send().await.unwrap().json().await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["body"], "first");
    assert_eq!(inbox[0]["to"], GUARDIAN);
    assert_eq!(inbox[0]["num_segments"], 1);

    let r = h.http.put(h.url("/_sim/msegat/faults")).json(&json!({"down": true})).send().await.unwrap();
    assert!(r.status().is_success());
    assert!(h.sim.msegat().faults().down);
    h.http.put(h.url("/_sim/faults")).json(&json!({})).send().await.unwrap();
    assert!(!h.sim.msegat().faults().down, "the all-provider switch reaches Msegat");

    let r = h.http.post(h.url("/_sim/msegat/opt-outs")).json(&json!({"to": GUARDIAN})).send().await.unwrap();
    assert!(r.status().is_success());
    h.expect_code("opted out", &send_fields(GUARDIAN, "second"), "1120").await;

    let r = h.http.put(h.url("/_sim/msegat/balance")).json(&json!({"points": 3})).send().await.unwrap();
    assert!(r.status().is_success());
    let points: Value = h.http.get(h.url("/_sim/msegat/balance")).send().await.unwrap().json().await.unwrap();
    assert_eq!(points["points"], 3);

    let r = h.http.delete(h.url("/_sim/msegat/messages")).send().await.unwrap();
    assert!(r.status().is_success());
    assert!(h.sim.msegat().messages().is_empty());
    assert_eq!(h.sim.msegat().received_count(), 0);
    assert_eq!(h.sim.msegat().create_requests(), 0);
    assert_eq!(h.sim.msegat().points(), 10_000, "clear restores the starting points");
}

#[tokio::test]
async fn an_unknown_gateway_path_answers_404() {
    let h = spawn_sim().await;
    let r = h.http.post(h.url("/gw/getMessages.php")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["message"], "Not Found");
}
