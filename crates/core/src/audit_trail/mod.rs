//! The Audit screen and `wasel audit`: the trail filtered by user, action, entity and date, its
//! export as CSV (itself audited), and the check of its hash chain. `wasel.audit_trail(&caller)`.

pub mod api;

use api::{AuditEntryView, AuditFilterInput, AuditVerification};

use crate::audit::{self, Entry, query};
use crate::context::AuditTrail;
use crate::domain::Operation;
use crate::error::{Error, Result};

/// Rows one export may hold: a year of a busy centre.
const EXPORT_MAX: i64 = 200_000;

impl AuditTrail<'_> {
    pub async fn entries(&self, filter: AuditFilterInput) -> Result<Vec<AuditEntryView>> {
        self.allow(Operation::ViewAudit)?;
        let limit = filter.limit.unwrap_or(200).clamp(1, 1000);
        let filter = filter.into_query(limit)?;
        Ok(query::list(&self.db, &filter).await?.into_iter().map(AuditEntryView::from).collect())
    }

    /// The matching rows as CSV, newest first. The export is audited with its filter and count.
    pub async fn export_csv(&self, filter: AuditFilterInput) -> Result<String> {
        self.allow(Operation::ExportAudit)?;
        let described = serde_json::to_value(&filter).ok();
        let filter = filter.into_query(EXPORT_MAX)?;
        let rows = query::list(&self.db, &filter).await?;
        let csv = query::to_csv(&rows);
        let mut tx = self.db.begin().await?;
        let entry = Entry::by(self.caller(), "audit.export", "audit_log", None)
            .change(described, Some(serde_json::json!({ "rows": rows.len() })));
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(csv)
    }

    pub async fn verify(&self) -> Result<AuditVerification> {
        self.allow(Operation::VerifyAudit)?;
        let v = audit::verify(&self.db).await?;
        Ok(AuditVerification {
            checked: v.checked,
            intact: v.broken.is_none(),
            broken_at: v.broken.as_ref().map(|b| b.seq),
            problem: v.broken.map(|b| b.problem.as_str().to_owned()),
        })
    }
}

pub(crate) fn bad_filter(field: &'static str) -> Error {
    Error::Invalid { code: "audit.filter_invalid", params: vec![("field", field.into())] }
}
