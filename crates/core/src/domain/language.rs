//! The two languages of the interface and of the families' messages.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Ar,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Ar => "ar",
            Language::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ar" => Some(Language::Ar),
            "en" => Some(Language::En),
            _ => None,
        }
    }
}
