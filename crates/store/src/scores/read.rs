//! Reading a lead's scores back: the explanation shown on the lead page and in the API, and
//! the score history.

use leadline_core::assess::Explanation;
use leadline_core::time::{ms, opt_ms};
use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store, StoreError};

/// A lead's qualification and scores, each explained.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadScoring {
    /// Qualification reason codes (`free_mail`, `student`, …).
    pub flags: Vec<String>,
    pub fit: Option<i64>,
    pub engagement: Option<i64>,
    pub grade: Option<String>,
    pub probability: Option<i64>,
    /// Findings and the contributions behind each score (`{"findings","fit","engagement"}`),
    /// worked out now against the policy in force (engagement decays between rescores).
    #[schema(value_type = Object)]
    pub explanation: Explanation,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub scored_at: Option<i64>,
    /// Set when a person requalified the lead: rules then only flag it.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub requalified_at: Option<i64>,
    pub history: Vec<ScorePoint>,
    /// The active predictive model's view now: probability and the factors behind it.
    #[schema(value_type = Option<Object>)]
    pub prediction: Option<leadline_core::predict::Prediction>,
}

/// One entry of the score history (a grade change or a move of five points or more).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScorePoint {
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub at: i64,
    pub fit: i64,
    pub engagement: i64,
    pub grade: String,
    pub probability: Option<i64>,
    pub cause: String,
}

impl Store {
    /// A lead's scores, explanation and history (newest last).
    pub async fn lead_scoring(&self, lead_id: &str) -> Result<LeadScoring> {
        let r = sqlx::query(
            "SELECT flags, fit_score, engagement_score, grade, probability, scored_at, requalified_at FROM leads WHERE id = $1",
        )
        .bind(lead_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let flags: String = r.try_get("flags")?;
        let explanation = self
            .assess_now(lead_id, crate::now_ms())
            .await?
            .map(|a| a.explanation())
            .unwrap_or_default();
        let history = sqlx::query(
            "SELECT at, fit, engagement, grade, probability, cause FROM score_history WHERE lead_id = $1 ORDER BY at, id",
        )
        .bind(lead_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|h| {
            Ok(ScorePoint {
                at: h.try_get("at")?,
                fit: h.try_get("fit")?,
                engagement: h.try_get("engagement")?,
                grade: h.try_get("grade")?,
                probability: h.try_get("probability")?,
                cause: h.try_get("cause")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(LeadScoring {
            flags: flags
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
            fit: r.try_get("fit_score")?,
            engagement: r.try_get("engagement_score")?,
            grade: r.try_get("grade")?,
            probability: r.try_get("probability")?,
            explanation,
            scored_at: r.try_get("scored_at")?,
            requalified_at: r.try_get("requalified_at")?,
            history,
            prediction: self.predict_now(lead_id, crate::now_ms()).await?,
        })
    }

    /// How many live leads carry each qualification reason code, most common first.
    pub async fn flag_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT flags, COUNT(*) FROM leads WHERE merged_into IS NULL AND flags <> '' GROUP BY flags",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
        for (flags, n) in rows {
            for f in flags.split(',').filter(|f| !f.is_empty()) {
                *counts.entry(f.to_owned()).or_default() += n;
            }
        }
        let mut out: Vec<(String, i64)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }
}
