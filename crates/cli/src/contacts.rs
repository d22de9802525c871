//! `wasel contacts …`: find a family as the desk would (any spelling of a name, a phone in any
//! Saudi form, a file number) and show one with its consent and messages.

use crate::output::{Failure, language, open, print_messages, signed_in};

#[derive(clap::Subcommand)]
pub(crate) enum ContactsAction {
    /// Names (any spelling), a phone number or a file number.
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One family: details, consent per channel, the newest messages.
    Show { guardian_id: String },
}

pub(crate) async fn run(action: ContactsAction, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    let result = signed_in(&wasel, lang, async |caller| {
        let contacts = wasel.contacts(caller);
        match action {
            ContactsAction::Search { query, limit, json } => {
                contacts.search(&query.join(" "), Some(limit)).await.map(|list| {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&list).unwrap_or_default());
                        return;
                    }
                    for c in list {
                        println!(
                            "{}  {:<28} {:<18} {:<24} {}",
                            c.guardian_id,
                            c.name,
                            c.phone_display.unwrap_or_default(),
                            c.beneficiary_name.unwrap_or_default(),
                            c.file_number.unwrap_or_default()
                        );
                    }
                })
            }
            ContactsAction::Show { guardian_id } => contacts.family(&guardian_id).await.map(|f| {
                let c = &f.contact;
                println!("{} ({})", c.name, c.name_en.as_deref().unwrap_or("-"));
                println!(
                    "  phone {}  email {}",
                    c.phone_display.as_deref().unwrap_or("-"),
                    c.email.as_deref().unwrap_or("-")
                );
                println!(
                    "  beneficiary {}  file {}",
                    c.beneficiary_name.as_deref().unwrap_or("-"),
                    c.file_number.as_deref().unwrap_or("-")
                );
                for consent in &f.consents {
                    let state = if consent.opted_in { "in" } else { "out" };
                    println!(
                        "  consent {:<8} {state:<3} ({}, {})",
                        consent.channel.as_str(),
                        consent.source,
                        consent.changed_by
                    );
                }
                print_messages(&f.messages, false, lang);
            }),
        }
    })
    .await?;
    result.map_err(|e| Failure::Core(e, lang))
}
