//! Every lead's qualification findings, fit and engagement scores, grade and rule-made stage
//! changes, kept in step with the team's policy: for the leads a capture touched (inside the
//! capture transaction) and for every lead after a policy change (a rescore).

use std::collections::HashMap;

use leadline_core::Stage;
use leadline_core::assess::{self, Assessment, LeadFacts};
use leadline_core::policy::Policy;
use leadline_core::scoring::EngagementRules;

use crate::capture::bulk::{self, Arg};
use crate::capture::tx::Tx;
use crate::routing::outbox::RouteJobs;
use crate::{Result, new_id};

mod input;
mod mql;
mod read;
mod rescore;
mod touches;

use input::LeadInput;
pub(crate) use touches::{ACTIVITY_SELECT, Touches};

pub use read::{LeadScoring, ScorePoint};
pub use rescore::RescoreReport;

/// A move in either score this large is kept in the score history even when the grade stays.
const HISTORY_STEP: i64 = 5;

/// Re-assesses the leads `ids` inside the caller's transaction: the capture pipeline calls
/// it for the leads a group of events touched.
pub(crate) async fn refresh(
    tx: &mut Tx<'_>,
    ids: &[String],
    now: i64,
    policy: &Policy,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let rules = EngagementRules::new(&policy.scoring);
    let touches = Touches::read(tx, &rules, Some(ids)).await?;
    let leads = input::read_some(tx, ids).await?;
    let mut writes = Writes::default();
    writes.assess(&leads, &touches, &rules, policy, now);
    writes.write(tx).await?;
    mql::promote(tx, Some(ids), now, policy).await?;
    Ok(())
}

impl crate::Store {
    /// Assesses one lead now against the policy in force, without writing anything: the
    /// explanation on the lead page. `None` for a merged lead.
    pub async fn assess_now(&self, lead_id: &str, now: i64) -> Result<Option<Assessment>> {
        let policy = self.policy();
        let rules = EngagementRules::new(&policy.scoring);
        let mut conn = self.pool.acquire().await?;
        let mut tx = Tx::Any(&mut conn);
        let ids = [lead_id.to_owned()];
        let touches = Touches::read(&mut tx, &rules, Some(&ids)).await?;
        let found = tx
            .fetch_optional("SELECT id FROM leads WHERE id = $1", vec![lead_id.into()])
            .await?;
        if found.is_none() {
            return Err(crate::StoreError::NotFound);
        }
        let lead = input::read_some(&mut tx, &ids).await?.pop();
        Ok(lead.map(|l| assess_lead(&l, &touches, &rules, &policy, now)))
    }
}

