//! The Audit screen: the trail filtered, exported as CSV, and its hash chain checked.

use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::{AuditEntryView, AuditFilterInput, AuditVerification};

use crate::Console;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.audit_entries")]
pub async fn audit_entries(
    console: State<'_, Console>,
    filter: AuditFilterInput,
) -> Result<Vec<AuditEntryView>, ErrorPayload> {
    Ok(console.wasel()?.audit_trail(&console.caller().await?).entries(filter).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.export_audit_csv")]
pub async fn export_audit_csv(console: State<'_, Console>, filter: AuditFilterInput) -> Result<String, ErrorPayload> {
    Ok(console.wasel()?.audit_trail(&console.caller().await?).export_csv(filter).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.verify_audit")]
pub async fn verify_audit(console: State<'_, Console>) -> Result<AuditVerification, ErrorPayload> {
    Ok(console.wasel()?.audit_trail(&console.caller().await?).verify().await?)
}
