//! Errors.

use super::*;

/// Google's API error: `{"error":{"code","message","status","details":[…]}}`.
#[derive(Debug)]
pub(super) struct GoogleError {
    pub(super) http: StatusCode,
    pub(super) status: &'static str,
    pub(super) message: String,
    pub(super) fcm_code: Option<&'static str>,
    /// A `BadRequest` detail: the field (if known) and the description (the message).
    pub(super) violation: Option<Option<String>>,
    pub(super) retry_after: Option<u64>,
    pub(super) www_authenticate: bool,
}

impl GoogleError {
    pub(super) fn new(http: StatusCode, status: &'static str, message: impl Into<String>) -> Self {
        Self {
            http,
            status,
            message: message.into(),
            fcm_code: None,
            violation: None,
            retry_after: None,
            www_authenticate: false,
        }
    }

    pub(super) fn fcm(mut self, code: &'static str) -> Self {
        self.fcm_code = Some(code);
        self
    }

    /// FCM's own rule broken: `FcmError INVALID_ARGUMENT` plus the field.
    pub(super) fn invalid_argument(message: impl Into<String>, field: &str) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message).fcm("INVALID_ARGUMENT");
        e.violation = Some(Some(field.to_owned()));
        e
    }

    /// Google's JSON parser refused the body: a `BadRequest` detail and no `FcmError`.
    pub(super) fn bad_json(message: impl Into<String>, field: Option<&str>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message);
        e.violation = Some(field.map(str::to_owned));
        e
    }

    pub(super) fn unauthenticated(missing: bool) -> Self {
        let message = if missing {
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
        } else {
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
        };
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
        e.www_authenticate = true;
        e
    }

    pub(super) fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "PERMISSION_DENIED", message)
    }

    pub(super) fn unregistered() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Requested entity was not found.").fcm("UNREGISTERED")
    }

    pub(super) fn sender_id_mismatch() -> Self {
        Self::permission_denied("SenderId mismatch").fcm("SENDER_ID_MISMATCH")
    }

    pub(super) fn from_fault(fault: Fault) -> Self {
        match fault {
            Fault::Down | Fault::TimedOut => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "The service is currently unavailable.")
                    .fcm("UNAVAILABLE")
            }
            Fault::ServerError => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "Internal error encountered.").fcm("INTERNAL")
            }
            Fault::RateLimited { retry_after_secs } => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RESOURCE_EXHAUSTED",
                    "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute per project'.",
                )
                .fcm("QUOTA_EXCEEDED");
                e.retry_after = retry_after_secs;
                e
            }
        }
    }
}

impl IntoResponse for GoogleError {
    fn into_response(self) -> Response {
        let mut details = Vec::new();
        if let Some(code) = self.fcm_code {
            details.push(json!({ "@type": FCM_ERROR_TYPE, "errorCode": code }));
        }
        if let Some(field) = &self.violation {
            let mut violation = json!({ "description": self.message });
            if let Some(field) = field {
                violation["field"] = json!(field);
            }
            details.push(json!({ "@type": BAD_REQUEST_TYPE, "fieldViolations": [violation] }));
        }
        let mut error = json!({ "code": self.http.as_u16(), "message": self.message, "status": self.status });
        if !details.is_empty() {
            error["details"] = Value::Array(details);
        }
        let mut response = (self.http, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.www_authenticate {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""),
            );
        }
        response
    }
}

/// Google's OAuth error: 400 `{"error","error_description"}`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct OAuthError {
    pub(super) error: &'static str,
    pub(super) description: String,
}

impl OAuthError {
    pub(super) fn grant(description: impl Into<String>) -> Self {
        Self { error: "invalid_grant", description: description.into() }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}
