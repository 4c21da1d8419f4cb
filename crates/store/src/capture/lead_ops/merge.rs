//! Merging two leads proven to be one person: both histories kept, the merge recorded.

use super::super::tx::Tx;
use super::{load, update};
use crate::{Result, new_id};
use leadline_core::Stage;
use leadline_core::capture::{OnDuplicate, merge_profile};

/// Merges lead `merged` into `survivor`: activities, visitors and stage history move over,
/// blank profile fields are filled from the merged lead, the earlier first touch and the
/// further lifecycle stage win, and the merged lead stays as a tombstone pointing at the
/// survivor with a snapshot of what it was.
pub(crate) async fn merge_into(
    conn: &mut Tx<'_>,
    now: i64,
    survivor: &str,
    merged: &str,
    reason: &str,
) -> Result<()> {
    let snapshot = snapshot(conn, merged).await?;
    let gone = load(conn, merged).await?;
    let mut keep = load(conn, survivor).await?;
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
    ] {
        conn.execute(sql, vec![survivor.into(), merged.into()])
            .await?;
    }
    let before = keep.traits.clone();
    keep.traits = merge_profile(&keep.traits, &gone.traits, OnDuplicate::Skip).0;
    // Values that came from the merged lead keep the time they were set there.
    for f in keep.traits.changed_fields(&before) {
        if let Some(at) = gone.field_times.get(&f) {
            keep.field_times.insert(f, *at);
        }
    }
    keep.email = keep.email.or(gone.email);
    keep.user_id = keep.user_id.or(gone.user_id);
    keep.external_key = keep.external_key.or(gone.external_key);
    keep.account_id = keep.account_id.or(gone.account_id);
    keep.stage = further(keep.stage, gone.stage);
    update(conn, now, survivor, &keep).await?;
    conn.execute(
        "UPDATE leads SET first_touch_at = m.first_touch_at, source_channel = m.source_channel, source_campaign_id = m.source_campaign_id \
         FROM (SELECT first_touch_at, source_channel, source_campaign_id FROM leads WHERE id = $2) AS m \
         WHERE leads.id = $1 AND m.first_touch_at < leads.first_touch_at",
        vec![survivor.into(), merged.into()],
    )
    .await?;
    conn.execute(
        "INSERT INTO merges (id, survivor_id, merged_id, at, reason, snapshot) VALUES ($1,$2,$3,$4,$5,$6)",
        vec![
            new_id().into(),
            survivor.into(),
            merged.into(),
            now.into(),
            reason.into(),
            snapshot.into(),
        ],
    )
    .await?;
    Ok(())
}

/// The further of two stages along the funnel; a live stage beats a side stage.
fn further(a: Stage, b: Stage) -> Stage {
    let side = |s: Stage| matches!(s, Stage::Disqualified | Stage::Recycled);
    match (side(a), side(b)) {
        (true, false) => b,
        (false, true) => a,
        _ => a.max(b),
    }
}

async fn snapshot(conn: &mut Tx<'_>, id: &str) -> Result<String> {
    let r = conn
        .fetch_optional(
            "SELECT id, email, user_id, external_key, first_name, last_name, title, phone, company, country, website, \
             custom, stage, source_channel, source_campaign_id, first_touch_at, created_at FROM leads WHERE id = $1",
            vec![id.into()],
        )
        .await?
        .ok_or(crate::StoreError::NotFound)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_further_live_stage_wins_a_merge() {
        assert_eq!(further(Stage::Lead, Stage::Mql), Stage::Mql);
        assert_eq!(
            further(Stage::Disqualified, Stage::Subscriber),
            Stage::Subscriber
        );
        assert_eq!(
            further(Stage::Recycled, Stage::Disqualified),
            Stage::Recycled
        );
    }
}
