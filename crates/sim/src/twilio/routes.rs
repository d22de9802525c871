//! Routes.

use super::*;

/// The public API under Twilio's own paths, behind the fault switches.
pub(crate) fn api_routes(sim: TwilioSim) -> Router {
    Router::new()
        .route("/2010-04-01/Accounts/{account_sid}/Messages.json", post(create_message).get(list_messages))
        .route(
            "/2010-04-01/Accounts/{account_sid}/Messages/{sid_json}",
            get(fetch_message).post(update_message).delete(delete_message),
        )
        // content.twilio.com
        .route("/v1/ContentAndApprovals", get(list_content_and_approvals))
        .route("/v1/Content", get(list_content))
        .route("/v1/Content/{sid}", get(fetch_content))
        .route("/v1/Content/{sid}/ApprovalRequests", get(fetch_approval))
        .layer(middleware::from_fn_with_state(sim.clone(), crate::kit::gate::gate::<TwilioSim>))
        .with_state(sim)
}

crate::kit::control::inspect!(TwilioSim, SimMessage, "twilio", opt_out);

/// `/_sim/twilio/...`: the sandbox inbox and Twilio-only switches, inbound messages, the inbound
/// webhook and the Content templates.
pub(crate) fn debug_routes(sim: TwilioSim) -> Router {
    crate::kit::control::routes::<TwilioSim>()
        .route("/inbound", get(list_inbound).post(post_inbound))
        .route("/webhooks", get(get_webhooks).put(put_webhooks))
        .route("/templates", get(list_templates))
        .route("/templates/{sid}", put(put_template))
        .with_state(sim)
}

pub(super) async fn list_inbound(State(sim): State<TwilioSim>) -> Json<Vec<InboundMessage>> {
    Json(sim.inbound_messages())
}

pub(super) async fn post_inbound(State(sim): State<TwilioSim>, Json(inbound): Json<Inbound>) -> Response {
    match sim.receive(inbound).await {
        Ok(message) => (StatusCode::CREATED, Json(message)).into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response(),
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct Webhooks {
    pub(super) inbound_url: Option<String>,
}

pub(super) async fn get_webhooks(State(sim): State<TwilioSim>) -> Json<Webhooks> {
    Json(Webhooks { inbound_url: sim.inbound_url() })
}

pub(super) async fn put_webhooks(State(sim): State<TwilioSim>, Json(hooks): Json<Webhooks>) -> Response {
    if let Some(url) = &hooks.inbound_url
        && !is_http_url(url)
    {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "inbound_url must be an http(s) URL" })))
            .into_response();
    }
    sim.set_inbound_url(hooks.inbound_url);
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn list_templates(State(sim): State<TwilioSim>) -> Json<Vec<SimTemplate>> {
    Json(sim.templates())
}

#[derive(Deserialize)]
pub(super) struct TemplateUpdate {
    pub(super) status: TemplateApproval,
}

