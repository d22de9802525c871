//! The Contacts screen: search, one family, create or edit, consent per channel.

use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::{ConsentSource, ConsentView, ContactInput, ContactView, FamilyView};
use wasel_core::domain::Channel;

use crate::Console;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.search_contacts")]
pub async fn search_contacts(
    console: State<'_, Console>,
    query: String,
    limit: Option<u32>,
) -> Result<Vec<ContactView>, ErrorPayload> {
    Ok(console.wasel()?.contacts(&console.caller().await?).search(&query, limit).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.contact_family")]
pub async fn contact_family(console: State<'_, Console>, guardian_id: String) -> Result<FamilyView, ErrorPayload> {
    Ok(console.wasel()?.contacts(&console.caller().await?).family(&guardian_id).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.save_contact")]
pub async fn save_contact(console: State<'_, Console>, input: ContactInput) -> Result<ContactView, ErrorPayload> {
    Ok(console.wasel()?.contacts(&console.caller().await?).save_contact(input).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.set_consent")]
pub async fn set_consent(
    console: State<'_, Console>,
    guardian_id: String,
    channel: Channel,
    opted_in: bool,
    source: ConsentSource,
) -> Result<Vec<ConsentView>, ErrorPayload> {
    Ok(console.wasel()?.contacts(&console.caller().await?).set_consent(&guardian_id, channel, opted_in, source).await?)
}
