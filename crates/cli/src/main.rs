//! `wasel`: the headless face of Wasel. Each subcommand parses its input, calls `wasel-core`, and
//! prints the result (text, or JSON with `--json`). Errors print translated, with their code.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use wasel_core::api::{MessageFilter, MessageView, OperatorAction, SendSmsInput};
use wasel_core::domain::MessageStatus;
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

#[derive(Subcommand)]
enum SendChannel {
    /// An SMS to a mobile number in any common Saudi form.
    Sms {
        #[arg(long)]
        to: String,
        #[arg(long)]
        body: String,
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

async fn open(kind: &str) -> Result<Wasel, Failure> {
    Wasel::open(WaselConfig::from_env(kind)).await.map_err(|e| Failure::Core(e, Language::Ar))
}

async fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Send { channel: SendChannel::Sms { to, body, key, wait, json, send_at, expires_at, urgent } } => {
            let wait = match wait.as_str() {
                "queued" => None,
                "sent" => Some(vec![MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Read]),
                "delivered" => Some(vec![MessageStatus::Delivered, MessageStatus::Read]),
                other => return Err(anyhow::anyhow!("--wait takes queued, sent or delivered, not {other:?}").into()),
            };
            let wasel = open("cli").await?;
            let lang = language(&wasel, cli.lang.as_deref()).await;
            announce_sandbox(&wasel, lang).await;
            let input = SendSmsInput {
                to,
                body,
                guardian_id: None,
                idempotency_key: key,
                send_at,
                expires_at,
                urgent: Some(urgent),
            };
            let mut view = wasel.send_sms(input, Some("cli")).await.map_err(|e| Failure::Core(e, lang))?;
            if let Some(mut statuses) = wait {
                statuses.extend([
                    MessageStatus::Failed,
                    MessageStatus::Unknown,
                    MessageStatus::Cancelled,
                    MessageStatus::Expired,
                ]);
                wasel.start_background();
                view = wasel
                    .wait_for(&view.id, &statuses, Duration::from_secs(60))
                    .await
                    .map_err(|e| Failure::Core(e, lang))?;
                wasel.stop().await;
            }
            print_messages(&[view], json, lang);
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
                    let list = wasel.list_messages(MessageFilter { status, limit: Some(limit) }).await.map_err(core)?;
                    print_messages(&list, json, lang);
                    return Ok(());
                }
                MessagesAction::Show { id } => {
                    let m = wasel.message(&id).await.map_err(core)?;
                    print_messages(std::slice::from_ref(&m), false, lang);
                    for e in wasel.message_timeline(&id).await.map_err(core)? {
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
                    print_messages(&wasel.needs_attention().await.map_err(core)?, json, lang);
                    return Ok(());
                }
                MessagesAction::Cancel { id } => (id, OperatorAction::Cancel),
                MessagesAction::Retry { id } => (id, OperatorAction::RetryNow),
                MessagesAction::Resend { id } => (id, OperatorAction::Resend),
                MessagesAction::Dismiss { id } => (id, OperatorAction::Dismiss),
            };
            let m = wasel.act_on_message(&id, op, &actor).await.map_err(core)?;
            print_messages(&[m], false, lang);
            Ok(())
        }
        Command::Bench { what: BenchWhat::Outbox { backend, messages, workers, latency_messages, database_url } } => {
            let opts = wasel_core::bench::BenchOptions {
                backend,
                postgres_url: database_url,
                messages,
                workers,
                latency_messages,
            };
            let report = wasel_core::bench::outbox(opts).await.map_err(|e| Failure::Core(e, Language::En))?;
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
            println!("simulators on {}", sim.base_url());
            println!(
                "twilio: account {} token {}",
                wasel_sim::twilio::SANDBOX_ACCOUNT_SID,
                wasel_sim::twilio::SANDBOX_AUTH_TOKEN
            );
            tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
            sim.shutdown().await;
            Ok(())
        }
        Command::Migrate => {
            let mut config = WaselConfig::from_env("cli");
            config.sandbox = false;
            let wasel = Wasel::open(config).await.map_err(|e| Failure::Core(e, Language::Ar))?;
            println!("migrations applied ({:?})", wasel.db().backend());
            Ok(())
        }
    }
}

async fn language(wasel: &Wasel, flag: Option<&str>) -> Language {
    if let Some(l) = flag.and_then(Language::parse) {
        return l;
    }
    wasel.status().await.map(|s| s.language).unwrap_or(Language::Ar)
}

async fn announce_sandbox(wasel: &Wasel, lang: Language) {
    if let Ok(status) = wasel.status().await
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
            m.to,
            m.id,
            m.body.chars().take(40).collect::<String>(),
            error
        );
    }
}
