//! Replies.

/// One SMTP reply; a text with several lines is sent as a multi-line reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Reply {
    pub(super) code: u16,
    pub(super) text: String,
}

impl Reply {
    pub(super) fn new(code: u16, text: impl Into<String>) -> Self {
        Self { code, text: text.into() }
    }

    /// `550 5.1.1 mailbox unavailable` → code 550, text `5.1.1 mailbox unavailable`. Only codes a
    /// server may send (`2xx`–`5xx`) parse.
    pub(super) fn parse(line: &str) -> Option<Self> {
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
    pub(super) fn closes(&self) -> bool {
        self.code == 421
    }

    pub(super) fn wire(&self) -> String {
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

    pub(super) fn ok() -> Self {
        Self::new(250, "2.0.0 Ok")
    }
}

pub(super) fn service_not_available() -> Reply {
    Reply::new(421, "4.3.2 Service not available")
}
