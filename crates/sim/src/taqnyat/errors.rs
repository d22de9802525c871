//! Errors.

use super::*;

/// Every error the simulator answers with; `spec` is the one table of statuses, codes and texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ApiError {
    Unauthorized,
    InvalidJson,
    MissingSender,
    InvalidSender,
    MissingBody,
    MissingRecipients,
    InvalidRecipients,
    OptedOut,
    InvalidSchedule,
    BalanceZero,
    BalanceShort,
    MissingDeleteKey,
    NotFound,
    TooManyRequests,
    Internal,
    Unavailable,
}

impl ApiError {
    /// HTTP status, Taqnyat's numeric code when the reference names one, and the message.
    pub(super) const fn spec(self) -> (StatusCode, Option<u32>, &'static str) {
        use StatusCode as S;
        match self {
            Self::Unauthorized => (S::UNAUTHORIZED, Some(104), "invalid credentials information"),
            Self::InvalidJson => (S::BAD_REQUEST, None, "Invalid JSON body"),
            Self::MissingSender => (S::BAD_REQUEST, None, "sender is required"),
            Self::InvalidSender => (S::BAD_REQUEST, None, "Invalid sender"),
            Self::MissingBody => (S::BAD_REQUEST, None, "body is required"),
            Self::MissingRecipients => (S::BAD_REQUEST, None, "recipients must be a non-empty array"),
            Self::InvalidRecipients => (S::BAD_REQUEST, None, "Invalid recipients"),
            Self::OptedOut => (S::BAD_REQUEST, None, "Recipients opted out"),
            Self::InvalidSchedule => (S::BAD_REQUEST, None, "Invalid scheduled date"),
            Self::BalanceZero => (S::BAD_REQUEST, Some(2), "balance is 0"),
            Self::BalanceShort => (S::BAD_REQUEST, Some(3), "balance is not enough"),
            Self::MissingDeleteKey => (S::BAD_REQUEST, None, "deleteId is required"),
            Self::NotFound => (S::NOT_FOUND, None, "Not Found"),
            Self::TooManyRequests => (S::TOO_MANY_REQUESTS, None, "Too Many Requests"),
            Self::Internal => (S::INTERNAL_SERVER_ERROR, None, "Internal Server Error"),
            Self::Unavailable => (S::SERVICE_UNAVAILABLE, None, "Service Unavailable"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.spec();
        let mut body = json!({ "statusCode": status.as_u16(), "message": message });
        if let Some(code) = code {
            body["code"] = json!(code);
        }
        (status, Json(body)).into_response()
    }
}

/// True for the paths Taqnyat's API lives under, so an unknown one answers in Taqnyat's shape.
pub(crate) fn owns_path(path: &str) -> bool {
    ["/v1/", "/account/", "/system/"].iter().any(|prefix| path.starts_with(prefix))
}

pub(crate) fn not_found_response() -> Response {
    ApiError::NotFound.into_response()
}

pub(super) fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Down | Fault::TimedOut => ApiError::Unavailable.into_response(),
        Fault::ServerError => ApiError::Internal.into_response(),
        Fault::RateLimited { retry_after_secs } => {
            let mut response = ApiError::TooManyRequests.into_response();
            if let Some(secs) = retry_after_secs {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}
