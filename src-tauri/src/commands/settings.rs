use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::{OutboxSettings, SecuritySettings};

use crate::Console;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.outbox_settings")]
pub async fn outbox_settings(console: State<'_, Console>) -> Result<OutboxSettings, ErrorPayload> {
    Ok(console.wasel()?.settings(&console.caller().await?).outbox_settings().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.save_outbox_settings")]
pub async fn save_outbox_settings(
    console: State<'_, Console>,
    input: OutboxSettings,
) -> Result<OutboxSettings, ErrorPayload> {
    Ok(console.wasel()?.settings(&console.caller().await?).save_outbox_settings(input).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.security_settings")]
pub async fn security_settings(console: State<'_, Console>) -> Result<SecuritySettings, ErrorPayload> {
    Ok(console.wasel()?.settings(&console.caller().await?).security_settings().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.save_security_settings")]
pub async fn save_security_settings(
    console: State<'_, Console>,
    input: SecuritySettings,
) -> Result<SecuritySettings, ErrorPayload> {
    Ok(console.wasel()?.settings(&console.caller().await?).save_security_settings(input).await?)
}