pub(super) async fn put_template(
    State(sim): State<TwilioSim>,
    Path(sid): Path<String>,
    Json(update): Json<TemplateUpdate>,
) -> StatusCode {
    if sim.set_template_status(&sid, update.status) { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
}

crate::kit::gate::gated!(
    TwilioSim,
    "twilio",
    create_requests,
    |method, path| *method == axum::http::Method::POST && path.ends_with("/Messages.json"),
    |fault| fault_response(fault)
);

/// Form fields in arrival order; repeated names (MediaUrl) are kept.
pub(super) type Params = Vec<(String, String)>;

pub(super) fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

impl Shared {
    pub(super) fn authorize(&self, path_account: &str, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some((user, password)) = basic_credentials(headers) else {
            return Err(ApiError::Authenticate);
        };
        let ok = path_account == self.account_sid
            && user == self.account_sid
            && constant_time_eq(password.as_bytes(), self.auth_token.as_bytes());
        if ok { Ok(()) } else { Err(ApiError::Authenticate) }
    }

    pub(super) fn resource(&self, rec: &Record) -> Value {
        let base = format!("/{API_VERSION}/Accounts/{}/Messages/{}", rec.account_sid, rec.msg.sid);
        let pending_service = !rec.from_given && matches!(rec.msg.status.as_str(), "accepted" | "scheduled");
        json!({
            "account_sid": rec.account_sid,
            "api_version": API_VERSION,
            "body": rec.msg.body,
            "date_created": rfc2822(rec.msg.date_created),
            "date_sent": rec.date_sent.map(rfc2822),
            "date_updated": rfc2822(rec.date_updated),
            "direction": "outbound-api",
            "error_code": rec.msg.error_code,
            "error_message": rec.error_message,
            "from": if pending_service { None } else { Some(&rec.msg.from) },
            "messaging_service_sid": rec.messaging_service_sid,
            "num_media": rec.num_media.to_string(),
            "num_segments": if pending_service { "0".to_owned() } else { rec.msg.num_segments.to_string() },
            "price": null,
            "price_unit": "USD",
            "sid": rec.msg.sid,
            "status": rec.msg.status,
            "subresource_uris": {
                "media": format!("{base}/Media.json"),
                "feedback": format!("{base}/Feedback.json"),
            },
            "to": rec.msg.to,
            "uri": format!("{base}.json"),
        })
    }
}

/// What a create request asks for, once validated.
pub(super) struct NewMessage {
    pub(super) channel: Channel,
    /// As given, so with the `whatsapp:` prefix for WhatsApp.
    pub(super) to: String,
    pub(super) from: Option<String>,
    pub(super) messaging_service_sid: Option<String>,
    pub(super) body: String,
    pub(super) content: Option<ContentRequest>,
    pub(super) status_callback: Option<String>,
    pub(super) num_media: usize,
    pub(super) send_at: Option<DateTime<Utc>>,
}

/// A template send: which template, and values for its placeholders.
pub(super) struct ContentRequest {
    pub(super) sid: String,
    pub(super) variables: BTreeMap<String, String>,
}

pub(super) fn validate(params: &Params, now: DateTime<Utc>) -> Result<NewMessage, ApiError> {
    let to = param(params, "To").ok_or(ApiError::MissingTo)?;
    let (channel, to_number) = split_address(to);
    if !is_e164(to_number) {
        return Err(ApiError::InvalidTo);
    }
    let from = param(params, "From");
    let service = param(params, "MessagingServiceSid");
    if from.is_none() && service.is_none() {
        return Err(ApiError::MissingFrom);
    }
    if let Some(from) = from {
        let (from_channel, from_address) = split_address(from);
        if from_channel != channel {
            return Err(ApiError::ChannelMismatch);
        }
        let valid = match channel {
            Channel::Whatsapp => is_e164(from_address),
            Channel::Sms => is_e164(from) || is_alphanumeric_sender(from) || is_short_code(from),
        };
        if !valid {
            return Err(ApiError::InvalidFrom);
        }
    }
    let num_media = params.iter().filter(|(n, v)| n == "MediaUrl" && !v.is_empty()).count();
    let content = parse_content(params)?;
    let body = param(params, "Body").unwrap_or_default();
    if body.is_empty() && num_media == 0 && content.is_none() {
        return Err(ApiError::MissingBody);
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::BodyTooLong);
    }
    let status_callback = param(params, "StatusCallback");
    if let Some(url) = status_callback
        && !is_http_url(url)
    {
        return Err(ApiError::InvalidStatusCallback);
    }
    let send_at = match param(params, "ScheduleType") {
        None => None,
        Some("fixed") => {
            if service.is_none() {
                return Err(ApiError::ScheduleNeedsService);
            }
            let at = param(params, "SendAt")
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc))
                .ok_or(ApiError::ScheduleTimestamp)?;
            if at <= now || at - now > MAX_SCHEDULE_AHEAD {
                return Err(ApiError::ScheduleTimestamp);
            }
            Some(at)
        }
        Some(_) => return Err(ApiError::InvalidParameter),
    };
    Ok(NewMessage {
        channel,
        to: to.to_owned(),
        from: from.map(str::to_owned),
        messaging_service_sid: service.map(str::to_owned),
        body: body.to_owned(),
        content,
        status_callback: status_callback.map(str::to_owned),
        num_media,
        send_at,
    })
}

