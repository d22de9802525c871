//! Debug routes.

use super::*;

#[derive(Serialize, Deserialize)]
pub(super) struct Points {
    pub(super) points: u64,
}

pub(super) async fn debug_points(State(sim): State<MsegatSim>) -> Json<Points> {
    Json(Points { points: sim.points() })
}

pub(super) async fn debug_set_points(State(sim): State<MsegatSim>, Json(p): Json<Points>) -> StatusCode {
    sim.set_points(p.points);
    StatusCode::NO_CONTENT
}
