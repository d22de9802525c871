//! The HTTP API of `wasel serve`, on both databases, through a real socket: signing in for tokens,
//! sending with `Idempotency-Key`, who may call what, tokens that are expired, forged, for another
//! audience or without the scope, refresh rotation and revocation, the one error shape in both
//! languages, limits, and the OpenAPI document against the routes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wasel_core::Wasel;
use wasel_core::api::{Role, SYSTEM};
use wasel_core::secrets::{MemorySecrets, SecretStore};
use wasel_server::api::{ROUTES, RateLimit};
use wasel_tests::{TEST_PASSWORD, databases, open_with, sign_in_as};

struct Api {
    url: String,
    http: reqwest::Client,
    wasel: Arc<Wasel>,
    secrets: MemorySecrets,
}

async fn start(db: &wasel_tests::TestDb, limit: RateLimit) -> Api {
    let secrets = MemorySecrets::default();
    let wasel = Arc::new(open_with(db, Arc::new(secrets.clone())).await);
    let url = wasel_server::serve(Arc::clone(&wasel), "127.0.0.1:0", "https://hub.example.com", limit).await.unwrap();
    Api { url, http: reqwest::Client::new(), wasel, secrets }
}

impl Api {
    async fn user(&self, name: &str, roles: &[Role]) -> Value {
        sign_in_as(&self.wasel, name, roles).await;
        self.login(name, TEST_PASSWORD).await.1
    }

    async fn login(&self, name: &str, password: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}/api/auth/login", self.url))
            .json(&json!({ "username": name, "password": password }))
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method.to_uppercase().parse().unwrap(), format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    /// The key access tokens are signed with, to make tokens that differ in one claim only.
    fn signing_key(&self) -> Vec<u8> {
        let account = self.secrets.accounts().into_iter().find(|a| a.ends_with("/api/jwt_signing_key")).unwrap();
        let encoded = self.secrets.get(&account).unwrap().unwrap();
        base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()
    }
}

fn access(tokens: &Value) -> &str {
    tokens["access_token"].as_str().unwrap()
}

fn sms(body: &str) -> Value {
    json!({ "to": "0555 001 234", "body": body })
}

#[tokio::test]
async fn a_desk_system_signs_in_and_sends_once_per_idempotency_key() {
    for db in databases().await {
        let api = start(&db, RateLimit::default()).await;
        let tokens = api.user("erp", &[Role::Reception]).await;
        assert_eq!(tokens["token_type"], "Bearer");
        assert_eq!(tokens["expires_in"], 900);
        let send = |key: &'static str, body: Value| {
            let req = api
                .http
                .post(format!("{}/api/communication/send-sms", api.url))
                .bearer_auth(access(&tokens))
                .header("Idempotency-Key", key)
                .json(&body);
            async move { req.send().await.unwrap() }
        };
        let first = send("order-77-reminder", sms("موعدكم غدًا")).await;
        assert_eq!(first.status(), StatusCode::CREATED, "{}", db.name);
        let first: Value = first.json().await.unwrap();
        let again = send("order-77-reminder", sms("موعدكم غدًا")).await;
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["id"], first["id"], "the same key and body answered twice with two messages");
        let other = send("order-77-reminder", sms("نص آخر")).await;
        assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other.json::<Value>().await.unwrap()["code"], "idempotency.mismatch");
        let (_, list) = api.call("GET", "/api/communication/messages?limit=10", Some(access(&tokens)), None).await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{}", db.name);
        assert_eq!(list[0]["to"], "+966555001234");

        // Every other channel, with the path naming it.
        let (status, mail) = api
            .call(
                "POST",
                "/api/communication/send-email",
                Some(access(&tokens)),
                Some(json!({ "to": "family@example.com", "subject": "تذكير", "body": "موعدكم غدًا" })),
            )
            .await;
        assert_eq!((status, mail[0]["channel"].as_str()), (StatusCode::CREATED, Some("email")), "{mail}");
        let (status, call) = api
            .call("POST", "/api/communication/send-voice-call", Some(access(&tokens)), Some(sms("موعدكم غدًا")))
            .await;
        assert_eq!((status, call[0]["channel"].as_str()), (StatusCode::CREATED, Some("voice")));

        // An audit entry names the API as the origin.
        let trail = wasel_core::audit::for_entity(api.wasel.db(), "message", first["id"].as_str().unwrap()).await;
        assert_eq!(trail.unwrap()[0].origin, "api");
    }
}

