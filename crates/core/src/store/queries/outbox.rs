//! The dispatcher's statements, batched: claim many due messages under one lease, then complete
//! many in one transaction. Each obeys the status rule of `domain::message` (asserted below).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use sqlx::types::Json;
use uuid::Uuid;

use crate::domain::{Channel, MessageStatus};
use crate::error::{ErrorPayload, Result};
use crate::on_db;
use crate::store::{Db, now};

/// What a worker needs to send a claimed message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: Uuid,
    pub idempotency_key: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    /// `domain::Content` as JSON; `NULL` for SMS.
    pub content: Option<String>,
    pub to_address: String,
    pub body: String,
    pub sandbox: bool,
    pub attempts: i32,
    pub max_attempts: i32,
    pub created_at: DateTime<Utc>,
    /// The provider it was last handed to (set on failover and on completion).
    pub provider: Option<String>,
    /// Set as soon as a provider took it: an `unknown` message with one was sent.
    pub provider_message_id: Option<String>,
}

/// One new row of `message_events`.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub message_id: Uuid,
    pub status: MessageStatus,
    pub source: &'static str,
    pub at: DateTime<Utc>,
    pub detail: Option<String>,
}

/// One provider call, for `message_attempts`.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub attempt_no: i32,
    pub provider: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub http_status: Option<i32>,
    pub provider_error_code: Option<String>,
    pub error_class: Option<&'static str>,
    pub outcome: &'static str,
}

/// The end of one claimed message's attempt.
#[derive(Debug, Clone)]
pub struct Completion {
    pub id: Uuid,
    pub status: MessageStatus,
    pub provider: String,
    pub provider_message_id: Option<String>,
    pub error: Option<ErrorPayload>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub attempt: Attempt,
    pub detail: Option<String>,
    /// The call was never made (too little lease left, our own rate limit): the claim's attempt
    /// is given back, so waiting never uses up the message's attempts.
    pub give_back: bool,
}

macro_rules! insert_events {
    ($conn:expr, $events:expr) => {{
        for chunk in $events.chunks(500) {
            let mut b = QueryBuilder::new("INSERT INTO message_events (id, message_id, status, source, at, detail) ");
            b.push_values(chunk, |mut row, e| {
                row.push_bind(Uuid::now_v7())
                    .push_bind(e.message_id)
                    .push_bind(e.status.as_str())
                    .push_bind(e.source)
                    .push_bind(e.at)
                    .push_bind(e.detail.clone());
            });
            b.build().execute(&mut *$conn).await?;
        }
    }};
}

macro_rules! insert_attempts {
    ($conn:expr, $items:expr) => {{
        for chunk in $items.chunks(500) {
            let mut b = QueryBuilder::new(
                "INSERT INTO message_attempts (id, message_id, attempt_no, provider, started_at, finished_at, latency_ms, \
                 http_status, provider_error_code, error_class, outcome) ",
            );
            b.push_values(chunk, |mut row, c: &&Completion| {
                let a = &c.attempt;
                row.push_bind(Uuid::now_v7())
                    .push_bind(c.id)
                    .push_bind(a.attempt_no)
                    .push_bind(a.provider.clone())
                    .push_bind(a.started_at)
                    .push_bind(a.finished_at)
                    .push_bind((a.finished_at - a.started_at).num_milliseconds())
                    .push_bind(a.http_status)
                    .push_bind(a.provider_error_code.clone())
                    .push_bind(a.error_class)
                    .push_bind(a.outcome);
            });
            b.build().execute(&mut *$conn).await?;
        }
    }};
}

/// Events and attempts for the rows that changed, then the commit.
macro_rules! finish_completion {
    ($tx:expr, $applied:expr, $at:expr) => {{
        let events: Vec<NewEvent> = $applied
            .iter()
            .map(|c| NewEvent {
                message_id: c.id,
                status: c.status,
                source: "dispatch",
                at: $at,
                detail: c.detail.clone(),
            })
            .collect();
        if !events.is_empty() {
            insert_events!($tx, events);
            insert_attempts!($tx, $applied);
        }
        crate::fault_point!("mid_commit");
        $tx.commit().await?;
        $applied.iter().map(|c| (c.id, c.status)).collect::<Vec<_>>()
    }};
}

