//! The traits the hosts implement for the core: what it needs from outside and cannot hold itself.

pub mod sandbox;
