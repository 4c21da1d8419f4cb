//! The HTTP contract of the server, exercised over real sockets: Segment-spec ingest, the JSON
//! API, public forms and the web UI. Every test starts its own server on port 0 over a fresh
//! database: an SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set.

mod api;
mod cost_upload;
mod costs;
mod duplicates;
mod forms;
mod funnel;
mod hubspot;
mod identity;
mod ingest;
mod opportunities;
mod opportunity_pages;
mod rep_day;
mod report_pages;
mod reports;
mod routing;
mod scoring;
mod support;
mod ui;
mod webhooks;
