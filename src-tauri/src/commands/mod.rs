//! Thin commands: parse, call `wasel-core`, map the error to `{code, params}`.

pub mod messages;
pub mod settings;
pub mod status;
