//! What every command shares: opening Wasel, the language answers are printed in, translated
//! errors, and the tables.

use wasel_core::api::{MessageView, ProviderCheckView};
use wasel_core::settings::Language;
use wasel_core::{Wasel, WaselConfig};

pub(crate) enum Failure {
    Core(wasel_core::Error, Language),
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

/// Wasel with the sandbox for every channel without real credentials (simulators in this
/// process, or at `WASEL_SANDBOX_URL`).
#[cfg(feature = "sandbox")]
pub(crate) async fn open(kind: &str) -> Result<Wasel, Failure> {
    wasel_sandbox::open(WaselConfig::from_env(kind), wasel_sandbox::url_from_env())
        .await
        .map_err(|e| Failure::Core(e, Language::Ar))
}

/// Without the sandbox (a head-office build): real providers only; a channel without one has no
/// route and its messages fail with `provider.not_configured`.
#[cfg(not(feature = "sandbox"))]
pub(crate) async fn open(kind: &str) -> Result<Wasel, Failure> {
    Wasel::open(WaselConfig::from_env(kind)).await.map_err(|e| Failure::Core(e, Language::Ar))
}

/// Who the audit log names for a change made from the shell.
pub(crate) fn actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "operator".into()))
}

pub(crate) fn print_check(check: &ProviderCheckView, lang: Language) {
    let place = if check.sandbox { " (sandbox)" } else { "" };
    match (&check.error, &check.detail) {
        (Some(e), _) => {
            println!("{}{place}: {} [{}] {} ms", check.provider, e.localized(lang.as_str()), e.code, check.latency_ms)
        }
        (None, detail) => {
            println!("{}{place}: ok {} {} ms", check.provider, detail.as_deref().unwrap_or(""), check.latency_ms);
        }
    }
}

pub(crate) async fn language(wasel: &Wasel, flag: Option<&str>) -> Language {
    if let Some(l) = flag.and_then(Language::parse) {
        return l;
    }
    wasel.settings().status().await.map(|s| s.language).unwrap_or(Language::Ar)
}

pub(crate) async fn announce_sandbox(wasel: &Wasel, lang: Language) {
    if let Ok(status) = wasel.settings().status().await
        && status.sandbox
    {
        let text = wasel_core::i18n::t("cli.sandbox", lang.as_str())
            .replace("%{url}", status.sandbox_url.as_deref().unwrap_or("-"));
        eprintln!("{text}");
    }
}

pub(crate) fn print_messages(list: &[MessageView], json: bool, lang: Language) {
    if json {
        println!("{}", serde_json::to_string_pretty(list).unwrap_or_default());
        return;
    }
    for m in list {
        let error = m.error.as_ref().map(|e| format!("  {}", e.localized(lang.as_str()))).unwrap_or_default();
        println!(
            "{}  {:<9}  {}  {}  {}{}",
            m.created_at.format("%Y-%m-%d %H:%M:%S"),
            m.status.as_str(),
            m.to_display,
            m.id,
            m.body.chars().take(40).collect::<String>(),
            error
        );
    }
}
