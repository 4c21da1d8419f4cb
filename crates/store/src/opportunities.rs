//! Opportunities: deals with an account, from needs analysis to won or lost (the rules are
//! `leadline_core::opportunity`). Reading here; opening, changing and closing deals in
//! `write.rs` and `close.rs`.

use leadline_core::opportunity::{OppStage, weighted_amount};
use leadline_core::roi::RoiInputs;
use leadline_core::time::{ms, opt_ms};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::page::{Cursor, Page};
use crate::{Result, Store, StoreError};

mod close;
mod parts;
mod write;

pub use close::{StageMove, Won};
pub use write::{NewOpportunity, OppPatch};

/// A deal as the API and UI show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Opportunity {
    pub id: String,
    pub name: String,
    /// `needs_analysis`, `demo`, `proposal`, `negotiation`, `closed_won` or `closed_lost`.
    pub stage: String,
    /// The chance of winning in percent: the rep's override, else the stage's.
    pub probability: i64,
    /// The rep's override; `null` when the stage's default applies.
    pub probability_override: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    /// The amount times the probability: what the deal adds to the weighted pipeline.
    pub weighted_amount_minor: i64,
    pub account_id: Option<String>,
    pub account_domain: Option<String>,
    pub account_name: Option<String>,
    pub primary_lead_id: String,
    pub primary_lead_email: Option<String>,
    pub owner_id: Option<String>,
    pub owner_email: Option<String>,
    /// A calendar day, `2026-03-31`.
    pub expected_close: Option<String>,
    pub next_step: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub next_step_at: Option<i64>,
    pub lost_reason: Option<String>,
    pub competitor: Option<String>,
    /// The needs-analysis notes: pains, goals, process, in the rep's words.
    pub needs_analysis: String,
    pub checklist: Vec<ChecklistItem>,
    #[schema(value_type = Option<Object>)]
    pub roi_inputs: Option<RoiInputs>,
    /// Opens the public ROI page `/roi/{share_token}`; `null` until shared.
    pub share_token: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub updated_at: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub closed_at: Option<i64>,
    /// Revenue: the amount when the deal was won (for attribution and ROI reports).
    pub won_amount_minor: Option<i64>,
}

impl Opportunity {
    /// The stage, parsed (stored values are always valid ones).
    pub fn stage(&self) -> Option<OppStage> {
        OppStage::parse(&self.stage)
    }
}

/// One line of the proposal checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    pub item: String,
    pub done: bool,
}

/// A person in a deal and the part they play.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OppContact {
    pub lead_id: String,
    pub role: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub stage: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub added_at: i64,
}

/// One stage move of a deal (`from` is `null` when the deal was opened).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OppStageChange {
    pub from: Option<String>,
    pub to: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub at: i64,
    pub by_user: Option<String>,
    pub reason: String,
}

/// Filters of the opportunity list; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct OppFilter {
    /// A stage, or `open` for every stage but the closed ones.
    pub stage: Option<String>,
    pub owner: Option<String>,
    pub account: Option<String>,
    pub lead: Option<String>,
}

/// The pipeline of one stage in one currency: deals, their amounts and weighted amounts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PipelineStage {
    pub stage: String,
    pub currency: String,
    pub deals: i64,
    pub amount_minor: i64,
    pub weighted_amount_minor: i64,
}

/// `(from, to, at, by_user, reason)` of a stored stage move.
type StageChangeRow = (Option<String>, String, i64, Option<String>, String);

pub(crate) const OPP_COLUMNS: &str = "o.id, o.name, o.stage, o.probability, o.amount_minor, o.currency, o.account_id, \
    a.domain AS account_domain, a.name AS account_name, o.primary_lead_id, l.email AS primary_lead_email, o.owner_id, \
    u.email AS owner_email, o.expected_close, o.next_step, o.next_step_at, o.lost_reason, o.competitor, o.needs_analysis, \
    o.checklist, o.roi_inputs, o.share_token, o.created_at, o.updated_at, o.closed_at, o.won_amount_minor \
    FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id LEFT JOIN leads l ON l.id = o.primary_lead_id \
    LEFT JOIN users u ON u.id = o.owner_id";