pub(super) async fn create_message(
    State(sim): State<TwilioSim>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    // A body that is not a form reads as an empty one, so it fails like Twilio's: 'To' is required.
    let params = form.map(|Form(p)| p).unwrap_or_default();
    let now = Utc::now();
    let new = match validate(&params, now) {
        Ok(new) => new,
        Err(e) => return e.into_response(),
    };
    if new.channel == Channel::Sms && new.to.starts_with("+9661") {
        return ApiError::NotMobile.into_response();
    }
    let sid = new_sid("SM");
    let status = match (&new.messaging_service_sid, new.send_at) {
        (_, Some(_)) => "scheduled",
        (Some(_), None) => "accepted",
        (None, None) => "queued",
    };

    let (resource, wake) = {
        let mut state = lock(&shared.state);
        // (text, template name, whether the text may only go out inside the WhatsApp window)
        let (body, template, needs_window) = match &new.content {
            None => (new.body, None, true),
            Some(content) => {
                let Some(t) = state.templates.iter().find(|t| t.sid == content.sid) else {
                    return ApiError::InvalidContentSid.into_response();
                };
                (t.render(&content.variables), Some(t.name.clone()), t.status != TemplateApproval::Approved)
            }
        };
        let fate = match new.channel {
            Channel::Sms => {
                if state.opted_out.contains(&new.to) {
                    return ApiError::OptedOut.into_response();
                }
                // Only a rendered template can get here with too long a text.
                if body.chars().count() > MAX_BODY_CHARS {
                    return ApiError::BodyTooLong.into_response();
                }
                sms_fate(&new.to)
            }
            Channel::Whatsapp => whatsapp_fate(&state, &new.to, &body, needs_window, now),
        };
        let num_segments = match new.channel {
            Channel::Sms => segments::num_segments(&body),
            Channel::Whatsapp => 1,
        };
        let default_from = match new.channel {
            Channel::Sms => SANDBOX_FROM.to_owned(),
            Channel::Whatsapp => format!("{WHATSAPP_PREFIX}{SANDBOX_NUMBER}"),
        };
        let mut record = Record {
            msg: SimMessage {
                sid: sid.clone(),
                to: new.to,
                from: new.from.clone().unwrap_or(default_from),
                body,
                channel: new.channel,
                template,
                content_sid: new.content.map(|c| c.sid),
                status: status.to_owned(),
                num_segments,
                error_code: None,
                status_callback: new.status_callback,
                date_created: now,
            },
            account_sid: account_sid.clone(),
            messaging_service_sid: new.messaging_service_sid,
            from_given: new.from.is_some(),
            num_media: new.num_media,
            date_updated: now,
            date_sent: None,
            error_message: None,
            fate,
            deleted: false,
        };
        // Stamped under the lock so creation times follow creation order, as the list relies on.
        record.msg.date_created = Utc::now();
        record.date_updated = record.msg.date_created;
        let seq = state.records.len();
        let resource = shared.resource(&record);
        tracing::debug!(
            sid = %sid,
            to = %mask_phone(&record.msg.to),
            channel = ?record.msg.channel,
            segments = num_segments,
            status,
            "twilio sim: message accepted"
        );
        state.records.push(record);
        state.by_sid.insert(sid.clone(), seq);
        state.received += 1;
        let wake = new.send_at.is_none() && shared.enqueue(&mut state, seq);
        (resource, wake)
    };
    if wake {
        shared.wake.notify_one();
    }
    if let Some(at) = new.send_at {
        tokio::spawn(release_when_due(Arc::clone(&sim.shared), sid, at));
    }
    (StatusCode::CREATED, Json(resource)).into_response()
}

/// The template fields of a create: `ContentSid` (well-formed) and `ContentVariables`.
pub(super) fn parse_content(params: &Params) -> Result<Option<ContentRequest>, ApiError> {
    let variables = param(params, "ContentVariables");
    let Some(sid) = param(params, "ContentSid") else {
        return match variables {
            Some(_) => Err(ApiError::ContentSidRequired),
            None => Ok(None),
        };
    };
    if !is_sid(sid, "HX") {
        return Err(ApiError::InvalidContentSid);
    }
    let variables = match variables {
        None => BTreeMap::new(),
        Some(json) => parse_content_variables(json).ok_or(ApiError::InvalidContentVariables)?,
    };
    Ok(Some(ContentRequest { sid: sid.to_owned(), variables }))
}

/// `{"1":"Ahmad","2":10}` → its values as text; None unless a JSON object of non-empty strings or numbers.
pub(super) fn parse_content_variables(json: &str) -> Option<BTreeMap<String, String>> {
    let Value::Object(map) = serde_json::from_str::<Value>(json).ok()? else {
        return None;
    };
    map.into_iter()
        .map(|(key, value)| match value {
            Value::String(s) if !s.is_empty() => Some((key, s)),
            Value::Number(n) => Some((key, n.to_string())),
            _ => None,
        })
        .collect()
}

