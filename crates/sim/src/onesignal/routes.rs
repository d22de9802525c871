//! Routes.

use super::*;

/// The public API under OneSignal's own paths, behind the fault switches.
pub(crate) fn api_routes(sim: OneSignalSim) -> Router {
    Router::new()
        .route(CREATE_PATH, post(create_notification).get(list_notifications))
        .route(NOTIFICATION_PATH, get(view_notification).delete(cancel_notification))
        .route_layer(middleware::from_fn_with_state(sim.clone(), crate::kit::gate::gate::<OneSignalSim>))
        .with_state(sim)
}

crate::kit::control::inspect!(OneSignalSim, SimMessage, "onesignal", unsubscribe);

/// `/_sim/onesignal/...`: the inbox, faults and the subscription registry.
pub(crate) fn debug_routes(sim: OneSignalSim) -> Router {
    crate::kit::control::routes::<OneSignalSim>()
        .route("/subscriptions", get(debug_subscriptions).post(debug_add_subscription))
        .route("/subscriptions/{id}", delete(debug_unsubscribe))
        .route("/stats", get(debug_stats))
        .with_state(sim)
}

crate::kit::gate::gated!(
    OneSignalSim,
    "onesignal",
    create_requests,
    |method, _path| *method == Method::POST,
    |fault| OsError::from(fault).into_response()
);

pub(super) type QueryMap = Result<Query<HashMap<String, String>>, QueryRejection>;

pub(super) fn query_map(query: QueryMap) -> HashMap<String, String> {
    query.map(|Query(q)| q).unwrap_or_default()
}

pub(super) async fn create_notification(State(sim): State<OneSignalSim>, headers: HeaderMap, body: Bytes) -> Response {
    match create(&sim.shared, &headers, &body) {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => {
            tracing::debug!(error = ?e, "onesignal sim: create refused");
            e.into_response()
        }
    }
}

/// Who a create request targets, once validated.
pub(super) enum Targets {
    Subscriptions(Vec<String>),
    ExternalIds { label: String, ids: Vec<String> },
    Everyone,
    Nobody,
}

/// A create request, validated.
pub(super) struct NewNotification {
    pub(super) targets: Targets,
    pub(super) contents: Map<String, Value>,
    pub(super) headings: Option<Map<String, Value>>,
    pub(super) data: Option<Value>,
    pub(super) name: Option<String>,
    pub(super) send_after: Option<DateTime<Utc>>,
    pub(super) idempotency_key: Option<String>,
    pub(super) external_id: Option<String>,
}

