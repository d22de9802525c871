//! Thin commands: parse, call `wasel-core`, map the error to `{code, params}`.

pub mod audit;
pub mod channels;
pub mod contacts;
pub mod messages;
pub mod providers;
pub mod settings;
pub mod status;
pub mod users;
