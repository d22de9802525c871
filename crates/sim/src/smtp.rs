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

// ---------------------------------------------------------------------------------------------
// Replies

/// One SMTP reply; a text with several lines is sent as a multi-line reply.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn new(code: u16, text: impl Into<String>) -> Self {
        Self { code, text: text.into() }
    }

    /// `550 5.1.1 mailbox unavailable` → code 550, text `5.1.1 mailbox unavailable`. Only codes a
    /// server may send (`2xx`–`5xx`) parse.
    fn parse(line: &str) -> Option<Self> {
        let line = line.trim();
        if line.contains(['\r', '\n']) {
            return None;
        }
        let digits = line.get(..3)?;
        let code: u16 = digits.parse().ok()?;
        let rest = &line[3..];
        if !(200..600).contains(&code) || !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        Some(Self::new(code, rest.trim_start()))
    }

    /// RFC 5321 §4.2.1: a `421` is sent only when the server is closing the channel.
    fn closes(&self) -> bool {
        self.code == 421
    }

    fn wire(&self) -> String {
        let lines: Vec<&str> = self.text.lines().collect();
        let last = lines.len().saturating_sub(1);
        let mut out = String::new();
        if lines.is_empty() {
            out.push_str(&format!("{} \r\n", self.code));
        }
        for (i, line) in lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            out.push_str(&format!("{}{sep}{line}\r\n", self.code));
        }
        out
    }

    fn ok() -> Self {
        Self::new(250, "2.0.0 Ok")
    }
}

fn service_not_available() -> Reply {
    Reply::new(421, "4.3.2 Service not available")
}

// ---------------------------------------------------------------------------------------------
// State

/// The SMTP sink. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct SmtpSim {
    shared: Arc<Shared>,
}

struct Shared {
    opts: SmtpOptions,
    addr: SocketAddr,
    store: Mutex<Store>,
    faults: FaultSwitch,
    connections: AtomicUsize,
    data_commands: AtomicUsize,
}

#[derive(Default)]
struct Store {
    messages: Vec<Stored>,
    opted_out: HashSet<String>,
    /// Keyed by the lower-cased address.
    scripts: BTreeMap<String, ScriptedReply>,
}

struct Stored {
    email: SimEmail,
    raw: Vec<u8>,
}

impl SmtpSim {
    /// Binds the listener and accepts connections until `stopped` turns true.
    pub(crate) async fn start(opts: SmtpOptions, stopped: watch::Receiver<bool>) -> io::Result<Self> {
        let listener = TcpListener::bind(opts.bind).await?;
        let addr = listener.local_addr()?;
        let sim = Self {
            shared: Arc::new(Shared {
                opts,
                addr,
                store: Mutex::new(Store::default()),
                faults: FaultSwitch::default(),
                connections: AtomicUsize::new(0),
                data_commands: AtomicUsize::new(0),
            }),
        };
        tokio::spawn(sim.clone().accept_loop(listener, stopped));
        tracing::info!(%addr, "smtp sink listening");
        Ok(sim)
    }