/// The writes a batch of assessments calls for, made in a few multi-row statements.
#[derive(Default)]
pub(crate) struct Writes {
    scores: Vec<Vec<Arg>>,
    history: Vec<Vec<Arg>>,
    moves: Vec<Vec<Arg>>,
    stage_changes: Vec<Vec<Arg>>,
    /// The outbox: a route job for every lead moved to `mql`.
    routes: RouteJobs,
    /// Leads the rules moved out of the sales funnel, by end reason: their open
    /// assignments end with the move.
    leaving: std::collections::BTreeMap<(&'static str, i64), Vec<String>>,
    /// Leads assessed, leads whose scores or flags changed, stage moves by target stage.
    pub assessed: u64,
    pub changed: u64,
    pub moved: HashMap<&'static str, u64>,
}

/// Assesses one lead with its activities.
fn assess_lead(
    lead: &LeadInput,
    touches: &Touches,
    rules: &EngagementRules<'_>,
    policy: &Policy,
    now: i64,
) -> Assessment {
    let facts = LeadFacts {
        email: lead.email.as_ref(),
        traits: &lead.traits,
        stage: lead.stage,
        requalified: lead.requalified,
        auto_disqualified: lead.auto_disqualified,
    };
    let engagement = rules.score(&touches.tally(rules, &lead.id, now));
    assess::assess(facts, engagement, policy)
}

/// Rows per thread below which assessing in parallel is not worth a thread.
const PARALLEL_MIN: usize = 2_000;

impl Writes {
    /// Assesses rows of [`ASSESS_SELECT`] (on two threads when there are many: a rescore is
    /// bound by this work, not by SQLite) and records what they call for.
    pub(crate) fn assess(
        &mut self,
        leads: &[LeadInput],
        touches: &Touches,
        rules: &EngagementRules<'_>,
        policy: &Policy,
        now: i64,
    ) {
        let run = |part: &[LeadInput]| -> Vec<Assessment> {
            part.iter()
                .map(|l| assess_lead(l, touches, rules, policy, now))
                .collect()
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4);
        let assessed: Vec<Assessment> = if threads > 1 && leads.len() >= PARALLEL_MIN * 2 {
            let size = leads.len().div_ceil(threads);
            std::thread::scope(|s| {
                let handles: Vec<_> = leads
                    .chunks(size)
                    .map(|part| s.spawn(move || run(part)))
                    .collect();
                // A panic in one is a bug; pass it on rather than lose leads silently.
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        } else {
            run(leads)
        };
        for (lead, a) in leads.iter().zip(&assessed) {
            self.record(lead, a, now);
        }
    }

    fn record(&mut self, lead: &LeadInput, a: &Assessment, now: i64) {
        let (id, was) = (lead.id.as_str(), &lead.was);
        self.assessed += 1;
        let flags = a.flags();
        let changed = was.flags != flags
            || was.fit != Some(a.fit_points)
            || was.engagement != Some(a.engagement_points)
            || was.grade.as_deref() != Some(a.grade.as_str());
        if changed {
            self.changed += 1;
            self.scores.push(vec![
                lead.key.clone(),
                flags.into(),
                a.fit_points.into(),
                a.engagement_points.into(),
                a.grade.clone().into(),
                now.into(),
            ]);
            let moved_a_lot = |before: Option<i64>, after: i64| {
                before.is_none_or(|b| (b - after).abs() >= HISTORY_STEP)
            };
            if was.grade.as_deref() != Some(a.grade.as_str())
                || moved_a_lot(was.fit, a.fit_points)
                || moved_a_lot(was.engagement, a.engagement_points)
            {
                self.history.push(vec![
                    new_id().into(),
                    id.into(),
                    now.into(),
                    a.fit_points.into(),
                    a.engagement_points.into(),
                    a.grade.clone().into(),
                    "rules".into(),
                ]);
            }
        }
        if let Some(m) = &a.stage_move {
            self.move_stage(id, lead.stage, m.to, &m.reason, now);
        }
    }

    /// Records a rule-made stage change (no user).
    pub(crate) fn move_stage(&mut self, id: &str, from: Stage, to: Stage, reason: &str, now: i64) {
        *self.moved.entry(to.as_str()).or_default() += 1;
        self.moves.push(vec![
            id.into(),
            to.as_str().into(),
            i64::from(to == Stage::Disqualified).into(),
            now.into(),
        ]);
        self.stage_changes.push(vec![
            new_id().into(),
            id.into(),
            from.as_str().into(),
            to.as_str().into(),
            now.into(),
            Arg::Text(None),
            reason.into(),
        ]);
        if to == Stage::Mql {
            self.routes.push(id, now);
        }
        if let Some(reason) = crate::routing::ending::end_reason(to) {
            self.leaving
                .entry((reason, now))
                .or_default()
                .push(id.to_owned());
        }
    }

    pub(crate) async fn write(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let scores = std::mem::take(&mut self.scores);
        if tx.backend() == crate::Backend::Sqlite {
            // One prepared single-row UPDATE per lead, by rowid (no index lookup), beats a
            // multi-row `UPDATE … FROM (VALUES …)` several times over.
            tx.execute_each(
                "UPDATE leads SET flags = ?2, fit_score = ?3, engagement_score = ?4, grade = ?5, scored_at = ?6 \
                 WHERE rowid = ?1",
                scores,
            )
            .await?;
        } else {
            bulk::update_from_values(
                tx,
                "leads",
                "id, flags, fit_score, engagement_score, grade, scored_at",
                "flags = v.flags, fit_score = v.fit_score, engagement_score = v.engagement_score, grade = v.grade, \
                 scored_at = v.scored_at",
                scores,
            )
            .await?;
        }
        bulk::insert(
            tx,
            "score_history (id, lead_id, at, fit, engagement, grade, cause)",
            "",
            std::mem::take(&mut self.history),
        )
        .await?;
        bulk::update_from_values(
            tx,
            "leads",
            "id, stage, auto_disqualified, updated_at",
            "stage = v.stage, auto_disqualified = v.auto_disqualified, updated_at = v.updated_at",
            std::mem::take(&mut self.moves),
        )
        .await?;
        bulk::insert(
            tx,
            "stage_changes (id, lead_id, from_stage, to_stage, at, by_user, reason)",
            "",
            std::mem::take(&mut self.stage_changes),
        )
        .await?;
        for ((reason, now), ids) in std::mem::take(&mut self.leaving) {
            crate::routing::ending::end_open(tx, &ids, reason, now).await?;
        }
        self.routes.write(tx).await
    }
}
