//! One pair side by side: both records whole, every field with the value each holds and the
//! one a merge keeps by default, and what fixed rules decide. The reviewer's screen (UI,
//! API and CLI) shows exactly this, so what they confirm is what the merge does.

use std::collections::BTreeMap;

use leadline_core::Stage;
use leadline_core::capture::Traits;
use leadline_core::dedupe::survivorship::{
    self, DecidedBy, Record, Rule, Rules, Side, merged_consent, merged_stage,
};
use leadline_core::time::rfc3339;
use serde::Serialize;

use super::{Candidate, Kind, Pick};
use crate::catalog::Account;
use crate::leads::{LEAD_COLUMNS, LEAD_JOINS, Lead, lead_from_row};
use crate::{Result, Store, StoreError};

/// A pair as a reviewer compares it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateDetail {
    pub candidate: Candidate,
    /// The record kept by default: the older lead, or the account with more leads.
    pub survivor: Pick,
    /// Every field either record has: each one's value and the one a merge keeps unless
    /// the reviewer picks the other.
    pub fields: Vec<FieldRow>,
    /// What a merge decides by fixed rules, whatever the reviewer picks.
    pub fixed: Vec<FixedRow>,
    /// The two leads, `a` then `b` (people only).
    pub leads: Vec<Lead>,
    /// The two accounts, `a` then `b` (accounts only).
    pub accounts: Vec<Account>,
}

/// One field of a pair.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldRow {
    /// `email`, `first_name` … or `custom.NAME`; `name` for an account.
    pub field: String,
    pub a: Option<String>,
    pub b: Option<String>,
    pub differs: bool,
    /// Which value a merge keeps by default.
    pub keep: Pick,
    /// The rule that picked it (`newest`, `most_complete` …), when the values differ.
    pub rule: Option<String>,
}

/// Something a merge decides by a fixed rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FixedRow {
    pub field: String,
    pub a: Option<String>,
    pub b: Option<String>,
    pub result: Option<String>,
    pub why: String,
}

/// A lead's traits as the merge reads them (from the API's view of a lead).
pub(crate) fn traits_of(l: &Lead) -> Traits {
    let custom = l
        .custom
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Traits {
        first_name: l.first_name.clone(),
        last_name: l.last_name.clone(),
        title: l.title.clone(),
        phone: l.phone.clone(),
        company: l.company.clone(),
        country: l.country.clone(),
        website: l.website.clone(),
        consent: l.consent,
        custom,
    }
}

/// The default survivor of two leads: the one created first (its id is the one integrations
/// and reports have known longest).
fn older(a: &Lead, b: &Lead) -> Pick {
    if (b.created_at, &b.id) < (a.created_at, &a.id) {
        Pick::B
    } else {
        Pick::A
    }
}

/// Field rows: the survivorship outcome with `survivor` kept, as `a`/`b` picks.
fn rows(a: &Record, b: &Record, survivor: Pick, rules: &Rules) -> Vec<FieldRow> {
    let (s, o) = match survivor {
        Pick::A => (a, b),
        Pick::B => (b, a),
    };
    let outcome = survivorship::survive(s, o, rules, &BTreeMap::new());
    let mut fields: Vec<&String> = a.values.keys().chain(b.values.keys()).collect();
    fields.sort_by_key(|f| (field_order(f), (*f).clone()));
    fields.dedup();
    fields
        .into_iter()
        .map(|f| {
            let d = outcome.decisions.iter().find(|d| &d.field == f);
            let keep = match d.map(|d| d.from) {
                Some(Side::Other) => survivor.other(),
                _ => survivor,
            };
            FieldRow {
                field: f.clone(),
                a: a.values.get(f).cloned(),
                b: b.values.get(f).cloned(),
                differs: d.is_some(),
                keep,
                rule: d.and_then(|d| match d.decided_by {
                    DecidedBy::Rule(r) => Some(r.as_str().to_owned()),
                    DecidedBy::Reviewer => None,
                }),
            }
        })
        .collect()
}

/// Standard fields first, in the form's order, then custom ones by name.
fn field_order(f: &str) -> usize {
    survivorship::FIELDS
        .iter()
        .position(|x| *x == f)
        .unwrap_or(survivorship::FIELDS.len())
}

impl Store {
    /// A pair side by side, with the configured rules' defaults.
    pub async fn candidate_detail(&self, id: &str) -> Result<CandidateDetail> {
        let candidate = self.get_candidate(id).await?;
        let rules = self.survivorship_rules().await?;
        match candidate.kind {
            Kind::Person => self.people_detail(candidate, &rules).await,
            Kind::Account => self.accounts_detail(candidate).await,
        }
    }

