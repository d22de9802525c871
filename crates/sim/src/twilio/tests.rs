//! The simulator's own tests.

use super::*;

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn e164_numbers_are_told_apart_from_the_rest() {
        assert!(is_e164("+966512345678"));
        assert!(is_e164("+12025550123"));
        assert!(!is_e164("966512345678"));
        assert!(!is_e164("+0966512345"));
        assert!(!is_e164("+9665123"));
        assert!(!is_e164("+9665123456789012"));
        assert!(!is_e164("+96651234abc"));
    }

    #[test]
    fn sender_ids_follow_the_alphanumeric_rules() {
        assert!(is_alphanumeric_sender("WASEL"));
        assert!(is_alphanumeric_sender("Wasel Care"));
        assert!(!is_alphanumeric_sender("123456"));
        assert!(!is_alphanumeric_sender("WASEL-CARE-KSA"));
        assert!(is_short_code("12345"));
    }

    #[test]
    fn sandbox_credentials_have_twilios_shape() {
        let hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        assert_eq!(SANDBOX_ACCOUNT_SID.len(), 34);
        assert!(SANDBOX_ACCOUNT_SID.starts_with("AC") && hex(&SANDBOX_ACCOUNT_SID[2..]));
        assert_eq!(SANDBOX_AUTH_TOKEN.len(), 32);
        assert!(hex(SANDBOX_AUTH_TOKEN));
        let sid = new_sid("SM");
        assert_eq!(sid.len(), 34);
        assert!(hex(&sid[2..]));
    }

    #[test]
    fn page_tokens_round_trip() {
        assert!(matches!(PageToken::parse(&PageToken::After(42).encode()), Some(PageToken::After(42))));
        assert!(matches!(PageToken::parse(&PageToken::Before(0).encode()), Some(PageToken::Before(0))));
        assert!(PageToken::parse("XX12").is_none());
        assert!(PageToken::parse("P").is_none());
    }

    #[test]
    fn the_signature_matches_twilios_documented_example() {
        // Example from Twilio's webhook-security docs: token 12345, this URL and these params.
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let sig = twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params);
        assert_eq!(sig, "GvWf1cFY/Q7PnoempGyD5oXAezc=");
    }
}

/// What the WhatsApp, Content and voice tests share: a started simulator and a webhook receiver.
#[cfg(test)]
pub(crate) mod testing {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use axum::extract::State;
    use axum::http::{HeaderMap, Method, Uri};
    use axum::routing::any;
    use axum::{Form, Router};
    use serde_json::Value;
    use tokio::sync::mpsc;

    use super::{SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, TwilioOptions, twilio_signature};
    use crate::twilio_voice::TwilioVoiceOptions;
    use crate::{SimOptions, Simulators};

    pub(crate) struct Harness {
        pub(crate) sims: Simulators,
        pub(crate) http: reqwest::Client,
    }

    /// Simulators with fast timers: messages move every few tens of milliseconds, calls are not paced.
    pub(crate) async fn harness() -> Harness {
        harness_with(TwilioVoiceOptions {
            cps: 0.0,
            ringing_after: Duration::from_millis(10),
            answered_after: Duration::from_millis(30),
            talk_time: Duration::from_millis(30),
        })
        .await
    }

    pub(crate) async fn harness_with(voice: TwilioVoiceOptions) -> Harness {
        let sims = crate::start(SimOptions {
            twilio: TwilioOptions {
                sending_after: Duration::from_millis(10),
                sent_after: Duration::from_millis(25),
                delivered_after: Duration::from_millis(40),
                ..TwilioOptions::default()
            },
            twilio_voice: voice,
            ..SimOptions::default()
        })
        .await
        .unwrap();
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
        Harness { sims, http }
    }

    impl Harness {
        pub(crate) fn url(&self, path: &str) -> String {
            format!("{}{path}", self.sims.base_url())
        }

        pub(crate) fn account_url(&self, rest: &str) -> String {
            self.url(&format!("/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/{rest}"))
        }

