//! What the Audit screen sends and gets back.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::bad_filter;
use crate::audit::{Row, query::Filter};
use crate::error::Result;

#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilterInput {
    pub user: Option<String>,
    /// An action (`user.create`) or a group ending in `.` (`auth.`).
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// First day included, `YYYY-MM-DD` (UTC).
    pub from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (UTC).
    pub to: Option<String>,
    /// Continue below this sequence number (the last row of the page before).
    #[specta(type = Option<f64>)]
    pub before_seq: Option<i64>,
    #[specta(type = Option<f64>)]
    pub limit: Option<i64>,
}

fn day(value: Option<&String>, field: &'static str, next: bool) -> Result<Option<DateTime<Utc>>> {
    let Some(text) = value.map(|s| s.trim()).filter(|s| !s.is_empty()) else { return Ok(None) };
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad_filter(field))?;
    let date = if next { date.succ_opt().ok_or_else(|| bad_filter(field))? } else { date };
    Ok(date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl AuditFilterInput {
    pub(crate) fn into_query(self, limit: i64) -> Result<Filter> {
        let from = day(self.from.as_ref(), "from", false)?;
        let to = day(self.to.as_ref(), "to", true)?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(bad_filter("to"));
        }
        Ok(Filter {
            actor: text(&self.user),
            action: text(&self.action),
            entity: text(&self.entity),
            entity_id: text(&self.entity_id),
            from,
            to,
            before_seq: self.before_seq,
            limit,
        })
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    #[specta(type = f64)]
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub origin: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// JSON text of the state before and after, as recorded.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<Row> for AuditEntryView {
    fn from(r: Row) -> Self {
        Self {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            origin: r.origin,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// Rows found intact, from the first.
    #[specta(type = f64)]
    pub checked: i64,
    pub intact: bool,
    /// The first row that does not fit the chain.
    #[specta(type = Option<f64>)]
    pub broken_at: Option<i64>,
    /// `gap` (a row missing or moved), `link` (does not point at the row before), `content` (edited).
    pub problem: Option<String>,
}
