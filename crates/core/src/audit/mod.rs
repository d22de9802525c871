//! The audit trail: append-only, each row hash-chained to the one before, so an edit, a deleted
//! row or a swapped pair shows (`verify`). Sensitive actions are written here in the same
//! transaction as the change they describe; `query` reads it back for the Audit screen.

pub mod query;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{Caller, Origin};
use crate::error::Result;
use crate::store::{Tx, now};

/// The hash a chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The username, `system`, or for a failed sign-in the name that was typed.
    pub actor: String,
    /// Where it came from: console, CLI, API client, or Wasel's own work.
    pub origin: Origin,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Entry<'a> {
    /// An entry for what `caller` did to `entity`.
    pub fn by(caller: &Caller, action: &'a str, entity: &'a str, entity_id: Option<String>) -> Self {
        Self { actor: caller.name(), origin: caller.origin, action, entity, entity_id, before: None, after: None }
    }

    pub fn change(mut self, before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> Self {
        self.before = before;
        self.after = after;
        self
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// Empty on rows written before origins were recorded (they hash as they always did).
    pub origin: String,
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
    if !r.origin.is_empty() {
        h.update(r.origin.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `entry` inside `tx`. On PostgreSQL an advisory lock keeps the chain linear across
/// workers; SQLite writers are already serialised.
pub async fn append(tx: &mut Tx, entry: Entry<'_>) -> Result<()> {
    const LOCK: &str = "SELECT pg_advisory_xact_lock(7274)";
    const LAST: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
    const INSERT: &str = "INSERT INTO audit_log (id, seq, at, actor, origin, action, entity, entity_id, before, after, prev_hash, hash) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    if let Tx::Postgres(t) = tx {
        sqlx::query(LOCK).execute(&mut **t).await?;
    }
    let last: Option<(i64, String)> = crate::on_tx!(tx, t => sqlx::query_as(LAST).fetch_optional(&mut **t).await?);
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let at = now();
    let mut row = Row {
        seq,
        at,
        actor: entry.actor,
        origin: entry.origin.as_str().to_owned(),
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
        .bind(&row.origin)
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
    const SQL: &str = "SELECT seq, at, actor, origin, action, entity, entity_id, before, after, prev_hash, hash \
                       FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq";
    Ok(crate::on_db!(db, p => sqlx::query_as(SQL).bind(entity).bind(entity_id).fetch_all(p).await?))
}

/// What `verify` found: how many rows it read and the first broken link, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked: i64,
    pub broken: Option<Broken>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The sequence number of the first row that does not fit.
    pub seq: i64,
    pub problem: Problem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A row is missing before this one (deleted), or rows were reordered.
    Gap,
    /// This row does not point at the row before it.
    Link,
    /// This row's content does not match its hash (edited).
    Content,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Gap => "gap",
            Problem::Link => "link",
            Problem::Content => "content",
        }
    }
}

/// Checks the whole chain in pages, oldest first.
pub async fn verify(db: &crate::store::Db) -> Result<Verification> {
    const SQL: &str = "SELECT seq, at, actor, origin, action, entity, entity_id, before, after, prev_hash, hash \
                       FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 2000";
    let (mut prev, mut expected, mut checked) = (GENESIS.to_owned(), 1_i64, 0_i64);
    loop {
        let rows: Vec<Row> = crate::on_db!(db, p => sqlx::query_as(SQL).bind(expected - 1).fetch_all(p).await?);
        if rows.is_empty() {
            return Ok(Verification { checked, broken: None });
        }
        for r in rows {
            let problem = if r.seq != expected {
                Some(Problem::Gap)
            } else if r.prev_hash != prev {
                Some(Problem::Link)
            } else if digest(&prev, r.seq, &r.at, &r) != r.hash {
                Some(Problem::Content)
            } else {
                None
            };
            if let Some(problem) = problem {
                return Ok(Verification { checked, broken: Some(Broken { seq: r.seq, problem }) });
            }
            checked += 1;
            expected += 1;
            prev = r.hash;
        }
    }
}