#[tokio::test]
async fn errors_have_one_shape_in_the_language_asked_for() {
    for db in databases().await {
        let api = start(&db, RateLimit::default()).await;
        let tokens = api.user("erp", &[Role::Reception]).await;
        let bad = |lang: &'static str| {
            api.http
                .post(format!("{}/api/communication/send-sms", api.url))
                .bearer_auth(access(&tokens))
                .header("Accept-Language", lang)
                .json(&sms("x").as_object().map(|o| {
                    let mut o = o.clone();
                    o.insert("to".into(), json!("12"));
                    o
                }))
                .send()
        };
        let en: Value = bad("en-GB,en;q=0.9").await.unwrap().json().await.unwrap();
        let ar: Value = bad("ar-SA").await.unwrap().json().await.unwrap();
        assert_eq!(en["code"], "phone.invalid", "{}", db.name);
        assert_eq!(en["params"]["input"], "12");
        let arabic = |v: &Value| v["message"].as_str().unwrap().chars().any(|c| ('\u{600}'..='\u{6ff}').contains(&c));
        assert!(!arabic(&en) && en["message"].as_str().unwrap().contains("mobile"), "{en}");
        assert!(arabic(&ar), "{ar}");

        let (status, body) = api.call("GET", "/api/communication/nothing-here", Some(access(&tokens)), None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("api.not_found")));
        let raw = api
            .http
            .post(format!("{}/api/communication/send-sms", api.url))
            .bearer_auth(access(&tokens))
            .header("content-type", "application/json")
            .body("{\"to\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
        assert_eq!(raw.json::<Value>().await.unwrap()["code"], "api.bad_request");
        let huge = "ا".repeat(wasel_server::api::MAX_BODY_BYTES);
        let (status, body) =
            api.call("POST", "/api/communication/send-sms", Some(access(&tokens)), Some(sms(&huge))).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("api.body_too_large")));
        for query in ["limit=", "limit=0", "limit=501", "limit=-1", "limit=x", "status=lost", "channel=fax"] {
            let (status, body) =
                api.call("GET", &format!("/api/communication/messages?{query}"), Some(access(&tokens)), None).await;
            assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("api.bad_request")), "{query}");
        }
        let (status, body) = api.call("GET", "/api/integration/dashboard", Some(access(&tokens)), None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_IMPLEMENTED, Some("feature.not_built")));
        assert_eq!(body["params"]["feature"], "dashboard");
        // No CORS: a browser on another origin gets no permission.
        let preflight = api
            .http
            .request(reqwest::Method::OPTIONS, format!("{}/api/communication/send-sms", api.url))
            .header("Origin", "https://evil.example.com")
            .header("Access-Control-Request-Method", "POST")
            .send()
            .await
            .unwrap();
        assert!(preflight.headers().get("access-control-allow-origin").is_none());
    }
}

