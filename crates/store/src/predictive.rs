//! Predictive scoring on the database's own leads: outcomes read from the lifecycle
//! history, features as of each lead's first sales touch (the leakage guard), a model
//! trained and stored versioned with its cross-validated metrics, probabilities written to
//! every lead, and the score-validation report.

use std::collections::{BTreeMap, HashMap};

use leadline_core::lead_features::{Behaviour, features};
use leadline_core::predict::{
    self, CvOptions, Dataset, Evaluation, Model, Prediction, TrainOptions,
};
use leadline_core::validation::{self, Outcome};
use serde::Serialize;
use sqlx::Row;

use crate::capture::bulk::{self, Arg};
use crate::capture::lead_ops::{lead_row_columns, lead_row_from};
use crate::capture::tx::{DbRow, Tx};
use crate::scores::ACTIVITY_SELECT;
use crate::{Result, Store, StoreError, new_id};

/// Days after which a lead that never reached an opportunity counts as not converted.
pub const UNDECIDED_DAYS: i64 = 90;
const DAY_MS: i64 = 86_400_000;

const FEATURE_SELECT: &str = concat!(
    "SELECT ",
    lead_row_columns!(),
    ", source_channel, created_at, merged_into FROM leads"
);

/// A trained and stored model.
#[derive(Debug, Clone, Serialize)]
pub struct Trained {
    pub version: i64,
    pub evaluation: Evaluation,
    /// Leads that got a probability.
    pub scored: u64,
}

/// The score-validation report: the rule score against outcomes, beside the model's.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreValidation {
    #[serde(flatten)]
    pub rules: validation::Report,
    /// The active model's cross-validated AUC, when there is one.
    pub model_auc: Option<f64>,
    pub model_version: Option<i64>,
}

/// `lead id → (converted, cutoff)` for every live lead whose outcome is known at `now`:
/// converted when it reached an opportunity or a customer; not converted when it was
/// disqualified or recycled, or is older than [`UNDECIDED_DAYS`]. The cutoff is the first
/// sales touch (sal and beyond), else the disqualification, else the end of the window.
async fn outcomes(tx: &mut Tx<'_>, now: i64) -> Result<HashMap<String, (bool, i64)>> {
    let mut firsts: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for r in tx
        .fetch_all(
            "SELECT lead_id, to_stage, MIN(at) AS at FROM stage_changes \
             WHERE to_stage IN ('sal','sql','opportunity','customer','disqualified','recycled') GROUP BY lead_id, to_stage",
            vec![],
        )
        .await?
    {
        firsts
            .entry(r.try_get("lead_id")?)
            .or_default()
            .insert(r.try_get("to_stage")?, r.try_get("at")?);
    }
    let mut out = HashMap::new();
    for r in tx
        .fetch_all(
            "SELECT id, created_at FROM leads WHERE merged_into IS NULL",
            vec![],
        )
        .await?
    {
        let id: String = r.try_get("id")?;
        let created: i64 = r.try_get("created_at")?;
        let f = firsts.get(&id);
        let at = |s: &str| f.and_then(|m| m.get(s).copied());
        let sales_touch = ["sal", "sql", "opportunity", "customer"]
            .iter()
            .filter_map(|s| at(s))
            .min();
        let converted = at("opportunity").or(at("customer")).is_some();
        let lost = at("disqualified").or(at("recycled"));
        let outcome = if converted {
            Some((true, sales_touch.unwrap_or(created)))
        } else if let Some(l) = lost {
            Some((false, sales_touch.map_or(l, |s| s.min(l))))
        } else if now - created >= UNDECIDED_DAYS * DAY_MS {
            Some((
                false,
                sales_touch.unwrap_or(created + UNDECIDED_DAYS * DAY_MS),
            ))
        } else {
            None
        };
        if let Some(o) = outcome {
            out.insert(id, o);
        }
    }
    Ok(out)
}

