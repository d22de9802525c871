//! `api_idempotency`: the HTTP API's saved answers, one per user and Idempotency-Key.

use uuid::Uuid;

use crate::error::Result;
use crate::on_db;
use crate::store::{Db, now};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SavedRow {
    pub method: String,
    pub path: String,
    pub body_hash: String,
    pub status: Option<i32>,
    pub response: Option<String>,
}

/// Claims the key for this request; `false` when someone already has it.
pub async fn claim(db: &Db, user: Uuid, key: &str, method: &str, path: &str, body_hash: &str) -> Result<bool> {
    const SQL: &str = "INSERT INTO api_idempotency (user_id, key, method, path, body_hash, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, key) DO NOTHING";
    let n = on_db!(db, p => sqlx::query(SQL).bind(user).bind(key).bind(method).bind(path).bind(body_hash).bind(now()).execute(p).await?.rows_affected());
    Ok(n == 1)
}

pub async fn get(db: &Db, user: Uuid, key: &str) -> Result<Option<SavedRow>> {
    const SQL: &str =
        "SELECT method, path, body_hash, status, response FROM api_idempotency WHERE user_id = $1 AND key = $2";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(user).bind(key).fetch_optional(p).await?))
}

pub async fn save(db: &Db, user: Uuid, key: &str, status: i32, response: &str) -> Result<()> {
    const SQL: &str = "UPDATE api_idempotency SET status = $3, response = $4 WHERE user_id = $1 AND key = $2";
    on_db!(db, p => sqlx::query(SQL).bind(user).bind(key).bind(status).bind(response).execute(p).await?.rows_affected());
    Ok(())
}

/// Lets the key go (the request failed before acting, e.g. a server error): a retry may use it.
pub async fn release(db: &Db, user: Uuid, key: &str) -> Result<()> {
    const SQL: &str = "DELETE FROM api_idempotency WHERE user_id = $1 AND key = $2 AND status IS NULL";
    on_db!(db, p => sqlx::query(SQL).bind(user).bind(key).execute(p).await?.rows_affected());
    Ok(())
}

/// Forgets answers older than `days` (a client retries within minutes, not weeks).
pub async fn prune(db: &Db, days: i64) -> Result<u64> {
    const SQL: &str = "DELETE FROM api_idempotency WHERE created_at < $1";
    Ok(on_db!(db, p => sqlx::query(SQL).bind(now() - chrono::Duration::days(days)).execute(p).await?.rows_affected()))
}