fn opp_from_row(r: &AnyRow) -> Result<Opportunity> {
    let stage: String = r.try_get("stage")?;
    let parsed = OppStage::parse(&stage)
        .ok_or_else(|| StoreError::Corrupt(format!("opportunity stage {stage:?}")))?;
    let over: Option<i64> = r.try_get("probability")?;
    let amount: i64 = r.try_get("amount_minor")?;
    let over_u8 = over.and_then(|p| u8::try_from(p).ok());
    let checklist: String = r.try_get("checklist")?;
    let roi: Option<String> = r.try_get("roi_inputs")?;
    Ok(Opportunity {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        probability: i64::from(over_u8.unwrap_or(parsed.default_probability())),
        probability_override: over,
        weighted_amount_minor: weighted_amount(amount, parsed, over_u8),
        stage,
        amount_minor: amount,
        currency: r.try_get("currency")?,
        account_id: r.try_get("account_id")?,
        account_domain: r.try_get("account_domain")?,
        account_name: r.try_get("account_name")?,
        primary_lead_id: r.try_get("primary_lead_id")?,
        primary_lead_email: r.try_get("primary_lead_email")?,
        owner_id: r.try_get("owner_id")?,
        owner_email: r.try_get("owner_email")?,
        expected_close: r.try_get("expected_close")?,
        next_step: r.try_get("next_step")?,
        next_step_at: r.try_get("next_step_at")?,
        lost_reason: r.try_get("lost_reason")?,
        competitor: r.try_get("competitor")?,
        needs_analysis: r.try_get("needs_analysis")?,
        checklist: serde_json::from_str(&checklist)
            .map_err(|e| StoreError::Corrupt(format!("opportunity checklist: {e}")))?,
        roi_inputs: roi.as_deref().and_then(|j| serde_json::from_str(j).ok()),
        share_token: r.try_get("share_token")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        closed_at: r.try_get("closed_at")?,
        won_amount_minor: r.try_get("won_amount_minor")?,
    })
}

