//! Errors.

use super::*;

/// Every error the simulator answers with; `spec` is the one table of codes, statuses and texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ApiError {
    InvalidParameter,
    Authenticate,
    NotFound,
    NotComplete,
    NotCancelable,
    TooManyRequests,
    Internal,
    Unavailable,
    InvalidTo,
    InvalidFrom,
    MissingBody,
    MissingFrom,
    MissingTo,
    InvalidStatusCallback,
    OptedOut,
    NotMobile,
    BodyTooLong,
    ScheduleTimestamp,
    ScheduleNeedsService,
    ContentSidRequired,
    InvalidContentSid,
    InvalidContentVariables,
    ChannelMismatch,
}

impl ApiError {
    pub(super) const fn spec(self) -> (u32, StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            Self::InvalidParameter => (20001, S::BAD_REQUEST, "Invalid parameter"),
            Self::Authenticate => (20003, S::UNAUTHORIZED, "Authenticate"),
            Self::NotFound => (20404, S::NOT_FOUND, "The requested resource was not found"),
            Self::NotComplete => (20009, S::BAD_REQUEST, "Cannot change or delete this resource before it is complete"),
            Self::NotCancelable => (20009, S::BAD_REQUEST, "Only a scheduled message can be canceled"),
            Self::TooManyRequests => (20429, S::TOO_MANY_REQUESTS, "Too Many Requests"),
            Self::Internal => (20500, S::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            Self::Unavailable => (20500, S::SERVICE_UNAVAILABLE, "Service Unavailable"),
            Self::InvalidTo => (21211, S::BAD_REQUEST, "Invalid 'To' Phone Number"),
            Self::InvalidFrom => (21212, S::BAD_REQUEST, "Invalid 'From' Number (caller ID)"),
            Self::MissingBody => (21602, S::BAD_REQUEST, "Message body is required."),
            Self::MissingFrom => {
                (21603, S::BAD_REQUEST, "A 'From' or 'MessagingServiceSid' parameter is required to send a message")
            }
            Self::MissingTo => (21604, S::BAD_REQUEST, "A 'To' phone number is required."),
            Self::InvalidStatusCallback => (21609, S::BAD_REQUEST, "Invalid StatusCallback url"),
            Self::OptedOut => (21610, S::BAD_REQUEST, "Attempt to send to unsubscribed recipient"),
            Self::NotMobile => (21614, S::BAD_REQUEST, "'To' number is not a valid mobile number"),
            Self::BodyTooLong => {
                (21617, S::BAD_REQUEST, "The concatenated message body exceeds the 1600 character limit")
            }
            Self::ScheduleTimestamp => (35114, S::BAD_REQUEST, "Scheduling does not support this timestamp"),
            Self::ScheduleNeedsService => {
                (35118, S::BAD_REQUEST, "MessagingServiceSid is required to schedule a message")
            }
            Self::ContentSidRequired => {
                (21654, S::BAD_REQUEST, "A ContentSid must be specified if ContentVariables are provided")
            }
            Self::InvalidContentSid => (21655, S::BAD_REQUEST, "The ContentSid is Invalid"),
            Self::InvalidContentVariables => (21656, S::BAD_REQUEST, "The ContentVariables Parameter is invalid"),
            Self::ChannelMismatch => {
                (21910, S::BAD_REQUEST, "Invalid From and To pair. From and To should be of the same channel")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status, message) = self.spec();
        error_body(code, status, message)
    }
}

/// Twilio's error JSON: `{code, message, more_info, status}`.
pub(crate) fn error_body(code: u32, status: StatusCode, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Twilio API\""));
    }
    response
}

/// Twilio's 404 names the path it could not find.
pub(crate) fn not_found_response(path: &str) -> Response {
    let (code, status, _) = ApiError::NotFound.spec();
    error_body(code, status, &format!("The requested resource {path} was not found"))
}

pub(crate) fn fault_response(fault: Fault) -> Response {
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
