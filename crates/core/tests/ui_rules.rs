//! The UI's in-memory fake backend (`ui/src/ipc/fake/rules.ts`, `access.ts`, `policy.ts`) repeats a
//! few of the core's rules so that screens can be tested without Rust: phone and email
//! normalisation, SMS segments, which operator action is allowed from which status, the outbox and
//! security settings' checks, who may do what, the username and password policy, and how names
//! are folded for search (`contacts.ts`). This test writes
//! what the core answers for a list of inputs to `ui/src/ipc/fake/rules.fixtures.json`, and fails
//! when the committed file differs; a vitest test runs the fake over the same file. So the two
//! cannot drift apart. `WASEL_UPDATE_FIXTURES=1 cargo test -p wasel-core --test ui_rules` rewrites
//! the file after a deliberate change of rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use wasel_core::domain::policy::QuietHours;
use wasel_core::domain::sms::segment_info;
use wasel_core::domain::{EmailAddress, MessageStatus, OperatorAction, OutboxSettings, PhoneE164};

/// Phone numbers as desks type them: every Saudi form, separators, digits in three scripts, every
/// mobile prefix, landlines and service numbers, and garbage.
const PHONES: &[&str] = &[
    // Every way a desk writes the same mobile.
    "0551234567",
    "+966551234567",
    "00966551234567",
    "966551234567",
    "551234567",
    "055 123 4567",
    "+966 55 123 4567",
    "(055) 123-4567",
    "055.123.4567",
    "  0551234567  ",
    "\u{200f}0551234567\u{200e}",
    "055\u{a0}123\u{a0}4567",
    "٠٥٥١٢٣٤٥٦٧",
    "+٩٦٦٥٥١٢٣٤٥٦٧",
    "۰۵۵۱۲۳۴۵۶۷",
    // Other Saudi mobile ranges, and the gaps between them.
    "0501234567",
    "0531234567",
    "0561234567",
    "0571234567",
    "0581234567",
    "0591234567",
    "0579012345",
    "0579912345",
    "0521234567",
    "0541234567",
    "0511234567",
    // Landlines, toll-free and shared-cost numbers: valid, but no SMS or WhatsApp.
    "0112345678",
    "+966112345678",
    "0122345678",
    "0138345678",
    "112345678",
    "8001234567",
    "920012345",
    // Wrong lengths and garbage.
    "",
    "   ",
    "12345",
    "05512345",
    "055123456789",
    "+9665512345678",
    "9660551234567",
    "05512345abc",
    "055+1234567",
    "++966551234567",
    "0551234567#",
    "+971501234567",
    "\t0551234567",
    "055\t1234567",
    "phone",
];

/// Email addresses, good and bad, as lettre reads them.
const EMAILS: &[&str] = &[
    "guardian@example.com",
    " Guardian@Example.COM ",
    "noura.alotaibi@example.com",
    "first+tag@sub.example.sa",
    "o'brien@example.ie",
    "نورة@مثال.السعودية",
    "user@xn--mgbh0fb.xn--mgberp4a5d4ar",
    "",
    "   ",
    "plain",
    "@example.com",
    "user@",
    "user@localhost",
    "user@@example.com",
    "a@b@example.com",
    "user name@example.com",
    "user@exa mple.com",
    ".user@example.com",
    "user.@example.com",
    "us..er@example.com",
    "user@.example.com",
    "user@example..com",
    "user@-example.com",
    "user@example-.com",
    "user@exa_mple.com",
    "user,name@example.com",
    "user@example.com.",
    "user(comment)@example.com",
];

const FIXTURES: &str = "../../ui/src/ipc/fake/rules.fixtures.json";

fn error(e: wasel_core::Error) -> Value {
    let p = e.payload();
    json!({ "code": p.code, "params": p.params })
}

