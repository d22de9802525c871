//! `guardians` and their beneficiaries: who the desk sends to.

use uuid::Uuid;

use crate::error::Result;
use crate::on_db;
use crate::store::{Db, now};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GuardianRow {
    pub id: Uuid,
    pub full_name: String,
    pub phone_e164: Option<String>,
    pub preferred_language: String,
    pub email: Option<String>,
    pub beneficiary_name: Option<String>,
    /// Push devices that can still receive.
    pub devices: i64,
}

pub async fn list(db: &Db) -> Result<Vec<GuardianRow>> {
    const SQL: &str = "SELECT g.id, g.full_name, g.phone_e164, g.preferred_language, g.email, b.full_name AS beneficiary_name, \
                       (SELECT COUNT(*) FROM push_devices d WHERE d.guardian_id = g.id AND d.disabled_at IS NULL) AS devices \
                       FROM guardians g LEFT JOIN beneficiaries b ON b.id = g.beneficiary_id \
                       ORDER BY g.full_name";
    Ok(on_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await?))
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<GuardianRow>> {
    const SQL: &str = "SELECT g.id, g.full_name, g.phone_e164, g.preferred_language, g.email, b.full_name AS beneficiary_name, \
                       (SELECT COUNT(*) FROM push_devices d WHERE d.guardian_id = g.id AND d.disabled_at IS NULL) AS devices \
                       FROM guardians g LEFT JOIN beneficiaries b ON b.id = g.beneficiary_id WHERE g.id = $1";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await?))
}

pub async fn count(db: &Db) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM guardians";
    let (n,): (i64,) = on_db!(db, p => sqlx::query_as(SQL).fetch_one(p).await?);
    Ok(n)
}

/// A beneficiary and one guardian, in one transaction.
pub async fn insert_family(
    db: &Db,
    beneficiary_name: &str,
    guardian_name: &str,
    phone_e164: &str,
    email: Option<&str>,
    language: &str,
) -> Result<Uuid> {
    const BENEFICIARY: &str = "INSERT INTO beneficiaries (id, full_name, created_at) VALUES ($1, $2, $3)";
    const GUARDIAN: &str = "INSERT INTO guardians (id, beneficiary_id, full_name, phone_e164, email, preferred_language, created_at, updated_at) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
    let (beneficiary_id, guardian_id, at) = (Uuid::now_v7(), Uuid::now_v7(), now());
    on_db!(db, p => {
        let mut tx = p.begin().await?;
        sqlx::query(BENEFICIARY).bind(beneficiary_id).bind(beneficiary_name).bind(at).execute(&mut *tx).await?;
        sqlx::query(GUARDIAN)
            .bind(guardian_id)
            .bind(beneficiary_id)
            .bind(guardian_name)
            .bind(phone_e164)
            .bind(email)
            .bind(language)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    Ok(guardian_id)
}
