//! The simulator's own tests.

use super::*;

#[cfg(test)]
mod unit {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer};

    use crate::{SimOptions, Simulators, start};

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// What the adapter does: an RS256 JWT over these claims with the sim's service-account key.
    fn assertion(key: &TestKey, claims: &Value) -> String {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": key.key_id });
        let signing_input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let private = RsaPrivateKey::from_pkcs8_pem(&key.pkcs8_pem).unwrap();
        let signer = SigningKey::<Sha256>::new(private);
        let signature = signer.sign(signing_input.as_bytes()).to_bytes();
        format!("{signing_input}.{}", b64(&signature))
    }

    fn claims(aud: &str, scope: &str) -> Value {
        let now = Utc::now().timestamp();
        json!({ "iss": SANDBOX_CLIENT_EMAIL, "scope": scope, "aud": aud, "iat": now, "exp": now + 3600 })
    }

    async fn post_token(base: &str, assertion: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{base}/token"))
            .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", assertion)])
            .send()
            .await
            .unwrap()
    }

    async fn access_token(sims: &Simulators) -> String {
        let key = test_key().await.unwrap();
        let jwt = assertion(key, &claims(&sims.fcm().token_uri(), SCOPE_MESSAGING));
        let res = post_token(&sims.base_url(), &jwt).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn send(sims: &Simulators, bearer: &str, body: Value) -> (u16, Value, HeaderMap) {
        let res = reqwest::Client::new()
            .post(format!("{}/v1/projects/{SANDBOX_PROJECT_ID}/messages:send", sims.base_url()))
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, res.json().await.unwrap_or(Value::Null), headers)
    }

    fn fcm_code(body: &Value) -> Option<&str> {
        body["error"]["details"]
            .as_array()?
            .iter()
            .find(|d| d["@type"] == FCM_ERROR_TYPE)
            .and_then(|d| d["errorCode"].as_str())
    }

    #[tokio::test]
    async fn a_service_account_token_sends_to_a_registered_device() {
        let sims = start(SimOptions::default()).await.unwrap();
        let base = sims.base_url();
        let account: Value =
            reqwest::get(format!("{base}/_sim/fcm/service-account")).await.unwrap().json().await.unwrap();
        assert_eq!(account["type"], "service_account");
        assert_eq!(account["token_uri"], format!("{base}/token"));
        assert!(account["private_key"].as_str().unwrap().starts_with("-----BEGIN PRIVATE KEY-----"));

        let device: Value = reqwest::Client::new()
            .post(format!("{base}/_sim/fcm/devices"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let device = device["token"].as_str().unwrap().to_owned();
        let bearer = access_token(&sims).await;
        let message = json!({ "message": {
            "token": device,
            "notification": { "title": "تذكير", "body": "موعد الدواء" },
            "data": { "reference": "r-1" },
            "android": { "priority": "HIGH", "collapseKey": "r-1", "ttl": "3600s" },
            "apns": { "headers": { "apns-collapse-id": "r-1" } },
        }});
        let (status, body, _) = send(&sims, &bearer, message.clone()).await;
        assert_eq!(status, 200, "{body}");
        let name = body["name"].as_str().unwrap();
        assert!(name.starts_with(&format!("projects/{SANDBOX_PROJECT_ID}/messages/0:")), "{name}");

        let (status, _, _) = send(&sims, &bearer, message).await;
        assert_eq!(status, 200);
        let inbox = sims.fcm().messages();
        assert_eq!(inbox.len(), 2);
        assert_eq!(inbox[0].title.as_deref(), Some("تذكير"));
        assert_eq!(inbox[0].data["reference"], "r-1");
        assert_eq!(inbox[0].collapse_key.as_deref(), Some("r-1"));
        assert!(inbox[0].replaced && !inbox[1].replaced, "the duplicate replaces the first on the device");
        assert_eq!(inbox[0].status, "accepted");
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(sims.fcm().messages()[1].status, "delivered");

        let dry = json!({ "validate_only": true, "message": { "token": device } });
        let (status, body, _) = send(&sims, &bearer, dry).await;
        assert_eq!(status, 200);
        assert_eq!(body["name"], format!("projects/{SANDBOX_PROJECT_ID}/messages/fake_message_id"));
        assert_eq!(sims.fcm().received_count(), 2, "a dry run records nothing");
        assert_eq!(sims.fcm().tokens_issued(), 1);
    }

    #[tokio::test]
    async fn the_token_endpoint_checks_the_assertion_like_google() {
        let sims = start(SimOptions::default()).await.unwrap();
        let base = sims.base_url();
        let key = test_key().await.unwrap();
        let aud = sims.fcm().token_uri();
        let now = Utc::now().timestamp();
        let error = |res: Value| res["error"].as_str().unwrap().to_owned();

        let res = post_token(&base, &assertion(key, &claims(&aud, SCOPE_CLOUD_PLATFORM))).await;
        assert_eq!(res.status(), 200, "the cloud-platform scope also covers messaging");

        let mut wrong_iss = claims(&aud, SCOPE_MESSAGING);
        wrong_iss["iss"] = json!("someone@example.com");
        let expired = json!({ "iss": SANDBOX_CLIENT_EMAIL, "scope": SCOPE_MESSAGING, "aud": aud, "iat": now - 7200, "exp": now - 3600 });
        let too_long =
            json!({ "iss": SANDBOX_CLIENT_EMAIL, "scope": SCOPE_MESSAGING, "aud": aud, "iat": now, "exp": now + 7200 });
        let cases = [
            (assertion(key, &claims("https://example.com/token", SCOPE_MESSAGING)), "invalid_grant"),
            (assertion(key, &wrong_iss), "invalid_grant"),
            (assertion(key, &expired), "invalid_grant"),
            (assertion(key, &too_long), "invalid_grant"),
            (assertion(key, &claims(&aud, "")), "invalid_scope"),
            (assertion(key, &claims(&aud, "email")), "invalid_scope"),
            ("not-a-jwt".to_owned(), "invalid_grant"),
        ];
        for (jwt, expected) in cases {
            let res = post_token(&base, &jwt).await;
            assert_eq!(res.status(), 400);
            assert_eq!(error(res.json().await.unwrap()), expected);
        }

        // A signature over other claims.
        let good = assertion(key, &claims(&aud, SCOPE_MESSAGING));
        let (signing_input, signature) = good.rsplit_once('.').unwrap();
        let (header, _) = signing_input.split_once('.').unwrap();
        let forged = format!("{header}.{}.{signature}", b64(claims(&aud, SCOPE_CLOUD_PLATFORM).to_string().as_bytes()));
        let res = post_token(&base, &forged).await;
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error_description"], "Invalid JWT Signature.");

        let res = reqwest::Client::new()
            .post(format!("{base}/token"))
            .form(&[("grant_type", "client_credentials"), ("assertion", good.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(error(res.json().await.unwrap()), "unsupported_grant_type");
        let res = reqwest::Client::new()
            .post(format!("{base}/token"))
            .form(&[("grant_type", JWT_BEARER_GRANT)])
            .send()
            .await
            .unwrap();
        assert_eq!(error(res.json().await.unwrap()), "invalid_request");
        assert_eq!(sims.fcm().tokens_issued(), 1);
    }

    #[tokio::test]
    async fn sends_without_a_valid_token_are_unauthenticated() {
        let opts = SimOptions {
            fcm: FcmOptions { token_lifetime: Duration::from_millis(300), ..FcmOptions::default() },
            ..SimOptions::default()
        };
        let sims = start(opts).await.unwrap();
        let device = sims.fcm().new_device();
        let message = json!({ "message": { "token": device } });
        let (status, body, headers) = send(&sims, "ya29.made-up", message.clone()).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
        assert!(headers.contains_key(header::WWW_AUTHENTICATE));

        let res = reqwest::Client::new()
            .post(format!("{}/v1/projects/{SANDBOX_PROJECT_ID}/messages:send", sims.base_url()))
            .json(&message)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);

        let key = test_key().await.unwrap();
        let jwt = assertion(key, &claims(&sims.fcm().token_uri(), SCOPE_MESSAGING));
        let body: Value = post_token(&sims.base_url(), &jwt).await.json().await.unwrap();
        assert_eq!(body["expires_in"], 1, "a shortened lifetime is announced in whole seconds");
        let bearer = body["access_token"].as_str().unwrap();
        assert_eq!(send(&sims, bearer, message.clone()).await.0, 200);
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(send(&sims, bearer, message.clone()).await.0, 401, "the token has expired");

        let body: Value = post_token(&sims.base_url(), &jwt).await.json().await.unwrap();
        let bearer = body["access_token"].as_str().unwrap();
        sims.fcm().expire_access_tokens();
        assert_eq!(send(&sims, bearer, message).await.0, 401);

        // A token for another API may not send.
        let jwt = assertion(key, &claims(&sims.fcm().token_uri(), "https://www.googleapis.com/auth/userinfo.email"));
        let body: Value = post_token(&sims.base_url(), &jwt).await.json().await.unwrap();
        let (status, body, _) =
            send(&sims, body["access_token"].as_str().unwrap(), json!({ "message": { "token": device } })).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
    }

    #[tokio::test]
    async fn invalid_messages_answer_invalid_argument() {
        let sims = start(SimOptions::default()).await.unwrap();
        let bearer = access_token(&sims).await;
        let device = sims.fcm().new_device();
        let big = "x".repeat(4100);
        let cases: Vec<(Value, bool, &str)> = vec![
            (json!({ "message": {} }), true, "Recipient of the message is not set."),
            (json!({ "message": { "token": device, "topic": "news" } }), false, "oneof field 'target' is already set"),
            (json!({ "message": { "token": "short" } }), true, "not a valid FCM registration token"),
            (
                json!({ "message": { "token": device, "data": { "n": 5 } } }),
                false,
                "'message.data[0].value' (TYPE_STRING)",
            ),
            (
                json!({ "message": { "token": device, "data": { "from": "x" } } }),
                true,
                "Invalid data payload key: from",
            ),
            (json!({ "message": { "token": device, "data": { "google.x": "x" } } }), true, "Invalid data payload key"),
            (json!({ "message": { "token": device, "data": { "k": big } } }), true, "Message is too big"),
            (json!({ "message": { "topic": "news", "data": { "k": "x".repeat(2100) } } }), true, "the limit is 2048"),
            (json!({ "message": { "token": device, "android": { "ttl": "2419201s" } } }), true, "ttl is out of range"),
            (json!({ "message": { "token": device, "android": { "ttl": "1 day" } } }), false, "protobuf.Duration"),
            (
                json!({ "message": { "token": device, "android": { "priority": "URGENT" } } }),
                false,
                "AndroidMessagePriority",
            ),
            (json!({ "message": { "token": device, "colour": "red" } }), false, "Unknown name \"colour\""),
            (json!({ "message": { "token": device }, "dry": true }), false, "Unknown name \"dry\""),
        ];
        for (body, fcm_error, needle) in cases {
            let (status, answer, _) = send(&sims, &bearer, body.clone()).await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(answer["error"]["status"], "INVALID_ARGUMENT");
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(message.contains(needle), "{message} should contain {needle}");
            assert_eq!(fcm_code(&answer), fcm_error.then_some("INVALID_ARGUMENT"), "{answer}");
        }
        let (_, answer, _) = send(&sims, &bearer, json!({ "message": { "token": "short" } })).await;
        assert_eq!(answer["error"]["details"][1]["fieldViolations"][0]["field"], "message.token");
        assert_eq!(
            send(&sims, &bearer, json!({ "message": { "token": device, "android": { "ttl": "2419200s" } } })).await.0,
            200
        );
        assert_eq!(sims.fcm().received_count(), 1);
    }

    #[tokio::test]
    async fn unknown_revoked_and_foreign_tokens_are_refused() {
        let sims = start(SimOptions::default()).await.unwrap();
        let bearer = access_token(&sims).await;
        let (status, body, _) = send(&sims, &bearer, json!({ "message": { "token": new_device_token() } })).await;
        assert_eq!((status, fcm_code(&body)), (404, Some("UNREGISTERED")));

        let device = sims.fcm().new_device();
        let res = reqwest::Client::new()
            .delete(format!("{}/_sim/fcm/devices/{device}", sims.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let (status, body, _) = send(&sims, &bearer, json!({ "message": { "token": device } })).await;
        assert_eq!((status, fcm_code(&body)), (404, Some("UNREGISTERED")));
        let (status, _, _) =
            send(&sims, &bearer, json!({ "validate_only": true, "message": { "token": device } })).await;
        assert_eq!(status, 404, "a dry run checks the token too");

        let foreign = new_device_token();
        sims.fcm().register_device_in(&foreign, "another-project");
        let (status, body, _) = send(&sims, &bearer, json!({ "message": { "token": foreign } })).await;
        assert_eq!((status, fcm_code(&body)), (403, Some("SENDER_ID_MISMATCH")));

        let res = reqwest::Client::new()
            .post(format!("{}/v1/projects/another-project/messages:send", sims.base_url()))
            .bearer_auth(&bearer)
            .json(&json!({ "message": { "topic": "news" } }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
    }

    #[tokio::test]
    async fn faults_answer_in_fcms_error_shape() {
        let sims = start(SimOptions::default()).await.unwrap();
        let bearer = access_token(&sims).await;
        let message = json!({ "message": { "topic": "news" } });

        sims.fcm().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(7), ..Faults::default() });
        let (status, body, headers) = send(&sims, &bearer, message.clone()).await;
        assert_eq!((status, fcm_code(&body)), (429, Some("QUOTA_EXCEEDED")));
        assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
        assert_eq!(headers[header::RETRY_AFTER], "7");
        // The OAuth endpoint is another service: FCM's faults leave it alone.
        let key = test_key().await.unwrap();
        assert_eq!(
            post_token(&sims.base_url(), &assertion(key, &claims(&sims.fcm().token_uri(), SCOPE_MESSAGING)))
                .await
                .status(),
            200
        );

        sims.fcm().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let (status, body, _) = send(&sims, &bearer, message.clone()).await;
        assert_eq!((status, fcm_code(&body)), (500, Some("INTERNAL")));

        let res = reqwest::Client::new()
            .put(format!("{}/_sim/fcm/faults", sims.base_url()))
            .json(&json!({ "down": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let (status, body, _) = send(&sims, &bearer, message.clone()).await;
        assert_eq!((status, fcm_code(&body)), (503, Some("UNAVAILABLE")));

        sims.fcm().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let client = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
        let res = client
            .post(format!("{}/v1/projects/{SANDBOX_PROJECT_ID}/messages:send", sims.base_url()))
            .bearer_auth(&bearer)
            .json(&message)
            .send()
            .await;
        assert!(res.unwrap_err().is_timeout());

        sims.fcm().set_faults(Faults::default());
        assert_eq!(send(&sims, &bearer, message).await.0, 200);
        assert_eq!(sims.fcm().send_requests(), 5);
        sims.shutdown().await;
    }

    #[test]
    fn durations_and_field_names_read_like_googles_json() {
        assert_eq!(parse_duration("3600s"), Some(3600.0));
        assert_eq!(parse_duration("0.5s"), Some(0.5));
        assert_eq!(parse_duration("3600"), None);
        assert_eq!(parse_duration("1.s"), None);
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(snake_case("collapseKey"), "collapse_key");
        assert_eq!(snake_case("validate_only"), "validate_only");
        assert!(is_token_shaped(&new_device_token()));
        assert!(!is_token_shaped("abc"));
        assert!(!is_token_shaped(&format!("{} ", new_device_token())));
    }
}