    async fn accept_loop(self, listener: TcpListener, stopped: watch::Receiver<bool>) {
        let mut stop = stopped.clone();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                // Err means the simulators were dropped: stop as well.
                _ = stop.wait_for(|s| *s) => break,
            };
            let (stream, peer) = match accepted {
                Ok(conn) => conn,
                Err(error) => {
                    tracing::warn!(%error, "smtp sink: accept failed");
                    continue;
                }
            };
            self.shared.connections.fetch_add(1, Ordering::Relaxed);
            let shared = Arc::clone(&self.shared);
            let mut stop = stopped.clone();
            tokio::spawn(async move {
                tokio::select! {
                    result = Session::new(&shared, stream).run() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, %peer, "smtp sink: connection ended with an error");
                        }
                    }
                    // Also ends sessions hung by a timeout fault.
                    _ = stop.wait_for(|s| *s) => {}
                }
            });
        }
        tracing::info!(addr = %self.shared.addr, "smtp sink stopped");
    }

    /// Where clients connect (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Every accepted message, oldest first.
    pub fn messages(&self) -> Vec<SimEmail> {
        lock(&self.shared.store).messages.iter().map(|m| m.email.clone()).collect()
    }

    /// The message as received (dot-unstuffed, CRLF line ends).
    pub fn raw_message(&self, id: &str) -> Option<Vec<u8>> {
        lock(&self.shared.store).messages.iter().find(|m| m.email.id == id).map(|m| m.raw.clone())
    }

    /// Connections accepted so far, including faulted ones.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// `DATA` commands answered with `354`, whatever happened to the message after.
    pub fn data_commands(&self) -> usize {
        self.shared.data_commands.load(Ordering::Relaxed)
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Later `RCPT TO` for this address get `550 5.1.1` (case-insensitive).
    pub fn opt_out(&self, address: &str) {
        lock(&self.shared.store).opted_out.insert(address.trim().to_lowercase());
    }

    /// Makes `RCPT TO:<rcpt>` answer `reply` (e.g. `452 4.2.2 Mailbox full`). `None` when the reply is
    /// not a `2xx`–`5xx` reply line.
    pub fn script(&self, rcpt: &str, reply: &str) -> Option<()> {
        let parsed = Reply::parse(reply)?;
        let reply = format!("{} {}", parsed.code, parsed.text).trim_end().to_owned();
        let scripted = ScriptedReply { rcpt: rcpt.trim().to_owned(), reply };
        lock(&self.shared.store).scripts.insert(rcpt.trim().to_lowercase(), scripted);
        Some(())
    }

    pub fn scripts(&self) -> Vec<ScriptedReply> {
        lock(&self.shared.store).scripts.values().cloned().collect()
    }

    pub fn clear_scripts(&self) {
        lock(&self.shared.store).scripts.clear();
    }

    /// Forgets every message and resets the counters. Opt-outs, scripts and faults are settings and stay.
    pub fn clear(&self) {
        lock(&self.shared.store).messages.clear();
        self.shared.connections.store(0, Ordering::Relaxed);
        self.shared.data_commands.store(0, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
}

struct Transaction {
    from: String,
    rcpts: Vec<String>,
    smtputf8: bool,
}

/// One client connection, from greeting to `QUIT`.
struct Session<'a> {
    shared: &'a Shared,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    /// `Some(true)` after `EHLO`, `Some(false)` after `HELO`.
    greeted: Option<bool>,
    user: Option<String>,
    tx: Option<Transaction>,
    line: Vec<u8>,
}

impl<'a> Session<'a> {
    fn new(shared: &'a Shared, stream: TcpStream) -> Self {
        let (read, writer) = stream.into_split();
        Self {
            shared,
            reader: BufReader::new(read),
            writer,
            greeted: None,
            user: None,
            tx: None,
            line: Vec::with_capacity(MAX_COMMAND_LINE),
        }
    }

    async fn run(mut self) -> io::Result<()> {
        if self.shared.faults.get().down {
            return self.send(&service_not_available()).await;
        }
        self.send(&Reply::new(220, format!("{HOSTNAME} ESMTP Wasel SMTP sink"))).await?;
        loop {
            let Some(too_long) = self.read_line(MAX_AUTH_LINE).await? else {
                return Ok(());
            };
            if self.command(too_long).await? == Flow::Close {
                return Ok(());
            }
        }
    }

    async fn send(&mut self, reply: &Reply) -> io::Result<()> {
        let latency = self.shared.faults.get().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.writer.write_all(reply.wire().as_bytes()).await?;
        self.writer.flush().await
    }

    /// Sends the reply, and tells whether the session goes on.
    async fn answer(&mut self, reply: Reply) -> io::Result<Flow> {
        self.send(&reply).await?;
        Ok(if reply.closes() { Flow::Close } else { Flow::Continue })
    }

    /// Reads the next line into `self.line`: `Some(too_long)`, or `None` when the client is gone (or idle
    /// too long, after telling it so).
    async fn read_line(&mut self, max: usize) -> io::Result<Option<bool>> {
        match tokio::time::timeout(IDLE_TIMEOUT, read_line(&mut self.reader, max, &mut self.line)).await {
            Ok(read) => read,
            Err(_) => {
                self.send(&Reply::new(421, "4.4.2 Error: timeout exceeded")).await?;
                Ok(None)
            }
        }
    }

    async fn command(&mut self, too_long: bool) -> io::Result<Flow> {
        let text = String::from_utf8_lossy(trim_line_end(&self.line)).into_owned();
        let (verb, arg) = match text.split_once(' ') {
            Some((verb, arg)) => (verb.to_ascii_uppercase(), arg.trim().to_owned()),
            None => (text.trim().to_ascii_uppercase(), String::new()),
        };
        if too_long || (verb != "AUTH" && self.line.len() > MAX_COMMAND_LINE) {
            return self.answer(Reply::new(500, "5.5.2 Error: line too long")).await;
        }
        if self.shared.faults.get().down {
            return self.answer(service_not_available()).await;
        }
        match verb.as_str() {
            "EHLO" | "HELO" => self.hello(verb == "EHLO", &arg).await,
            "AUTH" => self.auth(&arg).await,
            "MAIL" => self.mail(&arg).await,
            "RCPT" => self.rcpt(&arg).await,
            "DATA" => self.data(&arg).await,
            "RSET" => {
                self.tx = None;
                self.answer(Reply::ok()).await
            }
            "NOOP" => self.answer(Reply::ok()).await,
            "QUIT" => {
                self.send(&Reply::new(221, "2.0.0 Bye")).await?;
                Ok(Flow::Close)
            }
            "VRFY" => self.answer(Reply::new(252, "2.0.0 Cannot VRFY user, but will accept message")).await,
            "STARTTLS" | "BDAT" | "ETRN" | "EXPN" | "TURN" => {
                self.answer(Reply::new(502, "5.5.1 Error: command not implemented")).await
            }
            "" => self.answer(Reply::new(500, "5.5.2 Error: bad syntax")).await,
            _ => self.answer(Reply::new(502, "5.5.2 Error: command not recognized")).await,
        }
    }

    async fn hello(&mut self, extended: bool, client: &str) -> io::Result<Flow> {
        if client.is_empty() {
            let usage = if extended { "5.5.4 Syntax: EHLO hostname" } else { "5.5.4 Syntax: HELO hostname" };
            return self.answer(Reply::new(501, usage)).await;
        }
        // RFC 5321 §4.1.4: a new greeting resets the transaction.
        self.greeted = Some(extended);
        self.tx = None;
        if !extended {
            return self.answer(Reply::new(250, HOSTNAME)).await;
        }
        let max_size = self.shared.opts.max_size;
        let text = format!(
            "{HOSTNAME} Hello {client}\nPIPELINING\nSIZE {max_size}\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES\nAUTH PLAIN LOGIN"
        );
        self.answer(Reply::new(250, text)).await
    }

    async fn auth(&mut self, arg: &str) -> io::Result<Flow> {
        if self.greeted != Some(true) {
            return self.answer(Reply::new(503, "5.5.1 Error: send EHLO first")).await;
        }
        if self.user.is_some() {
            return self.answer(Reply::new(503, "5.5.1 Error: already authenticated")).await;
        }
        if self.tx.is_some() {
            return self.answer(Reply::new(503, "5.5.1 Error: MAIL transaction in progress")).await;
        }
        let (mechanism, initial) = match arg.split_once(' ') {
            Some((m, initial)) => (m.to_ascii_uppercase(), Some(initial.trim().to_owned())),
            None => (arg.to_ascii_uppercase(), None),
        };
        let credentials = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(initial) => initial,
                    None => match self.challenge("").await? {
                        Some(response) => response,
                        None => return Ok(Flow::Close),
                    },
                };
                decode_sasl(&response).map(|decoded| plain_credentials(&decoded))
            }
            "LOGIN" => {
                let user = match initial {
                    Some(initial) => initial,
                    None => match self.challenge("VXNlcm5hbWU6").await? {
                        Some(response) => response,
                        None => return Ok(Flow::Close),
                    },
                };
                match decode_sasl(&user) {
                    Err(reply) => Err(reply),
                    Ok(user) => {
                        let Some(password) = self.challenge("UGFzc3dvcmQ6").await? else {
                            return Ok(Flow::Close);
                        };
                        decode_sasl(&password)
                            .map(|password| Some((String::from_utf8_lossy(&user).into_owned(), password)))
                    }
                }
            }
            "" => return self.answer(Reply::new(501, "5.5.4 Syntax: AUTH mechanism")).await,
            _ => return self.answer(Reply::new(504, "5.5.4 Unrecognized authentication type")).await,
        };
        let reply = match credentials {
            Err(reply) => reply,
            Ok(Some((user, password))) if self.shared.accepts(&user, &password) => {
                tracing::debug!(user = %user, "smtp sink: authenticated");
                self.user = Some(user);
                Reply::new(235, "2.7.0 Authentication successful")
            }
            Ok(_) => Reply::new(535, "5.7.8 Error: authentication failed: authentication failure"),
        };
        self.answer(reply).await
    }

    /// Sends a `334` challenge and reads the client's answer line; `None` when the client is gone.
    async fn challenge(&mut self, prompt: &str) -> io::Result<Option<String>> {
        self.send(&Reply::new(334, prompt)).await?;
        Ok(self
            .read_line(MAX_AUTH_LINE)
            .await?
            .map(|_| String::from_utf8_lossy(trim_line_end(&self.line)).into_owned()))
    }

    async fn mail(&mut self, arg: &str) -> io::Result<Flow> {
        if self.greeted.is_none() {
            return self.answer(Reply::new(503, "5.5.1 Error: send HELO/EHLO first")).await;
        }
        if self.shared.opts.require_auth && self.user.is_none() {
            return self.answer(Reply::new(530, "5.7.0 Authentication required")).await;
        }
        if self.tx.is_some() {
            return self.answer(Reply::new(503, "5.5.1 Error: nested MAIL command")).await;
        }
        let Some((from, params)) = strip_keyword(arg, "FROM:").and_then(split_path) else {
            return self.answer(Reply::new(501, "5.5.4 Syntax: MAIL FROM:<address>")).await;
        };
        if !from.is_empty() && !is_mailbox(&from) {
            return self.answer(Reply::new(501, "5.1.7 Bad sender address syntax")).await;
        }
        let mut smtputf8 = false;
        for param in params.split_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => match value.parse::<usize>() {
                    Ok(size) if size > self.shared.opts.max_size => {
                        let reply = Reply::new(552, "5.3.4 Message size exceeds fixed limit");
                        return self.answer(reply).await;
                    }
                    Ok(_) => {}
                    Err(_) => return self.answer(Reply::new(501, "5.5.4 Bad message size syntax")).await,
                },
                "BODY" if ["7BIT", "8BITMIME"].iter().any(|b| value.eq_ignore_ascii_case(b)) => {}
                "BODY" => return self.answer(Reply::new(501, "5.5.4 Unsupported BODY parameter")).await,
                "SMTPUTF8" if value.is_empty() => smtputf8 = true,
                // RFC 4954 §5: the sink trusts whoever logged in, so the value does not matter.
                "AUTH" => {}
                _ => return self.answer(Reply::new(555, format!("5.5.4 Unsupported option: {param}"))).await,
            }
        }
        if !smtputf8 && !from.is_ascii() {
            return self.answer(Reply::new(553, "5.6.7 Non-ASCII sender address needs SMTPUTF8")).await;
        }
        let faults = self.shared.faults.get();
        if roll(faults.rate_limit_rate) {
            let mut text = "4.7.0 Too many messages, slow down".to_owned();
            if let Some(secs) = faults.retry_after_secs {
                text.push_str(&format!("; retry after {secs} seconds"));
            }
            tracing::debug!("smtp sink: rate limit fault injected");
            return self.answer(Reply::new(421, text)).await;
        }
        self.tx = Some(Transaction { from, rcpts: Vec::new(), smtputf8 });
        self.answer(Reply::new(250, "2.1.0 Ok")).await
    }

    async fn rcpt(&mut self, arg: &str) -> io::Result<Flow> {
        let Some(tx) = &self.tx else {
            return self.answer(Reply::new(503, "5.5.1 Error: need MAIL command")).await;
        };
        let smtputf8 = tx.smtputf8;
        let count = tx.rcpts.len();
        let Some((to, _params)) = strip_keyword(arg, "TO:").and_then(split_path) else {
            return self.answer(Reply::new(501, "5.5.4 Syntax: RCPT TO:<address>")).await;
        };
        if !is_mailbox(&to) {
            return self.answer(Reply::new(501, "5.1.3 Bad recipient address syntax")).await;
        }
        if !smtputf8 && !to.is_ascii() {
            return self.answer(Reply::new(553, "5.6.7 Non-ASCII recipient address needs SMTPUTF8")).await;
        }
        if count >= MAX_RECIPIENTS {
            return self.answer(Reply::new(452, "4.5.3 Error: too many recipients")).await;
        }
        let key = to.to_lowercase();
        let (scripted, opted_out) = {
            let store = lock(&self.shared.store);
            (store.scripts.get(&key).and_then(|s| Reply::parse(&s.reply)), store.opted_out.contains(&key))
        };
        let reply = match scripted {
            Some(reply) => reply,
            None if opted_out => Reply::new(
                550,
                format!("5.1.1 <{to}>: Recipient address rejected: User unknown in local recipient table"),
            ),
            None => Reply::new(250, "2.1.5 Ok"),
        };
        if reply.code < 300
            && let Some(tx) = &mut self.tx
        {
            tx.rcpts.push(to);
        }
        self.answer(reply).await
    }

    async fn data(&mut self, arg: &str) -> io::Result<Flow> {
        let Some(tx) = &self.tx else {
            return self.answer(Reply::new(503, "5.5.1 Error: need MAIL command")).await;
        };
        if tx.rcpts.is_empty() {
            return self.answer(Reply::new(554, "5.5.1 Error: no valid recipients")).await;
        }
        if !arg.is_empty() {
            return self.answer(Reply::new(501, "5.5.4 Syntax: DATA")).await;
        }
        self.shared.data_commands.fetch_add(1, Ordering::Relaxed);
        self.send(&Reply::new(354, "End data with <CR><LF>.<CR><LF>")).await?;

        let max_size = self.shared.opts.max_size;
        let mut raw = Vec::new();
        let (mut oversize, mut long_line) = (false, false);
        loop {
            let Some(too_long) = self.read_line(MAX_TEXT_LINE).await? else {
                // The client went away mid-message: nothing was accepted.
                return Ok(Flow::Close);
            };
            long_line |= too_long;
            let line = trim_line_end(&self.line);
            if line == b"." {
                break;
            }
            let line = line.strip_prefix(b".").unwrap_or(line);
            if oversize || raw.len() + line.len() + 2 > max_size {
                // Keep reading to the final dot, but not keeping.
                oversize = true;
                raw = Vec::new();
            } else {
                raw.extend_from_slice(line);
                raw.extend_from_slice(b"\r\n");
            }
        }
        let Some(tx) = self.tx.take() else {
            return Ok(Flow::Close);
        };
        if oversize {
            return self.answer(Reply::new(552, "5.3.4 Error: message file too big")).await;
        }
        if long_line {
            return self.answer(Reply::new(552, "5.3.4 Error: message line longer than 998 characters")).await;
        }

        let faults = self.shared.faults.get();
        if roll(faults.timeout_rate) {
            let id = self.shared.keep(&tx, self.user.clone(), raw);
            tracing::debug!(%id, "smtp sink: timeout fault injected after the message was kept");
            drain(&mut self.reader).await;
            return Ok(Flow::Close);
        }
        if roll(faults.error_rate) {
            tracing::debug!("smtp sink: error fault injected");
            return self.answer(Reply::new(451, "4.3.0 Error: queue file write error")).await;
        }
        let id = self.shared.keep(&tx, self.user.clone(), raw);
        self.answer(Reply::new(250, format!("2.0.0 Ok: queued as {id}"))).await
    }
}

