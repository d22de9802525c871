//! `wasel providers …` (credentials, failover order, checks) and `wasel templates`.

use anyhow::Context;
use clap::Subcommand;
use wasel_core::api::ProviderInput;
use wasel_core::domain::Channel;

use crate::output::{Failure, language, open, print_check, signed_in};

#[derive(Subcommand)]
pub(crate) enum ProvidersAction {
    /// Every provider with its channel, position, configuration and circuit.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Save fields: `--field key=value` (repeatable); `--secret key` reads that secret from stdin.
    Set {
        id: String,
        #[arg(long = "field")]
        fields: Vec<String>,
        #[arg(long = "secret")]
        secrets: Vec<String>,
        #[arg(long)]
        rate_per_sec: Option<u32>,
        #[arg(long)]
        unit_price_halalas: Option<u32>,
    },
    /// Forget a provider's credentials.
    Clear { id: String },
    /// The failover order of a channel: `wasel providers order sms taqnyat twilio msegat`.
    Order { channel: String, ids: Vec<String> },
    /// Test connection.
    Test { id: String },
    /// Send one test message through this provider only.
    SendTest {
        id: String,
        #[arg(long)]
        to: String,
    },
}

pub(crate) async fn run(action: ProvidersAction, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    signed_in(&wasel, lang, async |caller| act(&wasel, caller, action, lang).await).await?
}

async fn act(
    wasel: &wasel_core::Wasel,
    caller: &wasel_core::api::Caller,
    action: ProvidersAction,
    lang: wasel_core::settings::Language,
) -> Result<(), Failure> {
    let core = |e| Failure::Core(e, lang);
    let list = match action {
        ProvidersAction::List { json } => {
            let list = wasel.providers(caller).list_providers().await.map_err(core)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list).context("json")?);
                return Ok(());
            }
            list
        }
        ProvidersAction::Set { id, fields, secrets, rate_per_sec, unit_price_halalas } => {
            let mut map = std::collections::BTreeMap::new();
            for f in fields {
                let (k, v) = f.split_once('=').with_context(|| format!("--field takes key=value, not {f:?}"))?;
                map.insert(k.to_owned(), v.to_owned());
            }
            for k in secrets {
                eprint!("{k}: ");
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).context("reading a secret from stdin")?;
                map.insert(k, line.trim_end_matches(['\r', '\n']).to_owned());
            }
            let input = ProviderInput { id, fields: map, rate_per_sec, unit_price_halalas };
            wasel.providers(caller).save_provider(input).await.map_err(core)?
        }
        ProvidersAction::Clear { id } => wasel.providers(caller).clear_provider(&id).await.map_err(core)?,
        ProvidersAction::Order { channel, ids } => {
            let channel = Channel::parse(&channel).with_context(|| format!("unknown channel {channel:?}"))?;
            wasel.providers(caller).set_failover_order(channel, ids).await.map_err(core)?
        }
        ProvidersAction::Test { id } => {
            print_check(&wasel.providers(caller).test_provider(&id).await.map_err(core)?, lang);
            return Ok(());
        }
        ProvidersAction::SendTest { id, to } => {
            print_check(&wasel.providers(caller).send_provider_test(&id, &to).await.map_err(core)?, lang);
            return Ok(());
        }
    };
    for p in list {
        println!(
            "{:<9} {} {:<16} {:<11} circuit={:<8} {}/s  {} halalas/unit",
            p.channel.as_str(),
            p.position + 1,
            p.id,
            if p.configured { "configured" } else { "sandbox" },
            p.circuit.unwrap_or_else(|| "-".into()),
            p.rate_per_sec,
            p.unit_price_halalas
        );
    }
    Ok(())
}

pub(crate) async fn templates(refresh: bool, json: bool, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    let core = |e| Failure::Core(e, lang);
    let list = signed_in(&wasel, lang, async |caller| {
        let providers = wasel.providers(caller);
        if refresh { providers.refresh_whatsapp_templates().await } else { providers.whatsapp_templates().await }
    })
    .await?
    .map_err(core)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list).context("json")?);
    } else {
        for t in list {
            println!(
                "{:<16} {:<22} {:<3} {:<9} {}",
                t.provider,
                t.name,
                t.language,
                format!("{:?}", t.status).to_lowercase(),
                t.body
            );
        }
    }
    Ok(())
}
