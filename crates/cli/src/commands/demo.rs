//! `leadline demo` and `serve --demo`: the demo company, written through the capture
//! pipeline like any real touch.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use leadline_core::Stage;
use leadline_core::demo;
use leadline_server::auth;
use leadline_store::catalog::CampaignInput;
use leadline_store::opportunities::{NewOpportunity, StageMove};
use leadline_store::{Capturer, Pipeline, Store, StoreError};

use super::progress::Progress;

pub const DEFAULT_LEADS: usize = 5_000;
pub const DEFAULT_SEED: u64 = 42;
/// Events per capture request while filling.
const CHUNK: usize = 2_000;

/// Options of `leadline demo`.
#[derive(clap::Args)]
pub struct Args {
    /// How many people the demo company has met (1,000,000 for benchmarks).
    #[arg(long, default_value_t = DEFAULT_LEADS)]
    leads: usize,
    /// Seed: the same seed always gives the same company.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
}

pub async fn run(store: Store, args: Args) -> anyhow::Result<ExitCode> {
    let (email, password) = fill(&store, args.leads, args.seed).await?;
    eprintln!(
        "demo admin login: {email}; every demo user has the password on the next line (shown once)"
    );
    println!("{password}");
    Ok(ExitCode::SUCCESS)
}

/// Fills the store with the demo company; returns the admin's email and a new password.
/// Running it on a database that already has the company adds nothing twice: users,
/// campaigns and forms that exist are kept, and events are deduplicated by message id.
pub async fn fill(store: &Store, leads: usize, seed: u64) -> anyhow::Result<(String, String)> {
    // The demo's history ends now; the same seed gives the same company, shifted in time.
    let now = leadline_store::now_ms();
    let company = demo::company(seed, now);
    // Every demo user signs in with the same new password.
    let password = auth::random_token(12);
    let hash = auth::hash_password(&password)?;
    let mut admin = String::new();
    for u in &company.users {
        let is_admin = u.role.as_str() == "admin";
        match store
            .create_user(&u.email.key(), &u.name, u.role.as_str(), Some(&hash))
            .await
        {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e).context("adding demo users"),
        }
        if is_admin {
            admin = u.email.key();
            if let Some((user, _)) = store.user_for_login(&admin).await? {
                store.set_password(&user.id, &hash).await?;
            }
        }
    }
    for c in &company.campaigns {
        let input = CampaignInput {
            name: c.name.clone(),
            channel: c.channel.as_str().to_owned(),
            starts_at: Some(c.start_ms),
            ends_at: Some(c.end_ms),
            budget_minor: Some(c.budget_minor),
            currency: Some(company.currency.clone()),
            utm_source: c.utm.as_ref().and_then(|u| u.source.clone()),
            utm_medium: c.utm.as_ref().and_then(|u| u.medium.clone()),
            utm_campaign: c.utm.as_ref().and_then(|u| u.campaign.clone()),
        };
        match store.create_campaign(&input).await {
            Ok(created) => {
                for (day, amount) in &c.costs {
                    store
                        .add_campaign_cost(&created.id, *day, scaled_cost(*amount, leads), None)
                        .await?;
                }
            }
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e).context("adding demo campaigns"),
        }
    }
    for f in &company.forms {
        match store.create_form(&f.key, &f.name, &f.definition).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e).context("adding demo forms"),
        }
    }
    if store.list_sources().await?.is_empty() {
        for name in &company.sources {
            store.create_source(name, &auth::random_token(24)).await?;
        }
    }
    routing(store, now).await?;
    super::demo_measurement::add(store, leads, now).await?;
    capture_events(store, seed, leads, now).await?;
    sales_outcomes(store, seed, now).await?;
    let t = Instant::now();
    let routed = store.route_pending(leadline_store::now_ms(), 1_000).await?;
    eprintln!(
        "routed the sales-ready leads: {} assigned, {} waiting ({:.1} s)",
        routed.assigned,
        routed.waiting,
        t.elapsed().as_secs_f64()
    );
    Ok((admin, password))
}

/// The demo's routing rules and rep calendars (`demo::routing_rules`), reps by user id; rules
/// a team already set are kept. One AE is out of office this week, so previews show a rep
/// passed over.
async fn routing(store: &Store, now: i64) -> anyhow::Result<()> {
    let users = store.list_users().await?;
    let id = |email: &str| -> anyhow::Result<String> {
        users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .map(|u| u.id.clone())
            .ok_or_else(|| anyhow::anyhow!("demo user {email} is missing"))
    };
    store.reload_policy().await?;
    if store.policy().routing.is_empty() {
        let mut rules = demo::routing_rules();
        for r in &mut rules {
            if let Some(o) = &r.assign.owner {
                r.assign.owner = Some(id(o)?);
            }
            for m in &mut r.assign.members {
                m.rep = id(&m.rep)?;
            }
        }
        store.set_routing_rules(rules).await?;
    }
    for (email, calendar) in demo::rep_calendars() {
        let user = id(&email)?;
        if store.rep_overview(&user).await?.profile.calendar.is_some() {
            continue;
        }
        let away = email.starts_with("noah.kim@");
        let profile = leadline_store::routing::RepProfile {
            calendar: Some(calendar),
            out_of_office_from: away.then_some(now - 86_400_000),
            out_of_office_until: away.then_some(now + 6 * 86_400_000),
        };
        store.set_rep_profile(&user, &profile).await?;
    }
    Ok(())
}

