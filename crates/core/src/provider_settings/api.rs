//! What the faces send and get back for Settings → Providers.

use serde::{Deserialize, Serialize};

use crate::domain::Channel;
use crate::error::ErrorPayload;

/// One provider in Settings → Providers.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    pub id: String,
    pub channel: Channel,
    /// Failover position within its channel (0 = first).
    pub position: u32,
    /// Real credentials saved (else the sandbox simulator stands in).
    pub configured: bool,
    pub fields: Vec<ProviderFieldView>,
    /// `closed`, `open`, `halfOpen` (the circuit breaker of the route in use).
    pub circuit: Option<String>,
    /// Requests per second this account may make (the limiter's rate).
    pub rate_per_sec: u32,
    /// Price per unit in halalas, for estimates.
    pub unit_price_halalas: u32,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderFieldView {
    pub key: String,
    /// Kept in the OS keychain; its value is never sent back.
    pub secret: bool,
    pub required: bool,
    /// Non-secret fields only.
    pub value: Option<String>,
    /// Whether a value is saved.
    pub set: bool,
    /// Shown as a multi-line box (a service-account JSON).
    pub multiline: bool,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderInput {
    pub id: String,
    /// Field key → value. An empty secret keeps the saved one.
    pub fields: std::collections::BTreeMap<String, String>,
    pub rate_per_sec: Option<u32>,
    pub unit_price_halalas: Option<u32>,
}

/// The result of "test connection" or "send a test", explained.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProviderCheckView {
    pub provider: String,
    pub ok: bool,
    /// Tried against the sandbox simulator (no real credentials saved).
    pub sandbox: bool,
    /// A short detail from the provider (account, balance, message id).
    pub detail: Option<String>,
    pub error: Option<ErrorPayload>,
    pub latency_ms: u32,
}
