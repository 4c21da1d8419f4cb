//! Store contract tests: run on SQLite always, and on PostgreSQL when `TEST_DATABASE_URL`
//! is set (each test gets a fresh database).

mod attribution;
mod capture;
mod costs;
mod duplicate_merges;
mod duplicates;
mod funnel;
mod inbox;
mod jobs;
mod lead_search;
mod opportunities;
mod predictive;
mod rep_day;
mod routing;
mod routing_manage;
mod scoring;
mod segments;
mod sla;
mod support;
mod webhooks;
