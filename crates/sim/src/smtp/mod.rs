//! An SMTP sink on its own loopback port (RFC 5321 submission with AUTH, no relaying): it accepts what a
//! relay would, keeps each message parsed in a sandbox inbox and answers with a relay's reply codes.
//!
//! SMTP is a standard, not a vendor API, so most replies follow the RFCs (5321, 4954, 3463, 6531) and
//! Postfix's wording. Where the reference is silent, this is what the sink does:
//!
//! | question | what the sink does |
//! |---|---|
//! | TLS | none: no `STARTTLS`, no implicit TLS (loopback only). `AUTH` is offered in clear, which a real relay does only after TLS |
//! | extensions | `EHLO` advertises `PIPELINING`, `SIZE <max>`, `8BITMIME`, `SMTPUTF8`, `ENHANCEDSTATUSCODES`, `AUTH PLAIN LOGIN`; commands are answered in order, so pipelined clients work |
//! | auth | `PLAIN` and `LOGIN` against [`SmtpOptions::username`]/[`SmtpOptions::password`]: `235 2.7.0`; bad ones `535 5.7.8`; `MAIL` before auth when [`SmtpOptions::require_auth`] `530 5.7.0`; other mechanisms `504 5.5.4` |
//! | addresses | `<local@domain>` (a bare address is tolerated, as Postfix does); bad `RCPT` `501 5.1.3`, bad `MAIL` `501 5.1.7`; non-ASCII without the `SMTPUTF8` parameter `553 5.6.7`; more than 100 recipients `452 4.5.3` |
//! | limits | command lines over 512 octets (`AUTH` lines: 12 288) `500 5.5.2`; `SIZE=` over the maximum at `MAIL`, a message over it, or a text line over 1000 octets: `552 5.3.4` after the final dot |
//! | accepted | `250 2.0.0 Ok: queued as <ID>`, the id ten upper-case hex digits like Postfix's queue ids |
//! | per-recipient replies | `POST /_sim/smtp/script` sets the reply to `RCPT TO` for one address (any `2xx`/`4xx`/`5xx` text); opted-out addresses get `550 5.1.1 … User unknown`; a `421` closes the connection, as RFC 5321 says it must |
//! | faults | `down`: `421 4.3.2 Service not available` on connect and before any command, then close; `rate_limit_rate`: `421 4.7.0 Too many messages, slow down` at `MAIL` (with `; retry after N seconds` when `retry_after_secs` is set), then close; `error_rate`: `451 4.3.0 Error: queue file write error` after the final dot (nothing kept); `timeout_rate`: after the final dot the message **is kept** (the recipient got it) and no reply ever comes, the duplicate-after-retry case; `latency_ms`: before every reply |
//! | delivery status | none after the `250`: SMTP has no poll or callback; later bounces (DSNs) are not simulated |
//! | idle client | `421 4.4.2 Error: timeout exceeded` after 5 minutes without a line |
//! | inbox | one [`SimEmail`] per accepted message: envelope, decoded `From`/`To`/`Subject` (RFC 2047), `Message-ID` without its angle brackets, text and HTML parts, attachments as base64 |

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::faults::FaultSwitch;
use crate::{Faults, constant_time_eq, lock};

mod debug_routes;
mod replies;
mod sessions;
mod state;
mod syntax;
pub(crate) use debug_routes::*;
use replies::*;
use sessions::*;
pub use state::*;
use syntax::*;

#[cfg(test)]
mod tests;

/// The sandbox account's user name.
pub const SANDBOX_USERNAME: &str = "sandbox@example.com";
/// The sandbox account's password.
pub const SANDBOX_PASSWORD: &str = "wasel-smtp-sandbox-0001";
/// The name the sink gives itself in its greeting and `EHLO` answer.
pub const HOSTNAME: &str = "smtp.wasel-sim.localhost";

/// RFC 5321 §4.5.3.1.4, with the CRLF.
const MAX_COMMAND_LINE: usize = 512;
/// RFC 4954 §4: an `AUTH` line may carry a long initial response.
const MAX_AUTH_LINE: usize = 12_288;
/// RFC 5321 §4.5.3.1.6, with the CRLF.
const MAX_TEXT_LINE: usize = 1000;
/// RFC 5321 §4.5.3.1.8: at least 100 must be accepted, more may be refused.
const MAX_RECIPIENTS: usize = 100;
/// RFC 5321 §4.5.3.2.7 asks servers to wait at least 5 minutes for the next command.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Where the sink listens and what its account accepts.
#[derive(Clone)]
pub struct SmtpOptions {
    /// Defaults to `127.0.0.1:0` (any free port on loopback); see [`crate::Simulators::smtp_addr`].
    pub bind: SocketAddr,
    pub username: String,
    pub password: String,
    /// `MAIL` before a successful `AUTH` is refused with `530 5.7.0` (credentials are still checked
    /// when a client offers them and this is off).
    pub require_auth: bool,
    /// Largest message in octets, advertised as `SIZE`.
    pub max_size: usize,
}

impl Default for SmtpOptions {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            username: SANDBOX_USERNAME.to_owned(),
            password: SANDBOX_PASSWORD.to_owned(),
            require_auth: true,
            max_size: 10 * 1024 * 1024,
        }
    }
}

impl std::fmt::Debug for SmtpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpOptions")
            .field("bind", &self.bind)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("require_auth", &self.require_auth)
            .field("max_size", &self.max_size)
            .finish()
    }
}

/// One accepted message, as the recipients would have seen it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimEmail {
    /// The queue id given in `250 2.0.0 Ok: queued as <ID>`.
    pub id: String,
    /// `MAIL FROM`, empty for the null sender `<>`.
    pub envelope_from: String,
    /// Every accepted `RCPT TO`, in order.
    pub envelope_to: Vec<String>,
    /// Who logged in to send it, if anyone did.
    pub auth_user: Option<String>,
    /// The `From` header's first mailbox, its display name decoded.
    pub from: Option<SimMailbox>,
    pub to: Vec<SimMailbox>,
    pub subject: Option<String>,
    /// Without the angle brackets.
    pub message_id: Option<String>,
    /// The first `text/plain` body part, decoded to UTF-8.
    pub text: Option<String>,
    /// The first `text/html` body part, decoded to UTF-8.
    pub html: Option<String>,
    pub attachments: Vec<SimAttachment>,
    /// Octets received after `DATA`, dot-unstuffed, CRLF line ends.
    pub raw_size: usize,
    pub received_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimMailbox {
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimAttachment {
    /// Decoded (RFC 2231 or RFC 2047), when the part names one.
    pub filename: Option<String>,
    /// `type/subtype`, lower-case.
    pub content_type: String,
    /// Decoded octets.
    pub size: usize,
    pub data_base64: String,
}

/// What `RCPT TO:<rcpt>` is answered with, set by `POST /_sim/smtp/script`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptedReply {
    pub rcpt: String,
    /// A whole reply line, e.g. `550 5.1.1 mailbox unavailable`.
    pub reply: String,
}
