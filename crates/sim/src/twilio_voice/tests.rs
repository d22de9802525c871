//! The simulator's own tests.

use super::*;

#[cfg(test)]
mod unit {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use serde_json::Value;

    use super::*;
    use crate::Faults;
    use crate::twilio::testing::{Harness, assert_twilio_error, harness, harness_with, next_hook, receiver};
    use crate::twilio::{SANDBOX_ACCOUNT_SID, SANDBOX_NUMBER};

    const GUARDIAN: &str = "+966555001234";
    const ARABIC_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say language="ar-AE" voice="Polly.Hala-Neural">تذكير: موعد جلسة النطق غداً الساعة العاشرة &amp; النصف.</Say>
  <Pause length="2"/>
  <Say language="ar-AE" voice="Polly.Hala-Neural">تذكير: موعد جلسة النطق غداً الساعة العاشرة &amp; النصف.</Say>
</Response>"#;

    impl Harness {
        async fn call(&self, form: &[(&str, &str)]) -> (u16, Value) {
            self.post_form(&self.account_url("Calls.json"), form).await
        }

        async fn call_ok(&self, form: &[(&str, &str)]) -> Value {
            let (status, json) = self.call(form).await;
            assert_eq!(status, 201, "{json}");
            json
        }

        async fn call_ended(&self, sid: &str) -> Value {
            self.wait_for(&self.account_url(&format!("Calls/{sid}.json")), |c| {
                matches!(c["status"].as_str(), Some("completed" | "busy" | "failed" | "no-answer" | "canceled"))
            })
            .await
        }

        fn inbox_call(&self, sid: &str) -> SimCall {
            self.sims.twilio_voice().calls().into_iter().find(|c| c.sid == sid).unwrap()
        }
    }

    #[tokio::test]
    async fn an_arabic_reminder_call_rings_is_answered_and_completes_with_signed_callbacks() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("").await;
        let callback = format!("{hooks}/twilio/voice-status?centre=riyadh-1");
        let json = h
            .call_ok(&[
                ("To", GUARDIAN),
                ("From", SANDBOX_NUMBER),
                ("Twiml", ARABIC_TWIML),
                ("StatusCallback", &callback),
                ("StatusCallbackEvent", "initiated ringing"),
                ("StatusCallbackEvent", "answered"),
                ("StatusCallbackEvent", "completed"),
            ])
            .await;
        let sid = json["sid"].as_str().unwrap().to_owned();
        assert!(is_sid(&sid, "CA"));
        assert_eq!(json["status"], "queued");
        assert_eq!(json["queue_time"], "0");
        assert_eq!(json["direction"], "outbound-api");
        assert_eq!(json["to"], GUARDIAN);
        assert_eq!(json["from"], SANDBOX_NUMBER);
        assert!(json["duration"].is_null() && json["start_time"].is_null());
        assert_eq!(json["uri"], format!("/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Calls/{sid}.json"));

        let mut hooks = Vec::new();
        for _ in 0..4 {
            hooks.push(next_hook(&mut rx).await);
        }
        hooks.sort_by_key(|h| h.get("SequenceNumber").unwrap().parse::<u32>().unwrap());
        let statuses: Vec<&str> = hooks.iter().map(|h| h.get("CallStatus").unwrap()).collect();
        assert_eq!(statuses, ["initiated", "ringing", "in-progress", "completed"]);
        for hook in &hooks {
            assert!(hook.signed, "{hook:?}");
            assert_eq!(hook.get("CallSid"), Some(sid.as_str()));
            assert_eq!(hook.get("AccountSid"), Some(SANDBOX_ACCOUNT_SID));
            assert_eq!(hook.get("To"), Some(GUARDIAN));
            assert_eq!(hook.get("Direction"), Some("outbound-api"));
            assert_eq!(hook.get("ApiVersion"), Some("2010-04-01"));
            assert!(hook.get("Timestamp").is_some_and(|t| DateTime::parse_from_rfc2822(t).is_ok()));
        }
        // Two sayings at 12 characters a second, plus the 2 s pause.
        let seconds = parse_twiml(ARABIC_TWIML).unwrap().seconds();
        assert!(seconds > 2);
        assert_eq!(hooks[3].get("CallDuration"), Some(seconds.to_string().as_str()));

