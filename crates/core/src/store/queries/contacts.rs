//! Contacts as the desk searches and edits them: a guardian with their beneficiary, the folded
//! words of their names (`contact_terms`), and consent per channel.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::Result;
use crate::store::{Db, Tx, now};
use crate::{on_db, on_tx};

/// The most words a search looks up; more are ignored (a name is rarely longer).
pub const MAX_QUERY_TERMS: usize = 4;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    pub guardian_id: Uuid,
    pub full_name: String,
    pub full_name_en: Option<String>,
    pub phone_e164: Option<String>,
    pub email: Option<String>,
    pub preferred_language: String,
    pub relationship: Option<String>,
    pub tags: String,
    pub beneficiary_id: Option<Uuid>,
    pub beneficiary_name: Option<String>,
    pub beneficiary_name_en: Option<String>,
    pub file_number: Option<String>,
    pub programme: Option<String>,
    pub updated_at: DateTime<Utc>,
}

const CONTACT: &str = "SELECT g.id AS guardian_id, g.full_name, g.full_name_en, g.phone_e164, g.email, g.preferred_language, \
     g.relationship, g.tags, b.id AS beneficiary_id, b.full_name AS beneficiary_name, b.full_name_en AS beneficiary_name_en, \
     b.file_number, b.programme, g.updated_at FROM guardians g LEFT JOIN beneficiaries b ON b.id = g.beneficiary_id";

/// Words are counted up to this many (the rarest drives the search); a single word this common
/// walks guardians in name order and stops at the first page instead of sorting every match.
const BROAD: i64 = 20_000;

/// Guardians whose words start with every one of `terms` (already folded), by name.
pub async fn by_terms(db: &Db, terms: &[String], limit: i64) -> Result<Vec<ContactRow>> {
    let terms: Vec<&String> = terms.iter().take(MAX_QUERY_TERMS).collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    // A word is a range on the primary key's index: `term >= w AND term < w || U+10FFFF` is
    // "starts with w" on a byte-ordered column, on both backends.
    const COUNT: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM contact_terms WHERE term >= $1 AND term < $2 LIMIT $3) c";
    let mut counts = Vec::with_capacity(terms.len());
    for t in &terms {
        let (n,): (i64,) =
            on_db!(db, p => sqlx::query_as(COUNT).bind((*t).clone()).bind(upper(t)).bind(BROAD).fetch_one(p).await?);
        counts.push(n);
    }
    // The rarest word drives; the others are checked per candidate through (guardian_id, term).
    let narrowest = (0..terms.len()).min_by_key(|i| counts[*i]).unwrap_or(0);
    let terms: Vec<&String> = std::iter::once(terms[narrowest])
        .chain(terms.iter().enumerate().filter(|(i, _)| *i != narrowest).map(|(_, t)| *t))
        .collect();
    let exists = |from: usize| -> String {
        (from..terms.len())
            .map(|i| {
                format!(
                    " AND EXISTS (SELECT 1 FROM contact_terms t{i} WHERE t{i}.guardian_id = g.id AND t{i}.term >= ${} AND t{i}.term < ${})",
                    2 * i + 1,
                    2 * i + 2
                )
            })
            .collect()
    };
    let sql = if terms.len() == 1 && counts[narrowest] >= BROAD {
        // One common word: walk guardians in name order and stop at the first page.
        format!("{CONTACT} WHERE 1 = 1{} ORDER BY g.full_name, g.id LIMIT $3", exists(0))
    } else {
        // The rarest word's guardians that also have every other word, sorted (they are few).
        format!(
            "{CONTACT} WHERE g.id IN (SELECT t0.guardian_id FROM contact_terms t0 WHERE t0.term >= $1 AND t0.term < $2){} \
             ORDER BY g.full_name, g.id LIMIT ${}",
            exists(1),
            2 * terms.len() + 1
        )
    };
    macro_rules! bound {
        ($q:expr) => {{
            let mut q = $q;
            for t in &terms {
                q = q.bind((*t).clone()).bind(upper(t));
            }
            q.bind(limit)
        }};
    }
    Ok(on_db!(db, p => bound!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))).fetch_all(p).await?))
}

/// The end of the range of words that start with `w`.
fn upper(w: &str) -> String {
    format!("{w}\u{10FFFF}")
}

pub async fn by_phone(db: &Db, e164: &str, limit: i64) -> Result<Vec<ContactRow>> {
    let sql = format!("{CONTACT} WHERE g.phone_e164 = $1 ORDER BY g.full_name LIMIT $2");
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(e164).bind(limit).fetch_all(p).await?))
}

pub async fn by_file_number(db: &Db, file_number: &str, limit: i64) -> Result<Vec<ContactRow>> {
    let sql = format!("{CONTACT} WHERE b.file_number = $1 ORDER BY g.full_name LIMIT $2");
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(file_number).bind(limit).fetch_all(p).await?))
}

/// The first `limit` contacts by name (an empty search).
pub async fn first(db: &Db, limit: i64) -> Result<Vec<ContactRow>> {
    let sql = format!("{CONTACT} ORDER BY g.full_name LIMIT $1");
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(p).await?))
}

pub async fn get(db: &Db, guardian_id: Uuid) -> Result<Option<ContactRow>> {
    let sql = format!("{CONTACT} WHERE g.id = $1");
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(guardian_id).fetch_optional(p).await?))
}

