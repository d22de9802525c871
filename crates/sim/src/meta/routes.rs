//! Routes.

use super::*;

/// The Graph paths of the configured version, behind the fault switches.
pub(crate) fn api_routes(sim: MetaSim) -> Router {
    let v = &sim.shared.opts.api_version;
    Router::new()
        .route(&format!("/{v}/{{id}}/messages"), post(send_message))
        .route(&format!("/{v}/{{id}}/message_templates"), get(list_templates))
        .route(&format!("/{v}/{{id}}"), get(read_node))
        .layer(middleware::from_fn_with_state(sim.clone(), crate::kit::gate::gate::<MetaSim>))
        .with_state(sim)
}

crate::kit::gate::gated!(
    MetaSim,
    "meta",
    create_requests,
    |method, path| *method == Method::POST && path.ends_with("/messages"),
    |fault| fault_response(fault)
);

/// What a send asks for, once validated (the template is checked against the store later).
pub(super) struct NewMessage {
    pub(super) to_input: String,
    pub(super) wa_id: String,
    pub(super) content: NewContent,
    pub(super) opaque: Option<String>,
}

pub(super) enum NewContent {
    Text(String),
    Template { name: String, language: String, body_params: Vec<String>, other_params: Vec<(&'static str, usize)> },
}

pub(super) fn string_field(json: &Value, key: &str, param: &str) -> Result<Option<String>, ApiError> {
    match json.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::Invalid { details: format!("Param {param} must be a string.") }),
    }
}

pub(super) fn validate(json: &Value) -> Result<NewMessage, ApiError> {
    if !json.is_object() {
        return Err(ApiError::Required("messaging_product".into()));
    }
    match string_field(json, "messaging_product", "messaging_product")? {
        None => return Err(ApiError::Required("messaging_product".into())),
        Some(p) if p.eq_ignore_ascii_case("whatsapp") => {}
        Some(p) => {
            return Err(ApiError::Invalid {
                details: format!("Param messaging_product must be one of {{WHATSAPP}} - got \"{p}\"."),
            });
        }
    }
    if let Some(rt) = string_field(json, "recipient_type", "recipient_type")?
        && !rt.eq_ignore_ascii_case("individual")
    {
        return Err(ApiError::Invalid {
            details: format!("Param recipient_type must be one of {{INDIVIDUAL}} - got \"{rt}\"."),
        });
    }
    let to_input = string_field(json, "to", "to")?.filter(|t| !t.is_empty()).ok_or(ApiError::Required("to".into()))?;
    let wa_id = wa_id(&to_input);
    if !is_wa_id(&wa_id) {
        return Err(ApiError::Invalid { details: "Param to is not a valid phone number.".to_owned() });
    }
    let opaque = string_field(json, "biz_opaque_callback_data", "biz_opaque_callback_data")?;
    if opaque.as_ref().is_some_and(|o| o.chars().count() > MAX_OPAQUE_CHARS) {
        return Err(ApiError::Invalid {
            details: format!("Param biz_opaque_callback_data must be at most {MAX_OPAQUE_CHARS} characters long."),
        });
    }
    let kind = string_field(json, "type", "type")?.unwrap_or_else(|| "text".to_owned());
    let content = match kind.as_str() {
        "text" => NewContent::Text(validate_text(json)?),
        "template" => validate_template(json)?,
        other => {
            return Err(ApiError::Invalid {
                details: format!("Param type must be one of {{TEXT, TEMPLATE}} in this simulator - got \"{other}\"."),
            });
        }
    };
    Ok(NewMessage { to_input, wa_id, content, opaque })
}

pub(super) fn validate_text(json: &Value) -> Result<String, ApiError> {
    let Some(text) = json.get("text").filter(|t| t.is_object()) else {
        return Err(ApiError::Required("text['body']".into()));
    };
    let body = string_field(text, "body", "text['body']")?
        .filter(|b| !b.trim().is_empty())
        .ok_or(ApiError::Required("text['body']".into()))?;
    if body.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::Invalid {
            details: format!("Param text['body'] must be at most {MAX_TEXT_CHARS} characters long."),
        });
    }
    if text.get("preview_url").is_some_and(|p| !p.is_boolean()) {
        return Err(ApiError::Invalid { details: "Param text['preview_url'] must be a boolean.".to_owned() });
    }
    Ok(body)
}

