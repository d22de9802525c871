//! `wasel keys …`: the data keys that seal sensitive fields — their status, and rotation.

use crate::output::{Failure, language, open, signed_in};

#[derive(clap::Subcommand)]
pub(crate) enum KeysAction {
    /// The current key and how many values each key still seals.
    Status,
    /// Make a new key current and re-seal every value in batches. Stop it at any point and run
    /// `wasel keys rotate --resume` to finish.
    Rotate {
        #[arg(long, default_value_t = 500)]
        batch: i64,
        /// Finish an earlier rotation without making another key.
        #[arg(long)]
        resume: bool,
    },
}

pub(crate) async fn run(action: KeysAction, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    let result = signed_in(&wasel, lang, async |caller| {
        let identity = wasel.identity(caller);
        match action {
            KeysAction::Status => identity.key_status().await.map(|s| {
                println!("current: {}", s.current.as_deref().unwrap_or("-"));
                for (key, n) in &s.values_per_key {
                    println!("  {key}: {n} values");
                }
                println!("stale: {}", s.stale);
            }),
            KeysAction::Rotate { batch, resume } => identity.rotate_keys(batch, resume).await.map(|r| {
                println!("current: {} ({} values re-sealed in {} batches)", r.key, r.resealed, r.batches);
            }),
        }
    })
    .await?;
    result.map_err(|e| Failure::Core(e, lang))
}
