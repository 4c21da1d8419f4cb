//! Opening a deal from a lead, and changing it: fields, contact roles, the proposal
//! checklist, the ROI inputs and the share link. Closing is in `close.rs`.

use leadline_core::Stage;
use leadline_core::opportunity::{
    self as opp, ContactRole, ConvertError, FieldError, OppStage, PROPOSAL_CHECKLIST,
};
use serde::Deserialize;
use sqlx::AssertSqlSafe;

use super::{ChecklistItem, OPP_COLUMNS, Opportunity, opp_from_row};
use crate::lifecycle::move_in;
use crate::{Result, Store, StoreError, new_id};

/// What a rep fills in to convert a lead into a deal; everything but the lead is optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewOpportunity {
    /// The lead that becomes the deal's primary contact.
    pub lead_id: String,
    /// Defaults to "<company> deal".
    pub name: Option<String>,
    /// Defaults to the lead's owner, else the person converting it.
    pub owner_id: Option<String>,
    pub amount_minor: Option<i64>,
    /// ISO 4217, default USD.
    pub currency: Option<String>,
    /// A calendar day, `2026-03-31`.
    pub expected_close: Option<String>,
    /// The primary lead's part in the deal; default `decision_maker`.
    #[schema(value_type = Option<String>, example = "champion")]
    pub role: Option<String>,
}

/// Changes to a deal's fields: absent fields stay as they are; `null` clears the optional
/// ones (`probability: null` goes back to the stage's probability).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OppPatch {
    pub name: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<i64>)]
    pub probability: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub expected_close: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub next_step: Option<Option<String>>,
    /// When the next step is due (RFC 3339).
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_step_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub competitor: Option<Option<String>>,
    pub needs_analysis: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn double<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub(super) fn invalid(e: FieldError) -> StoreError {
    StoreError::Invalid(e.to_string())
}

pub(super) async fn load(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> Result<Opportunity> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {OPP_COLUMNS} WHERE o.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    opp_from_row(&row)
}

