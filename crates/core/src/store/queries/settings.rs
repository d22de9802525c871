//! `communication_settings`: small key/value settings. Never secrets: only keychain references.

use crate::error::Result;
use crate::on_db;
use crate::store::{Db, now};

pub async fn get(db: &Db, key: &str) -> Result<Option<String>> {
    const SQL: &str = "SELECT value FROM communication_settings WHERE key = $1";
    let value: Option<(String,)> = on_db!(db, p => sqlx::query_as(SQL).bind(key).fetch_optional(p).await?);
    Ok(value.map(|(v,)| v))
}

pub async fn set(db: &Db, key: &str, value: &str) -> Result<()> {
    const SQL: &str = "INSERT INTO communication_settings (key, value, updated_at) VALUES ($1, $2, $3) \
                       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
    on_db!(db, p => sqlx::query(SQL).bind(key).bind(value).bind(now()).execute(p).await?.rows_affected());
    Ok(())
}

pub async fn delete(db: &Db, key: &str) -> Result<()> {
    const SQL: &str = "DELETE FROM communication_settings WHERE key = $1";
    on_db!(db, p => sqlx::query(SQL).bind(key).execute(p).await?.rows_affected());
    Ok(())
}
