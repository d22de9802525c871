//! The SMS channel: one file per provider, behind [`crate::providers::Provider`].

pub mod msegat;
pub mod taqnyat;
pub mod twilio;
