//! A stored lead as the filter language sees it, so routing conditions mean what they mean
//! in segments (`segments.rs` compiles the same names to SQL): the lead's columns, its
//! custom fields, and (when a rule asks) counts of its activities.

use std::collections::HashMap;

use leadline_core::filter::{self, Value};

use crate::capture::bulk;
use crate::capture::tx::{DbRow, Tx};
use crate::{Backend, Result};

/// Text columns, by the names filters use (as in `segments.rs`).
const TEXT: &[(&str, &str)] = &[
    ("email", "email"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("title", "title"),
    ("phone", "phone"),
    ("company", "company"),
    ("country", "country"),
    ("website", "website"),
    ("stage", "stage"),
    ("source", "source_channel"),
    ("owner", "owner_id"),
    ("grade", "grade"),
    ("flags", "flags"),
];
/// Whole-number columns. `fit` is not here: see [`StoredLead::field`].
const NUM: &[(&str, &str)] = &[
    ("engagement", "engagement_score"),
    ("probability", "probability"),
];
const TIME: &[(&str, &str)] = &[
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("first_touch_at", "first_touch_at"),
];

const SELECT: &str = "SELECT l.id, l.email, l.first_name, l.last_name, l.title, l.phone, l.company, \
    l.country, l.website, l.stage, l.source_channel, l.owner_id, l.grade, l.flags, \
    l.fit_score, l.engagement_score, l.probability, l.created_at, l.updated_at, l.first_touch_at, l.custom, \
    l.merged_into, a.owner_id AS account_owner, \
    CAST(CASE WHEN EXISTS (SELECT 1 FROM assignments s WHERE s.lead_id = l.id AND s.ended_at IS NULL) \
    THEN 1 ELSE 0 END AS BIGINT) AS assigned \
    FROM leads l LEFT JOIN accounts a ON a.id = l.account_id";

/// One lead, read for routing.
#[derive(Debug, Default)]
pub(crate) struct StoredLead {
    pub id: String,
    pub stage: String,
    pub merged: bool,
    /// It has an open assignment already.
    pub assigned: bool,
    pub account_owner: Option<String>,
    fields: HashMap<&'static str, Value>,
    custom: serde_json::Map<String, serde_json::Value>,
    /// `(type, occurred_at)`, read only when a rule counts activities.
    activities: Vec<(String, i64)>,
}

impl filter::Lead for StoredLead {
    /// Fields as segments name them; `fit` holds both the points (`fit >= 40`) and the
    /// grade (`fit >= "B"`), as segments compare them.
    fn field(&self, name: &str) -> Option<Value> {
        if let Some(key) = name.strip_prefix("custom.") {
            return match self.custom.get(key)? {
                serde_json::Value::String(s) => Some(Value::Str(s.clone())),
                serde_json::Value::Number(n) => n.as_f64().map(Value::Num),
                serde_json::Value::Bool(b) => Some(Value::Bool(*b)),
                _ => None,
            };
        }
        if name == "disqualified" {
            return Some(Value::Bool(self.stage == "disqualified"));
        }
        self.fields.get(name).cloned()
    }

    fn activity_count(&self, kind: &str, since: Option<i64>) -> i64 {
        let n = self
            .activities
            .iter()
            .filter(|(k, at)| k == kind && since.is_none_or(|s| *at >= s))
            .count();
        i64::try_from(n).unwrap_or(i64::MAX)
    }
}

fn read_one(r: &DbRow) -> Result<StoredLead> {
    let mut fields = HashMap::new();
    for (name, col) in TEXT {
        if let Some(v) = r.try_get::<Option<String>>(col)? {
            fields.insert(*name, Value::Str(v));
        }
    }
    for (name, col) in NUM {
        if let Some(v) = r.try_get::<Option<i64>>(col)? {
            fields.insert(*name, Value::Num(v as f64));
        }
    }
    for (name, col) in TIME {
        if let Some(v) = r.try_get::<Option<i64>>(col)? {
            fields.insert(*name, Value::Time(v));
        }
    }
    let grade: Option<String> = r.try_get("grade")?;
    let letter = grade
        .and_then(|g| g.chars().next())
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| ('A'..='D').contains(c));
    let points: Option<i64> = r.try_get("fit_score")?;
    match (points, letter) {
        (Some(points), Some(grade)) => {
            let points = points as f64;
            fields.insert("fit", Value::Fit { points, grade });
        }
        (None, Some(c)) => {
            fields.insert("fit", Value::Grade(c));
        }
        (Some(points), None) => {
            fields.insert("fit", Value::Num(points as f64));
        }
        (None, None) => {}
    }
    let custom: Option<String> = r.try_get("custom")?;
    // A custom column that is not an object reads as no custom fields, not as an error.
    let custom = custom
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or_default();
    Ok(StoredLead {
        id: r.try_get("id")?,
        stage: r.try_get("stage")?,
        merged: r.try_get::<Option<String>>("merged_into")?.is_some(),
        assigned: r.try_get::<i64>("assigned")? != 0,
        account_owner: r.try_get("account_owner")?,
        fields,
        custom,
        activities: Vec::new(),
    })
}

/// Reads the leads `ids` (missing ones are simply absent), with their activities when
/// `with_activities`.
pub(crate) async fn read(
    tx: &mut Tx<'_>,
    ids: &[String],
    with_activities: bool,
) -> Result<HashMap<String, StoredLead>> {
    let rows = bulk::select_in(tx, SELECT, "l.id", ids).await?;
    let mut leads = HashMap::with_capacity(rows.len());
    for r in &rows {
        let lead = read_one(r)?;
        leads.insert(lead.id.clone(), lead);
    }
    if with_activities {
        let keys: Vec<String> = leads.keys().cloned().collect();
        let mut found: Vec<(String, String, i64)> = Vec::new();
        bulk::scan_in(
            tx,
            "SELECT lead_id, type, occurred_at FROM activities",
            "lead_id",
            &keys,
            |row| {
                if let (Some(lead), Some(kind)) = (row.text(0)?, row.text(1)?) {
                    found.push((lead.to_owned(), kind.to_owned(), row.int(2)?));
                }
                Ok(())
            },
        )
        .await?;
        for (lead, kind, at) in found {
            if let Some(l) = leads.get_mut(&lead) {
                l.activities.push((kind, at));
            }
        }
    }
    Ok(leads)
}

/// Whether any rule's condition counts activities (then leads are read with theirs). A
/// cheap test of the written text: a false positive only reads more than needed.
pub(crate) fn rules_count_activities(rules: &[leadline_core::routing::CompiledRule]) -> bool {
    rules.iter().any(|r| r.condition().contains("activity"))
}

/// `FOR UPDATE` where the engine has row locks; SQLite's write transaction is the lock.
pub(crate) fn for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    }
}
