//! Wasel's HTTP server: the routes of `wasel serve` (provider webhooks and the API) and
//! the console's loopback receiver for the sandbox's callbacks. Each route only turns the request
//! into a core call and the core's answer into a response.

pub mod api;
mod webhooks;

use std::sync::Arc;

use tokio::sync::watch;
use wasel_core::webhooks::Receiver;
use wasel_core::{Error, Result, Wasel};

pub use webhooks::router;

/// Serves the webhook receivers on `bind` until `shutdown`; returns `http://<address>`.
pub async fn listen(receiver: Receiver, bind: &str, shutdown: watch::Receiver<bool>) -> Result<String> {
    listen_with(receiver, None, bind, shutdown).await
}

/// The webhook receivers, and the API when `api` is given (its Wasel and rate limit).
async fn listen_with(
    mut receiver: Receiver,
    api: Option<(Arc<Wasel>, api::RateLimit)>,
    bind: &str,
    mut shutdown: watch::Receiver<bool>,
) -> Result<String> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| Error::Internal(format!("cannot listen for webhooks on {bind}: {e}")))?;
    let addr = listener.local_addr().map_err(|e| Error::Internal(e.to_string()))?;
    if receiver.public_url.is_empty() {
        // On loopback (the sandbox), callers sign the address they were given: this one.
        receiver.public_url = format!("http://{addr}");
    }
    let app = match api {
        Some((wasel, limit)) => router(receiver).merge(api::router(wasel, limit)),
        None => router(receiver),
    };
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        let stop = async move {
            let _ = shutdown.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
            tracing::warn!(error = %e, "webhook receiver stopped with an error");
        }
    });
    tracing::info!(%addr, "webhook receiver listening");
    Ok(format!("http://{addr}"))
}

/// `wasel serve`: the webhook receivers for a public URL and the API (head office), until Wasel
/// stops.
pub async fn serve(wasel: Arc<Wasel>, bind: &str, public_url: &str, limit: api::RateLimit) -> Result<String> {
    let receiver = wasel_core::webhooks::public_receiver(&wasel, public_url).await?;
    let shutdown = wasel.shutdown_signal();
    listen_with(receiver, Some((wasel, limit)), bind, shutdown).await
}

/// The console's own receiver on loopback for the sandbox simulators' callbacks.
pub async fn listen_loopback(wasel: &Wasel) -> Result<String> {
    listen(wasel_core::webhooks::receiver(wasel, String::new()), "127.0.0.1:0", wasel.shutdown_signal()).await
}
