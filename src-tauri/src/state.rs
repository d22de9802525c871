//! The console's managed state: Wasel (or the reason it could not open, shown translated) and the
//! signed-in session. The session token stays here, in the host: the window never sees it.

use std::sync::{Arc, Mutex};

use wasel_core::api::{Caller, Origin};
use wasel_core::error::AuthError;
use wasel_core::{ErrorPayload, Wasel};

pub struct Console {
    opened: Result<Arc<Wasel>, ErrorPayload>,
    token: Mutex<Option<String>>,
}

impl Console {
    pub fn new(opened: Result<Arc<Wasel>, ErrorPayload>) -> Self {
        Self { opened, token: Mutex::new(None) }
    }

    pub fn wasel(&self) -> Result<&Wasel, ErrorPayload> {
        self.opened.as_deref().map_err(Clone::clone)
    }

    pub fn shared(&self) -> Option<Arc<Wasel>> {
        self.opened.as_ref().ok().cloned()
    }

    /// The signed-in user, checked by the core now (session live, not idle-locked, user enabled).
    pub async fn caller(&self) -> Result<Caller, ErrorPayload> {
        let token = self.token().ok_or_else(|| ErrorPayload::from(wasel_core::Error::from(AuthError::Required)))?;
        Ok(self.wasel()?.auth().authenticate(&token, Origin::Console).await?)
    }

    /// Before anyone signs in: allowed only what needs no role.
    pub fn anonymous() -> Caller {
        Caller::anonymous(Origin::Console)
    }

    pub fn token(&self) -> Option<String> {
        match self.token.lock() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set_token(&self, token: Option<String>) {
        match self.token.lock() {
            Ok(mut t) => *t = token,
            Err(poisoned) => *poisoned.into_inner() = token,
        }
    }
}