impl Shared {
    fn accepts(&self, user: &str, password: &[u8]) -> bool {
        // Both compared, so a wrong user takes as long as a wrong password.
        let user_ok = constant_time_eq(user.as_bytes(), self.opts.username.as_bytes());
        let password_ok = constant_time_eq(password, self.opts.password.as_bytes());
        user_ok & password_ok
    }

    /// Parses and stores the message; returns its queue id.
    fn keep(&self, tx: &Transaction, auth_user: Option<String>, raw: Vec<u8>) -> String {
        let id = format!("{:010X}", rand::random_range(0..1u64 << 40));
        let email = parse_email(id.clone(), tx, auth_user, &raw);
        tracing::debug!(
            id = %id,
            recipients = tx.rcpts.len(),
            size = raw.len(),
            attachments = email.attachments.len(),
            "smtp sink: message accepted"
        );
        lock(&self.store).messages.push(Stored { email, raw });
        id
    }
}

fn parse_email(id: String, tx: &Transaction, auth_user: Option<String>, raw: &[u8]) -> SimEmail {
    let mut email = SimEmail {
        id,
        envelope_from: tx.from.clone(),
        envelope_to: tx.rcpts.clone(),
        auth_user,
        from: None,
        to: Vec::new(),
        subject: None,
        message_id: None,
        text: None,
        html: None,
        attachments: Vec::new(),
        raw_size: raw.len(),
        received_at: Utc::now(),
    };
    let Some(message) = MessageParser::default().parse(raw) else {
        return email;
    };
    let mailbox = |a: &mail_parser::Addr<'_>| SimMailbox {
        name: a.name().map(str::to_owned),
        address: a.address().map(str::to_owned),
    };
    email.from = message.from().and_then(|a| a.first()).map(mailbox);
    email.to = message.to().map(|a| a.iter().map(mailbox).collect()).unwrap_or_default();
    email.subject = message.subject().map(str::to_owned);
    email.message_id = message.message_id().map(str::to_owned);
    // The body lists fall back on the other alternative (HTML turned into text and back): keep only
    // parts of the very type asked for.
    email.text = message
        .text_bodies()
        .find(|p| p.is_text() && !p.is_text_html())
        .and_then(|p| p.text_contents())
        .map(str::to_owned);
    email.html = message.html_bodies().find(|p| p.is_text_html()).and_then(|p| p.text_contents()).map(str::to_owned);
    email.attachments = message
        .attachments()
        .map(|part| {
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{sub}", ct.ctype()),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned())
                .to_ascii_lowercase();
            let data = part.contents();
            SimAttachment {
                filename: part.attachment_name().map(str::to_owned),
                content_type,
                size: data.len(),
                data_base64: BASE64.encode(data),
            }
        })
        .collect();
    email
}

