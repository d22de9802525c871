//! Debug routes.

use super::*;

pub(super) async fn debug_service_account(State(sim): State<FcmSim>, headers: HeaderMap) -> Response {
    match test_key().await {
        Ok(key) => {
            let token_uri = format!("{}{TOKEN_PATH}", sim.shared.base_url(&headers));
            Json(sim.shared.service_account(key, &token_uri)).into_response()
        }
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": error.to_string() }))).into_response(),
    }
}

pub(super) async fn debug_devices(State(sim): State<FcmSim>) -> Json<Vec<SimDevice>> {
    Json(sim.devices())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewDevice {
    pub(super) token: Option<String>,
    pub(super) project_id: Option<String>,
}

/// `{"token"?, "project_id"?}` → 201 `{"token"}`; a token is made up when none is given.
pub(super) async fn debug_register_device(State(sim): State<FcmSim>, body: Option<Json<NewDevice>>) -> Response {
    let NewDevice { token, project_id } = body.map(|Json(b)| b).unwrap_or_default();
    let token = token.unwrap_or_else(new_device_token);
    if !is_token_shaped(&token) {
        let error = "a device token is 32–4096 characters of A–Z a–z 0–9 : _ -";
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response();
    }
    sim.register_device_in(&token, project_id.as_deref().unwrap_or(&sim.shared.opts.project_id));
    (StatusCode::CREATED, Json(json!({ "token": token }))).into_response()
}

pub(super) async fn debug_revoke_device(State(sim): State<FcmSim>, Path(token): Path<String>) -> StatusCode {
    if sim.revoke_device(&token) { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
}

pub(super) async fn debug_expire_tokens(State(sim): State<FcmSim>) -> StatusCode {
    sim.expire_access_tokens();
    StatusCode::NO_CONTENT
}

pub(super) async fn debug_stats(State(sim): State<FcmSim>) -> Json<Value> {
    Json(json!({
        "token_requests": sim.token_requests(),
        "tokens_issued": sim.tokens_issued(),
        "send_requests": sim.send_requests(),
        "received": sim.received_count(),
    }))
}
