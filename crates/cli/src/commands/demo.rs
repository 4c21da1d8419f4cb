//! `leadline demo` and `serve --demo`: the demo company.

use std::process::ExitCode;

use leadline_store::Store;

pub const DEFAULT_LEADS: usize = 5_000;
pub const DEFAULT_SEED: u64 = 42;

/// Options of `leadline demo`.
#[derive(clap::Args)]
pub struct Args {
    /// How many people the demo company has met.
    #[arg(long, default_value_t = DEFAULT_LEADS)]
    leads: usize,
    /// Seed: the same seed always gives the same company.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
}

pub async fn run(store: Store, args: Args) -> anyhow::Result<ExitCode> {
    let (email, password) = fill(&store, args.leads, args.seed).await?;
    eprintln!("demo admin login: {email}");
    println!("{password}");
    Ok(ExitCode::SUCCESS)
}

/// Fills the store with the demo company; returns the admin's email and password.
pub async fn fill(_store: &Store, _leads: usize, _seed: u64) -> anyhow::Result<(String, String)> {
    anyhow::bail!("the demo company generator is not wired in yet")
}
