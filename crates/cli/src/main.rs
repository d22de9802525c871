//! `wasel`: the headless face of Wasel. Each subcommand parses its input, calls `wasel-core`, and
//! prints the result (text, or JSON with `--json`). Errors print translated, with their code.

mod bench;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use wasel_core::api::{
    AttachmentInput, InboundInput, MessageFilter, MessageView, OperatorAction, ProviderCheckView, ProviderInput,
    SendMessageInput, TemplateFill,
};
use wasel_core::domain::{Channel, MessageStatus};
use wasel_core::settings::Language;
use wasel_core::{Wasel, WaselConfig};

#[derive(Parser)]
#[command(name = "wasel", version, about = "Wasel (واصل): messages and integrations hub for day-care centres")]
struct Cli {
    /// Language of messages printed by the CLI (default: the console's saved language).
    #[arg(long, global = true, env = "WASEL_LANG")]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send a message now (queued durably, then dispatched).
    Send {
        #[command(subcommand)]
        channel: SendChannel,
    },
    /// Read the outbox.
    Messages {
        #[command(subcommand)]
        action: MessagesAction,
    },
    /// Run the dispatcher and status poller headless until Ctrl-C.
    Worker,
    /// Receive provider webhooks (head office, behind a public https URL) until Ctrl-C.
    Serve {
        /// Where to listen (put a TLS proxy for the public URL in front).
        #[arg(long, default_value = "127.0.0.1:8780")]
        bind: String,
        /// The https URL providers call, as they sign it (e.g. https://hub.example.sa).
        #[arg(long, env = "WASEL_PUBLIC_URL")]
        public_url: String,
        /// Also run the dispatcher and status poller in this process.
        #[arg(long)]
        worker: bool,
    },
    /// Providers: credentials (secrets go to the OS keychain), failover order, checks.
    Providers {
        #[command(subcommand)]
        action: ProvidersAction,
    },
    /// WhatsApp templates and their approval status.
    Templates {
        /// Fetch them from the providers first.
        #[arg(long)]
        refresh: bool,
        #[arg(long)]
        json: bool,
    },
    /// The sandbox inbox: what each recipient would have seen.
    Inbox {
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Sandbox only: a guardian's reply arriving through the provider (opens the WhatsApp window).
    Reply {
        #[arg(long, default_value = "whatsapp")]
        channel: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        text: String,
    },
    /// Run the provider simulators standalone on loopback.
    Sim {
        #[arg(long, default_value_t = 8700)]
        port: u16,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Measure (JSON on stdout).
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Enqueue and dispatch throughput and latency of the outbox, with raw baselines.
    Outbox {
        #[arg(long, default_value = "sqlite")]
        backend: String,
        #[arg(long, default_value_t = 10_000)]
        messages: usize,
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Messages sent at a steady 100 msg/s for the latency figures.
        #[arg(long, default_value_t = 1_000)]
        latency_messages: usize,
        /// A PostgreSQL server for `--backend postgres` (a throwaway database is created on it).
        #[arg(long, env = "WASEL_BENCH_PG_URL")]
        database_url: Option<String>,
    },
}

#[derive(clap::Args)]
struct SendCommon {
    /// A guardian's id: their number, email or devices are used when no address is given.
    #[arg(long)]
    guardian: Option<String>,
    /// A repeat with the same key returns the first message instead of sending twice.
    #[arg(long)]
    key: Option<String>,
    /// Wait until this status (or a final one): queued (do not wait), sent, delivered.
    #[arg(long, default_value = "sent")]
    wait: String,
    /// Send later (RFC 3339, e.g. 2026-11-26T06:00:00Z).
    #[arg(long)]
    send_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Expire instead of sending after this time (RFC 3339).
    #[arg(long)]
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Ignore quiet hours.
    #[arg(long)]
    urgent: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum SendChannel {
    /// An SMS to a mobile number in any common Saudi form.
    Sms {
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        body: String,
        #[command(flatten)]
        common: SendCommon,
    },
    /// A WhatsApp message: an approved template (`--template name --param …`) or free text
    /// (`--body`, only within 24 hours of the guardian's last message).
    Whatsapp {
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long, default_value = "")]
        body: String,
        #[arg(long)]
        template: Option<String>,
        #[arg(long, default_value = "ar")]
        language: String,
        #[arg(long = "param")]
        params: Vec<String>,
        #[command(flatten)]
        common: SendCommon,
    },
    /// An email: text, optional HTML, attachments.
    Email {
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        html: Option<String>,
        /// A file to attach (repeatable).
        #[arg(long = "attach")]
        attachments: Vec<std::path::PathBuf>,
        #[command(flatten)]
        common: SendCommon,
    },
    /// A push notification to each registered device of a guardian (`--guardian`), in each
    /// device's language when an English version is given.
    Push {
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        title_en: Option<String>,
        #[arg(long)]
        body_en: Option<String>,
        #[command(flatten)]
        common: SendCommon,
    },
    /// A voice call that speaks the text (Arabic or English).
    Voice {
        #[arg(long, default_value = "")]
        to: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        language: Option<String>,
        #[command(flatten)]
        common: SendCommon,
    },
}

#[derive(Subcommand)]
enum ProvidersAction {
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

#[derive(Subcommand)]
enum MessagesAction {
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One message with its timeline.
    Show { id: String },
    /// Messages whose outcome is unknown and wait for an operator.
    Attention {
        #[arg(long)]
        json: bool,
    },
    /// Stop a queued, scheduled or unknown message (audited).
    Cancel { id: String },
    /// Send a message waiting for its retry now (audited).
    Retry { id: String },
    /// Send an unknown message again, after checking it did not arrive (audited).
    Resend { id: String },
    /// Close an unknown message without sending, after checking it arrived (audited).
    Dismiss { id: String },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("WASEL_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wasel: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    let lang_flag = cli.lang.clone();
    match dispatch(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Core(e, lang)) => {
            let lang = lang_flag.unwrap_or_else(|| lang.as_str().to_owned());
            eprintln!("wasel: {} [{}]", e.payload().localized(&lang), e.code());
            tracing::debug!(error = %e, "details");
            ExitCode::from(2)
        }
        Err(Failure::Other(e)) => {
            eprintln!("wasel: {e:#}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
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
async fn open(kind: &str) -> Result<Wasel, Failure> {
    wasel_sandbox::open(WaselConfig::from_env(kind), wasel_sandbox::url_from_env())
        .await
        .map_err(|e| Failure::Core(e, Language::Ar))
}

async fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Send { channel } => {
            let (input, common) = send_input(channel)?;
            let wait = match common.wait.as_str() {
                "queued" => None,
                "sent" => Some(vec![MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Read]),
                "delivered" => Some(vec![MessageStatus::Delivered, MessageStatus::Read]),
                other => return Err(anyhow::anyhow!("--wait takes queued, sent or delivered, not {other:?}").into()),
            };
            let wasel = open("cli").await?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
            announce_sandbox(&wasel, lang).await;
            let mut views =
                wasel.messaging().send_message(input, Some("cli")).await.map_err(|e| Failure::Core(e, lang))?;
            if let Some(mut statuses) = wait {
                statuses.extend([
                    MessageStatus::Failed,
                    MessageStatus::Unknown,
                    MessageStatus::Cancelled,
                    MessageStatus::Expired,
                ]);
                wasel.start_background();
                for view in &mut views {
                    *view = wasel
                        .messaging()
                        .wait_for(&view.id, &statuses, Duration::from_secs(60))
                        .await
                        .map_err(|e| Failure::Core(e, lang))?;
                }
                wasel.stop().await;
            }
            print_messages(&views, common.json, lang);
            Ok(())
        }
        Command::Providers { action } => {
            let wasel = open("cli").await?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
            let core = |e| Failure::Core(e, lang);
            let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "operator".into()));
            let list = match action {
                ProvidersAction::List { json } => {
                    let list = wasel.providers().list_providers().await.map_err(core)?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&list).context("json")?);
                        return Ok(());
                    }
                    list
                }
                ProvidersAction::Set { id, fields, secrets, rate_per_sec, unit_price_halalas } => {
                    let mut map = std::collections::BTreeMap::new();
                    for f in fields {
                        let (k, v) =
                            f.split_once('=').with_context(|| format!("--field takes key=value, not {f:?}"))?;
                        map.insert(k.to_owned(), v.to_owned());
                    }
                    for k in secrets {
                        eprint!("{k}: ");
                        let mut line = String::new();
                        std::io::stdin().read_line(&mut line).context("reading a secret from stdin")?;
                        map.insert(k, line.trim_end_matches(['\r', '\n']).to_owned());
                    }
                    let input = ProviderInput { id, fields: map, rate_per_sec, unit_price_halalas };
                    wasel.providers().save_provider(input, &actor).await.map_err(core)?
                }
                ProvidersAction::Clear { id } => wasel.providers().clear_provider(&id, &actor).await.map_err(core)?,
                ProvidersAction::Order { channel, ids } => {
                    let channel = Channel::parse(&channel).with_context(|| format!("unknown channel {channel:?}"))?;
                    wasel.providers().set_failover_order(channel, ids, &actor).await.map_err(core)?
                }
                ProvidersAction::Test { id } => {
                    print_check(&wasel.providers().test_provider(&id).await.map_err(core)?, lang);
                    return Ok(());
                }
                ProvidersAction::SendTest { id, to } => {
                    print_check(&wasel.providers().send_provider_test(&id, &to, &actor).await.map_err(core)?, lang);
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
        Command::Templates { refresh, json } => {
            let wasel = open("cli").await?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
            let core = |e| Failure::Core(e, lang);
            let list = if refresh {
                wasel.providers().refresh_whatsapp_templates().await.map_err(core)?
            } else {
                wasel.providers().whatsapp_templates().await.map_err(core)?
            };
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
        Command::Inbox { channel, json } => {
            let wasel = open("cli").await?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
            let channel = match channel {
                Some(c) => Some(Channel::parse(&c).with_context(|| format!("unknown channel {c:?}"))?),
                None => None,
            };
            let items = wasel.sandbox_inbox().list(channel).await.map_err(|e| Failure::Core(e, lang))?;
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
                        i.title.map(|t| format!("[{t}] ")).unwrap_or_default()
                            + &i.text.chars().take(60).collect::<String>()
                    );
                }
            }
            Ok(())
        }
        Command::Reply { channel, from, text } => {
            let wasel = open("cli").await?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
            let channel = Channel::parse(&channel).with_context(|| format!("unknown channel {channel:?}"))?;
            wasel
                .sandbox_inbox()
                .reply(InboundInput { channel, from, text, provider: None })
                .await
                .map_err(|e| Failure::Core(e, lang))?;
            Ok(())
        }
        Command::Serve { bind, public_url, worker } => {
            // No sandbox: a public receiver never trusts the simulators' well-known secrets.
            let wasel =
                Wasel::open(WaselConfig::from_env("serve")).await.map_err(|e| Failure::Core(e, Language::Ar))?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
            let url = wasel_server::serve(&wasel, &bind, &public_url).await.map_err(|e| Failure::Core(e, lang))?;
            let tasks = if worker { wasel.start_background() } else { Vec::new() };
            eprintln!("webhooks on {url} (public {public_url}); Ctrl-C to stop");
            tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
            wasel.stop().await;
            for t in tasks {
                let _ = t.await;
            }
            Ok(())
        }
        Command::Messages { action } => {
            let wasel = open("cli").await?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
            let core = |e| Failure::Core(e, lang);
            let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "operator".into()));
            let (id, op) = match action {
                MessagesAction::List { status, limit, json } => {
                    let status = match status.as_deref() {
                        None => None,
                        Some(s) => Some(MessageStatus::parse(s).with_context(|| format!("unknown status {s:?}"))?),
                    };
                    let filter = MessageFilter { status, limit: Some(limit), ..MessageFilter::default() };
                    let list = wasel.messaging().list_messages(filter).await.map_err(core)?;
                    print_messages(&list, json, lang);
                    return Ok(());
                }
                MessagesAction::Show { id } => {
                    let m = wasel.messaging().message(&id).await.map_err(core)?;
                    print_messages(std::slice::from_ref(&m), false, lang);
                    for e in wasel.messaging().message_timeline(&id).await.map_err(core)? {
                        println!(
                            "  {}  {:<9}  {:<8}  {}",
                            e.at.format("%Y-%m-%d %H:%M:%S%.3f"),
                            e.status.as_str(),
                            e.source.as_str(),
                            e.detail.unwrap_or_default()
                        );
                    }
                    return Ok(());
                }
                MessagesAction::Attention { json } => {
                    print_messages(&wasel.messaging().needs_attention().await.map_err(core)?, json, lang);
                    return Ok(());
                }
                MessagesAction::Cancel { id } => (id, OperatorAction::Cancel),
                MessagesAction::Retry { id } => (id, OperatorAction::RetryNow),
                MessagesAction::Resend { id } => (id, OperatorAction::Resend),
                MessagesAction::Dismiss { id } => (id, OperatorAction::Dismiss),
            };
            let m = wasel.messaging().act_on_message(&id, op, &actor).await.map_err(core)?;
            print_messages(&[m], false, lang);
            Ok(())
        }
        Command::Bench { what: BenchWhat::Outbox { backend, messages, workers, latency_messages, database_url } } => {
            let opts = bench::BenchOptions { backend, postgres_url: database_url, messages, workers, latency_messages };
            let report = bench::outbox(opts).await.map_err(|e| Failure::Core(e, Language::En))?;
            println!("{}", serde_json::to_string(&report).context("report")?);
            Ok(())
        }
        Command::Worker => {
            let wasel = open("worker").await?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
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
        Command::Sim { port } => {
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
            println!(
                "  msegat: user {} key {}",
                wasel_sim::msegat::SANDBOX_USERNAME,
                wasel_sim::msegat::SANDBOX_API_KEY
            );
            println!(
                "  meta: phone number {} token {} app secret {}",
                wasel_sim::meta::SANDBOX_PHONE_NUMBER_ID,
                wasel_sim::meta::SANDBOX_ACCESS_TOKEN,
                wasel_sim::meta::SANDBOX_APP_SECRET
            );
            println!("  smtp: {} / {}", wasel_sim::smtp::SANDBOX_USERNAME, wasel_sim::smtp::SANDBOX_PASSWORD);
            println!("  fcm: service account at {}/_sim/fcm/service-account", sim.base_url());
            println!(
                "  onesignal: app {} key {}",
                wasel_sim::onesignal::SANDBOX_APP_ID,
                wasel_sim::onesignal::SANDBOX_API_KEY
            );
            println!("the inboxes: GET {}/_sim/<provider>/messages; wasel inbox reads them all", sim.base_url());
            tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
            sim.shutdown().await;
            Ok(())
        }
        Command::Migrate => {
            let wasel = Wasel::open(WaselConfig::from_env("cli")).await.map_err(|e| Failure::Core(e, Language::Ar))?;
            println!("migrations applied ({:?})", wasel.db().backend());
            Ok(())
        }
    }
}

