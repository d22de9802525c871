//! Result codes.

use super::*;

/// Every answer to a send; `spec` is the one table of Msegat's codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ResultCode {
    Success,
    VariablesMissing,
    InvalidLogin,
    EmptyBody,
    BalanceShort,
    Duplicate,
    FreeOtpWording,
    InvalidSender,
    InvalidNumbers,
    TooLong,
}

impl ResultCode {
    /// The numeric code, its `M…` twin where Msegat has one, and our message.
    pub(super) const fn spec(self) -> (&'static str, Option<&'static str>, &'static str) {
        match self {
            Self::Success => ("1", Some("M0000"), "Success"),
            Self::VariablesMissing => ("1010", Some("M0001"), "Variables missing"),
            Self::InvalidLogin => ("1020", Some("M0002"), "Invalid login info"),
            Self::EmptyBody => ("1050", None, "MSG body is empty"),
            Self::BalanceShort => ("1060", None, "Balance is not enough"),
            Self::Duplicate => ("1061", None, "MSG duplicated"),
            Self::FreeOtpWording => {
                ("1064", None, "Free OTP: the text must be \"Pin Code is: xxxx\" or \"رمز التحقق: xxxx\"")
            }
            Self::InvalidSender => ("1110", None, "Sender name is missing or incorrect"),
            Self::InvalidNumbers => {
                ("1120", None, "Mobile numbers are not correct or international sending is not enabled")
            }
            Self::TooLong => ("1140", None, "MSG length is too long"),
        }
    }

    pub(super) fn body(self, m_codes: bool) -> Value {
        let (code, m_code, message) = self.spec();
        let code = if m_codes { m_code.unwrap_or(code) } else { code };
        json!({ "code": code, "message": message })
    }
}

/// True for the paths Msegat's API lives under, so an unknown one answers in Msegat's shape.
pub(crate) fn owns_path(path: &str) -> bool {
    path.starts_with("/gw/")
}

pub(super) fn plain_error(status: StatusCode) -> Response {
    let message = status.canonical_reason().unwrap_or("Error");
    (status, Json(json!({ "message": message }))).into_response()
}

pub(crate) fn not_found_response() -> Response {
    plain_error(StatusCode::NOT_FOUND)
}

pub(super) fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Down | Fault::TimedOut => plain_error(StatusCode::SERVICE_UNAVAILABLE),
        Fault::ServerError => plain_error(StatusCode::INTERNAL_SERVER_ERROR),
        Fault::RateLimited { retry_after_secs } => {
            let mut response = plain_error(StatusCode::TOO_MANY_REQUESTS);
            if let Some(secs) = retry_after_secs {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}
