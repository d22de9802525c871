//! Who may do what: the roles, every operation the core offers, and the one table between them
//! (`docs/roles.md` is rendered from it). Each feature operation asks its caller first
//! (`Caller::require`); the buttons the window hides are a courtesy, not the check.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a person does at the centre, as the console knows it. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reception,
    Clinician,
    Admin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Reception, Role::Clinician, Role::Admin, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reception => "reception",
            Role::Clinician => "clinician",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Stored form: `admin,reception` (sorted, no repeats).
    pub fn join(roles: &[Role]) -> String {
        let mut sorted = roles.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }

    /// Reads the stored form; a name this version does not know is dropped, never widened.
    pub fn split(stored: &str) -> Vec<Role> {
        let mut roles: Vec<Role> = stored.split(',').filter_map(Role::parse).collect();
        roles.sort();
        roles.dedup();
        roles
    }
}

macro_rules! operations {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal => [$($role:ident),*];)*) => {
        /// Every operation a caller can be allowed or refused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type)]
        pub enum Operation {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant,)*
        }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$variant,)*];

            pub fn parse(name: &str) -> Option<Operation> {
                Operation::ALL.iter().copied().find(|op| op.as_str() == name)
            }

            /// The stable name (`message.send`), used in errors, the audit log and the docs.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Operation::$variant => $name,)*
                }
            }

            /// The roles allowed to do it. The one table of who may do what.
            pub fn roles(self) -> &'static [Role] {
                match self {
                    $(Operation::$variant => &[$(Role::$role),*],)*
                }
            }

            /// What the operation is, in English, for the rendered table.
            pub fn describe(self) -> &'static str {
                match self {
                    $(Operation::$variant => concat!($($doc),*),)*
                }
            }
        }
    };
}

operations! {
    /// Preview a message (segments, cost, template) before sending.
    ComposeMessage = "message.compose" => [Reception, Admin];
    /// Send a message on any channel.
    SendMessage = "message.send" => [Reception, Admin];
    /// List messages, their timeline and attempts.
    ViewMessages = "message.view" => [Reception, Clinician, Admin, Auditor];
    /// Cancel, retry now, resend or dismiss a message.
    ActOnMessage = "message.act" => [Reception, Admin];
    /// See families and their devices; search contacts.
    ViewGuardians = "guardian.view" => [Reception, Clinician, Admin, Auditor];
    /// Create and edit contacts (families) and their consent per channel.
    EditContacts = "contact.edit" => [Reception, Admin];
    /// See providers, their order and which fields are filled (never the secrets).
    ViewProviders = "provider.view" => [Admin, Auditor];
    /// Save or clear a provider's credentials and the failover order.
    ManageProviders = "provider.manage" => [Admin];
    /// Check a provider's credentials or send it a test message.
    TestProviders = "provider.test" => [Admin];
    /// Read the outbox and security settings.
    ViewSettings = "settings.view" => [Admin, Auditor];
    /// Change the outbox and security settings.
    ManageSettings = "settings.manage" => [Admin];
    /// Read the sandbox inbox (what families would have received).
    ViewSandbox = "sandbox.view" => [Reception, Clinician, Admin];
    /// Clear the sandbox inbox or simulate a family's reply.
    UseSandbox = "sandbox.use" => [Reception, Admin];
    /// List users; create, disable, reset passwords and assign roles.
    ManageUsers = "user.manage" => [Admin];
    /// Read a beneficiary's national id or iqama number (sealed at rest).
    ViewIdentity = "contact.identity_view" => [Reception, Clinician, Admin];
    /// Set or clear a beneficiary's national id or iqama number.
    EditIdentity = "contact.identity_edit" => [Reception, Admin];
    /// See the data keys and rotate them (re-seal every sensitive value with a new key).
    RotateKeys = "keys.rotate" => [Admin];
    /// Read the audit trail.
    ViewAudit = "audit.view" => [Admin, Auditor];
    /// Export the audit trail as CSV.
    ExportAudit = "audit.export" => [Auditor];
    /// Check the audit trail's hash chain.
    VerifyAudit = "audit.verify" => [Admin, Auditor];
}

/// Where a call came from, written beside each audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Console,
    Cli,
    Api,
    /// Wasel's own background work: the dispatcher, the poller, webhooks, rules.
    System,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Console => "console",
            Origin::Cli => "cli",
            Origin::Api => "api",
            Origin::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Origin::Console, Origin::Cli, Origin::Api, Origin::System].into_iter().find(|o| o.as_str() == s)
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person whose rights a token narrowed to some operations (an API token's scope): both
    /// their current roles and the scope must allow an operation.
    Scoped { id: Uuid, username: String, roles: Vec<Role>, scope: Vec<Operation> },
    /// Wasel itself (`wasel worker`, `wasel serve`'s webhooks, the dispatcher): allowed everything
    /// it is built to do, never reachable from a window or a request.
    System,
    /// A signed-in person, checked against the database when the call began.
    User { id: Uuid, username: String, roles: Vec<Role> },
    /// Nobody signed in yet (the sign-in screen): allowed only what needs no role.
    Anonymous,
}

