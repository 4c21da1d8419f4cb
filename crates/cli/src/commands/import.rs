//! `leadline import FILE.csv`.

use std::process::ExitCode;

use leadline_store::Store;

/// Options of `leadline import`.
#[derive(clap::Args)]
pub struct Args {
    /// The CSV file.
    file: std::path::PathBuf,
}

pub async fn run(_store: Store, args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("{}: CSV import is not wired in yet", args.file.display())
}
