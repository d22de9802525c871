//! Routes.

use super::*;

/// The public API under Taqnyat's own paths, behind the fault switches.
pub(crate) fn api_routes(sim: TaqnyatSim) -> Router {
    Router::new()
        .route(SEND_PATH, post(send_messages).delete(delete_scheduled))
        .route("/v1/messages/senders", get(senders))
        .route("/account/balance", get(balance))
        .route("/system/status", get(system_status))
        .layer(middleware::from_fn_with_state(sim.clone(), crate::kit::gate::gate::<TaqnyatSim>))
        .with_state(sim)
}

crate::kit::control::inspect!(TaqnyatSim, SimMessage, "taqnyat", opt_out);

/// `/_sim/taqnyat/...`: the sandbox inbox and Taqnyat-only switches.
pub(crate) fn debug_routes(sim: TaqnyatSim) -> Router {
    crate::kit::control::routes::<TaqnyatSim>()
        .route("/balance", get(debug_balance).put(debug_set_balance))
        .with_state(sim)
}

crate::kit::gate::gated!(
    TaqnyatSim,
    "taqnyat",
    create_requests,
    |method, path| *method == Method::POST && path == SEND_PATH,
    |fault| fault_response(fault)
);

/// A string, or a number written as digits (the Microsoft connector types recipients as integers).
pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a send asks for, once validated.
pub(super) struct NewSend {
    pub(super) sender: String,
    pub(super) body: String,
    pub(super) recipients: Vec<String>,
    pub(super) scheduled_at: Option<DateTime<Utc>>,
    pub(super) delete_key: Option<String>,
}

pub(super) fn validate(json: &Value, senders: &[String]) -> Result<NewSend, ApiError> {
    let sender = json.get("sender").and_then(text).filter(|s| !s.is_empty()).ok_or(ApiError::MissingSender)?;
    if !senders.contains(&sender) {
        return Err(ApiError::InvalidSender);
    }
    let body = json.get("body").and_then(text).filter(|b| !b.trim().is_empty()).ok_or(ApiError::MissingBody)?;
    let recipients: Vec<String> = match json.get("recipients") {
        Some(Value::Array(items)) if !items.is_empty() => {
            // Anything that is not a string or a number is kept as its JSON text, to be rejected.
            items.iter().map(|item| text(item).unwrap_or_else(|| item.to_string())).collect()
        }
        _ => return Err(ApiError::MissingRecipients),
    };
    let scheduled = json.get("scheduled").or_else(|| json.get("scheduledDatetime")).and_then(text);
    let scheduled_at = match scheduled.as_deref() {
        None | Some("") => None,
        Some(s) => Some(parse_scheduled(s).ok_or(ApiError::InvalidSchedule)?),
    };
    let delete_key = json.get("deleteId").and_then(text).filter(|k| !k.is_empty());
    Ok(NewSend { sender, body, recipients, scheduled_at, delete_key })
}

/// `2020-09-30T14:26` (the SDKs' example, read as Riyadh time), with optional seconds, or RFC 3339.
pub(super) fn parse_scheduled(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let ksa = FixedOffset::east_opt(KSA_OFFSET_SECS)?;
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
        .and_then(|naive| naive.and_local_timezone(ksa).single())
        .map(|t| t.with_timezone(&Utc))
}

/// `[966500000000,966500000001,]`: Taqnyat's list-in-a-string, each number followed by a comma.
pub(super) fn bracket_list(numbers: &[String]) -> String {
    let mut out = String::from("[");
    for n in numbers {
        out.push_str(n);
        out.push(',');
    }
    out.push(']');
    out
}

pub(super) fn riyals(milli: u64) -> String {
    format!("{}.{:03}", milli / 1000, milli % 1000)
}

