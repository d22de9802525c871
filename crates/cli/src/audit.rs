//! `wasel audit …`: check the hash chain, read and export the trail.

use clap::Subcommand;
use wasel_core::api::AuditFilterInput;

use crate::output::{Failure, language, open, signed_in};

#[derive(clap::Args)]
pub(crate) struct FilterArgs {
    #[arg(long)]
    user: Option<String>,
    /// An action (`user.create`) or a group ending in `.` (`auth.`).
    #[arg(long)]
    action: Option<String>,
    #[arg(long)]
    entity: Option<String>,
    /// First day, YYYY-MM-DD (UTC).
    #[arg(long)]
    from: Option<String>,
    /// Last day, YYYY-MM-DD (UTC).
    #[arg(long)]
    to: Option<String>,
}

impl From<FilterArgs> for AuditFilterInput {
    fn from(a: FilterArgs) -> Self {
        AuditFilterInput {
            user: a.user,
            action: a.action,
            entity: a.entity,
            from: a.from,
            to: a.to,
            ..Default::default()
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum AuditAction {
    /// Check every row's hash and link; names the first broken row (exit 3 when broken).
    Verify,
    /// The newest entries matching the filter.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// The entries matching the filter as CSV on stdout (the export is audited).
    Export {
        #[command(flatten)]
        filter: FilterArgs,
    },
}

pub(crate) async fn run(action: AuditAction, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    let core = |e| Failure::Core(e, lang);
    let result = signed_in(&wasel, lang, async |caller| {
        let trail = wasel.audit_trail(caller);
        match action {
            AuditAction::Verify => trail.verify().await.map(|v| {
                match (v.broken_at, v.problem) {
                    (Some(seq), Some(problem)) => {
                        println!("broken at row {seq} ({problem}); {} rows before it are intact", v.checked);
                    }
                    _ => println!("intact: {} rows", v.checked),
                }
                v.intact
            }),
            AuditAction::List { filter, limit, json } => {
                let filter = AuditFilterInput { limit: Some(limit), ..filter.into() };
                trail.entries(filter).await.map(|rows| {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
                    }
                    for r in rows.iter().filter(|_| !json) {
                        println!(
                            "{:>6}  {}  {:<16} {:<8} {:<22} {} {}",
                            r.seq,
                            r.at.format("%Y-%m-%d %H:%M:%S"),
                            r.actor,
                            r.origin,
                            r.action,
                            r.entity,
                            r.entity_id.as_deref().unwrap_or("")
                        );
                    }
                    true
                })
            }
            AuditAction::Export { filter } => trail.export_csv(filter.into()).await.map(|csv| {
                print!("{csv}");
                true
            }),
        }
    })
    .await?;
    if !result.map_err(core)? {
        return Err(Failure::Found("the audit trail is broken".into()));
    }
    Ok(())
}
