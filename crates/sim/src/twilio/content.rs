//! Content API (content.twilio.com).

use super::*;

pub(super) async fn list_content_and_approvals(
    State(sim): State<TwilioSim>,
    headers: HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    list_contents(&sim, &headers, query, "/v1/ContentAndApprovals", true)
}

pub(super) async fn list_content(
    State(sim): State<TwilioSim>,
    headers: HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    list_contents(&sim, &headers, query, "/v1/Content", false)
}

/// Both lists page alike: `PageSize`, `Page`, and `PageToken` = `PT` + the hex offset.
pub(super) fn list_contents(
    sim: &TwilioSim,
    headers: &HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
    path: &str,
    with_approvals: bool,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&shared.account_sid, headers) {
        return e.into_response();
    }
    let params = query.map(|Query(p)| p).unwrap_or_default();
    let page_size = match param(&params, "PageSize").map(str::parse::<usize>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => return ApiError::InvalidParameter.into_response(),
    };
    let Ok(page) = param(&params, "Page").map_or(Ok(0), str::parse::<usize>) else {
        return ApiError::InvalidParameter.into_response();
    };
    let offset = match param(&params, "PageToken") {
        None => page * page_size,
        Some(token) => match token.strip_prefix("PT").and_then(|hex| usize::from_str_radix(hex, 16).ok()) {
            Some(offset) => offset,
            None => return ApiError::InvalidParameter.into_response(),
        },
    };
    let origin = origin(headers);
    let page_url = |page: usize, offset: Option<usize>| {
        let token = offset.map(|o| format!("&PageToken=PT{o:x}")).unwrap_or_default();
        format!("{origin}{path}?PageSize={page_size}&Page={page}{token}")
    };
    let state = lock(&shared.state);
    let total = state.templates.len();
    let contents: Vec<Value> = state
        .templates
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|t| shared.content_json(t, &origin, with_approvals))
        .collect();
    let next = (offset + page_size < total).then(|| page_url(page + 1, Some(offset + page_size)));
    let previous = (offset > 0).then(|| page_url(page.saturating_sub(1), Some(offset.saturating_sub(page_size))));
    let this = page_url(page, param(&params, "PageToken").map(|_| offset));
    Json(json!({
        "contents": contents,
        "meta": {
            "page": page,
            "page_size": page_size,
            "first_page_url": page_url(0, None),
            "previous_page_url": previous,
            "url": this,
            "next_page_url": next,
            "key": "contents",
        },
    }))
    .into_response()
}

pub(super) async fn fetch_content(
    State(sim): State<TwilioSim>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&shared.account_sid, &headers) {
        return e.into_response();
    }
    let state = lock(&shared.state);
    match state.templates.iter().find(|t| t.sid == sid) {
        Some(t) => Json(shared.content_json(t, &origin(&headers), false)).into_response(),
        None => not_found_response(uri.path()),
    }
}

pub(super) async fn fetch_approval(
    State(sim): State<TwilioSim>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&shared.account_sid, &headers) {
        return e.into_response();
    }
    let state = lock(&shared.state);
    match state.templates.iter().find(|t| t.sid == sid) {
        Some(t) => Json(json!({
            "sid": t.sid,
            "account_sid": shared.account_sid,
            "whatsapp": approval_json(t),
            "url": format!("{}/v1/Content/{}/ApprovalRequests", origin(&headers), t.sid),
        }))
        .into_response(),
        None => not_found_response(uri.path()),
    }
}

impl Shared {
    /// A Content resource; with `approval_requests` as `ContentAndApprovals` lists it, else with its links.
    pub(super) fn content_json(&self, t: &SimTemplate, origin: &str, with_approvals: bool) -> Value {
        let mut content = json!({
            "account_sid": self.account_sid,
            "date_created": iso8601(t.date_created),
            "date_updated": iso8601(t.date_updated),
            "friendly_name": t.name,
            "language": t.language,
            "sid": t.sid,
            "types": { "twilio/text": { "body": t.body } },
            "variables": t.variables,
        });
        if with_approvals {
            content["approval_requests"] = approval_json(t);
        } else {
            let url = format!("{origin}/v1/Content/{}", t.sid);
            content["links"] = json!({
                "approval_create": format!("{url}/ApprovalRequests/whatsapp"),
                "approval_fetch": format!("{url}/ApprovalRequests"),
            });
            content["url"] = Value::String(url);
        }
        content
    }
}

