//! The sandbox from the shell: `wasel inbox`, `wasel reply` and `wasel sim`.

use anyhow::Context;
use wasel_core::api::InboundInput;
use wasel_core::domain::Channel;

use crate::output::{Failure, language, open, signed_in};

pub(crate) async fn inbox(channel: Option<String>, json: bool, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    let channel = match channel {
        Some(c) => Some(Channel::parse(&c).with_context(|| format!("unknown channel {c:?}"))?),
        None => None,
    };
    let items = signed_in(&wasel, lang, async |caller| wasel.sandbox_inbox(caller).list(channel).await)
        .await?
        .map_err(|e| Failure::Core(e, lang))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&items).context("json")?);
    } else {
        for i in items {
            println!(
                "{}  {:<8} {:<15} {:<10} {}  {}",
                i.at.format("%Y-%m-%d %H:%M:%S"),
                i.channel.as_str(),
                i.provider,
                i.status,
                i.to,
                i.title.map(|t| format!("[{t}] ")).unwrap_or_default() + &i.text.chars().take(60).collect::<String>()
            );
        }
    }
    Ok(())
}

pub(crate) async fn reply(channel: String, from: String, text: String, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    let channel = Channel::parse(&channel).with_context(|| format!("unknown channel {channel:?}"))?;
    let input = InboundInput { channel, from, text, provider: None };
    signed_in(&wasel, lang, async |caller| wasel.sandbox_inbox(caller).reply(input).await)
        .await?
        .map_err(|e| Failure::Core(e, lang))
}

#[cfg(feature = "sandbox")]
pub(crate) async fn sim(port: u16) -> Result<(), Failure> {
    let opts = wasel_sim::SimOptions { bind: ([127, 0, 0, 1], port).into(), ..Default::default() };
    let sim = wasel_sim::start(opts).await.context("starting the simulators")?;
    println!("simulators on {} (SMTP sink on {})", sim.base_url(), sim.smtp_addr());
    println!("sandbox accounts (simulator-only, never real):");
    println!(
        "  twilio, twilio_whatsapp, twilio_voice: account {} token {} number {}",
        wasel_sim::twilio::SANDBOX_ACCOUNT_SID,
        wasel_sim::twilio::SANDBOX_AUTH_TOKEN,
        wasel_sim::twilio::SANDBOX_NUMBER
    );
    println!("  taqnyat: bearer {}", wasel_sim::taqnyat::SANDBOX_BEARER_TOKEN);
    println!("  msegat: user {} key {}", wasel_sim::msegat::SANDBOX_USERNAME, wasel_sim::msegat::SANDBOX_API_KEY);
    println!(
        "  meta: phone number {} token {} app secret {}",
        wasel_sim::meta::SANDBOX_PHONE_NUMBER_ID,
        wasel_sim::meta::SANDBOX_ACCESS_TOKEN,
        wasel_sim::meta::SANDBOX_APP_SECRET
    );
    println!("  smtp: {} / {}", wasel_sim::smtp::SANDBOX_USERNAME, wasel_sim::smtp::SANDBOX_PASSWORD);
    println!("  fcm: service account at {}/_sim/fcm/service-account", sim.base_url());
    println!("  onesignal: app {} key {}", wasel_sim::onesignal::SANDBOX_APP_ID, wasel_sim::onesignal::SANDBOX_API_KEY);
    println!("the inboxes: GET {}/_sim/<provider>/messages; wasel inbox reads them all", sim.base_url());
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
