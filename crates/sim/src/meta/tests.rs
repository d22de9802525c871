//! The simulator's own tests.

use super::*;

#[cfg(test)]
mod unit {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::atomic::AtomicUsize;

    use axum::extract::Query;
    use tokio::sync::mpsc;

    use super::*;
    use crate::{SimOptions, Simulators};

    const GUARDIAN: &str = "966555001234";

    #[test]
    fn the_signature_is_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            meta_signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn placeholders_are_counted_once_and_filled_in() {
        assert_eq!(placeholders("{{1}} {{2}} {{1}}").len(), 2);
        assert_eq!(placeholders("no params").len(), 0);
        assert_eq!(placeholders("{{x}} {{3}}").len(), 1);
        assert_eq!(render("موعد {{1}} يوم {{2}}", &["سارة".into(), "الأحد".into()]), "موعد سارة يوم الأحد");
        assert!(param_is_clean("سارة أحمد"));
        assert!(!param_is_clean("a\nb"));
        assert!(!param_is_clean("a     b"));
    }

    #[test]
    fn wamids_and_paths_look_like_graphs() {
        let id = new_wamid(GUARDIAN);
        assert!(id.starts_with("wamid.HBgM"), "{id}");
        assert!(id.len() <= 128);
        assert_ne!(id, new_wamid(GUARDIAN));
        assert_eq!(wa_id("+966 55-500 1234"), GUARDIAN);
        assert!(owns_path("/v21.0/123/messages"));
        assert!(owns_path("/v19.0"));
        assert!(!owns_path("/v1/messages"));
        assert!(!owns_path("/2010-04-01/Accounts"));
        assert_eq!(fbtrace_id().len(), 23);
        assert_eq!(decode_cursor(&encode_cursor(7)), Some(7));
    }

    // -----------------------------------------------------------------------------------------
    // Over HTTP

    struct Harness {
        sim: Simulators,
        http: reqwest::Client,
    }

    fn fast() -> MetaOptions {
        MetaOptions {
            sent_after: Duration::from_millis(20),
            delivered_after: Duration::from_millis(80),
            read_after: Duration::from_millis(140),
            webhook_retry_delay: Duration::from_millis(50),
            ..MetaOptions::default()
        }
    }

    async fn spawn_sim() -> Harness {
        let sim = crate::start(SimOptions { meta: fast(), ..SimOptions::default() }).await.unwrap();
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().unwrap();
        Harness { sim, http }
    }

    impl Harness {
        fn url(&self, path: &str) -> String {
            format!("{}/{SANDBOX_API_VERSION}/{path}", self.sim.base_url())
        }

        fn debug(&self, path: &str) -> String {
            format!("{}/_sim/meta/{path}", self.sim.base_url())
        }

        async fn post_raw(&self, token: Option<&str>, body: Vec<u8>) -> (u16, HeaderMap, Value) {
            let mut req = self.http.post(self.url(&format!("{SANDBOX_PHONE_NUMBER_ID}/messages"))).body(body);
            if let Some(token) = token {
                req = req.bearer_auth(token).header(header::CONTENT_TYPE, "application/json");
            }
            let response = req.send().await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            (status, headers, response.json().await.unwrap())
        }

        async fn send(&self, body: Value) -> (u16, HeaderMap, Value) {
            self.post_raw(Some(SANDBOX_ACCESS_TOKEN), serde_json::to_vec(&body).unwrap()).await
        }

        async fn get(&self, url: &str) -> (u16, Value) {
            let response = self.http.get(url).bearer_auth(SANDBOX_ACCESS_TOKEN).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap())
        }

        async fn inbox(&self) -> Vec<SimMessage> {
            self.http.get(self.debug("messages")).send().await.unwrap().json().await.unwrap()
        }

