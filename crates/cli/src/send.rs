//! `wasel send <channel>`: compose on any channel from the shell, optionally waiting for a status.

use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use wasel_core::api::{AttachmentInput, SendMessageInput, TemplateFill};
use wasel_core::domain::{Channel, MessageStatus};
use wasel_core::settings::Language;

use crate::output::{Failure, announce_sandbox, language, open, print_messages, signed_in};

#[derive(clap::Args)]
pub(crate) struct SendCommon {
    /// A guardian's id: their number, email or devices are used when no address is given.
    #[arg(long)]
    guardian: Option<String>,
    /// A repeat with the same key returns the first message instead of sending twice.
    #[arg(long)]
    key: Option<String>,
    /// Wait until this status (or a final one): queued (do not wait), sent, delivered.
    #[arg(long, default_value = "sent")]
    wait: String,
    /// Send later (RFC 3339, e.g. 2026-11-26T06:00:00Z).
    #[arg(long)]
    send_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Expire instead of sending after this time (RFC 3339).
    #[arg(long)]
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Ignore quiet hours.
    #[arg(long)]
    urgent: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub(crate) enum SendChannel {
    /// An SMS to a mobile number in any common Saudi form.
    Sms {
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        body: String,
        #[command(flatten)]
        common: SendCommon,
    },
    /// A WhatsApp message: an approved template (`--template name --param …`) or free text
    /// (`--body`, only within 24 hours of the guardian's last message).
    Whatsapp {
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long, default_value = "")]
        body: String,
        #[arg(long)]
        template: Option<String>,
        #[arg(long, default_value = "ar")]
        language: String,
        #[arg(long = "param")]
        params: Vec<String>,
        #[command(flatten)]
        common: SendCommon,
    },
    /// An email: text, optional HTML, attachments.
    Email {
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        html: Option<String>,
        /// A file to attach (repeatable).
        #[arg(long = "attach")]
        attachments: Vec<std::path::PathBuf>,
        #[command(flatten)]
        common: SendCommon,
    },
    /// A push notification to each registered device of a guardian (`--guardian`), in each
    /// device's language when an English version is given.
    Push {
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        title_en: Option<String>,
        #[arg(long)]
        body_en: Option<String>,
        #[command(flatten)]
        common: SendCommon,
    },
    /// A voice call that speaks the text (Arabic or English).
    Voice {
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        language: Option<String>,
        #[command(flatten)]
        common: SendCommon,
    },
}

pub(crate) async fn run(channel: SendChannel, lang_flag: Option<&str>) -> Result<(), Failure> {
    let (input, common) = send_input(channel)?;
    let wait = match common.wait.as_str() {
        "queued" => None,
        "sent" => Some(vec![MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Read]),
        "delivered" => Some(vec![MessageStatus::Delivered, MessageStatus::Read]),
        other => return Err(anyhow::anyhow!("--wait takes queued, sent or delivered, not {other:?}").into()),
    };
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    announce_sandbox(&wasel, lang).await;
    let views =
        signed_in(&wasel, lang, async |caller| send_and_wait(&wasel, caller, input, wait, lang).await).await??;
    print_messages(&views, common.json, lang);
    Ok(())
}

async fn send_and_wait(
    wasel: &wasel_core::Wasel,
    caller: &wasel_core::api::Caller,
    input: SendMessageInput,
    wait: Option<Vec<MessageStatus>>,
    lang: Language,
) -> Result<Vec<wasel_core::api::MessageView>, Failure> {
    let mut views = wasel.messaging(caller).send_message(input).await.map_err(|e| Failure::Core(e, lang))?;
    if let Some(mut statuses) = wait {
        statuses.extend([
            MessageStatus::Failed,
            MessageStatus::Unknown,
            MessageStatus::Cancelled,
            MessageStatus::Expired,
        ]);
        wasel.start_background();
        for view in &mut views {
            *view = wasel
                .messaging(caller)
                .wait_for(&view.id, &statuses, Duration::from_secs(60))
                .await
                .map_err(|e| Failure::Core(e, lang))?;
        }
        wasel.stop().await;
    }
    Ok(views)
}

/// The core's input for a `wasel send …` command.
fn send_input(channel: SendChannel) -> Result<(SendMessageInput, SendCommon), Failure> {
    let blank = |channel: Channel, to: String, body: String, common: &SendCommon| SendMessageInput {
        channel,
        to,
        guardian_id: common.guardian.clone(),
        body,
        idempotency_key: common.key.clone(),
        send_at: common.send_at,
        expires_at: common.expires_at,
        urgent: Some(common.urgent),
        template: None,
        subject: None,
        html: None,
        attachments: Vec::new(),
        language: None,
        subject_en: None,
        body_en: None,
    };
    Ok(match channel {
        SendChannel::Sms { to, body, common } => (blank(Channel::Sms, to, body, &common), common),
        SendChannel::Whatsapp { to, body, template, language, params, common } => {
            let mut input = blank(Channel::Whatsapp, to, body, &common);
            input.template = template.map(|name| TemplateFill { name, language, params });
            (input, common)
        }
        SendChannel::Email { to, subject, body, html, attachments, common } => {
            let mut input = blank(Channel::Email, to, body, &common);
            input.subject = Some(subject);
            input.html = html;
            for path in attachments {
                use base64::Engine;
                let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                // By its extension, as mail clients do (unknown: application/octet-stream).
                let content_type = mime_guess::from_path(&path).first_or_octet_stream();
                input.attachments.push(AttachmentInput {
                    filename,
                    content_type: content_type.essence_str().to_owned(),
                    data_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                });
            }
            (input, common)
        }
        SendChannel::Push { title, body, title_en, body_en, common } => {
            let mut input = blank(Channel::Push, String::new(), body, &common);
            input.subject = Some(title);
            input.subject_en = title_en;
            input.body_en = body_en;
            (input, common)
        }
        SendChannel::Voice { to, body, language, common } => {
            let mut input = blank(Channel::Voice, to, body, &common);
            input.language = match language.as_deref() {
                None => None,
                Some(l) => Some(Language::parse(l).with_context(|| format!("--language takes ar or en, not {l:?}"))?),
            };
            (input, common)
        }
    })
}
