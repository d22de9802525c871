//! Plain SQL, one file per aggregate. `$1` placeholders work on both SQLite and PostgreSQL.

pub mod channels;
pub mod contacts;
pub mod guardians;
pub mod idempotency;
pub mod messages;
pub mod outbox;
pub mod sealed;
pub mod settings;
pub mod users;