pub(super) fn create(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, OsError> {
    shared.authorize(headers)?;
    let json: Value = serde_json::from_slice(body).map_err(|_| OsError::AppIdNotFound)?;
    let obj = json.as_object().ok_or(OsError::AppIdNotFound)?;
    let app_id = obj.get("app_id").and_then(Value::as_str).ok_or(OsError::AppIdNotFound)?;
    if !app_id.eq_ignore_ascii_case(&shared.opts.app_id) {
        return Err(OsError::AccessDenied);
    }
    let new = validate(obj)?;

    let now = Utc::now();
    let mut state = lock(&shared.state);
    let ttl = TimeDelta::from_std(shared.opts.idempotency_ttl).unwrap_or(TimeDelta::MAX);
    state.idempotency.retain(|_, (at, _)| now - *at < ttl);
    if let Some(key) = &new.idempotency_key
        && let Some((_, answer)) = state.idempotency.get(&key.to_ascii_lowercase())
    {
        tracing::debug!("onesignal sim: idempotent repeat answered from memory");
        return Ok(answer.clone());
    }

    let mut deliveries = Vec::new();
    let mut unsubscribed = 0usize;
    let mut invalid = Vec::new();
    let deliver = |sub: &SimSubscription, deliveries: &mut Vec<Delivery>| {
        let outcome = match (sub.subscribed, sub.errored) {
            (false, _) => Outcome::Failed,
            (true, true) => Outcome::Errored,
            (true, false) => Outcome::Successful,
        };
        deliveries.push(Delivery {
            subscription_id: sub.id.clone(),
            external_id: sub.external_id.clone(),
            language: sub.language.clone(),
            outcome,
        });
    };
    match &new.targets {
        Targets::Subscriptions(ids) => {
            let mut seen = HashSet::new();
            for id in ids {
                let key = id.to_ascii_lowercase();
                if !seen.insert(key.clone()) {
                    continue;
                }
                match state.subscriptions.get(&key) {
                    Some(sub) => deliver(sub, &mut deliveries),
                    None => invalid.push(id.clone()),
                }
            }
        }
        Targets::ExternalIds { label, ids } => {
            for id in ids {
                let mut matched: Vec<&SimSubscription> = if label == "external_id" {
                    state.subscriptions.values().filter(|s| s.external_id.as_deref() == Some(id.as_str())).collect()
                } else {
                    Vec::new()
                };
                matched.sort_by(|a, b| a.id.cmp(&b.id));
                if matched.is_empty() {
                    invalid.push(id.clone());
                }
                for sub in matched {
                    deliver(sub, &mut deliveries);
                }
            }
        }
        Targets::Everyone => {
            let mut subs: Vec<&SimSubscription> = state.subscriptions.values().filter(|s| s.subscribed).collect();
            subs.sort_by(|a, b| a.id.cmp(&b.id));
            for sub in subs {
                deliver(sub, &mut deliveries);
            }
        }
        Targets::Nobody => {}
    }
    unsubscribed += deliveries.iter().filter(|d| d.outcome == Outcome::Failed).count();
    let sendable = deliveries.len() > unsubscribed;

    let errors = if invalid.is_empty() {
        None
    } else if let Targets::ExternalIds { label, .. } = &new.targets {
        Some(json!({ "invalid_aliases": { label.clone(): invalid } }))
    } else {
        Some(json!({ "invalid_player_ids": invalid }))
    };
    let mut answer = json!({ "id": "", "external_id": new.external_id });
    if sendable {
        let id = new_uuid();
        answer["id"] = json!(id);
        tracing::debug!(%id, recipients = deliveries.len(), unsubscribed, invalid = invalid.len(), "onesignal sim: notification created");
        state.notifications.push(Notification {
            id,
            name: new.name,
            contents: new.contents,
            headings: new.headings,
            data: new.data,
            idempotency_key: new.idempotency_key.clone(),
            deliveries,
            queued_at: now,
            send_after: new.send_after,
            canceled_at: None,
        });
        state.received += 1;
        if let Some(errors) = errors {
            answer["errors"] = errors;
        }
    } else {
        answer["errors"] = errors.unwrap_or_else(|| json!(["All included players are not subscribed"]));
    }
    if let Some(key) = new.idempotency_key {
        state.idempotency.insert(key.to_ascii_lowercase(), (now, answer.clone()));
    }
    Ok(answer)
}

pub(super) fn present<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

/// An array of strings.
pub(super) fn strings(value: &Value, name: &'static str) -> Result<Vec<String>, OsError> {
    let items = value.as_array().ok_or(OsError::BadField(name))?;
    items.iter().map(|v| v.as_str().map(str::to_owned).ok_or(OsError::BadField(name))).collect()
}

/// `{"en": "...", "ar": "..."}`: language codes to strings, with English.
pub(super) fn language_map(
    value: &Value,
    name: &'static str,
    no_english: OsError,
) -> Result<Map<String, Value>, OsError> {
    let map = value.as_object().ok_or(OsError::BadField(name))?;
    if !map.values().all(Value::is_string) {
        return Err(OsError::BadField(name));
    }
    if map.get("en").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(no_english);
    }
    Ok(map.clone())
}

