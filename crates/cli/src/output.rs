//! What every command shares: opening Wasel, the language answers are printed in, translated
//! errors, and the tables.

use wasel_core::api::{Caller, LoginInput, MessageView, Origin, ProviderCheckView};
use wasel_core::error::AuthError;
use wasel_core::settings::Language;
use wasel_core::{Wasel, WaselConfig};

pub(crate) enum Failure {
    Core(wasel_core::Error, Language),
    Other(anyhow::Error),
    /// A check ran and found a problem (exit 3), as opposed to failing to run (exit 1 or 2).
    Found(String),
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

/// Who runs this command: `--user` (password prompted, or one line on stdin when it is not a
/// terminal) or `--token` (from `wasel users token`). Set once in `main`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignIn {
    pub(crate) user: Option<String>,
    pub(crate) token: Option<String>,
}

pub(crate) static SIGN_IN: std::sync::OnceLock<SignIn> = std::sync::OnceLock::new();

/// A signed-in command: the caller, and the session to end when the command is done.
pub(crate) struct Session {
    pub(crate) caller: Caller,
    opened: Option<String>,
}

impl Session {
    /// Ends a session this command opened with a password (a `--token` stays valid).
    pub(crate) async fn end(self, wasel: &Wasel) {
        if let Some(token) = self.opened {
            let _ = wasel.auth().logout(&token, Origin::Cli).await;
        }
    }
}

/// Signs the command in as `--user` or `--token`, checked by the core like any sign-in.
pub(crate) async fn sign_in(wasel: &Wasel, lang: Language) -> Result<Session, Failure> {
    let core = |e| Failure::Core(e, lang);
    let args = SIGN_IN.get().cloned().unwrap_or_default();
    if let Some(token) = args.token.filter(|t| !t.trim().is_empty()) {
        let caller = wasel.auth().authenticate(token.trim(), Origin::Cli).await.map_err(core)?;
        return Ok(Session { caller, opened: None });
    }
    let Some(username) = args.user.filter(|u| !u.trim().is_empty()) else {
        let none = wasel.auth().needs_first_admin().await.map_err(core)?;
        return Err(core(if none { AuthError::NoUsers.into() } else { AuthError::Required.into() }));
    };
    let password = read_password(&format!("{username} password: ")).map_err(Failure::Other)?;
    let signed = wasel.auth().login(LoginInput { username, password }, Origin::Cli).await.map_err(core)?;
    let caller = wasel.auth().authenticate(&signed.token, Origin::Cli).await.map_err(core)?;
    Ok(Session { caller, opened: Some(signed.token) })
}

/// Runs `work` as the signed-in user (`--user` or `--token`), then ends a session it opened, whatever
/// `work` returned.
pub(crate) async fn signed_in<R>(
    wasel: &Wasel,
    lang: Language,
    work: impl AsyncFnOnce(&Caller) -> R,
) -> Result<R, Failure> {
    let session = sign_in(wasel, lang).await?;
    let out = work(&session.caller).await;
    session.end(wasel).await;
    Ok(out)
}

/// A password from the terminal without echo, or one line of stdin when it is not a terminal.
pub(crate) fn read_password(prompt: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return Ok(rpassword::prompt_password(prompt)?);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
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
    wasel.settings(&Caller::anonymous(Origin::Cli)).status().await.map(|s| s.language).unwrap_or(Language::Ar)
}

pub(crate) async fn announce_sandbox(wasel: &Wasel, lang: Language) {
    if let Ok(status) = wasel.settings(&Caller::anonymous(Origin::Cli)).status().await
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
