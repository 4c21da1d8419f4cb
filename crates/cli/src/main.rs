//! `leadline`: the one binary. Thin: parse arguments, call the libraries, report.

use anyhow::Context;
use clap::{Parser, Subcommand};

mod commands;

/// mimalloc instead of glibc malloc: the capture path allocates per value (sqlx's `Any`
/// driver copies each bound value), and glibc's malloc/free took a quarter of an import's
/// time in `perf` (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Self-hosted B2B lead generation and lead management.
#[derive(Parser)]
#[command(name = "leadline", version, about, propagate_version = true)]
struct Cli {
    /// Database URL: sqlite://FILE (default) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "LEADLINE_DB",
        default_value = "sqlite://leadline.db"
    )]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI, the JSON API, public forms and the Segment-spec ingest API.
    Serve(commands::serve::Args),
    /// Fill a database with a realistic, deterministic demo company.
    Demo(commands::demo::Args),
    /// Import leads from a CSV file (tradeshow lists, webinar attendees, CRM exports).
    Import(commands::import::Args),
    /// Predictive scoring: evaluate the trainer on a labelled CSV, or train a model from it.
    Score(commands::score::Args),
    /// Find, review, merge or dismiss likely duplicate people and accounts.
    #[command(subcommand)]
    Duplicates(commands::duplicates::DuplicatesCommand),
    /// Measure ingest, import and lead-list speed against a raw-SQL reference.
    Bench(commands::bench::Args),
    /// Show, check or apply the lead-management policy (leadline.toml).
    #[command(subcommand)]
    Policy(commands::policy::PolicyCommand),
    /// Re-assess every lead (qualification, scores, MQL) against the policy in force.
    Rescore,
    /// Move a lead to another lifecycle stage, with a reason.
    Stage(commands::policy::StageArgs),
    /// Saved segments (filter expressions) and their live counts.
    #[command(subcommand)]
    Segment(commands::segments::SegmentCommand),
    /// Export leads (all, or a segment's) as CSV.
    Export(commands::segments::ExportArgs),
    /// Reports: `funnel`, `sources` (lead quality), `compare` (did a program work?),
    /// `attribution` (credit by channel or campaign), `roi` (cost against what it produced),
    /// `followup` (did sales accept and touch the leads in time?).
    #[command(subcommand)]
    Report(commands::report::ReportCommand),
    /// Routing rules: show them, set them from a `[[routing]]` TOML file, preview a lead.
    #[command(subcommand)]
    Routing(commands::routing::RoutingCommand),
    /// Sales reps' working hours and out-of-office windows, and the team calendar.
    #[command(subcommand)]
    Rep(commands::routing::RepCommand),
    /// A rep's actions on a lead: accept, reject, touch, next step.
    #[command(subcommand)]
    Lead(commands::rep::LeadCommand),
    /// Referrals and contacts reps log as leads.
    #[command(subcommand)]
    Referral(commands::rep::ReferralCommand),
    /// Follow-up deadlines: take the due reminders, escalations and reassignments.
    #[command(subcommand)]
    Sla(commands::rep::SlaCommand),
    /// Opportunities (deals): list, show, convert a lead, move stages, contact roles, ROI.
    #[command(subcommand)]
    Opportunity(commands::opportunities::OpportunityCommand),
    /// Webhook endpoints: add, list, ping, remove, and their delivery log.
    #[command(subcommand)]
    Webhook(commands::webhooks::WebhookCommand),
    /// Multi-touch attribution of a path file (first, last, linear, … Markov, Shapley).
    Attribution(commands::attribution::Args),
    /// Marketing costs: add, import an ad platform's CSV export, list.
    #[command(subcommand)]
    Cost(commands::costs::CostCommand),
    /// Dated indirect touches (analyst report, press release, blog post, keynote).
    #[command(subcommand)]
    Marker(commands::costs::MarkerCommand),
    /// UTM → channel rules: show, set from a JSON file, test a touch.
    #[command(subcommand)]
    ChannelRules(commands::costs::ChannelRulesCommand),
    /// Manage users who sign in to the web UI.
    #[command(subcommand)]
    User(commands::users::UserCommand),
    /// Manage API keys for the REST API.
    #[command(subcommand)]
    Apikey(commands::users::ApiKeyCommand),
    /// Manage event sources and their write keys.
    #[command(subcommand)]
    Source(commands::users::SourceCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    commands::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let open = || async {
        leadline_store::Store::open(&cli.db)
            .await
            .with_context(|| format!("opening database {}", redact(&cli.db)))
    };
    match cli.command {
        Command::Serve(args) => commands::serve::run(open().await?, args).await,
        Command::Demo(args) => commands::demo::run(open().await?, args).await,
        Command::Import(args) => commands::import::run(open().await?, args).await,
        Command::Score(args) if args.uses_database() => {
            commands::score::run_db(open().await?, args).await
        }
        Command::Score(args) => commands::score::run(args),
        Command::Webhook(c) => commands::webhooks::run(open().await?, c).await,
        Command::Attribution(args) => commands::attribution::run(args),
        Command::Bench(args) => commands::bench::run(&cli.db, args).await,
        Command::Policy(c) => commands::policy::policy(open().await?, c).await,
        Command::Rescore => commands::policy::rescore(open().await?).await,
        Command::Stage(a) => commands::policy::stage(open().await?, a).await,
        Command::Segment(c) => commands::segments::segment(open().await?, c).await,
        Command::Export(a) => commands::segments::export(open().await?, a).await,
        Command::Report(c) => commands::report::run(open().await?, c).await,
        Command::Duplicates(c) => commands::duplicates::run(open().await?, c).await,
        Command::Routing(c) => commands::routing::routing(open().await?, c).await,
        Command::Rep(c) => commands::routing::rep(open().await?, c).await,
        Command::Lead(c) => commands::rep::lead(open().await?, c).await,
        Command::Referral(c) => commands::rep::referral(open().await?, c).await,
        Command::Sla(c) => commands::rep::sla(open().await?, c).await,
        Command::Opportunity(c) => commands::opportunities::run(open().await?, c).await,
        Command::Cost(c) => commands::costs::cost(open().await?, c).await,
        Command::Marker(c) => commands::costs::marker(open().await?, c).await,
        Command::ChannelRules(c) => commands::costs::channel_rules(open().await?, c).await,
        Command::User(c) => commands::users::user(open().await?, c).await,
        Command::Apikey(c) => commands::users::apikey(open().await?, c).await,
        Command::Source(c) => commands::users::source(open().await?, c).await,
    }
}

/// A database URL fit for messages: any password removed.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
