use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::{ProviderCheckView, ProviderInput, ProviderView};
use wasel_core::domain::Channel;

use crate::Console;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.list_providers")]
pub async fn list_providers(console: State<'_, Console>) -> Result<Vec<ProviderView>, ErrorPayload> {
    Ok(console.wasel()?.providers(&console.caller().await?).list_providers().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.save_provider", fields(provider = %input.id))]
pub async fn save_provider(
    console: State<'_, Console>,
    input: ProviderInput,
) -> Result<Vec<ProviderView>, ErrorPayload> {
    Ok(console.wasel()?.providers(&console.caller().await?).save_provider(input).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.clear_provider")]
pub async fn clear_provider(console: State<'_, Console>, id: String) -> Result<Vec<ProviderView>, ErrorPayload> {
    Ok(console.wasel()?.providers(&console.caller().await?).clear_provider(&id).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.set_failover_order")]
pub async fn set_failover_order(
    console: State<'_, Console>,
    channel: Channel,
    ids: Vec<String>,
) -> Result<Vec<ProviderView>, ErrorPayload> {
    Ok(console.wasel()?.providers(&console.caller().await?).set_failover_order(channel, ids).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.test_provider")]
pub async fn test_provider(console: State<'_, Console>, id: String) -> Result<ProviderCheckView, ErrorPayload> {
    Ok(console.wasel()?.providers(&console.caller().await?).test_provider(&id).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.send_provider_test")]
pub async fn send_provider_test(
    console: State<'_, Console>,
    id: String,
    to: String,
) -> Result<ProviderCheckView, ErrorPayload> {
    Ok(console.wasel()?.providers(&console.caller().await?).send_provider_test(&id, &to).await?)
}
