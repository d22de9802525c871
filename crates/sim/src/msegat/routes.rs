//! Routes.

use super::*;

/// The public API under Msegat's own path, behind the fault switches.
pub(crate) fn api_routes(sim: MsegatSim) -> Router {
    Router::new()
        .route(SEND_PATH, post(send_sms))
        .layer(middleware::from_fn_with_state(sim.clone(), crate::kit::gate::gate::<MsegatSim>))
        .with_state(sim)
}

crate::kit::control::inspect!(MsegatSim, SimMessage, "msegat", opt_out);

/// `/_sim/msegat/...`: the sandbox inbox and Msegat-only switches.
pub(crate) fn debug_routes(sim: MsegatSim) -> Router {
    crate::kit::control::routes::<MsegatSim>()
        .route("/balance", get(debug_points).put(debug_set_points))
        .with_state(sim)
}

crate::kit::gate::gated!(
    MsegatSim,
    "msegat",
    create_requests,
    |method, path| *method == Method::POST && path == SEND_PATH,
    |fault| fault_response(fault)
);

pub(super) type Params = HashMap<String, String>;

/// The body's fields, from JSON or a form; a body that cannot be read has none.
pub(super) async fn read_params(req: Request) -> Params {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if is_json {
        match Json::<Value>::from_request(req, &()).await {
            Ok(Json(Value::Object(map))) => map
                .into_iter()
                .filter_map(|(name, value)| {
                    let text = match value {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return None,
                    };
                    Some((name, text))
                })
                .collect(),
            _ => Params::new(),
        }
    } else {
        match Form::<Vec<(String, String)>>::from_request(req, &()).await {
            Ok(Form(pairs)) => pairs.into_iter().collect(),
            Err(_) => Params::new(),
        }
    }
}

/// `Pin Code is: 1234` or `رمز التحقق: 1234`: the only texts the free OTP sender may carry.
pub(super) fn is_free_otp_text(msg: &str) -> bool {
    ["Pin Code is: ", "رمز التحقق: "].iter().any(|prefix| {
        msg.strip_prefix(prefix)
            .is_some_and(|code| (4..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// What a send asks for, once validated.
pub(super) struct NewSend {
    pub(super) numbers: Vec<String>,
    pub(super) sender: String,
    pub(super) msg: String,
    pub(super) encoding: String,
    pub(super) num_segments: u32,
    pub(super) free: bool,
    pub(super) want_bulk_id: bool,
}

pub(super) fn validate(p: &Params, opts: &MsegatOptions) -> Result<NewSend, ResultCode> {
    if REQUIRED.iter().any(|name| !p.contains_key(*name)) {
        return Err(ResultCode::VariablesMissing);
    }
    let field = |name: &str| p.get(name).map(String::as_str).unwrap_or_default();
    let user_ok = constant_time_eq(field("userName").as_bytes(), opts.user_name.as_bytes());
    let key_ok = constant_time_eq(field("apiKey").as_bytes(), opts.api_key.as_bytes());
    if !(user_ok && key_ok) {
        return Err(ResultCode::InvalidLogin);
    }
    let sender = field("userSender");
    let free = sender == FREE_OTP_SENDER;
    if !free && !opts.senders.iter().any(|s| s == sender) {
        return Err(ResultCode::InvalidSender);
    }
    let numbers: Vec<String> =
        field("numbers").split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
    if numbers.is_empty() || !numbers.iter().all(|n| is_gateway_number(n, opts.international)) {
        return Err(ResultCode::InvalidNumbers);
    }
    let msg = field("msg");
    if msg.trim().is_empty() {
        return Err(ResultCode::EmptyBody);
    }
    if free && !is_free_otp_text(msg) {
        return Err(ResultCode::FreeOtpWording);
    }
    let num_segments = segments::num_segments(msg);
    if num_segments > MAX_SEGMENTS {
        return Err(ResultCode::TooLong);
    }
    let encoding = match p.get("msgEncoding").map(String::as_str) {
        Some(e) if e.eq_ignore_ascii_case("windows-1256") => e.to_owned(),
        _ => "UTF8".to_owned(),
    };
    Ok(NewSend {
        numbers,
        sender: sender.to_owned(),
        msg: msg.to_owned(),
        encoding,
        num_segments,
        free,
        want_bulk_id: p.get("reqBulkId").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1"),
    })
}

pub(super) async fn send_sms(State(sim): State<MsegatSim>, req: Request) -> Response {
    let shared = &sim.shared;
    let m_codes = shared.opts.m_codes;
    let answer = |code: ResultCode| Json(code.body(m_codes)).into_response();
    let params = read_params(req).await;
    let new = match validate(&params, &shared.opts) {
        Ok(new) => new,
        Err(code) => return answer(code),
    };

    let mut state = lock(&shared.state);
    if new.numbers.iter().any(|n| state.opted_out.contains(n)) {
        return answer(ResultCode::InvalidNumbers);
    }
    let now = Utc::now();
    let mut sorted = new.numbers.clone();
    sorted.sort();
    let key = (sorted.join(","), new.sender.clone(), new.msg.clone());
    let window = TimeDelta::from_std(shared.opts.duplicate_window).unwrap_or(TimeDelta::MAX);
    if !window.is_zero() && state.recent.get(&key).is_some_and(|at| now - *at < window) {
        return answer(ResultCode::Duplicate);
    }
    let cost = if new.free { 0 } else { u64::from(new.num_segments).saturating_mul(new.numbers.len() as u64) };
    if state.points < cost {
        return answer(ResultCode::BalanceShort);
    }
    state.points -= cost;
    let id = state.next_id.to_string();
    state.next_id += 1;
    for to in &new.numbers {
        state.records.push(Record {
            msg: SimMessage {
                id: id.clone(),
                to: to.clone(),
                sender: new.sender.clone(),
                body: new.msg.clone(),
                status: "sent".to_owned(),
                num_segments: new.num_segments,
                encoding: new.encoding.clone(),
                date_created: now,
            },
            fails: to.ends_with("0003") || to.ends_with("0006"),
        });
    }
    if !window.is_zero() {
        state.recent.insert(key, now);
    }
    state.received += 1;
    drop(state);
    tracing::debug!(
        bulk_id = %id,
        numbers = new.numbers.len(),
        first = %new.numbers.first().map(|n| mask_phone(n)).unwrap_or_default(),
        segments = new.num_segments,
        points = cost,
        "msegat sim: message accepted"
    );
    let mut body = ResultCode::Success.body(m_codes);
    if new.want_bulk_id {
        body["id"] = json!(id);
    }
    Json(body).into_response()
}
