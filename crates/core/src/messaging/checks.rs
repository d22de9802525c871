//! The checks a draft passes before it becomes outbox rows: body lengths, attachments, template
//! placeholders. Pure functions, tested one case at a time.

use base64::Engine;

use super::api::AttachmentInput;
use crate::domain::Attachment;
use crate::error::{Error, Result};

/// Attachments together, decoded (most relays refuse mail over 10–25 MB).
pub const MAX_ATTACHMENTS_BYTES: usize = 10 * 1024 * 1024;

/// An optional text (an English version, an HTML part): `None` when blank, refused when too long.
pub(super) fn optional_text(text: &Option<String>, max: usize) -> Result<Option<String>> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > max => {
            Err(Error::Invalid { code: "body.too_long", params: vec![("max", max.to_string())] })
        }
        Some(t) => Ok(Some(t.to_owned())),
        None => Ok(None),
    }
}

pub(super) fn require_body(body: &str, max: usize) -> Result<()> {
    if body.is_empty() {
        return Err(Error::invalid("body.required"));
    }
    if body.chars().count() > max {
        return Err(Error::Invalid { code: "body.too_long", params: vec![("max", max.to_string())] });
    }
    Ok(())
}

/// `{{1}}`, `{{2}}`… replaced by the parameters, in order.
pub fn render_placeholders(body: &str, params: &[String]) -> String {
    params.iter().enumerate().fold(body.to_owned(), |text, (i, p)| text.replace(&format!("{{{{{}}}}}", i + 1), p))
}

/// How many `{{n}}` placeholders a template has (the highest n).
pub fn placeholder_count(body: &str) -> u32 {
    (1..=20u32).filter(|n| body.contains(&format!("{{{{{n}}}}}"))).max().unwrap_or(0)
}

pub(super) fn check_attachments(input: &[AttachmentInput]) -> Result<Vec<Attachment>> {
    let mut total = 0usize;
    let mut out = Vec::with_capacity(input.len());
    for a in input {
        let name = a.filename.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(a.data_base64.trim())
            .map_err(|_| Error::Invalid { code: "attachment.invalid", params: vec![("name", name.to_owned())] })?;
        if name.is_empty() || name.contains(['/', '\\']) || bytes.is_empty() {
            return Err(Error::Invalid { code: "attachment.invalid", params: vec![("name", name.to_owned())] });
        }
        total += bytes.len();
        if total > MAX_ATTACHMENTS_BYTES {
            return Err(Error::Invalid {
                code: "attachment.too_large",
                params: vec![("max", format!("{} MB", MAX_ATTACHMENTS_BYTES / (1024 * 1024)))],
            });
        }
        let content_type = if a.content_type.trim().is_empty() {
            "application/octet-stream".to_owned()
        } else {
            a.content_type.trim().to_owned()
        };
        // A type the mail cannot carry is refused now, not when the message is built.
        if lettre::message::header::ContentType::parse(&content_type).is_err() {
            return Err(Error::Invalid { code: "attachment.invalid", params: vec![("name", name.to_owned())] });
        }
        out.push(Attachment { filename: name.to_owned(), content_type, data_base64: a.data_base64.trim().to_owned() });
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_in_order() {
        let body = "موعد {{1}} يوم {{2}} الساعة {{3}}";
        assert_eq!(placeholder_count(body), 3);
        let params = ["سارة".to_owned(), "الأحد".to_owned(), "10:30".to_owned()];
        assert_eq!(render_placeholders(body, &params), "موعد سارة يوم الأحد الساعة 10:30");
        assert_eq!(placeholder_count("no parameters"), 0);
    }

    #[test]
    fn attachments_must_decode_and_fit() {
        let ok = AttachmentInput {
            filename: "تقرير.pdf".into(),
            content_type: "application/pdf".into(),
            data_base64: "JVBERi0xLjQ=".into(),
        };
        assert_eq!(check_attachments(std::slice::from_ref(&ok)).unwrap().len(), 1);
        let bad = AttachmentInput { data_base64: "not base64!".into(), ..ok.clone() };
        assert_eq!(check_attachments(&[bad]).unwrap_err().code(), "attachment.invalid");
        let big = AttachmentInput {
            data_base64: base64::engine::general_purpose::STANDARD.encode(vec![0u8; MAX_ATTACHMENTS_BYTES + 1]),
            ..ok
        };
        assert_eq!(check_attachments(&[big]).unwrap_err().code(), "attachment.too_large");
    }
}
