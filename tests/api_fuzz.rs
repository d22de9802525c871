//! Property tests of the API's request handling through a real socket: random JSON shapes, random
//! bytes and mutations of valid bodies, sent to every POST route with a valid token and random
//! headers. Whatever arrives, the answer is never a server error, always JSON in the one error
//! shape (or a success), and the server keeps answering. `WASEL_FUZZ_CASES` sets the number of
//! cases per route (CI runs the default; `WASEL_FUZZ_CASES=5000` by hand).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use wasel_core::api::Role;
use wasel_server::api::{ROUTES, RateLimit};
use wasel_tests::{TEST_PASSWORD, databases, open, sign_in_as};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("0555001234"),
            Just("+966555001234"),
            Just("٠٥٥٥٠٠١٢٣٤"),
            Just("family@example.com"),
            Just("2026-12-05T09:00:00Z"),
            Just("")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("to".to_owned()),
                    Just("body".to_owned()),
                    Just("guardianId".to_owned()),
                    Just("sendAt".to_owned()),
                    Just("expiresAt".to_owned()),
                    Just("template".to_owned()),
                    Just("attachments".to_owned()),
                    Just("subject".to_owned()),
                    Just("language".to_owned()),
                    Just("urgent".to_owned()),
                    Just("username".to_owned()),
                    Just("refresh_token".to_owned()),
                    "[a-zA-Z_]{1,12}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
}

fn any_body() -> impl Strategy<Value = Body> {
    prop_oneof![
        4 => any_json().prop_map(Body::Json),
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Body::Bytes),
        1 => "\\PC{0,200}".prop_map(|s| Body::Bytes(s.into_bytes())),
    ]
}

#[test]
fn no_request_body_or_header_makes_the_api_fail_or_answer_outside_its_error_shape() {
    let cases: u32 = std::env::var("WASEL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(databases()).remove(0);
    let (url, token) = rt.block_on(async {
        let wasel = Arc::new(open(&db).await);
        sign_in_as(&wasel, "erp", &[Role::Admin]).await;
        let url = wasel_server::serve(
            wasel,
            "127.0.0.1:0",
            "https://hub.example.com",
            RateLimit { per_second: 100_000, burst: 100_000 },
        )
        .await
        .unwrap();
        let tokens: Value = reqwest::Client::new()
            .post(format!("{url}/api/auth/login"))
            .json(&json!({ "username": "erp", "password": TEST_PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (url, tokens["access_token"].as_str().unwrap().to_owned())
    });
    let http = reqwest::Client::new();
    let mut total = 0u32;
    let by_status = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u32>::new());
    for &(method, route) in ROUTES.iter().filter(|(m, _)| *m == "post") {
        let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
        let strategy = (
            any_body(),
            any::<bool>(),
            prop::option::of("\\PC{0,30}"),
            prop::option::of("[a-z-]{0,12}"),
            "[a-zA-Z0-9%.-]{1,20}",
        );
        let result = runner.run(&strategy, |(body, authorised, idempotency, lang, id)| {
            let path = route.replace("{id}", &id);
            let mut req = http.request(method.to_uppercase().parse().unwrap(), format!("{url}{path}"));
            if authorised {
                req = req.bearer_auth(&token);
            }
            if let Some(key) = idempotency.filter(|k| reqwest::header::HeaderValue::from_str(k).is_ok()) {
                req = req.header("Idempotency-Key", key);
            }
            if let Some(l) = lang {
                req = req.header("Accept-Language", l);
            }
            req = match body {
                Body::Json(v) => req.json(&v),
                Body::Bytes(b) => req.header("content-type", "application/json").body(b),
            };
            let (status, text) = rt.block_on(async {
                let r = req.send().await.expect("the server stopped answering");
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            });
            *by_status.borrow_mut().entry(status).or_default() += 1;
            prop_assert!(status < 500 || status == 501, "{method} {path}: {status} {text}");
            if status >= 400 && status != 404 || status == 404 && !text.is_empty() {
                let v: Value = serde_json::from_str(&text)
                    .map_err(|e| TestCaseError::fail(format!("{path}: not JSON ({e}): {text}")))?;
                prop_assert!(
                    v["code"].is_string() && v["message"].is_string() && v["params"].is_object(),
                    "{path}: {text}"
                );
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{route}: {e}");
        }
        total += cases;
    }
    let routes = ROUTES.iter().filter(|(m, _)| *m == "post").count();
    eprintln!("api fuzz: {total} requests over {routes} POST routes; statuses {:?}", by_status.borrow());
}
