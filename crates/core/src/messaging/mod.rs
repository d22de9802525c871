//! Messaging: what the reception desk does — compose on any channel, follow each message to
//! delivery, act on the ones that need an operator. Reached as `wasel.messaging(&caller)`.

mod actions;
pub mod api;
pub mod checks;
mod compose;
mod messages;
mod preview;
mod views;

pub(crate) use views::to_view;
mod whatsapp;

pub use checks::{placeholder_count, render_placeholders};
pub use whatsapp::WHATSAPP_WINDOW_HOURS;
