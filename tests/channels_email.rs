//! Email over SMTP against the sink in `wasel-sim`: an Arabic reminder with its PDF reaches the
//! guardian intact, and each way a relay can say no reaches the outbox as the right error class with
//! the relay's own code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::AsyncWriteExt;
use wasel_core::domain::{Attachment, Content, MessageStatus};
use wasel_core::providers::email::smtp::{self, SmtpConfig, SmtpEmail};
use wasel_core::providers::{Accepted, ErrorClass, Outgoing, Provider, ProviderError};
use wasel_sim::{Faults, SimOptions, Simulators};

const GUARDIAN: &str = "guardian@example.com";
const SUBJECT: &str = "تذكير: موعد دواء سارة";
const CENTRE: &str = "حضانة الورود";
const PARENT: &str = "أم سارة";

/// A small but real PDF, with bytes that are not text.
fn pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    pdf.extend_from_slice(b"1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    pdf.extend((0u8..=255).cycle().take(3000));
    pdf.extend_from_slice(b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    pdf
}

fn reminder(attachments: Vec<Attachment>) -> Content {
    Content::Email {
        subject: SUBJECT.to_owned(),
        html: Some("<p dir=\"rtl\">موعد الدواء الساعة <b>١٠:٠٠</b></p>".to_owned()),
        to_name: Some(PARENT.to_owned()),
        attachments,
    }
}

fn report_pdf() -> Attachment {
    Attachment {
        filename: "تقرير سارة.pdf".to_owned(),
        content_type: "application/pdf".to_owned(),
        data_base64: BASE64.encode(pdf()),
    }
}

fn config(sims: &Simulators) -> SmtpConfig {
    SmtpConfig { from_name: Some(CENTRE.to_owned()), ..wasel_sandbox::smtp_config(sims.smtp_addr()) }
}

fn adapter(config: SmtpConfig) -> SmtpEmail {
    SmtpEmail::new(config).unwrap()
}

async fn send(p: &SmtpEmail, to: &str, content: &Content, reference: &str) -> Result<Accepted, ProviderError> {
    p.send(Outgoing {
        to, body: "موعد الدواء الساعة ١٠:٠٠", content, reference, idempotency_key: reference
    })
    .await
}

async fn sims() -> Simulators {
    wasel_sim::start(SimOptions::default()).await.unwrap()
}

#[tokio::test]
async fn an_arabic_reminder_with_html_and_a_pdf_arrives_intact_in_the_sink() {
    let sims = sims().await;
    let email = adapter(config(&sims));
    let reference = "0190c3b2-7f00-7000-8000-000000000001";
    let accepted = send(&email, GUARDIAN, &reminder(vec![report_pdf()]), reference).await.unwrap();
    assert_eq!((accepted.provider, accepted.status, accepted.http_status), ("smtp", MessageStatus::Sent, 250));

    let inbox = sims.smtp().messages();
    assert_eq!(inbox.len(), 1);
    let m = &inbox[0];
    assert_eq!(accepted.provider_message_id, format!("<{reference}@example.com> queued as {}", m.id));
    assert_eq!(m.message_id.as_deref(), Some(format!("{reference}@example.com").as_str()));
    assert_eq!(m.envelope_from, "noreply@example.com");
    assert_eq!(m.envelope_to, vec![GUARDIAN]);
    assert_eq!(m.auth_user.as_deref(), Some(wasel_sim::smtp::SANDBOX_USERNAME));
    assert_eq!(m.subject.as_deref(), Some(SUBJECT));
    let from = m.from.as_ref().unwrap();
    assert_eq!((from.name.as_deref(), from.address.as_deref()), (Some(CENTRE), Some("noreply@example.com")));
    assert_eq!((m.to[0].name.as_deref(), m.to[0].address.as_deref()), (Some(PARENT), Some(GUARDIAN)));
    assert_eq!(m.text.as_deref().map(str::trim_end), Some("موعد الدواء الساعة ١٠:٠٠"));
    assert_eq!(m.html.as_deref().map(str::trim_end), Some("<p dir=\"rtl\">موعد الدواء الساعة <b>١٠:٠٠</b></p>"));
    assert_eq!(m.attachments.len(), 1);
    let a = &m.attachments[0];
    assert_eq!(a.filename.as_deref(), Some("تقرير سارة.pdf"));
    assert_eq!(a.content_type, "application/pdf");
    assert_eq!(BASE64.decode(&a.data_base64).unwrap(), pdf(), "the PDF arrived byte for byte");

    // The raw message: Arabic headers travel encoded, never as raw UTF-8.
    let raw = String::from_utf8(sims.smtp().raw_message(&m.id).unwrap()).unwrap();
    let headers = raw.split("\r\n\r\n").next().unwrap();
    assert!(headers.is_ascii(), "{headers}");
    assert!(headers.contains("=?utf-8?b?") || headers.contains("=?UTF-8?B?"), "{headers}");
}

#[tokio::test]
async fn a_retry_of_the_same_message_carries_the_same_message_id() {
    let sims = sims().await;
    let email = adapter(config(&sims));
    let plain = Content::Email { subject: "Pickup".into(), html: None, to_name: None, attachments: vec![] };
    let first = send(&email, GUARDIAN, &plain, "ref-42").await.unwrap();
    // The connection goes back to the pool in a task of its own.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let again = send(&email, GUARDIAN, &plain, "ref-42").await.unwrap();
    assert_ne!(first.provider_message_id, again.provider_message_id, "the relay queued it twice");
    let ids: Vec<_> = sims.smtp().messages().into_iter().map(|m| m.message_id).collect();
    assert_eq!(ids, vec![Some("ref-42@example.com".to_owned()); 2]);
    let m = &sims.smtp().messages()[0];
    assert_eq!((m.html.as_deref(), m.attachments.len()), (None, 0), "text only");
    assert_eq!(sims.smtp().connections(), 1, "the second send reused the pooled connection");
}

#[tokio::test]
async fn check_signs_in_and_says_where() {
    let sims = sims().await;
    let detail = adapter(config(&sims)).check().await.unwrap();
    assert!(detail.contains(&sims.smtp_addr().port().to_string()), "{detail}");
    assert!(detail.contains("signed in as sandbox@example.com"), "{detail}");
}

#[tokio::test]
async fn bad_credentials_are_auth_failed_with_5_7_8() {
    let sims = sims().await;
    let email = adapter(SmtpConfig { password: Some("wrong".into()), ..config(&sims) });
    let e = send(&email, GUARDIAN, &reminder(vec![]), "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::AuthFailed { http_status: 535, .. }), "{e:?}");
    assert_eq!(e.provider_code(), Some("5.7.8"));
    assert_eq!(e.class(), ErrorClass::Permanent);
    let e = email.check().await.unwrap_err();
    assert_eq!(e.code(), "provider.auth_failed");

    // No credentials at all: the relay wants them at MAIL.
    let email = adapter(SmtpConfig { username: None, password: None, ..config(&sims) });
    let e = send(&email, GUARDIAN, &reminder(vec![]), "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::AuthFailed { http_status: 530, .. }), "{e:?}");
    assert!(sims.smtp().messages().is_empty());
}

#[tokio::test]
async fn a_mailbox_that_does_not_exist_is_unreachable_with_5_1_1() {
    let sims = sims().await;
    sims.smtp().script("bounce@example.com", "550 5.1.1 mailbox unavailable").unwrap();
    sims.smtp().opt_out("gone@example.com");
    let email = adapter(config(&sims));
    for to in ["bounce@example.com", "gone@example.com"] {
        let e = send(&email, to, &reminder(vec![]), "ref-1").await.unwrap_err();
        assert!(matches!(e, ProviderError::Unreachable { http_status: Some(550), .. }), "{to}: {e:?}");
        assert_eq!(e.provider_code(), Some("5.1.1"));
        assert_eq!(e.class(), ErrorClass::Permanent);
    }
    // An address no relay would take never leaves.
    let e = send(&email, "not an address", &reminder(vec![]), "ref-1").await.unwrap_err();
    assert_eq!((e.code(), e.provider_code()), ("recipient.bad_address", Some("5.1.3")));
    assert_eq!(sims.smtp().data_commands(), 0);
    // The relay recovers from refused recipients: the next message goes.
    send(&email, GUARDIAN, &reminder(vec![]), "ref-2").await.unwrap();
}

#[tokio::test]
async fn a_relay_that_is_down_or_busy_is_unavailable_and_a_slow_down_is_a_rate_limit() {
    let sims = sims().await;
    let email = adapter(config(&sims));
    let content = reminder(vec![]);

    sims.smtp().set_faults(Faults { down: true, ..Faults::default() });
    let e = send(&email, GUARDIAN, &content, "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { http_status: Some(421), .. }), "{e:?}");
    assert_eq!((e.provider_code(), e.class()), (Some("4.3.2"), ErrorClass::Failover));

    sims.smtp().set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(30), ..Faults::default() });
    let e = send(&email, GUARDIAN, &content, "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::RateLimited { http_status: 421, .. }), "{e:?}");
    assert_eq!((e.provider_code(), e.retry_after()), (Some("4.7.0"), Some(Duration::from_secs(30))));
    assert_eq!(e.class(), ErrorClass::Retryable);

    sims.smtp().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let e = send(&email, GUARDIAN, &content, "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { http_status: Some(451), .. }), "{e:?}");
    assert_eq!(e.provider_code(), Some("4.3.0"));

    sims.smtp().set_faults(Faults::default());
    sims.smtp().script("full@example.com", "452 4.2.2 Mailbox full").unwrap();
    let e = send(&email, "full@example.com", &content, "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { http_status: Some(452), .. }), "{e:?}");
    assert_eq!(e.provider_code(), Some("4.2.2"));

    sims.smtp().script("closing@example.com", "421 4.7.0 Try again later").unwrap();
    let e = send(&email, "closing@example.com", &content, "ref-1").await.unwrap_err();
    assert_eq!(e.code(), "provider.rate_limited");
    assert!(sims.smtp().messages().is_empty());
}

#[tokio::test]
async fn a_message_over_the_relay_size_limit_is_content_invalid() {
    let opts = SimOptions {
        smtp: wasel_sim::smtp::SmtpOptions { max_size: 2_000, ..Default::default() },
        ..SimOptions::default()
    };
    let sims = wasel_sim::start(opts).await.unwrap();
    let email = adapter(config(&sims));
    let e = send(&email, GUARDIAN, &reminder(vec![report_pdf()]), "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::ContentInvalid { http_status: Some(552), .. }), "{e:?}");
    assert_eq!((e.provider_code(), e.class()), (Some("5.3.4"), ErrorClass::Permanent));

    let broken = Attachment { data_base64: "not base64!".into(), ..report_pdf() };
    let e = send(&email, GUARDIAN, &reminder(vec![broken]), "ref-1").await.unwrap_err();
    assert_eq!(e.code(), "provider.content_invalid");
    let e = send(&email, GUARDIAN, &Content::Sms, "ref-1").await.unwrap_err();
    assert_eq!(e.code(), "provider.content_invalid");
}

#[tokio::test]
async fn a_relay_that_never_answers_times_out_and_the_retry_is_recognisable() {
    let sims = sims().await;
    let email = adapter(SmtpConfig { timeout: Duration::from_millis(500), ..config(&sims) });
    let content = reminder(vec![]);
    // Warm the pool, so the hung connection is one that would otherwise be reused.
    send(&email, GUARDIAN, &content, "ref-0").await.unwrap();

    sims.smtp().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
    let started = std::time::Instant::now();
    let e = send(&email, GUARDIAN, &content, "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::Timeout), "{e:?}");
    assert_eq!(e.class(), ErrorClass::Retryable);
    assert!(started.elapsed() < Duration::from_secs(3));

    // The relay kept it although it never said so; the retry carries the same Message-ID.
    sims.smtp().set_faults(Faults::default());
    send(&email, GUARDIAN, &content, "ref-1").await.unwrap();
    let ids: Vec<_> = sims.smtp().messages().into_iter().filter_map(|m| m.message_id).collect();
    assert_eq!(ids, ["ref-0@example.com", "ref-1@example.com", "ref-1@example.com"]);
}

#[tokio::test]
async fn a_server_answering_garbage_is_a_bad_response() {
    // One answers like a web server, the other greets properly and then talks nonsense; both hang up
    // after a moment, as such servers do.
    for script in [&b"HTTP/1.1 400 Bad Request\r\n\r\n"[..], b"220 mail.example.com ESMTP\r\nhello?\r\n"] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.write_all(script).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
                drop(stream);
            }
        });
        let email = adapter(SmtpConfig { timeout: Duration::from_secs(1), ..wasel_sandbox::smtp_config(addr) });
        let e = send(&email, GUARDIAN, &reminder(vec![]), "ref-1").await.unwrap_err();
        assert!(matches!(e, ProviderError::BadResponse { .. }), "{e:?}");
        assert_eq!(e.class(), ErrorClass::Retryable);
    }
}

#[tokio::test]
async fn nothing_listening_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let email = adapter(wasel_sandbox::smtp_config(addr));
    let e = send(&email, GUARDIAN, &reminder(vec![]), "ref-1").await.unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { http_status: None, .. }), "{e:?}");
    assert_eq!(e.class(), ErrorClass::Failover);
    assert_eq!(email.check().await.unwrap_err().code(), "provider.unavailable");
}

#[test]
fn replies_and_bounce_actions_are_read_once() {
    let e = smtp::classify_reply(550, "5.1.1 <x@example.com>: Recipient address rejected");
    assert_eq!((e.code(), e.provider_code()), ("recipient.no_mailbox", Some("5.1.1")));
    assert_eq!(smtp::classify_reply(535, "5.7.8 Error: authentication failed").code(), "provider.auth_failed");
    assert_eq!(smtp::classify_reply(552, "5.3.4 Error: message file too big").code(), "provider.content_invalid");
    assert_eq!(smtp::classify_reply(554, "5.7.1 rejected as spam").code(), "provider.rejected");
    assert_eq!(smtp::map_status("failed"), Some(MessageStatus::Failed));
    assert_eq!(smtp::map_status("delivered"), Some(MessageStatus::Delivered));
    assert_eq!(smtp::map_status("delayed"), None);
}