pub(super) async fn send_messages(
    State(sim): State<TaqnyatSim>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&headers) {
        return e.into_response();
    }
    let Ok(Json(json)) = body else {
        return ApiError::InvalidJson.into_response();
    };
    let new = match validate(&json, &shared.opts.senders) {
        Ok(new) => new,
        Err(e) => return e.into_response(),
    };
    let num_segments = segments::num_segments(&new.body);

    let mut state = lock(&shared.state);
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let mut any_invalid = false;
    for to in new.recipients {
        if !is_gateway_number(&to, shared.opts.international) {
            any_invalid = true;
            rejected.push(to);
        } else if state.opted_out.contains(&to) {
            rejected.push(to);
        } else {
            accepted.push(to);
        }
    }
    if accepted.is_empty() {
        return if any_invalid { ApiError::InvalidRecipients } else { ApiError::OptedOut }.into_response();
    }
    let each = u64::from(num_segments).saturating_mul(shared.opts.segment_price_milli_sar);
    let cost = each.saturating_mul(accepted.len() as u64);
    if state.balance_milli_sar == 0 {
        return ApiError::BalanceZero.into_response();
    }
    if state.balance_milli_sar < cost {
        return ApiError::BalanceShort.into_response();
    }
    state.balance_milli_sar -= cost;
    let message_id = state.next_id;
    state.next_id += 1;
    // Stamped under the lock so creation times follow creation order.
    let now = Utc::now();
    // A time already past is sent at once, like an unscheduled message.
    let scheduled_at = new.scheduled_at.filter(|at| *at > now);
    for to in &accepted {
        state.records.push(Record {
            id: message_id.to_string(),
            to: to.clone(),
            sender: new.sender.clone(),
            body: new.body.clone(),
            num_segments,
            date_created: now,
            scheduled_at,
            delete_key: new.delete_key.clone(),
            cost_milli_sar: each,
            canceled: false,
            fails: to.ends_with("0003") || to.ends_with("0006"),
        });
    }
    state.received += 1;
    drop(state);
    tracing::debug!(
        message_id,
        recipients = accepted.len(),
        rejected = rejected.len(),
        first = %accepted.first().map(|n| mask_phone(n)).unwrap_or_default(),
        segments = num_segments,
        scheduled = scheduled_at.is_some(),
        "taqnyat sim: message accepted"
    );
    let body = json!({
        "statusCode": 201,
        "messageId": message_id,
        "cost": cost as f64 / 1000.0,
        "currency": "SAR",
        "totalCount": accepted.len(),
        "msgLength": num_segments,
        "accepted": bracket_list(&accepted),
        "rejected": if rejected.is_empty() { "[]".to_owned() } else { bracket_list(&rejected) },
    });
    (StatusCode::CREATED, Json(body)).into_response()
}

pub(super) async fn delete_scheduled(
    State(sim): State<TaqnyatSim>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&headers) {
        return e.into_response();
    }
    let Ok(Json(json)) = body else {
        return ApiError::InvalidJson.into_response();
    };
    let Some(key) = json.get("deleteId").or_else(|| json.get("deleteKey")).and_then(text).filter(|k| !k.is_empty())
    else {
        return ApiError::MissingDeleteKey.into_response();
    };
    let now = Utc::now();
    let mut state = lock(&shared.state);
    let mut refund = 0u64;
    let mut deleted = 0usize;
    for rec in &mut state.records {
        if rec.delete_key.as_deref() == Some(key.as_str()) && rec.is_pending(now) {
            rec.canceled = true;
            refund = refund.saturating_add(rec.cost_milli_sar);
            deleted += 1;
        }
    }
    if deleted == 0 {
        return ApiError::NotFound.into_response();
    }
    state.balance_milli_sar = state.balance_milli_sar.saturating_add(refund);
    tracing::debug!(deleted, "taqnyat sim: scheduled messages deleted");
    Json(json!({ "statusCode": 200, "message": "Deleted" })).into_response()
}

pub(super) async fn balance(State(sim): State<TaqnyatSim>, headers: HeaderMap) -> Response {
    if let Err(e) = sim.shared.authorize(&headers) {
        return e.into_response();
    }
    let expiry = (Utc::now() + TimeDelta::days(365)).format("%d-%m-%Y").to_string();
    Json(json!({
        "statusCode": 200,
        "accountStatus": "active",
        "accountExpiryDate": expiry,
        "balance": riyals(sim.balance_milli_sar()),
        "currency": "SAR",
    }))
    .into_response()
}

pub(super) async fn senders(State(sim): State<TaqnyatSim>, headers: HeaderMap) -> Response {
    if let Err(e) = sim.shared.authorize(&headers) {
        return e.into_response();
    }
    Json(json!({ "statusCode": 200, "senders": sim.shared.opts.senders })).into_response()
}

pub(super) async fn system_status(State(sim): State<TaqnyatSim>, headers: HeaderMap) -> Response {
    if let Err(e) = sim.shared.authorize(&headers) {
        return e.into_response();
    }
    Json(json!({
        "statusCode": 200,
        "status": { "service": "none", "description": "All Services are Operational" },
    }))
    .into_response()
}
