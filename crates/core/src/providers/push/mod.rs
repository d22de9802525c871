//! The push channel: one file per provider.

pub mod fcm;
pub mod onesignal;

use crate::error::{ProviderError, Recipient};
use crate::store::Db;

/// A push service that says a device's token is dead: stop sending to the device.
pub(crate) async fn forget_dead_device(db: &Db, service: &str, token: &str, e: &ProviderError) {
    if !matches!(e, ProviderError::Unreachable { problem: Recipient::DeviceUnregistered, .. }) {
        return;
    }
    match crate::store::queries::channels::disable_device(db, service, token, e.code()).await {
        Ok(true) => tracing::info!(service = %service, "push device disabled: its token is no longer valid"),
        Ok(false) => {}
        Err(err) => tracing::warn!(error = %err, "could not disable a dead push device"),
    }
}
