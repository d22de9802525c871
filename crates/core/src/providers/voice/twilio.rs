//! Reminder calls through Twilio Programmable Voice (`/2010-04-01/Accounts/{sid}/Calls.json`), see
//! `shared/reference/twilio-voice.md`. The script is spoken twice by `<Say>` in inline TwiML, Arabic with
//! Polly's Gulf voice `Hala` (`ar-AE`), English with `Joanna` (`en-US`). Twilio has no idempotency key
//! on calls, and a call cannot be matched to its script afterwards, so `find_sent` stays unsupported.
//!
//! Status mapping: `queued`, `initiated`, `ringing`, `in-progress` → `sent`; `completed` → `delivered`
//! (somebody answered and heard it); `busy`, `no-answer`, `failed`, `canceled` → `failed`, with the call
//! status kept as the provider error code.
//!
//! Error codes on create: 20003 → auth failed; 21211, 21214, 21217 → invalid number; 20429, 31429 →
//! rate limited; 12100, 13xxx (TwiML) → content invalid; anything else by HTTP status.

use serde::Deserialize;

use crate::domain::{Channel, Content, Language, MessageStatus, PhoneE164};
use crate::providers::twilio_account::{self, TwilioAccount};
use crate::providers::{Accepted, BoxFuture, Outgoing, Provider, ProviderError, Report};

pub const ID: &str = "twilio_voice";

/// Twilio refuses longer inline TwiML.
pub const MAX_TWIML_CHARS: usize = 4000;

#[derive(Clone, Debug)]
pub struct TwilioVoice {
    account: TwilioAccount,
    /// The caller ID, an E.164 number of the account.
    from: String,
    status_callback: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CallResource {
    sid: String,
    status: String,
}

#[derive(Debug, Deserialize)]
struct CallList {
    #[serde(rename = "calls")]
    _calls: Vec<serde_json::Value>,
}

impl TwilioVoice {
    /// `status_callback` is where Twilio should POST the end of each call (only with a public `wasel serve`).
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        account_sid: &str,
        auth_token: &str,
        from: &str,
        status_callback: Option<String>,
    ) -> Self {
        Self {
            account: TwilioAccount::new(http, base_url, account_sid, auth_token),
            from: from.to_owned(),
            status_callback,
        }
    }

    fn calls_url(&self) -> String {
        self.account.url("Calls.json")
    }

    fn call_url(&self, sid: &str) -> String {
        self.account.url(&format!("Calls/{sid}.json"))
    }
}

