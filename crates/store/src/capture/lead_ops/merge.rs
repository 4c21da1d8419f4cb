//! Merging two leads proven or judged to be one person: both histories kept, the surviving
//! profile decided field by field, the merge recorded (who, when, why, which value came
//! from where) in `merges` and on the survivor's timeline. The one way leads are merged:
//! automatic identity merges in the capture pipeline and reviewed duplicates alike.

use std::collections::BTreeMap;

use leadline_core::Email;
use leadline_core::dedupe::survivorship::{
    self, Record, Rules, Side, Survivorship, merged_consent, merged_stage,
};

use super::super::tx::Tx;
use super::{load, update};
use crate::{Result, StoreError, new_id};

/// How a merge decides and records itself.
pub(crate) struct How<'a> {
    pub reason: &'a str,
    /// The user who merged, if a person did.
    pub by_user: Option<&'a str>,
    /// `capture` (an automatic identity merge), `ui`, `api` or `cli`.
    pub via: &'a str,
    pub rules: &'a Rules,
    pub choices: &'a BTreeMap<String, Side>,
}

/// Merges lead `merged` into `survivor` when one identifier proves them one person: blank
/// fields are filled from the merged lead (no reviewer to ask).
pub(crate) async fn merge_into(
    conn: &mut Tx<'_>,
    now: i64,
    survivor: &str,
    merged: &str,
    reason: &str,
) -> Result<()> {
    let how = How {
        reason,
        by_user: None,
        via: "capture",
        rules: &Rules::fill_blanks(),
        choices: &BTreeMap::new(),
    };
    merge_lead(conn, now, survivor, merged, &how)
        .await
        .map(drop)
}

/// Merges lead `merged` into `survivor`: activities, visitors and stage history move over,
/// the profile is what survivorship decides, the earlier first touch and the further stage
/// win, a refusal of consent stands, and the merged lead stays as a tombstone pointing at
/// the survivor with a snapshot of what it was. Returns the merge's id and its decisions.
pub(crate) async fn merge_lead(
    conn: &mut Tx<'_>,
    now: i64,
    survivor: &str,
    merged: &str,
    how: &How<'_>,
) -> Result<(String, Survivorship)> {
    let snapshot = snapshot(conn, merged).await?;
    let gone = load(conn, merged).await?;
    let mut keep = load(conn, survivor).await?;
    let (keep_times, gone_times) = (times(conn, survivor).await?, times(conn, merged).await?);
    // The merged lead leaves every inbox; the survivor keeps its own assignment, if any.
    crate::routing::ending::end_open(conn, &[merged.to_owned()], "merged", now).await?;
    conn.execute(
        "UPDATE leads SET email = NULL, email_key = NULL, user_id = NULL, external_key = NULL, merged_into = $1, updated_at = $2 WHERE id = $3",
        vec![survivor.into(), now.into(), merged.into()],
    )
    .await?;
    for sql in [
        "UPDATE activities SET lead_id = $1 WHERE lead_id = $2",
        "UPDATE visitors SET lead_id = $1 WHERE lead_id = $2",
        "UPDATE stage_changes SET lead_id = $1 WHERE lead_id = $2",
        "UPDATE leads SET merged_into = $1 WHERE merged_into = $2",
        // Deals follow the person; a part both played in one deal is kept once.
        "UPDATE opportunities SET primary_lead_id = $1 WHERE primary_lead_id = $2",
        "UPDATE opportunity_contacts SET lead_id = $1 WHERE lead_id = $2 AND NOT EXISTS (SELECT 1 FROM opportunity_contacts c \
         WHERE c.opportunity_id = opportunity_contacts.opportunity_id AND c.lead_id = $1 AND c.role = opportunity_contacts.role)",
        "DELETE FROM opportunity_contacts WHERE lead_id = $2 AND $1 <> $2",
    ] {
        conn.execute(sql, vec![survivor.into(), merged.into()])
            .await?;
    }
    let email = |e: &Option<Email>| e.as_ref().map(|e| e.as_str().to_owned());
    let outcome = survivorship::survive(
        &Record::of_lead(
            email(&keep.email).as_deref(),
            &keep.traits,
            keep_times.0,
            keep_times.1,
        ),
        &Record::of_lead(
            email(&gone.email).as_deref(),
            &gone.traits,
            gone_times.0,
            gone_times.1,
        ),
        how.rules,
        how.choices,
    );
    let email_from_other = outcome
        .decisions
        .iter()
        .any(|d| d.field == "email" && d.from == Side::Other);
    let consent = merged_consent(keep.traits.consent, gone.traits.consent);
    let before = keep.traits.clone();
    let chosen = survivorship::apply_to(&outcome.values, &mut keep.traits);
    keep.traits.consent = consent;
    // Values that came from the merged lead keep the time they were set there; a field
    // left blank has no time.
    for f in keep.traits.changed_fields(&before) {
        match gone.field_times.get(&f) {
            _ if keep.traits.get(&f).is_none() => {
                keep.field_times.remove(&f);
            }
            Some(at) if keep.traits.get(&f) == gone.traits.get(&f) => {
                keep.field_times.insert(f, *at);
            }
            _ => {}
        }
    }
    keep.email = chosen.and_then(|e| Email::parse(&e).ok());
    keep.user_id = keep.user_id.or(gone.user_id);
    keep.external_key = keep.external_key.or(gone.external_key);
    // The account follows the email: a lead keeps the company its address says.
    keep.account_id = if email_from_other {
        gone.account_id.or(keep.account_id)
    } else {
        keep.account_id.or(gone.account_id)
    };
    keep.stage = merged_stage(keep.stage, gone.stage);
    update(conn, now, survivor, &keep).await?;
    conn.execute(
        "UPDATE leads SET first_touch_at = m.first_touch_at, source_channel = m.source_channel, source_campaign_id = m.source_campaign_id \
         FROM (SELECT first_touch_at, source_channel, source_campaign_id FROM leads WHERE id = $2) AS m \
         WHERE leads.id = $1 AND m.first_touch_at < leads.first_touch_at",
        vec![survivor.into(), merged.into()],
    )
    .await?;
    conn.execute(
        "UPDATE leads SET owner_id = (SELECT owner_id FROM leads WHERE id = $2) WHERE id = $1 AND owner_id IS NULL",
        vec![survivor.into(), merged.into()],
    )
    .await?;
    let merge_id = new_id();
    let fields = serde_json::to_string(&outcome.decisions).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "INSERT INTO merges (id, survivor_id, merged_id, at, reason, snapshot, by_user, via, fields) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        vec![
            merge_id.as_str().into(),
            survivor.into(),
            merged.into(),
            now.into(),
            how.reason.into(),
            snapshot.as_str().into(),
            how.by_user.into(),
            how.via.into(),
            fields.into(),
        ],
    )
    .await?;
    on_timeline(
        conn, now, survivor, merged, &merge_id, &snapshot, how, &outcome,
    )
    .await?;
    Ok((merge_id, outcome))
}

