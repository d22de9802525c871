//! The email channel: one file per provider.
