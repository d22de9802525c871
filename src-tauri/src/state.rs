//! The console's managed state: Wasel, or the reason it could not open (shown translated).

use std::sync::Arc;

use wasel_core::{ErrorPayload, Wasel};

pub enum Console {
    Ready(Arc<Wasel>),
    Failed(ErrorPayload),
}

impl Console {
    pub fn wasel(&self) -> Result<&Wasel, ErrorPayload> {
        match self {
            Console::Ready(w) => Ok(w),
            Console::Failed(e) => Err(e.clone()),
        }
    }
}