/// Each lead's behaviour up to its cutoff (`cutoffs`), or up to `now` for every lead.
async fn behaviours(
    tx: &mut Tx<'_>,
    cutoffs: Option<&HashMap<String, (bool, i64)>>,
    now: i64,
) -> Result<HashMap<String, Behaviour>> {
    let mut out: HashMap<String, Behaviour> = HashMap::new();
    tx.scan(ACTIVITY_SELECT, vec![], |r| {
        let (Some(lead), Some(kind)) = (r.text(0)?, r.text(1)?) else {
            return Ok(());
        };
        let cutoff = match cutoffs {
            Some(c) => match c.get(lead) {
                Some((_, at)) => *at,
                None => return Ok(()),
            },
            None => now,
        };
        let (name, at) = (r.text(2)?, r.int(3)?);
        match out.get_mut(lead) {
            Some(b) => b.add(kind, name, at, cutoff),
            None => out
                .entry(lead.to_owned())
                .or_default()
                .add(kind, name, at, cutoff),
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// A row of [`FEATURE_SELECT`] as features at `cutoff`.
fn row_features(
    r: &DbRow,
    behaviour: Option<&Behaviour>,
    cutoff: i64,
) -> Result<(String, BTreeMap<String, String>)> {
    let (id, row) = lead_row_from(r)?;
    let source: Option<String> = r.try_get("source_channel")?;
    let empty = Behaviour::default();
    let f = features(
        row.email.as_ref(),
        &row.traits,
        &row.field_times,
        source.as_deref(),
        behaviour.unwrap_or(&empty),
        cutoff,
    );
    Ok((id, f))
}

impl Store {
    /// Trains a model on the leads whose outcome is known, stores it as the next version
    /// (active), and gives every lead its probability. Too few outcomes: an error saying
    /// how many there are and how many are needed; the rule score stays.
    pub async fn train_from_leads(&self, now: i64, created_by: Option<&str>) -> Result<Trained> {
        let min = self.policy().predictive.min_outcomes as usize;
        let mut conn = self.pool.acquire().await?;
        let mut tx = Tx::Any(&mut conn);
        let known = outcomes(&mut tx, now).await?;
        let behaviour = behaviours(&mut tx, Some(&known), now).await?;
        let ids: Vec<String> = known.keys().cloned().collect();
        let mut rows = Vec::with_capacity(ids.len());
        for r in bulk::select_in(&mut tx, FEATURE_SELECT, "id", &ids).await? {
            let id: String = r.try_get("id")?;
            let Some(&(converted, cutoff)) = known.get(&id) else {
                continue;
            };
            let (_, f) = row_features(&r, behaviour.get(&id), cutoff)?;
            rows.push((f, converted));
        }
        drop(conn);
        let data = Dataset::from_records(rows);
        let options = TrainOptions {
            min_positives: min,
            min_negatives: min,
            ..TrainOptions::default()
        };
        let cv = CvOptions { folds: 5, seed: 42 };
        let evaluation = predict::cross_validate(&data, &options, &cv)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut model =
            predict::train(&data, &options, now).map_err(|e| StoreError::Invalid(e.to_string()))?;
        model.cv = Some(evaluation.clone());
        let version: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM scoring_models")
                .fetch_one(&self.pool)
                .await?;
        let mut t = self.begin_write().await?;
        sqlx::query("UPDATE scoring_models SET active = 0")
            .execute(&mut *t)
            .await?;
        sqlx::query("INSERT INTO scoring_models (id, version, created_at, created_by, model, metrics, active) VALUES ($1,$2,$3,$4,$5,$6,1)")
            .bind(new_id())
            .bind(version)
            .bind(now)
            .bind(created_by)
            .bind(model.to_json())
            .bind(serde_json::to_string(&evaluation).unwrap_or_default())
            .execute(&mut *t)
            .await?;
        t.commit().await?;
        let scored = self.apply_model(now).await?;
        Ok(Trained {
            version,
            evaluation,
            scored,
        })
    }

    /// The active model and its version.
    pub async fn active_model(&self) -> Result<Option<(i64, Model)>> {
        let row = sqlx::query("SELECT version, model FROM scoring_models WHERE active = 1 ORDER BY version DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let json: String = r.try_get("model")?;
        let model = Model::from_json(&json)
            .map_err(|e| StoreError::Corrupt(format!("stored model: {e}")))?;
        Ok(Some((r.try_get("version")?, model)))
    }

    /// Gives every live lead the active model's probability as of `now`; returns how many
    /// changed. Nothing when no model is active.
    pub async fn apply_model(&self, now: i64) -> Result<u64> {
        let Some((_, model)) = self.active_model().await? else {
            return Ok(0);
        };
        let mut conn = self.pool.acquire().await?;
        let mut tx = Tx::Any(&mut conn);
        let behaviour = behaviours(&mut tx, None, now).await?;
        let select = FEATURE_SELECT.replace(" FROM leads", ", probability FROM leads");
        let select = format!("{select} WHERE id > $1 ORDER BY id LIMIT 5000");
        let mut after = String::new();
        let mut changed = 0;
        loop {
            let rows = tx
                .fetch_all(
                    &select.replace("FROM leads", ", probability FROM leads"),
                    vec![after.as_str().into()],
                )
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("id")?;
            let mut updates = Vec::new();
            for r in &rows {
                let merged: Option<String> = r.try_get("merged_into")?;
                if merged.is_some() {
                    continue;
                }
                let (id, f) = row_features(r, behaviour.get(&r.try_get::<String>("id")?), now)?;
                let p = model.predict(&f).probability_0_to_100.round() as i64;
                let was: Option<i64> = r.try_get("probability")?;
                if was != Some(p) {
                    updates.push(vec![Arg::from(id), p.into()]);
                }
            }
            changed += updates.len() as u64;
            bulk::update_from_values(
                &mut tx,
                "leads",
                "id, probability",
                "probability = v.probability",
                updates,
            )
            .await?;
        }
        Ok(changed)
    }

    /// The active model's prediction for one lead now, with its top factors.
    pub async fn predict_now(&self, lead_id: &str, now: i64) -> Result<Option<Prediction>> {
        let Some((_, model)) = self.active_model().await? else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await?;
        let mut tx = Tx::Any(&mut conn);
        let ids = [lead_id.to_owned()];
        let mut b = Behaviour::default();
        for r in bulk::select_in(&mut tx, ACTIVITY_SELECT, "lead_id", &ids).await? {
            let kind: String = r.try_get("type")?;
            let name: Option<String> = r.try_get("name")?;
            b.add(&kind, name.as_deref(), r.try_get("occurred_at")?, now);
        }
        let Some(r) = bulk::select_in(&mut tx, FEATURE_SELECT, "id", &ids)
            .await?
            .pop()
        else {
            return Err(StoreError::NotFound);
        };
        let (_, f) = row_features(&r, Some(&b), now)?;
        Ok(Some(model.predict(&f)))
    }

    /// The score-validation report at `now`: each lead with a known outcome, scored as it
    /// was at its cutoff (the last score-history entry before it, else its score now).
    pub async fn score_validation(&self, now: i64) -> Result<ScoreValidation> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = Tx::Any(&mut conn);
        let known = outcomes(&mut tx, now).await?;
        let mut history: HashMap<String, Vec<(i64, i64, String)>> = HashMap::new();
        for r in tx
            .fetch_all(
                "SELECT lead_id, at, fit, engagement, grade FROM score_history",
                vec![],
            )
            .await?
        {
            let fit: i64 = r.try_get("fit")?;
            let eng: i64 = r.try_get("engagement")?;
            history.entry(r.try_get("lead_id")?).or_default().push((
                r.try_get("at")?,
                fit + eng,
                r.try_get("grade")?,
            ));
        }
        let ids: Vec<String> = known.keys().cloned().collect();
        let mut rows = Vec::new();
        for r in bulk::select_in(
            &mut tx,
            "SELECT id, fit_score, engagement_score, grade FROM leads",
            "id",
            &ids,
        )
        .await?
        {
            let id: String = r.try_get("id")?;
            let Some(&(converted, cutoff)) = known.get(&id) else {
                continue;
            };
            let before = history.get(&id).and_then(|h| {
                h.iter()
                    .filter(|(at, _, _)| *at <= cutoff)
                    .max_by_key(|(at, _, _)| *at)
            });
            let (score, grade) = match before {
                Some((_, s, g)) => (*s as f64, g.clone()),
                None => {
                    let fit: Option<i64> = r.try_get("fit_score")?;
                    let eng: Option<i64> = r.try_get("engagement_score")?;
                    let grade: Option<String> = r.try_get("grade")?;
                    (
                        fit.unwrap_or(0) as f64 + eng.unwrap_or(0) as f64,
                        grade.unwrap_or_else(|| "unscored".into()),
                    )
                }
            };
            rows.push(Outcome {
                score,
                grade,
                converted,
            });
        }
        let model = sqlx::query("SELECT version, metrics FROM scoring_models WHERE active = 1 ORDER BY version DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        let (model_version, model_auc) = match model {
            Some(m) => {
                let metrics: String = m.try_get("metrics")?;
                let auc = serde_json::from_str::<serde_json::Value>(&metrics)
                    .ok()
                    .and_then(|v| v["auc"].as_f64());
                (Some(m.try_get("version")?), auc)
            }
            None => (None, None),
        };
        Ok(ScoreValidation {
            rules: validation::report(&rows),
            model_auc,
            model_version,
        })
    }
}
