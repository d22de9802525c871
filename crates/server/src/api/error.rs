//! One error shape for the whole API: `{code, message, params}`, the message in the language the
//! client asks for (`Accept-Language`: Arabic unless English comes first), the HTTP status from
//! the code. Internal details stay in the log.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use wasel_core::ErrorPayload;

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// Stable, e.g. `phone.invalid`, `auth.forbidden`.
    pub code: String,
    /// In Arabic or English, from `Accept-Language`.
    pub message: String,
    pub params: std::collections::BTreeMap<String, String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub payload: ErrorPayload,
    pub lang: &'static str,
}

impl ApiError {
    pub fn new(payload: ErrorPayload, lang: &'static str) -> Self {
        Self { payload, lang }
    }

    pub fn core(e: wasel_core::Error, lang: &'static str) -> Self {
        if matches!(e, wasel_core::Error::Internal(_) | wasel_core::Error::Database(_)) {
            tracing::error!(error = %e, "API request failed");
        }
        Self { payload: e.payload(), lang }
    }
}

/// The status a code answers with.
pub fn status_of(code: &str) -> StatusCode {
    let group = code.split('.').next().unwrap_or("");
    match code {
        "auth.forbidden" => StatusCode::FORBIDDEN,
        "auth.account_locked" | "api.rate_limited" | "provider.rate_limited" => StatusCode::TOO_MANY_REQUESTS,
        "auth.first_admin_exists"
        | "user.exists"
        | "idempotency.in_progress"
        | "message.action_not_allowed"
        | "message.illegal_transition" => StatusCode::CONFLICT,
        "message.not_found" | "not_found" | "user.not_found" | "api.not_found" | "guardian.not_found"
        | "template.not_found" => StatusCode::NOT_FOUND,
        "feature.not_built" => StatusCode::NOT_IMPLEMENTED,
        "api.body_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "api.bad_request" => StatusCode::BAD_REQUEST,
        "db.unavailable" | "keychain.unavailable" | "keychain.locked" | "keychain.no_service" => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        "internal" | "db.failed" | "keychain.failed" => StatusCode::INTERNAL_SERVER_ERROR,
        _ if group == "auth" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.payload.code);
        let body = ApiErrorBody {
            message: self.payload.localized(self.lang),
            code: self.payload.code,
            params: self.payload.params,
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// `ar` or `en` from `Accept-Language` (highest weight first); Arabic when neither is asked for.
pub fn language(headers: &HeaderMap) -> &'static str {
    let Some(value) = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else { return "ar" };
    let mut tags: Vec<(f32, &str)> = value
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            Some((q, tag))
        })
        .collect();
    tags.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, tag) in tags {
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        if primary == "en" {
            return "en";
        }
        if primary == "ar" {
            return "ar";
        }
    }
    "ar"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(v: &str) -> &'static str {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            header::HeaderValue::from_str(v).unwrap_or(header::HeaderValue::from_static("")),
        );
        language(&h)
    }

    #[test]
    fn the_language_follows_accept_language_and_defaults_to_arabic() {
        assert_eq!(lang("en-US,en;q=0.9"), "en");
        assert_eq!(lang("fr, ar-SA;q=0.8, en;q=0.5"), "ar");
        assert_eq!(lang("fr"), "ar");
        assert_eq!(lang("ar;q=0.2, en-GB;q=0.9"), "en");
        assert_eq!(language(&HeaderMap::new()), "ar");
    }

    #[test]
    fn codes_map_to_statuses() {
        assert_eq!(status_of("auth.forbidden"), StatusCode::FORBIDDEN);
        assert_eq!(status_of("auth.token_expired"), StatusCode::UNAUTHORIZED);
        assert_eq!(status_of("phone.invalid"), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status_of("idempotency.mismatch"), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status_of("feature.not_built"), StatusCode::NOT_IMPLEMENTED);
    }
}
