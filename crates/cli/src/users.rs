//! `wasel users …`: the first admin, users and their roles, a CLI token, who am I.

use anyhow::Context;
use clap::Subcommand;
use wasel_core::api::{NewUserInput, Origin, Role, UserView};

use crate::output::{Failure, language, open, read_password, signed_in};

#[derive(Subcommand)]
pub(crate) enum UsersAction {
    /// Create the first admin of a new installation (only while there is no user).
    FirstAdmin {
        username: String,
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// List users and their roles (admin).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Create a user (admin); the password is prompted.
    Create {
        username: String,
        /// reception, clinician, admin, auditor (repeat or comma-separate).
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// Replace a user's roles (admin).
    Roles {
        id: String,
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
    },
    /// Disable a user: signs them out everywhere (admin).
    Disable {
        id: String,
    },
    Enable {
        id: String,
    },
    /// Set a new password for a user (admin); prompted.
    ResetPassword {
        id: String,
    },
    /// Issue a token for scripts (`WASEL_TOKEN`), printed once.
    Token {
        #[arg(long, default_value = "cli")]
        label: String,
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
    /// Who the command runs as, and what they may do.
    Whoami,
}

fn roles(names: &[String]) -> Result<Vec<Role>, Failure> {
    names
        .iter()
        .map(|n| Role::parse(n).with_context(|| format!("unknown role {n:?} (reception, clinician, admin, auditor)")))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(Failure::Other)
}

fn new_password() -> Result<String, Failure> {
    let first = read_password("new password: ")?;
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) && read_password("again: ")? != first {
        return Err(anyhow::anyhow!("the two passwords differ").into());
    }
    Ok(first)
}

pub(crate) async fn run(action: UsersAction, lang_flag: Option<&str>) -> Result<(), Failure> {
    let wasel = open("cli").await?;
    let lang = language(&wasel, lang_flag).await;
    let core = |e| Failure::Core(e, lang);
    if let UsersAction::FirstAdmin { username, display_name } = action {
        let password = new_password()?;
        let input = NewUserInput { username, display_name, password, roles: vec![Role::Admin] };
        let user = wasel.auth().create_first_admin(input, Origin::Cli).await.map_err(core)?;
        print_users(&[user], false);
        return Ok(());
    }
    let result: Result<Vec<UserView>, Failure> = signed_in(&wasel, lang, async |caller| {
        let users = wasel.users(caller);
        Ok(match action {
            UsersAction::FirstAdmin { .. } => Vec::new(),
            UsersAction::List { json } => {
                let list = users.list_users().await.map_err(core)?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&list).context("json")?);
                    return Ok(Vec::new());
                }
                list
            }
            UsersAction::Create { username, roles: names, display_name } => {
                let roles = roles(&names)?;
                let password = new_password()?;
                vec![users.create_user(NewUserInput { username, display_name, password, roles }).await.map_err(core)?]
            }
            UsersAction::Roles { id, roles: names } => vec![users.set_roles(&id, roles(&names)?).await.map_err(core)?],
            UsersAction::Disable { id } => vec![users.set_disabled(&id, true).await.map_err(core)?],
            UsersAction::Enable { id } => vec![users.set_disabled(&id, false).await.map_err(core)?],
            UsersAction::ResetPassword { id } => {
                let password = new_password()?;
                vec![users.reset_password(&id, password).await.map_err(core)?]
            }
            UsersAction::Token { label, days } => {
                let issued = users.issue_token(&label, days).await.map_err(core)?;
                println!("{}", issued.token);
                eprintln!("expires {}", issued.expires_at.format("%Y-%m-%d %H:%M UTC"));
                Vec::new()
            }
            UsersAction::Whoami => {
                println!("{}", caller.name());
                for op in caller.operations() {
                    println!("  {}", op.as_str());
                }
                Vec::new()
            }
        })
    })
    .await?;
    print_users(&result?, false);
    Ok(())
}

fn print_users(list: &[UserView], _json: bool) {
    for u in list {
        let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
        let state = if u.disabled {
            "disabled"
        } else if u.locked_until.is_some() {
            "locked"
        } else {
            "active"
        };
        println!("{}  {:<20} {:<9} {:<30} {}", u.id, u.username, state, roles.join(","), u.display_name);
    }
}
