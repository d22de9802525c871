//! A phone number that could not be read.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no phone number given")]
    Required,
    #[error("not a valid phone number")]
    Invalid { input: String },
    #[error("not a mobile number")]
    NotMobile { input: String },
}

impl PhoneError {
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Required => "phone.required",
            PhoneError::Invalid { .. } => "phone.invalid",
            PhoneError::NotMobile { .. } => "phone.not_mobile",
        }
    }

    pub fn input(&self) -> Option<&str> {
        match self {
            PhoneError::Required => None,
            PhoneError::Invalid { input } | PhoneError::NotMobile { input } => Some(input),
        }
    }
}
