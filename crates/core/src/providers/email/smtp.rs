//! Email over SMTP submission (RFC 5321 + AUTH) with lettre: one pooled transport per configured
//! relay, a text part with an optional HTML alternative, attachments, and a stable `Message-ID`.
//!
//! SMTP answers while the message is handed over and never after: a `250` after the final dot is
//! "accepted for delivery", so a message it took is `sent` and stays so (later bounces come back as
//! email to the envelope sender, which Wasel does not read). There is no poll and no callback, and
//! after a crash the relay cannot be asked (`find_sent` is unsupported). What is ours to choose:
//!
//! | question | choice |
//! |---|---|
//! | `provider_message_id` | our `Message-ID` (`<{reference}@{from domain}>`, the same on every retry, so a duplicate after a lost `250` is recognisable), then ` queued as <ID>` when the relay names its queue id |
//! | `http_status` fields | the SMTP reply code (250, 550, 421, …) stands in for the HTTP status |
//! | `provider_code` | the enhanced status code (`5.1.1`) when the reply has one, else the reply code |
//! | `530`/`535`/`5.7.8` | `AuthFailed` |
//! | `5.1.x`, `5.2.1`, `5.2.2`, `550` without an enhanced code, `551`, `553` | `Unreachable` with the recipient's problem: no such mailbox (5.1.1, 5.2.1, 550, 551, 553), no mail server for the domain (5.1.2, 5.1.10), mailbox full (5.2.2), an address the relay cannot take (5.1.3) |
//! | `552`, `5.3.4`, `5.6.x` | `ContentInvalid` (too big, bad content) |
//! | other `5xx` | `Rejected` with the reply text |
//! | `4.7.x` (but `454`, a temporary auth failure), or a rate text | `RateLimited`, with the wait read from `retry after N seconds` when given |
//! | other `4xx`, connection refused or reset | `Unavailable` (the next provider may take it) |
//! | no answer within `timeout` | `Timeout`; the pool is dropped, since its connection is mid-transaction |
//! | unreadable replies | `BadResponse` |

use crate::error::Recipient;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::domain::{Attachment, Channel, Content, MessageStatus};
use crate::error::Error;
use crate::providers::{Accepted, BoxFuture, Found, Lookup, Outgoing, Provider, ProviderError};

pub const ID: &str = "smtp";

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain TCP: only for a relay on loopback (the sandbox sink, tests). Credentials go in clear.
    None,
    /// Port 587: `STARTTLS` is required before anything else is sent (no downgrade).
    StartTls,
    /// Port 465: TLS from the first byte (RFC 8314's preference for submission).
    Tls,
}

impl SmtpSecurity {
    fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::None => "no TLS",
            SmtpSecurity::StartTls => "STARTTLS",
            SmtpSecurity::Tls => "TLS",
        }
    }
}

/// Where and as whom to submit mail.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// No credentials: no `AUTH` (a relay that trusts the network).
    pub username: Option<String>,
    pub password: Option<String>,
    /// The `From` address, also the envelope sender (where bounces go) and the `Message-ID` domain.
    pub from_address: String,
    /// The `From` display name, e.g. the centre's Arabic name.
    pub from_name: Option<String>,
    /// For the whole hand-over (connect, greeting, auth, the transaction); see `providers::request_timeout`.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from_address", &self.from_address)
            .field("from_name", &self.from_name)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The SMTP adapter. The transport (and its connection pool) is built on first use, inside the
/// runtime that will drive it, and rebuilt after a timeout.
pub struct SmtpEmail {
    config: SmtpConfig,
    from: Mailbox,
    /// The `Message-ID` domain: the from address's.
    domain: String,
    builder: AsyncSmtpTransportBuilder,
    transport: Mutex<Option<AsyncSmtpTransport<Tokio1Executor>>>,
}

impl std::fmt::Debug for SmtpEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpEmail").field("config", &self.config).finish()
    }
}