#[tokio::test]
async fn tokens_that_are_expired_forged_for_another_audience_or_without_the_scope_are_refused() {
    use jsonwebtoken::{EncodingKey, Header, encode};
    for db in databases().await {
        let api = start(&db, RateLimit::default()).await;
        let tokens = api.user("erp", &[Role::Reception]).await;
        let good = access(&tokens).to_owned();
        let payload = good.split('.').nth(1).unwrap();
        let base: Value =
            serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let key = api.signing_key();
        let sign = |c: &Value, k: &[u8]| encode(&Header::default(), c, &EncodingKey::from_secret(k)).unwrap();
        let now = chrono::Utc::now().timestamp();
        let mut expired = base.clone();
        expired["exp"] = json!(now - 60);
        let mut other_audience = base.clone();
        other_audience["aud"] = json!("another-service");
        let mut no_scope = base.clone();
        no_scope["scope"] = json!("message.view");
        let cases = [
            (sign(&expired, &key), StatusCode::UNAUTHORIZED, "auth.token_expired"),
            (sign(&base, b"a key an attacker guessed, 32 bytes"), StatusCode::UNAUTHORIZED, "auth.token_invalid"),
            (sign(&other_audience, &key), StatusCode::UNAUTHORIZED, "auth.token_invalid"),
            (sign(&no_scope, &key), StatusCode::FORBIDDEN, "auth.forbidden"),
            ("not.a.token".to_owned(), StatusCode::UNAUTHORIZED, "auth.token_invalid"),
        ];
        for (token, status, code) in cases {
            let (got, body) = api.call("POST", "/api/communication/send-sms", Some(&token), Some(sms("x"))).await;
            assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{} {}", db.name, code);
        }
        let (got, body) = api.call("POST", "/api/communication/send-sms", None, Some(sms("x"))).await;
        assert_eq!((got, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.required")));
        // The good one still works, and a scope cannot widen what the roles allow.
        let (got, _) = api.call("POST", "/api/communication/send-sms", Some(&good), Some(sms("x"))).await;
        assert_eq!(got, StatusCode::CREATED);
        let mut wider = base.clone();
        wider["scope"] = json!("message.send user.manage audit.view");
        let (got, _) = api.call("GET", "/api/communication/messages", Some(&sign(&wider, &key)), None).await;
        assert_eq!(got, StatusCode::FORBIDDEN, "message.view was not in the scope");
    }
}

#[tokio::test]
async fn refresh_tokens_rotate_and_signing_out_or_disabling_stops_the_access_token_at_once() {
    for db in databases().await {
        let api = start(&db, RateLimit::default()).await;
        let first = api.user("erp", &[Role::Reception]).await;
        let refresh = |t: &Value| json!({ "refresh_token": t["refresh_token"] });
        let (status, second) = api.call("POST", "/api/auth/refresh", None, Some(refresh(&first))).await;
        assert_eq!(status, StatusCode::OK, "{}", db.name);
        assert_ne!(second["refresh_token"], first["refresh_token"]);
        // The old access token's session was rotated away.
        let (status, _) = api.call("GET", "/api/communication/messages", Some(access(&first)), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = api.call("GET", "/api/communication/messages", Some(access(&second)), None).await;
        assert_eq!(status, StatusCode::OK);
        // The first refresh token used again: it was copied, so every session of the user ends.
        let (status, _) = api.call("POST", "/api/auth/refresh", None, Some(refresh(&first))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = api.call("GET", "/api/communication/messages", Some(access(&second)), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "a reused refresh token left the new pair alive");

        let (_, third) = api.login("erp", TEST_PASSWORD).await;
        let (status, _) = api.call("POST", "/api/auth/logout", None, Some(refresh(&third))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = api.call("GET", "/api/communication/messages", Some(access(&third)), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let (_, fourth) = api.login("erp", TEST_PASSWORD).await;
        let users = api.wasel.users(&SYSTEM).list_users().await.unwrap();
        let erp = users.iter().find(|u| u.username == "erp").unwrap();
        api.wasel.users(&SYSTEM).set_disabled(&erp.id, true).await.unwrap();
        let (status, body) = api.call("GET", "/api/communication/messages", Some(access(&fourth)), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let (status, body) = api.login("erp", TEST_PASSWORD).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.account_disabled")));
        let (status, body) = api.login("erp", "Wrong-Pass-123").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.invalid_credentials")));
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_table_says() {
    for db in databases().await {
        let api = start(&db, RateLimit::default()).await;
        let mut tokens = Vec::new();
        for role in Role::ALL {
            tokens.push((role, api.user(role.as_str(), &[role]).await));
        }
        let body = |path: &str| match path {
            "/api/auth/login" => Some(json!({ "username": "nobody", "password": "Wrong-Pass-123" })),
            "/api/auth/refresh" | "/api/auth/logout" => Some(json!({ "refresh_token": "wss_unknown" })),
            _ => Some(sms("موعدكم")),
        };
        let missing = uuid::Uuid::now_v7().to_string();
        for &(method, route) in ROUTES {
            let path = route.replace("{id}", &missing);
            let (anonymous, _) = api.call(method, &path, None, body(route)).await;
            if route.starts_with("/api/auth/") {
                assert_eq!(
                    anonymous,
                    if route == "/api/auth/logout" { StatusCode::NO_CONTENT } else { StatusCode::UNAUTHORIZED },
                    "{route}"
                );
                continue;
            }
            assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{method} {route} without a token ({})", db.name);
            for (role, t) in &tokens {
                let (status, answer) = api.call(method, &path, Some(access(t)), body(route)).await;
                let needs = match route {
                    "/api/communication/send-sms"
                    | "/api/communication/send-email"
                    | "/api/communication/send-whatsapp"
                    | "/api/communication/send-push"
                    | "/api/communication/send-voice-call" => Some(wasel_core::api::Operation::SendMessage),
                    "/api/communication/retry-message/{id}" => Some(wasel_core::api::Operation::ViewMessages),
                    "/api/communication/messages" => Some(wasel_core::api::Operation::ViewMessages),
                    _ => None,
                };
                match needs {
                    Some(op) if !op.roles().contains(role) => {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{} {method} {route}: {answer}", role.as_str())
                    }
                    Some(_) => assert!(
                        status.is_success()
                            || status == StatusCode::UNPROCESSABLE_ENTITY
                            || status == StatusCode::NOT_FOUND,
                        "{} {method} {route}: {status} {answer}",
                        role.as_str()
                    ),
                    None => assert!(
                        matches!(status, StatusCode::NOT_IMPLEMENTED | StatusCode::OK | StatusCode::FORBIDDEN),
                        "{} {method} {route}: {status} {answer}",
                        role.as_str()
                    ),
                }
            }
        }
    }
}

#[tokio::test]
async fn a_client_over_its_rate_is_told_when_to_come_back() {
    let db = databases().await.remove(0);
    let api = start(&db, RateLimit { per_second: 1, burst: 3 }).await;
    let tokens = api.user("erp", &[Role::Reception]).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let r = api
            .http
            .get(format!("{}/api/communication/messages", api.url))
            .bearer_auth(access(&tokens))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(r.json::<Value>().await.unwrap()["code"], "api.rate_limited");
        }
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert!(retry_after.is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_only_those() {
    let db = databases().await.remove(0);
    let api = start(&db, RateLimit::default()).await;
    let (status, doc) = api.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let routed: std::collections::BTreeSet<(String, String)> =
        ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(documented, routed, "the OpenAPI document and the routes differ");
    // Each listed route is really routed (not the 404 fallback, not 405).
    for &(method, route) in ROUTES {
        let method_ = method.to_uppercase().parse().unwrap();
        let r = api.http.request(method_, format!("{}{}", api.url, route.replace("{id}", "x"))).send();
        let status = r.await.unwrap().status();
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {route}: {status}"
        );
    }
    let not_built = doc["paths"]["/api/integration/dashboard"]["get"]["responses"]["501"].clone();
    assert!(not_built.is_object(), "a route not built yet says so in the document");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // The message list's filters are query parameters (Schemathesis found them declared in the path).
    let params = doc["paths"]["/api/communication/messages"]["get"]["parameters"].as_array().unwrap();
    assert!(params.iter().all(|p| p["in"] == "query"), "{params:?}");
}
