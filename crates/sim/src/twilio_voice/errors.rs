//! Errors.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ApiError {
    InvalidParameter,
    TwimlTooLong,
    MissingTo,
    MissingFrom,
    InvalidTo,
    InvalidFrom,
    MissingUrl,
    InvalidUrl,
    InvalidApplication,
    InvalidStatusCallback,
    InvalidCallState,
}

impl ApiError {
    pub(super) const fn spec(self) -> (u32, &'static str) {
        match self {
            Self::InvalidParameter => (20001, "Invalid parameter"),
            Self::TwimlTooLong => (20001, "Twiml must be at most 4000 characters"),
            Self::MissingTo => (21201, "No 'To' number is specified"),
            Self::MissingFrom => (21213, "No 'From' number is specified"),
            Self::InvalidTo => (21217, "Phone number does not appear to be valid"),
            Self::InvalidFrom => (21212, "Invalid 'From' Phone Number"),
            Self::MissingUrl => (21205, "A 'Url', 'Twiml' or 'ApplicationSid' parameter is required"),
            Self::InvalidUrl => (21205, "Url is not a valid URL"),
            Self::InvalidApplication => (21218, "Invalid ApplicationSid"),
            Self::InvalidStatusCallback => (21609, "Invalid StatusCallback url"),
            Self::InvalidCallState => (21220, "Call is not in a state that allows this update"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, message) = self.spec();
        error_body(code, StatusCode::BAD_REQUEST, message)
    }
}

/// Why a call ended `failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CallError {
    pub(super) code: u32,
    pub(super) message: &'static str,
}

pub(super) const UNREACHABLE: CallError =
    CallError { code: 21217, message: "Phone number does not appear to be valid" };
pub(super) const PARSE_FAILURE: CallError = CallError { code: 12100, message: "Document parse failure" };
pub(super) const INVALID_VOICE: CallError = CallError { code: 13511, message: "Say: Invalid voice value" };
pub(super) const EMPTY_SAY: CallError = CallError { code: 13520, message: "Say: Invalid text" };
pub(super) const RETRIEVAL_FAILURE: CallError = CallError { code: 11200, message: "HTTP retrieval failure" };
