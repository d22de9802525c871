//! `messages`, `message_events`, `message_attempts`: the outbox rows and their history.
//! Every status change goes through [`transition`] (or a bulk statement that follows the same
//! rule), and writes its event in the same transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use crate::domain::{Channel, EventSource, MessageStatus};
use crate::error::{Error, ErrorPayload, Result};
use crate::store::{Db, Tx, now};
use crate::{on_db, on_tx};

pub use super::outbox::Attempt;

/// `SELECT <every MessageRow column> FROM messages m LEFT JOIN guardians g … <tail>`, as one
/// `&'static str` (sqlx takes static SQL), so the column list is written once.
macro_rules! select_messages {
    ($tail:literal) => {
        concat!(
            "SELECT m.id, m.idempotency_key, m.channel, m.status, m.to_address, m.guardian_id, m.body, m.encoding, \
             m.segments, m.urgent, m.sandbox, m.provider, m.provider_message_id, m.attempts, m.max_attempts, \
             m.next_attempt_at, m.lease_owner, m.error_code, m.error_params, m.created_at, m.updated_at, m.sent_at, \
             m.delivered_at, m.send_at, m.expires_at, m.content, g.full_name AS guardian_name \
             FROM messages m LEFT JOIN guardians g ON g.id = m.guardian_id ",
            $tail
        )
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: Uuid,
    pub idempotency_key: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub status: String,
    pub to_address: String,
    pub guardian_id: Option<Uuid>,
    pub body: String,
    pub encoding: Option<String>,
    pub segments: i32,
    pub urgent: bool,
    pub sandbox: bool,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub error_code: Option<String>,
    pub error_params: Option<Json<BTreeMap<String, String>>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub send_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// `domain::Content` as JSON; `NULL` for SMS.
    pub content: Option<String>,
    pub guardian_name: Option<String>,
}

impl MessageRow {
    pub fn status(&self) -> MessageStatus {
        // The CHECK constraint keeps the column to the known values.
        MessageStatus::parse(&self.status).unwrap_or(MessageStatus::Unknown)
    }

    pub fn error(&self) -> Option<ErrorPayload> {
        self.error_code.as_ref().map(|code| ErrorPayload {
            code: code.clone(),
            params: self.error_params.as_ref().map(|j| j.0.clone()).unwrap_or_default(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub idempotency_key: String,
    pub channel: Channel,
    pub to_address: String,
    pub guardian_id: Option<Uuid>,
    pub body: String,
    /// `domain::Content::to_stored`.
    pub content: Option<String>,
    pub encoding: Option<&'static str>,
    pub segments: i32,
    pub urgent: bool,
    pub sandbox: bool,
    pub max_attempts: i32,
    pub created_by: Option<String>,
    /// `queued`, or `scheduled` when it must wait for `send_at`.
    pub status: MessageStatus,
    /// When a worker may first take it (now, `send_at`, or the end of quiet hours).
    pub next_attempt_at: DateTime<Utc>,
    pub send_at: Option<DateTime<Utc>>,
    /// After this it is `expired` instead of sent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Writes a queued message, or returns the one already written for the same idempotency key.
/// The second value says whether this call created it.
pub async fn enqueue(db: &Db, new: &NewMessage) -> Result<(MessageRow, bool)> {
    let mut tx = db.begin().await?;
    let (row, created) = enqueue_in(&mut tx, new).await?;
    tx.commit().await?;
    if created {
        notify_workers(db).await?;
    }
    Ok((row, created))
}

/// Wakes idle workers in every process (PostgreSQL); if lost, they still poll within a second.
pub async fn notify_workers(db: &Db) -> Result<()> {
    if let Db::Postgres(p) = db {
        sqlx::query("SELECT pg_notify('wasel_outbox', '')").execute(p).await?;
    }
    Ok(())
}

/// [`enqueue`] inside the caller's transaction: the row that caused the message (a rule firing,
/// a campaign, a compose action) and the message commit together, or neither does. The row is
/// read back inside the transaction, as written, before any worker can claim it.
pub async fn enqueue_in(tx: &mut Tx, new: &NewMessage) -> Result<(MessageRow, bool)> {
    const INSERT: &str = "INSERT INTO messages (id, idempotency_key, channel, status, to_address, guardian_id, body, encoding, \
         segments, urgent, sandbox, max_attempts, next_attempt_at, send_at, expires_at, created_by, created_at, updated_at, content) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18) \
         ON CONFLICT (idempotency_key) DO NOTHING";
    const EVENT: &str = "INSERT INTO message_events (id, message_id, status, source, at, detail) VALUES ($1, $2, $3, 'operator', $4, $5)";
    const BY_KEY: &str = select_messages!("WHERE m.idempotency_key = $1");
    let (id, at) = (Uuid::now_v7(), now());
    let out = on_tx!(tx, t => {
        let inserted = sqlx::query(INSERT)
            .bind(id)
            .bind(&new.idempotency_key)
            .bind(new.channel.as_str())
            .bind(new.status.as_str())
            .bind(&new.to_address)
            .bind(new.guardian_id)
            .bind(&new.body)
            .bind(new.encoding)
            .bind(new.segments)
            .bind(new.urgent)
            .bind(new.sandbox)
            .bind(new.max_attempts)
            .bind(new.next_attempt_at)
            .bind(new.send_at)
            .bind(new.expires_at)
            .bind(&new.created_by)
            .bind(at)
            .bind(&new.content)
            .execute(&mut **t)
            .await?
            .rows_affected()
            == 1;
        if inserted {
            let detail = (new.next_attempt_at > at).then(|| format!("not before {}", new.next_attempt_at.to_rfc3339()));
            sqlx::query(EVENT).bind(Uuid::now_v7()).bind(id).bind(new.status.as_str()).bind(at).bind(detail).execute(&mut **t).await?;
        }
        let row: MessageRow = sqlx::query_as(BY_KEY).bind(&new.idempotency_key).fetch_one(&mut **t).await?;
        (row, inserted)
    });
    Ok(out)
}

pub async fn by_idempotency_key(db: &Db, key: &str) -> Result<Option<MessageRow>> {
    const SQL: &str = select_messages!("WHERE m.idempotency_key = $1");
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(key).fetch_optional(p).await?))
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<MessageRow>> {
    const SQL: &str = select_messages!("WHERE m.id = $1");
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await?))
}

/// What narrows a message list (each `None` lets everything through).
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter<'a> {
    pub status: Option<MessageStatus>,
    pub channel: Option<Channel>,
    pub provider: Option<&'a str>,
}

/// Newest first.
pub async fn list(db: &Db, filter: ListFilter<'_>, limit: i64) -> Result<Vec<MessageRow>> {
    const SQL: &str = select_messages!(
        "WHERE ($1 IS NULL OR m.status = $1) AND ($2 IS NULL OR m.channel = $2) AND ($3 IS NULL OR m.provider = $3) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $4"
    );
    let status = filter.status.map(MessageStatus::as_str);
    Ok(on_db!(db, p => sqlx::query_as(SQL)
        .bind(status)
        .bind(filter.channel.map(Channel::as_str))
        .bind(filter.provider)
        .bind(limit)
        .fetch_all(p)
        .await?))
}

/// The newest messages sent to one guardian (a family's history on the Contacts screen).
pub async fn of_guardian(db: &Db, guardian_id: Uuid, limit: i64) -> Result<Vec<MessageRow>> {
    const SQL: &str = select_messages!("WHERE m.guardian_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT $2");
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(guardian_id).bind(limit).fetch_all(p).await?))
}

