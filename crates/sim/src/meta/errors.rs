//! Errors.

use super::*;

/// Every Graph error the simulator answers with; `parts` is the one table of statuses, codes and texts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ApiError {
    MissingToken,
    InvalidToken,
    UnknownObject { method: &'static str, id: String },
    Required(String),
    Invalid { details: String },
    TemplateMissing { name: String, language: String },
    TemplateNotApproved { name: String, language: String, status: TemplateStatus },
    ParamCount { component: &'static str, expected: usize, got: usize },
    ParamFormat,
    PairRateLimited { retry_after_secs: u64 },
    Throughput { retry_after_secs: Option<u64> },
    Internal,
    Unavailable,
}

pub(super) struct Parts {
    pub(super) status: StatusCode,
    pub(super) code: u32,
    pub(super) subcode: Option<u32>,
    pub(super) kind: &'static str,
    pub(super) message: String,
    pub(super) details: Option<String>,
    pub(super) transient: bool,
}

impl ApiError {
    pub(super) fn parts(&self) -> Parts {
        use StatusCode as S;
        let p = |status, code, message: &str, details: Option<String>| Parts {
            status,
            code,
            subcode: None,
            kind: "OAuthException",
            message: message.to_owned(),
            details,
            transient: false,
        };
        match self {
            Self::MissingToken => {
                p(S::UNAUTHORIZED, 190, "An access token is required to request this resource.", None)
            }
            Self::InvalidToken => {
                p(S::UNAUTHORIZED, 190, "Invalid OAuth access token - Cannot parse access token", None)
            }
            Self::UnknownObject { method, id } => Parts {
                subcode: Some(33),
                kind: "GraphMethodException",
                ..p(
                    S::BAD_REQUEST,
                    100,
                    &format!(
                        "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to \
                         missing permissions, or does not support this operation. Please read the Graph API \
                         documentation at https://developers.facebook.com/docs/graph-api"
                    ),
                    None,
                )
            },
            Self::Required(param) => p(
                S::BAD_REQUEST,
                100,
                &format!("(#100) The parameter {param} is required."),
                Some(format!("The parameter {param} is required.")),
            ),
            Self::Invalid { details } => p(S::BAD_REQUEST, 100, "(#100) Invalid parameter", Some(details.clone())),
            Self::TemplateMissing { name, language } => p(
                S::NOT_FOUND,
                132001,
                "(#132001) Template name does not exist in the translation",
                Some(format!("template name ({name}) does not exist in {language}")),
            ),
            Self::TemplateNotApproved { name, language, status } => match status {
                TemplateStatus::Paused => p(
                    S::BAD_REQUEST,
                    132015,
                    "(#132015) Template is Paused",
                    Some(format!("Template {name} ({language}) is paused due to low quality.")),
                ),
                TemplateStatus::Disabled => p(
                    S::BAD_REQUEST,
                    132016,
                    "(#132016) Template is disabled",
                    Some(format!("Template {name} ({language}) has been paused too many times and is disabled.")),
                ),
                _ => p(
                    S::NOT_FOUND,
                    132001,
                    "(#132001) Template name does not exist in the translation",
                    Some(format!("template name ({name}) does not exist in {language} (status {})", status.as_str())),
                ),
            },
            Self::ParamCount { component, expected, got } => p(
                S::BAD_REQUEST,
                132000,
                "(#132000) Number of parameters does not match the expected number of params",
                Some(format!(
                    "{component}: number of localizable_params ({got}) does not match the expected number of params \
                     ({expected})"
                )),
            ),
            Self::ParamFormat => p(
                S::BAD_REQUEST,
                132018,
                "(#132018) There was an issue with the parameters in your template.",
                Some("Param text cannot have new-line/tab characters or more than 4 consecutive spaces".to_owned()),
            ),
            Self::PairRateLimited { .. } => p(
                S::TOO_MANY_REQUESTS,
                131056,
                "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                Some(
                    "Message failed to send because there were too many messages sent from this phone number to the \
                     same phone number in a short period of time."
                        .to_owned(),
                ),
            ),
            Self::Throughput { .. } => p(
                S::TOO_MANY_REQUESTS,
                130429,
                "(#130429) Rate limit hit",
                Some("Cloud API message throughput has been reached.".to_owned()),
            ),
            Self::Internal => {
                Parts { transient: true, ..p(S::INTERNAL_SERVER_ERROR, 1, "An unknown error has occurred.", None) }
            }
            Self::Unavailable => {
                Parts { transient: true, ..p(S::SERVICE_UNAVAILABLE, 2, "Service temporarily unavailable", None) }
            }
        }
    }

    pub(super) fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::PairRateLimited { retry_after_secs } => Some(*retry_after_secs),
            Self::Throughput { retry_after_secs } => *retry_after_secs,
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let parts = self.parts();
        let mut error = json!({
            "message": parts.message,
            "type": parts.kind,
            "code": parts.code,
            "fbtrace_id": fbtrace_id(),
        });
        if let Some(subcode) = parts.subcode {
            error["error_subcode"] = json!(subcode);
        }
        if let Some(details) = parts.details {
            error["error_data"] = json!({ "messaging_product": "whatsapp", "details": details });
        }
        if parts.transient {
            error["is_transient"] = json!(true);
        }
        let mut response = (parts.status, Json(json!({ "error": error }))).into_response();
        let headers = response.headers_mut();
        if parts.status == StatusCode::UNAUTHORIZED
            && let Ok(value) =
                HeaderValue::from_str(&format!("OAuth \"Facebook Platform\" \"invalid_token\" \"{}\"", parts.message))
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some(secs) = self.retry_after_secs() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Graph paths start with a version: `/v21.0/…`.
pub(crate) fn owns_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/v") else {
        return false;
    };
    let version = rest.split('/').next().unwrap_or_default();
    version.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    })
}

/// What Graph answers for a path it cannot serve: the object (second segment) "does not exist".
pub(crate) fn not_found_response(path: &str) -> Response {
    let id = path.split('/').nth(2).unwrap_or_default().to_owned();
    ApiError::UnknownObject { method: "get or post", id }.into_response()
}

pub(super) fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Down | Fault::TimedOut => ApiError::Unavailable.into_response(),
        Fault::ServerError => ApiError::Internal.into_response(),
        Fault::RateLimited { retry_after_secs } => ApiError::Throughput { retry_after_secs }.into_response(),
    }
}