impl SmtpEmail {
    /// Checks the from address and the TLS name; connects only when first used.
    pub fn new(config: SmtpConfig) -> crate::Result<Self> {
        let address: Address = config.from_address.trim().parse().map_err(|_| Error::Invalid {
            code: "credentials.from_invalid",
            params: vec![("from", config.from_address.clone())],
        })?;
        let domain = address.domain().to_owned();
        let from = Mailbox::new(config.from_name.clone().filter(|n| !n.trim().is_empty()), address);
        let tls_parameters =
            || TlsParameters::new(config.host.clone()).map_err(|e| Error::Internal(format!("smtp host: {e}")));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
            .port(config.port)
            .timeout(Some(config.timeout))
            // Idle connections are closed well before relays drop them (often after 5 minutes).
            .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)));
        builder = match config.security {
            SmtpSecurity::None => builder,
            SmtpSecurity::StartTls => builder.tls(Tls::Required(tls_parameters()?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls_parameters()?)),
        };
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self { config, from, domain, builder, transport: Mutex::new(None) })
    }

    /// The same on every attempt of one message, so the recipient's mail system and people can
    /// tell a duplicate (RFC 5322 §3.6.4).
    pub fn message_id(&self, reference: &str) -> String {
        format!("<{reference}@{}>", self.domain)
    }

    fn transport(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        let mut slot = self.transport.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert_with(|| self.builder.clone().build()).clone()
    }

    /// After a timeout the pool may hold a connection stuck mid-transaction: drop them all.
    fn discard_transport(&self) {
        let old = self.transport.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(old) = old {
            // Closing says QUIT to each connection, which a stuck relay may never answer either.
            let grace = self.config.timeout;
            tokio::spawn(async move {
                let _ = tokio::time::timeout(grace, old.shutdown()).await;
            });
        }
    }

    fn build_message(&self, out: &Outgoing<'_>) -> Result<Message, ProviderError> {
        let Content::Email { subject, html, to_name, attachments } = out.content else {
            tracing::warn!(reference = out.reference, "smtp: a message without email content");
            return Err(ProviderError::ContentInvalid { http_status: None, provider_code: None });
        };
        // What the relay would answer to `RCPT TO` with a malformed address (RFC 3463 5.1.3).
        let to: Address = out.to.trim().parse().map_err(|_| ProviderError::Unreachable {
            http_status: None,
            provider_code: Some("5.1.3".to_owned()),
            problem: Recipient::BadAddress,
        })?;
        let to = Mailbox::new(to_name.clone().filter(|n| !n.trim().is_empty()), to);
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject.clone())
            .message_id(Some(self.message_id(out.reference)))
            .date_now();
        let text = out.body.to_owned();
        let body = match html {
            Some(html) if text.trim().is_empty() => Body::Single(SinglePart::html(html.clone())),
            Some(html) => Body::Multi(MultiPart::alternative_plain_html(text, html.clone())),
            None => Body::Single(SinglePart::plain(text)),
        };
        let built = if attachments.is_empty() {
            match body {
                Body::Single(part) => builder.singlepart(part),
                Body::Multi(part) => builder.multipart(part),
            }
        } else {
            let mut mixed = match body {
                Body::Single(part) => MultiPart::mixed().singlepart(part),
                Body::Multi(part) => MultiPart::mixed().multipart(part),
            };
            for attachment in attachments {
                mixed = mixed.singlepart(mime_attachment(attachment, out.reference)?);
            }
            builder.multipart(mixed)
        };
        built.map_err(|e| {
            tracing::warn!(reference = out.reference, error = %e, "smtp: message could not be built");
            ProviderError::ContentInvalid { http_status: None, provider_code: None }
        })
    }
}

enum Body {
    Single(SinglePart),
    Multi(MultiPart),
}

fn mime_attachment(attachment: &Attachment, reference: &str) -> Result<SinglePart, ProviderError> {
    let invalid = |why: &str| {
        tracing::warn!(reference, filename = %attachment.filename, why, "smtp: attachment refused");
        ProviderError::ContentInvalid { http_status: None, provider_code: None }
    };
    // Base64 from other systems is often wrapped at 76 columns.
    let compact: String = attachment.data_base64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let data = BASE64.decode(compact).map_err(|_| invalid("data is not base64"))?;
    let content_type = ContentType::parse(&attachment.content_type).map_err(|_| invalid("bad content type"))?;
    // Always base64: lettre would pick 7bit for ASCII-only data and turn its LF line ends into
    // CRLF, and a PDF must arrive byte for byte.
    let body = lettre::message::Body::new_with_encoding(data, lettre::message::header::ContentTransferEncoding::Base64)
        .map_err(|_| invalid("cannot encode"))?;
    Ok(MimeAttachment::new(attachment.filename.clone()).body(body, content_type))
}

