//! What every simulator is built from: the `/_sim/<provider>/…` control routes
//! ([`control`]), the request gate in front of each provider API ([`gate`]), and the fault
//! switches it applies (`crate::faults`). A simulator brings only what is its own: the API's
//! paths, fields and error shapes.

pub(crate) mod control;
pub(crate) mod gate;
