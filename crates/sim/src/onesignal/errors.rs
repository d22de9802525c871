//! Errors.

use super::*;

/// Every error the simulator answers with, as `{"errors":[text]}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum OsError {
    AccessDenied,
    AppIdNotFound,
    AppIdMissing,
    NoTargets,
    MixedTargets,
    TooManyTargets,
    BadSubscriptionId(String),
    TargetChannel,
    BadField(&'static str),
    NoEnglishContents,
    NoEnglishHeadings,
    DataTooBig,
    BadSendAfter,
    BadIdempotencyKey(&'static str),
    NotFound,
    AlreadySent,
    TooManyRequests { retry_after_secs: Option<u64> },
    Internal,
    Unavailable,
}

impl OsError {
    pub(super) fn spec(&self) -> (StatusCode, String) {
        use StatusCode as S;
        match self {
            Self::AccessDenied => (
                S::FORBIDDEN,
                "Access denied. Please include an 'Authorization: ...' header with a valid API key".into(),
            ),
            Self::AppIdNotFound => {
                (S::BAD_REQUEST, "app_id not found. You may be missing a Content-Type: application/json header.".into())
            }
            Self::AppIdMissing => (S::BAD_REQUEST, "app_id is required".into()),
            Self::NoTargets => (
                S::BAD_REQUEST,
                "You must include which players, segments, or tags you wish to send this notification to.".into(),
            ),
            Self::MixedTargets => (
                S::BAD_REQUEST,
                "include_subscription_ids, include_aliases and included_segments cannot be combined".into(),
            ),
            Self::TooManyTargets => {
                (S::BAD_REQUEST, format!("You can target at most {MAX_TARGETS} recipients per request"))
            }
            Self::BadSubscriptionId(id) => (
                S::BAD_REQUEST,
                format!("Incorrect subscription_id format in include_subscription_ids (not a valid UUID): {id}"),
            ),
            Self::TargetChannel => {
                (S::BAD_REQUEST, "target_channel must be \"push\" when targeting with include_aliases".into())
            }
            Self::BadField(name) => (S::BAD_REQUEST, format!("{name} has the wrong type")),
            Self::NoEnglishContents => {
                (S::BAD_REQUEST, "Message Notifications must have English language content".into())
            }
            Self::NoEnglishHeadings => {
                (S::BAD_REQUEST, "Notification headings must have English language content".into())
            }
            Self::DataTooBig => (S::BAD_REQUEST, format!("data must be {MAX_DATA_BYTES} bytes or less")),
            Self::BadSendAfter => (S::BAD_REQUEST, "send_after is not a valid date".into()),
            Self::BadIdempotencyKey(name) => (S::BAD_REQUEST, format!("{name} must be a valid UUID")),
            Self::NotFound => (S::NOT_FOUND, "Notification not found".into()),
            Self::AlreadySent => (S::BAD_REQUEST, "Notification has already been sent to all recipients".into()),
            Self::TooManyRequests { .. } => (S::TOO_MANY_REQUESTS, "API rate limit exceeded.".into()),
            Self::Internal => (S::INTERNAL_SERVER_ERROR, "Internal Server Error".into()),
            Self::Unavailable => (S::SERVICE_UNAVAILABLE, "Service Unavailable".into()),
        }
    }
}

impl IntoResponse for OsError {
    fn into_response(self) -> Response {
        let (status, text) = self.spec();
        let mut response = (status, Json(json!({ "errors": [text] }))).into_response();
        if let Self::TooManyRequests { retry_after_secs: Some(secs) } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<Fault> for OsError {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Down | Fault::TimedOut => Self::Unavailable,
            Fault::ServerError => Self::Internal,
            Fault::RateLimited { retry_after_secs } => Self::TooManyRequests { retry_after_secs },
        }
    }
}