// ---------------------------------------------------------------------------------------------
// Syntax

/// Reads up to and including the next LF into `buf`, keeping at most `max` octets: `Some(too_long)`, or
/// `None` at the end of the stream (a half line without its LF is dropped, as the client is gone).
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, max: usize, buf: &mut Vec<u8>) -> io::Result<Option<bool>> {
    buf.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(None);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (&available[..=end], true),
            None => (available, false),
        };
        let taken = chunk.len();
        if buf.len() + taken <= max {
            buf.extend_from_slice(chunk);
        } else {
            too_long = true;
        }
        reader.consume(taken);
        if done {
            return Ok(Some(too_long));
        }
    }
}

/// Waits for the client to hang up, reading and dropping whatever it sends meanwhile.
async fn drain<R: AsyncBufRead + Unpin>(reader: &mut R) {
    let mut sink = [0u8; 1024];
    while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {}
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `FROM:<a@b> SIZE=1` with keyword `FROM:` → `<a@b> SIZE=1` (case-insensitive; RFC 5321 has no space
/// after the colon, but clients send one and servers take it).
fn strip_keyword<'s>(arg: &'s str, keyword: &str) -> Option<&'s str> {
    let head = arg.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword).then(|| arg[keyword.len()..].trim_start())
}

/// `<a@b> SIZE=1` → (`a@b`, `SIZE=1`); a bare `a@b SIZE=1` is taken too. A source route
/// (`<@relay:a@b>`, RFC 5321 §4.1.2) is dropped, as servers must.
fn split_path(s: &str) -> Option<(String, &str)> {
    let (path, params) = match s.strip_prefix('<') {
        Some(rest) => {
            let end = rest.find('>')?;
            (&rest[..end], &rest[end + 1..])
        }
        None => match s.split_once(' ') {
            Some((path, params)) => (path, params),
            None => (s, ""),
        },
    };
    let path = match path.strip_prefix('@').and_then(|routed| routed.split_once(':')) {
        Some((_route, mailbox)) => mailbox,
        None => path,
    };
    if !params.is_empty() && !params.starts_with(' ') {
        return None;
    }
    Some((path.to_owned(), params.trim()))
}

/// `local@domain` as RFC 5321 §4.1.2 allows it (a dot-string or quoted local part; a domain of
/// letter-digit-hyphen labels, UTF-8 allowed for SMTPUTF8, or an address literal).
fn is_mailbox(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        !local[1..local.len() - 1].contains(['"', '\r', '\n'])
    } else {
        let atom = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
        !local.is_empty() && local.split('.').all(|part| !part.is_empty() && part.chars().all(atom))
    };
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') {
        domain.len() > 2
    } else {
        let label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        !domain.is_empty() && domain.len() <= 255 && domain.split('.').all(label)
    };
    local_ok && local.len() <= 64 && domain_ok
}

/// SASL responses are base64 (RFC 4954 §4); `=` is an empty one and `*` cancels the exchange.
fn decode_sasl(response: &str) -> Result<Vec<u8>, Reply> {
    match response.trim() {
        "*" => Err(Reply::new(501, "5.7.0 Authentication aborted")),
        "=" => Ok(Vec::new()),
        encoded => BASE64.decode(encoded).map_err(|_| Reply::new(501, "5.5.2 Error: cannot decode response")),
    }
}

/// `authzid NUL authcid NUL password` (RFC 4616); an authzid other than the user itself is not allowed.
fn plain_credentials(decoded: &[u8]) -> Option<(String, Vec<u8>)> {
    let mut parts = decoded.splitn(3, |&b| b == 0);
    let (authzid, user, password) = (parts.next()?, parts.next()?, parts.next()?);
    if !authzid.is_empty() && authzid != user {
        return None;
    }
    Some((String::from_utf8_lossy(user).into_owned(), password.to_vec()))
}

fn roll(rate: f64) -> bool {
    if rate.is_nan() || rate <= 0.0 {
        return false;
    }
    rate >= 1.0 || rand::random::<f64>() < rate
}

// ---------------------------------------------------------------------------------------------
// Debug routes

crate::debug::inspect!(SmtpSim, SimEmail, "smtp", opt_out);

