//! What the non-SMS channels keep: push devices, WhatsApp templates as the providers report them,
//! inbound messages (the WhatsApp 24-hour window), and webhook receipts (replays are refused).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::Channel;
use crate::error::Result;
use crate::on_db;
use crate::store::{Db, now};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: Uuid,
    pub guardian_id: Uuid,
    pub service: String,
    pub token: String,
    pub language: String,
    pub label: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
}

pub async fn devices_of(db: &Db, guardian_id: Uuid) -> Result<Vec<DeviceRow>> {
    const SQL: &str = "SELECT id, guardian_id, service, token, language, label, disabled_at, disabled_reason \
                       FROM push_devices WHERE guardian_id = $1 ORDER BY created_at, id";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(guardian_id).fetch_all(p).await?))
}

/// Registers a device (or updates its language and label, enabling it again).
pub async fn upsert_device(
    db: &Db,
    guardian_id: Uuid,
    service: &str,
    token: &str,
    language: &str,
    label: Option<&str>,
) -> Result<Uuid> {
    const SQL: &str = "INSERT INTO push_devices (id, guardian_id, service, token, language, label, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                       ON CONFLICT (service, token) DO UPDATE SET guardian_id = excluded.guardian_id, \
                       language = excluded.language, label = excluded.label, disabled_at = NULL, \
                       disabled_reason = NULL, updated_at = excluded.updated_at \
                       RETURNING id";
    let (id,): (Uuid,) = on_db!(db, p => sqlx::query_as(SQL)
        .bind(Uuid::now_v7())
        .bind(guardian_id)
        .bind(service)
        .bind(token)
        .bind(language)
        .bind(label)
        .bind(now())
        .fetch_one(p)
        .await?);
    Ok(id)
}

/// The push service said this token is no longer valid: stop sending to it.
pub async fn disable_device(db: &Db, service: &str, token: &str, reason: &str) -> Result<bool> {
    const SQL: &str = "UPDATE push_devices SET disabled_at = $3, disabled_reason = $4, updated_at = $3 \
                       WHERE service = $1 AND token = $2 AND disabled_at IS NULL";
    let n = on_db!(db, p => sqlx::query(SQL).bind(service).bind(token).bind(now()).bind(reason).execute(p).await?.rows_affected());
    Ok(n > 0)
}

pub async fn count_enabled_devices(db: &Db, guardian_id: Uuid) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM push_devices WHERE guardian_id = $1 AND disabled_at IS NULL";
    let (n,): (i64,) = on_db!(db, p => sqlx::query_as(SQL).bind(guardian_id).fetch_one(p).await?);
    Ok(n)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub provider: String,
    pub name: String,
    pub language: String,
    pub status: String,
    pub category: Option<String>,
    pub body: String,
    pub provider_ref: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

/// Replaces what one provider reported, in one transaction (a template it no longer lists is gone).
pub async fn replace_templates(db: &Db, provider: &str, rows: &[TemplateRow]) -> Result<()> {
    const DELETE: &str = "DELETE FROM whatsapp_templates WHERE provider = $1";
    const INSERT: &str = "INSERT INTO whatsapp_templates (provider, name, language, status, category, body, provider_ref, fetched_at) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (provider, name, language) DO NOTHING";
    on_db!(db, p => {
        let mut tx = p.begin().await?;
        sqlx::query(DELETE).bind(provider).execute(&mut *tx).await?;
        for r in rows {
            sqlx::query(INSERT)
                .bind(provider)
                .bind(&r.name)
                .bind(&r.language)
                .bind(&r.status)
                .bind(&r.category)
                .bind(&r.body)
                .bind(&r.provider_ref)
                .bind(r.fetched_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

pub async fn templates(db: &Db) -> Result<Vec<TemplateRow>> {
    const SQL: &str = "SELECT provider, name, language, status, category, body, provider_ref, fetched_at \
                       FROM whatsapp_templates ORDER BY name, language, provider";
    Ok(on_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await?))
}

/// A message a guardian sent us, as an inbound webhook reported it.
#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub channel: Channel,
    pub provider: &'a str,
    pub provider_message_id: Option<&'a str>,
    pub from_address: &'a str,
    pub body: &'a str,
    pub received_at: DateTime<Utc>,
    /// A simulator sent it (the sandbox's side of the console), not a real provider.
    pub sandbox: bool,
}

/// Records a message a guardian sent us (idempotent per provider message id).
pub async fn record_inbound(db: &Db, m: &NewInbound<'_>) -> Result<bool> {
    const SQL: &str = "INSERT INTO inbound_messages (id, channel, provider, provider_message_id, from_address, body, received_at, sandbox) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (provider, provider_message_id) DO NOTHING";
    let n = on_db!(db, p => sqlx::query(SQL)
        .bind(Uuid::now_v7())
        .bind(m.channel.as_str())
        .bind(m.provider)
        .bind(m.provider_message_id)
        .bind(m.from_address)
        .bind(m.body)
        .bind(m.received_at)
        .bind(m.sandbox)
        .execute(p)
        .await?
        .rows_affected());
    Ok(n > 0)
}

/// When this address last wrote to us on this channel, through the sandbox or a real provider.
pub async fn last_inbound(
    db: &Db,
    channel: Channel,
    from_address: &str,
    sandbox: bool,
) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str =
        "SELECT MAX(received_at) FROM inbound_messages WHERE channel = $1 AND from_address = $2 AND sandbox = $3";
    let (at,): (Option<DateTime<Utc>>,) = on_db!(db, p => sqlx::query_as(SQL).bind(channel.as_str()).bind(from_address).bind(sandbox).fetch_one(p).await?);
    Ok(at)
}

/// Notes a verified webhook delivery. `false` means the same delivery was seen before: a replay.
pub async fn first_receipt(db: &Db, provider: &str, digest: &str) -> Result<bool> {
    const SQL: &str = "INSERT INTO webhook_receipts (digest, provider, received_at) VALUES ($1, $2, $3) \
                       ON CONFLICT (digest) DO NOTHING";
    let n = on_db!(db, p => sqlx::query(SQL).bind(digest).bind(provider).bind(now()).execute(p).await?.rows_affected());
    Ok(n > 0)
}

/// Drops a receipt whose delivery could not be processed (its retry must be taken).
pub async fn forget_receipt(db: &Db, digest: &str) -> Result<()> {
    const SQL: &str = "DELETE FROM webhook_receipts WHERE digest = $1";
    on_db!(db, p => sqlx::query(SQL).bind(digest).execute(p).await?.rows_affected());
    Ok(())
}

/// Drops receipts older than `before`, once no provider would deliver the same callback again;
/// returns how many went.
pub async fn prune_receipts(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM webhook_receipts WHERE received_at < $1";
    Ok(on_db!(db, p => sqlx::query(SQL).bind(before).execute(p).await?.rows_affected()))
}

/// The message a provider id belongs to, and its status (webhooks name messages by the
/// provider's id).
pub async fn message_by_provider_id(
    db: &Db,
    provider: &str,
    provider_message_id: &str,
) -> Result<Option<(Uuid, String)>> {
    const SQL: &str = "SELECT id, status FROM messages WHERE provider = $1 AND provider_message_id = $2";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(provider).bind(provider_message_id).fetch_optional(p).await?))
}
