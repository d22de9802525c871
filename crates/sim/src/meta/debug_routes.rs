//! Debug routes.

use super::*;

crate::kit::control::inspect!(MetaSim, SimMessage, "meta", opt_out);

/// `/_sim/meta/...`: the sandbox inbox and Meta-only switches (see the module doc).
pub(crate) fn debug_routes(sim: MetaSim) -> Router {
    crate::kit::control::routes::<MetaSim>()
        .route("/webhook", get(debug_webhook).put(debug_subscribe).delete(debug_unsubscribe))
        .route("/inbound", post(debug_inbound))
        .route("/fates", get(debug_fates).post(debug_set_fate))
        .route("/templates", get(debug_templates).post(debug_add_template))
        .route("/templates/{name}/{language}", put(debug_template_status))
        .with_state(sim)
}

pub(super) fn debug_error(status: StatusCode, error: String) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

pub(super) async fn debug_webhook(State(sim): State<MetaSim>) -> Json<Value> {
    Json(json!({ "url": sim.webhook_url() }))
}

#[derive(Deserialize)]
pub(super) struct Subscribe {
    pub(super) url: String,
    pub(super) verify_token: Option<String>,
}

pub(super) async fn debug_subscribe(State(sim): State<MetaSim>, Json(s): Json<Subscribe>) -> Response {
    let token = s.verify_token.unwrap_or_else(|| sim.shared.opts.verify_token.clone());
    match sim.subscribe_webhook(&s.url, &token).await {
        Ok(()) => Json(json!({ "url": s.url, "verified": true })).into_response(),
        Err(e) => debug_error(StatusCode::BAD_REQUEST, e.0),
    }
}

pub(super) async fn debug_unsubscribe(State(sim): State<MetaSim>) -> StatusCode {
    sim.set_webhook_url(None);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
pub(super) struct Inbound {
    pub(super) from: String,
    pub(super) text: String,
    pub(super) name: Option<String>,
}

pub(super) async fn debug_inbound(State(sim): State<MetaSim>, Json(i): Json<Inbound>) -> Response {
    if i.text.trim().is_empty() {
        return debug_error(StatusCode::BAD_REQUEST, "text must not be empty".to_owned());
    }
    match sim.inbound(&i.from, &i.text, i.name.as_deref().unwrap_or("Guardian")) {
        Some(id) => Json(json!({ "id": id, "from": wa_id(&i.from), "webhook": sim.webhook_url() })).into_response(),
        None => debug_error(StatusCode::BAD_REQUEST, "from must be a phone number with its country code".to_owned()),
    }
}

pub(super) async fn debug_fates(State(sim): State<MetaSim>) -> Json<BTreeMap<String, Fate>> {
    Json(sim.fates())
}

#[derive(Deserialize)]
pub(super) struct SetFate {
    pub(super) to: String,
    pub(super) fate: Fate,
}

pub(super) async fn debug_set_fate(State(sim): State<MetaSim>, Json(f): Json<SetFate>) -> StatusCode {
    sim.set_fate(&f.to, f.fate);
    StatusCode::NO_CONTENT
}

pub(super) async fn debug_templates(State(sim): State<MetaSim>) -> Json<Vec<SimTemplate>> {
    Json(sim.templates())
}

pub(super) async fn debug_add_template(State(sim): State<MetaSim>, Json(t): Json<SimTemplate>) -> Response {
    let (name, language) = (t.name.clone(), t.language.clone());
    match sim.add_template(t) {
        Some(t) => (StatusCode::CREATED, Json(t)).into_response(),
        None => debug_error(StatusCode::BAD_REQUEST, format!("template {name} ({language}) already exists")),
    }
}

#[derive(Deserialize)]
pub(super) struct SetStatus {
    pub(super) status: TemplateStatus,
}

pub(super) async fn debug_template_status(
    State(sim): State<MetaSim>,
    Path((name, language)): Path<(String, String)>,
    Json(s): Json<SetStatus>,
) -> Response {
    if sim.set_template_status(&name, &language, s.status) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        debug_error(StatusCode::NOT_FOUND, format!("no template {name} ({language})"))
    }
}