fn phones() -> Value {
    let inputs = PHONES;
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
        "a".repeat(160).to_owned(),
        "a".repeat(161).to_owned(),
        "a".repeat(306).to_owned(),
        "a".repeat(307).to_owned(),
        format!("{}€", "a".repeat(159)).to_owned(),
        format!("{}€", "a".repeat(158)).to_owned(),
        "م".repeat(70).to_owned(),
        "م".repeat(71).to_owned(),
        "م".repeat(134).to_owned(),
        "م".repeat(135).to_owned(),
        "😀".repeat(35).to_owned(),
        "😀".repeat(36).to_owned(),
        format!("{}😀", "م".repeat(69)).to_owned(),
        "a".repeat(1600).to_owned(),
        "".to_owned(),
        "a".to_owned(),
        "€{}[]~|^\\".to_owned(),
        "Ça coûte 5 € — non".to_owned(),
        "Ça va? Ñoño ΔΦΓ £$¥ èéùìò".to_owned(),
        "line one\nline two\r\nline three".to_owned(),
        "a\u{c}b".to_owned(),
        "a\u{1b}b".to_owned(),
        "a\tb".to_owned(),
        "تذكير: موعد جلسة العلاج الطبيعي لريم غدًا الساعة 9:30 صباحًا.".to_owned(),
        "موعدكم ١٠:٣٠".to_owned(),
        "😀".to_owned(),
        "Adam’s session".to_owned(),
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
    let inputs = EMAILS;
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

/// Who may do what: every operation and the roles allowed it.
fn roles() -> Value {
    use wasel_core::domain::Operation;
    Value::Object(
        Operation::ALL
            .iter()
            .map(|op| (op.as_str().to_owned(), json!(op.roles().iter().map(|r| r.as_str()).collect::<Vec<_>>())))
            .collect(),
    )
}

/// The password policy: passwords as people pick them, against a username.
fn passwords() -> Value {
    use wasel_core::domain::NewPassword;
    let cases = [
        ("", "sara"),
        ("short1", "sara"),
        ("onlyletterslong", "sara"),
        ("1234567890123", "sara"),
        ("aaaaaaaaa1", "sara"),
        ("aabbaabb11", "sara"),
        ("Password123", "sara"),
        ("WELCOME123", "sara"),
        ("sara-2026-desk", "Sara"),
        ("my-SARA-pass-1", " sara "),
        ("ab-2026-desk-x", "ab"),
        ("Blue-Harbour-47", "sara"),
        ("حديقة-الورد-٢٠٢٦", "sara"),
        ("حديقة الورد ٢٠٢٦", "سارة"),
        ("سارة-حديقة-٢٠٢٦", "سارة"),
        ("pass word 12345", "sara"),
        ("          ", "sara"),
    ];
    let long_ok = "a1".repeat(64);
    let too_long = "a1".repeat(65);
    let mut out: Vec<Value> = cases
        .iter()
        .map(|(p, u)| (p.to_string(), u.to_string()))
        .chain([(long_ok, "sara".to_owned()), (too_long, "sara".to_owned())])
        .map(|(p, u)| {
            let e = NewPassword::parse(&p, &u).err().map(error);
            json!({ "password": p, "username": u, "error": e })
        })
        .collect();
    out.sort_by_key(|v| v["password"].as_str().map(str::len));
    Value::Array(out)
}

fn usernames() -> Value {
    use wasel_core::domain::password::check_username;
    let inputs = [
        "sara",
        " sara.a ",
        "Sara_A-1",
        "ab",
        "abc",
        "a b",
        "سارة",
        "سارة_١",
        "name@desk",
        "",
        &"x".repeat(41),
        &"x".repeat(40),
    ];
    Value::Array(
        inputs
            .iter()
            .map(|input| match check_username(input) {
                Ok(n) => json!({ "input": input, "name": n, "error": null }),
                Err(e) => json!({ "input": input, "name": null, "error": error(e) }),
            })
            .collect(),
    )
}

fn security() -> Value {
    use wasel_core::domain::SecuritySettings;
    let cases = [
        (10, 5, 15, 12),
        (1, 3, 1, 1),
        (240, 20, 1440, 24),
        (0, 5, 15, 12),
        (241, 5, 15, 12),
        (10, 2, 15, 12),
        (10, 21, 15, 12),
        (10, 5, 0, 12),
        (10, 5, 1441, 12),
        (10, 5, 15, 0),
        (10, 5, 15, 25),
    ];
    Value::Array(
        cases
            .iter()
            .map(|(idle, max, lockout, hours)| {
                let s = SecuritySettings {
                    idle_lock_minutes: *idle,
                    max_failed_logins: *max,
                    lockout_minutes: *lockout,
                    session_hours: *hours,
                };
                json!({ "input": serde_json::to_value(s).unwrap(), "error": s.check().err().map(error) })
            })
            .collect(),
    )
}

/// Names folded for search, and the words stored for them.
fn folds() -> Value {
    use wasel_core::domain::search::{fold, terms};
    let inputs = [
        "أحمد",
        "إحمد",
        "آحمد",
        "أَحْمَد",
        "أحـــمد",
        "\u{200f}أحمد\u{200e}",
        "مُنى",
        "فاطمة",
        "هيئة",
        "مؤمن",
        "  Sara   AL-Otaibi ",
        "ملف ١٢٣٤",
        "۱۲",
        "نورة الشهري",
        "Sara Sara",
        "ال",
        "  -- ",
        "Café",
        "cafe\u{301}",
        "عبدالله آل سعيد",
        "F-2001",
        "ٱلرحمن",
    ];
    Value::Array(inputs.iter().map(|i| json!({ "input": i, "fold": fold(i), "terms": terms(i) })).collect())
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
        "roles": roles(),
        "passwords": passwords(),
        "usernames": usernames(),
        "security": security(),
        "folds": folds(),
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
