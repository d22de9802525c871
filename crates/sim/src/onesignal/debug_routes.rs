//! Debug routes.

use super::*;

pub(super) async fn debug_subscriptions(State(sim): State<OneSignalSim>) -> Json<Vec<SimSubscription>> {
    Json(sim.subscriptions())
}

/// `{"id"?, "language"?, "external_id"?, "subscribed"?, "errored"?}` → 201 `{"id"}`.
pub(super) async fn debug_add_subscription(
    State(sim): State<OneSignalSim>,
    body: Option<Json<SimSubscription>>,
) -> Response {
    let sub = body.map(|Json(s)| s).unwrap_or_default();
    match sim.add_subscription(sub) {
        Ok(id) => (StatusCode::CREATED, Json(json!({ "id": id }))).into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response(),
    }
}

pub(super) async fn debug_unsubscribe(State(sim): State<OneSignalSim>, Path(id): Path<String>) -> StatusCode {
    if sim.unsubscribe(&id) { StatusCode::NO_CONTENT } else { StatusCode::NOT_FOUND }
}

pub(super) async fn debug_stats(State(sim): State<OneSignalSim>) -> Json<Value> {
    Json(json!({ "create_requests": sim.create_requests(), "received": sim.received_count() }))
}
