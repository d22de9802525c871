//! Routes.

use super::*;

/// The Calls API under Twilio's own paths, behind the Twilio fault switches.
pub(crate) fn api_routes(sim: TwilioVoiceSim) -> Router {
    Router::new()
        .route("/2010-04-01/Accounts/{account_sid}/Calls.json", post(create_call).get(list_calls))
        .route("/2010-04-01/Accounts/{account_sid}/Calls/{sid_json}", get(fetch_call).post(update_call))
        .layer(middleware::from_fn_with_state(sim.clone(), crate::kit::gate::gate::<TwilioVoiceSim>))
        .with_state(sim)
}

/// `GET`/`DELETE /calls`, to be nested under `/_sim/twilio`.
pub(crate) fn debug_routes(sim: TwilioVoiceSim) -> Router {
    Router::new()
        .route(
            "/calls",
            get(|State(sim): State<TwilioVoiceSim>| async move { Json(sim.calls()) }).delete(
                |State(sim): State<TwilioVoiceSim>| async move {
                    sim.clear();
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(sim)
}

impl crate::kit::gate::Gated for TwilioVoiceSim {
    const NAME: &'static str = "twilio_voice";

    fn creates(method: &Method, path: &str) -> bool {
        *method == Method::POST && path.ends_with("/Calls.json")
    }

    fn created(&self) -> &std::sync::atomic::AtomicUsize {
        &self.shared.create_requests
    }

    fn faults(&self) -> (&crate::faults::FaultSwitch, &tokio::sync::watch::Receiver<bool>) {
        self.shared.twilio.fault_switch()
    }

    fn fault_response(fault: crate::faults::Fault) -> Response {
        crate::twilio::fault_response(fault)
    }
}

pub(super) type Params = Vec<(String, String)>;

pub(super) fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// A create request, validated.
pub(super) struct NewCall {
    pub(super) to: String,
    pub(super) from: String,
    pub(super) source: Source,
    pub(super) status_callback: Option<String>,
    pub(super) callback_method: Method,
    pub(super) events: Events,
}

pub(super) fn http_method(value: Option<&str>) -> Result<Method, ApiError> {
    match value.map(str::to_ascii_uppercase).as_deref() {
        None | Some("POST") => Ok(Method::POST),
        Some("GET") => Ok(Method::GET),
        Some(_) => Err(ApiError::InvalidParameter),
    }
}

pub(super) fn validate(params: &Params) -> Result<NewCall, ApiError> {
    let to = param(params, "To").ok_or(ApiError::MissingTo)?;
    let from = param(params, "From").ok_or(ApiError::MissingFrom)?;
    if !is_e164(to) {
        return Err(ApiError::InvalidTo);
    }
    if !is_e164(from) {
        return Err(ApiError::InvalidFrom);
    }
    let url = param(params, "Url");
    if url.is_some_and(|u| !is_http_url(u)) {
        return Err(ApiError::InvalidUrl);
    }
    let twiml = param(params, "Twiml");
    if twiml.is_some_and(|t| t.chars().count() > MAX_TWIML_CHARS) {
        return Err(ApiError::TwimlTooLong);
    }
    let application = param(params, "ApplicationSid");
    if application.is_some_and(|a| !is_sid(a, "AP")) {
        return Err(ApiError::InvalidApplication);
    }
    // Twilio ignores Twiml when Url is given too.
    let source = match (url, twiml, application) {
        (Some(url), _, _) => Source::Url { url: url.to_owned(), method: http_method(param(params, "Method"))? },
        (None, Some(twiml), _) => Source::Twiml(twiml.to_owned()),
        (None, None, Some(_)) => Source::Application,
        (None, None, None) => return Err(ApiError::MissingUrl),
    };
    let status_callback = param(params, "StatusCallback");
    if status_callback.is_some_and(|u| !is_http_url(u)) {
        return Err(ApiError::InvalidStatusCallback);
    }
    let callback_method = http_method(param(params, "StatusCallbackMethod"))?;
    let mut events = Events::default();
    let mut any = false;
    // Repeated, or space-separated in one value, as helper libraries send it.
    for value in params.iter().filter(|(n, _)| n == "StatusCallbackEvent").flat_map(|(_, v)| v.split_whitespace()) {
        any = true;
        match value {
            "initiated" => events.initiated = true,
            "ringing" => events.ringing = true,
            "answered" => events.answered = true,
            "completed" => events.completed = true,
            _ => return Err(ApiError::InvalidParameter),
        }
    }
    if !any {
        events.completed = true;
    }
    // Checked only: the simulator rings for `answered_after` whatever the timeout (Twilio cuts it to 600).
    if let Some(timeout) = param(params, "Timeout") {
        timeout.parse::<u32>().map_err(|_| ApiError::InvalidParameter)?;
    }
    Ok(NewCall {
        to: to.to_owned(),
        from: from.to_owned(),
        source,
        status_callback: status_callback.map(str::to_owned),
        callback_method,
        events,
    })
}

pub(super) async fn create_call(
    State(sim): State<TwilioVoiceSim>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Some(response) = shared.twilio.refusal(&account_sid, &headers) {
        return response;
    }
    let params = form.map(|Form(p)| p).unwrap_or_default();
    let new = match validate(&params) {
        Ok(new) => new,
        Err(e) => return e.into_response(),
    };
    let outcome = if new.to.ends_with("0001") {
        Outcome::Busy
    } else if new.to.ends_with("0002") {
        Outcome::NoAnswer
    } else if new.to.ends_with("0003") {
        Outcome::Unreachable
    } else {
        Outcome::Answered
    };
    let sid = new_sid("CA");
    let (resource, placed_at) = {
        let mut state = lock(&shared.state);
        let now = Instant::now();
        let placed_at = state.next_slot.map_or(now, |slot| slot.max(now));
        if shared.opts.cps.is_finite() && shared.opts.cps > 0.0 {
            let gap = Duration::try_from_secs_f64(1.0 / shared.opts.cps)
                .unwrap_or(Duration::MAX)
                .min(Duration::from_secs(3600));
            state.next_slot = Some(placed_at + gap);
        }
        let queue_time_ms = u64::try_from((placed_at - now).as_millis()).unwrap_or(u64::MAX);
        let created = Utc::now();
        let (twiml, url) = match &new.source {
            Source::Twiml(twiml) => (Some(twiml.clone()), None),
            Source::Url { url, .. } => (None, Some(url.clone())),
            Source::Application => (None, None),
        };
        let record = CallRecord {
            call: SimCall {
                sid: sid.clone(),
                to: new.to,
                from: new.from,
                status: "queued".to_owned(),
                language: None,
                voice: None,
                text: String::new(),
                says: Vec::new(),
                duration: None,
                error_code: None,
                queue_time_ms,
                twiml,
                url,
                status_callback: new.status_callback,
                date_created: created,
            },
            account_sid,
            events: new.events,
            callback_method: new.callback_method,
            source: new.source,
            outcome,
            start_time: None,
            end_time: None,
            answered_at: None,
            date_updated: created,
            sequence: 0,
        };
        tracing::debug!(sid = %sid, to = %mask_phone(&record.call.to), queue_time_ms, "twilio voice sim: call queued");
        let resource = resource(&record);
        let seq = state.calls.len();
        state.calls.push(record);
        state.by_sid.insert(sid.clone(), seq);
        (resource, placed_at)
    };
    tokio::spawn(drive(Arc::clone(&sim.shared), sid, placed_at));
    (StatusCode::CREATED, Json(resource)).into_response()
}

pub(super) async fn fetch_call(
    State(sim): State<TwilioVoiceSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    if let Some(response) = sim.shared.twilio.refusal(&account_sid, &headers) {
        return response;
    }
    let state = lock(&sim.shared.state);
    match find(&state, &account_sid, &sid_json) {
        Some(seq) => Json(resource(&state.calls[seq])).into_response(),
        None => not_found_response(uri.path()),
    }
}

/// `Status=canceled` cancels a queued or ringing call; `Status=completed` hangs up a live one.
pub(super) async fn update_call(
    State(sim): State<TwilioVoiceSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Some(response) = shared.twilio.refusal(&account_sid, &headers) {
        return response;
    }
    let params = form.map(|Form(p)| p).unwrap_or_default();
    let (resource, callback) = {
        let mut state = lock(&shared.state);
        let Some(seq) = find(&state, &account_sid, &sid_json) else {
            return not_found_response(uri.path());
        };
        let rec = &mut state.calls[seq];
        let callback = match (param(&params, "Status"), rec.call.status.as_str()) {
            (None, _) => None,
            (Some("canceled" | "completed"), "queued" | "ringing") => finish(rec, "canceled", None),
            (Some("completed"), "in-progress") => {
                let spent = rec.answered_at.map(|at| at.elapsed()).unwrap_or_default();
                let secs = u32::try_from(spent.as_secs()).unwrap_or(u32::MAX).saturating_add(1);
                rec.call.duration = Some(secs);
                finish(rec, "completed", None)
            }
            (Some("canceled" | "completed"), _) => return ApiError::InvalidCallState.into_response(),
            (Some(_), _) => return ApiError::InvalidParameter.into_response(),
        };
        (resource(rec), callback)
    };
    if let Some(cb) = callback {
        tokio::spawn(post_callback(Arc::clone(&sim.shared), cb));
    }
    Json(resource).into_response()
}

/// Newest first, filtered by `To`/`From`/`Status`, paged by `PageSize` (≤ 1,000) and `Page`.
pub(super) async fn list_calls(
    State(sim): State<TwilioVoiceSim>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    query: Result<Query<Params>, QueryRejection>,
) -> Response {
    if let Some(response) = sim.shared.twilio.refusal(&account_sid, &headers) {
        return response;
    }
    let params = query.map(|Query(p)| p).unwrap_or_default();
    let page_size = match param(&params, "PageSize").map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => return ApiError::InvalidParameter.into_response(),
    };
    let Ok(page) = param(&params, "Page").map_or(Ok(0), str::parse::<usize>) else {
        return ApiError::InvalidParameter.into_response();
    };
    let wanted = |name: &str, value: &str| param(&params, name).is_none_or(|v| v == value);
    let state = lock(&sim.shared.state);
    let matching: Vec<&CallRecord> = state
        .calls
        .iter()
        .rev()
        .filter(|r| r.account_sid == account_sid)
        .filter(|r| wanted("To", &r.call.to) && wanted("From", &r.call.from) && wanted("Status", &r.call.status))
        .collect();
    let start = page * page_size;
    let calls: Vec<Value> = matching.iter().skip(start).take(page_size).map(|r| resource(r)).collect();
    let path = format!("/{API_VERSION}/Accounts/{account_sid}/Calls.json");
    let page_uri = |page: usize| format!("{path}?PageSize={page_size}&Page={page}");
    Json(json!({
        "calls": calls,
        "page": page,
        "page_size": page_size,
        "start": start,
        "end": (start + calls.len()).saturating_sub(1),
        "first_page_uri": page_uri(0),
        "next_page_uri": (start + page_size < matching.len()).then(|| page_uri(page + 1)),
        "previous_page_uri": (page > 0).then(|| page_uri(page - 1)),
        "uri": page_uri(page),
    }))
    .into_response()
}

/// `Calls/{sid}.json` → the record's index, if it exists in this account.
pub(super) fn find(state: &Store, account_sid: &str, sid_json: &str) -> Option<usize> {
    let sid = sid_json.strip_suffix(".json")?;
    let seq = *state.by_sid.get(sid)?;
    (state.calls.get(seq)?.account_sid == account_sid).then_some(seq)
}

/// The Call resource as Twilio's JSON shows it.
pub(super) fn resource(rec: &CallRecord) -> Value {
    let call = &rec.call;
    let base = format!("/{API_VERSION}/Accounts/{}/Calls/{}", rec.account_sid, call.sid);
    json!({
        "account_sid": rec.account_sid,
        "annotation": null,
        "answered_by": null,
        "api_version": API_VERSION,
        "caller_name": null,
        "date_created": rfc2822(call.date_created),
        "date_updated": rfc2822(rec.date_updated),
        "direction": "outbound-api",
        "duration": call.duration.map(|d| d.to_string()),
        "end_time": rec.end_time.map(rfc2822),
        "forwarded_from": null,
        "from": call.from,
        "from_formatted": call.from,
        "group_sid": null,
        "parent_call_sid": null,
        "phone_number_sid": null,
        "price": null,
        "price_unit": "USD",
        "queue_time": call.queue_time_ms.to_string(),
        "sid": call.sid,
        "start_time": rec.start_time.map(rfc2822),
        "status": call.status,
        "subresource_uris": {
            "events": format!("{base}/Events.json"),
            "notifications": format!("{base}/Notifications.json"),
            "recordings": format!("{base}/Recordings.json"),
            "payments": format!("{base}/Payments.json"),
        },
        "to": call.to,
        "to_formatted": call.to,
        "trunk_sid": null,
        "uri": format!("{base}.json"),
    })
}
