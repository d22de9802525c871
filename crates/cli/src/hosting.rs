//! Running Wasel headless: `wasel worker`, `wasel serve` (webhooks at head office), `wasel migrate`.

use anyhow::Context;
use wasel_core::settings::Language;
use wasel_core::{Wasel, WaselConfig};

use crate::output::{Failure, announce_sandbox, language, open};

pub(crate) async fn worker(lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("worker").await?;
    let lang = language(&wasel, lang_flag).await;
    announce_sandbox(&wasel, lang).await;
    let tasks = wasel.start_background();
    eprintln!("wasel worker running; Ctrl-C to stop");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    wasel.stop().await;
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}

pub(crate) async fn serve(
    bind: String,
    public_url: String,
    worker: bool,
    lang_flag: Option<&str>,
) -> Result<(), Failure> {
    // No sandbox: a public receiver never trusts the simulators' well-known secrets.
    let wasel = Wasel::open(WaselConfig::from_env("serve")).await.map_err(|e| Failure::Core(e, Language::Ar))?;
    let wasel = std::sync::Arc::new(wasel);
    let lang = language(&wasel, lang_flag).await;
    let limit = wasel_server::api::RateLimit::from_env();
    let url = wasel_server::serve(std::sync::Arc::clone(&wasel), &bind, &public_url, limit)
        .await
        .map_err(|e| Failure::Core(e, lang))?;
    let tasks = if worker { wasel.start_background() } else { Vec::new() };
    eprintln!("webhooks and API on {url} (public {public_url}; OpenAPI at {url}/api/openapi.json); Ctrl-C to stop");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    wasel.stop().await;
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}

pub(crate) async fn migrate() -> Result<(), Failure> {
    let wasel = Wasel::open(WaselConfig::from_env("cli")).await.map_err(|e| Failure::Core(e, Language::Ar))?;
    println!("migrations applied ({:?})", wasel.db().backend());
    Ok(())
}
