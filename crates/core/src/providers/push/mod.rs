//! The push channel: one file per provider.
