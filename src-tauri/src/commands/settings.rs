use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::OutboxSettings;

use crate::Console;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.outbox_settings")]
pub async fn outbox_settings(console: State<'_, Console>) -> Result<OutboxSettings, ErrorPayload> {
    Ok(console.wasel()?.settings().outbox_settings().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.save_outbox_settings")]
pub async fn save_outbox_settings(
    console: State<'_, Console>,
    input: OutboxSettings,
) -> Result<OutboxSettings, ErrorPayload> {
    Ok(console.wasel()?.settings().save_outbox_settings(input, "console").await?)
}
