//! Sensitive identity data of a beneficiary — the national id or iqama number — sealed at rest and
//! found by a keyed hash; and the data keys behind it: their status and rotation (`wasel keys`).
//! `wasel.identity(&caller)`. The reception issue's contacts screen shows and edits it.

pub mod api;

use api::{KeyStatus, RotationReport};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::context::Identity;
use crate::domain::{NationalId, Operation};
use crate::error::{Error, Result};
use crate::secrets::sealed::{DataKeys, Place, SealError, new_key_id};
use crate::store::queries::{sealed as q, settings as kv};

const CURRENT_KEY: &str = "data.key.current";

impl From<SealError> for Error {
    fn from(e: SealError) -> Self {
        match e {
            SealError::Keychain(e) => Error::Secret(e),
            SealError::KeyMissing(id) => Error::Invalid { code: "keys.missing", params: vec![("key", id)] },
            SealError::Broken => Error::invalid("keys.broken_value"),
        }
    }
}

fn place(row: Uuid) -> Place<'static> {
    Place { table: "beneficiaries", column: "national_id", row }
}

fn beneficiary(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id.trim()).map_err(|_| Error::NotFound { what: "beneficiary" })
}

impl Identity<'_> {
    /// The data keys: the current one (made on first use) and every one still sealing a value.
    async fn keys(&self) -> Result<DataKeys> {
        let current = match kv::get(&self.db, CURRENT_KEY).await? {
            Some(k) => k,
            None => {
                let k = new_key_id();
                kv::set(&self.db, CURRENT_KEY, &k).await?;
                k
            }
        };
        let in_use: Vec<String> = q::keys_in_use(&self.db).await?.into_iter().map(|(k, _)| k).collect();
        Ok(DataKeys::load(&self.secrets, &self.installation, &current, &in_use).await?)
    }

    /// Sets (or with `None` clears) a beneficiary's national id or iqama number. Audited without
    /// the number.
    pub async fn set_national_id(&self, beneficiary_id: &str, value: Option<&str>) -> Result<()> {
        self.allow(Operation::EditIdentity)?;
        let id = beneficiary(beneficiary_id)?;
        let parsed = value.filter(|v| !v.trim().is_empty()).map(NationalId::parse).transpose()?;
        let keys = self.keys().await?;
        let sealed = match &parsed {
            Some(n) => {
                let (key, text) = keys.seal(place(id), n.expose())?;
                Some((key, text, keys.index("national_id", n.expose())))
            }
            None => None,
        };
        let mut tx = self.db.begin().await?;
        let row = sealed.as_ref().map(|(k, v, i)| (k.as_str(), v.as_str(), i.as_str()));
        if !q::set_national_id(&mut tx, id, row).await? {
            return Err(Error::NotFound { what: "beneficiary" });
        }
        let what = parsed.as_ref().map_or("cleared", |n| if n.is_iqama() { "iqama" } else { "national_id" });
        let entry = Entry::by(self.caller(), "contact.national_id", "beneficiary", Some(id.to_string()))
            .change(None, Some(serde_json::json!({ "set": what })));
        audit::append(&mut tx, entry).await?;
        tx.commit().await
    }

    pub async fn national_id(&self, beneficiary_id: &str) -> Result<Option<String>> {
        self.allow(Operation::ViewIdentity)?;
        let id = beneficiary(beneficiary_id)?;
        let Some((Some(key), Some(sealed))) = q::national_id(&self.db, id).await? else { return Ok(None) };
        Ok(Some(self.keys().await?.open(place(id), &key, &sealed)?))
    }

    /// The beneficiaries with this number (exact match through the keyed hash).
    pub async fn find_by_national_id(&self, value: &str) -> Result<Vec<String>> {
        self.allow(Operation::ViewIdentity)?;
        let n = NationalId::parse(value)?;
        let index = self.keys().await?.index("national_id", n.expose());
        Ok(q::by_national_id_index(&self.db, &index).await?.into_iter().map(|id| id.to_string()).collect())
    }

    pub async fn key_status(&self) -> Result<KeyStatus> {
        self.allow(Operation::RotateKeys)?;
        let current = kv::get(&self.db, CURRENT_KEY).await?;
        let in_use = q::keys_in_use(&self.db).await?;
        let stale = in_use.iter().filter(|(k, _)| Some(k) != current.as_ref()).map(|(_, n)| n).sum();
        Ok(KeyStatus { current, values_per_key: in_use, stale })
    }

    /// Makes a new data key current (unless `resume`: then only finishes an earlier rotation) and
    /// re-seals every value under an older key, `batch` rows per transaction. Safe to stop at any
    /// point and run again: what is left is whatever still names an older key.
    pub async fn rotate_keys(&self, batch: i64, resume: bool) -> Result<RotationReport> {
        self.allow(Operation::RotateKeys)?;
        let before = kv::get(&self.db, CURRENT_KEY).await?;
        if !resume || before.is_none() {
            let next = new_key_id();
            // Made in the keychain before it becomes current, so a crash never names a missing key.
            DataKeys::load(&self.secrets, &self.installation, &next, &[]).await?;
            kv::set(&self.db, CURRENT_KEY, &next).await?;
        }
        let keys = self.keys().await?;
        let mut report = RotationReport { key: keys.current().to_owned(), resealed: 0, batches: 0 };
        for (table, column) in q::SEALED {
            loop {
                let rows = q::stale(&self.db, table, column, keys.current(), batch.clamp(1, 10_000)).await?;
                if rows.is_empty() {
                    break;
                }
                let mut tx = self.db.begin().await?;
                for (id, old_key, sealed) in &rows {
                    let here = Place { table, column, row: *id };
                    let plain = keys.open(here, old_key, sealed)?;
                    let (key, fresh) = keys.seal(here, &plain)?;
                    report.resealed += u64::from(q::reseal(&mut tx, table, column, *id, old_key, &key, &fresh).await?);
                }
                tx.commit().await?;
                report.batches += 1;
                crate::fault_point!("keys.rotate.after_batch");
            }
        }
        let mut tx = self.db.begin().await?;
        let entry = Entry::by(self.caller(), "keys.rotate", "data_key", Some(report.key.clone())).change(
            before.map(|k| serde_json::json!({ "key": k })),
            Some(serde_json::json!({ "resealed": report.resealed })),
        );
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(report)
    }
}
