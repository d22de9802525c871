//! Reading the trail back: filtered by user, action, entity and date, newest first, a page at a
//! time (keyset on `seq`, no OFFSET), and the same rows as CSV.

use chrono::{DateTime, Utc};

use super::Row;
use crate::error::Result;
use crate::store::Db;

/// Which rows to read. Every field narrows; `before_seq` continues from a page's last row.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    /// An action (`user.create`) or a prefix ending in `.` (`user.`).
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Rows matching `filter`, newest first.
pub async fn list(db: &Db, filter: &Filter) -> Result<Vec<Row>> {
    // Each condition is a fixed string; values are bound, never formatted in.
    let mut sql = String::from(
        "SELECT seq, at, actor, origin, action, entity, entity_id, before, after, prev_hash, hash FROM audit_log WHERE 1 = 1",
    );
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if filter.actor.is_some() {
        sql.push_str(&format!(" AND actor = {}", next()));
    }
    let action_prefix = filter.action.as_deref().is_some_and(|a| a.ends_with('.'));
    if filter.action.is_some() {
        if action_prefix {
            sql.push_str(&format!(" AND action LIKE {}", next()));
        } else {
            sql.push_str(&format!(" AND action = {}", next()));
        }
    }
    if filter.entity.is_some() {
        sql.push_str(&format!(" AND entity = {}", next()));
    }
    if filter.entity_id.is_some() {
        sql.push_str(&format!(" AND entity_id = {}", next()));
    }
    if filter.from.is_some() {
        sql.push_str(&format!(" AND at >= {}", next()));
    }
    if filter.to.is_some() {
        sql.push_str(&format!(" AND at < {}", next()));
    }
    if filter.before_seq.is_some() {
        sql.push_str(&format!(" AND seq < {}", next()));
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", next()));
    let action = filter.action.as_ref().map(|a| if action_prefix { format!("{a}%") } else { a.clone() });
    macro_rules! bind_all {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(v) = &filter.actor {
                q = q.bind(v.clone());
            }
            if let Some(v) = &action {
                q = q.bind(v.clone());
            }
            if let Some(v) = &filter.entity {
                q = q.bind(v.clone());
            }
            if let Some(v) = &filter.entity_id {
                q = q.bind(v.clone());
            }
            if let Some(v) = filter.from {
                q = q.bind(v);
            }
            if let Some(v) = filter.to {
                q = q.bind(v);
            }
            if let Some(v) = filter.before_seq {
                q = q.bind(v);
            }
            q.bind(filter.limit.clamp(1, 10_000))
        }};
    }
    Ok(crate::on_db!(db, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))).fetch_all(p).await?))
}

/// The rows as CSV (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs read Arabic).
/// A cell that starts like a formula is prefixed with `'` so opening the file runs nothing.
pub fn to_csv(rows: &[Row]) -> String {
    let mut out = String::from("\u{feff}seq,at,actor,origin,action,entity,entity_id,before,after,hash\r\n");
    for r in rows {
        let at = r.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let cells = [
            r.seq.to_string(),
            at,
            r.actor.clone(),
            r.origin.clone(),
            r.action.clone(),
            r.entity.clone(),
            r.entity_id.clone().unwrap_or_default(),
            r.before.clone().unwrap_or_default(),
            r.after.clone().unwrap_or_default(),
            r.hash.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn cell(value: &str) -> String {
    let guarded =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_are_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("سارة"), "سارة");
    }
}
