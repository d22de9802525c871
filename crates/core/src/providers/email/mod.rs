//! The email channel: one file per provider.
pub mod smtp;