pub(super) fn approval_json(t: &SimTemplate) -> Value {
    json!({
        "name": t.name,
        "category": t.category,
        "content_type": "twilio/text",
        "status": t.status,
        "rejection_reason": t.rejection_reason,
        "allow_category_change": true,
    })
}

/// `http://host:port` from the request, so page URLs lead back to this simulator.
pub(super) fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("content.twilio.com");
    format!("http://{host}")
}

pub(super) fn iso8601(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `HX` + the first 32 hex digits of SHA-1(`name:language`), so a template keeps its sid across restarts.
pub(super) fn template_sid(name: &str, language: &str) -> String {
    let digest = Sha1::digest(format!("{name}:{language}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("HX{hex}")
}

/// The templates a fresh sandbox has: reminders and cancellations approved in both languages, a payment
/// notice still pending and a promotion WhatsApp rejected.
pub(super) fn seed_templates(now: DateTime<Utc>) -> Vec<SimTemplate> {
    use TemplateApproval::{Approved, Pending, Rejected};
    /// (name, language, category, status, body, default values)
    type Seed<'a> = (&'a str, &'a str, &'a str, TemplateApproval, &'a str, &'a [&'a str]);
    let seeds: [Seed; 6] = [
        (
            "appointment_reminder",
            "ar",
            "UTILITY",
            Approved,
            "تذكير: موعد {{1}} يوم {{2}} الساعة {{3}} في مركز واصل.",
            &["جلسة النطق", "الأحد", "10:30"],
        ),
        (
            "appointment_reminder",
            "en",
            "UTILITY",
            Approved,
            "Reminder: {{1}} appointment on {{2}} at {{3}} at Wasel centre.",
            &["speech therapy", "Sunday", "10:30"],
        ),
        (
            "session_cancelled",
            "ar",
            "UTILITY",
            Approved,
            "نعتذر، أُلغيت جلسة {{1}} يوم {{2}}. سنتواصل معكم لتحديد موعد بديل.",
            &["العلاج الوظيفي", "الثلاثاء"],
        ),
        (
            "session_cancelled",
            "en",
            "UTILITY",
            Approved,
            "Sorry, the {{1}} session on {{2}} is cancelled. We will contact you to arrange another time.",
            &["occupational therapy", "Tuesday"],
        ),
        ("payment_due", "ar", "UTILITY", Pending, "تذكير: مبلغ {{1}} ريال مستحق قبل {{2}}.", &["1500", "2026-12-01"]),
        (
            "promo_offer",
            "en",
            "MARKETING",
            Rejected,
            "Enjoy {{1}}% off summer club registration until {{2}}!",
            &["20", "June 30"],
        ),
    ];
    seeds
        .into_iter()
        .map(|(name, language, category, status, body, defaults)| SimTemplate {
            sid: template_sid(name, language),
            name: name.to_owned(),
            language: language.to_owned(),
            category: category.to_owned(),
            status,
            rejection_reason: match status {
                Rejected => "The template looks promotional for its category".to_owned(),
                _ => String::new(),
            },
            body: body.to_owned(),
            variables: defaults.iter().enumerate().map(|(i, v)| ((i + 1).to_string(), (*v).to_owned())).collect(),
            date_created: now,
            date_updated: now,
        })
        .collect()
}

impl SimTemplate {
    /// The text with each `{{key}}` replaced by its value, or by the default when the value is missing.
    pub(super) fn render(&self, values: &BTreeMap<String, String>) -> String {
        let mut out = String::with_capacity(self.body.len());
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                break;
            };
            out.push_str(&rest[..start]);
            let key = after[..end].trim();
            match values.get(key).or_else(|| self.variables.get(key)) {
                Some(value) => out.push_str(value),
                None => out.push_str(&rest[start..start + end + 4]),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }
}
