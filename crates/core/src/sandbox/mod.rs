//! The sandbox, as the core sees it: simulators on loopback that stand in for every provider while
//! a channel has no real credentials. The core says what a sandbox provides ([`Sandbox`]); the
//! simulators and their wiring live outside it (`crates/sandbox` over `crates/sim`).

pub mod api;
mod inbox;

use uuid::Uuid;

use crate::context::{Wasel, write};
use crate::domain::SYSTEM;
use crate::error::Result;
pub use crate::ports::sandbox::{Reply, Sandbox, SandboxDevice, SandboxKeys};
pub use crate::providers::registry::Values;
use crate::store::Db;
use crate::store::queries::{channels, guardians};

impl Wasel {
    /// Once the host runs a receiver for the sandbox's callbacks at `url`: routes are rebuilt to
    /// ask for callbacks there, and the simulators are told where it is and which devices exist.
    pub async fn connect_sandbox(&self, url: String) -> Result<()> {
        let Some(sandbox) = self.sandbox.clone() else { return Ok(()) };
        write(&self.webhook_url, Some(url.clone()));
        self.providers(&SYSTEM).load_sandbox_routes().await?;
        let mut devices = Vec::new();
        for g in guardians::list(&self.db).await? {
            for d in channels::devices_of(&self.db, g.id).await? {
                if d.disabled_at.is_none() {
                    devices.push(SandboxDevice { service: d.service, token: d.token, language: d.language });
                }
            }
        }
        sandbox.connect(&url, devices).await;
        Ok(())
    }
}

/// Invented families with reserved-style numbers (0555 00xx xxx), example.com addresses and
/// sandbox push devices, so a new user can try every channel at once. Only ever seeded into an
/// empty sandbox database.
pub(crate) async fn seed_demo_families_if_empty(db: &Db) -> Result<()> {
    const FAMILIES: [(&str, &str, &str, &str, &str); 4] = [
        ("ريم الحربي", "نورة الحربي", "+966555001201", "noura.alharbi@example.com", "ar"),
        ("سلمان القحطاني", "خالد القحطاني", "+966555001202", "khalid.alqahtani@example.com", "ar"),
        ("لين الزهراني", "سارة الزهراني", "+966555001203", "sarah.alzahrani@example.com", "en"),
        ("عمر الدوسري", "فهد الدوسري", "+966555000003", "fahad.aldosari@example.com", "ar"),
    ];
    if guardians::count(db).await? > 0 {
        return Ok(());
    }
    for (n, (child, guardian, phone, email, lang)) in FAMILIES.into_iter().enumerate() {
        let id = guardians::insert_family(db, child, guardian, phone, Some(email), lang).await?;
        let token = format!("sandbox-fcm-{n}-{}", Uuid::now_v7().simple());
        channels::upsert_device(db, id, "fcm", &token, lang, Some("Android")).await?;
        if n == 0 {
            let subscription = Uuid::now_v7().to_string();
            channels::upsert_device(db, id, "onesignal", &subscription, "en", Some("iPad")).await?;
        }
    }
    Ok(())
}