impl Store {
    /// One deal.
    pub async fn get_opportunity(&self, id: &str) -> Result<Opportunity> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OPP_COLUMNS} WHERE o.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        opp_from_row(&row)
    }

    /// The deal whose ROI page `token` opens (the public, signed-out page).
    pub async fn opportunity_by_share_token(&self, token: &str) -> Result<Opportunity> {
        let token = token.trim();
        if token.len() < 16 {
            return Err(StoreError::NotFound);
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OPP_COLUMNS} WHERE o.share_token = $1"
        )))
        .bind(token)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        opp_from_row(&row)
    }

    /// One page of deals matching `filter`, newest first.
    pub async fn list_opportunities(
        &self,
        filter: &OppFilter,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Opportunity>> {
        let mut sql = format!("SELECT {OPP_COLUMNS} WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        let mut add = |cond: &str, v: String, sql: &mut String| {
            args.push(v);
            sql.push_str(&format!(" AND {cond} ${}", args.len()));
        };
        match filter.stage.as_deref().map(str::trim) {
            None | Some("") => {}
            Some("open") => sql.push_str(" AND o.stage NOT IN ('closed_won', 'closed_lost')"),
            Some(s) => {
                let stage = OppStage::parse(s).ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "stage: must be open or one of {}",
                        OppStage::ALL.map(OppStage::as_str).join(", ")
                    ))
                })?;
                add("o.stage =", stage.as_str().to_owned(), &mut sql);
            }
        }
        for (col, v) in [
            ("o.owner_id =", &filter.owner),
            ("o.account_id =", &filter.account),
            ("o.primary_lead_id =", &filter.lead),
        ] {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                add(col, v.to_owned(), &mut sql);
            }
        }
        if let Some(c) = cursor {
            add("o.id <", c.id.clone(), &mut sql);
        }
        sql.push_str(&format!(
            " ORDER BY o.id DESC LIMIT {}",
            limit.min(10_000) + 1
        ));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let items = rows.iter().map(opp_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |o| Cursor {
            key: None,
            id: o.id.clone(),
        }))
    }

    /// The pipeline by stage and currency (every stage, closed ones too, so a page can show
    /// won revenue beside the open pipeline); `owner` narrows it to one rep's deals.
    pub async fn opportunity_pipeline(&self, owner: Option<&str>) -> Result<Vec<PipelineStage>> {
        let mut sql =
            "SELECT stage, currency, amount_minor, probability FROM opportunities".to_owned();
        if owner.is_some() {
            sql.push_str(" WHERE owner_id = $1");
        }
        let mut q = sqlx::query_as::<_, (String, String, i64, Option<i64>)>(AssertSqlSafe(sql));
        if let Some(o) = owner {
            q = q.bind(o.to_owned());
        }
        let mut out: Vec<PipelineStage> = Vec::new();
        for (stage, currency, amount, p) in q.fetch_all(&self.pool).await? {
            let Some(s) = OppStage::parse(&stage) else {
                continue;
            };
            let weighted = weighted_amount(amount, s, p.and_then(|p| u8::try_from(p).ok()));
            let at = match out
                .iter()
                .position(|x| x.stage == stage && x.currency == currency)
            {
                Some(i) => i,
                None => {
                    out.push(PipelineStage {
                        stage,
                        currency,
                        deals: 0,
                        amount_minor: 0,
                        weighted_amount_minor: 0,
                    });
                    out.len() - 1
                }
            };
            let row = &mut out[at];
            row.deals += 1;
            row.amount_minor = row.amount_minor.saturating_add(amount);
            row.weighted_amount_minor = row.weighted_amount_minor.saturating_add(weighted);
        }
        out.sort_by_key(|r| (OppStage::parse(&r.stage), r.currency.clone()));
        Ok(out)
    }

    /// The people in a deal, by role then when they were added.
    pub async fn opportunity_contacts(&self, id: &str) -> Result<Vec<OppContact>> {
        let rows = sqlx::query(
            "SELECT c.lead_id, c.role, c.added_at, l.email, l.first_name, l.last_name, l.title, l.stage \
             FROM opportunity_contacts c JOIN leads l ON l.id = c.lead_id WHERE c.opportunity_id = $1 \
             ORDER BY c.added_at, c.lead_id, c.role",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OppContact {
                    lead_id: r.try_get("lead_id")?,
                    role: r.try_get("role")?,
                    email: r.try_get("email")?,
                    first_name: r.try_get("first_name")?,
                    last_name: r.try_get("last_name")?,
                    title: r.try_get("title")?,
                    stage: r.try_get("stage")?,
                    added_at: r.try_get("added_at")?,
                })
            })
            .collect()
    }

    /// A deal's stage moves, oldest first.
    pub async fn opportunity_stage_changes(&self, id: &str) -> Result<Vec<OppStageChange>> {
        let rows: Vec<StageChangeRow> = sqlx::query_as(
            "SELECT from_stage, to_stage, at, by_user, reason FROM opportunity_stage_changes \
             WHERE opportunity_id = $1 ORDER BY at, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(from, to, at, by_user, reason)| OppStageChange {
                from,
                to,
                at,
                by_user,
                reason,
            })
            .collect())
    }

    /// When the account became a customer (its first won deal); `None` while it is not one.
    pub async fn account_customer_since(&self, account_id: &str) -> Result<Option<i64>> {
        let v: Option<Option<i64>> =
            sqlx::query_scalar("SELECT customer_since FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        v.ok_or(StoreError::NotFound)
    }
}