        let done = h.call_ended(&sid).await;
        assert_eq!(done["status"], "completed");
        assert_eq!(done["duration"], seconds.to_string());
        assert!(done["start_time"].is_string() && done["end_time"].is_string());
        let call = h.inbox_call(&sid);
        assert_eq!(call.language.as_deref(), Some("ar-AE"));
        assert_eq!(call.voice.as_deref(), Some("Polly.Hala-Neural"));
        let (_, list) = h.get(&h.account_url("Calls.json?To=%2B966555001234&Status=completed")).await;
        assert_eq!(list["calls"][0]["sid"], sid);
        assert!(list["next_page_uri"].is_null());
        let line = "تذكير: موعد جلسة النطق غداً الساعة العاشرة & النصف.";
        assert_eq!(call.text, format!("{line}\n{line}"));
        assert_eq!(call.says.len(), 2);
        assert_eq!(call.duration, Some(seconds));

        let listed: Vec<Value> = h.http.get(h.url("/_sim/twilio/calls")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed[0]["status"], "completed");
        assert_eq!(listed[0]["language"], "ar-AE");
        let r = h.http.delete(h.url("/_sim/twilio/calls")).send().await.unwrap();
        assert_eq!(r.status(), 204);
        assert!(h.sims.twilio_voice().calls().is_empty());
    }

    #[tokio::test]
    async fn by_default_only_the_end_of_the_call_is_called_back() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("").await;
        let twiml = r#"<Response><Say voice="Polly.Joanna">Pickup is at two.</Say></Response>"#;
        let callback = format!("{hooks}/voice");
        let json = h
            .call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallback", &callback)])
            .await;
        let hook = next_hook(&mut rx).await;
        assert_eq!(hook.get("CallStatus"), Some("completed"));
        assert_eq!(hook.get("SequenceNumber"), Some("0"));
        assert_eq!(hook.get("CallSid"), json["sid"].as_str());
        assert!(tokio::time::timeout(Duration::from_millis(100), rx.recv()).await.is_err(), "nothing more");
        let call = h.inbox_call(json["sid"].as_str().unwrap());
        assert_eq!((call.language.as_deref(), call.voice.as_deref()), (Some("en-US"), Some("Polly.Joanna")));
    }

    #[tokio::test]
    async fn test_numbers_end_busy_unanswered_or_failed() {
        let h = harness().await;
        let (hooks, mut rx) = receiver("").await;
        let callback = format!("{hooks}/voice");
        let twiml = "<Response><Say>Hello</Say></Response>";
        for (to, status, code) in [
            ("+966555000001", "busy", None),
            ("+966555000002", "no-answer", None),
            ("+966555000003", "failed", Some(21217)),
        ] {
            let json = h
                .call_ok(&[("To", to), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallback", &callback)])
                .await;
            let sid = json["sid"].as_str().unwrap();
            let done = h.call_ended(sid).await;
            assert_eq!(done["status"], status, "{to}");
            assert!(done["duration"].is_null(), "{to}");
            assert_eq!(h.inbox_call(sid).error_code, code);
            let hook = next_hook(&mut rx).await;
            assert_eq!(hook.get("CallStatus"), Some(status));
            assert_eq!(hook.get("ErrorCode").map(|c| c.parse::<u32>().unwrap()), code);
            assert_eq!(hook.get("CallDuration"), Some("0"));
        }
    }

    #[tokio::test]
    async fn a_voice_not_made_for_the_language_or_broken_twiml_fails_the_call() {
        let h = harness().await;
        let cases = [
            (r#"<Response><Say language="ar-AE" voice="Polly.Joanna">مرحبا</Say></Response>"#, 13511),
            (r#"<Response><Say language="ar-SA" voice="Polly.Zeina">مرحبا</Say></Response>"#, 13511),
            (r#"<Response><Say language="arb" voice="Polly.Zeina">  </Say></Response>"#, 13520),
            ("<Response><Say>Hello</Response>", 12100),
            ("<Speak>Hello</Speak>", 12100),
            ("<Response><Say>Fish & chips</Say></Response>", 12100),
        ];
        for (twiml, code) in cases {
            let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml)]).await;
            let sid = json["sid"].as_str().unwrap();
            assert_eq!(h.call_ended(sid).await["status"], "failed", "{twiml}");
            assert_eq!(h.inbox_call(sid).error_code, Some(code), "{twiml}");
        }
        let arb = r#"<Response><Say language="arb" voice="Polly.Zeina">مرحبا</Say></Response>"#;
        let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", arb)]).await;
        assert_eq!(h.call_ended(json["sid"].as_str().unwrap()).await["status"], "completed");
    }

    #[tokio::test]
    async fn each_invalid_call_is_refused_with_its_twilio_code() {
        let h = harness().await;
        let twiml = "<Response><Say>Hi</Say></Response>";
        let long = format!("<Response><Say>{}</Say></Response>", "a".repeat(4000));
        type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u64);
        let cases: Vec<Case> = vec![
            ("no To", vec![("From", SANDBOX_NUMBER), ("Twiml", twiml)], 21201),
            ("no From", vec![("To", GUARDIAN), ("Twiml", twiml)], 21213),
            ("To without +", vec![("To", "966555001234"), ("From", SANDBOX_NUMBER), ("Twiml", twiml)], 21217),
            ("From a sender name", vec![("To", GUARDIAN), ("From", "WASEL"), ("Twiml", twiml)], 21212),
            ("nothing to run", vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER)], 21205),
            ("Url not a URL", vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Url", "twiml.xml")], 21205),
            ("Twiml over 4000", vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", &long)], 20001),
            ("bad ApplicationSid", vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("ApplicationSid", "AP1")], 21218),
            (
                "unknown event",
                vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallbackEvent", "hangup")],
                20001,
            ),
            (
                "bad StatusCallback",
                vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallback", "x")],
                21609,
            ),
            (
                "bad StatusCallbackMethod",
                vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallbackMethod", "PUT")],
                20001,
            ),
            (
                "bad Timeout",
                vec![("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("Timeout", "soon")],
                20001,
            ),
        ];
        let n = cases.len();
        for (story, form, code) in cases {
            let (status, json) = h.call(&form).await;
            assert_eq!(json["code"], code, "{story}: {json}");
            assert_twilio_error(status, &json, 400, code);
        }
        assert!(h.sims.twilio_voice().calls().is_empty());
        assert_eq!(h.sims.twilio_voice().create_requests(), n);
        let (status, list) = h.get(&h.account_url("Calls.json?PageSize=1")).await;
        assert_eq!((status, list["calls"].as_array().map(Vec::len)), (200, Some(0)), "{list}");

        let wrong = h
            .http
            .post(h.account_url("Calls.json"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some("wrong"))
            .form(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml)])
            .send()
            .await
            .unwrap();
        let status = wrong.status().as_u16();
        assert_twilio_error(status, &wrong.json().await.unwrap(), 401, 20003);
        let other = format!("AC{}", "1".repeat(32));
        let (status, json) = h.post_form(&h.url(&format!("/2010-04-01/Accounts/{other}/Calls.json")), &[]).await;
        assert_twilio_error(status, &json, 401, 20003);
        let (status, json) = h.get(&h.account_url(&format!("Calls/CA{}.json", "0".repeat(32)))).await;
        assert_twilio_error(status, &json, 404, 20404);
    }

    #[tokio::test]
    async fn calls_are_placed_at_the_calls_per_second_and_report_their_queue_time() {
        let h = harness_with(TwilioVoiceOptions {
            cps: 4.0,
            ringing_after: Duration::from_millis(10),
            answered_after: Duration::from_millis(20),
            talk_time: Duration::from_millis(20),
        })
        .await;
        let twiml = "<Response><Say>Hi</Say></Response>";
        let mut queued = Vec::new();
        for _ in 0..3 {
            let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml)]).await;
            queued.push(json["queue_time"].as_str().unwrap().parse::<u64>().unwrap());
        }
        assert_eq!(queued[0], 0);
        // Slots are 250 ms apart from the first placement; each wait is its slot less the time already gone.
        assert!((1..=250).contains(&queued[1]), "{queued:?}");
        assert!(queued[2] > queued[1] && queued[2] <= 500, "{queued:?}");
        let calls = h.sims.twilio_voice().calls();
        let last = h.call_ended(&calls[2].sid).await;
        assert_eq!(last["status"], "completed");
        assert_eq!(last["queue_time"], queued[2].to_string());
    }

    #[tokio::test]
    async fn a_queued_call_can_be_canceled_and_a_live_one_hung_up() {
        let h = harness_with(TwilioVoiceOptions {
            cps: 0.0,
            ringing_after: Duration::from_millis(300),
            answered_after: Duration::from_millis(400),
            talk_time: Duration::from_secs(30),
        })
        .await;
        let (hooks, mut rx) = receiver("").await;
        let callback = format!("{hooks}/voice");
        let twiml = "<Response><Say>Hi</Say></Response>";
        let form = [("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml), ("StatusCallback", &callback)];

        let sid = h.call_ok(&form).await["sid"].as_str().unwrap().to_owned();
        let url = h.account_url(&format!("Calls/{sid}.json"));
        let (status, json) = h.post_form(&url, &[("Status", "canceled")]).await;
        assert_eq!((status, json["status"].as_str()), (200, Some("canceled")), "{json}");
        assert_eq!(next_hook(&mut rx).await.get("CallStatus"), Some("canceled"));
        let (status, json) = h.post_form(&url, &[("Status", "canceled")]).await;
        assert_twilio_error(status, &json, 400, 21220);
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(h.get(&url).await.1["status"], "canceled", "the timer left it alone");

        let sid = h.call_ok(&form).await["sid"].as_str().unwrap().to_owned();
        let url = h.account_url(&format!("Calls/{sid}.json"));
        h.wait_for(&url, |c| c["status"] == "in-progress").await;
        let (status, json) = h.post_form(&url, &[("Status", "completed")]).await;
        assert_eq!((status, json["status"].as_str()), (200, Some("completed")), "{json}");
        assert_eq!(json["duration"], "1");
        let hook = next_hook(&mut rx).await;
        assert_eq!((hook.get("CallStatus"), hook.get("CallDuration")), (Some("completed"), Some("1")));
        let (status, json) = h.post_form(&url, &[("Status", "busy")]).await;
        assert_twilio_error(status, &json, 400, 20001);
        let (status, json) = h.post_form(&url, &[("Status", "completed")]).await;
        assert_twilio_error(status, &json, 400, 21220);
    }

    #[tokio::test]
    async fn the_twiml_is_fetched_from_the_url_signed_when_the_call_is_answered() {
        let h = harness().await;
        let twiml =
            r#"<Response><Say language="en-GB" voice="Polly.Amy">Your child's lab results are ready.</Say></Response>"#;
        let (hooks, mut rx) = receiver(twiml).await;
        let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Url", &format!("{hooks}/twiml"))]).await;
        let sid = json["sid"].as_str().unwrap();
        let fetch = next_hook(&mut rx).await;
        assert!(fetch.signed);
        assert_eq!(fetch.get("CallSid"), Some(sid));
        assert_eq!(fetch.get("CallStatus"), Some("in-progress"));
        assert_eq!(h.call_ended(sid).await["status"], "completed");
        assert_eq!(h.inbox_call(sid).text, "Your child's lab results are ready.");

        let json = h
            .call_ok(&[
                ("To", GUARDIAN),
                ("From", SANDBOX_NUMBER),
                ("Url", &format!("{hooks}/twiml")),
                ("Method", "GET"),
            ])
            .await;
        let fetch = next_hook(&mut rx).await;
        assert!(fetch.signed, "a GET is signed on its URL");
        assert_eq!(fetch.get("CallSid"), json["sid"].as_str());

        let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Url", "http://127.0.0.1:9/none")]).await;
        let sid = json["sid"].as_str().unwrap();
        assert_eq!(h.call_ended(sid).await["status"], "failed");
        assert_eq!(h.inbox_call(sid).error_code, Some(11200));

        let app = format!("AP{}", "a".repeat(32));
        let json = h.call_ok(&[("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("ApplicationSid", &app)]).await;
        let done = h.call_ended(json["sid"].as_str().unwrap()).await;
        assert_eq!((done["status"].as_str(), done["duration"].as_str()), (Some("completed"), Some("1")));
    }

    #[tokio::test]
    async fn faults_apply_to_calls() {
        let h = harness().await;
        let twiml = "<Response><Say>Hi</Say></Response>";
        let form = [("To", GUARDIAN), ("From", SANDBOX_NUMBER), ("Twiml", twiml)];
        h.sims.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(3), ..Faults::default() });
        let r = h
            .http
            .post(h.account_url("Calls.json"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some(crate::twilio::SANDBOX_AUTH_TOKEN))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["retry-after"], "3");
        let status = r.status().as_u16();
        assert_twilio_error(status, &r.json().await.unwrap(), 429, 20429);

        h.sims.twilio().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let (status, json) = h.call(&form).await;
        assert_twilio_error(status, &json, 500, 20500);

        h.sims.twilio().set_faults(Faults { down: true, ..Faults::default() });
        let (status, json) = h.call(&form).await;
        assert_twilio_error(status, &json, 503, 20500);

        h.sims.twilio().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let hung = h
            .http
            .post(h.account_url("Calls.json"))
            .basic_auth(SANDBOX_ACCOUNT_SID, Some(crate::twilio::SANDBOX_AUTH_TOKEN))
            .form(&form)
            .timeout(Duration::from_millis(200))
            .send()
            .await;
        assert!(hung.unwrap_err().is_timeout());
        assert!(h.sims.twilio_voice().calls().is_empty());
        assert_eq!(h.sims.twilio_voice().create_requests(), 4);
    }

    #[test]
    fn twiml_says_pauses_and_entities_are_read() {
        let script = parse_twiml(ARABIC_TWIML).unwrap();
        assert_eq!(script.says.len(), 2);
        assert_eq!(script.pause_secs, 2);
        assert!(script.says[0].text.contains("العاشرة & النصف"));
        let ssml = r#"<Response><!-- hi --><Say voice='alice' loop="2">One <break time="1s"/>two &#x41;&#66;</Say><Hangup/></Response>"#;
        let script = parse_twiml(ssml).unwrap();
        assert_eq!(script.says[0].text, "One two AB");
        assert_eq!(script.says[0].loops, 2);
        assert_eq!(script.text(), "One two AB\nOne two AB");
        assert_eq!(script.seconds(), 2);
        assert_eq!(parse_twiml("<Response/>").unwrap(), Script::default());
        assert_eq!(Script::default().seconds(), 1);
    }

    #[test]
    fn malformed_twiml_is_a_parse_failure() {
        for bad in [
            "",
            "Hello",
            "<Response>",
            "<Response></Say>",
            "<Response/><Response/>",
            "<Response a=1/>",
            r#"<Response a="1"b="2"/>"#,
            r#"<Response a="1" a="2"/>"#,
            "<Response>&nbsp;</Response>",
            "<Response><Say>a</Say>",
            "<Response></Response>trailing",
        ] {
            assert_eq!(parse_twiml(bad), Err(PARSE_FAILURE), "{bad:?}");
        }
    }
}