        pub(crate) async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> (u16, Value) {
            let response =
                self.http.post(url).basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN)).form(form).send().await;
            let response = response.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        }

        pub(crate) async fn get(&self, url: &str) -> (u16, Value) {
            let response =
                self.http.get(url).basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN)).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        }

        /// Polls `url` until `done` holds for its JSON (or a generous deadline passes).
        pub(crate) async fn wait_for(&self, url: &str, done: impl Fn(&Value) -> bool) -> Value {
            for _ in 0..300 {
                let (status, json) = self.get(url).await;
                assert_eq!(status, 200, "{json}");
                if done(&json) {
                    return json;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("{url} never reached the expected state");
        }
    }

    pub(crate) fn assert_twilio_error(status: u16, json: &Value, http: u16, code: u64) {
        assert_eq!(status, http, "{json}");
        assert_eq!(json["code"], code, "{json}");
        assert_eq!(json["status"], http, "{json}");
        assert_eq!(json["more_info"], format!("https://www.twilio.com/docs/errors/{code}"));
    }

    /// A webhook request: its URL, the fields (form or query) and whether its signature verifies.
    #[derive(Debug)]
    pub(crate) struct Hook {
        pub(crate) params: Vec<(String, String)>,
        pub(crate) signed: bool,
    }

    impl Hook {
        pub(crate) fn get(&self, name: &str) -> Option<&str> {
            self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }
    }

    /// A receiver on port 0 recording every request to any path; it answers with `reply` (TwiML, say).
    /// Returns its base URL (`http://127.0.0.1:PORT`) and the stream of requests.
    pub(crate) async fn receiver(reply: &'static str) -> (String, mpsc::UnboundedReceiver<Hook>) {
        #[derive(Clone)]
        struct Sink {
            tx: mpsc::UnboundedSender<Hook>,
            base: String,
            reply: &'static str,
        }
        async fn receive(
            State(sink): State<Sink>,
            method: Method,
            uri: Uri,
            headers: HeaderMap,
            Form(params): Form<Vec<(String, String)>>,
        ) -> &'static str {
            let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
            let url = format!("{}{uri}", sink.base);
            // A GET carries its fields in the query (where `Form` reads them) and is signed on the URL alone.
            let signed_params = if method == Method::GET { Vec::new() } else { params.clone() };
            let signed = twilio_signature(SANDBOX_AUTH_TOKEN, &url, &signed_params) == signature;
            let _ = sink.tx.send(Hook { params, signed });
            sink.reply
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sink = Sink { tx, base: base.clone(), reply };
        let app = Router::new().fallback(any(receive)).with_state(sink);
        tokio::spawn(async move { axum::serve(listener, app).await });
        (base, rx)
    }

    pub(crate) async fn next_hook(rx: &mut mpsc::UnboundedReceiver<Hook>) -> Hook {
        tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a webhook in time").expect("open")
    }
}

