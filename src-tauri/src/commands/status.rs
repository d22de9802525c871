use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::AppStatus;
use wasel_core::settings::Language;

use crate::Console;

#[tauri::command]
#[specta::specta]
pub async fn app_status(console: State<'_, Console>) -> Result<AppStatus, ErrorPayload> {
    Ok(console.wasel()?.status().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_language(console: State<'_, Console>, language: Language) -> Result<AppStatus, ErrorPayload> {
    Ok(console.wasel()?.set_language(language).await?)
}