/// The TwiML of a reminder call: the script twice, a short pause between, in the guardian's language.
pub fn twiml(script: &str, language: Language) -> String {
    let (lang, voice) = match language {
        Language::Ar => ("ar-AE", "Polly.Hala-Neural"),
        Language::En => ("en-US", "Polly.Joanna"),
    };
    let say = format!(r#"<Say language="{lang}" voice="{voice}">{}</Say>"#, xml_escape(script.trim()));
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><Response>{say}<Pause length="2"/>{say}</Response>"#)
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than whitespace are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Maps a Twilio call status to Wasel's.
pub fn map_status(status: &str) -> Option<MessageStatus> {
    Some(match status {
        "queued" | "initiated" | "ringing" | "in-progress" => MessageStatus::Sent,
        "completed" => MessageStatus::Delivered,
        "busy" | "no-answer" | "failed" | "canceled" => MessageStatus::Failed,
        _ => return None,
    })
}

/// A call status as a report; a call that did not reach anybody keeps its status as the error code.
fn report(provider_status: &str) -> Option<Report> {
    let status = map_status(provider_status)?;
    let provider_error_code = (status == MessageStatus::Failed).then(|| provider_status.to_owned());
    Some(Report { status, provider_status: provider_status.to_owned(), provider_error_code })
}

/// Reads a call status callback form (its `X-Twilio-Signature` is checked elsewhere): the `CallSid` and
/// what it reports. None when a field is missing or the status is not one we know.
pub fn parse_call_callback(form: &[(String, String)]) -> Option<(String, Report)> {
    let field = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let sid = field("CallSid")?;
    Some((sid.to_owned(), report(field("CallStatus")?)?))
}

async fn error_from(response: reqwest::Response) -> ProviderError {
    twilio_account::error_from(response, codes).await
}

/// The Twilio error codes calls single out.
fn codes(code: u32, status: u16) -> Option<ProviderError> {
    let provider_code = Some(code.to_string());
    Some(match code {
        20003 => ProviderError::AuthFailed { http_status: status, provider_code },
        21211 | 21214 | 21217 => ProviderError::InvalidNumber { http_status: status, provider_code },
        20429 | 31429 => ProviderError::RateLimited { http_status: status, provider_code, retry_after: None },
        12100 | 13000..=13999 => ProviderError::ContentInvalid { http_status: Some(status), provider_code },
        _ => return None,
    })
}

fn bad(http_status: u16, detail: String) -> ProviderError {
    ProviderError::BadResponse { http_status: Some(http_status), detail }
}

impl Provider for TwilioVoice {
    fn id(&self) -> &'static str {
        ID
    }

    fn channel(&self) -> Channel {
        Channel::Voice
    }

    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Result<Accepted, ProviderError>> {
        Box::pin(async move {
            let Content::Voice { language } = out.content else {
                // The dispatcher only hands voice content to a voice provider.
                return Err(ProviderError::ContentInvalid { http_status: None, provider_code: None });
            };
            let twiml = twiml(out.body, *language);
            if out.body.trim().is_empty() || twiml.chars().count() > MAX_TWIML_CHARS {
                return Err(ProviderError::ContentInvalid { http_status: None, provider_code: None });
            }
            let mut form: Vec<(&str, &str)> = vec![("To", out.to), ("From", &self.from), ("Twiml", &twiml)];
            if let Some(cb) = &self.status_callback {
                form.push(("StatusCallback", cb));
                form.push(("StatusCallbackEvent", "completed"));
            }
            let request = self.account.post(&self.calls_url()).form(&form);
            let response = crate::providers::send(request).await?;
            let http_status = response.status().as_u16();
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
            let call: CallResource = crate::providers::read_json(response).await?;
            let status = map_status(&call.status)
                .ok_or_else(|| bad(http_status, format!("unknown status {:?}", call.status)))?;
            if !call.sid.starts_with("CA") {
                return Err(bad(http_status, "call sid".into()));
            }
            let to = PhoneE164::from_stored(out.to.to_owned());
            tracing::debug!(sid = %call.sid, to = %to.masked(), "twilio voice: call queued");
            Ok(Accepted { provider: ID, provider_message_id: call.sid, status, http_status })
        })
    }

    fn poll_status<'a>(&'a self, provider_message_id: &'a str) -> BoxFuture<'a, Result<Option<Report>, ProviderError>> {
        Box::pin(async move {
            let url = self.call_url(provider_message_id);
            let Some((call, http_status)) = self.account.fetch::<CallResource>(&url, codes).await? else {
                return Ok(None);
            };
            let report =
                report(&call.status).ok_or_else(|| bad(http_status, format!("unknown status {:?}", call.status)))?;
            Ok(Some(report))
        })
    }

    /// One authenticated call list: proves the account id and token.
    fn check<'a>(&'a self) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let request = self.account.get(&self.calls_url()).query(&[("PageSize", "1")]);
            let response = crate::providers::send(request).await?;
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
            let _: CallList = crate::providers::read_json(response).await?;
            Ok(format!("{} · {}", self.account.sid(), self.from))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_script_is_escaped_and_said_twice_in_the_guardians_language() {
        let xml = twiml("موعد <سارة> & \"الأحد\"", Language::Ar);
        let say = r#"<Say language="ar-AE" voice="Polly.Hala-Neural">موعد &lt;سارة&gt; &amp; &quot;الأحد&quot;</Say>"#;
        assert_eq!(xml.matches(say).count(), 2, "{xml}");
        assert!(xml.contains(r#"</Say><Pause length="2"/><Say"#));
        assert!(twiml("Pickup at 2", Language::En).contains(r#"language="en-US" voice="Polly.Joanna""#));
        assert_eq!(xml_escape("a\u{7}b"), "a b");
    }

    #[test]
    fn call_statuses_map_and_unanswered_calls_keep_their_status_as_the_code() {
        assert_eq!(report("ringing").unwrap().status, MessageStatus::Sent);
        let done = report("completed").unwrap();
        assert_eq!((done.status, done.provider_error_code), (MessageStatus::Delivered, None));
        for status in ["busy", "no-answer", "failed", "canceled"] {
            let r = report(status).unwrap();
            assert_eq!((r.status, r.provider_error_code.as_deref()), (MessageStatus::Failed, Some(status)));
        }
        assert!(map_status("answered").is_none());
        let form: Vec<(String, String)> = [("CallSid", "CA1"), ("CallStatus", "no-answer"), ("CallDuration", "0")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let (sid, r) = parse_call_callback(&form).unwrap();
        assert_eq!((sid.as_str(), r.provider_status.as_str()), ("CA1", "no-answer"));
        assert!(parse_call_callback(&form[..1]).is_none());
    }
}