pub(super) fn validate(obj: &Map<String, Value>) -> Result<NewNotification, OsError> {
    let idempotency_key = match (present(obj, "idempotency_key"), present(obj, "external_id")) {
        (Some(key), _) => {
            Some(key.as_str().filter(|k| is_uuid(k)).ok_or(OsError::BadIdempotencyKey("idempotency_key"))?)
        }
        (None, Some(key)) => {
            Some(key.as_str().filter(|k| is_uuid(k)).ok_or(OsError::BadIdempotencyKey("external_id"))?)
        }
        (None, None) => None,
    }
    .map(str::to_owned);
    let external_id = present(obj, "external_id").and_then(Value::as_str).map(str::to_owned);

    let subscription_ids = present(obj, "include_subscription_ids").or_else(|| present(obj, "include_player_ids"));
    let aliases = present(obj, "include_aliases");
    let segments = present(obj, "included_segments");
    let targets = match (subscription_ids, aliases, segments) {
        (None, None, None) => return Err(OsError::NoTargets),
        (Some(ids), None, None) => {
            let ids = strings(ids, "include_subscription_ids")?;
            if ids.is_empty() {
                return Err(OsError::NoTargets);
            }
            if ids.len() > MAX_TARGETS {
                return Err(OsError::TooManyTargets);
            }
            if let Some(bad) = ids.iter().find(|id| !is_uuid(id)) {
                return Err(OsError::BadSubscriptionId(bad.clone()));
            }
            Targets::Subscriptions(ids)
        }
        (None, Some(aliases), None) => {
            if present(obj, "target_channel").and_then(Value::as_str) != Some("push") {
                return Err(OsError::TargetChannel);
            }
            let aliases = aliases.as_object().ok_or(OsError::BadField("include_aliases"))?;
            let mut labels = aliases.iter();
            let (Some((label, ids)), None) = (labels.next(), labels.next()) else {
                return Err(OsError::BadField("include_aliases"));
            };
            let ids = strings(ids, "include_aliases")?;
            if ids.is_empty() {
                return Err(OsError::NoTargets);
            }
            if ids.len() > MAX_TARGETS {
                return Err(OsError::TooManyTargets);
            }
            Targets::ExternalIds { label: label.clone(), ids }
        }
        (None, None, Some(segments)) => {
            let segments = strings(segments, "included_segments")?;
            if segments.iter().any(|s| EVERYONE.contains(&s.as_str())) { Targets::Everyone } else { Targets::Nobody }
        }
        _ => return Err(OsError::MixedTargets),
    };

    let contents = language_map(
        present(obj, "contents").ok_or(OsError::NoEnglishContents)?,
        "contents",
        OsError::NoEnglishContents,
    )?;
    let headings =
        present(obj, "headings").map(|h| language_map(h, "headings", OsError::NoEnglishHeadings)).transpose()?;
    let data = match present(obj, "data") {
        None => None,
        Some(data @ Value::Object(_)) => {
            if data.to_string().len() > MAX_DATA_BYTES {
                return Err(OsError::DataTooBig);
            }
            Some(data.clone())
        }
        Some(_) => return Err(OsError::BadField("data")),
    };
    let name = match present(obj, "name") {
        None => None,
        Some(v) => Some(v.as_str().ok_or(OsError::BadField("name"))?.to_owned()),
    };
    let send_after = match present(obj, "send_after") {
        None => None,
        Some(v) => Some(v.as_str().and_then(parse_send_after).ok_or(OsError::BadSendAfter)?),
    };
    Ok(NewNotification { targets, contents, headings, data, name, send_after, idempotency_key, external_id })
}

/// RFC 3339, or OneSignal's documented `2015-09-24 14:00:00 GMT-0700`.
pub(super) fn parse_send_after(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S GMT%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(super) async fn view_notification(
    State(sim): State<OneSignalSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: QueryMap,
) -> Response {
    let shared = &sim.shared;
    let result = shared.authorize(&headers).and_then(|()| shared.check_query_app(&query_map(query))).and_then(|()| {
        let state = lock(&shared.state);
        let n = state.notifications.iter().find(|n| n.id.eq_ignore_ascii_case(&id)).ok_or(OsError::NotFound)?;
        Ok(n.view(&shared.opts.app_id, Utc::now(), shared.delivered_after()))
    });
    match result {
        Ok(view) => Json(view).into_response(),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn cancel_notification(
    State(sim): State<OneSignalSim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: QueryMap,
) -> Response {
    let shared = &sim.shared;
    let result = shared.authorize(&headers).and_then(|()| shared.check_query_app(&query_map(query))).and_then(|()| {
        let now = Utc::now();
        let delivered_after = shared.delivered_after();
        let mut state = lock(&shared.state);
        let n = state.notifications.iter_mut().find(|n| n.id.eq_ignore_ascii_case(&id)).ok_or(OsError::NotFound)?;
        match n.progress(now, delivered_after) {
            Progress::Done(_) => Err(OsError::AlreadySent),
            Progress::Canceled => Ok(()),
            Progress::Remaining => {
                n.canceled_at = Some(now);
                tracing::debug!(id = %n.id, "onesignal sim: notification canceled");
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => Json(json!({ "success": true })).into_response(),
        Err(e) => e.into_response(),
    }
}

pub(super) async fn list_notifications(
    State(sim): State<OneSignalSim>,
    headers: HeaderMap,
    query: QueryMap,
) -> Response {
    let shared = &sim.shared;
    let query = query_map(query);
    if let Err(e) = shared.authorize(&headers).and_then(|()| shared.check_query_app(&query)) {
        return e.into_response();
    }
    let number = |name: &str, default: usize| query.get(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let limit = number("limit", MAX_PAGE).clamp(1, MAX_PAGE);
    let offset = number("offset", 0);
    let now = Utc::now();
    let delivered_after = shared.delivered_after();
    let state = lock(&shared.state);
    let page: Vec<Value> = state
        .notifications
        .iter()
        .rev()
        .skip(offset)
        .take(limit)
        .map(|n| n.view(&shared.opts.app_id, now, delivered_after))
        .collect();
    Json(json!({ "total_count": state.notifications.len(), "offset": offset, "limit": limit, "notifications": page }))
        .into_response()
}
