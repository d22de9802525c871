//! Wasel's core: everything that decides or stores. The desktop host (`src-tauri`) and the CLI
//! only parse input, call into [`app::Wasel`], and present the result.

rust_i18n::i18n!("../../locales", fallback = "ar");

pub mod api;
pub mod app;
pub mod audit;
pub mod bench;
pub mod domain;
pub mod error;
pub mod faults;
pub mod i18n;
pub mod outbox;
pub mod providers;
pub mod secrets;
pub mod settings;
pub mod store;
pub mod webhooks;

pub use app::{Wasel, WaselConfig};
pub use error::{Error, ErrorPayload, Result};
