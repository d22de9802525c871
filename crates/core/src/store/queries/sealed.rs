//! Columns sealed at rest, listed once: each has `<column>_sealed`, `<column>_key` (the data key
//! id) and `<column>_index` (the keyed hash it is found by). Rotation walks this list; a new
//! sensitive column joins it.

use uuid::Uuid;

use crate::error::Result;
use crate::store::{Db, Tx};
use crate::{on_db, on_tx};

/// `(table, column)` of every sealed column.
pub const SEALED: &[(&str, &str)] = &[("beneficiaries", "national_id")];

/// The data key ids in use in every sealed column, with how many values each seals.
pub async fn keys_in_use(db: &Db) -> Result<Vec<(String, i64)>> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for (table, column) in SEALED {
        let sql =
            format!("SELECT {column}_key, COUNT(*) FROM {table} WHERE {column}_key IS NOT NULL GROUP BY {column}_key");
        let rows: Vec<(String, i64)> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
        for (k, n) in rows {
            match out.iter_mut().find(|(o, _)| *o == k) {
                Some((_, total)) => *total += n,
                None => out.push((k, n)),
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Up to `limit` values of one column sealed with another key than `current`.
pub async fn stale(
    db: &Db,
    table: &str,
    column: &str,
    current: &str,
    limit: i64,
) -> Result<Vec<(Uuid, String, String)>> {
    let sql = format!(
        "SELECT id, {column}_key, {column}_sealed FROM {table} WHERE {column}_key IS NOT NULL AND {column}_key <> $1 LIMIT $2"
    );
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(current).bind(limit).fetch_all(p).await?))
}

/// Re-seals one value, only if it still has the key it was read with (a concurrent edit wins).
pub async fn reseal(
    tx: &mut Tx,
    table: &str,
    column: &str,
    id: Uuid,
    old_key: &str,
    key: &str,
    sealed: &str,
) -> Result<bool> {
    let sql = format!("UPDATE {table} SET {column}_key = $1, {column}_sealed = $2 WHERE id = $3 AND {column}_key = $4");
    let n = on_tx!(tx, t => sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(key).bind(sealed).bind(id).bind(old_key).execute(&mut **t).await?.rows_affected());
    Ok(n == 1)
}

pub async fn set_national_id(tx: &mut Tx, id: Uuid, sealed: Option<(&str, &str, &str)>) -> Result<bool> {
    const SQL: &str =
        "UPDATE beneficiaries SET national_id_key = $1, national_id_sealed = $2, national_id_index = $3 WHERE id = $4";
    let (key, value, index) = sealed.map_or((None, None, None), |(k, v, i)| (Some(k), Some(v), Some(i)));
    let n = on_tx!(tx, t => sqlx::query(SQL).bind(key).bind(value).bind(index).bind(id).execute(&mut **t).await?.rows_affected());
    Ok(n == 1)
}

pub async fn national_id(db: &Db, id: Uuid) -> Result<Option<(Option<String>, Option<String>)>> {
    const SQL: &str = "SELECT national_id_key, national_id_sealed FROM beneficiaries WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await?))
}

pub async fn by_national_id_index(db: &Db, index: &str) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT id FROM beneficiaries WHERE national_id_index = $1";
    let rows: Vec<(Uuid,)> = on_db!(db, p => sqlx::query_as(SQL).bind(index).fetch_all(p).await?);
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
