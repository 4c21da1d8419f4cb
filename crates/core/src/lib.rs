//! Leadline's domain core: the vocabulary of lead management and the pure rules over it.
//!
//! Nothing here performs I/O, reads a clock or spawns tasks: time, ids and randomness are
//! arguments, so every rule can be tested exhaustively in-process.

pub mod assess;
pub mod attribution;
pub mod business_hours;
pub mod capture;
pub mod channel;
pub mod channel_rules;
pub mod costs;
pub mod dedupe;
pub mod demo;
pub mod email;
pub mod export;
pub mod filter;
pub mod followup;
pub mod form;
pub mod funnel;
pub mod import;
pub mod journey;
pub mod lead_features;
pub mod lifecycle;
pub mod opportunity;
pub mod parallel;
pub mod period;
pub mod policy;
pub mod predict;
pub mod qualify;
pub mod referral;
pub mod roi;
pub mod routing;
pub mod scoring;
pub mod segment;
pub mod sla;
pub mod stage;
pub mod time;
pub mod validation;
pub mod webhook;

pub use capture::{Activity, CaptureEvent, Traits};
pub use channel::Channel;
pub use email::{Email, EmailError, registrable_domain};
pub use stage::Stage;
