//! `leadline policy …`, `leadline rescore`, `leadline stage`: the lead-management policy
//! (qualification, scoring, MQL definition) and the moves it makes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use leadline_core::Stage;
use leadline_core::policy::Policy;
use leadline_store::Store;

#[derive(clap::Subcommand)]
pub enum PolicyCommand {
    /// Print the policy in force, as TOML (a starting point for leadline.toml).
    Show,
    /// Check a policy file without applying it.
    Check { file: PathBuf },
    /// Apply a policy file (leadline.toml) and rescore every lead.
    Apply {
        file: PathBuf,
        /// Save the policy but leave existing leads until the next rescore.
        #[arg(long)]
        no_rescore: bool,
    },
}

/// Reads and validates a policy file; errors name the file, line and column or setting.
pub fn read_policy(file: &Path) -> anyhow::Result<Policy> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    Policy::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

pub async fn policy(store: Store, cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Show => print!("{}", store.policy().to_toml()),
        PolicyCommand::Check { file } => {
            read_policy(&file)?;
            eprintln!("{}: ok", file.display());
        }
        PolicyCommand::Apply { file, no_rescore } => {
            let policy = read_policy(&file)?;
            store.set_policy(policy).await?;
            eprintln!("{}: applied", file.display());
            if !no_rescore {
                return rescore(store).await;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Re-assesses every lead against the policy in force and prints what changed.
pub async fn rescore(store: Store) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let r = store.rescore_all(leadline_store::now_ms()).await?;
    eprintln!(
        "rescored {} leads in {:.1} s: {} changed, {} disqualified, {} requalified, {} became MQL",
        r.leads,
        started.elapsed().as_secs_f64(),
        r.changed,
        r.disqualified,
        r.requalified,
        r.became_mql
    );
    Ok(ExitCode::SUCCESS)
}

/// Options of `leadline stage`.
#[derive(clap::Args)]
pub struct StageArgs {
    /// The lead's id.
    lead: String,
    /// subscriber, lead, mql, sal, sql, opportunity, customer, disqualified or recycled.
    stage: String,
    /// Why (required; kept in the lead's history).
    #[arg(long)]
    reason: String,
}

/// Moves a lead by hand, with a reason.
pub async fn stage(store: Store, args: StageArgs) -> anyhow::Result<ExitCode> {
    let Some(to) = Stage::parse(&args.stage) else {
        bail!(
            "stage {:?}: expected one of {}",
            args.stage,
            Stage::ALL.map(Stage::as_str).join(", ")
        );
    };
    let from = store
        .change_stage(&args.lead, to, None, &args.reason, leadline_store::now_ms())
        .await
        .map_err(|e| match e {
            leadline_store::StoreError::NotFound => {
                anyhow::anyhow!("lead {}: not found", args.lead)
            }
            e => anyhow::anyhow!("lead {}: {e}", args.lead),
        })?;
    eprintln!("lead {}: {from} → {to}", args.lead);
    Ok(ExitCode::SUCCESS)
}
