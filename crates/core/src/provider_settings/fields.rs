//! Each field's shape, checked (and normalised) before anything is saved.

use std::collections::BTreeMap;

use crate::domain::is_loopback;
use crate::domain::{EmailAddress, PhoneE164};
use crate::error::{Error, Result};
use crate::providers::registry::ProviderSpec;

/// Rules across fields, on the values as they will be after saving (`value` of a plain field,
/// `secrets` that will be set): SMTP without TLS may carry credentials to this machine only.
pub(super) fn check_together(spec: &ProviderSpec, values: &BTreeMap<&str, &str>, secrets: &[&str]) -> Result<()> {
    let value = |k: &str| values.get(k).copied();
    if spec.id == "smtp" && value("security") == Some("none") {
        let credentials = value("username").is_some() || secrets.contains(&"password");
        if credentials && !value("host").is_some_and(is_loopback) {
            return Err(field_error("smtp.plain_credentials", "security"));
        }
    }
    Ok(())
}

pub(super) fn field_error(code: &'static str, field: &str) -> Error {
    Error::Invalid { code, params: vec![("field", field.to_owned())] }
}

/// Checks one field's shape (and normalises it) before anything is saved.
pub(super) fn check_field(spec: &ProviderSpec, field: &str, raw: &str) -> Result<String> {
    let invalid = || field_error("provider.field_invalid", field);
    match field {
        "account_sid" => {
            let ok = raw.len() == 34 && raw.starts_with("AC") && raw[2..].chars().all(|c| c.is_ascii_hexdigit());
            if ok { Ok(raw.to_owned()) } else { Err(Error::invalid("credentials.account_sid_invalid")) }
        }
        "from" if spec.id == "twilio_whatsapp" => {
            let number = raw.strip_prefix("whatsapp:").unwrap_or(raw);
            Ok(format!("whatsapp:{}", PhoneE164::parse_mobile(number).map_err(|_| invalid())?))
        }
        "from" if spec.id == "twilio_voice" => Ok(PhoneE164::parse_mobile(raw).map_err(|_| invalid())?.to_string()),
        "from" | "sender" => {
            let sender_name =
                (1..=11).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ');
            if raw.starts_with('+') || raw.chars().all(|c| c.is_ascii_digit()) {
                Ok(PhoneE164::parse_mobile(raw).map_err(|_| Error::invalid("credentials.from_invalid"))?.to_string())
            } else if sender_name {
                Ok(raw.to_owned())
            } else {
                Err(Error::invalid("credentials.from_invalid"))
            }
        }
        "base_url" | "content_base_url" | "token_uri" => {
            let url = reqwest::Url::parse(raw).map_err(|_| invalid())?;
            if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
                return Err(invalid());
            }
            // Plain HTTP would carry the credentials in clear: only to this machine (a
            // simulator, a local proxy).
            if url.scheme() == "http" && !url.host_str().is_some_and(is_loopback) {
                return Err(field_error("provider.plain_http_not_loopback", field));
            }
            Ok(raw.trim_end_matches('/').to_owned())
        }
        "port" => raw.parse::<u16>().ok().filter(|p| *p > 0).map(|p| p.to_string()).ok_or_else(invalid),
        "security" => match raw.to_lowercase().as_str() {
            s @ ("starttls" | "tls" | "none") => Ok(s.to_owned()),
            _ => Err(invalid()),
        },
        "from_address" => EmailAddress::parse(raw).map(EmailAddress::into_string),
        "service_account_json" => {
            let json: serde_json::Value = serde_json::from_str(raw).map_err(|_| invalid())?;
            let has = |k: &str| json.get(k).and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty());
            if has("client_email") && has("private_key") && has("project_id") {
                Ok(raw.to_owned())
            } else {
                Err(invalid())
            }
        }
        "phone_number_id" | "waba_id" => {
            if raw.chars().all(|c| c.is_ascii_digit()) && raw.len() <= 32 {
                Ok(raw.to_owned())
            } else {
                Err(invalid())
            }
        }
        "app_id" => uuid::Uuid::parse_str(raw).map(|u| u.to_string()).map_err(|_| invalid()),
        _ if raw.chars().any(char::is_control) && field != "service_account_json" => Err(invalid()),
        _ => Ok(raw.to_owned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::providers::registry;

    #[test]
    fn plain_http_is_for_this_machine_only() {
        let twilio = registry::spec("twilio").unwrap();
        assert_eq!(check_field(twilio, "base_url", "http://127.0.0.1:8700/").unwrap(), "http://127.0.0.1:8700");
        assert!(check_field(twilio, "base_url", "https://api.provider.example.com").is_ok());
        let e = check_field(twilio, "base_url", "http://api.provider.example.com").unwrap_err();
        assert_eq!(e.code(), "provider.plain_http_not_loopback");
        let fcm = registry::spec("fcm").unwrap();
        assert_eq!(
            check_field(fcm, "token_uri", "http://oauth.example.com/token").unwrap_err().code(),
            "provider.plain_http_not_loopback"
        );
    }

    #[test]
    fn smtp_without_tls_carries_credentials_to_this_machine_only() {
        let smtp = registry::spec("smtp").unwrap();
        let fields = |host: &'static str, user: Option<&'static str>| {
            let mut m = BTreeMap::from([("host", host), ("security", "none")]);
            if let Some(u) = user {
                m.insert("username", u);
            }
            m
        };
        let refused = check_together(smtp, &fields("smtp.mail.example.com", Some("desk")), &["password"]).unwrap_err();
        assert_eq!(refused.code(), "smtp.plain_credentials");
        assert!(
            check_together(smtp, &fields("smtp.mail.example.com", None), &["password"]).is_err(),
            "a password alone"
        );
        assert!(check_together(smtp, &fields("127.0.0.1", Some("desk")), &["password"]).is_ok(), "a loopback relay");
        assert!(check_together(smtp, &fields("relay.centre.example.com", None), &[]).is_ok(), "no credentials at all");
    }
}