/// The caller of a core operation: who, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    pub origin: Origin,
}

/// Wasel's own work. Hosts hand it only to headless processes (`wasel worker`, `wasel serve`).
pub static SYSTEM: Caller = Caller { actor: Actor::System, origin: Origin::System };

impl Caller {
    pub fn user(id: Uuid, username: impl Into<String>, roles: Vec<Role>, origin: Origin) -> Self {
        Self { actor: Actor::User { id, username: username.into(), roles }, origin }
    }

    pub fn anonymous(origin: Origin) -> Self {
        Self { actor: Actor::Anonymous, origin }
    }

    /// The same person, allowed only what `scope` also allows.
    pub fn narrowed(self, scope: Vec<Operation>) -> Self {
        match self.actor {
            Actor::User { id, username, roles } | Actor::Scoped { id, username, roles, .. } => {
                Self { actor: Actor::Scoped { id, username, roles, scope }, origin: self.origin }
            }
            other => Self { actor: other, origin: self.origin },
        }
    }

    pub fn may(&self, op: Operation) -> bool {
        match &self.actor {
            Actor::System => true,
            Actor::User { roles, .. } => roles.iter().any(|r| op.roles().contains(r)),
            Actor::Scoped { roles, scope, .. } => scope.contains(&op) && roles.iter().any(|r| op.roles().contains(r)),
            Actor::Anonymous => false,
        }
    }

    /// Refuses with `auth.forbidden` (naming the operation) when the caller's roles do not allow it.
    pub fn require(&self, op: Operation) -> Result<(), crate::error::Error> {
        if self.may(op) {
            Ok(())
        } else if self.actor == Actor::Anonymous {
            Err(crate::error::AuthError::Required.into())
        } else {
            tracing::info!(operation = op.as_str(), by = %self.name(), "refused: role does not allow it");
            Err(crate::error::Error::Forbidden { operation: op.as_str() })
        }
    }

    /// The name written in the audit log: the username, or `system`.
    pub fn name(&self) -> String {
        match &self.actor {
            Actor::System => "system".into(),
            Actor::User { username, .. } | Actor::Scoped { username, .. } => username.clone(),
            Actor::Anonymous => "anonymous".into(),
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User { id, .. } | Actor::Scoped { id, .. } => Some(*id),
            Actor::System | Actor::Anonymous => None,
        }
    }

    /// The operations this caller may do, for the window to show only those.
    pub fn operations(&self) -> Vec<Operation> {
        Operation::ALL.iter().copied().filter(|op| self.may(*op)).collect()
    }
}

/// The table as Markdown: one row per operation, one column per role.
pub fn render_table() -> String {
    let mut out = String::from("| operation | what it is |");
    for r in Role::ALL {
        out.push_str(&format!(" {} |", r.as_str()));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    out.push('\n');
    for op in Operation::ALL {
        out.push_str(&format!("| `{}` | {} |", op.as_str(), op.describe().trim()));
        for r in Role::ALL {
            out.push_str(if op.roles().contains(&r) { " ✓ |" } else { " |" });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn as_role(role: Role) -> Caller {
        Caller::user(Uuid::nil(), "u", vec![role], Origin::Console)
    }

    #[test]
    fn a_reception_user_sends_but_cannot_manage_users_or_read_the_audit() {
        let reception = as_role(Role::Reception);
        assert!(reception.may(Operation::SendMessage));
        assert!(!reception.may(Operation::ManageUsers));
        assert!(!reception.may(Operation::ViewAudit));
        assert_eq!(reception.require(Operation::ManageUsers).unwrap_err().code(), "auth.forbidden");
    }

    #[test]
    fn an_auditor_reads_but_cannot_send() {
        let auditor = as_role(Role::Auditor);
        assert!(auditor.may(Operation::ViewMessages) && auditor.may(Operation::ViewAudit));
        assert!(!auditor.may(Operation::SendMessage) && !auditor.may(Operation::ActOnMessage));
    }

    #[test]
    fn several_roles_add_up() {
        let both = Caller::user(Uuid::nil(), "u", vec![Role::Clinician, Role::Auditor], Origin::Cli);
        assert!(both.may(Operation::ViewAudit) && both.may(Operation::ViewSandbox));
        assert!(!both.may(Operation::SendMessage));
    }

    #[test]
    fn every_operation_has_a_role_and_a_description_and_a_unique_name() {
        let mut names = std::collections::BTreeSet::new();
        for op in Operation::ALL {
            assert!(!op.roles().is_empty(), "{op:?} has no role");
            assert!(!op.describe().trim().is_empty(), "{op:?} has no description");
            assert!(names.insert(op.as_str()), "{} twice", op.as_str());
        }
    }

    #[test]
    fn stored_roles_round_trip_and_unknown_names_are_dropped() {
        assert_eq!(Role::join(&[Role::Admin, Role::Reception, Role::Admin]), "reception,admin");
        assert_eq!(Role::split("admin, reception,superuser"), vec![Role::Reception, Role::Admin]);
    }
}