pub(super) fn validate_template(json: &Value) -> Result<NewContent, ApiError> {
    let Some(template) = json.get("template").filter(|t| t.is_object()) else {
        return Err(ApiError::Required("template".into()));
    };
    let name = string_field(template, "name", "template['name']")?
        .filter(|n| !n.is_empty())
        .ok_or(ApiError::Required("template['name']".into()))?;
    let Some(language) = template.get("language").filter(|l| l.is_object()) else {
        return Err(ApiError::Required("template['language']".into()));
    };
    let code = string_field(language, "code", "template['language']['code']")?
        .filter(|c| !c.is_empty())
        .ok_or(ApiError::Required("template['language']['code']".into()))?;
    if let Some(policy) = string_field(language, "policy", "template['language']['policy']")?
        && policy != "deterministic"
    {
        return Err(ApiError::Invalid {
            details: format!(
                "Param template['language']['policy'] must be one of {{DETERMINISTIC}} - got \"{policy}\"."
            ),
        });
    }
    let components = match template.get("components") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(ApiError::Invalid { details: "Param template['components'] must be an array.".to_owned() });
        }
    };
    let mut body_params = Vec::new();
    let mut other_params = Vec::new();
    for (i, component) in components.iter().enumerate() {
        let kind = string_field(component, "type", "components['type']")?
            .ok_or_else(|| ApiError::Required(format!("template['components'][{i}]['type']")))?
            .to_ascii_lowercase();
        let kind: &'static str = match kind.as_str() {
            "body" => "body",
            "header" => "header",
            "button" => "button",
            other => {
                return Err(ApiError::Invalid {
                    details: format!(
                        "Param template['components'][{i}]['type'] must be one of {{HEADER, BODY, BUTTON}} - got \
                         \"{other}\"."
                    ),
                });
            }
        };
        let params = match component.get("parameters") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => {
                return Err(ApiError::Invalid {
                    details: format!("Param template['components'][{i}]['parameters'] must be an array."),
                });
            }
        };
        let mut texts = Vec::with_capacity(params.len());
        for (j, param) in params.iter().enumerate() {
            let at = format!("template['components'][{i}]['parameters'][{j}]");
            match string_field(param, "type", &format!("{at}['type']"))?.as_deref() {
                Some("text") => {}
                Some(other) => {
                    return Err(ApiError::Invalid {
                        details: format!("Param {at}['type'] must be text in this simulator - got \"{other}\"."),
                    });
                }
                None => return Err(ApiError::Required(format!("{at}['type']"))),
            }
            let text = string_field(param, "text", &format!("{at}['text']"))?
                .filter(|t| !t.is_empty())
                .ok_or_else(|| ApiError::Required(format!("{at}['text']")))?;
            texts.push(text);
        }
        if kind == "body" {
            body_params.extend(texts);
        } else if !texts.is_empty() {
            other_params.push((kind, texts.len()));
        }
    }
    Ok(NewContent::Template { name, language: code, body_params, other_params })
}

/// Placeholders `{{n}}` in a template body: the distinct `n`s.
pub(super) fn placeholders(body: &str) -> HashSet<usize> {
    let mut found = HashSet::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        if let Some(end) = rest.find("}}")
            && let Ok(n) = rest[..end].trim().parse::<usize>()
        {
            found.insert(n);
            rest = &rest[end + 2..];
        }
    }
    found
}

/// The body with each `{{n}}` replaced by the n-th parameter.
pub(super) fn render(body: &str, params: &[String]) -> String {
    let mut out = body.to_owned();
    for (i, p) in params.iter().enumerate() {
        out = out.replace(&format!("{{{{{}}}}}", i + 1), p);
    }
    out
}

