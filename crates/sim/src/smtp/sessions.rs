//! Sessions.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    Close,
}

pub(super) struct Transaction {
    pub(super) from: String,
    pub(super) rcpts: Vec<String>,
    pub(super) smtputf8: bool,
}

/// One client connection, from greeting to `QUIT`.
pub(super) struct Session<'a> {
    pub(super) shared: &'a Shared,
    pub(super) reader: BufReader<OwnedReadHalf>,
    pub(super) writer: OwnedWriteHalf,
    /// `Some(true)` after `EHLO`, `Some(false)` after `HELO`.
    pub(super) greeted: Option<bool>,
    pub(super) user: Option<String>,
    pub(super) tx: Option<Transaction>,
    pub(super) line: Vec<u8>,
}

impl<'a> Session<'a> {
    pub(super) fn new(shared: &'a Shared, stream: TcpStream) -> Self {
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

    pub(super) async fn run(mut self) -> io::Result<()> {
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

    pub(super) async fn send(&mut self, reply: &Reply) -> io::Result<()> {
        let latency = self.shared.faults.get().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.writer.write_all(reply.wire().as_bytes()).await?;
        self.writer.flush().await
    }

    /// Sends the reply, and tells whether the session goes on.
    pub(super) async fn answer(&mut self, reply: Reply) -> io::Result<Flow> {
        self.send(&reply).await?;
        Ok(if reply.closes() { Flow::Close } else { Flow::Continue })
    }

    /// Reads the next line into `self.line`: `Some(too_long)`, or `None` when the client is gone (or idle
    /// too long, after telling it so).
    pub(super) async fn read_line(&mut self, max: usize) -> io::Result<Option<bool>> {
        match tokio::time::timeout(IDLE_TIMEOUT, read_line(&mut self.reader, max, &mut self.line)).await {
            Ok(read) => read,
            Err(_) => {
                self.send(&Reply::new(421, "4.4.2 Error: timeout exceeded")).await?;
                Ok(None)
            }
        }
    }

    pub(super) async fn command(&mut self, too_long: bool) -> io::Result<Flow> {
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

    pub(super) async fn hello(&mut self, extended: bool, client: &str) -> io::Result<Flow> {
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

    pub(super) async fn auth(&mut self, arg: &str) -> io::Result<Flow> {
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
    pub(super) async fn challenge(&mut self, prompt: &str) -> io::Result<Option<String>> {
        self.send(&Reply::new(334, prompt)).await?;
        Ok(self
            .read_line(MAX_AUTH_LINE)
            .await?
            .map(|_| String::from_utf8_lossy(trim_line_end(&self.line)).into_owned()))
    }

    pub(super) async fn mail(&mut self, arg: &str) -> io::Result<Flow> {
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

    pub(super) async fn rcpt(&mut self, arg: &str) -> io::Result<Flow> {
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

    pub(super) async fn data(&mut self, arg: &str) -> io::Result<Flow> {
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
    pub(super) fn accepts(&self, user: &str, password: &[u8]) -> bool {
        // Both compared, so a wrong user takes as long as a wrong password.
        let user_ok = constant_time_eq(user.as_bytes(), self.opts.username.as_bytes());
        let password_ok = constant_time_eq(password, self.opts.password.as_bytes());
        user_ok & password_ok
    }

    /// Parses and stores the message; returns its queue id.
    pub(super) fn keep(&self, tx: &Transaction, auth_user: Option<String>, raw: Vec<u8>) -> String {
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

pub(super) fn parse_email(id: String, tx: &Transaction, auth_user: Option<String>, raw: &[u8]) -> SimEmail {
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