/// `/_sim/smtp/...`: the inbox, faults and opt-outs every simulator has, the raw messages and the
/// per-recipient script.
pub(crate) fn debug_routes(sim: SmtpSim) -> Router {
    crate::debug::routes::<SmtpSim>()
        .route("/messages/{id}/raw", get(debug_raw))
        .route("/script", get(debug_scripts).post(debug_script).delete(debug_clear_scripts))
        .with_state(sim)
}

async fn debug_raw(State(sim): State<SmtpSim>, Path(id): Path<String>) -> Response {
    match sim.raw_message(&id) {
        Some(raw) => ([(header::CONTENT_TYPE, "message/rfc822")], raw).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "no such message" }))).into_response(),
    }
}

async fn debug_scripts(State(sim): State<SmtpSim>) -> Json<Vec<ScriptedReply>> {
    Json(sim.scripts())
}

async fn debug_script(State(sim): State<SmtpSim>, Json(s): Json<ScriptedReply>) -> Response {
    if !is_mailbox(s.rcpt.trim()) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "rcpt must be an address" }))).into_response();
    }
    match sim.script(&s.rcpt, &s.reply) {
        Some(()) => StatusCode::NO_CONTENT.into_response(),
        None => {
            (StatusCode::BAD_REQUEST, Json(json!({ "error": "reply must start with a 2xx-5xx code" }))).into_response()
        }
    }
}