/// Writes events in one statement (per 500).
pub async fn record_events(db: &Db, events: &[NewEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    on_db!(db, p => {
        let mut conn = p.acquire().await?;
        insert_events!(conn, events);
    });
    Ok(())
}

/// Moves up to `limit` due queued messages to `sending` under a lease held by `owner`; during
/// quiet hours (`urgent_only`) only urgent ones.
pub async fn claim(
    db: &Db,
    owner: &str,
    lease_until: DateTime<Utc>,
    limit: i64,
    urgent_only: bool,
) -> Result<Vec<Claimed>> {
    debug_assert!(MessageStatus::Sending.can_follow(MessageStatus::Queued));
    const PG: &str = "UPDATE messages SET status = 'sending', lease_owner = $1, lease_expires_at = $2, \
         attempts = attempts + 1, updated_at = $3, provider = NULL, provider_message_id = NULL \
         WHERE id IN (SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= $3 AND (urgent OR NOT $5) \
                      ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
         RETURNING id, idempotency_key, channel, content, to_address, body, sandbox, attempts, max_attempts, created_at, provider, provider_message_id";
    const SQLITE: &str = "UPDATE messages SET status = 'sending', lease_owner = $1, lease_expires_at = $2, \
         attempts = attempts + 1, updated_at = $3, provider = NULL, provider_message_id = NULL \
         WHERE id IN (SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= $3 AND (urgent OR NOT $5) \
                      ORDER BY next_attempt_at LIMIT $4) \
         RETURNING id, idempotency_key, channel, content, to_address, body, sandbox, attempts, max_attempts, created_at, provider, provider_message_id";
    let at = now();
    // The same statement but for the row lock, which only PostgreSQL has (SQLite's writer is alone).
    let sql = match db {
        Db::Sqlite(_) => SQLITE,
        Db::Postgres(_) => PG,
    };
    let mut tx = db.begin().await?;
    let claimed: Vec<Claimed> = crate::on_tx!(&mut tx, t => {
        let rows: Vec<Claimed> = sqlx::query_as(sql)
            .bind(owner)
            .bind(lease_until)
            .bind(at)
            .bind(limit)
            .bind(urgent_only)
            .fetch_all(&mut **t)
            .await?;
        // The clock is read again after the statement: a row it claimed was committed `queued`
        // before the statement began, so its `queued` event is older than this even when `at`
        // was read before that commit (the timeline never shows `sending` before `queued`).
        let claimed_at = now();
        let events: Vec<NewEvent> = rows.iter().map(|c| sending_event(c.id, claimed_at, owner)).collect();
        if !events.is_empty() {
            insert_events!((*t), events);
        }
        rows
    });
    tx.commit().await?;
    Ok(claimed)
}

fn sending_event(id: Uuid, at: DateTime<Utc>, owner: &str) -> NewEvent {
    NewEvent { message_id: id, status: MessageStatus::Sending, source: "dispatch", at, detail: Some(owner.to_owned()) }
}

/// Applies the outcomes of one batch in one transaction. Only rows still `sending` under this
/// owner's lease change (a row whose lease expired was taken away); returns those that changed.
pub async fn complete(db: &Db, owner: &str, items: &[Completion]) -> Result<Vec<(Uuid, MessageStatus)>> {
    const UPDATE: &str = "UPDATE messages SET status = $2, updated_at = $3, provider = $4, \
         provider_message_id = COALESCE($5, provider_message_id), error_code = $6, error_params = $7, \
         next_attempt_at = COALESCE($8, next_attempt_at), \
         sent_at = CASE WHEN $2 IN ('sent', 'delivered', 'read') AND sent_at IS NULL THEN $3 ELSE sent_at END, \
         delivered_at = CASE WHEN $2 IN ('delivered', 'read') AND delivered_at IS NULL THEN $3 ELSE delivered_at END, \
         lease_owner = NULL, lease_expires_at = NULL, attempts = attempts - $10 \
         WHERE id = $1 AND status = 'sending' AND lease_owner = $9";
    if items.is_empty() {
        return Ok(Vec::new());
    }
    for c in items {
        debug_assert!(c.status.can_follow(MessageStatus::Sending), "sending -> {:?}", c.status);
    }
    let at = now();
    let applied = match db {
        // SQLite runs in-process: one statement per row costs no round trip.
        Db::Sqlite(p) => {
            let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
            let mut applied: Vec<&Completion> = Vec::with_capacity(items.len());
            for c in items {
                let error_code = c.error.as_ref().map(|e| e.code.clone());
                let error_params: Option<Json<BTreeMap<String, String>>> =
                    c.error.as_ref().map(|e| Json(e.params.clone()));
                let n = sqlx::query(UPDATE)
                    .bind(c.id)
                    .bind(c.status.as_str())
                    .bind(at)
                    .bind(&c.provider)
                    .bind(&c.provider_message_id)
                    .bind(error_code)
                    .bind(error_params)
                    .bind(c.next_attempt_at)
                    .bind(owner)
                    .bind(i32::from(c.give_back))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 1 {
                    applied.push(c);
                }
            }
            finish_completion!(tx, applied, at)
        }
        // PostgreSQL: one UPDATE … FROM (VALUES …) for the whole batch.
        Db::Postgres(p) => {
            let mut tx = p.begin().await?;
            let mut b = QueryBuilder::new("UPDATE messages AS m SET status = v.status, updated_at = ");
            b.push_bind(at);
            b.push(
                ", provider = v.provider, provider_message_id = COALESCE(v.pmid, m.provider_message_id), \
                 error_code = v.error_code, error_params = v.error_params, \
                 next_attempt_at = COALESCE(v.next_at, m.next_attempt_at), \
                 sent_at = CASE WHEN v.status IN ('sent', 'delivered', 'read') AND m.sent_at IS NULL THEN ",
            );
            b.push_bind(at);
            b.push(" ELSE m.sent_at END, delivered_at = CASE WHEN v.status IN ('delivered', 'read') AND m.delivered_at IS NULL THEN ");
            b.push_bind(at);
            b.push(
                " ELSE m.delivered_at END, lease_owner = NULL, lease_expires_at = NULL, attempts = m.attempts - v.give_back \
                 FROM (VALUES ",
            );
            for (n, c) in items.iter().enumerate() {
                if n > 0 {
                    b.push(", ");
                }
                b.push("(");
                b.push_bind(c.id).push("::uuid, ");
                b.push_bind(c.status.as_str()).push("::text, ");
                b.push_bind(c.provider.clone()).push("::text, ");
                b.push_bind(c.provider_message_id.clone()).push("::text, ");
                b.push_bind(c.error.as_ref().map(|e| e.code.clone())).push("::text, ");
                b.push_bind(c.error.as_ref().map(|e| Json(e.params.clone()))).push("::jsonb, ");
                b.push_bind(c.next_attempt_at).push("::timestamptz, ");
                b.push_bind(i32::from(c.give_back)).push("::int)");
            }
            b.push(") AS v(id, status, provider, pmid, error_code, error_params, next_at, give_back) WHERE m.id = v.id AND m.status = 'sending' AND m.lease_owner = ");
            b.push_bind(owner);
            b.push(" RETURNING m.id");
            let ids: Vec<(Uuid,)> = b.build_query_as().fetch_all(&mut *tx).await?;
            let ids: std::collections::HashSet<Uuid> = ids.into_iter().map(|(id,)| id).collect();
            let applied: Vec<&Completion> = items.iter().filter(|c| ids.contains(&c.id)).collect();
            finish_completion!(tx, applied, at)
        }
    };
    Ok(applied)
}

/// `scheduled → queued` when due, and `scheduled|queued → expired` past their expiry.
pub async fn promote_and_expire(db: &Db) -> Result<Vec<(Uuid, MessageStatus)>> {
    debug_assert!(MessageStatus::Queued.can_follow(MessageStatus::Scheduled));
    debug_assert!(MessageStatus::Expired.can_follow(MessageStatus::Queued));
    const EXPIRE: &str = "UPDATE messages SET status = 'expired', updated_at = $1, lease_owner = NULL \
         WHERE status IN ('scheduled', 'queued') AND expires_at IS NOT NULL AND expires_at <= $1 RETURNING id";
    const PROMOTE: &str = "UPDATE messages SET status = 'queued', updated_at = $1 \
         WHERE status = 'scheduled' AND next_attempt_at <= $1 RETURNING id";
    let at = now();
    let changed = on_db!(db, p => {
        let mut tx = p.begin().await?;
        let expired: Vec<(Uuid,)> = sqlx::query_as(EXPIRE).bind(at).fetch_all(&mut *tx).await?;
        let promoted: Vec<(Uuid,)> = sqlx::query_as(PROMOTE).bind(at).fetch_all(&mut *tx).await?;
        let mut changed: Vec<(Uuid, MessageStatus)> = expired.into_iter().map(|(id,)| (id, MessageStatus::Expired)).collect();
        changed.extend(promoted.into_iter().map(|(id,)| (id, MessageStatus::Queued)));
        let events: Vec<NewEvent> = changed
            .iter()
            .map(|(id, s)| NewEvent { message_id: *id, status: *s, source: "dispatch", at, detail: None })
            .collect();
        if !events.is_empty() {
            insert_events!(tx, events);
        }
        tx.commit().await?;
        changed
    });
    Ok(changed)
}

/// Notes, before a message is handed to the next provider in the failover order, that it may
/// now be there: a crash from here on is reconciled with every provider up to this one.
/// Notes the provider's id as soon as it took the message, before the batch completes, so a
/// status webhook that overtakes the completion can name the message.
pub async fn mark_accepted(db: &Db, id: Uuid, owner: &str, provider: &str, provider_message_id: &str) -> Result<()> {
    const SQL: &str = "UPDATE messages SET provider = $3, provider_message_id = $4 \
                       WHERE id = $1 AND status = 'sending' AND lease_owner = $2";
    on_db!(db, p => sqlx::query(SQL).bind(id).bind(owner).bind(provider).bind(provider_message_id).execute(p).await?.rows_affected());
    Ok(())
}

pub async fn mark_handed_to(db: &Db, id: Uuid, owner: &str, provider: &str) -> Result<()> {
    const SQL: &str = "UPDATE messages SET provider = $3 WHERE id = $1 AND status = 'sending' AND lease_owner = $2";
    on_db!(db, p => sqlx::query(SQL).bind(id).bind(owner).bind(provider).execute(p).await?.rows_affected());
    Ok(())
}

/// Messages whose sender died mid-call: the lease ran out while `sending`.
pub async fn expired_leases(db: &Db, at: DateTime<Utc>) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT id FROM messages WHERE status = 'sending' AND lease_expires_at < $1";
    let rows: Vec<(Uuid,)> = on_db!(db, p => sqlx::query_as(SQL).bind(at).fetch_all(p).await?);
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Unknown messages to reconcile with their provider, oldest first.
pub async fn unknowns(db: &Db, limit: i64) -> Result<Vec<Claimed>> {
    const SQL: &str = "SELECT id, idempotency_key, channel, content, to_address, body, sandbox, attempts, max_attempts, created_at, provider, provider_message_id FROM messages \
                       WHERE status = 'unknown' ORDER BY updated_at LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(limit).fetch_all(p).await?))
}

/// When each attempt of a message started, for reconciling by time.
pub async fn last_attempt_started(db: &Db, id: Uuid) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str = "SELECT MAX(at) FROM message_events WHERE message_id = $1 AND status = 'sending'";
    let (at,): (Option<DateTime<Utc>>,) = on_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_one(p).await?);
    Ok(at)
}
