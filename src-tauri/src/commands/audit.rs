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

/// Where an export was saved.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedExport {
    pub path: String,
    pub bytes: u32,
}

/// Writes the export to the user's Downloads folder (the webview has no download manager) as
/// `wasel-audit-<UTC time>.csv`, readable by the user only, and says where.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.export_audit_csv")]
pub async fn export_audit_csv(
    console: State<'_, Console>,
    filter: AuditFilterInput,
) -> Result<SavedExport, ErrorPayload> {
    let csv = console.wasel()?.audit_trail(&console.caller().await?).export_csv(filter).await?;
    let dir = dirs::download_dir().or_else(dirs::home_dir).unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("wasel-audit-{}.csv", chrono::Utc::now().format("%Y%m%d-%H%M%S")));
    write_private(&path, csv.as_bytes()).map_err(|e| {
        tracing::warn!(error = %e, "could not save the audit export");
        ErrorPayload::new("export.save_failed").with("path", path.display().to_string())
    })?;
    Ok(SavedExport { path: path.display().to_string(), bytes: u32::try_from(csv.len()).unwrap_or(u32::MAX) })
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.verify_audit")]
pub async fn verify_audit(console: State<'_, Console>) -> Result<AuditVerification, ErrorPayload> {
    Ok(console.wasel()?.audit_trail(&console.caller().await?).verify().await?)
}