async fn debug_clear_scripts(State(sim): State<SmtpSim>) -> StatusCode {
    sim.clear_scripts();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Instant;

    use serde_json::Value;

    use super::*;
    use crate::{SimOptions, Simulators, start};

    /// A bare SMTP client: one line out, one (possibly multi-line) reply back.
    struct Client {
        reader: BufReader<OwnedReadHalf>,
        writer: OwnedWriteHalf,
    }

    impl Client {
        /// Connects and returns the client with the greeting.
        async fn connect(addr: SocketAddr) -> (Self, String) {
            let (read, writer) = TcpStream::connect(addr).await.unwrap().into_split();
            let mut client = Self { reader: BufReader::new(read), writer };
            let greeting = client.reply().await;
            (client, greeting)
        }

        /// The next reply, its lines joined by `\n`; empty when the server closed the connection.
        async fn reply(&mut self) -> String {
            let mut lines = Vec::new();
            loop {
                let mut line = String::new();
                if self.reader.read_line(&mut line).await.unwrap() == 0 {
                    return lines.join("\n");
                }
                let line = line.trim_end().to_owned();
                let last = line.as_bytes().get(3) != Some(&b'-');
                lines.push(line);
                if last {
                    return lines.join("\n");
                }
            }
        }

        async fn write(&mut self, text: &str) {
            self.writer.write_all(text.as_bytes()).await.unwrap();
        }

        async fn cmd(&mut self, line: &str) -> String {
            self.write(&format!("{line}\r\n")).await;
            self.reply().await
        }

        /// `EHLO`, then `AUTH PLAIN` with the sandbox account.
        async fn login(addr: SocketAddr) -> Self {
            let (mut client, greeting) = Self::connect(addr).await;
            assert!(greeting.starts_with("220 "), "{greeting}");
            assert!(client.cmd("EHLO client.example.com").await.starts_with("250-"));
            let token = BASE64.encode(format!("\0{SANDBOX_USERNAME}\0{SANDBOX_PASSWORD}"));
            assert_eq!(client.cmd(&format!("AUTH PLAIN {token}")).await, "235 2.7.0 Authentication successful");
            client
        }

        /// `MAIL`, `RCPT`, `DATA` and a small message; returns the reply after the final dot.
        async fn send_simple(&mut self, to: &str) -> String {
            assert_eq!(self.cmd("MAIL FROM:<noreply@example.com>").await, "250 2.1.0 Ok");
            assert_eq!(self.cmd(&format!("RCPT TO:<{to}>")).await, "250 2.1.5 Ok");
            assert!(self.cmd("DATA").await.starts_with("354 "));
            self.write("Subject: hi\r\n\r\nhello\r\n.\r\n").await;
            self.reply().await
        }
    }

    async fn sims() -> Simulators {
        start(SimOptions::default()).await.unwrap()
    }

    async fn inbox(sims: &Simulators) -> Vec<Value> {
        let url = format!("{}/_sim/smtp/messages", sims.base_url());
        reqwest::get(url).await.unwrap().json().await.unwrap()
    }

    fn encoded_word(text: &str) -> String {
        format!("=?UTF-8?B?{}?=", BASE64.encode(text))
    }

    fn percent_encoded(text: &str) -> String {
        text.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    #[tokio::test]
    async fn an_arabic_message_with_a_pdf_arrives_decoded_in_the_inbox() {
        let sims = sims().await;
        let mut client = Client::login(sims.smtp_addr()).await;
        assert_eq!(client.cmd("MAIL FROM:<noreply@example.com> SIZE=4000 BODY=8BITMIME").await, "250 2.1.0 Ok");
        assert_eq!(client.cmd("RCPT TO:<guardian@example.com>").await, "250 2.1.5 Ok");
        assert_eq!(client.cmd("RCPT TO:<second.guardian@example.com>").await, "250 2.1.5 Ok");
        assert_eq!(client.cmd("DATA").await, "354 End data with <CR><LF>.<CR><LF>");

        let pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
        let message = format!(
            "From: {from_name} <noreply@example.com>\r\n\
             To: {to_name} <guardian@example.com>\r\n\
             Subject: {subject}\r\n\
             Message-ID: <0190c3b2-7f00-7000-8000-000000000001@example.com>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
             \r\n\
             --outer\r\n\
             Content-Type: multipart/alternative; boundary=\"inner\"\r\n\
             \r\n\
             --inner\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\
             \r\n\
             موعد الدواء الساعة ١٠\r\n\
             ..a line that started with a dot\r\n\
             --inner\r\n\
             Content-Type: text/html; charset=utf-8\r\n\
             Content-Transfer-Encoding: base64\r\n\
             \r\n\
             {html}\r\n\
             --inner--\r\n\
             --outer\r\n\
             Content-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename*=UTF-8''{filename}\r\n\
             Content-Transfer-Encoding: base64\r\n\
             \r\n\
             {pdf}\r\n\
             --outer--\r\n\
             .\r\n",
            from_name = encoded_word("حضانة الورود"),
            to_name = encoded_word("أم سارة"),
            subject = encoded_word("تذكير: موعد الدواء"),
            html = BASE64.encode("<p dir=\"rtl\">موعد الدواء</p>"),
            filename = percent_encoded("تقرير.pdf"),
            pdf = BASE64.encode(&pdf),
        );
        client.write(&message).await;
        let reply = client.reply().await;
        let id = reply.strip_prefix("250 2.0.0 Ok: queued as ").unwrap().to_owned();
        assert_eq!(id.len(), 10);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()));
        assert_eq!(client.cmd("QUIT").await, "221 2.0.0 Bye");

        let received = inbox(&sims).await;
        assert_eq!(received.len(), 1);
        let m = &received[0];
        assert_eq!(m["id"], id.as_str());
        assert_eq!(m["envelope_from"], "noreply@example.com");
        assert_eq!(m["envelope_to"], json!(["guardian@example.com", "second.guardian@example.com"]));
        assert_eq!(m["auth_user"], SANDBOX_USERNAME);
        assert_eq!(m["from"], json!({ "name": "حضانة الورود", "address": "noreply@example.com" }));
        assert_eq!(m["to"], json!([{ "name": "أم سارة", "address": "guardian@example.com" }]));
        assert_eq!(m["subject"], "تذكير: موعد الدواء");
        assert_eq!(m["message_id"], "0190c3b2-7f00-7000-8000-000000000001@example.com");
        let text = m["text"].as_str().unwrap();
        assert!(text.starts_with("موعد الدواء الساعة ١٠\r\n.a line that started with a dot"), "{text:?}");
        assert_eq!(m["html"], "<p dir=\"rtl\">موعد الدواء</p>");
        let attachment = &m["attachments"][0];
        assert_eq!(attachment["filename"], "تقرير.pdf");
        assert_eq!(attachment["content_type"], "application/pdf");
        assert_eq!(attachment["size"], pdf.len());
        assert_eq!(BASE64.decode(attachment["data_base64"].as_str().unwrap()).unwrap(), pdf);
        assert!(m["raw_size"].as_u64().unwrap() > 500);

        let raw = reqwest::get(format!("{}/_sim/smtp/messages/{id}/raw", sims.base_url())).await.unwrap();
        assert_eq!(raw.headers()[header::CONTENT_TYPE], "message/rfc822");
        let raw = raw.text().await.unwrap();
        assert!(raw.contains("\r\n.a line that started with a dot\r\n"), "dot-unstuffed");
        let missing = reqwest::get(format!("{}/_sim/smtp/messages/NOPE/raw", sims.base_url())).await.unwrap();
        assert_eq!(missing.status(), 404);

        let cleared = reqwest::Client::new().delete(format!("{}/_sim/smtp/messages", sims.base_url())).send().await;
        assert_eq!(cleared.unwrap().status(), 204);
        assert!(inbox(&sims).await.is_empty());
    }

    #[tokio::test]
    async fn ehlo_advertises_what_the_sink_supports_and_helo_does_not() {
        let sims = sims().await;
        let (mut client, greeting) = Client::connect(sims.smtp_addr()).await;
        assert_eq!(greeting, format!("220 {HOSTNAME} ESMTP Wasel SMTP sink"));
        let ehlo = client.cmd("EHLO client.example.com").await;
        let lines: Vec<&str> = ehlo.lines().collect();
        assert_eq!(lines[0], format!("250-{HOSTNAME} Hello client.example.com"));
        for ext in ["PIPELINING", "SIZE 10485760", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"] {
            assert!(lines.contains(&format!("250-{ext}").as_str()), "{ext} in {ehlo}");
        }
        assert_eq!(lines.last(), Some(&"250 AUTH PLAIN LOGIN"));
        assert!(!ehlo.contains("STARTTLS"));
        assert_eq!(client.cmd("STARTTLS").await, "502 5.5.1 Error: command not implemented");
        assert_eq!(client.cmd("HELO client.example.com").await, format!("250 {HOSTNAME}"));
        assert_eq!(client.cmd("EHLO").await, "501 5.5.4 Syntax: EHLO hostname");
        assert_eq!(client.cmd("NOOP").await, "250 2.0.0 Ok");
        assert_eq!(client.cmd("RSET").await, "250 2.0.0 Ok");
        assert_eq!(client.cmd("FROB").await, "502 5.5.2 Error: command not recognized");
        assert_eq!(client.cmd("QUIT").await, "221 2.0.0 Bye");
        assert_eq!(client.reply().await, "", "closed after QUIT");
    }

    #[tokio::test]
    async fn bad_credentials_are_refused_with_535_over_plain_and_login() {
        let sims = sims().await;
        let (mut client, _) = Client::connect(sims.smtp_addr()).await;
        assert_eq!(client.cmd("AUTH PLAIN AGEAYg==").await, "503 5.5.1 Error: send EHLO first");
        client.cmd("EHLO client.example.com").await;
        let wrong = BASE64.encode(format!("\0{SANDBOX_USERNAME}\0not-the-password"));
        let refused = "535 5.7.8 Error: authentication failed: authentication failure";
        assert_eq!(client.cmd(&format!("AUTH PLAIN {wrong}")).await, refused);
        // PLAIN without an initial response, then LOGIN, both step by step.
        assert_eq!(client.cmd("AUTH PLAIN").await, "334", "an empty challenge");
        assert_eq!(client.cmd(&wrong).await, refused);
        assert_eq!(client.cmd("AUTH LOGIN").await, "334 VXNlcm5hbWU6");
        assert_eq!(client.cmd(&BASE64.encode(SANDBOX_USERNAME)).await, "334 UGFzc3dvcmQ6");
        assert_eq!(client.cmd(&BASE64.encode("nope")).await, refused);
        assert_eq!(client.cmd("AUTH LOGIN").await, "334 VXNlcm5hbWU6");
        assert_eq!(client.cmd("*").await, "501 5.7.0 Authentication aborted");
        assert_eq!(client.cmd("AUTH PLAIN !!!").await, "501 5.5.2 Error: cannot decode response");
        assert_eq!(client.cmd("AUTH CRAM-MD5").await, "504 5.5.4 Unrecognized authentication type");
        assert_eq!(client.cmd("MAIL FROM:<noreply@example.com>").await, "530 5.7.0 Authentication required");

        assert_eq!(client.cmd(&format!("AUTH LOGIN {}", BASE64.encode(SANDBOX_USERNAME))).await, "334 UGFzc3dvcmQ6");
        assert_eq!(client.cmd(&BASE64.encode(SANDBOX_PASSWORD)).await, "235 2.7.0 Authentication successful");
        assert_eq!(client.cmd("AUTH PLAIN").await, "503 5.5.1 Error: already authenticated");
        assert_eq!(client.send_simple("guardian@example.com").await.get(..3), Some("250"));
    }

    #[tokio::test]
    async fn without_require_auth_anyone_on_loopback_may_send() {
        let opts =
            SimOptions { smtp: SmtpOptions { require_auth: false, ..SmtpOptions::default() }, ..SimOptions::default() };
        let sims = start(opts).await.unwrap();
        let (mut client, _) = Client::connect(sims.smtp_addr()).await;
        assert_eq!(client.cmd("MAIL FROM:<noreply@example.com>").await, "503 5.5.1 Error: send HELO/EHLO first");
        client.cmd("HELO client.example.com").await;
        assert!(client.send_simple("guardian@example.com").await.starts_with("250 2.0.0 Ok: queued as "));
        assert_eq!(sims.smtp().messages()[0].auth_user, None);
    }

    #[tokio::test]
    async fn each_syntax_and_sequence_error_has_its_reply() {
        let sims = sims().await;
        let mut c = Client::login(sims.smtp_addr()).await;
        assert_eq!(c.cmd("RCPT TO:<guardian@example.com>").await, "503 5.5.1 Error: need MAIL command");
        assert_eq!(c.cmd("DATA").await, "503 5.5.1 Error: need MAIL command");
        assert_eq!(c.cmd("MAIL TO:<noreply@example.com>").await, "501 5.5.4 Syntax: MAIL FROM:<address>");
        assert_eq!(c.cmd("MAIL FROM:<not an address>").await, "501 5.1.7 Bad sender address syntax");
        assert_eq!(c.cmd("MAIL FROM:<noreply@example.com> FOO=1").await, "555 5.5.4 Unsupported option: FOO=1");
        assert_eq!(c.cmd("MAIL FROM:<noreply@example.com> SIZE=big").await, "501 5.5.4 Bad message size syntax");
        assert_eq!(
            c.cmd("MAIL FROM:<noreply@example.com> SIZE=99999999").await,
            "552 5.3.4 Message size exceeds fixed limit"
        );
        assert_eq!(c.cmd("MAIL FROM:<حضانة@example.com>").await, "553 5.6.7 Non-ASCII sender address needs SMTPUTF8");
        assert_eq!(c.cmd("MAIL FROM:<>").await, "250 2.1.0 Ok", "the null sender is allowed");
        assert_eq!(c.cmd("MAIL FROM:<noreply@example.com>").await, "503 5.5.1 Error: nested MAIL command");
        assert_eq!(c.cmd("DATA").await, "554 5.5.1 Error: no valid recipients");
        for bad in ["guardian", "guardian@", "@example.com", "guardian@exa mple.com", "a..b@example.com", "x@-bad-.com"]
        {
            assert_eq!(c.cmd(&format!("RCPT TO:<{bad}>")).await, "501 5.1.3 Bad recipient address syntax", "{bad}");
        }
        assert_eq!(c.cmd("RCPT <guardian@example.com>").await, "501 5.5.4 Syntax: RCPT TO:<address>");
        assert_eq!(c.cmd("RCPT TO:<أم@example.com>").await, "553 5.6.7 Non-ASCII recipient address needs SMTPUTF8");
        assert_eq!(c.cmd("RSET").await, "250 2.0.0 Ok");
        assert_eq!(c.cmd("MAIL FROM:<noreply@example.com> SMTPUTF8").await, "250 2.1.0 Ok");
        assert_eq!(c.cmd("RCPT TO:<أم.سارة@مثال.السعودية>").await, "250 2.1.5 Ok");
        assert_eq!(c.cmd("RCPT TO: <guardian@example.com>").await, "250 2.1.5 Ok", "a space after the colon");
        assert_eq!(c.cmd("DATA now").await, "501 5.5.4 Syntax: DATA");
        assert_eq!(c.cmd(&format!("NOOP {}", "x".repeat(600))).await, "500 5.5.2 Error: line too long");
        assert_eq!(c.cmd("RSET").await, "250 2.0.0 Ok");
        c.cmd("MAIL FROM:<noreply@example.com>").await;
        for i in 0..MAX_RECIPIENTS {
            assert_eq!(c.cmd(&format!("RCPT TO:<g{i}@example.com>")).await, "250 2.1.5 Ok");
        }
        assert_eq!(c.cmd("RCPT TO:<one-too-many@example.com>").await, "452 4.5.3 Error: too many recipients");
    }

    #[tokio::test]
    async fn messages_over_the_size_or_line_limit_are_refused_with_552() {
        let opts =
            SimOptions { smtp: SmtpOptions { max_size: 2_000, ..SmtpOptions::default() }, ..SimOptions::default() };
        let sims = start(opts).await.unwrap();
        let mut c = Client::login(sims.smtp_addr()).await;
        for (body, reply) in [
            (format!("{}\r\n", "a".repeat(900)).repeat(3), "552 5.3.4 Error: message file too big"),
            (format!("{}\r\n", "b".repeat(1200)), "552 5.3.4 Error: message line longer than 998 characters"),
        ] {
            c.cmd("MAIL FROM:<noreply@example.com>").await;
            c.cmd("RCPT TO:<guardian@example.com>").await;
            assert!(c.cmd("DATA").await.starts_with("354"));
            c.write(&format!("Subject: big\r\n\r\n{body}.\r\n")).await;
            assert_eq!(c.reply().await, reply);
        }
        // The session goes on after a refusal.
        assert!(c.send_simple("guardian@example.com").await.starts_with("250 "));
        assert_eq!(sims.smtp().messages().len(), 1);
        assert_eq!(sims.smtp().data_commands(), 3);
    }

    #[tokio::test]
    async fn scripted_replies_and_opt_outs_answer_rcpt() {
        let sims = sims().await;
        let http = reqwest::Client::new();
        let script = format!("{}/_sim/smtp/script", sims.base_url());
        for (rcpt, reply) in [
            ("bounce@example.com", "550 5.1.1 mailbox unavailable"),
            ("Full@Example.com", "452 4.2.2 Mailbox full"),
            ("forward@example.com", "251 2.1.5 User not local; will forward"),
            ("closing@example.com", "421 4.7.0 Try again later"),
        ] {
            let r = http.post(&script).json(&json!({ "rcpt": rcpt, "reply": reply })).send().await.unwrap();
            assert_eq!(r.status(), 204);
        }
        let bad = http.post(&script).json(&json!({ "rcpt": "x@example.com", "reply": "hello" })).send().await.unwrap();
        assert_eq!(bad.status(), 400);
        let listed: Vec<ScriptedReply> = http.get(&script).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed.len(), 4);
        let r = http.post(format!("{}/_sim/smtp/opt-outs", sims.base_url())).json(&json!({ "to": "gone@example.com" }));
        assert_eq!(r.send().await.unwrap().status(), 204);

        let mut c = Client::login(sims.smtp_addr()).await;
        c.cmd("MAIL FROM:<noreply@example.com>").await;
        assert_eq!(c.cmd("RCPT TO:<bounce@example.com>").await, "550 5.1.1 mailbox unavailable");
        assert_eq!(c.cmd("RCPT TO:<full@example.com>").await, "452 4.2.2 Mailbox full");
        assert_eq!(
            c.cmd("RCPT TO:<GONE@example.com>").await,
            "550 5.1.1 <GONE@example.com>: Recipient address rejected: User unknown in local recipient table"
        );
        assert_eq!(c.cmd("DATA").await, "554 5.5.1 Error: no valid recipients");
        assert_eq!(c.cmd("RCPT TO:<forward@example.com>").await, "251 2.1.5 User not local; will forward");
        assert!(c.cmd("DATA").await.starts_with("354"));
        c.write("Subject: x\r\n\r\nx\r\n.\r\n").await;
        assert!(c.reply().await.starts_with("250 2.0.0 Ok: queued as "));
        assert_eq!(sims.smtp().messages()[0].envelope_to, vec!["forward@example.com"]);

        c.cmd("MAIL FROM:<noreply@example.com>").await;
        assert_eq!(c.cmd("RCPT TO:<closing@example.com>").await, "421 4.7.0 Try again later");
        assert_eq!(c.reply().await, "", "a 421 closes the connection");

        assert_eq!(http.delete(&script).send().await.unwrap().status(), 204);
        let mut c = Client::login(sims.smtp_addr()).await;
        assert!(c.send_simple("bounce@example.com").await.starts_with("250 "));
    }

    #[tokio::test]
    async fn a_sink_that_is_down_says_421_and_hangs_up() {
        let sims = sims().await;
        let http = reqwest::Client::new();
        let faults = format!("{}/_sim/smtp/faults", sims.base_url());
        let mut pooled = Client::login(sims.smtp_addr()).await;
        assert_eq!(http.put(&faults).json(&json!({ "down": true })).send().await.unwrap().status(), 204);
        let (mut c, greeting) = Client::connect(sims.smtp_addr()).await;
        assert_eq!(greeting, "421 4.3.2 Service not available");
        assert_eq!(c.reply().await, "");
        // A connection opened before the outage is told so at its next command.
        assert_eq!(pooled.cmd("NOOP").await, "421 4.3.2 Service not available");
        assert_eq!(pooled.reply().await, "");
        let read: Faults = http.get(&faults).send().await.unwrap().json().await.unwrap();
        assert!(read.down);
    }

    #[tokio::test]
    async fn rate_limits_are_421_4_7_0_at_mail_with_the_wait_in_the_text() {
        let sims = sims().await;
        sims.set_faults(Faults { rate_limit_rate: 1.0, retry_after_secs: Some(30), ..Faults::default() });
        let mut c = Client::login(sims.smtp_addr()).await;
        assert_eq!(
            c.cmd("MAIL FROM:<noreply@example.com>").await,
            "421 4.7.0 Too many messages, slow down; retry after 30 seconds"
        );
        assert_eq!(c.reply().await, "");
        sims.smtp().set_faults(Faults { rate_limit_rate: 1.0, ..Faults::default() });
        let mut c = Client::login(sims.smtp_addr()).await;
        assert_eq!(c.cmd("MAIL FROM:<noreply@example.com>").await, "421 4.7.0 Too many messages, slow down");
    }

    #[tokio::test]
    async fn a_server_error_is_451_after_data_and_nothing_is_kept() {
        let sims = sims().await;
        sims.smtp().set_faults(Faults { error_rate: 1.0, ..Faults::default() });
        let mut c = Client::login(sims.smtp_addr()).await;
        assert_eq!(c.send_simple("guardian@example.com").await, "451 4.3.0 Error: queue file write error");
        assert!(sims.smtp().messages().is_empty());
        sims.smtp().set_faults(Faults::default());
        assert!(c.send_simple("guardian@example.com").await.starts_with("250 "), "the session goes on");
    }

    #[tokio::test]
    async fn a_timeout_keeps_the_message_but_never_answers_until_shutdown() {
        let sims = sims().await;
        sims.smtp().set_faults(Faults { timeout_rate: 1.0, ..Faults::default() });
        let mut c = Client::login(sims.smtp_addr()).await;
        let answer = tokio::time::timeout(Duration::from_millis(300), c.send_simple("guardian@example.com")).await;
        assert!(answer.is_err(), "no reply after the final dot");
        assert_eq!(sims.smtp().messages().len(), 1, "the recipient got it all the same");
        sims.clone().shutdown().await;
        let closed = tokio::time::timeout(Duration::from_secs(5), c.reply()).await.unwrap();
        assert_eq!(closed, "", "shutdown ends hung sessions");
    }

    #[tokio::test]
    async fn latency_is_added_before_every_reply() {
        let sims = sims().await;
        sims.set_faults(Faults { latency: Duration::from_millis(150), ..Faults::default() });
        let started = Instant::now();
        let (mut c, _) = Client::connect(sims.smtp_addr()).await;
        c.cmd("NOOP").await;
        assert!(started.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn replies_parse_and_render_like_rfc_5321_says() {
        assert_eq!(Reply::parse("550 5.1.1 mailbox unavailable"), Some(Reply::new(550, "5.1.1 mailbox unavailable")));
        assert_eq!(Reply::parse("250"), Some(Reply::new(250, "")));
        assert_eq!(Reply::parse("600 nope"), None);
        assert_eq!(Reply::parse("55 short"), None);
        assert_eq!(Reply::parse("5501 joined"), None);
        assert_eq!(Reply::parse("550 a\r\n250 b"), None);
        assert_eq!(Reply::new(250, "a\nb\nc").wire(), "250-a\r\n250-b\r\n250 c\r\n");
        assert_eq!(Reply::new(334, "").wire(), "334 \r\n");
        assert!(Reply::new(421, "bye").closes());
    }

    #[test]
    fn paths_and_mailboxes_follow_rfc_5321() {
        assert_eq!(split_path("<a@b.com> SIZE=1"), Some(("a@b.com".to_owned(), "SIZE=1")));
        assert_eq!(split_path("<@relay.example.com:a@b.com>"), Some(("a@b.com".to_owned(), "")));
        assert_eq!(split_path("a@b.com"), Some(("a@b.com".to_owned(), "")));
        assert_eq!(split_path("<a@b.com"), None);
        assert_eq!(split_path("<a@b.com>SIZE=1"), None);
        assert!(is_mailbox("guardian+kid1@example.com"));
        assert!(is_mailbox("\"two words\"@example.com"));
        assert!(is_mailbox("root@[127.0.0.1]"));
        assert!(!is_mailbox("a@b@"));
        assert!(!is_mailbox(&format!("{}@example.com", "x".repeat(65))));
        assert_eq!(plain_credentials(b"\0u\0p"), Some(("u".to_owned(), b"p".to_vec())));
        assert_eq!(plain_credentials(b"u\0u\0p"), Some(("u".to_owned(), b"p".to_vec())));
        assert_eq!(plain_credentials(b"admin\0u\0p"), None);
        assert_eq!(plain_credentials(b"up"), None);
    }
}
