use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::{
    AttemptView, GuardianView, MessageEventView, MessageFilter, MessageView, OperatorAction, SendSmsInput, SmsDraft,
    SmsPreview,
};

use crate::Console;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.preview_sms")]
pub async fn preview_sms(console: State<'_, Console>, input: SmsDraft) -> Result<SmsPreview, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).preview_sms(&input)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.send_sms")]
pub async fn send_sms(console: State<'_, Console>, input: SendSmsInput) -> Result<MessageView, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).send_sms(input).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.list_messages")]
pub async fn list_messages(
    console: State<'_, Console>,
    filter: MessageFilter,
) -> Result<Vec<MessageView>, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).list_messages(filter).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.message_timeline")]
pub async fn message_timeline(console: State<'_, Console>, id: String) -> Result<Vec<MessageEventView>, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).message_timeline(&id).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.list_guardians")]
pub async fn list_guardians(console: State<'_, Console>) -> Result<Vec<GuardianView>, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).list_guardians().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.act_on_message")]
pub async fn act_on_message(
    console: State<'_, Console>,
    id: String,
    action: OperatorAction,
) -> Result<MessageView, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).act_on_message(&id, action).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.needs_attention")]
pub async fn needs_attention(console: State<'_, Console>) -> Result<Vec<MessageView>, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).needs_attention().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.message_attempts")]
pub async fn message_attempts(console: State<'_, Console>, id: String) -> Result<Vec<AttemptView>, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).message_attempts(&id).await?)
}
