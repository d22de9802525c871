//! `users` and `user_sessions`: accounts, their failed sign-ins, and the sessions and tokens that
//! stand for them (only a hash of each token is kept).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::Result;
use crate::store::{Db, Tx, now};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: String,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, roles, failed_logins, locked_until, disabled_at, \
                            password_changed_at, last_login_at, created_at";

pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub username_key: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub roles: &'a str,
}

pub async fn count(db: &Db) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM users";
    let (n,): (i64,) = on_db!(db, p => sqlx::query_as(SQL).fetch_one(p).await?);
    Ok(n)
}

/// Inside a transaction, so "is this the first user?" and the insert cannot race.
pub async fn count_in(tx: &mut Tx) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM users";
    const LOCK: &str = "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE";
    if let Tx::Postgres(t) = tx {
        sqlx::query(LOCK).execute(&mut **t).await?;
    }
    let (n,): (i64,) = on_tx!(tx, t => sqlx::query_as(SQL).fetch_one(&mut **t).await?);
    Ok(n)
}

/// Enabled users holding the admin role, other than `except`.
pub async fn other_enabled_admins(tx: &mut Tx, except: Uuid) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM users WHERE id <> $1 AND disabled_at IS NULL \
                       AND (',' || roles || ',') LIKE '%,admin,%'";
    let (n,): (i64,) = on_tx!(tx, t => sqlx::query_as(SQL).bind(except).fetch_one(&mut **t).await?);
    Ok(n)
}

pub async fn insert(tx: &mut Tx, u: NewUser<'_>) -> Result<bool> {
    const SQL: &str = "INSERT INTO users (id, username, username_key, display_name, password_hash, roles, failed_logins, \
                       password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $7) \
                       ON CONFLICT (username_key) DO NOTHING";
    let n = on_tx!(tx, t => sqlx::query(SQL)
        .bind(u.id)
        .bind(u.username)
        .bind(u.username_key)
        .bind(u.display_name)
        .bind(u.password_hash)
        .bind(u.roles)
        .bind(now())
        .execute(&mut **t)
        .await?
        .rows_affected());
    Ok(n == 1)
}

pub async fn by_key(db: &Db, username_key: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username_key = $1");
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(username_key).fetch_optional(p).await?))
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
}

pub async fn get_in(tx: &mut Tx, id: Uuid) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(on_tx!(tx, t => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **t).await?))
}

pub async fn list(db: &Db) -> Result<Vec<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username_key");
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
}

/// Counts one more wrong password; at `max` in a row the account locks until `lock_until`.
/// Returns the count and the lock now in force. One statement, so two consoles guessing at once
/// cannot both slip under the limit.
pub async fn record_failure(
    db: &Db,
    id: Uuid,
    max: i32,
    lock_until: DateTime<Utc>,
) -> Result<(i32, Option<DateTime<Utc>>)> {
    const SQL: &str = "UPDATE users SET failed_logins = failed_logins + 1, \
                       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END, updated_at = $4 \
                       WHERE id = $1 RETURNING failed_logins, locked_until";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(id).bind(max).bind(lock_until).bind(now()).fetch_one(p).await?))
}

pub async fn record_success(tx: &mut Tx, id: Uuid) -> Result<()> {
    const SQL: &str =
        "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $2, updated_at = $2 WHERE id = $1";
    on_tx!(tx, t => sqlx::query(SQL).bind(id).bind(now()).execute(&mut **t).await?.rows_affected());
    Ok(())
}

pub async fn set_roles(tx: &mut Tx, id: Uuid, roles: &str) -> Result<()> {
    const SQL: &str = "UPDATE users SET roles = $2, updated_at = $3 WHERE id = $1";
    on_tx!(tx, t => sqlx::query(SQL).bind(id).bind(roles).bind(now()).execute(&mut **t).await?.rows_affected());
    Ok(())
}

pub async fn set_disabled(tx: &mut Tx, id: Uuid, disabled: bool) -> Result<()> {
    const SQL: &str = "UPDATE users SET disabled_at = $2, updated_at = $3 WHERE id = $1";
    let at = disabled.then(now);
    on_tx!(tx, t => sqlx::query(SQL).bind(id).bind(at).bind(now()).execute(&mut **t).await?.rows_affected());
    Ok(())
}