        async fn subscribe(&self, hooks: &Hooks) {
            let response = self
                .http
                .put(self.debug("webhook"))
                .json(&json!({ "url": hooks.url, "verify_token": SANDBOX_VERIFY_TOKEN }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        }
    }

    fn text_message(to: &str, body: &str) -> Value {
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": { "preview_url": false, "body": body },
            "biz_opaque_callback_data": "msg-0192",
        })
    }

    fn template_message(name: &str, language: &str, params: &[&str]) -> Value {
        let parameters: Vec<Value> = params.iter().map(|p| json!({ "type": "text", "text": p })).collect();
        json!({
            "messaging_product": "whatsapp",
            "to": format!("+{GUARDIAN}"),
            "type": "template",
            "template": {
                "name": name,
                "language": { "code": language, "policy": "deterministic" },
                "components": [{ "type": "body", "parameters": parameters }],
            },
            "biz_opaque_callback_data": "msg-0193",
        })
    }

    fn assert_graph_error(status: u16, json: &Value, http: u16, code: u64) {
        assert_eq!(status, http, "{json}");
        assert_eq!(json["error"]["code"], code, "{json}");
        assert!(json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{json}");
        assert!(json["error"]["type"].is_string(), "{json}");
        assert_eq!(json["error"]["fbtrace_id"].as_str().map(str::len), Some(23), "{json}");
    }

    /// What a webhook brought: its signature and its raw body.
    #[derive(Debug)]
    struct Hook {
        signature: String,
        body: Vec<u8>,
    }

    impl Hook {
        fn json(&self) -> Value {
            serde_json::from_slice(&self.body).unwrap()
        }

        fn status(&self) -> Value {
            self.json()["entry"][0]["changes"][0]["value"]["statuses"][0].clone()
        }
    }

    #[derive(Clone)]
    struct HookState {
        tx: mpsc::UnboundedSender<Hook>,
        refuse_next: Arc<AtomicUsize>,
        echo: Arc<Mutex<Option<String>>>,
    }

    struct Hooks {
        url: String,
        rx: mpsc::UnboundedReceiver<Hook>,
        refuse_next: Arc<AtomicUsize>,
        /// When set, the handshake answers this instead of the challenge.
        echo: Arc<Mutex<Option<String>>>,
    }

    impl Hooks {
        async fn next(&mut self) -> Hook {
            tokio::time::timeout(Duration::from_secs(5), self.rx.recv()).await.expect("a webhook in time").unwrap()
        }

        async fn next_status(&mut self) -> Value {
            let hook = self.next().await;
            assert_eq!(hook.signature, meta_signature(SANDBOX_APP_SECRET, &hook.body));
            hook.status()
        }
    }

    /// A webhook receiver on port 0 that does the handshake like Wasel's should.
    async fn spawn_receiver() -> Hooks {
        async fn verify(State(s): State<HookState>, Query(q): Query<HashMap<String, String>>) -> Response {
            let ok = q.get("hub.mode").map(String::as_str) == Some("subscribe")
                && q.get("hub.verify_token").map(String::as_str) == Some(SANDBOX_VERIFY_TOKEN);
            if !ok {
                return StatusCode::FORBIDDEN.into_response();
            }
            let echo = lock(&s.echo).clone();
            echo.unwrap_or_else(|| q.get("hub.challenge").cloned().unwrap_or_default()).into_response()
        }
        async fn receive(State(s): State<HookState>, headers: HeaderMap, body: Bytes) -> StatusCode {
            let signature =
                headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let _ = s.tx.send(Hook { signature, body: body.to_vec() });
            let refuse = s.refuse_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
            if refuse { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let refuse_next = Arc::new(AtomicUsize::new(0));
        let echo = Arc::new(Mutex::new(None));
        let state = HookState { tx, refuse_next: Arc::clone(&refuse_next), echo: Arc::clone(&echo) };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/whatsapp", listener.local_addr().unwrap());
        let app = Router::new().route("/webhooks/whatsapp", get(verify).post(receive)).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Hooks { url, rx, refuse_next, echo }
    }

    #[tokio::test]
    async fn a_guardian_who_wrote_gets_free_text_sent_delivered_read_with_signed_webhooks() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;

        let response = h
            .http
            .post(h.debug("inbound"))
            .json(&json!({ "from": GUARDIAN, "text": "متى موعد سارة؟", "name": "أم سارة" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let inbound = hooks.next().await;
        assert_eq!(inbound.signature, meta_signature(SANDBOX_APP_SECRET, &inbound.body));
        let json = inbound.json();
        assert_eq!(json["object"], "whatsapp_business_account");
        assert_eq!(json["entry"][0]["id"], SANDBOX_WABA_ID);
        let value = &json["entry"][0]["changes"][0]["value"];
        assert_eq!(json["entry"][0]["changes"][0]["field"], "messages");
        assert_eq!(value["metadata"]["phone_number_id"], SANDBOX_PHONE_NUMBER_ID);
        assert_eq!(value["metadata"]["display_phone_number"], "966555000100");
        assert_eq!(value["contacts"][0]["wa_id"], GUARDIAN);
        assert_eq!(value["contacts"][0]["profile"]["name"], "أم سارة");
        assert_eq!(value["messages"][0]["from"], GUARDIAN);
        assert_eq!(value["messages"][0]["text"]["body"], "متى موعد سارة؟");
        assert!(value.get("statuses").is_none());

        let (status, _, json) = h.send(text_message(GUARDIAN, "الأحد الساعة العاشرة")).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["messaging_product"], "whatsapp");
        assert_eq!(json["contacts"][0]["input"], GUARDIAN);
        assert_eq!(json["contacts"][0]["wa_id"], GUARDIAN);
        let wamid = json["messages"][0]["id"].as_str().unwrap().to_owned();
        assert!(wamid.starts_with("wamid."));

        for expected in ["sent", "delivered", "read"] {
            let s = hooks.next_status().await;
            assert_eq!(s["status"], expected);
            assert_eq!(s["id"], wamid.as_str());
            assert_eq!(s["recipient_id"], GUARDIAN);
            assert_eq!(s["biz_opaque_callback_data"], "msg-0192");
            assert_eq!(s["pricing"]["category"], "service");
            assert_eq!(s["pricing"]["billable"], false);
            assert!(s["timestamp"].as_str().unwrap().parse::<i64>().is_ok());
            assert_eq!(s["conversation"]["expiration_timestamp"].is_string(), expected == "sent");
        }
        let inbox = h.inbox().await;
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].status, "read");
        assert_eq!(inbox[0].kind, "text");
        assert_eq!(inbox[0].text, "الأحد الساعة العاشرة");
        assert_eq!(inbox[0].error_code, None);
    }

    #[tokio::test]
    async fn an_arabic_template_is_rendered_in_the_inbox_and_billed_as_utility() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        let (status, _, json) =
            h.send(template_message("appointment_reminder", "ar", &["سارة", "الأحد", "10:30"])).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["contacts"][0]["input"], format!("+{GUARDIAN}"));
        assert_eq!(json["contacts"][0]["wa_id"], GUARDIAN);
        assert_eq!(json["messages"][0]["message_status"], "accepted");
        let s = hooks.next_status().await;
        assert_eq!(s["status"], "sent");
        assert_eq!(s["biz_opaque_callback_data"], "msg-0193");
        assert_eq!(s["conversation"]["origin"]["type"], "utility");
        assert_eq!(s["pricing"]["billable"], true);
        assert_eq!(s["pricing"]["type"], "regular");
        let inbox = h.inbox().await;
        assert_eq!(inbox[0].text, "تذكير: موعد سارة يوم الأحد الساعة 10:30 في مركز واصل.");
        assert_eq!(inbox[0].template.as_deref(), Some("appointment_reminder"));
        assert_eq!(inbox[0].language.as_deref(), Some("ar"));
        assert_eq!(h.sim.meta().received_count(), 1);
    }

    #[tokio::test]
    async fn a_bad_or_missing_token_is_graph_error_190() {
        let h = spawn_sim().await;
        let body = serde_json::to_vec(&text_message(GUARDIAN, "hi")).unwrap();
        let (status, headers, json) = h.post_raw(Some("EAAwrong"), body.clone()).await;
        assert_graph_error(status, &json, 401, 190);
        assert_eq!(json["error"]["type"], "OAuthException");
        assert!(headers.get(header::WWW_AUTHENTICATE).is_some());
        let (status, _, json) = h.post_raw(None, body).await;
        assert_graph_error(status, &json, 401, 190);
        let response = h.http.get(h.url(SANDBOX_PHONE_NUMBER_ID)).send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(h.sim.meta().received_count(), 0);
    }

    #[tokio::test]
    async fn each_malformed_request_is_graph_error_100() {
        let h = spawn_sim().await;
        let base = text_message(GUARDIAN, "hi");
        let with = |patch: Value| {
            let mut b = base.clone();
            for (k, v) in patch.as_object().unwrap() {
                if v.is_null() {
                    b.as_object_mut().unwrap().remove(k);
                } else {
                    b[k] = v.clone();
                }
            }
            b
        };
        let cases = [
            ("no messaging_product", with(json!({ "messaging_product": null }))),
            ("wrong messaging_product", with(json!({ "messaging_product": "sms" }))),
            ("group recipient", with(json!({ "recipient_type": "group" }))),
            ("no to", with(json!({ "to": null }))),
            ("to not a number", with(json!({ "to": "guardian@example.com" }))),
            ("to as a JSON number", with(json!({ "to": 966_555_001_234_u64 }))),
            ("unsupported type", with(json!({ "type": "image" }))),
            ("no text", with(json!({ "text": null }))),
            ("empty body", with(json!({ "text": { "body": " " } }))),
            ("body too long", with(json!({ "text": { "body": "x".repeat(4097) } }))),
            ("opaque too long", with(json!({ "biz_opaque_callback_data": "x".repeat(513) }))),
            ("template without template", with(json!({ "type": "template", "text": null }))),
            (
                "template without name",
                with(json!({ "type": "template", "template": { "language": { "code": "ar" } } })),
            ),
            ("template without language", with(json!({ "type": "template", "template": { "name": "x" } }))),
            (
                "non-text parameter",
                with(json!({ "type": "template", "template": { "name": "appointment_reminder",
                    "language": { "code": "ar" },
                    "components": [{ "type": "body", "parameters": [{ "type": "image", "image": {} }] }] } })),
            ),
        ];
        for (what, body) in cases {
            let (status, _, json) = h.send(body).await;
            assert_graph_error(status, &json, 400, 100);
            assert_eq!(json["error"]["error_data"]["messaging_product"], "whatsapp", "{what}");
            assert!(json["error"]["error_data"]["details"].is_string(), "{what}: {json}");
        }
        let (status, _, json) = h.post_raw(Some(SANDBOX_ACCESS_TOKEN), b"to=966555001234".to_vec()).await;
        assert_graph_error(status, &json, 400, 100);
        assert_eq!(json["error"]["message"], "(#100) The parameter messaging_product is required.");
        // Missing `type` means text, as on Graph.
        let (status, _, _) = h.send(with(json!({ "type": null }))).await;
        assert_eq!(status, 200);
        assert_eq!(h.sim.meta().create_requests(), 17);
    }

    #[tokio::test]
    async fn templates_must_exist_be_approved_and_get_the_right_parameters() {
        let h = spawn_sim().await;
        let cases = [
            (template_message("no_such_template", "ar", &["a"]), 404, 132001),
            (template_message("appointment_reminder", "fr", &["a", "b", "c"]), 404, 132001),
            (template_message("payment_due", "ar", &["300", "1 ديسمبر"]), 404, 132001),
            (template_message("promo_offer", "en", &["20"]), 404, 132001),
            (template_message("appointment_reminder", "ar", &["سارة", "الأحد"]), 400, 132000),
            (template_message("session_cancelled", "en", &["Sara", "Sunday", "extra"]), 400, 132000),
            (template_message("session_cancelled", "en", &["Sara\nAhmad", "Sunday"]), 400, 132018),
        ];
        for (body, http, code) in cases {
            let (status, _, json) = h.send(body).await;
            assert_graph_error(status, &json, http, code);
        }
        let (_, _, json) = h.send(template_message("payment_due", "ar", &["300", "1 ديسمبر"])).await;
        assert!(json["error"]["error_data"]["details"].as_str().unwrap().contains("PENDING"));

        assert!(h.sim.meta().set_template_status("session_cancelled", "en", TemplateStatus::Paused));
        let (status, _, json) = h.send(template_message("session_cancelled", "en", &["Sara", "Sunday"])).await;
        assert_graph_error(status, &json, 400, 132015);
        let response = h
            .http
            .put(h.debug("templates/session_cancelled/en"))
            .json(&json!({ "status": "APPROVED" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let (status, _, json) = h.send(template_message("session_cancelled", "en", &["Sara", "Sunday"])).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(
            h.inbox().await[0].text,
            "Sorry, Sara's session on Sunday is cancelled. We will contact you to book a new one."
        );
        let response =
            h.http.put(h.debug("templates/nope/ar")).json(&json!({ "status": "APPROVED" })).send().await.unwrap();
        assert_eq!(response.status(), 404);
    }

    #[tokio::test]
    async fn free_text_outside_the_window_is_accepted_then_fails_with_131047() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        h.sim.meta().set_last_inbound(GUARDIAN, Utc::now() - TimeDelta::hours(25));
        let (status, _, json) = h.send(text_message(GUARDIAN, "hello")).await;
        assert_eq!(status, 200, "{json}");
        let s = hooks.next_status().await;
        assert_eq!(s["status"], "failed");
        assert_eq!(s["errors"][0]["code"], 131047);
        assert!(s["errors"][0]["error_data"]["details"].is_string());
        assert_eq!(s["biz_opaque_callback_data"], "msg-0192");
        assert!(s.get("pricing").is_none());
        let inbox = h.inbox().await;
        assert_eq!((inbox[0].status.as_str(), inbox[0].error_code), ("failed", Some(131047)));
        // A template still goes through.
        let (status, _, _) = h.send(template_message("appointment_reminder", "en", &["Sara", "Sunday", "10:30"])).await;
        assert_eq!(status, 200);
        assert_eq!(hooks.next_status().await["status"], "sent");
    }

    #[tokio::test]
    async fn scripted_recipients_fail_later_or_at_once_and_receipts_vary() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        let reminder = |to: &str| {
            let mut b = template_message("appointment_reminder", "ar", &["سارة", "الأحد", "10:30"]);
            b["to"] = json!(to);
            b
        };
        let meta = h.sim.meta();
        meta.set_fate("+966555000026", Fate::Undeliverable);
        let response = h.http.post(h.debug("opt-outs")).json(&json!({ "to": "+966555000050" })).send().await.unwrap();
        assert_eq!(response.status(), 204);
        for (to, code) in [("966555000026", 131026), ("966555000050", 131050)] {
            let (status, _, _) = h.send(reminder(to)).await;
            assert_eq!(status, 200);
            let s = hooks.next_status().await;
            assert_eq!((s["status"].as_str(), s["errors"][0]["code"].as_u64()), (Some("failed"), Some(code)));
            assert_eq!(s["recipient_id"], to);
        }

        let response = h
            .http
            .post(h.debug("fates"))
            .json(&json!({ "to": "966555000056", "fate": "pair_rate_limited" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let (status, headers, json) = h.send(reminder("966555000056")).await;
        assert_graph_error(status, &json, 429, 131056);
        assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "6");

        meta.set_fate(GUARDIAN, Fate::ReadInChat);
        h.send(reminder(GUARDIAN)).await;
        assert_eq!(hooks.next_status().await["status"], "sent");
        assert_eq!(hooks.next_status().await["status"], "read");
        meta.set_fate(GUARDIAN, Fate::NoReadReceipts);
        h.send(reminder(GUARDIAN)).await;
        assert_eq!(hooks.next_status().await["status"], "sent");
        assert_eq!(hooks.next_status().await["status"], "delivered");
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(hooks.rx.try_recv().is_err(), "no read receipt");
        let (_, fates) = h.get(&h.debug("fates")).await;
        assert_eq!(fates["966555000050"], "opted_out");
    }

    #[tokio::test]
    async fn faults_answer_in_graphs_error_shape() {
        let h = spawn_sim().await;
        let body = || text_message(GUARDIAN, "hi");
        h.sim.meta().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(3), ..Faults::default() });
        let (status, headers, json) = h.send(body()).await;
        assert_graph_error(status, &json, 429, 130429);
        assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "3");

        h.sim.meta().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let (status, _, json) = h.send(body()).await;
        assert_graph_error(status, &json, 500, 1);
        assert_eq!(json["error"]["is_transient"], true);

        let response = h.http.put(h.debug("faults")).json(&json!({ "down": true })).send().await.unwrap();
        assert_eq!(response.status(), 204);
        let (status, _, json) = h.send(body()).await;
        assert_graph_error(status, &json, 503, 2);

        h.sim.set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let quick = reqwest::Client::builder().no_proxy().timeout(Duration::from_millis(200)).build().unwrap();
        let result = quick
            .post(h.url(&format!("{SANDBOX_PHONE_NUMBER_ID}/messages")))
            .bearer_auth(SANDBOX_ACCESS_TOKEN)
            .json(&body())
            .send()
            .await;
        assert!(result.is_err_and(|e| e.is_timeout()));

        h.sim.set_faults(Faults::default());
        assert_eq!(h.send(body()).await.0, 200);
        assert_eq!(h.sim.meta().received_count(), 1);
    }

    #[tokio::test]
    async fn the_webhook_is_kept_only_when_the_challenge_comes_back() {
        let h = spawn_sim().await;
        let hooks = spawn_receiver().await;
        let put = |token: &str| {
            h.http.put(h.debug("webhook")).json(&json!({ "url": hooks.url, "verify_token": token })).send()
        };
        let response = put("wrong-token").await.unwrap();
        assert_eq!(response.status(), 400);
        let json: Value = response.json().await.unwrap();
        assert!(json["error"].as_str().unwrap().contains("403"), "{json}");

        *lock(&hooks.echo) = Some("not-the-challenge".into());
        let response = put(SANDBOX_VERIFY_TOKEN).await.unwrap();
        assert_eq!(response.status(), 400);
        let json: Value = response.json().await.unwrap();
        assert!(json["error"].as_str().unwrap().contains("does not match challenge"), "{json}");
        let response = h
            .http
            .put(h.debug("webhook"))
            .json(&json!({ "url": "http://127.0.0.1:9/nothing-listens" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(h.get(&h.debug("webhook")).await.1["url"], Value::Null);

        *lock(&hooks.echo) = None;
        let response = h.http.put(h.debug("webhook")).json(&json!({ "url": hooks.url })).send().await.unwrap();
        assert_eq!(response.status(), 200, "the configured verify token is the default");
        assert_eq!(h.get(&h.debug("webhook")).await.1["url"], hooks.url.as_str());
        let response = h.http.delete(h.debug("webhook")).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(h.sim.meta().webhook_url(), None);
    }

    #[tokio::test]
    async fn a_refused_webhook_is_delivered_again_with_the_same_signed_body() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        hooks.refuse_next.store(2, Ordering::SeqCst);
        assert_eq!(h.sim.meta().inbound(GUARDIAN, "مرحبا", "أم سارة").map(|id| id.starts_with("wamid.")), Some(true));
        let first = hooks.next().await;
        let second = hooks.next().await;
        let third = hooks.next().await;
        assert_eq!(first.body, second.body);
        assert_eq!(second.body, third.body);
        assert_eq!(third.signature, meta_signature(SANDBOX_APP_SECRET, &third.body));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(hooks.rx.try_recv().is_err(), "accepted once, not delivered again");
    }

    #[tokio::test]
    async fn templates_are_listed_with_paging_and_status_changes_are_announced() {
        let h = spawn_sim().await;
        let mut hooks = spawn_receiver().await;
        h.subscribe(&hooks).await;
        let (status, json) = h.get(&h.url(&format!("{SANDBOX_WABA_ID}/message_templates"))).await;
        assert_eq!(status, 200, "{json}");
        let data = json["data"].as_array().unwrap();
        assert_eq!(data.len(), 6);
        let ar = data.iter().find(|t| t["name"] == "appointment_reminder" && t["language"] == "ar").unwrap();
        assert_eq!(ar["status"], "APPROVED");
        assert_eq!(ar["category"], "UTILITY");
        assert_eq!(ar["components"][0]["type"], "BODY");
        assert!(ar["components"][0]["text"].as_str().unwrap().contains("{{3}}"));
        assert!(ar["id"].as_str().unwrap().bytes().all(|b| b.is_ascii_digit()));
        assert!(json["paging"].get("next").is_none());

        let (_, page1) = h.get(&h.url(&format!("{SANDBOX_WABA_ID}/message_templates?limit=4"))).await;
        assert_eq!(page1["data"].as_array().unwrap().len(), 4);
        let next = page1["paging"]["next"].as_str().unwrap().to_owned();
        let (_, page2) = h.get(&next).await;
        assert_eq!(page2["data"].as_array().unwrap().len(), 2);
        assert_eq!(page2["data"][1]["name"], "promo_offer");
        let (_, pending) = h.get(&h.url(&format!("{SANDBOX_WABA_ID}/message_templates?status=PENDING"))).await;
        assert_eq!(pending["data"][0]["name"], "payment_due");

        let (status, json) = h.get(&h.url(&format!("{SANDBOX_PHONE_NUMBER_ID}/message_templates"))).await;
        assert_graph_error(status, &json, 400, 100);
        assert_eq!(json["error"]["error_subcode"], 33);

        assert!(h.sim.meta().set_template_status("payment_due", "ar", TemplateStatus::Approved));
        let hook = hooks.next().await;
        assert_eq!(hook.signature, meta_signature(SANDBOX_APP_SECRET, &hook.body));
        let json = hook.json();
        let change = &json["entry"][0]["changes"][0];
        assert_eq!(change["field"], "message_template_status_update");
        assert_eq!(change["value"]["event"], "APPROVED");
        assert_eq!(change["value"]["message_template_name"], "payment_due");
        assert!(json["entry"][0]["time"].is_i64());

        let response = h
            .http
            .post(h.debug("templates"))
            .json(&json!({ "name": "pickup_changed", "language": "ar", "category": "UTILITY",
                "body": "تغيّر موعد الاستلام إلى {{1}}.", "status": "APPROVED" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let (status, _, json) = h.send(template_message("pickup_changed", "ar", &["الرابعة"])).await;
        assert_eq!(status, 200, "{json}");
    }

    #[tokio::test]
    async fn the_phone_number_read_tests_the_connection() {
        let h = spawn_sim().await;
        let (status, json) = h.get(&h.url(SANDBOX_PHONE_NUMBER_ID)).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["id"], SANDBOX_PHONE_NUMBER_ID);
        assert_eq!(json["display_phone_number"], SANDBOX_DISPLAY_PHONE_NUMBER);
        assert_eq!(json["verified_name"], SANDBOX_VERIFIED_NAME);
        assert_eq!(json["quality_rating"], "GREEN");
        let (status, json) = h.get(&h.url("123")).await;
        assert_graph_error(status, &json, 400, 100);
        let (status, json) = h.get(&format!("{}/v17.0/{SANDBOX_PHONE_NUMBER_ID}/photos", h.sim.base_url())).await;
        assert_graph_error(status, &json, 400, 100);
        let response = h.http.delete(h.debug("messages")).send().await.unwrap();
        assert_eq!(response.status(), 204);
    }
}