impl Provider for SmtpEmail {
    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let message = self.build_message(&out)?;
            let message_id = self.message_id(out.reference);
            let transport = self.transport();
            let sent = tokio::time::timeout(self.config.timeout, transport.send(message)).await;
            let response = match sent {
                Ok(Ok(response)) => response,
                Ok(Err(e)) => {
                    let error = classify_lettre(&e);
                    tracing::info!(reference = out.reference, to = %mask_email(out.to), code = error.code(), detail = %e, "smtp: refused");
                    return Err(error);
                }
                Err(_) => {
                    tracing::info!(reference = out.reference, to = %mask_email(out.to), "smtp: timed out");
                    self.discard_transport();
                    return Err(ProviderError::Timeout);
                }
            };
            let provider_message_id = match queue_id(&response) {
                Some(queue) => format!("{message_id} queued as {queue}"),
                None => message_id,
            };
            tracing::debug!(reference = out.reference, to = %mask_email(out.to), id = %provider_message_id, "smtp: accepted");
            Ok(Accepted {
                provider: ID,
                provider_message_id,
                status: MessageStatus::Sent,
                http_status: u16::from(response.code()),
            })
        })
    }

    fn find_sent<'a>(&'a self, _lookup: Lookup<'a>) -> BoxFuture<'a, Result<Found, ProviderError>> {
        // SMTP cannot be asked what it took.
        Box::pin(async { Ok(Found::Unsupported) })
    }

    /// Connect, `EHLO`, `AUTH` when configured, then `NOOP`.
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let transport = self.transport();
            let tested = tokio::time::timeout(self.config.timeout, transport.test_connection()).await;
            match tested {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => {
                    return Err(ProviderError::Unavailable {
                        http_status: None,
                        provider_code: None,
                        retry_after: None,
                    });
                }
                Ok(Err(e)) => return Err(classify_lettre(&e)),
                Err(_) => {
                    self.discard_transport();
                    return Err(ProviderError::Timeout);
                }
            }
            let c = &self.config;
            let mut detail = format!("{}:{} ({})", c.host, c.port, c.security.as_str());
            if let Some(user) = &c.username {
                detail.push_str(&format!(", signed in as {user}"));
            }
            Ok(detail)
        })
    }
}

