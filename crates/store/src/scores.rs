//! Every lead's qualification findings, fit and engagement scores, grade and rule-made stage
//! changes, kept in step with the team's policy: for the leads a capture touched (inside the
//! capture transaction) and for every lead after a policy change (a rescore).

use std::collections::HashMap;

use leadline_core::Stage;
use leadline_core::assess::{self, Assessment, LeadFacts};
use leadline_core::policy::Policy;
use leadline_core::scoring::{EngagementRules, Tally, Touch};

use crate::capture::bulk::{self, Arg};
use crate::capture::lead_ops::{lead_row_columns, lead_row_from};
use crate::capture::tx::{DbRow, Tx};
use crate::{Result, new_id};

mod mql;
mod read;
mod rescore;

pub use read::{LeadScoring, ScorePoint};
pub use rescore::RescoreReport;

/// The lead columns assessment reads and compares with.
const ASSESS_SELECT: &str = concat!(
    "SELECT ",
    lead_row_columns!(),
    ", merged_into, requalified_at, auto_disqualified, flags, fit_score, engagement_score, grade FROM leads"
);

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
    let mut tallies = Tallies::default();
    for r in bulk::select_in(tx, ACTIVITY_SELECT, "lead_id", ids).await? {
        tally_row(&rules, &mut tallies, &r, now)?;
    }
    let rows = bulk::select_in(tx, ASSESS_SELECT, "id", ids).await?;
    let mut writes = Writes::default();
    writes.assess_rows(&rows, &tallies, &rules, policy, now)?;
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
        let mut tallies = Tallies::default();
        for r in bulk::select_in(&mut tx, ACTIVITY_SELECT, "lead_id", &ids).await? {
            tally_row(&rules, &mut tallies, &r, now)?;
        }
        let Some(row) = bulk::select_in(&mut tx, ASSESS_SELECT, "id", &ids)
            .await?
            .pop()
        else {
            return Err(crate::StoreError::NotFound);
        };
        Ok(assess_row(&row, &tallies, &rules, &policy)?.map(|a| a.assessment))
    }
}

/// Engagement tallies per lead, keyed by the id's 128 bits (ids are UUIDs) with a cheap
/// hash: a rescore looks one up for every activity and every lead.
pub(crate) type Tallies = HashMap<u128, Tally, std::hash::BuildHasherDefault<KeyHasher>>;

/// The 128-bit key of a lead id: the UUID's bits, or an FNV-1a hash of other text.
pub(crate) fn lead_key(id: &str) -> u128 {
    match uuid::Uuid::parse_str(id) {
        Ok(u) => u.as_u128(),
        Err(_) => id
            .bytes()
            .fold(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d_u128, |h, b| {
                (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B)
            }),
    }
}

