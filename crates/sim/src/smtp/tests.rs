//! The simulator's own tests.

use super::*;

#[cfg(test)]
mod unit {
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