/// `250 2.0.0 Ok: queued as 4F2B1C3D5E` → `4F2B1C3D5E` (Postfix's wording; other relays say
/// nothing, or something else, and then there is no queue id).
fn queue_id(response: &Response) -> Option<String> {
    response.message().find_map(|line| {
        let lower = line.to_ascii_lowercase();
        let at = lower.find("queued as ")? + "queued as ".len();
        let id: String = line[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        (!id.is_empty()).then_some(id)
    })
}

/// Sorts a lettre failure into the shared error classes.
fn classify_lettre(e: &lettre::transport::smtp::Error) -> ProviderError {
    if let Some(code) = e.status() {
        // The reply text travels as the error's source (all lines joined).
        let text = std::error::Error::source(e).map(ToString::to_string).unwrap_or_default();
        return classify_reply(u16::from(code), &text);
    }
    if e.is_timeout() {
        return ProviderError::Timeout;
    }
    let detail = e.to_string();
    if e.is_response() {
        return ProviderError::BadResponse { http_status: None, detail };
    }
    if e.is_client() {
        // lettre's own refusals before anything is sent.
        return if detail.contains("authentication") {
            ProviderError::AuthFailed { http_status: 0, provider_code: None }
        } else if detail.contains("SMTPUTF8") {
            ProviderError::Unreachable {
                http_status: None,
                provider_code: Some("5.6.7".to_owned()),
                problem: Recipient::BadAddress,
            }
        } else if detail.contains("8BITMIME") {
            ProviderError::ContentInvalid { http_status: None, provider_code: Some("5.6.3".to_owned()) }
        } else {
            ProviderError::BadResponse { http_status: None, detail }
        };
    }
    // Refused, reset, TLS failed, pool shut down: this relay cannot take it now.
    tracing::debug!(%detail, "smtp: connection failed");
    let provider_code = e.is_tls().then(|| "tls".to_owned());
    ProviderError::Unavailable { http_status: None, provider_code, retry_after: None }
}

/// What an enhanced status code (RFC 3463) says about the recipient.
fn recipient_problem(enhanced: &str) -> Recipient {
    match enhanced {
        "5.1.2" | "5.1.10" => Recipient::NoMailDomain,
        "5.2.2" => Recipient::MailboxFull,
        "5.1.3" => Recipient::BadAddress,
        _ => Recipient::NoMailbox,
    }
}

/// Sorts an SMTP error reply (`code` and the text after it) into the shared error classes.
pub fn classify_reply(code: u16, text: &str) -> ProviderError {
    let enhanced = enhanced_code(code, text);
    let e = enhanced.as_deref().unwrap_or("");
    let provider_code = Some(enhanced.clone().unwrap_or_else(|| code.to_string()));
    let lower = text.to_ascii_lowercase();
    let about_rate = ["too many messages", "too many connections", "slow down", "rate", "too quickly"]
        .iter()
        .any(|w| lower.contains(w));
    match code {
        530 | 534 | 535 | 538 => ProviderError::AuthFailed { http_status: code, provider_code },
        500..=599 if e == "5.7.8" => ProviderError::AuthFailed { http_status: code, provider_code },
        500..=599 if e.starts_with("5.1.") || e == "5.2.1" || e == "5.2.2" => {
            ProviderError::Unreachable { http_status: Some(code), provider_code, problem: recipient_problem(e) }
        }
        551 | 553 => {
            ProviderError::Unreachable { http_status: Some(code), provider_code, problem: Recipient::NoMailbox }
        }
        550 if enhanced.is_none() => {
            ProviderError::Unreachable { http_status: Some(code), provider_code, problem: Recipient::NoMailbox }
        }
        500..=599 if code == 552 || e == "5.3.4" || e.starts_with("5.6.") => {
            ProviderError::ContentInvalid { http_status: Some(code), provider_code }
        }
        500..=599 => ProviderError::Rejected { http_status: code, provider_code, message: text.to_owned() },
        454 => ProviderError::Unavailable { http_status: Some(code), provider_code, retry_after: None },
        400..=499 if e.starts_with("4.7.") || about_rate => {
            ProviderError::RateLimited { http_status: code, provider_code, retry_after: wait_in(&lower) }
        }
        400..=499 => {
            ProviderError::Unavailable { http_status: Some(code), provider_code, retry_after: wait_in(&lower) }
        }
        _ => ProviderError::BadResponse { http_status: Some(code), detail: text.to_owned() },
    }
}

/// The enhanced status code a reply starts with (RFC 3463 `class.subject.detail`, class matching
/// the reply code's first digit).
fn enhanced_code(code: u16, text: &str) -> Option<String> {
    let word = text.split_whitespace().next()?;
    let mut parts = word.split('.');
    let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
    let number = |p: &str, max: usize| (1..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    let ok = parts.next().is_none() && class == (code / 100).to_string() && number(subject, 3) && number(detail, 3);
    ok.then(|| word.to_owned())
}

/// A wait the relay asks for in words: `retry after 30 seconds`, `try again in 2 minutes`.
fn wait_in(lower: &str) -> Option<Duration> {
    ["retry after ", "try again in ", "try again after "].iter().find_map(|lead| {
        let rest = &lower[lower.find(lead)? + lead.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let n: u64 = digits.parse().ok()?;
        let unit = rest[digits.len()..].trim_start();
        Some(Duration::from_secs(if unit.starts_with("min") { n * 60 } else { n }))
    })
}

/// SMTP has no delivery reports to poll; the statuses that exist are the actions of a bounce
/// report (RFC 3464 `Action:`), read here for whoever processes DSNs one day.
pub fn map_status(action: &str) -> Option<MessageStatus> {
    match action.trim().to_ascii_lowercase().as_str() {
        "failed" => Some(MessageStatus::Failed),
        "delivered" => Some(MessageStatus::Delivered),
        // Handed on (to a system that sends no reports, or to a list): as far as we will know.
        "relayed" | "expanded" => Some(MessageStatus::Sent),
        // Still trying: no change.
        "delayed" => None,
        _ => None,
    }
}

/// `guardian@example.com` → `g•••@example.com`, for logs.
fn mask_email(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn code(e: &ProviderError) -> &'static str {
        e.code()
    }

    #[test]
    fn replies_are_classified_by_their_enhanced_codes_first() {
        let c = |n, t| classify_reply(n, t);
        assert_eq!(code(&c(535, "5.7.8 Error: authentication failed")), "provider.auth_failed");
        assert_eq!(code(&c(530, "5.7.0 Authentication required")), "provider.auth_failed");
        let unknown = c(550, "5.1.1 <x@example.com>: Recipient address rejected");
        assert_eq!(code(&unknown), "recipient.no_mailbox");
        assert_eq!(unknown.provider_code(), Some("5.1.1"));
        assert_eq!(code(&c(550, "5.1.2 Host or domain name not found")), "recipient.no_mail_domain");
        assert_eq!(code(&c(556, "5.1.10 Recipient address has null MX")), "recipient.no_mail_domain");
        assert_eq!(code(&c(552, "5.2.2 Mailbox full")), "recipient.mailbox_full");
        assert_eq!(code(&c(550, "5.2.1 Mailbox disabled")), "recipient.no_mailbox");
        assert_eq!(code(&c(501, "5.1.3 Bad recipient address syntax")), "recipient.bad_address");
        assert_eq!(code(&c(553, "mailbox name not allowed")), "recipient.no_mailbox");
        assert_eq!(c(553, "mailbox name not allowed").provider_code(), Some("553"));
        assert_eq!(code(&c(550, "mailbox unavailable")), "recipient.no_mailbox");
        assert_eq!(code(&c(552, "5.3.4 Error: message file too big")), "provider.content_invalid");
        assert_eq!(code(&c(554, "5.6.0 bad content")), "provider.content_invalid");
        assert_eq!(code(&c(550, "5.7.1 Rejected as spam")), "provider.rejected");
        assert_eq!(code(&c(554, "5.5.1 Error: no valid recipients")), "provider.rejected");
        let limited = c(421, "4.7.0 Too many messages, slow down; retry after 30 seconds");
        assert_eq!(code(&limited), "provider.rate_limited");
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(code(&c(450, "4.2.1 receiving mail too quickly")), "provider.rate_limited");
        assert_eq!(code(&c(454, "4.7.0 Temporary authentication failure")), "provider.unavailable");
        assert_eq!(code(&c(421, "4.3.2 Service not available")), "provider.unavailable");
        assert_eq!(code(&c(451, "4.3.0 Error: queue file write error")), "provider.unavailable");
        assert_eq!(code(&c(452, "4.2.2 Mailbox full")), "provider.unavailable");
        assert_eq!(code(&c(452, "4.5.3 Error: too many recipients")), "provider.unavailable");
        assert_eq!(c(451, "try again in 2 minutes").retry_after(), Some(Duration::from_secs(120)));
    }

    #[test]
    fn an_enhanced_code_must_match_the_reply_class() {
        assert_eq!(enhanced_code(550, "5.1.1 no such user").as_deref(), Some("5.1.1"));
        assert_eq!(enhanced_code(550, "4.1.1 wrong class"), None);
        assert_eq!(enhanced_code(550, "5.1 too short"), None);
        assert_eq!(enhanced_code(550, "5.1.1.1 too long"), None);
        assert_eq!(enhanced_code(550, ""), None);
    }

    #[test]
    fn bounce_actions_map_to_statuses() {
        assert_eq!(map_status("failed"), Some(MessageStatus::Failed));
        assert_eq!(map_status("Delivered"), Some(MessageStatus::Delivered));
        assert_eq!(map_status("relayed"), Some(MessageStatus::Sent));
        assert_eq!(map_status("delayed"), None);
        assert_eq!(map_status("whatever"), None);
    }

    #[test]
    fn addresses_are_masked_for_logs() {
        assert_eq!(mask_email("guardian@example.com"), "g•••@example.com");
        assert_eq!(mask_email("nobody"), "•••");
    }

    #[test]
    fn a_bad_from_address_is_a_configuration_error() {
        let config = SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from_address: "not an address".into(),
            from_name: None,
            timeout: Duration::from_secs(15),
        };
        let e = SmtpEmail::new(config).map(|_| ()).unwrap_err();
        assert_eq!(e.code(), "credentials.from_invalid");
    }
}
