use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::{AppStatus, OutboxSettings, TwilioCredentialsInput};

use crate::Console;

#[tauri::command]
#[specta::specta]
pub async fn save_twilio_credentials(
    console: State<'_, Console>,
    input: TwilioCredentialsInput,
) -> Result<AppStatus, ErrorPayload> {
    Ok(console.wasel()?.save_twilio_credentials(input).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn clear_twilio_credentials(console: State<'_, Console>) -> Result<AppStatus, ErrorPayload> {
    Ok(console.wasel()?.clear_twilio_credentials().await?)
}

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
