//! The push channel: one file per provider.

pub mod fcm;
pub mod onesignal;
