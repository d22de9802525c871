//! Debug routes.

use super::*;

#[derive(Serialize, Deserialize)]
pub(super) struct Balance {
    pub(super) balance_milli_sar: u64,
}

pub(super) async fn debug_balance(State(sim): State<TaqnyatSim>) -> Json<Balance> {
    Json(Balance { balance_milli_sar: sim.balance_milli_sar() })
}

pub(super) async fn debug_set_balance(State(sim): State<TaqnyatSim>, Json(b): Json<Balance>) -> StatusCode {
    sim.set_balance_milli_sar(b.balance_milli_sar);
    StatusCode::NO_CONTENT
}
