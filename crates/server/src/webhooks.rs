//! The webhook routes: each hands the raw request to [`wasel_core::webhooks::Receiver`].

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use wasel_core::webhooks::{
    Answer, Delivery, META_PATH, Receiver, TWILIO_INBOUND_PATH, TWILIO_STATUS_PATH, TWILIO_VOICE_PATH,
};

pub fn router(receiver: Receiver) -> Router {
    Router::new()
        .route(TWILIO_STATUS_PATH, post(twilio_status))
        .route(TWILIO_VOICE_PATH, post(twilio_voice))
        .route(TWILIO_INBOUND_PATH, post(twilio_inbound))
        .route(META_PATH, post(meta_event).get(meta_challenge))
        .with_state(receiver)
}

fn delivery<'a>(uri: &'a Uri, headers: &'a HeaderMap, signature: &str, body: &'a [u8]) -> Delivery<'a> {
    Delivery {
        path_and_query: uri.path_and_query().map_or(uri.path(), |p| p.as_str()),
        signature: headers.get(signature).and_then(|v| v.to_str().ok()),
        body,
    }
}

fn respond(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if answer.body.is_empty() {
        return status.into_response();
    }
    (status, [(header::CONTENT_TYPE, answer.content_type)], answer.body).into_response()
}

async fn twilio_status(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    respond(r.twilio_status(delivery(&uri, &headers, "x-twilio-signature", &body)).await)
}

async fn twilio_voice(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    respond(r.twilio_voice(delivery(&uri, &headers, "x-twilio-signature", &body)).await)
}

async fn twilio_inbound(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    respond(r.twilio_inbound(delivery(&uri, &headers, "x-twilio-signature", &body)).await)
}

async fn meta_challenge(State(r): State<Receiver>, Query(q): Query<BTreeMap<String, String>>) -> Response {
    respond(r.meta_challenge(&q))
}

async fn meta_event(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    respond(r.meta_event(delivery(&uri, &headers, "x-hub-signature-256", &body)).await)
}
