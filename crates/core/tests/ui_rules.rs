//! The UI's in-memory fake backend (`ui/src/ipc/fake/rules.ts`) repeats a few of the core's rules so
//! that screens can be tested without Rust: phone and email normalisation, SMS segments, which
//! operator action is allowed from which status, and the outbox settings' checks. This test writes
//! what the core answers for a list of inputs to `ui/src/ipc/fake/rules.fixtures.json`, and fails
//! when the committed file differs; a vitest test runs the fake over the same file. So the two
//! cannot drift apart. `WASEL_UPDATE_FIXTURES=1 cargo test -p wasel-core --test ui_rules` rewrites
//! the file after a deliberate change of rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use wasel_core::domain::policy::QuietHours;
use wasel_core::domain::sms::segment_info;
use wasel_core::domain::{EmailAddress, MessageStatus, OperatorAction, OutboxSettings, PhoneE164};

const FIXTURES: &str = "../../ui/src/ipc/fake/rules.fixtures.json";

fn error(e: wasel_core::Error) -> Value {
    let p = e.payload();
    json!({ "code": p.code, "params": p.params })
}

fn phones() -> Value {
    let inputs = [
        "0551234567",
        "055 123 4567",
        "055-123-4567",
        "+966551234567",
        "00966551234567",
        "966551234567",
        "551234567",
        "٠٥٥١٢٣٤٥٦٧",
        "۰۵۵۱۲۳۴۵۶۷",
        "0112345678",
        "+966112345678",
        "12345",
        "05512345678",
        "0451234567",
        "+12025550123",
        "hello",
        "",
        "   ",
    ];
    Value::Array(
        inputs
            .iter()
            .map(|input| match PhoneE164::parse_mobile(input) {
                Ok(p) => json!({ "input": input, "e164": p.to_string(), "display": p.display(), "error": null }),
                Err(e) => json!({ "input": input, "e164": null, "display": null, "error": error(e.into()) }),
            })
            .collect(),
    )
}

fn sms() -> Value {
    let bodies = [
        String::new(),
        "Reminder: Lina's appointment is tomorrow at 09:30.".to_owned(),
        "a".repeat(160),
        "a".repeat(161),
        "a".repeat(306),
        "a".repeat(307),
        "{".repeat(80),
        "{".repeat(81),
        "Price: 10€ [cash] ~ ok^".to_owned(),
        "تذكير بموعد ريم غدًا الساعة 9:30".to_owned(),
        "ب".repeat(70),
        "ب".repeat(71),
        "ب".repeat(134),
        "ب".repeat(135),
        "See you 👋".to_owned(),
        "Ça va? Ñandú, ß, Ø, Å, Δ".to_owned(),
        "line one\nline two\r\n".to_owned(),
        "tab\tchar".to_owned(),
    ];
    Value::Array(
        bodies
            .iter()
            .map(|body| {
                let i = segment_info(body);
                json!({
                    "body": body,
                    "encoding": i.encoding.as_str(),
                    "units": i.units,
                    "segments": i.segments,
                    "remaining": i.remaining,
                })
            })
            .collect(),
    )
}

fn emails() -> Value {
    let inputs = [
        "noura.alharbi@example.com",
        " Guardian@Example.COM ",
        "first.last+tag@sub.example.sa",
        "guardian@localhost",
        "guardian",
        "guardian@",
        "@example.com",
        "a b@example.com",
        "two@@example.com",
        "",
    ];
    Value::Array(
        inputs
            .iter()
            .map(|input| match EmailAddress::parse(input) {
                Ok(a) => json!({ "input": input, "normalized": a.as_str(), "error": null }),
                Err(e) => json!({ "input": input, "normalized": null, "error": error(e) }),
            })
            .collect(),
    )
}

fn actions() -> Value {
    let actions = [OperatorAction::Cancel, OperatorAction::RetryNow, OperatorAction::Resend, OperatorAction::Dismiss];
    let mut out = Vec::new();
    for action in actions {
        for status in MessageStatus::ALL {
            let action_name = serde_json::to_value(action).unwrap();
            out.push(match action.effect(status) {
                Ok(e) => json!({ "action": action_name, "status": status.as_str(), "to": e.to.as_str(), "dueNow": e.due_now, "error": null }),
                Err(e) => json!({ "action": action_name, "status": status.as_str(), "to": null, "dueNow": null, "error": error(e) }),
            });
        }
    }
    Value::Array(out)
}

fn outbox() -> Value {
    let cases: [(u32, u32, u32, Option<&str>); 13] = [
        (5, 2, 600, None),
        (5, 2, 600, Some("21:00-08:00")),
        (5, 2, 600, Some(" 22:30 - 06:15 ")),
        (5, 2, 600, Some("")),
        (5, 2, 600, Some("late")),
        (5, 2, 600, Some("25:00-08:00")),
        (5, 2, 600, Some("21:00-21:00")),
        (1, 1, 1, None),
        (20, 30, 3600, None),
        (0, 2, 600, None),
        (21, 2, 600, None),
        (5, 0, 600, None),
        (5, 60, 30, None),
    ];
    Value::Array(
        cases
            .iter()
            .map(|(max_attempts, base, max, quiet)| {
                let input = OutboxSettings {
                    max_attempts: *max_attempts,
                    backoff_base_secs: *base,
                    backoff_max_secs: *max,
                    quiet_hours: quiet.map(str::to_owned),
                };
                let json_input = serde_json::to_value(&input).unwrap();
                match input.check() {
                    // As the settings screen gets them back: `HH:MM-HH:MM`.
                    Ok(q) => {
                        let shown = q
                            .and_then(QuietHours::parse)
                            .map(|h| format!("{}-{}", h.start.format("%H:%M"), h.end.format("%H:%M")));
                        json!({ "input": json_input, "quietHours": shown, "error": null })
                    }
                    Err(e) => json!({ "input": json_input, "quietHours": null, "error": error(e) }),
                }
            })
            .collect(),
    )
}

#[test]
fn the_fake_backends_rules_are_the_cores() {
    let fresh = json!({
        "_comment": "Written by crates/core/tests/ui_rules.rs from the core's own rules; do not edit by hand.",
        "phones": phones(),
        "sms": sms(),
        "emails": emails(),
        "actions": actions(),
        "outbox": outbox(),
    });
    let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    if std::env::var("WASEL_UPDATE_FIXTURES").as_deref() == Ok("1") {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "ui/src/ipc/fake/rules.fixtures.json is stale: run WASEL_UPDATE_FIXTURES=1 cargo test -p wasel-core --test ui_rules"
    );
}