/// Plays the demo sales team: moves the leads it worked through sal, sql, opportunity and
/// customer (or back to recycled), each move by a rep with a reason, never in the future.
async fn sales_outcomes(store: &Store, seed: u64, now: i64) -> anyhow::Result<()> {
    let reps: Vec<String> = store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.role == "sales")
        .map(|u| u.id)
        .collect();
    let workable = leadline_core::filter::parse(r#"stage in ("lead", "mql") and email != """#)
        .map_err(|e| anyhow::anyhow!("demo sales segment: {e}"))?;
    let t = Instant::now();
    let mut cursor = None;
    let mut moves = Vec::new();
    loop {
        let page = store
            .segment_leads(&workable, now, cursor.as_ref(), 1000)
            .await?;
        for l in &page.items {
            let key = l.email.clone().unwrap_or_default().to_lowercase();
            let steps = demo::sales_history(
                seed,
                &key,
                l.fit_score.unwrap_or(0),
                l.engagement_score.unwrap_or(0),
            );
            let is_mql = l.stage == Stage::Mql.as_str();
            moves.push((l.id.clone(), key, l.created_at, is_mql, steps));
        }
        match page.next_cursor() {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    eprintln!(
        "demo sales: {} workable leads read ({:.1} s)",
        moves.len(),
        t.elapsed().as_secs_f64()
    );
    let total = moves.len() as u64;
    let mut progress = Progress::new("demo sales", "leads", total);
    for (i, (id, key, created, is_mql, steps)) in moves.into_iter().enumerate() {
        progress.set(i as u64);
        let rep = reps.get(i % reps.len().max(1)).map(String::as_str);
        for step in &steps {
            let at = created + step.days_after * DAY;
            if at >= now {
                break;
            }
            match step.stage {
                // The rules made it an MQL already (today); the handover is not told twice.
                Stage::Mql if is_mql => {}
                // The rules handed it over, not a rep.
                Stage::Mql => {
                    store
                        .change_stage(&id, step.stage, None, step.reason, at)
                        .await?;
                }
                // The deal's story makes the lead a customer when it is won.
                Stage::Customer => break,
                Stage::Opportunity => {
                    let won_after = steps
                        .iter()
                        .find(|s| s.stage == Stage::Customer)
                        .map(|s| s.days_after - step.days_after);
                    open_deal(store, &id, &key, rep, (seed, at, now), won_after).await?;
                }
                _ => {
                    store
                        .change_stage(&id, step.stage, rep, step.reason, at)
                        .await?;
                }
            }
        }
    }
    progress.finish(total);
    Ok(())
}

const DAY: i64 = 86_400_000;

/// The demo's spend at its size: the company's budgets are set for [`DEFAULT_LEADS`] people,
/// and a bigger demo company meets more people because it spends more, so cost per lead (and
/// ROI) reads the same at any `--leads`.
pub(crate) fn scaled_cost(amount_minor: i64, leads: usize) -> i64 {
    let scaled = i128::from(amount_minor) * leads as i128 / DEFAULT_LEADS as i128;
    i64::try_from(scaled).unwrap_or(i64::MAX)
}

/// Converts the lead into a deal at `at` and plays the deal's story (`demo::deal_plan`)
/// up to `now`: open ones at every stage, won ones (the lead becomes a customer), lost
/// ones with their reasons.
async fn open_deal(
    store: &Store,
    lead: &str,
    key: &str,
    rep: Option<&str>,
    (seed, at, now): (u64, i64, i64),
    won_after: Option<i64>,
) -> anyhow::Result<()> {
    let plan = demo::deal_plan(seed, key, won_after);
    let close = leadline_core::time::rfc3339(at + plan.expected_close_days * DAY);
    let company = store.get_lead(lead).await?.company;
    let new = NewOpportunity {
        lead_id: lead.to_owned(),
        name: company.map(|c| format!("{c} {}", plan.product)),
        amount_minor: Some(plan.amount_minor),
        role: Some(plan.role.as_str().to_owned()),
        expected_close: Some(close.chars().take(10).collect()),
        owner_id: rep.map(str::to_owned),
        ..NewOpportunity::default()
    };
    let o = store
        .convert_to_opportunity(&new, rep, at)
        .await
        .context("opening a demo deal")?;
    for (stage, days) in plan.moves {
        let when = at + days * DAY;
        if when >= now {
            break;
        }
        let mv = StageMove {
            to: stage,
            reason: None,
            lost_reason: plan.lost_reason.map(str::to_owned),
            competitor: plan.competitor.map(str::to_owned),
            amount_minor: None,
        };
        store
            .move_opportunity_stage(&o.id, &mv, rep, when)
            .await
            .context("moving a demo deal")?;
    }
    Ok(())
}

async fn capture_events(store: &Store, seed: u64, leads: usize, now: i64) -> anyhow::Result<()> {
    let capturer = Capturer::start(store.clone());
    let mut pipeline = Pipeline::new(&capturer);
    let mut events = demo::events(seed, leads, now);
    let mut progress = Progress::new("demo capture", "leads", leads as u64);
    let mut sent = 0u64;
    loop {
        let chunk: Vec<_> = events.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        sent += chunk.len() as u64;
        pipeline.push(chunk).await?;
        progress.set(events.leads_done() as u64);
    }
    while let Some(done) = pipeline.next_done().await {
        done?;
    }
    progress.finish(leads as u64);
    eprintln!(
        "demo capture: {sent} events ({:.0} events/s)",
        sent as f64 / progress.elapsed_s().max(1e-9)
    );
    Ok(())
}