/// A new password also clears a lockout: the admin who reset it has spoken to the person.
pub async fn set_password(tx: &mut Tx, id: Uuid, hash: &str) -> Result<()> {
    const SQL: &str = "UPDATE users SET password_hash = $2, password_changed_at = $3, failed_logins = 0, \
                       locked_until = NULL, updated_at = $3 WHERE id = $1";
    on_tx!(tx, t => sqlx::query(SQL).bind(id).bind(hash).bind(now()).execute(&mut **t).await?.rows_affected());
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub origin: String,
    pub last_active_at: DateTime<Utc>,
    pub locked_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

pub struct NewSession<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: &'a str,
    pub token_hash: &'a str,
    pub origin: &'a str,
    pub label: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_session(tx: &mut Tx, s: NewSession<'_>) -> Result<()> {
    const SQL: &str = "INSERT INTO user_sessions (id, user_id, kind, token_hash, origin, label, created_at, last_active_at, \
                       expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)";
    on_tx!(tx, t => sqlx::query(SQL)
        .bind(s.id)
        .bind(s.user_id)
        .bind(s.kind)
        .bind(s.token_hash)
        .bind(s.origin)
        .bind(s.label)
        .bind(now())
        .bind(s.expires_at)
        .execute(&mut **t)
        .await?
        .rows_affected());
    Ok(())
}

/// What an API request needs of its session and user, in one round trip.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub ended_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub user_id: Uuid,
    pub username: String,
    pub roles: String,
    pub disabled_at: Option<DateTime<Utc>>,
}

pub async fn session_user(db: &Db, session: Uuid) -> Result<Option<SessionUser>> {
    const SQL: &str = "SELECT s.ended_at, s.expires_at, u.id AS user_id, u.username, u.roles, u.disabled_at \
                       FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(session).fetch_optional(p).await?))
}

/// Why a session ended (`rotated` marks a refresh token that was already used once).
pub async fn end_reason(db: &Db, id: Uuid) -> Result<Option<String>> {
    const SQL: &str = "SELECT end_reason FROM user_sessions WHERE id = $1";
    let row: Option<(Option<String>,)> = on_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await?);
    Ok(row.and_then(|(r,)| r))
}

pub async fn session_by_hash(db: &Db, token_hash: &str) -> Result<Option<SessionRow>> {
    const SQL: &str = "SELECT id, user_id, kind, origin, last_active_at, locked_at, expires_at, ended_at \
                       FROM user_sessions WHERE token_hash = $1";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(token_hash).fetch_optional(p).await?))
}

/// A person did something: the idle clock starts again.
pub async fn touch(db: &Db, id: Uuid) -> Result<()> {
    const SQL: &str =
        "UPDATE user_sessions SET last_active_at = $2 WHERE id = $1 AND ended_at IS NULL AND locked_at IS NULL";
    on_db!(db, p => sqlx::query(SQL).bind(id).bind(now()).execute(p).await?.rows_affected());
    Ok(())
}

/// Locks (`true`) or unlocks a session; unlocking starts the idle clock again.
pub async fn set_locked(db: &Db, id: Uuid, locked: bool) -> Result<()> {
    const SQL: &str = "UPDATE user_sessions SET locked_at = $2, last_active_at = $3 WHERE id = $1 AND ended_at IS NULL";
    const LOCK: &str =
        "UPDATE user_sessions SET locked_at = COALESCE(locked_at, $2) WHERE id = $1 AND ended_at IS NULL";
    if locked {
        on_db!(db, p => sqlx::query(LOCK).bind(id).bind(now()).execute(p).await?.rows_affected());
    } else {
        on_db!(db, p => sqlx::query(SQL).bind(id).bind(None::<DateTime<Utc>>).bind(now()).execute(p).await?.rows_affected());
    }
    Ok(())
}

pub async fn end_session(db: &Db, id: Uuid, reason: &str) -> Result<()> {
    const SQL: &str = "UPDATE user_sessions SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL";
    on_db!(db, p => sqlx::query(SQL).bind(id).bind(now()).bind(reason).execute(p).await?.rows_affected());
    Ok(())
}

/// Ends every live session and token of a user (disabled, password reset).
pub async fn end_sessions_of(tx: &mut Tx, user_id: Uuid, reason: &str) -> Result<u64> {
    const SQL: &str = "UPDATE user_sessions SET ended_at = $2, end_reason = $3 WHERE user_id = $1 AND ended_at IS NULL";
    Ok(
        on_tx!(tx, t => sqlx::query(SQL).bind(user_id).bind(now()).bind(reason).execute(&mut **t).await?.rows_affected()),
    )
}
