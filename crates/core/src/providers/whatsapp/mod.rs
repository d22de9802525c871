//! The whatsapp channel: one file per provider.
