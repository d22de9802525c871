//! The HTTP API of `wasel serve` (head office): the seed's `/api/communication/*` and
//! `/api/integration/*` endpoints over core operations, signed in with `/api/auth/*` (JWT access
//! tokens, rotating refresh tokens), one JSON error shape in Arabic or English, `Idempotency-Key`
//! on every POST, request size and per-client rate limits, no CORS (browsers on other origins are
//! refused by default), and the OpenAPI 3.1 document at `/api/openapi.json`, generated from the
//! handlers' annotations.

mod auth;
mod communication;
pub mod error;
mod integration;
mod limits;
mod request;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use utoipa::OpenApi;
use wasel_core::{ErrorPayload, Wasel};

pub use limits::RateLimit;
pub use request::MAX_BODY_BYTES;

use error::{ApiError, ApiErrorBody, language};

/// Every route, as `(method, path)`: the router is built from the same handlers, and a test checks
/// this list, the router and the OpenAPI document agree.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/auth/login"),
    ("post", "/api/auth/refresh"),
    ("post", "/api/auth/logout"),
    ("post", "/api/communication/send-sms"),
    ("post", "/api/communication/send-email"),
    ("post", "/api/communication/send-whatsapp"),
    ("post", "/api/communication/send-push"),
    ("post", "/api/communication/send-voice-call"),
    ("post", "/api/communication/retry-message/{id}"),
    ("get", "/api/communication/templates"),
    ("post", "/api/communication/templates"),
    ("get", "/api/communication/messages"),
    ("get", "/api/integration/external-systems"),
    ("post", "/api/integration/external-systems"),
    ("post", "/api/integration/test-connection/{id}"),
    ("post", "/api/integration/sync-government/{id}"),
    ("post", "/api/integration/sync-laboratory/{id}"),
    ("post", "/api/integration/sync-pharmacy/{id}"),
    ("get", "/api/integration/payment-providers"),
    ("post", "/api/integration/process-payment"),
    ("get", "/api/integration/insurance-providers"),
    ("post", "/api/integration/submit-insurance-claim"),
    ("get", "/api/integration/insurance-claims"),
    ("get", "/api/integration/dashboard"),
    ("get", "/api/integration/sync-logs"),
];

#[derive(OpenApi)]
#[openapi(
    info(title = "Wasel API", description = "Messages and integrations hub of the centres' ERP. Errors are `{code, message, params}`; `message` follows `Accept-Language` (ar, en)."),
    paths(
        auth::login, auth::refresh, auth::logout,
        communication::send_sms, communication::send_email, communication::send_whatsapp,
        communication::send_push, communication::send_voice_call, communication::retry_message,
        communication::templates, communication::messages,
        integration::create_template, integration::external_systems, integration::create_external_system,
        integration::test_connection, integration::sync_government, integration::sync_laboratory,
        integration::sync_pharmacy, integration::payment_providers, integration::process_payment,
        integration::insurance_providers, integration::submit_insurance_claim, integration::insurance_claims,
        integration::dashboard, integration::sync_logs,
    ),
    components(schemas(ApiErrorBody)),
    modifiers(&BearerScheme, &CommonAnswers),
)]
pub struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The answers any operation can give, added to each one: an unreadable body (400), no or a bad
/// token (401), a role or scope that does not allow it (403), a record it names that does not
/// exist (404), a body too large (413), a bad
/// `Idempotency-Key` or input (422), too many requests (429) — all in the one error shape.
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let common = [
            ("400", "the request could not be read (`api.bad_request`)"),
            ("401", "no token, or one that is expired, forged or revoked (`auth.*`)"),
            ("403", "the caller's roles or the token's scope do not allow it (`auth.forbidden`)"),
            ("404", "a record the request names does not exist (a guardian, a message)"),
            ("413", "the body is larger than 8 MiB (`api.body_too_large`)"),
            ("422", "the input is not valid; `code` says why"),
            ("429", "too many requests from this client (`api.rate_limited`, with `Retry-After`)"),
        ];
        for item in openapi.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                for (status, why) in common {
                    let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiErrorBody"))).build();
                    let answer = ResponseBuilder::new().description(why).content("application/json", body).build();
                    op.responses.responses.entry(status.to_owned()).or_insert(RefOr::T(answer));
                }
            }
        }
    }
}

/// The OpenAPI document as JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

pub fn router(wasel: Arc<Wasel>, limit: RateLimit) -> Router {
    use communication as c;
    use integration as i;
    let api = Router::new()
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/refresh", post(auth::refresh))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/communication/send-sms", post(c::send_sms))
        .route("/api/communication/send-email", post(c::send_email))
        .route("/api/communication/send-whatsapp", post(c::send_whatsapp))
        .route("/api/communication/send-push", post(c::send_push))
        .route("/api/communication/send-voice-call", post(c::send_voice_call))
        .route("/api/communication/retry-message/{id}", post(c::retry_message))
        .route("/api/communication/templates", get(c::templates).post(i::create_template))
        .route("/api/communication/messages", get(c::messages))
        .route("/api/integration/external-systems", get(i::external_systems).post(i::create_external_system))
        .route("/api/integration/test-connection/{id}", post(i::test_connection))
        .route("/api/integration/sync-government/{id}", post(i::sync_government))
        .route("/api/integration/sync-laboratory/{id}", post(i::sync_laboratory))
        .route("/api/integration/sync-pharmacy/{id}", post(i::sync_pharmacy))
        .route("/api/integration/payment-providers", get(i::payment_providers))
        .route("/api/integration/process-payment", post(i::process_payment))
        .route("/api/integration/insurance-providers", get(i::insurance_providers))
        .route("/api/integration/submit-insurance-claim", post(i::submit_insurance_claim))
        .route("/api/integration/insurance-claims", get(i::insurance_claims))
        .route("/api/integration/dashboard", get(i::dashboard))
        .route("/api/integration/sync-logs", get(i::sync_logs))
        .with_state(wasel)
        .layer(axum::middleware::from_fn_with_state(limits::Limiter::new(limit), limits::limit));
    Router::new()
        .route("/api/openapi.json", get(|| async { ([(header::CONTENT_TYPE, "application/json")], openapi_json()) }))
        .merge(api)
        .fallback(|headers: axum::http::HeaderMap| async move {
            ApiError::new(ErrorPayload::new("api.not_found"), language(&headers)).into_response()
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