/// The SMS test numbers: `…0003` and `…0006` end undelivered.
pub(super) fn sms_fate(to: &str) -> Option<Fate> {
    if to.ends_with("0003") {
        Some(Fate::late(30003, "Unreachable destination handset"))
    } else if to.ends_with("0006") {
        Some(Fate::late(30006, "Landline or unreachable carrier"))
    } else {
        None
    }
}

/// How a WhatsApp message will end (module docs); the first rule that applies wins.
pub(super) fn whatsapp_fate(
    state: &Store,
    to: &str,
    text: &str,
    needs_window: bool,
    now: DateTime<Utc>,
) -> Option<Fate> {
    let (_, number) = split_address(to);
    let in_window = state.last_inbound.get(number).is_some_and(|&at| now - at < SESSION_WINDOW);
    if text.chars().count() > MAX_WHATSAPP_CHARS {
        Some(Fate::early(63021, "Channel invalid content error"))
    } else if needs_window && !in_window {
        Some(Fate::early(
            63016,
            "Failed to send freeform message because you are outside the allowed window. \
             If you are using WhatsApp, please use a Message Template.",
        ))
    } else if number.ends_with("0024") {
        Some(Fate::early(63024, "Invalid message recipient"))
    } else if number.ends_with("0003") {
        Some(Fate::early(63003, "Channel could not find To address"))
    } else if number.ends_with("0018") {
        Some(Fate::early(63018, "Rate limit exceeded for Channel"))
    } else if state.opted_out.contains(to) {
        Some(Fate::late(63014, "Channel could not deliver message: the user has blocked the sender"))
    } else {
        None
    }
}

pub(super) async fn fetch_message(
    State(sim): State<TwilioSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    let state = lock(&shared.state);
    match find(&state, &account_sid, &sid_json) {
        Some(seq) => Json(shared.resource(&state.records[seq])).into_response(),
        None => not_found_response(uri.path()),
    }
}

pub(super) async fn update_message(
    State(sim): State<TwilioSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    let params = form.map(|Form(p)| p).unwrap_or_default();
    let status = param(&params, "Status");
    let body = params.iter().find(|(n, _)| n == "Body").map(|(_, v)| v.as_str());
    let (resource, callback) = {
        let mut state = lock(&shared.state);
        let Some(seq) = find(&state, &account_sid, &sid_json) else {
            return not_found_response(uri.path());
        };
        let rec = &mut state.records[seq];
        let mut callback = None;
        match (status, body) {
            (Some("canceled"), _) => {
                if rec.msg.status != "scheduled" {
                    return ApiError::NotCancelable.into_response();
                }
                rec.msg.status = "canceled".to_owned();
                rec.date_updated = Utc::now();
                callback = shared.callback(rec, "canceled");
                tracing::debug!(sid = %rec.msg.sid, "twilio sim: scheduled message canceled");
            }
            (Some(_), _) => return ApiError::InvalidParameter.into_response(),
            (None, Some("")) => {
                if !is_final(&rec.msg.status) {
                    return ApiError::NotComplete.into_response();
                }
                rec.msg.body.clear();
                rec.date_updated = Utc::now();
            }
            (None, Some(_)) => return ApiError::InvalidParameter.into_response(),
            (None, None) => {}
        }
        (shared.resource(rec), callback)
    };
    if let Some(cb) = callback {
        tokio::spawn(post_callbacks(Arc::clone(&sim.shared), vec![cb]));
    }
    Json(resource).into_response()
}

pub(super) async fn delete_message(
    State(sim): State<TwilioSim>,
    Path((account_sid, sid_json)): Path<(String, String)>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let shared = &sim.shared;
    if let Err(e) = shared.authorize(&account_sid, &headers) {
        return e.into_response();
    }
    let mut state = lock(&shared.state);
    let Some(seq) = find(&state, &account_sid, &sid_json) else {
        return not_found_response(uri.path());
    };
    let rec = &mut state.records[seq];
    if !is_final(&rec.msg.status) {
        return ApiError::NotComplete.into_response();
    }
    rec.deleted = true;
    let sid = rec.msg.sid.clone();
    state.by_sid.remove(&sid);
    StatusCode::NO_CONTENT.into_response()
}

/// `Messages/{sid}.json` → the record's index, if it exists in this account and was not deleted.
pub(super) fn find(state: &Store, account_sid: &str, sid_json: &str) -> Option<usize> {
    let sid = sid_json.strip_suffix(".json")?;
    let seq = *state.by_sid.get(sid)?;
    let rec = state.records.get(seq)?;
    (!rec.deleted && rec.account_sid == account_sid).then_some(seq)
}
