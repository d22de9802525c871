//! List.

use super::*;

pub(super) struct ListQuery {
    pub(super) to: Option<String>,
    pub(super) from: Option<String>,
    pub(super) date_sent: Option<DateFilter>,
    pub(super) sent_before: Option<DateFilter>,
    pub(super) sent_after: Option<DateFilter>,
    pub(super) page_size: usize,
    pub(super) page: usize,
    pub(super) token: Option<PageToken>,
}

/// A `DateSent` filter as Twilio takes it: a day (`2026-12-04`, as Wasel and the docs write it) or
/// an instant (`2026-12-04T00:34:36Z`, as the official SDKs write every date filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DateFilter {
    Day(NaiveDate),
    Instant(DateTime<Utc>),
}

impl DateFilter {
    pub(super) fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Some(Self::Day(day));
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(Self::Instant(t.with_timezone(&Utc)));
        }
        // A date-time without an offset is read as UTC, as Twilio reads it.
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok().map(|t| Self::Instant(t.and_utc()))
    }

    fn encode(self) -> String {
        match self {
            Self::Day(d) => d.format("%Y-%m-%d").to_string(),
            Self::Instant(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }

    /// Compares a message's time with the filter: by day for a day, to the second for an instant.
    fn cmp_time(self, at: DateTime<Utc>) -> std::cmp::Ordering {
        match self {
            Self::Day(d) => at.date_naive().cmp(&d),
            Self::Instant(t) => at.timestamp().cmp(&t.timestamp()),
        }
    }
}

/// Opaque to clients: `PA<seq>` = the page after (older than) `seq`, `PB<seq>` = the page before it.
#[derive(Clone, Copy)]
pub(super) enum PageToken {
    After(usize),
    Before(usize),
}

impl PageToken {
    pub(super) fn parse(s: &str) -> Option<Self> {
        let (kind, n) = s.split_at_checked(2)?;
        let n = usize::from_str_radix(n, 16).ok()?;
        match kind {
            "PA" => Some(Self::After(n)),
            "PB" => Some(Self::Before(n)),
            _ => None,
        }
    }

    pub(super) fn encode(self) -> String {
        match self {
            Self::After(n) => format!("PA{n:x}"),
            Self::Before(n) => format!("PB{n:x}"),
        }
    }
}

pub(super) fn parse_list_query(params: &Params) -> Result<ListQuery, ApiError> {
    let date = |name: &str| -> Result<Option<DateFilter>, ApiError> {
        param(params, name).map(|s| DateFilter::parse(s).ok_or(ApiError::InvalidParameter)).transpose()
    };
    let page_size = match param(params, "PageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_PAGE_SIZE),
            _ => return Err(ApiError::InvalidParameter),
        },
    };
    let page = match param(params, "Page") {
        None => 0,
        Some(s) => s.parse().map_err(|_| ApiError::InvalidParameter)?,
    };
    let token = match param(params, "PageToken") {
        None => None,
        Some(s) => Some(PageToken::parse(s).ok_or(ApiError::InvalidParameter)?),
    };
    Ok(ListQuery {
        to: param(params, "To").map(str::to_owned),
        from: param(params, "From").map(str::to_owned),
        date_sent: date("DateSent")?,
        sent_before: date("DateSent<")?,
        sent_after: date("DateSent>")?,
        page_size,
        page,
        token,
    })
}

impl ListQuery {
    pub(super) fn matches(&self, rec: &Record) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let at = rec.date_sent.unwrap_or(rec.msg.date_created);
        !rec.deleted
            && self.to.as_deref().is_none_or(|to| rec.msg.to == to)
            && self.from.as_deref().is_none_or(|from| rec.msg.from == from)
            && self.date_sent.is_none_or(|d| d.cmp_time(at) == Equal)
            && self.sent_before.is_none_or(|d| d.cmp_time(at) != Greater)
            && self.sent_after.is_none_or(|d| d.cmp_time(at) != Less)
    }

    /// The list URI for another page, with the filters carried over.
    pub(super) fn uri(&self, account_sid: &str, page: usize, token: Option<PageToken>) -> String {
        let path = format!("/{API_VERSION}/Accounts/{account_sid}/Messages.json");
        let Ok(mut url) = reqwest::Url::parse(&format!("http://sim{path}")) else {
            return path;
        };
        {
            let mut q = url.query_pairs_mut();
            if let Some(to) = &self.to {
                q.append_pair("To", to);
            }
            if let Some(from) = &self.from {
                q.append_pair("From", from);
            }
            let dates = [("DateSent", self.date_sent), ("DateSent<", self.sent_before), ("DateSent>", self.sent_after)];
            for (name, date) in dates {
                if let Some(d) = date {
                    q.append_pair(name, &d.encode());
                }
            }
            q.append_pair("PageSize", &self.page_size.to_string());
            q.append_pair("Page", &page.to_string());
            if let Some(t) = token {
                q.append_pair("PageToken", &t.encode());
            }
        }
        match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        }
    }
}

pub(super) async fn list_messages(
    State(sim): State<TwilioSim>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    let params = query.map(|Query(p)| p).unwrap_or_default();
    let q = match parse_list_query(&params) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let state = lock(&shared.state);
    // Newest first, as Twilio lists.
    let matching: Vec<usize> = (0..state.records.len())
        .rev()
        .filter(|&seq| {
            let rec = &state.records[seq];
            rec.account_sid == account_sid && q.matches(rec)
        })
        .collect();
    let page: &[usize] = match q.token {
        None => &matching[..q.page_size.min(matching.len())],
        Some(PageToken::After(n)) => {
            let start = matching.partition_point(|&seq| seq >= n);
            let end = (start + q.page_size).min(matching.len());
            &matching[start..end]
        }
        Some(PageToken::Before(n)) => {
            let end = matching.partition_point(|&seq| seq > n);
            &matching[end.saturating_sub(q.page_size)..end]
        }
    };
    let messages: Vec<Value> = page.iter().map(|&seq| shared.resource(&state.records[seq])).collect();
    let next = page
        .last()
        .filter(|&&last| matching.last().is_some_and(|&oldest| oldest < last))
        .map(|&last| q.uri(&account_sid, q.page + 1, Some(PageToken::After(last))));
    let previous = page
        .first()
        .filter(|&&first| matching.first().is_some_and(|&newest| newest > first))
        .map(|&first| q.uri(&account_sid, q.page.saturating_sub(1), Some(PageToken::Before(first))));
    let start = q.page * q.page_size;
    Json(json!({
        "messages": messages,
        "page": q.page,
        "page_size": q.page_size,
        "start": start,
        "end": (start + page.len()).saturating_sub(1),
        "first_page_uri": q.uri(&account_sid, 0, None),
        "next_page_uri": next,
        "previous_page_uri": previous,
        "uri": q.uri(&account_sid, q.page, q.token),
    }))
    .into_response()
}