/// Hashes a 128-bit key already well mixed (UUIDv7's random half) by folding it.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u128(&mut self, k: u128) {
        // The low half holds UUIDv7's random bits; mix both halves anyway.
        self.0 = ((k as u64) ^ ((k >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// What engagement reads of a lead's activities.
pub(crate) const ACTIVITY_SELECT: &str = "SELECT lead_id, type, name, occurred_at FROM activities";

/// Adds one activity row (`lead_id, type, name, occurred_at`) to its lead's tally.
fn tally_row(
    rules: &EngagementRules<'_>,
    tallies: &mut Tallies,
    r: &DbRow,
    now: i64,
) -> Result<()> {
    let lead: Option<String> = r.try_get("lead_id")?;
    let Some(lead) = lead else { return Ok(()) };
    let kind: String = r.try_get("type")?;
    let name: Option<String> = r.try_get("name")?;
    let touch = Touch {
        kind: &kind,
        name: name.as_deref(),
        at: r.try_get("occurred_at")?,
    };
    rules.add(tallies.entry(lead_key(&lead)).or_default(), &touch, now);
    Ok(())
}

/// What a lead had before this assessment.
struct Stored {
    flags: String,
    fit: Option<i64>,
    engagement: Option<i64>,
    grade: Option<String>,
}

/// The writes a batch of assessments calls for, made in a few multi-row statements.
#[derive(Default)]
pub(crate) struct Writes {
    scores: Vec<Vec<Arg>>,
    history: Vec<Vec<Arg>>,
    moves: Vec<Vec<Arg>>,
    stage_changes: Vec<Vec<Arg>>,
    /// Leads assessed, leads whose scores or flags changed, stage moves by target stage.
    pub assessed: u64,
    pub changed: u64,
    pub moved: HashMap<&'static str, u64>,
}

/// One lead assessed, ready to be recorded.
struct Assessed {
    id: String,
    stage: Stage,
    was: Stored,
    assessment: Assessment,
}

/// Assesses one row of [`ASSESS_SELECT`] with its tally; `None` for a merged lead.
fn assess_row(
    r: &DbRow,
    tallies: &Tallies,
    rules: &EngagementRules<'_>,
    policy: &Policy,
) -> Result<Option<Assessed>> {
    let merged: Option<String> = r.try_get("merged_into")?;
    if merged.is_some() {
        return Ok(None);
    }
    let (id, row) = lead_row_from(r)?;
    let requalified: Option<i64> = r.try_get("requalified_at")?;
    let auto: i64 = r.try_get("auto_disqualified")?;
    let facts = LeadFacts {
        email: row.email.as_ref(),
        traits: &row.traits,
        stage: row.stage,
        requalified: requalified.is_some(),
        auto_disqualified: auto != 0,
    };
    let engagement = match tallies.get(&lead_key(&id)) {
        Some(t) => rules.score(t),
        None => rules.score(&Tally::default()),
    };
    let assessment = assess::assess(facts, engagement, policy);
    Ok(Some(Assessed {
        stage: row.stage,
        was: Stored {
            flags: r.try_get("flags")?,
            fit: r.try_get("fit_score")?,
            engagement: r.try_get("engagement_score")?,
            grade: r.try_get("grade")?,
        },
        assessment,
        id,
    }))
}

/// Rows per thread below which assessing in parallel is not worth a thread.
const PARALLEL_MIN: usize = 2_000;

impl Writes {
    /// Assesses rows of [`ASSESS_SELECT`] (on two threads when there are many: a rescore is
    /// bound by this work, not by SQLite) and records what they call for.
    pub(crate) fn assess_rows(
        &mut self,
        rows: &[DbRow],
        tallies: &Tallies,
        rules: &EngagementRules<'_>,
        policy: &Policy,
        now: i64,
    ) -> Result<()> {
        let run = |part: &[DbRow]| -> Result<Vec<Assessed>> {
            let mut out = Vec::with_capacity(part.len());
            for r in part {
                out.extend(assess_row(r, tallies, rules, policy)?);
            }
            Ok(out)
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4);
        let assessed: Vec<Assessed> = if threads > 1 && rows.len() >= PARALLEL_MIN * 2 {
            let size = rows.len().div_ceil(threads);
            std::thread::scope(|s| {
                let handles: Vec<_> = rows
                    .chunks(size)
                    .map(|part| s.spawn(move || run(part)))
                    .collect();
                let mut all = Vec::with_capacity(rows.len());
                for h in handles {
                    let part = h.join().map_err(|_| {
                        crate::StoreError::Corrupt("an assessment thread panicked".into())
                    })??;
                    all.extend(part);
                }
                Ok::<_, crate::StoreError>(all)
            })?
        } else {
            run(rows)?
        };
        for a in &assessed {
            self.record(&a.id, a.stage, &a.was, &a.assessment, now);
        }
        Ok(())
    }

    fn record(&mut self, id: &str, stage: Stage, was: &Stored, a: &Assessment, now: i64) {
        self.assessed += 1;
        let flags = a.flags();
        let changed = was.flags != flags
            || was.fit != Some(a.fit_points)
            || was.engagement != Some(a.engagement_points)
            || was.grade.as_deref() != Some(a.grade.as_str());
        if changed {
            self.changed += 1;
            self.scores.push(vec![
                id.into(),
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
            self.move_stage(id, stage, m.to, &m.reason, now);
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
    }

    pub(crate) async fn write(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        let scores = std::mem::take(&mut self.scores);
        if matches!(tx, Tx::Lite(_)) {
            // SQLite called directly: one prepared single-row UPDATE per lead beats a
            // multi-row `UPDATE … FROM (VALUES …)` several times over.
            for row in scores {
                tx.execute(
                    "UPDATE leads SET flags = $2, fit_score = $3, engagement_score = $4, grade = $5, scored_at = $6 \
                     WHERE id = $1",
                    row,
                )
                .await?;
            }
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
        .await
    }
}