/// [`load`] after taking the deal's row lock (a no-op write: PostgreSQL locks the row until
/// commit, so two people closing one deal at once take turns and the second sees the first's
/// close; SQLite's write transactions are serial anyway).
pub(super) async fn load_locked(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> Result<Opportunity> {
    sqlx::query("UPDATE opportunities SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    load(tx, id).await
}

async fn check_user(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: &str) -> Result<()> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    if n == 0 {
        return Err(StoreError::Invalid("owner_id: no such user".into()));
    }
    Ok(())
}

/// A live lead's stage, account, company and owner.
type LeadFacts = (String, Option<String>, Option<String>, Option<String>);

async fn lead_facts(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: &str) -> Result<LeadFacts> {
    sqlx::query_as(
        "SELECT l.stage, l.account_id, COALESCE(a.name, l.company, a.domain), l.owner_id FROM leads l \
         LEFT JOIN accounts a ON a.id = l.account_id WHERE l.id = $1 AND l.merged_into IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)
}

fn parse_role(role: Option<&str>) -> Result<ContactRole> {
    match role.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(ContactRole::DecisionMaker),
        Some(r) => ContactRole::parse(r).ok_or_else(role_error),
    }
}

pub(super) fn role_error() -> StoreError {
    StoreError::Invalid(format!(
        "role: must be one of {}",
        ContactRole::ALL.map(ContactRole::as_str).join(", ")
    ))
}

impl Store {
    /// Converts a sales-ready lead into a deal at `needs_analysis`: the lead becomes its
    /// primary contact (with `new.role`) and moves to `opportunity`, the deal takes the lead's
    /// account (none for a lead without one). MQL, SAL and SQL leads convert; a customer gets
    /// an expansion deal and stays a customer; a lead at `opportunity` converts again only
    /// when its earlier deals are closed. One transaction.
    pub async fn convert_to_opportunity(
        &self,
        new: &NewOpportunity,
        by_user: Option<&str>,
        now: i64,
    ) -> Result<Opportunity> {
        let role = parse_role(new.role.as_deref())?;
        let amount =
            opp::check_amount("amount_minor", new.amount_minor.unwrap_or(0)).map_err(invalid)?;
        let currency =
            opp::check_currency(new.currency.as_deref().unwrap_or("USD")).map_err(invalid)?;
        let close = match new
            .expected_close
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(d) => Some(opp::check_day("expected_close", d).map_err(invalid)?),
            None => None,
        };
        let mut tx = self.begin_write().await?;
        // The lead's row lock: two reps converting one lead at once take turns, and the
        // second sees the first's deal (PostgreSQL; SQLite's writes are serial anyway).
        sqlx::query("UPDATE leads SET updated_at = updated_at WHERE id = $1")
            .bind(&new.lead_id)
            .execute(&mut *tx)
            .await?;
        let (stage, account, company, lead_owner) = lead_facts(&mut tx, &new.lead_id).await?;
        let stage =
            Stage::parse(&stage).ok_or_else(|| StoreError::Corrupt(format!("stage {stage:?}")))?;
        let moves_to = match opp::convert_stage(stage) {
            Ok(to) => to,
            Err(ConvertError::AlreadyOpportunity) => {
                let open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM opportunities WHERE primary_lead_id = $1 AND closed_at IS NULL",
                )
                .bind(&new.lead_id)
                .fetch_one(&mut *tx)
                .await?;
                if open > 0 {
                    return Err(StoreError::refused(
                        "already_opportunity",
                        ConvertError::AlreadyOpportunity.to_string(),
                    ));
                }
                None
            }
            Err(e) => return Err(StoreError::refused("not_sales_ready", e.to_string())),
        };
        let name = match new.name.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(n) => opp::check_name(n).map_err(invalid)?.to_owned(),
            None => format!("{} deal", company.as_deref().unwrap_or("New")),
        };
        let owner = new
            .owner_id
            .clone()
            .filter(|o| !o.trim().is_empty())
            .or(lead_owner)
            .or(by_user.map(str::to_owned));
        if let Some(o) = &owner {
            check_user(&mut tx, o).await?;
        }
        let checklist: Vec<ChecklistItem> = PROPOSAL_CHECKLIST
            .iter()
            .map(|i| ChecklistItem {
                item: (*i).to_owned(),
                done: false,
            })
            .collect();
        let id = new_id();
        sqlx::query(
            "INSERT INTO opportunities (id, account_id, primary_lead_id, owner_id, name, stage, amount_minor, currency, \
             expected_close, checklist, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11)",
        )
        .bind(&id)
        .bind(&account)
        .bind(&new.lead_id)
        .bind(&owner)
        .bind(&name)
        .bind(OppStage::NeedsAnalysis.as_str())
        .bind(amount)
        .bind(&currency)
        .bind(&close)
        .bind(serde_json::to_string(&checklist).unwrap_or_else(|_| "[]".into()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        add_contact_in(&mut tx, &id, &new.lead_id, role, now).await?;
        super::close::record(
            &mut tx,
            &id,
            None,
            OppStage::NeedsAnalysis,
            by_user,
            "converted from a lead",
            now,
        )
        .await?;
        if let Some(to) = moves_to {
            let why = format!("converted to opportunity: {name}");
            move_in(&mut tx, &new.lead_id, to, by_user, &why, now).await?;
        }
        let out = load(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Changes a deal's fields. A closed deal keeps its numbers (amount, currency,
    /// probability, expected close): last quarter's revenue never changes.
    pub async fn update_opportunity(
        &self,
        id: &str,
        patch: &OppPatch,
        now: i64,
    ) -> Result<Opportunity> {
        let mut tx = self.begin_write().await?;
        let mut o = load_locked(&mut tx, id).await?;
        let closed = o.closed_at.is_some();
        let numbers = patch.amount_minor.is_some()
            || patch.currency.is_some()
            || patch.probability.is_some()
            || patch.expected_close.is_some();
        if closed && numbers {
            return Err(StoreError::refused(
                "closed",
                "the deal is closed: its amount, currency, probability and close date are final",
            ));
        }
        if let Some(n) = &patch.name {
            o.name = opp::check_name(n).map_err(invalid)?.to_owned();
        }
        if let Some(a) = patch.amount_minor {
            o.amount_minor = opp::check_amount("amount_minor", a).map_err(invalid)?;
        }
        if let Some(c) = &patch.currency {
            o.currency = opp::check_currency(c).map_err(invalid)?;
        }
        if let Some(p) = patch.probability {
            o.probability_override = p
                .map(opp::check_probability)
                .transpose()
                .map_err(invalid)?
                .map(i64::from);
        }
        if let Some(d) = &patch.expected_close {
            o.expected_close = match d.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(d) => Some(opp::check_day("expected_close", d).map_err(invalid)?),
                None => None,
            };
        }
        if let Some(s) = &patch.next_step {
            o.next_step =
                opp::check_text("next_step", s.as_deref().unwrap_or(""), 500).map_err(invalid)?;
        }
        if let Some(at) = &patch.next_step_at {
            o.next_step_at = match at.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(t) => Some(leadline_core::time::parse_rfc3339(t).ok_or_else(|| {
                    StoreError::Invalid(
                        "next_step_at: must be an RFC 3339 time such as 2026-03-31T09:00:00Z"
                            .into(),
                    )
                })?),
                None => None,
            };
        }
        if let Some(c) = &patch.competitor {
            o.competitor =
                opp::check_text("competitor", c.as_deref().unwrap_or(""), 200).map_err(invalid)?;
        }
        if let Some(n) = &patch.needs_analysis {
            o.needs_analysis = opp::check_text("needs_analysis", n, 20_000)
                .map_err(invalid)?
                .unwrap_or_default();
        }
        if let Some(owner) = &patch.owner_id {
            o.owner_id = owner.clone().filter(|o| !o.trim().is_empty());
            if let Some(u) = &o.owner_id {
                check_user(&mut tx, u).await?;
            }
        }
        sqlx::query(
            "UPDATE opportunities SET name = $2, amount_minor = $3, currency = $4, probability = $5, expected_close = $6, \
             next_step = $7, next_step_at = $8, competitor = $9, needs_analysis = $10, owner_id = $11, updated_at = $12 WHERE id = $1",
        )
        .bind(id)
        .bind(&o.name)
        .bind(o.amount_minor)
        .bind(&o.currency)
        .bind(o.probability_override)
        .bind(&o.expected_close)
        .bind(&o.next_step)
        .bind(o.next_step_at)
        .bind(&o.competitor)
        .bind(&o.needs_analysis)
        .bind(&o.owner_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let out = load(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// Records a person's part in a deal inside the caller's transaction.
pub(super) async fn add_contact_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    lead_id: &str,
    role: ContactRole,
    now: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO opportunity_contacts (opportunity_id, lead_id, role, added_at) VALUES ($1,$2,$3,$4)")
        .bind(id)
        .bind(lead_id)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "this person in this role"))?;
    Ok(())
}