/// Meta refuses new lines, tabs and more than four spaces in a row inside a parameter.
pub(super) fn param_is_clean(p: &str) -> bool {
    !p.contains(['\n', '\t', '\r']) && !p.contains("     ")
}

pub(super) async fn send_message(
    State(sim): State<MetaSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&headers) {
        return e.into_response();
    }
    if id != shared.opts.phone_number_id {
        return ApiError::UnknownObject { method: "post", id }.into_response();
    }
    // Anything that is not JSON reads as an empty body, so it fails like Graph's: messaging_product is required.
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let new = match validate(&json) {
        Ok(new) => new,
        Err(e) => return e.into_response(),
    };
    match accept(&sim, new) {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// Checks the template and the recipient's script, stores the message and starts its timer.
pub(super) fn accept(sim: &MetaSim, new: NewMessage) -> Result<Response, ApiError> {
    let shared = &sim.shared;
    let now = Utc::now();
    let mut state = lock(&shared.state);
    let fate = state.fates.get(&new.wa_id).copied().unwrap_or_default();
    if fate == Fate::PairRateLimited {
        let retry_after_secs = shared.faults.get().retry_after_secs.unwrap_or(PAIR_RETRY_AFTER_SECS);
        return Err(ApiError::PairRateLimited { retry_after_secs });
    }
    let window_open = state.window_open(&new.wa_id, now);
    let (kind, text, template, language, params, category) = match new.content {
        NewContent::Text(body) => ("text", body, None, None, Vec::new(), "service".to_owned()),
        NewContent::Template { name, language, body_params, other_params } => {
            let Some(t) = state.templates.iter().find(|t| t.name == name && t.language == language) else {
                return Err(ApiError::TemplateMissing { name, language });
            };
            if t.status != TemplateStatus::Approved {
                return Err(ApiError::TemplateNotApproved { name, language, status: t.status });
            }
            let expected = placeholders(&t.body).len();
            if body_params.len() != expected {
                return Err(ApiError::ParamCount { component: "body", expected, got: body_params.len() });
            }
            if let Some(&(component, got)) = other_params.first() {
                return Err(ApiError::ParamCount { component, expected: 0, got });
            }
            if !body_params.iter().all(|p| param_is_clean(p)) {
                return Err(ApiError::ParamFormat);
            }
            let text = render(&t.body, &body_params);
            let category = t.category.to_ascii_lowercase();
            ("template", text, Some(name), Some(language), body_params, category)
        }
    };
    let failure = match fate {
        Fate::Undeliverable => Some(131026),
        Fate::OptedOut => Some(131050),
        _ if kind == "text" && !window_open => Some(131047),
        _ => None,
    };
    let [sent, delivered, read] = shared.delays;
    let plan: Vec<(Duration, Step)> = match (failure, fate) {
        (Some(code), _) => vec![(sent, Step::Failed(code))],
        (None, Fate::ReadInChat) => vec![(sent, Step::Sent), (read, Step::Read)],
        (None, Fate::NoReadReceipts) => vec![(sent, Step::Sent), (delivered, Step::Delivered)],
        (None, _) => vec![(sent, Step::Sent), (delivered, Step::Delivered), (read, Step::Read)],
    };
    // Inside the window service replies and utility templates are free under per-message pricing.
    let billable = !(kind == "text" || (window_open && category == "utility"));
    let id = new_wamid(&new.wa_id);
    let msg = SimMessage {
        id: id.clone(),
        to: new.wa_id.clone(),
        kind: kind.to_owned(),
        text,
        template,
        language,
        params,
        status: "accepted".to_owned(),
        error_code: None,
        biz_opaque_callback_data: new.opaque,
        created_at: now,
    };
    let conversation_id = format!("{:032x}", rand::random::<u128>());
    let index = state.records.len();
    state.by_id.insert(id.clone(), index);
    state.records.push(Record { msg, conversation_id, category, billable });
    state.received += 1;
    drop(state);
    tracing::debug!(to = %mask_phone(&new.wa_id), kind, ?fate, "meta sim: message accepted");
    tokio::spawn(progress(Arc::clone(shared), id.clone(), plan));
    let mut message = json!({ "id": id });
    if kind == "template" {
        message["message_status"] = json!("accepted");
    }
    let body = json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": new.to_input, "wa_id": new.wa_id }],
        "messages": [message],
    });
    Ok(Json(body).into_response())
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    pub(super) limit: Option<String>,
    pub(super) after: Option<String>,
    pub(super) name: Option<String>,
    pub(super) status: Option<String>,
    pub(super) language: Option<String>,
}

