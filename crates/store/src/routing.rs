//! Routing sales-ready leads to reps (issue 5): the `route` outbox, the worker pass that turns
//! its jobs into assignments, and the "test this lead" preview. The decisions themselves are
//! `leadline_core::routing`'s pure functions; this module gathers their inputs and writes
//! their results.

pub(crate) mod outbox;

pub use outbox::ROUTE_JOB;
