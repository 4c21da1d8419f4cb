//! `leadline serve`.

use std::io::Write;
use std::process::ExitCode;

use leadline_store::Store;

/// Options of `leadline serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, env = "LEADLINE_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Fill an empty database with the demo company first.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure (set this when serving behind HTTPS).
    #[arg(long, env = "LEADLINE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The lead-management policy file (qualification, scoring, MQL definition), applied on
    /// start when it differs from the stored policy [default: leadline.toml when present].
    /// A file named here must exist.
    #[arg(long, env = "LEADLINE_CONFIG")]
    config: Option<std::path::PathBuf>,
}

/// Applies the policy file (`--config`, else `leadline.toml` when present) when it differs
/// from the stored policy, and queues a rescore.
async fn apply_config(store: &Store, named: Option<&std::path::Path>) -> anyhow::Result<()> {
    let default = std::path::Path::new("leadline.toml");
    let file = match named {
        Some(f) => f,
        None if default.exists() => default,
        None => return Ok(()),
    };
    let policy = super::policy::read_policy(file)?;
    if *store.policy() != policy {
        store.set_policy(policy).await?;
        store
            .enqueue_job("rescore", "{}", leadline_store::now_ms())
            .await?;
        eprintln!(
            "{}: policy applied; every lead will be rescored",
            file.display()
        );
    }
    Ok(())
}

pub async fn run(store: Store, args: Args) -> anyhow::Result<ExitCode> {
    apply_config(&store, args.config.as_deref()).await?;
    let mut login = None;
    if args.demo && store.count_leads().await? > 0 {
        eprintln!(
            "--demo: this database already has leads, so the demo company is not added again; \
             to sign in, use the login printed on the first start, or set a new password with \
             `leadline user passwd EMAIL`"
        );
    } else if args.demo {
        login = Some(
            super::demo::fill(
                &store,
                super::demo::DEFAULT_LEADS,
                super::demo::DEFAULT_SEED,
            )
            .await?,
        );
    }
    let state = leadline_server::AppState::new(store, args.secure_cookies).await?;
    leadline_server::serve(state, &args.addr, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "Leadline listening on http://{addr}");
        if let Some((email, password)) = &login {
            let _ = writeln!(out, "Demo admin login: {email} / {password}");
        }
        let _ = out.flush();
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
