//! End-to-end tests of the `leadline` binary: real processes, killed and restarted, on
//! SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod attribution;
mod bench_attribution;
mod costs;
mod crash_routing_webhooks;
mod duplicates;
mod followup;
mod funnel;
mod lead_management;
mod opportunities;
mod reliability;
mod rep_day;
mod report_measure;
mod routing;
mod scale_out;
mod score;
mod support;
mod webhooks;
