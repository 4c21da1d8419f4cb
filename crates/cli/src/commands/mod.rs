//! One module per subcommand.

pub mod attribution;
pub mod bench;
pub mod costs;
pub mod demo;
pub mod demo_measurement;
pub mod duplicates;
pub mod import;
pub mod opportunities;
pub mod policy;
pub mod rep;
pub mod report;
pub mod report_funnel;
pub mod report_measure;
pub mod routing;
pub mod score;
pub mod segments;
pub mod serve;
pub mod users;
pub mod webhooks;

/// Logs go to stderr: human-readable on a terminal, JSON otherwise (`LEADLINE_LOG` sets the
/// filter, default `info`). Logs never carry personal data (see the logging policy).
pub fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("LEADLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.init();
    } else {
        builder.json().init();
    }
}