/// Replaces a guardian's search words.
pub async fn set_terms(tx: &mut Tx, guardian_id: Uuid, terms: &[String]) -> Result<()> {
    const DELETE: &str = "DELETE FROM contact_terms WHERE guardian_id = $1";
    const INSERT: &str = "INSERT INTO contact_terms (term, guardian_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    on_tx!(tx, t => sqlx::query(DELETE).bind(guardian_id).execute(&mut **t).await?.rows_affected());
    for term in terms {
        on_tx!(tx, t => sqlx::query(INSERT).bind(term).bind(guardian_id).execute(&mut **t).await?.rows_affected());
    }
    Ok(())
}

/// Guardians without any search word yet (made before search existed, or by a bulk load).
pub async fn unindexed(db: &Db, limit: i64) -> Result<Vec<Uuid>> {
    const SQL: &str = "SELECT g.id FROM guardians g WHERE NOT EXISTS (SELECT 1 FROM contact_terms t WHERE t.guardian_id = g.id) LIMIT $1";
    let rows: Vec<(Uuid,)> = on_db!(db, p => sqlx::query_as(SQL).bind(limit).fetch_all(p).await?);
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub struct GuardianFields<'a> {
    pub full_name: &'a str,
    pub full_name_en: Option<&'a str>,
    pub phone_e164: Option<&'a str>,
    pub email: Option<&'a str>,
    pub language: &'a str,
    pub relationship: Option<&'a str>,
    pub tags: &'a str,
}

pub struct BeneficiaryFields<'a> {
    pub full_name: &'a str,
    pub full_name_en: Option<&'a str>,
    pub file_number: Option<&'a str>,
    pub programme: Option<&'a str>,
}

pub async fn insert_beneficiary(tx: &mut Tx, id: Uuid, b: &BeneficiaryFields<'_>) -> Result<()> {
    const SQL: &str = "INSERT INTO beneficiaries (id, full_name, full_name_en, file_number, programme, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6)";
    on_tx!(tx, t => sqlx::query(SQL).bind(id).bind(b.full_name).bind(b.full_name_en).bind(b.file_number).bind(b.programme).bind(now()).execute(&mut **t).await?.rows_affected());
    Ok(())
}

pub async fn update_beneficiary(tx: &mut Tx, id: Uuid, b: &BeneficiaryFields<'_>) -> Result<()> {
    const SQL: &str =
        "UPDATE beneficiaries SET full_name = $2, full_name_en = $3, file_number = $4, programme = $5 WHERE id = $1";
    on_tx!(tx, t => sqlx::query(SQL).bind(id).bind(b.full_name).bind(b.full_name_en).bind(b.file_number).bind(b.programme).execute(&mut **t).await?.rows_affected());
    Ok(())
}

pub async fn insert_guardian(tx: &mut Tx, id: Uuid, beneficiary: Uuid, g: &GuardianFields<'_>) -> Result<()> {
    const SQL: &str = "INSERT INTO guardians (id, beneficiary_id, full_name, full_name_en, phone_e164, email, preferred_language, \
                       relationship, tags, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
    on_tx!(tx, t => sqlx::query(SQL).bind(id).bind(beneficiary).bind(g.full_name).bind(g.full_name_en).bind(g.phone_e164)
        .bind(g.email).bind(g.language).bind(g.relationship).bind(g.tags).bind(now()).execute(&mut **t).await?.rows_affected());
    Ok(())
}

pub async fn update_guardian(tx: &mut Tx, id: Uuid, g: &GuardianFields<'_>) -> Result<bool> {
    const SQL: &str = "UPDATE guardians SET full_name = $2, full_name_en = $3, phone_e164 = $4, email = $5, preferred_language = $6, \
                       relationship = $7, tags = $8, updated_at = $9 WHERE id = $1";
    let n = on_tx!(tx, t => sqlx::query(SQL).bind(id).bind(g.full_name).bind(g.full_name_en).bind(g.phone_e164).bind(g.email)
        .bind(g.language).bind(g.relationship).bind(g.tags).bind(now()).execute(&mut **t).await?.rows_affected());
    Ok(n == 1)
}

/// Whether another beneficiary already has this file number.
pub async fn file_number_taken(tx: &mut Tx, file_number: &str, except: Option<Uuid>) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM beneficiaries WHERE file_number = $1 AND ($2 IS NULL OR id <> $2)";
    let (n,): (i64,) = on_tx!(tx, t => sqlx::query_as(SQL).bind(file_number).bind(except).fetch_one(&mut **t).await?);
    Ok(n > 0)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsentRow {
    pub channel: String,
    pub opted_in: bool,
    pub source: String,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

pub async fn consents(db: &Db, guardian_id: Uuid) -> Result<Vec<ConsentRow>> {
    const SQL: &str = "SELECT channel, opted_in, source, changed_at, changed_by FROM guardian_consents WHERE guardian_id = $1 ORDER BY channel";
    Ok(on_db!(db, p => sqlx::query_as(SQL).bind(guardian_id).fetch_all(p).await?))
}

pub async fn set_consent(
    tx: &mut Tx,
    guardian_id: Uuid,
    channel: &str,
    opted_in: bool,
    source: &str,
    by: &str,
) -> Result<()> {
    const SQL: &str = "INSERT INTO guardian_consents (guardian_id, channel, opted_in, source, changed_at, changed_by) \
                       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (guardian_id, channel) DO UPDATE SET \
                       opted_in = excluded.opted_in, source = excluded.source, changed_at = excluded.changed_at, changed_by = excluded.changed_by";
    on_tx!(tx, t => sqlx::query(SQL).bind(guardian_id).bind(channel).bind(opted_in).bind(source).bind(now()).bind(by).execute(&mut **t).await?.rows_affected());
    Ok(())
}
