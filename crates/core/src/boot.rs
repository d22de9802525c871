//! Opening Wasel: the database (migrated), this installation's id, the routes to the sandbox and to
//! the configured providers, the sandbox's demo families. The one place that puts the context and
//! the features together.

use std::sync::{Arc, RwLock};

use crate::context::{Bus, Keys, Wasel, WaselConfig};
use crate::domain::SYSTEM;
use crate::error::{Error, Result};
use crate::outbox::Routes;
use crate::settings::stored;
use crate::store::Db;

impl Wasel {
    pub async fn open(config: WaselConfig) -> Result<Self> {
        let db = match &config.database_url {
            Some(url) => Db::connect(url).await?,
            None => {
                std::fs::create_dir_all(&config.data_dir)
                    .map_err(|e| Error::Internal(format!("cannot create {}: {e}", config.data_dir.display())))?;
                Db::open_sqlite_file(&config.data_dir.join("wasel.db")).await?
            }
        };
        db.migrate().await?;
        let installation = stored::installation_id(&db).await?;
        let outbox = stored::outbox(&db).await?;
        let wasel = Self {
            db,
            secrets: config.secrets,
            installation,
            sandbox: config.sandbox,
            routes: Arc::new(RwLock::new(Routes::default())),
            bus: Bus::new(),
            options: config.options,
            outbox: Arc::new(RwLock::new(outbox)),
            webhook_keys: Arc::new(RwLock::new(Keys::default())),
            webhook_url: RwLock::new(None),
            keychain_error: RwLock::new(None),
            api_key: tokio::sync::OnceCell::new(),
        };
        wasel.providers(&SYSTEM).load_sandbox_routes().await?;
        wasel.providers(&SYSTEM).load_live_routes().await?;
        if wasel.sandbox.is_some() && wasel.is_sandbox() {
            crate::sandbox::seed_demo_families_if_empty(&wasel.db).await?;
        }
        crate::contacts::index_missing(&wasel.db).await?;
        Ok(wasel)
    }
}
