use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::{
    DeviceView, InboundInput, InboxItem, MessagePreview, MessageView, SendMessageInput, TemplateView,
};
use wasel_core::domain::Channel;

use crate::Console;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.preview_message")]
pub async fn preview_message(
    console: State<'_, Console>,
    input: SendMessageInput,
) -> Result<MessagePreview, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).preview_message(&input).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.send_message")]
pub async fn send_message(
    console: State<'_, Console>,
    input: SendMessageInput,
) -> Result<Vec<MessageView>, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).send_message(input).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.whatsapp_templates")]
pub async fn whatsapp_templates(console: State<'_, Console>) -> Result<Vec<TemplateView>, ErrorPayload> {
    Ok(console.wasel()?.providers(&console.caller().await?).whatsapp_templates().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.refresh_whatsapp_templates")]
pub async fn refresh_whatsapp_templates(console: State<'_, Console>) -> Result<Vec<TemplateView>, ErrorPayload> {
    Ok(console.wasel()?.providers(&console.caller().await?).refresh_whatsapp_templates().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.guardian_devices")]
pub async fn guardian_devices(
    console: State<'_, Console>,
    guardian_id: String,
) -> Result<Vec<DeviceView>, ErrorPayload> {
    Ok(console.wasel()?.messaging(&console.caller().await?).guardian_devices(&guardian_id).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.sandbox_inbox")]
pub async fn sandbox_inbox(
    console: State<'_, Console>,
    channel: Option<Channel>,
) -> Result<Vec<InboxItem>, ErrorPayload> {
    Ok(console.wasel()?.sandbox_inbox(&console.caller().await?).list(channel).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.clear_sandbox_inbox")]
pub async fn clear_sandbox_inbox(console: State<'_, Console>) -> Result<(), ErrorPayload> {
    Ok(console.wasel()?.sandbox_inbox(&console.caller().await?).clear().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.simulate_reply")]
pub async fn simulate_reply(console: State<'_, Console>, input: InboundInput) -> Result<(), ErrorPayload> {
    Ok(console.wasel()?.sandbox_inbox(&console.caller().await?).reply(input).await?)
}
