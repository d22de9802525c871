use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::OutboxSettings;

use crate::Console;

#[tauri::command]
#[specta::specta]
pub async fn outbox_settings(console: State<'_, Console>) -> Result<OutboxSettings, ErrorPayload> {
    Ok(console.wasel()?.outbox_settings().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_outbox_settings(
    console: State<'_, Console>,
    input: OutboxSettings,
) -> Result<OutboxSettings, ErrorPayload> {
    Ok(console.wasel()?.save_outbox_settings(input, "console").await?)
}