/// The earliest time a queued message becomes due, to sleep until then.
pub async fn next_due_at(db: &Db) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str = "SELECT MIN(next_attempt_at) FROM messages WHERE status = 'queued'";
    let (at,): (Option<DateTime<Utc>>,) = on_db!(db, p => sqlx::query_as(SQL).fetch_one(p).await?);
    Ok(at)
}

/// What else changes with a status.
#[derive(Debug, Clone, Default)]
pub struct Change<'a> {
    pub provider: Option<&'a str>,
    pub provider_message_id: Option<&'a str>,
    /// `Some(None)` clears the error; `None` leaves it.
    pub error: Option<Option<&'a ErrorPayload>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Only the holder of the lease may make this change.
    pub lease_owner: Option<&'a str>,
    /// Only from this status: a decision made on what was read earlier (a reconciliation, an
    /// operator's click) must not apply to a message that has moved on since.
    pub expect_from: Option<MessageStatus>,
    pub attempt: Option<Attempt>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Applied {
        from: MessageStatus,
    },
    /// Already in that status: nothing written.
    Unchanged,
    /// The rule refuses it (or the lease is someone else's); nothing written.
    Refused {
        from: MessageStatus,
    },
}

/// The one place a single message changes status. Reads the current status, checks the rule,
/// and updates only if nobody changed the row in between; the event (and the attempt, if any)
/// commit with it. Retries a few times when another writer got there first.
pub async fn transition(
    db: &Db,
    id: Uuid,
    to: MessageStatus,
    source: EventSource,
    change: Change<'_>,
) -> Result<Transition> {
    for _ in 0..3 {
        let mut tx = db.begin().await?;
        match transition_in(&mut tx, id, to, source, &change).await? {
            Some(outcome) => {
                if matches!(outcome, Transition::Applied { .. }) {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                return Ok(outcome);
            }
            None => tx.rollback().await?,
        }
    }
    Err(Error::Internal(format!("message {id} kept changing under a status update")))
}

/// [`transition`] inside a caller's transaction (to commit it with an audit entry, say).
/// `None` when the row changed between the read and the write.
pub async fn transition_in(
    tx: &mut Tx,
    id: Uuid,
    to: MessageStatus,
    source: EventSource,
    change: &Change<'_>,
) -> Result<Option<Transition>> {
    const CURRENT: &str = "SELECT status, lease_owner FROM messages WHERE id = $1";
    const UPDATE: &str = "UPDATE messages SET status = $2, updated_at = $3, \
         provider = COALESCE($4, provider), provider_message_id = COALESCE($5, provider_message_id), \
         error_code = CASE WHEN $6 THEN $7 ELSE error_code END, \
         error_params = CASE WHEN $6 THEN $8 ELSE error_params END, \
         next_attempt_at = COALESCE($9, next_attempt_at), \
         sent_at = CASE WHEN $2 IN ('sent', 'delivered', 'read') AND sent_at IS NULL THEN $3 ELSE sent_at END, \
         delivered_at = CASE WHEN $2 IN ('delivered', 'read') AND delivered_at IS NULL THEN $3 ELSE delivered_at END, \
         read_at = CASE WHEN $2 = 'read' AND read_at IS NULL THEN $3 ELSE read_at END, \
         lease_owner = CASE WHEN $2 = 'sending' THEN lease_owner ELSE NULL END, \
         lease_expires_at = CASE WHEN $2 = 'sending' THEN lease_expires_at ELSE NULL END \
         WHERE id = $1 AND status = $10";
    const EVENT: &str =
        "INSERT INTO message_events (id, message_id, status, source, at, detail) VALUES ($1, $2, $3, $4, $5, $6)";
    const ATTEMPT: &str = "INSERT INTO message_attempts (id, message_id, attempt_no, provider, started_at, finished_at, latency_ms, \
         http_status, provider_error_code, error_class, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

    let set_error = change.error.is_some();
    let error_code = change.error.flatten().map(|e| e.code.clone());
    let error_params = change.error.flatten().map(|e| Json(e.params.clone()));
    let at = now();
    let outcome = on_tx!(tx, t => {
        let current: Option<(String, Option<String>)> = sqlx::query_as(CURRENT).bind(id).fetch_optional(&mut **t).await?;
        let Some((from, holder)) = current else {
            return Err(Error::NotFound { what: "message" });
        };
        let from = MessageStatus::parse(&from).unwrap_or(MessageStatus::Unknown);
        if from == to {
            return Ok(Some(Transition::Unchanged));
        }
        let lease_ok = change.lease_owner.is_none_or(|owner| holder.as_deref() == Some(owner));
        let from_ok = change.expect_from.is_none_or(|expected| expected == from);
        if !to.can_follow(from) || !lease_ok || !from_ok {
            return Ok(Some(Transition::Refused { from }));
        }
        let updated = sqlx::query(UPDATE)
            .bind(id)
            .bind(to.as_str())
            .bind(at)
            .bind(change.provider)
            .bind(change.provider_message_id)
            .bind(set_error)
            .bind(&error_code)
            .bind(&error_params)
            .bind(change.next_attempt_at)
            .bind(from.as_str())
            .execute(&mut **t)
            .await?
            .rows_affected();
        if updated == 1 {
            sqlx::query(EVENT)
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(to.as_str())
                .bind(source.as_str())
                .bind(at)
                .bind(&change.detail)
                .execute(&mut **t)
                .await?;
            if let Some(a) = &change.attempt {
                let latency = (a.finished_at - a.started_at).num_milliseconds();
                sqlx::query(ATTEMPT)
                    .bind(Uuid::now_v7())
                    .bind(id)
                    .bind(a.attempt_no)
                    .bind(&a.provider)
                    .bind(a.started_at)
                    .bind(a.finished_at)
                    .bind(latency)
                    .bind(a.http_status)
                    .bind(&a.provider_error_code)
                    .bind(a.error_class)
                    .bind(a.outcome)
                    .execute(&mut **t)
                    .await?;
            }
            Some(Transition::Applied { from })
        } else {
            None
        }
    });
    Ok(outcome)
}

/// Moves a queued or scheduled message's due time (retry now), with an operator event.
pub async fn reschedule_in(
    tx: &mut Tx,
    id: Uuid,
    status: MessageStatus,
    at: DateTime<Utc>,
    detail: Option<String>,
) -> Result<bool> {
    const UPDATE: &str =
        "UPDATE messages SET next_attempt_at = $2, updated_at = $2, status = 'queued' WHERE id = $1 AND status = $3";
    const EVENT: &str = "INSERT INTO message_events (id, message_id, status, source, at, detail) VALUES ($1, $2, 'queued', 'operator', $3, $4)";
    let changed = on_tx!(tx, t => {
        let n = sqlx::query(UPDATE).bind(id).bind(at).bind(status.as_str()).execute(&mut **t).await?.rows_affected();
        if n == 1 {
            sqlx::query(EVENT).bind(Uuid::now_v7()).bind(id).bind(at).bind(detail).execute(&mut **t).await?;
        }
        n == 1
    });
    Ok(changed)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub status: String,
    pub source: String,
    pub at: DateTime<Utc>,
    pub detail: Option<String>,
}

pub async fn events(db: &Db, message_id: Uuid) -> Result<Vec<EventRow>> {
    const SQL: &str = "SELECT id, status, source, at, detail FROM message_events WHERE message_id = $1 ORDER BY at, id";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(message_id).fetch_all(p).await?))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub attempt_no: i32,
    pub started_at: DateTime<Utc>,
    pub provider: String,
    pub latency_ms: Option<i64>,
    pub http_status: Option<i32>,
    pub provider_error_code: Option<String>,
    pub error_class: Option<String>,
    pub outcome: String,
}

