//! The gate in front of every provider API: it counts the requests that would create something
//! (tests prove nothing is received twice), then applies the fault switches before anything else
//! (auth included) and answers a fault in the provider's own error shape.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::watch;

use crate::faults::{Fault, FaultSwitch};

/// What the gate needs from a simulator.
pub(crate) trait Gated: Clone + Send + Sync + 'static {
    /// For the log line when a fault is injected.
    const NAME: &'static str;
    /// Whether this request asks the provider to create something.
    fn creates(method: &Method, path: &str) -> bool;
    /// Counts those requests.
    fn created(&self) -> &AtomicUsize;
    /// The fault switches, and the signal that stops a hung request when the simulators stop.
    fn faults(&self) -> (&FaultSwitch, &watch::Receiver<bool>);
    /// A fault as this provider would answer it.
    fn fault_response(fault: Fault) -> Response;
}

/// The middleware: `.layer(middleware::from_fn_with_state(sim.clone(), gate::<Sim>))`.
pub(crate) async fn gate<S: Gated>(State(sim): State<S>, req: Request, next: Next) -> Response {
    if S::creates(req.method(), req.uri().path()) {
        sim.created().fetch_add(1, Ordering::Relaxed);
    }
    let (switch, stopped) = sim.faults();
    if let Some(fault) = switch.apply(stopped).await {
        tracing::debug!(?fault, path = req.uri().path(), sim = S::NAME, "fault injected");
        return S::fault_response(fault);
    }
    next.run(req).await
}

/// [`Gated`] for a simulator whose shared state has the usual `faults` and `stopped`, with the
/// counter, the test for a creating request and the fault shape given:
/// `gated!(TaqnyatSim, "taqnyat", create_requests, |method, path| …, |fault| …);`
macro_rules! gated {
    ($sim:ty, $name:literal, $counter:ident, |$method:pat_param, $path:pat_param| $creates:expr, |$fault:ident| $render:expr) => {
        impl crate::kit::gate::Gated for $sim {
            const NAME: &'static str = $name;

            fn creates($method: &axum::http::Method, $path: &str) -> bool {
                $creates
            }

            fn created(&self) -> &std::sync::atomic::AtomicUsize {
                &self.shared.$counter
            }

            fn faults(&self) -> (&crate::faults::FaultSwitch, &tokio::sync::watch::Receiver<bool>) {
                (&self.shared.faults, &self.shared.stopped)
            }

            fn fault_response($fault: crate::faults::Fault) -> axum::response::Response {
                $render
            }
        }
    };
}
pub(crate) use gated;
