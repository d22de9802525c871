//! Wasel's core: everything that decides or stores. The faces (the desktop host `src-tauri`, the
//! CLI, the HTTP server) only parse input, call a feature through [`Wasel`], and present the
//! result. Layers point down only: domain ← store ← outbox, providers ← features ← faces
//! (docs/architecture.md; `tests/layers.rs` enforces it).

rust_i18n::i18n!("../../locales", fallback = "ar");

pub mod api;
pub mod audit;
pub mod audit_trail;
pub mod boot;
pub mod contacts;
pub mod context;
pub mod domain;
pub mod error;
pub mod faults;
pub mod i18n;
pub mod identity;
pub mod messaging;
pub mod outbox;
pub mod ports;
pub mod provider_settings;
pub mod providers;
pub mod requests;
pub mod sandbox;
pub mod secrets;
pub mod settings;
pub mod store;
pub mod users;
pub mod webhooks;

pub use context::{Wasel, WaselConfig};
pub use error::{Error, ErrorPayload, Result};
