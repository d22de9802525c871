//! `wasel messages …`: read the outbox, and the operator's actions on one message.

use anyhow::Context;
use clap::Subcommand;
use wasel_core::api::{MessageFilter, OperatorAction};
use wasel_core::domain::MessageStatus;

use crate::output::{Failure, language, open, print_messages, signed_in};

#[derive(Subcommand)]
pub(crate) enum MessagesAction {
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One message with its timeline.
    Show { id: String },
    /// Messages whose outcome is unknown and wait for an operator.
    Attention {
        #[arg(long)]
        json: bool,
    },
    /// Stop a queued, scheduled or unknown message (audited).
    Cancel { id: String },
    /// Send a message waiting for its retry now (audited).
    Retry { id: String },
    /// Send an unknown message again, after checking it did not arrive (audited).
    Resend { id: String },
    /// Close an unknown message without sending, after checking it arrived (audited).
    Dismiss { id: String },
}

pub(crate) async fn run(action: MessagesAction, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    signed_in(&wasel, lang, async |caller| act(&wasel, caller, action, lang).await).await?
}

async fn act(
    wasel: &wasel_core::Wasel,
    caller: &wasel_core::api::Caller,
    action: MessagesAction,
    lang: wasel_core::settings::Language,
) -> Result<(), Failure> {
    let core = |e| Failure::Core(e, lang);
    let (id, op) = match action {
        MessagesAction::List { status, limit, json } => {
            let status = match status.as_deref() {
                None => None,
                Some(s) => Some(MessageStatus::parse(s).with_context(|| format!("unknown status {s:?}"))?),
            };
            let filter = MessageFilter { status, limit: Some(limit), ..MessageFilter::default() };
            let list = wasel.messaging(caller).list_messages(filter).await.map_err(core)?;
            print_messages(&list, json, lang);
            return Ok(());
        }
        MessagesAction::Show { id } => {
            let m = wasel.messaging(caller).message(&id).await.map_err(core)?;
            print_messages(std::slice::from_ref(&m), false, lang);
            for e in wasel.messaging(caller).message_timeline(&id).await.map_err(core)? {
                println!(
                    "  {}  {:<9}  {:<8}  {}",
                    e.at.format("%Y-%m-%d %H:%M:%S%.3f"),
                    e.status.as_str(),
                    e.source.as_str(),
                    e.detail.unwrap_or_default()
                );
            }
            return Ok(());
        }
        MessagesAction::Attention { json } => {
            print_messages(&wasel.messaging(caller).needs_attention().await.map_err(core)?, json, lang);
            return Ok(());
        }
        MessagesAction::Cancel { id } => (id, OperatorAction::Cancel),
        MessagesAction::Retry { id } => (id, OperatorAction::RetryNow),
        MessagesAction::Resend { id } => (id, OperatorAction::Resend),
        MessagesAction::Dismiss { id } => (id, OperatorAction::Dismiss),
    };
    let m = wasel.messaging(caller).act_on_message(&id, op).await.map_err(core)?;
    print_messages(&[m], false, lang);
    Ok(())
}