pub async fn attempts(db: &Db, message_id: Uuid) -> Result<Vec<AttemptRow>> {
    const SQL: &str = "SELECT attempt_no, started_at, provider, latency_ms, http_status, provider_error_code, error_class, outcome \
                       FROM message_attempts WHERE message_id = $1 ORDER BY started_at, id";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(message_id).fetch_all(p).await?))
}

/// Messages a provider accepted and may still report on, oldest first.
/// Messages a provider took and has not reported on yet; sandbox ones only to the simulators'
/// stand-in, real ones only to the real provider.
pub async fn awaiting_report(
    db: &Db,
    provider: &str,
    sandbox: bool,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(Uuid, String)>> {
    const SQL: &str = "SELECT id, provider_message_id FROM messages \
         WHERE status = 'sent' AND provider = $1 AND sandbox = $4 AND provider_message_id IS NOT NULL AND sent_at > $2 \
         ORDER BY sent_at LIMIT $3";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(provider).bind(since).bind(limit).bind(sandbox).fetch_all(p).await?))
}

/// Provider ids already matched to other messages to `to`, so reconciliation never claims one twice.
pub async fn provider_ids_for(db: &Db, to: &str, except: Uuid) -> Result<std::collections::HashSet<String>> {
    const SQL: &str = "SELECT provider_message_id FROM messages WHERE to_address = $1 AND provider_message_id IS NOT NULL AND id <> $2";
    let rows: Vec<(String,)> = on_db!(db, p => sqlx::query_as(SQL).bind(to).bind(except).fetch_all(p).await?);
    Ok(rows.into_iter().map(|(s,)| s).collect())
}
