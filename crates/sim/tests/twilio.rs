//! The Twilio simulator seen from outside, the way Wasel's SMS provider talks to it: over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Form, Router};
use serde_json::Value;
use tokio::sync::mpsc;
use wasel_sim::twilio::{SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_FROM, TwilioOptions, twilio_signature};
use wasel_sim::{Faults, SimOptions, Simulators};

const GUARDIAN: &str = "+966512345678";

struct Harness {
    sim: Simulators,
    http: reqwest::Client,
}

async fn spawn_sim() -> Harness {
    let sim = wasel_sim::start(SimOptions {
        twilio: TwilioOptions {
            sending_after: Duration::from_millis(10),
            sent_after: Duration::from_millis(25),
            delivered_after: Duration::from_millis(40),
            ..TwilioOptions::default()
        },
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    Harness { sim, http }
}

impl Harness {
    fn messages_url(&self) -> String {
        format!("{}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json", self.sim.base_url())
    }

    fn message_url(&self, sid: &str) -> String {
        format!("{}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages/{sid}.json", self.sim.base_url())
    }

    async fn create(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .post(self.messages_url())
            .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn send_sms(&self, to: &str, body: &str) -> Value {
        let (status, json) = self.create(&[("To", to), ("From", SANDBOX_FROM), ("Body", body)]).await;
        assert_eq!(status, 201, "{json}");
        json
    }

    async fn get(&self, url: &str) -> (u16, Value) {
        let response =
            self.http.get(url).basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Polls the message until it reaches a final status (or a generous deadline passes).
    async fn wait_final(&self, sid: &str) -> Value {
        for _ in 0..200 {
            let (status, json) = self.get(&self.message_url(sid)).await;
            assert_eq!(status, 200);
            if matches!(json["status"].as_str(), Some("delivered" | "undelivered" | "failed" | "canceled")) {
                return json;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("message {sid} never reached a final status");
    }
}

fn assert_twilio_error(status: u16, json: &Value, http: u16, code: u64) {
    assert_eq!(status, http, "{json}");
    assert_eq!(json["code"], code, "{json}");
    assert_eq!(json["status"], http, "{json}");
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(json["more_info"], format!("https://www.twilio.com/docs/errors/{code}"));
}

/// What a status callback brought: its signature header and its form fields.
#[derive(Debug)]
struct Received {
    signature: String,
    params: Vec<(String, String)>,
}

impl Received {
    fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A tiny webhook receiver on port 0; returns its URL and the stream of callbacks.
async fn spawn_callback_receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    async fn receive(
        State(tx): State<mpsc::UnboundedSender<Received>>,
        headers: HeaderMap,
        Form(params): Form<Vec<(String, String)>>,
    ) {
        let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let _ = tx.send(Received { signature, params });
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/twilio/status", post(receive)).with_state(tx);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/twilio/status?centre=riyadh-1"), rx)
}

async fn next_callback(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a callback in time").expect("receiver open")
}

#[tokio::test]
async fn a_message_is_created_with_twilios_json_shape() {
    let h = spawn_sim().await;
    let json = h.send_sms(GUARDIAN, "Salam, pickup at 2pm").await;

    let sid = json["sid"].as_str().unwrap();
    assert_eq!(sid.len(), 34);
    assert!(sid.starts_with("SM"));
    assert!(sid[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(json["account_sid"], SANDBOX_ACCOUNT_SID);
    assert_eq!(json["to"], GUARDIAN);
    assert_eq!(json["from"], SANDBOX_FROM);
    assert_eq!(json["body"], "Salam, pickup at 2pm");
    assert_eq!(json["status"], "queued");
    assert_eq!(json["num_segments"], "1");
    assert_eq!(json["num_media"], "0");
    assert_eq!(json["direction"], "outbound-api");
    assert_eq!(json["api_version"], "2010-04-01");
    assert!(json["price"].is_null());
    assert_eq!(json["price_unit"], "USD");
    assert!(json["error_code"].is_null());
    assert!(json["error_message"].is_null());
    assert!(json["date_sent"].is_null());
    assert!(json["messaging_service_sid"].is_null());
    let created = json["date_created"].as_str().unwrap();
    assert!(created.ends_with(" +0000"), "{created}");
    chrono::DateTime::parse_from_rfc2822(created).unwrap();
    assert_eq!(json["uri"], format!("/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages/{sid}.json"));
    assert_eq!(
        json["subresource_uris"]["media"],
        format!("/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages/{sid}/Media.json")
    );

    assert_eq!(h.sim.twilio().received_count(), 1);
    let inbox = h.sim.twilio().messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].sid, sid);
    assert_eq!(inbox[0].body, "Salam, pickup at 2pm");
}

#[tokio::test]
async fn arabic_and_long_bodies_report_their_segments() {
    let h = spawn_sim().await;
    let arabic = "ب".repeat(71);
    assert_eq!(h.send_sms(GUARDIAN, &arabic).await["num_segments"], "2");
    let latin = "a".repeat(161);
    assert_eq!(h.send_sms(GUARDIAN, &latin).await["num_segments"], "2");
    let euros = "€".repeat(80);
    assert_eq!(h.send_sms(GUARDIAN, &euros).await["num_segments"], "1");
}

#[tokio::test]
async fn a_message_is_created_then_delivered_and_the_callback_is_signed() {
    let h = spawn_sim().await;
    let (callback_url, mut callbacks) = spawn_callback_receiver().await;
    let (status, json) = h
        .create(&[
            ("To", GUARDIAN),
            ("From", SANDBOX_FROM),
            ("Body", "Reminder: vaccination card"),
            ("StatusCallback", &callback_url),
        ])
        .await;
    assert_eq!(status, 201);
    let sid = json["sid"].as_str().unwrap().to_owned();

    let done = h.wait_final(&sid).await;
    assert_eq!(done["status"], "delivered");
    assert!(done["date_sent"].is_string());
    assert!(done["error_code"].is_null());

    let mut statuses = Vec::new();
    for _ in 0..3 {
        let cb = next_callback(&mut callbacks).await;
        assert_eq!(
            cb.signature,
            twilio_signature(SANDBOX_AUTH_TOKEN, &callback_url, &cb.params),
            "signature over the full URL, query included"
        );
        assert_eq!(cb.get("MessageSid"), Some(sid.as_str()));
        assert_eq!(cb.get("SmsSid"), Some(sid.as_str()));
        assert_eq!(cb.get("AccountSid"), Some(SANDBOX_ACCOUNT_SID));
        assert_eq!(cb.get("To"), Some(GUARDIAN));
        assert_eq!(cb.get("From"), Some(SANDBOX_FROM));
        assert_eq!(cb.get("ApiVersion"), Some("2010-04-01"));
        assert_eq!(cb.get("MessageStatus"), cb.get("SmsStatus"));
        assert_eq!(cb.get("ErrorCode"), None);
        statuses.push(cb.get("MessageStatus").unwrap().to_owned());
    }
    statuses.sort();
    assert_eq!(statuses, ["delivered", "sending", "sent"], "never the initial queued");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(callbacks.try_recv().is_err(), "no extra callbacks");
}

#[tokio::test]
async fn a_tampered_callback_does_not_verify() {
    let params =
        vec![("MessageSid".to_owned(), "SM1".to_owned()), ("MessageStatus".to_owned(), "delivered".to_owned())];
    let url = "https://wasel.example/twilio/status";
    let good = twilio_signature(SANDBOX_AUTH_TOKEN, url, &params);
    let mut tampered = params.clone();
    tampered[1].1 = "undelivered".to_owned();
    assert_ne!(good, twilio_signature(SANDBOX_AUTH_TOKEN, url, &tampered));
    assert_ne!(good, twilio_signature("another-token", url, &params));
    let mut reordered = params.clone();
    reordered.reverse();
    assert_eq!(good, twilio_signature(SANDBOX_AUTH_TOKEN, url, &reordered));
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_20003() {
    let h = spawn_sim().await;
    let response = h
        .http
        .post(h.messages_url())
        .basic_auth(SANDBOX_ACCOUNT_SID, Some("0000000000000000000000000000dead"))
        .form(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")])
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("www-authenticate"));
    let status = response.status().as_u16();
    let json: Value = response.json().await.unwrap();
    assert_twilio_error(status, &json, 401, 20003);
    assert_eq!(json["message"], "Authenticate");

    let response = h.http.get(h.messages_url()).send().await.unwrap();
    let status = response.status().as_u16();
    assert_twilio_error(status, &response.json().await.unwrap(), 401, 20003);
    assert_eq!(h.sim.twilio().received_count(), 0);
    assert_eq!(h.sim.twilio().create_requests(), 1);
}

#[tokio::test]
async fn another_accounts_path_is_refused_like_bad_credentials() {
    let h = spawn_sim().await;
    let other = "AC0123456789abcdef0123456789abcdef";
    let url = format!("{}/2010-04-01/Accounts/{other}/Messages.json", h.sim.base_url());
    for user in [SANDBOX_ACCOUNT_SID, other] {
        let response = h
            .http
            .post(&url)
            .basic_auth(user, Some(SANDBOX_AUTH_TOKEN))
            .form(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_twilio_error(status, &response.json().await.unwrap(), 401, 20003);
    }
}

#[tokio::test]
async fn each_invalid_create_is_refused_with_its_twilio_code() {
    let h = spawn_sim().await;
    let long = "a".repeat(1601);
    /// (story, form fields, expected Twilio code)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u64);
    let cases: Vec<Case> = vec![
        ("no To", vec![("From", SANDBOX_FROM), ("Body", "hi")], 21604),
        ("To without +", vec![("To", "966512345678"), ("From", SANDBOX_FROM), ("Body", "hi")], 21211),
        ("To too short", vec![("To", "+96651"), ("From", SANDBOX_FROM), ("Body", "hi")], 21211),
        ("no From", vec![("To", GUARDIAN), ("Body", "hi")], 21603),
        ("From not a sender", vec![("To", GUARDIAN), ("From", "WASEL-CARE-KSA"), ("Body", "hi")], 21212),
        ("no Body", vec![("To", GUARDIAN), ("From", SANDBOX_FROM)], 21602),
        ("empty Body", vec![("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "")], 21602),
        ("Body over 1600", vec![("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", &long)], 21617),
        ("Saudi landline", vec![("To", "+966112345678"), ("From", SANDBOX_FROM), ("Body", "hi")], 21614),
        (
            "bad StatusCallback",
            vec![("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi"), ("StatusCallback", "not a url")],
            21609,
        ),
    ];
    let n = cases.len();
    for (story, form, code) in cases {
        let (status, json) = h.create(&form).await;
        assert_eq!(json["code"], code, "{story}: {json}");
        assert_twilio_error(status, &json, 400, code);
    }
    let exactly_1600 = "a".repeat(1600);
    assert_eq!(h.send_sms(GUARDIAN, &exactly_1600).await["num_segments"], "11");
    assert_eq!(h.sim.twilio().received_count(), 1);
    assert_eq!(h.sim.twilio().create_requests(), n + 1);
}

#[tokio::test]
async fn an_opted_out_guardian_is_refused_with_21610_until_opting_in() {
    let h = spawn_sim().await;
    h.sim.twilio().opt_out(GUARDIAN);
    let (status, json) = h.create(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await;
    assert_twilio_error(status, &json, 400, 21610);
    h.send_sms("+966512345679", "someone else is fine").await;
    h.sim.twilio().opt_in(GUARDIAN);
    h.send_sms(GUARDIAN, "back again").await;
}

#[tokio::test]
async fn an_unreachable_handset_ends_undelivered_with_30003() {
    let h = spawn_sim().await;
    let (callback_url, mut callbacks) = spawn_callback_receiver().await;
    let to = "+966500000003";
    let (status, json) =
        h.create(&[("To", to), ("From", SANDBOX_FROM), ("Body", "hi"), ("StatusCallback", &callback_url)]).await;
    assert_eq!(status, 201);
    let sid = json["sid"].as_str().unwrap().to_owned();
    let done = h.wait_final(&sid).await;
    assert_eq!(done["status"], "undelivered");
    assert_eq!(done["error_code"], 30003);
    assert!(done["error_message"].is_string());

    let mut last = None;
    for _ in 0..3 {
        let cb = next_callback(&mut callbacks).await;
        if cb.get("MessageStatus") == Some("undelivered") {
            last = Some(cb);
        } else {
            assert_eq!(cb.get("ErrorCode"), None);
        }
    }
    let last = last.expect("an undelivered callback");
    assert_eq!(last.get("ErrorCode"), Some("30003"));
    assert_eq!(last.signature, twilio_signature(SANDBOX_AUTH_TOKEN, &callback_url, &last.params));
    let inbox = h.sim.twilio().messages();
    assert_eq!(inbox[0].status, "undelivered");
    assert_eq!(inbox[0].error_code, Some(30003));
}

#[tokio::test]
async fn a_landline_behind_a_mobile_prefix_ends_undelivered_with_30006() {
    let h = spawn_sim().await;
    let json = h.send_sms("+966500000006", "hi").await;
    let done = h.wait_final(json["sid"].as_str().unwrap()).await;
    assert_eq!(done["status"], "undelivered");
    assert_eq!(done["error_code"], 30006);
}

#[tokio::test]
async fn a_messaging_service_message_starts_accepted_and_still_gets_delivered() {
    let h = spawn_sim().await;
    let (callback_url, mut callbacks) = spawn_callback_receiver().await;
    let service = "MG0123456789abcdef0123456789abcdef";
    let (status, json) = h
        .create(&[
            ("To", GUARDIAN),
            ("MessagingServiceSid", service),
            ("Body", "hi"),
            ("StatusCallback", &callback_url),
        ])
        .await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(json["status"], "accepted");
    assert_eq!(json["num_segments"], "0");
    assert!(json["from"].is_null());
    assert_eq!(json["messaging_service_sid"], service);
    let done = h.wait_final(json["sid"].as_str().unwrap()).await;
    assert_eq!(done["status"], "delivered");
    assert_eq!(done["from"], SANDBOX_FROM);
    assert_eq!(done["num_segments"], "1");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let cb = next_callback(&mut callbacks).await;
        assert_eq!(cb.get("MessagingServiceSid"), Some(service));
        statuses.push(cb.get("MessageStatus").unwrap().to_owned());
    }
    statuses.sort();
    assert_eq!(statuses, ["delivered", "queued", "sending", "sent"]);
}

#[tokio::test]
async fn a_scheduled_message_can_be_canceled_but_a_queued_one_cannot() {
    let h = spawn_sim().await;
    let send_at = (chrono::Utc::now() + chrono::TimeDelta::hours(2)).to_rfc3339();
    let (status, json) = h
        .create(&[
            ("To", GUARDIAN),
            ("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"),
            ("Body", "Tomorrow is a holiday"),
            ("ScheduleType", "fixed"),
            ("SendAt", &send_at),
        ])
        .await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(json["status"], "scheduled");
    let scheduled = json["sid"].as_str().unwrap().to_owned();

    let cancel = |sid: String| {
        let url = h.message_url(&sid);
        let http = h.http.clone();
        async move {
            let r = http
                .post(url)
                .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
                .form(&[("Status", "canceled")])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, json) = cancel(scheduled.clone()).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["status"], "canceled");
    assert_eq!(h.get(&h.message_url(&scheduled)).await.1["status"], "canceled");

    let queued = h.send_sms(GUARDIAN, "now").await;
    let (status, json) = cancel(queued["sid"].as_str().unwrap().to_owned()).await;
    assert_twilio_error(status, &json, 400, 20009);

    let (status, json) = h
        .create(&[
            ("To", GUARDIAN),
            ("From", SANDBOX_FROM),
            ("Body", "no service"),
            ("ScheduleType", "fixed"),
            ("SendAt", &send_at),
        ])
        .await;
    assert_twilio_error(status, &json, 400, 35118);
}

#[tokio::test]
async fn a_scheduled_message_is_sent_when_its_time_comes() {
    let h = spawn_sim().await;
    let send_at = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(300)).to_rfc3339();
    let (status, json) = h
        .create(&[
            ("To", GUARDIAN),
            ("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"),
            ("Body", "hi"),
            ("ScheduleType", "fixed"),
            ("SendAt", &send_at),
        ])
        .await;
    assert_eq!(status, 201, "{json}");
    let done = h.wait_final(json["sid"].as_str().unwrap()).await;
    assert_eq!(done["status"], "delivered");
}

#[tokio::test]
async fn an_unknown_message_is_404_with_20404() {
    let h = spawn_sim().await;
    let (status, json) = h.get(&h.message_url("SM00000000000000000000000000000000")).await;
    assert_twilio_error(status, &json, 404, 20404);
}

#[tokio::test]
async fn a_finished_message_can_be_redacted_and_deleted() {
    let h = spawn_sim().await;
    let sid = h.send_sms(GUARDIAN, "private note").await["sid"].as_str().unwrap().to_owned();
    h.wait_final(&sid).await;
    let r = h
        .http
        .post(h.message_url(&sid))
        .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
        .form(&[("Body", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["body"], "");
    let r = h
        .http
        .delete(h.message_url(&sid))
        .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(h.get(&h.message_url(&sid)).await.0, 404);
    assert!(h.sim.twilio().messages().is_empty());
}

#[tokio::test]
async fn the_list_filters_by_to_and_pages_newest_first() {
    let h = spawn_sim().await;
    let other = "+966598765432";
    let mut mine = Vec::new();
    for i in 0..5 {
        mine.push(h.send_sms(GUARDIAN, &format!("note {i}")).await["sid"].clone());
        h.send_sms(other, "not for this guardian").await;
    }
    mine.reverse(); // the list is newest first

    let first_url = format!("{}?To=%2B966512345678&PageSize=2", h.messages_url());
    let (status, page) = h.get(&first_url).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["page"], 0);
    assert_eq!(page["page_size"], 2);
    assert!(page["previous_page_uri"].is_null());
    assert!(
        page["first_page_uri"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json?"))
    );
    let mut seen = Vec::new();
    let mut page = page;
    let mut pages = 1;
    loop {
        for m in page["messages"].as_array().unwrap() {
            assert_eq!(m["to"], GUARDIAN);
            seen.push(m["sid"].clone());
        }
        let Some(next) = page["next_page_uri"].as_str() else {
            break;
        };
        let (status, next_page) = h.get(&format!("{}{next}", h.sim.base_url())).await;
        assert_eq!(status, 200, "{next_page}");
        assert!(next_page["previous_page_uri"].is_string());
        page = next_page;
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, mine);

    // Back from the last page to the one before it.
    let previous = page["previous_page_uri"].as_str().unwrap();
    let (_, back) = h.get(&format!("{}{previous}", h.sim.base_url())).await;
    let back_sids: Vec<Value> = back["messages"].as_array().unwrap().iter().map(|m| m["sid"].clone()).collect();
    assert_eq!(back_sids, mine[2..4]);

    let (_, everything) = h.get(&h.messages_url()).await;
    assert_eq!(everything["messages"].as_array().unwrap().len(), 10);
    assert!(everything["next_page_uri"].is_null());
    assert_eq!(everything["page_size"], 50);
}

#[tokio::test]
async fn the_list_filters_by_the_day_sent() {
    let h = spawn_sim().await;
    h.send_sms(GUARDIAN, "hi").await;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap();
    let tomorrow = today.succ_opt().unwrap();
    let harness = &h;
    let count = |query: String| {
        let url = format!("{}?{query}", harness.messages_url());
        async move {
            let (status, json) = harness.get(&url).await;
            assert_eq!(status, 200, "{json}");
            json["messages"].as_array().unwrap().len()
        }
    };
    assert_eq!(count(format!("To=%2B966512345678&DateSent={today}")).await, 1);
    assert_eq!(count(format!("DateSent%3E={yesterday}")).await, 1);
    assert_eq!(count(format!("DateSent%3E={tomorrow}")).await, 0);
    assert_eq!(count(format!("DateSent%3C={yesterday}")).await, 0);
    assert_eq!(count(format!("DateSent<={today}")).await, 1);
    let (status, json) = h.get(&format!("{}?DateSent=tuesday", h.messages_url())).await;
    assert_twilio_error(status, &json, 400, 20001);
}

#[tokio::test]
async fn the_list_takes_date_time_filters_as_the_official_sdks_write_them() {
    let h = spawn_sim().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    h.send_sms(GUARDIAN, "hi").await;
    let after = chrono::Utc::now() + chrono::Duration::seconds(5);
    let harness = &h;
    let count = |query: String| {
        let url = format!("{}?{query}", harness.messages_url());
        async move {
            let (status, json) = harness.get(&url).await;
            assert_eq!(status, 200, "{json}");
            json["messages"].as_array().unwrap().len()
        }
    };
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    // `DateSent>=` and `DateSent<=` as twilio-python and twilio-node send them.
    assert_eq!(count(format!("DateSent%3E={}", stamp(before))).await, 1);
    assert_eq!(count(format!("DateSent%3E={}", stamp(after))).await, 0);
    assert_eq!(count(format!("DateSent%3C={}", stamp(after))).await, 1);
    assert_eq!(count(format!("DateSent%3C={}", stamp(before))).await, 0);
    assert_eq!(count(format!("DateSent%3E={}&DateSent%3C={}", stamp(before), stamp(after))).await, 1);
    // An offset is read as written; the page links keep the date-time.
    let riyadh = (before + chrono::Duration::hours(3)).format("%Y-%m-%dT%H:%M:%S%%2B03:00").to_string();
    assert_eq!(count(format!("DateSent%3E={riyadh}")).await, 1);
    let (_, page) = h.get(&format!("{}?DateSent%3E={}&PageSize=1", h.messages_url(), stamp(before))).await;
    assert!(page["uri"].as_str().unwrap().contains("T"), "{page}");
    for garbage in ["2026-13-40T00:00:00Z", "yesterday", "2026-12-04T25:00"] {
        let (status, json) = h.get(&format!("{}?DateSent%3E={garbage}", h.messages_url())).await;
        assert_twilio_error(status, &json, 400, 20001);
    }
}

#[tokio::test]
async fn a_provider_that_is_down_answers_503_but_the_sim_routes_still_work() {
    let h = spawn_sim().await;
    h.sim.twilio().set_faults(Faults { down: true, ..Faults::default() });
    let (status, json) = h.create(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await;
    assert_twilio_error(status, &json, 503, 20500);
    let (status, _) = h.get(&h.messages_url()).await;
    assert_eq!(status, 503);

    let health: Value =
        h.http.get(format!("{}/_sim/health", h.sim.base_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["ok"], serde_json::json!(true));
    assert!(health["smtp_port"].as_u64().is_some_and(|p| p > 0));
    assert_eq!(h.sim.twilio().create_requests(), 1);
    assert_eq!(h.sim.twilio().received_count(), 0);

    h.sim.twilio().set_faults(Faults::default());
    h.send_sms(GUARDIAN, "recovered").await;
}

#[tokio::test]
async fn a_rate_limited_create_answers_429_with_retry_after() {
    let h = spawn_sim().await;
    h.sim.twilio().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
    let response = h
        .http
        .post(h.messages_url())
        .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
        .form(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["retry-after"], "7");
    let status = response.status().as_u16();
    assert_twilio_error(status, &response.json().await.unwrap(), 429, 20429);
    assert_eq!(h.sim.twilio().received_count(), 0);
}

#[tokio::test]
async fn a_failing_provider_answers_500_with_twilio_json() {
    let h = spawn_sim().await;
    h.sim.set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let (status, json) = h.create(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await;
    assert_twilio_error(status, &json, 500, 20500);
}

#[tokio::test]
async fn a_hung_provider_never_answers_and_still_shuts_down_promptly() {
    let h = spawn_sim().await;
    h.sim.twilio().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
    let error = h
        .http
        .post(h.messages_url())
        .timeout(Duration::from_millis(300))
        .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
        .form(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")])
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(h.sim.twilio().create_requests(), 1);

    // Leave a request hanging on purpose, then stop: the stop must not wait for the hour to pass.
    let hanging = tokio::spawn({
        let http = h.http.clone();
        let url = h.messages_url();
        async move { http.get(url).send().await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let base = h.sim.base_url();
    tokio::time::timeout(Duration::from_secs(3), h.sim.shutdown()).await.expect("shutdown in time");
    let _ = hanging.await;
    assert!(h.http.get(format!("{base}/_sim/health")).send().await.is_err());
}

#[tokio::test]
async fn latency_delays_every_api_answer() {
    let h = spawn_sim().await;
    h.sim.twilio().set_faults(Faults { latency: Duration::from_millis(120), ..Faults::default() });
    let started = std::time::Instant::now();
    h.send_sms(GUARDIAN, "slow").await;
    assert!(started.elapsed() >= Duration::from_millis(120));
}

#[tokio::test]
async fn the_sim_routes_show_the_inbox_set_faults_and_clear() {
    let h = spawn_sim().await;
    let base = h.sim.base_url();
    h.send_sms(GUARDIAN, "first").await;

    let inbox: Vec<Value> =
        h.http.get(format!("{base}/_sim/twilio/messages")).send().await.unwrap().json().await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["body"], "first");
    assert_eq!(inbox[0]["to"], GUARDIAN);
    assert_eq!(inbox[0]["num_segments"], 1);

    let r = h
        .http
        .put(format!("{base}/_sim/faults"))
        .json(&serde_json::json!({"down": true, "latency_ms": 5}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert!(h.sim.twilio().faults().down);
    assert_eq!(h.sim.twilio().faults().latency, Duration::from_millis(5));
    let (status, _) = h.create(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await;
    assert_eq!(status, 503);
    h.http.put(format!("{base}/_sim/faults")).json(&serde_json::json!({})).send().await.unwrap();

    let r = h
        .http
        .post(format!("{base}/_sim/twilio/opt-outs"))
        .json(&serde_json::json!({"to": GUARDIAN}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(h.create(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await.1["code"], 21610);

    let r = h.http.delete(format!("{base}/_sim/twilio/messages")).send().await.unwrap();
    assert!(r.status().is_success());
    assert!(h.sim.twilio().messages().is_empty());
    assert_eq!(h.sim.twilio().received_count(), 0);
    assert_eq!(h.sim.twilio().create_requests(), 0);
}

#[tokio::test]
async fn an_unknown_path_answers_twilio_404_json() {
    let h = spawn_sim().await;
    let r = h.http.get(format!("{}/2010-04-01/Accounts.json", h.sim.base_url())).send().await.unwrap();
    let status = r.status().as_u16();
    assert_twilio_error(status, &r.json().await.unwrap(), 404, 20404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_messages_is_all_delivered_in_order_of_creation() {
    let h = spawn_sim().await;
    let mut tasks = Vec::new();
    for i in 0..400 {
        let http = h.http.clone();
        let url = h.messages_url();
        tasks.push(tokio::spawn(async move {
            let to = format!("+9665{i:07}1"); // never ends in a failing test suffix
            let r = http
                .post(url)
                .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
                .form(&[("To", to.as_str()), ("From", SANDBOX_FROM), ("Body", "hi")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 201);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(h.sim.twilio().received_count(), 400);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let inbox = h.sim.twilio().messages();
        if inbox.iter().all(|m| m.status == "delivered") {
            assert!(inbox.windows(2).all(|w| w[0].date_created <= w[1].date_created));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not all delivered in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
