//! The audit trail: append-only, each row hash-chained to the one before, so an edit or a gap
//! shows (`verify`). Operator actions and settings changes are written here, in the same
//! transaction as the change they describe.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::Result;
use crate::store::{Tx, now};

/// The hash a chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

fn digest(prev: &str, seq: i64, at: &DateTime<Utc>, r: &Row) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        &at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        &r.actor,
        &r.action,
        &r.entity,
        r.entity_id.as_deref().unwrap_or(""),
        r.before.as_deref().unwrap_or(""),
        r.after.as_deref().unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `entry` inside `tx`. On PostgreSQL an advisory lock keeps the chain linear across
/// workers; SQLite writers are already serialised.
pub async fn append(tx: &mut Tx, entry: Entry<'_>) -> Result<()> {
    const LOCK: &str = "SELECT pg_advisory_xact_lock(7274)";
    const LAST: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
    const INSERT: &str = "INSERT INTO audit_log (id, seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    if let Tx::Postgres(t) = tx {
        sqlx::query(LOCK).execute(&mut **t).await?;
    }
    let last: Option<(i64, String)> = crate::on_tx!(tx, t => sqlx::query_as(LAST).fetch_optional(&mut **t).await?);
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let at = now();
    let mut row = Row {
        seq,
        at,
        actor: entry.actor.to_owned(),
        action: entry.action.to_owned(),
        entity: entry.entity.to_owned(),
        entity_id: entry.entity_id,
        before: entry.before.map(|v| v.to_string()),
        after: entry.after.map(|v| v.to_string()),
        prev_hash: prev.clone(),
        hash: String::new(),
    };
    row.hash = digest(&prev, seq, &at, &row);
    crate::on_tx!(tx, t => sqlx::query(INSERT)
        .bind(Uuid::now_v7())
        .bind(row.seq)
        .bind(row.at)
        .bind(&row.actor)
        .bind(&row.action)
        .bind(&row.entity)
        .bind(&row.entity_id)
        .bind(&row.before)
        .bind(&row.after)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(&mut **t)
        .await?
        .rows_affected());
    Ok(())
}

/// Reads the trail for one entity, oldest first.
pub async fn for_entity(db: &crate::store::Db, entity: &str, entity_id: &str) -> Result<Vec<Row>> {
    const SQL: &str = "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash \
                       FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq";
    Ok(crate::on_db!(db, p => sqlx::query_as(SQL).bind(entity).bind(entity_id).fetch_all(p).await?))
}

/// Checks the whole chain. Returns the first broken sequence number, if any.
pub async fn verify(db: &crate::store::Db) -> Result<Option<i64>> {
    const SQL: &str =
        "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash FROM audit_log ORDER BY seq";
    let rows: Vec<Row> = crate::on_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await?);
    let mut prev = GENESIS.to_owned();
    for (i, r) in rows.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if r.seq != expected_seq || r.prev_hash != prev || digest(&prev, r.seq, &r.at, r) != r.hash {
            return Ok(Some(r.seq));
        }
        prev = r.hash.clone();
    }
    Ok(None)
}
