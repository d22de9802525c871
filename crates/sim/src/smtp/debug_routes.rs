//! Debug routes.

use super::*;

crate::kit::control::inspect!(SmtpSim, SimEmail, "smtp", opt_out);

/// `/_sim/smtp/...`: the inbox, faults and opt-outs every simulator has, the raw messages and the
/// per-recipient script.
pub(crate) fn debug_routes(sim: SmtpSim) -> Router {
    crate::kit::control::routes::<SmtpSim>()
        .route("/messages/{id}/raw", get(debug_raw))
        .route("/script", get(debug_scripts).post(debug_script).delete(debug_clear_scripts))
        .with_state(sim)
}

pub(super) async fn debug_raw(State(sim): State<SmtpSim>, Path(id): Path<String>) -> Response {
    match sim.raw_message(&id) {
        Some(raw) => ([(header::CONTENT_TYPE, "message/rfc822")], raw).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "no such message" }))).into_response(),
    }
}

pub(super) async fn debug_scripts(State(sim): State<SmtpSim>) -> Json<Vec<ScriptedReply>> {
    Json(sim.scripts())
}

pub(super) async fn debug_script(State(sim): State<SmtpSim>, Json(s): Json<ScriptedReply>) -> Response {
    if !is_mailbox(s.rcpt.trim()) {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "rcpt must be an address" }))).into_response();
    }
    match sim.script(&s.rcpt, &s.reply) {
        Some(()) => StatusCode::NO_CONTENT.into_response(),
        None => {
            (StatusCode::BAD_REQUEST, Json(json!({ "error": "reply must start with a 2xx-5xx code" }))).into_response()
        }
    }
}

pub(super) async fn debug_clear_scripts(State(sim): State<SmtpSim>) -> StatusCode {
    sim.clear_scripts();
    StatusCode::NO_CONTENT
}