/// The core's input for a `wasel send …` command.
fn send_input(channel: SendChannel) -> Result<(SendMessageInput, SendCommon), Failure> {
    let blank = |channel: Channel, to: String, body: String, common: &SendCommon| SendMessageInput {
        channel,
        to,
        guardian_id: common.guardian.clone(),
        body,
        idempotency_key: common.key.clone(),
        send_at: common.send_at,
        expires_at: common.expires_at,
        urgent: Some(common.urgent),
        template: None,
        subject: None,
        html: None,
        attachments: Vec::new(),
        language: None,
        subject_en: None,
        body_en: None,
    };
    Ok(match channel {
        SendChannel::Sms { to, body, common } => (blank(Channel::Sms, to, body, &common), common),
        SendChannel::Whatsapp { to, body, template, language, params, common } => {
            let mut input = blank(Channel::Whatsapp, to, body, &common);
            input.template = template.map(|name| TemplateFill { name, language, params });
            (input, common)
        }
        SendChannel::Email { to, subject, body, html, attachments, common } => {
            let mut input = blank(Channel::Email, to, body, &common);
            input.subject = Some(subject);
            input.html = html;
            for path in attachments {
                use base64::Engine;
                let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let content_type = match path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref() {
                    Some("pdf") => "application/pdf",
                    Some("png") => "image/png",
                    Some("jpg" | "jpeg") => "image/jpeg",
                    Some("txt") => "text/plain",
                    _ => "application/octet-stream",
                };
                input.attachments.push(AttachmentInput {
                    filename,
                    content_type: content_type.to_owned(),
                    data_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                });
            }
            (input, common)
        }
        SendChannel::Push { title, body, title_en, body_en, common } => {
            let mut input = blank(Channel::Push, String::new(), body, &common);
            input.subject = Some(title);
            input.subject_en = title_en;
            input.body_en = body_en;
            (input, common)
        }
        SendChannel::Voice { to, body, language, common } => {
            let mut input = blank(Channel::Voice, to, body, &common);
            input.language = match language.as_deref() {
                None => None,
                Some(l) => Some(Language::parse(l).with_context(|| format!("--language takes ar or en, not {l:?}"))?),
            };
            (input, common)
        }
    })
}

fn print_check(check: &ProviderCheckView, lang: Language) {
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

async fn language(wasel: &Wasel, flag: Option<&str>) -> Language {
    if let Some(l) = flag.and_then(Language::parse) {
        return l;
    }
    wasel.settings().status().await.map(|s| s.language).unwrap_or(Language::Ar)
}

async fn announce_sandbox(wasel: &Wasel, lang: Language) {
    if let Ok(status) = wasel.settings().status().await
        && status.sandbox
    {
        let text = wasel_core::i18n::t("cli.sandbox", lang.as_str())
            .replace("%{url}", status.sandbox_url.as_deref().unwrap_or("-"));
        eprintln!("{text}");
    }
}

fn print_messages(list: &[MessageView], json: bool, lang: Language) {
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