#[cfg(test)]
mod whatsapp_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use serde_json::{Value, json};

    use super::testing::{Harness, assert_twilio_error, harness, next_hook, receiver};
    use super::*;

    const GUARDIAN: &str = "+966555001234";
    const WA_GUARDIAN: &str = "whatsapp:+966555001234";
    const WA_FROM: &str = "whatsapp:+966555000100";

    impl Harness {
        async fn send(&self, form: &[(&str, &str)]) -> (u16, Value) {
            self.post_form(&self.account_url("Messages.json"), form).await
        }

        async fn send_ok(&self, form: &[(&str, &str)]) -> String {
            let (status, json) = self.send(form).await;
            assert_eq!(status, 201, "{json}");
            json["sid"].as_str().unwrap().to_owned()
        }

        /// Waits for a message to stop moving: failed, undelivered or read.
        async fn settled(&self, sid: &str) -> Value {
            self.wait_for(&self.account_url(&format!("Messages/{sid}.json")), |m| {
                matches!(m["status"].as_str(), Some("failed" | "undelivered" | "read"))
            })
            .await
        }

        fn template_sid(&self, name: &str, language: &str) -> String {
            self.sims.twilio().template(name, language).unwrap().sid
        }

        async fn guardian_writes(&self, from: &str, body: &str) -> (u16, Value) {
            let response = self
                .http
                .post(self.url("/_sim/twilio/inbound"))
                .json(&json!({ "from": from, "body": body }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        }
    }

    #[tokio::test]
    async fn an_approved_template_goes_out_rendered_and_is_read_with_signed_callbacks() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("").await;
        let callback = format!("{hooks}/twilio/status?centre=riyadh-1");
        let content_sid = h.template_sid("appointment_reminder", "ar");
        let (status, json) = h
            .send(&[
                ("To", WA_GUARDIAN),
                ("From", WA_FROM),
                ("ContentSid", &content_sid),
                ("ContentVariables", r#"{"1":"جلسة العلاج الوظيفي","2":"الأحد","3":"10:00"}"#),
                ("StatusCallback", &callback),
            ])
            .await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(json["status"], "queued");
        assert_eq!(json["to"], WA_GUARDIAN);
        assert_eq!(json["from"], WA_FROM);
        assert_eq!(json["num_segments"], "1");
        let text = "تذكير: موعد جلسة العلاج الوظيفي يوم الأحد الساعة 10:00 في مركز واصل.";
        assert_eq!(json["body"], text);
        let sid = json["sid"].as_str().unwrap().to_owned();
        assert!(sid.starts_with("SM") && sid.len() == 34);

        let mut seen = Vec::new();
        for _ in 0..3 {
            let hook = next_hook(&mut rx).await;
            assert!(hook.signed, "{hook:?}");
            assert_eq!(hook.get("MessageSid"), Some(sid.as_str()));
            assert_eq!(hook.get("ChannelPrefix"), Some("whatsapp"));
            assert_eq!(hook.get("To"), Some(WA_GUARDIAN));
            assert_eq!(hook.get("ErrorCode"), None);
            seen.push(hook.get("MessageStatus").unwrap().to_owned());
        }
        seen.sort();
        assert_eq!(seen, ["delivered", "read", "sent"]);
        let done = h.settled(&sid).await;
        assert_eq!(done["status"], "read");

        let inbox = h.sims.twilio().messages();
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].channel, Channel::Whatsapp);
        assert_eq!(inbox[0].template.as_deref(), Some("appointment_reminder"));
        assert_eq!(inbox[0].content_sid.as_deref(), Some(content_sid.as_str()));
        assert_eq!(inbox[0].body, text);
        let listed: Vec<Value> = h.http.get(h.url("/_sim/twilio/messages")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed[0]["channel"], "whatsapp");
        assert_eq!(listed[0]["template"], "appointment_reminder");
    }

    #[tokio::test]
    async fn missing_variables_fall_back_to_the_templates_samples() {
        let h = harness().await;
        let content_sid = h.template_sid("session_cancelled", "en");
        let (status, json) = h
            .send(&[
                ("To", WA_GUARDIAN),
                ("From", WA_FROM),
                ("ContentSid", &content_sid),
                ("ContentVariables", r#"{"1":"art"}"#),
            ])
            .await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(
            json["body"],
            "Sorry, the art session on Tuesday is cancelled. We will contact you to arrange another time."
        );
    }

    #[tokio::test]
    async fn free_text_needs_the_24_hour_window_the_guardian_opened() {
        let h = harness().await;
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "Salam")]).await;
        let done = h.settled(&sid).await;
        assert_eq!(done["status"], "failed");
        assert_eq!(done["error_code"], 63016);
        assert!(done["error_message"].as_str().unwrap().contains("outside the allowed window"));

        let (status, _) = h.guardian_writes(WA_GUARDIAN, "Is the centre open on Thursday?").await;
        assert_eq!(status, 201);
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "Yes, 7am to 3pm")]).await;
        assert_eq!(h.settled(&sid).await["status"], "read");

        h.sims.twilio().set_last_inbound(GUARDIAN, Some(Utc::now() - chrono::TimeDelta::hours(25)));
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "One more thing")]).await;
        assert_eq!(h.settled(&sid).await["error_code"], 63016);
    }

    #[tokio::test]
    async fn a_template_not_yet_approved_only_goes_out_inside_the_window() {
        let h = harness().await;
        let pending = h.template_sid("payment_due", "ar");
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &pending)]).await;
        assert_eq!(h.settled(&sid).await["error_code"], 63016);

        let rejected = h.template_sid("promo_offer", "en");
        h.sims.twilio().set_last_inbound(GUARDIAN, Some(Utc::now()));
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &rejected)]).await;
        assert_eq!(h.settled(&sid).await["status"], "read", "a session message inside the window");
        h.sims.twilio().set_last_inbound(GUARDIAN, None);

        let r = h
            .http
            .put(h.url(&format!("/_sim/twilio/templates/{pending}")))
            .json(&json!({"status": "approved"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &pending)]).await;
        assert_eq!(h.settled(&sid).await["status"], "read");
        let r = h.http.put(h.url("/_sim/twilio/templates/HX0")).json(&json!({"status": "approved"})).send().await;
        assert_eq!(r.unwrap().status(), 404);
        assert!(!h.sims.twilio().set_template_status("HX0", TemplateApproval::Paused));
    }

    #[tokio::test]
    async fn text_over_1024_characters_after_rendering_fails_with_63021() {
        let h = harness().await;
        let content_sid = h.template_sid("appointment_reminder", "en");
        let variables = json!({ "1": "x".repeat(1000) }).to_string();
        let sid = h
            .send_ok(&[
                ("To", WA_GUARDIAN),
                ("From", WA_FROM),
                ("ContentSid", &content_sid),
                ("ContentVariables", &variables),
            ])
            .await;
        let done = h.settled(&sid).await;
        assert_eq!((done["status"].as_str(), done["error_code"].as_u64()), (Some("failed"), Some(63021)));
    }

    #[tokio::test]
    async fn scripted_recipients_fail_with_their_whatsapp_codes() {
        let h = harness().await;
        let content_sid = h.template_sid("appointment_reminder", "ar");
        for (to, status, code) in [
            ("whatsapp:+966555000024", "failed", 63024),
            ("whatsapp:+966555000003", "failed", 63003),
            ("whatsapp:+966555000018", "failed", 63018),
        ] {
            let sid = h.send_ok(&[("To", to), ("From", WA_FROM), ("ContentSid", &content_sid)]).await;
            let done = h.settled(&sid).await;
            assert_eq!((done["status"].as_str(), done["error_code"].as_u64()), (Some(status), Some(code)), "{to}");
        }

        // A bare opt-out stops SMS only; the prefixed one is the guardian blocking the WhatsApp sender.
        h.sims.twilio().opt_out(GUARDIAN);
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &content_sid)]).await;
        assert_eq!(h.settled(&sid).await["status"], "read");
        let r = h.http.post(h.url("/_sim/twilio/opt-outs")).json(&json!({"to": WA_GUARDIAN})).send().await.unwrap();
        assert!(r.status().is_success());
        let sid = h.send_ok(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &content_sid)]).await;
        let done = h.settled(&sid).await;
        assert_eq!((done["status"].as_str(), done["error_code"].as_u64()), (Some("undelivered"), Some(63014)));
        assert!(done["date_sent"].is_string(), "it was sent before the block showed");
    }

    #[tokio::test]
    async fn each_invalid_whatsapp_create_is_refused_with_its_twilio_code() {
        let h = harness().await;
        let known = h.template_sid("appointment_reminder", "ar");
        let unknown = format!("HX{}", "0".repeat(32));
        type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u64);
        let cases: Vec<Case> = vec![
            ("prefixed To, bare From", vec![("To", WA_GUARDIAN), ("From", "+966555000100"), ("Body", "hi")], 21910),
            ("bare To, prefixed From", vec![("To", GUARDIAN), ("From", WA_FROM), ("Body", "hi")], 21910),
            (
                "WhatsApp From not a number",
                vec![("To", WA_GUARDIAN), ("From", "whatsapp:WASEL"), ("Body", "hi")],
                21212,
            ),
            ("WhatsApp To without +", vec![("To", "whatsapp:966555001234"), ("From", WA_FROM), ("Body", "hi")], 21211),
            ("ContentSid malformed", vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", "HX123")], 21655),
            ("ContentSid unknown", vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &unknown)], 21655),
            (
                "ContentVariables not JSON",
                vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &known), ("ContentVariables", "{1: x}")],
                21656,
            ),
            (
                "ContentVariables with an empty value",
                vec![
                    ("To", WA_GUARDIAN),
                    ("From", WA_FROM),
                    ("ContentSid", &known),
                    ("ContentVariables", r#"{"1":""}"#),
                ],
                21656,
            ),
            (
                "ContentVariables an array",
                vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &known), ("ContentVariables", r#"["a"]"#)],
                21656,
            ),
            (
                "ContentVariables without ContentSid",
                vec![("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "hi"), ("ContentVariables", r#"{"1":"a"}"#)],
                21654,
            ),
            ("no Body nor ContentSid", vec![("To", WA_GUARDIAN), ("From", WA_FROM)], 21602),
        ];
        for (story, form, code) in cases {
            let (status, json) = h.send(&form).await;
            assert_eq!(json["code"], code, "{story}: {json}");
            assert_twilio_error(status, &json, 400, code);
        }
        assert!(h.sims.twilio().messages().is_empty());

        let wrong = h
            .http
            .post(h.account_url("Messages.json"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some("wrong"))
            .form(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("ContentSid", &known)])
            .send()
            .await
            .unwrap();
        let status = wrong.status().as_u16();
        assert_twilio_error(status, &wrong.json().await.unwrap(), 401, 20003);
    }

    #[tokio::test]
    async fn a_template_sent_by_sms_is_its_rendered_text() {
        let h = harness().await;
        let content_sid = h.template_sid("appointment_reminder", "en");
        let (status, json) = h
            .send(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("ContentSid", &content_sid), ("Body", "ignored")])
            .await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(json["body"], "Reminder: speech therapy appointment on Sunday at 10:30 at Wasel centre.");
        let sid = json["sid"].as_str().unwrap();
        let done = h.wait_for(&h.account_url(&format!("Messages/{sid}.json")), |m| m["status"] == "delivered").await;
        assert_eq!(done["num_segments"], "1");
        assert_eq!(h.sims.twilio().messages()[0].channel, Channel::Sms);
    }

    #[tokio::test]
    async fn inbound_messages_reach_the_webhook_signed_like_twilios() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("<Response/>").await;
        let inbound_url = format!("{hooks}/twilio/inbound");
        let r = h.http.put(h.url("/_sim/twilio/webhooks")).json(&json!({"inbound_url": inbound_url})).send().await;
        assert_eq!(r.unwrap().status(), 204);
        let got: Value = h.http.get(h.url("/_sim/twilio/webhooks")).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["inbound_url"], inbound_url);

        let (status, json) = h.guardian_writes(WA_GUARDIAN, "سأتأخر ربع ساعة").await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(json["webhook_status"], 200);
        assert_eq!(json["to"], WA_FROM);
        let hook = next_hook(&mut rx).await;
        assert!(hook.signed);
        assert_eq!(hook.get("From"), Some(WA_GUARDIAN));
        assert_eq!(hook.get("To"), Some(WA_FROM));
        assert_eq!(hook.get("Body"), Some("سأتأخر ربع ساعة"));
        assert_eq!(hook.get("WaId"), Some("966555001234"));
        assert_eq!(hook.get("ProfileName"), Some("Guardian"));
        assert_eq!(hook.get("NumMedia"), Some("0"));
        assert_eq!(hook.get("AccountSid"), Some(SANDBOX_ACCOUNT_SID));
        assert!(hook.get("MessageSid").is_some_and(|s| s.starts_with("SM")));

        // By SMS, STOP opts the number out as Twilio's keywords do, START opts it back in.
        let (status, _) = h.guardian_writes(GUARDIAN, "stop").await;
        assert_eq!(status, 201);
        let sms = next_hook(&mut rx).await;
        assert_eq!(sms.get("WaId"), None);
        assert_eq!(sms.get("To"), Some(SANDBOX_NUMBER));
        assert_eq!(h.send(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await.1["code"], 21610);
        h.guardian_writes(GUARDIAN, "START").await;
        assert_eq!(h.send(&[("To", GUARDIAN), ("From", SANDBOX_FROM), ("Body", "hi")]).await.0, 201);

        let listed: Vec<Value> = h.http.get(h.url("/_sim/twilio/inbound")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed.len(), 3);
        assert_eq!(listed[0]["channel"], "whatsapp");
        assert_eq!(listed[1]["channel"], "sms");

        let (status, json) = h.guardian_writes("0555001234", "hi").await;
        assert_eq!(status, 400, "{json}");
        let r = h.http.put(h.url("/_sim/twilio/webhooks")).json(&json!({"inbound_url": "nope"})).send().await;
        assert_eq!(r.unwrap().status(), 400);
    }

    #[tokio::test]
    async fn the_content_api_lists_templates_with_their_approval_page_by_page() {
        let h = harness().await;
        let (status, first) = h.get(&h.url("/v1/ContentAndApprovals?PageSize=4")).await;
        assert_eq!(status, 200, "{first}");
        let contents = first["contents"].as_array().unwrap();
        assert_eq!(contents.len(), 4);
        assert_eq!(first["meta"]["key"], "contents");
        assert_eq!(first["meta"]["page"], 0);
        assert_eq!(first["meta"]["page_size"], 4);
        assert!(first["meta"]["previous_page_url"].is_null());
        let reminder = &contents[0];
        assert_eq!(reminder["friendly_name"], "appointment_reminder");
        assert_eq!(reminder["language"], "ar");
        assert_eq!(reminder["account_sid"], SANDBOX_ACCOUNT_SID);
        assert_eq!(reminder["approval_requests"]["status"], "approved");
        assert_eq!(reminder["approval_requests"]["category"], "UTILITY");
        assert_eq!(reminder["types"]["twilio/text"]["body"], "تذكير: موعد {{1}} يوم {{2}} الساعة {{3}} في مركز واصل.");
        assert_eq!(reminder["variables"]["2"], "الأحد");
        let sid = reminder["sid"].as_str().unwrap();
        assert!(is_sid(sid, "HX"));

        let next = first["meta"]["next_page_url"].as_str().unwrap();
        let (_, second) = h.get(next).await;
        let rest = second["contents"].as_array().unwrap();
        let statuses: Vec<(&str, &str, &str)> = rest
            .iter()
            .map(|c| {
                let name = c["friendly_name"].as_str().unwrap();
                (name, c["language"].as_str().unwrap(), c["approval_requests"]["status"].as_str().unwrap())
            })
            .collect();
        assert_eq!(statuses, [("payment_due", "ar", "pending"), ("promo_offer", "en", "rejected")]);
        assert!(second["meta"]["next_page_url"].is_null());
        assert!(second["meta"]["previous_page_url"].is_string());
        assert!(!rest[1]["approval_requests"]["rejection_reason"].as_str().unwrap().is_empty());

        let (status, content) = h.get(&h.url(&format!("/v1/Content/{sid}"))).await;
        assert_eq!(status, 200);
        assert_eq!(content["sid"], sid);
        assert!(content["url"].as_str().unwrap().ends_with(&format!("/v1/Content/{sid}")));
        assert!(content.get("approval_requests").is_none());
        let (status, approval) = h.get(&h.url(&format!("/v1/Content/{sid}/ApprovalRequests"))).await;
        assert_eq!(status, 200);
        assert_eq!(approval["whatsapp"]["status"], "approved");
        let (status, all) = h.get(&h.url("/v1/Content")).await;
        assert_eq!(status, 200);
        assert_eq!(all["contents"].as_array().unwrap().len(), 6);

        let (status, json) = h.get(&h.url(&format!("/v1/Content/HX{}", "f".repeat(32)))).await;
        assert_twilio_error(status, &json, 404, 20404);
        let (status, json) = h.get(&h.url("/v1/ContentAndApprovals?PageSize=0")).await;
        assert_twilio_error(status, &json, 400, 20001);
        let r = h.http.get(h.url("/v1/ContentAndApprovals")).basic_auth(SANDBOX_ACCOUNT_SID, Some("x")).send();
        let r = r.await.unwrap();
        let status = r.status().as_u16();
        assert_twilio_error(status, &r.json().await.unwrap(), 401, 20003);

        let debug: Vec<SimTemplate> =
            h.http.get(h.url("/_sim/twilio/templates")).send().await.unwrap().json().await.unwrap();
        assert_eq!(debug.len(), 6);
        assert_eq!(debug[4].status, TemplateApproval::Pending);
    }

    #[tokio::test]
    async fn faults_apply_to_whatsapp_and_the_content_api() {
        let h = harness().await;
        let twilio = h.sims.twilio();
        twilio.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
        let r = h.http.get(h.url("/v1/ContentAndApprovals")).basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN));
        let r = r.send().await.unwrap();
        assert_eq!(r.headers()["retry-after"], "7");
        let status = r.status().as_u16();
        assert_twilio_error(status, &r.json().await.unwrap(), 429, 20429);
        let (status, json) = h.send(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "hi")]).await;
        assert_twilio_error(status, &json, 429, 20429);

        twilio.set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let (status, json) = h.get(&h.url("/v1/ContentAndApprovals")).await;
        assert_twilio_error(status, &json, 500, 20500);

        twilio.set_faults(Faults { down: true, ..Faults::default() });
        let (status, json) = h.send(&[("To", WA_GUARDIAN), ("From", WA_FROM), ("Body", "hi")]).await;
        assert_twilio_error(status, &json, 503, 20500);

        twilio.set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let hung = h
            .http
            .get(h.url("/v1/ContentAndApprovals"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some(SANDBOX_AUTH_TOKEN))
            .timeout(Duration::from_millis(200))
            .send()
            .await;
        assert!(hung.unwrap_err().is_timeout());
        assert!(h.sims.twilio().messages().is_empty());
    }

    #[test]
    fn templates_render_with_values_then_defaults_and_keep_unknown_placeholders() {
        let template = SimTemplate {
            sid: template_sid("t", "en"),
            name: "t".into(),
            language: "en".into(),
            category: "UTILITY".into(),
            status: TemplateApproval::Approved,
            rejection_reason: String::new(),
            body: "{{1}} and {{ 2 }} and {{9}} and {{unclosed".into(),
            variables: [("2".to_owned(), "two".to_owned())].into(),
            date_created: Utc::now(),
            date_updated: Utc::now(),
        };
        let values = [("1".to_owned(), "one".to_owned())].into();
        assert_eq!(template.render(&values), "one and two and {{9}} and {{unclosed");
    }

    #[test]
    fn template_sids_are_stable_and_shaped_like_twilios() {
        let sid = template_sid("appointment_reminder", "ar");
        assert!(is_sid(&sid, "HX"));
        assert_eq!(sid, template_sid("appointment_reminder", "ar"));
        assert_ne!(sid, template_sid("appointment_reminder", "en"));
        let seeds = seed_templates(Utc::now());
        let mut sids: Vec<&str> = seeds.iter().map(|t| t.sid.as_str()).collect();
        sids.dedup();
        assert_eq!(sids.len(), 6);
    }

    #[test]
    fn content_variables_must_be_an_object_of_text() {
        assert_eq!(parse_content_variables(r#"{"1":"a","2":3}"#).unwrap()["2"], "3");
        assert!(parse_content_variables(r#"{"1":null}"#).is_none());
        assert!(parse_content_variables(r#"{"1":true}"#).is_none());
        assert!(parse_content_variables("").is_none());
        assert!(parse_content_variables("{}").unwrap().is_empty());
    }
}