/// Records the merge as an activity of the survivor (`type = merged`), so the timeline shows
/// it among everything else: whom it absorbed, who merged, why, and what changed.
#[allow(clippy::too_many_arguments)]
async fn on_timeline(
    conn: &mut Tx<'_>,
    now: i64,
    survivor: &str,
    merged: &str,
    merge_id: &str,
    snapshot: &str,
    how: &How<'_>,
    outcome: &Survivorship,
) -> Result<()> {
    let snap: serde_json::Value = serde_json::from_str(snapshot).unwrap_or_default();
    let label = ["email", "user_id", "external_key"]
        .iter()
        .find_map(|k| snap[k].as_str())
        .unwrap_or(merged)
        .to_owned();
    let changes: Vec<_> = outcome.changes().collect();
    let properties = serde_json::json!({
        "merge_id": merge_id,
        "merged_id": merged,
        "reason": how.reason,
        "by_user": how.by_user,
        "via": how.via,
        "changes": changes,
    });
    let origin = match how.by_user {
        Some(u) => format!("user:{u}"),
        None => how.via.to_owned(),
    };
    conn.execute(
        "INSERT INTO activities (id, message_id, lead_id, type, name, occurred_at, received_at, origin, properties) \
         VALUES ($1, $2, $3, 'merged', $4, $5, $5, $6, $7)",
        vec![
            new_id().into(),
            format!("merge:{merge_id}").into(),
            survivor.into(),
            label.into(),
            now.into(),
            origin.into(),
            properties.to_string().into(),
        ],
    )
    .await?;
    Ok(())
}

/// When a lead was created and last changed (what the `oldest` and `newest` rules read).
async fn times(conn: &mut Tx<'_>, id: &str) -> Result<(i64, i64)> {
    let r = conn
        .fetch_optional(
            "SELECT created_at, updated_at FROM leads WHERE id = $1",
            vec![id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((r.try_get("created_at")?, r.try_get("updated_at")?))
}

async fn snapshot(conn: &mut Tx<'_>, id: &str) -> Result<String> {
    let r = conn
        .fetch_optional(
            "SELECT id, email, user_id, external_key, first_name, last_name, title, phone, company, country, website, \
             custom, stage, source_channel, source_campaign_id, first_touch_at, created_at FROM leads WHERE id = $1",
            vec![id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut map = serde_json::Map::new();
    for col in [
        "id",
        "email",
        "user_id",
        "external_key",
        "first_name",
        "last_name",
        "title",
        "phone",
        "company",
        "country",
        "website",
        "custom",
        "stage",
        "source_channel",
        "source_campaign_id",
    ] {
        let v: Option<String> = r.try_get(col)?;
        map.insert(
            col.into(),
            v.map(serde_json::Value::String)
                .unwrap_or(serde_json::Value::Null),
        );
    }
    for col in ["first_touch_at", "created_at"] {
        let v: Option<i64> = r.try_get(col)?;
        map.insert(
            col.into(),
            v.map(Into::into).unwrap_or(serde_json::Value::Null),
        );
    }
    Ok(serde_json::Value::Object(map).to_string())
}
