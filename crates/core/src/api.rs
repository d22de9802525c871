//! What the faces (desktop, CLI, server) send in and get back: plain serialisable views, each
//! defined in its feature's folder and gathered here so a face imports them from one place.

pub use crate::audit_trail::api::*;
pub use crate::contacts::api::*;
pub use crate::domain::{Caller, Operation, OperatorAction, Origin, OutboxSettings, Role, SYSTEM, SecuritySettings};
pub use crate::messaging::api::*;
pub use crate::provider_settings::api::*;
pub use crate::sandbox::api::*;
pub use crate::settings::api::*;
pub use crate::users::api::*;