pub(super) async fn list_templates(
    State(sim): State<MetaSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&headers) {
        return e.into_response();
    }
    if id != shared.opts.waba_id {
        return ApiError::UnknownObject { method: "get", id }.into_response();
    }
    // An unreadable query string lists everything, as if it were absent.
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            return ApiError::Invalid { details: "Param limit must be a positive integer.".to_owned() }.into_response();
        }
    };
    let start = match q.after.as_deref() {
        None => 0,
        Some(cursor) => match decode_cursor(cursor) {
            Some(i) => i + 1,
            None => {
                return ApiError::Invalid { details: "Param after is not a valid cursor.".to_owned() }.into_response();
            }
        },
    };
    let templates = sim.templates();
    let matching: Vec<(usize, &SimTemplate)> = templates
        .iter()
        .enumerate()
        .filter(|(_, t)| q.name.as_deref().is_none_or(|n| t.name.contains(n)))
        .filter(|(_, t)| q.status.as_deref().is_none_or(|s| t.status.as_str().eq_ignore_ascii_case(s)))
        .filter(|(_, t)| q.language.as_deref().is_none_or(|l| t.language == l))
        .filter(|(i, _)| *i >= start)
        .collect();
    let page = &matching[..limit.min(matching.len())];
    let data: Vec<Value> = page
        .iter()
        .map(|(_, t)| {
            json!({
                "name": t.name,
                "parameter_format": "POSITIONAL",
                "components": [{ "type": "BODY", "text": t.body }],
                "language": t.language,
                "status": t.status.as_str(),
                "category": t.category,
                "id": t.id,
            })
        })
        .collect();
    let mut paging = json!({});
    if let (Some((first, _)), Some((last, _))) = (page.first(), page.last()) {
        paging["cursors"] = json!({ "before": encode_cursor(*first), "after": encode_cursor(*last) });
        if matching.len() > page.len() {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
            let v = &shared.opts.api_version;
            paging["next"] =
                json!(format!("http://{host}/{v}/{id}/message_templates?limit={limit}&after={}", encode_cursor(*last)));
        }
    }
    Json(json!({ "data": data, "paging": paging })).into_response()
}

pub(super) fn encode_cursor(index: usize) -> String {
    BASE64.encode(index.to_string())
}

pub(super) fn decode_cursor(cursor: &str) -> Option<usize> {
    String::from_utf8(BASE64.decode(cursor).ok()?).ok()?.parse().ok()
}

/// `GET /{phone_number_id}` (the "test connection" read) or `GET /{waba_id}`.
pub(super) async fn read_node(State(sim): State<MetaSim>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let opts = &sim.shared.opts;
    if let Err(e) = sim.shared.authorize(&headers) {
        return e.into_response();
    }
    if id == opts.phone_number_id {
        Json(json!({
            "verified_name": opts.verified_name,
            "code_verification_status": "VERIFIED",
            "display_phone_number": opts.display_phone_number,
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": { "level": "STANDARD" },
            "id": opts.phone_number_id,
        }))
        .into_response()
    } else if id == opts.waba_id {
        Json(json!({
            "id": opts.waba_id,
            "name": opts.verified_name,
            "timezone_id": "73",
            "message_template_namespace": "c0ffee00_wasel_sandbox",
        }))
        .into_response()
    } else {
        ApiError::UnknownObject { method: "get", id }.into_response()
    }
}
