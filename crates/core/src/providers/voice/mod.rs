//! The voice channel: one file per provider.

pub mod twilio;
