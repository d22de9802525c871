//! What the faces get back about the data keys.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct KeyStatus {
    pub current: Option<String>,
    /// Each key id still sealing values, and how many.
    pub values_per_key: Vec<(String, i64)>,
    /// Values sealed with an older key (a rotation to finish).
    pub stale: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RotationReport {
    pub key: String,
    pub resealed: u64,
    pub batches: u64,
}
