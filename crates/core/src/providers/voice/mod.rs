//! The voice channel: one file per provider.
