use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::AppStatus;
use wasel_core::settings::Language;

use crate::Console;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.app_status")]
pub async fn app_status(console: State<'_, Console>) -> Result<AppStatus, ErrorPayload> {
    Ok(console.wasel()?.settings(&Console::anonymous()).status().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.set_language")]
pub async fn set_language(console: State<'_, Console>, language: Language) -> Result<AppStatus, ErrorPayload> {
    Ok(console.wasel()?.settings(&Console::anonymous()).set_language(language).await?)
}
