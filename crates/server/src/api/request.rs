//! What every API handler shares: the signed-in caller behind the bearer token, the client's
//! language, the JSON body read with a translated error, and `Idempotency-Key` on every POST.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::rejection::BytesRejection;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasel_core::api::Caller;
use wasel_core::requests::Repeat;
use wasel_core::{ErrorPayload, Wasel};

use super::error::{ApiError, language};

/// The most a request body may hold (an email with attachments, base64).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A signed-in request: Wasel, the caller (JWT checked, then its session and user), the language.
pub struct Signed {
    pub wasel: Arc<Wasel>,
    pub caller: Caller,
    pub lang: &'static str,
}

impl FromRequestParts<Arc<Wasel>> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, wasel: &Arc<Wasel>) -> Result<Self, ApiError> {
        let lang = language(&parts.headers);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::new(ErrorPayload::new("auth.required"), lang))?;
        let caller = wasel.auth().authenticate_bearer(token).await.map_err(|e| ApiError::core(e, lang))?;
        Ok(Self { wasel: Arc::clone(wasel), caller, lang })
    }
}

/// The client's language, for requests without a token.
pub struct Lang(pub &'static str);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(language(&parts.headers)))
    }
}

/// The body as `T`, or a translated `api.bad_request` / `api.body_too_large`.
pub fn json<T: DeserializeOwned>(body: &Result<Bytes, BytesRejection>, lang: &'static str) -> Result<T, ApiError> {
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(ApiError::new(
                ErrorPayload::new("api.body_too_large").with("max", MAX_BODY_BYTES.to_string()),
                lang,
            ));
        }
        Err(e) => return Err(ApiError::new(ErrorPayload::new("api.bad_request").with("detail", e.body_text()), lang)),
    };
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(ErrorPayload::new("api.bad_request").with("detail", e.to_string()), lang))
}

/// Runs `act` once per `Idempotency-Key` (when the request has one): the same key and body get
/// the saved answer again (marked `Idempotent-Replayed: true`), another body is refused.
pub async fn once<T: Serialize>(
    s: &Signed,
    headers: &HeaderMap,
    path: &str,
    body: &Result<Bytes, BytesRejection>,
    act: impl Future<Output = Result<(StatusCode, T), ApiError>>,
) -> Response {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(key) = key else {
        return answer(act.await).1;
    };
    let bytes = body.as_ref().map(|b| b.as_ref()).unwrap_or_default();
    let requests = s.wasel.requests(&s.caller);
    match requests.begin(&key, "POST", path, bytes).await {
        Ok(Repeat::Saved { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
            response.headers_mut().insert("idempotent-replayed", header::HeaderValue::from_static("true"));
            response
        }
        Ok(Repeat::First) => {
            let (saved, response) = answer(act.await);
            if let Err(e) = requests.remember(&key, response.status().as_u16(), &saved).await {
                tracing::warn!(code = e.code(), "could not save an idempotent answer");
            }
            response
        }
        Err(e) => ApiError::core(e, s.lang).into_response(),
    }
}

/// The answer, and its JSON text for saving.
fn answer<T: Serialize>(result: Result<(StatusCode, T), ApiError>) -> (String, Response) {
    let (status, text) = match result {
        Ok((status, value)) => (status, serde_json::to_string(&value).unwrap_or_else(|_| "null".into())),
        Err(e) => {
            let status = super::error::status_of(&e.payload.code);
            let body = super::error::ApiErrorBody {
                message: e.payload.localized(e.lang),
                code: e.payload.code,
                params: e.payload.params,
            };
            (status, serde_json::to_string(&body).unwrap_or_default())
        }
    };
    (text.clone(), (status, [(header::CONTENT_TYPE, "application/json")], text).into_response())
}