    async fn people_detail(&self, candidate: Candidate, rules: &Rules) -> Result<CandidateDetail> {
        let (a, b) = (
            self.lead_as_is(&candidate.a.id).await?,
            self.lead_as_is(&candidate.b.id).await?,
        );
        let record = |l: &Lead| {
            Record::of_lead(
                l.email.as_deref(),
                &traits_of(l),
                l.created_at,
                l.updated_at,
            )
        };
        let survivor = older(&a, &b);
        let fields = rows(&record(&a), &record(&b), survivor, rules);
        let stage = |l: &Lead| Stage::parse(&l.stage).unwrap_or(Stage::Lead);
        let consent = |c: Option<bool>| match c {
            Some(true) => "given",
            Some(false) => "declined",
            None => "not asked",
        };
        let touch = |l: &Lead| {
            l.first_touch_at.map(|t| {
                format!(
                    "{} via {}",
                    rfc3339(t),
                    l.source_channel.as_deref().unwrap_or("unknown")
                )
            })
        };
        let first = if b.first_touch_at.unwrap_or(i64::MAX) < a.first_touch_at.unwrap_or(i64::MAX) {
            &b
        } else {
            &a
        };
        let fixed = vec![
            FixedRow {
                field: "stage".into(),
                a: Some(a.stage.clone()),
                b: Some(b.stage.clone()),
                result: Some(merged_stage(stage(&a), stage(&b)).as_str().into()),
                why: "the further stage along the funnel; a live stage beats disqualified or recycled".into(),
            },
            FixedRow {
                field: "consent".into(),
                a: Some(consent(a.consent).into()),
                b: Some(consent(b.consent).into()),
                result: Some(consent(merged_consent(a.consent, b.consent)).into()),
                why: "a refusal on either record wins: consent is never inferred from a merge".into(),
            },
            FixedRow {
                field: "first touch".into(),
                a: touch(&a),
                b: touch(&b),
                result: touch(first),
                why: "the earlier first touch, with its channel and campaign (attribution)".into(),
            },
            FixedRow {
                field: "history".into(),
                a: None,
                b: None,
                result: Some("both".into()),
                why: "activities, visits and stage changes of both records live on the kept one".into(),
            },
        ];
        Ok(CandidateDetail {
            candidate,
            survivor,
            fields,
            fixed,
            leads: vec![a, b],
            accounts: Vec::new(),
        })
    }

    async fn accounts_detail(&self, candidate: Candidate) -> Result<CandidateDetail> {
        let (a, b) = (
            self.account_as_is(&candidate.a.id).await?,
            self.account_as_is(&candidate.b.id).await?,
        );
        let survivor = if (b.leads, -b.created_at) > (a.leads, -a.created_at) {
            Pick::B
        } else {
            Pick::A
        };
        let record = |x: &Account| Record {
            values: x
                .name
                .iter()
                .map(|n| ("name".to_owned(), n.clone()))
                .collect(),
            created_at: x.created_at,
            updated_at: x.created_at,
        };
        let fields = rows(&record(&a), &record(&b), survivor, &account_rules());
        let kept = match survivor {
            Pick::A => &a,
            Pick::B => &b,
        };
        let fixed = vec![
            FixedRow {
                field: "domain".into(),
                a: Some(a.domain.clone()),
                b: Some(b.domain.clone()),
                result: Some(kept.domain.clone()),
                why: "the kept account's domain; new leads from either domain join it".into(),
            },
            FixedRow {
                field: "leads".into(),
                a: Some(a.leads.to_string()),
                b: Some(b.leads.to_string()),
                result: Some((a.leads + b.leads).to_string()),
                why: "every lead of the merged account moves to the kept one".into(),
            },
        ];
        Ok(CandidateDetail {
            candidate,
            survivor,
            fields,
            fixed,
            leads: Vec::new(),
            accounts: vec![a, b],
        })
    }

    /// A lead by id, tombstone or not (`get_lead` follows a merge to its survivor).
    pub(crate) async fn lead_as_is(&self, id: &str) -> Result<Lead> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LEAD_COLUMNS} FROM leads l {LEAD_JOINS} WHERE l.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        lead_from_row(&row)
    }

    /// An account by id, tombstone or not.
    async fn account_as_is(&self, id: &str) -> Result<Account> {
        sqlx::query_as(
            "SELECT a.id, a.domain, a.name, (SELECT COUNT(*) FROM leads l WHERE l.account_id = a.id AND l.merged_into IS NULL) AS leads, \
             a.created_at, a.customer_since FROM accounts a WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }
}

/// Accounts have one field to choose, their name: the kept account's unless it has none.
pub(crate) fn account_rules() -> Rules {
    Rules {
        default: Rule::NonEmpty,
        fields: BTreeMap::new(),
    }
}
