//! The `/_sim/<provider>/…` routes every simulator shares: its sandbox inbox, its faults and its
//! opt-out list. A simulator adds its own extra routes (a balance, say) on top.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::Faults;

/// What the shared debug routes need from a simulator.
pub(crate) trait Inspect: Clone + Send + Sync + 'static {
    type Message: Serialize;
    /// For the log line when faults change.
    const NAME: &'static str;
    fn inbox(&self) -> Vec<Self::Message>;
    fn forget(&self);
    fn current_faults(&self) -> Faults;
    fn put_faults(&self, faults: Faults);
    fn block(&self, to: &str);
}

/// [`Inspect`] for a simulator with the usual method names (`messages`, `clear`, `faults`,
/// `set_faults`) and its own way of blocking a recipient.
macro_rules! inspect {
    ($sim:ty, $message:ty, $name:literal, $block:ident) => {
        impl crate::kit::control::Inspect for $sim {
            type Message = $message;
            const NAME: &'static str = $name;
            fn inbox(&self) -> Vec<$message> {
                self.messages()
            }
            fn forget(&self) {
                self.clear();
            }
            fn current_faults(&self) -> crate::Faults {
                self.faults()
            }
            fn put_faults(&self, faults: crate::Faults) {
                self.set_faults(faults);
            }
            fn block(&self, to: &str) {
                let _ = self.$block(to);
            }
        }
    };
}
pub(crate) use inspect;

#[derive(Deserialize)]
struct OptOut {
    to: String,
}

/// `GET`/`DELETE /messages`, `GET`/`PUT /faults`, `POST /opt-outs`; the state is added by the caller.
pub(crate) fn routes<S: Inspect>() -> Router<S> {
    Router::new()
        .route(
            "/messages",
            get(|State(sim): State<S>| async move { Json(sim.inbox()) }).delete(|State(sim): State<S>| async move {
                sim.forget();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/faults",
            get(|State(sim): State<S>| async move { Json(sim.current_faults()) }).put(
                |State(sim): State<S>, Json(faults): Json<Faults>| async move {
                    tracing::info!(?faults, sim = S::NAME, "faults set");
                    sim.put_faults(faults);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/opt-outs",
            post(|State(sim): State<S>, Json(o): Json<OptOut>| async move {
                sim.block(&o.to);
                StatusCode::NO_CONTENT
            }),
        )
}
