//! `wasel`: the headless face of Wasel. `main` parses the command line and hands each command to
//! its group's file (one per feature group), which calls `wasel-core` and prints the result (text,
//! or JSON with `--json`). Errors print translated, with their code.

mod audit;
#[cfg(feature = "sandbox")]
mod bench;
#[cfg(feature = "sandbox")]
mod bench_api;
#[cfg(feature = "sandbox")]
mod bench_search;
mod contacts;
mod hosting;
mod keys;
mod messages;
mod output;
mod providers;
mod sandbox;
mod send;
mod users;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use output::Failure;

#[derive(Parser)]
#[command(name = "wasel", version, about = "Wasel (واصل): messages and integrations hub for day-care centres")]
struct Cli {
    /// Language of messages printed by the CLI (default: the console's saved language).
    #[arg(long, global = true, env = "WASEL_LANG")]
    lang: Option<String>,
    /// Act as this user (the password is prompted, or read as one line from stdin).
    #[arg(long, global = true, env = "WASEL_USER")]
    user: Option<String>,
    /// Act with a token from `wasel users token` instead of a password.
    #[arg(long, global = true, env = "WASEL_TOKEN", hide_env_values = true)]
    token: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send a message now (queued durably, then dispatched).
    Send {
        #[command(subcommand)]
        channel: send::SendChannel,
    },
    /// Read the outbox.
    Messages {
        #[command(subcommand)]
        action: messages::MessagesAction,
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
        action: providers::ProvidersAction,
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
    #[cfg(feature = "sandbox")]
    Sim {
        #[arg(long, default_value_t = 8700)]
        port: u16,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Users, roles and tokens (the first admin needs no sign-in).
    Users {
        #[command(subcommand)]
        action: users::UsersAction,
    },
    /// Families: search by any spelling of a name, a phone or a file number; show one.
    Contacts {
        #[command(subcommand)]
        action: contacts::ContactsAction,
    },
    /// The data keys that seal national ids and other sensitive fields: status, rotation.
    Keys {
        #[command(subcommand)]
        action: keys::KeysAction,
    },
    /// The audit trail: verify its hash chain, list, export CSV.
    Audit {
        #[command(subcommand)]
        action: audit::AuditAction,
    },
    /// Measure (JSON on stdout).
    #[cfg(feature = "sandbox")]
    Bench {
        #[command(subcommand)]
        what: bench::BenchWhat,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("WASEL_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let _ = output::SIGN_IN.set(output::SignIn { user: cli.user.clone(), token: cli.token.clone() });
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
        Err(Failure::Found(what)) => {
            eprintln!("wasel: {what}");
            ExitCode::from(3)
        }
    }
}

async fn dispatch(cli: Cli) -> Result<(), Failure> {
    let lang = cli.lang.as_deref();
    match cli.command {
        Command::Send { channel } => send::run(channel, lang).await,
        Command::Messages { action } => messages::run(action, lang).await,
        Command::Providers { action } => providers::run(action, lang).await,
        Command::Templates { refresh, json } => providers::templates(refresh, json, lang).await,
        Command::Inbox { channel, json } => sandbox::inbox(channel, json, lang).await,
        Command::Reply { channel, from, text } => sandbox::reply(channel, from, text, lang).await,
        #[cfg(feature = "sandbox")]
        Command::Sim { port } => sandbox::sim(port).await,
        Command::Worker => hosting::worker(lang).await,
        Command::Serve { bind, public_url, worker } => hosting::serve(bind, public_url, worker, lang).await,
        Command::Migrate => hosting::migrate().await,
        Command::Users { action } => users::run(action, lang).await,
        Command::Audit { action } => audit::run(action, lang).await,
        Command::Keys { action } => keys::run(action, lang).await,
        Command::Contacts { action } => contacts::run(action, lang).await,
        #[cfg(feature = "sandbox")]
        Command::Bench { what } => bench::run_command(what).await,
    }
}
