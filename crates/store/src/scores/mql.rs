//! Automatic MQLs: leads that meet the sales-ready definition (a segment expression) move
//! to `mql` by themselves, with the definition recorded as the reason. The definition runs
//! as SQL, compiled like any segment, so the count a team sees for it and the leads that
//! move are the same leads.

use leadline_core::{Stage, lifecycle};

use super::Writes;
use crate::Result;
use crate::capture::bulk::{self, Arg};
use crate::capture::tx::Tx;
use crate::segments::compile;
use leadline_core::policy::Policy;

/// A recycled lead comes back only with something new: a marketing activity (not a rep's
/// touch) that happened after sales handed it back. Without this, a lead sales rejected
/// while it still met the definition would be an MQL again at its next rescore and go
/// straight back to sales.
const RECYCLED_WITH_NEWS: &str = "l.stage <> 'recycled' OR EXISTS (SELECT 1 FROM activities a \
     WHERE a.lead_id = l.id AND a.type <> 'sales_touch' AND a.occurred_at > \
     (SELECT MAX(sc.at) FROM stage_changes sc WHERE sc.lead_id = l.id AND sc.to_stage = 'recycled'))";

/// Moves the leads among `ids` (or all leads) that meet the MQL definition and may still
/// become MQLs; returns how many moved.
pub(crate) async fn promote(
    tx: &mut Tx<'_>,
    ids: Option<&[String]>,
    now: i64,
    policy: &Policy,
) -> Result<u64> {
    let Ok(Some(expr)) = policy.mql() else {
        return Ok(0);
    };
    let movable: Vec<String> = [Stage::Subscriber, Stage::Lead, Stage::Recycled]
        .into_iter()
        .filter(|s| lifecycle::on_sales_ready(*s).is_some())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let compiled = compile(&expr, tx.backend(), now)?;
    let base = format!(
        "SELECT l.id, l.stage FROM leads l WHERE l.merged_into IS NULL AND l.stage IN ({}) \
         AND ({RECYCLED_WITH_NEWS}) AND {}",
        movable.join(","),
        compiled.sql
    );
    let mut found = Vec::new();
    match ids {
        None => found.extend(tx.fetch_all(&base, compiled.args.clone()).await?),
        Some(ids) => {
            for chunk in ids.chunks(bulk::CHUNK) {
                let first = compiled.args.len() + 1;
                let list: Vec<String> = (first..first + chunk.len())
                    .map(|i| format!("${i}"))
                    .collect();
                let mut args = compiled.args.clone();
                args.extend(chunk.iter().map(|id| Arg::from(id.as_str())));
                let sql = format!("{base} AND l.id IN ({})", list.join(","));
                found.extend(tx.fetch_all(&sql, args).await?);
            }
        }
    }
    let mut writes = Writes::default();
    let reason = format!("met the MQL definition: {}", policy.lifecycle.mql.trim());
    for r in &found {
        let id: String = r.try_get("id")?;
        let stage: String = r.try_get("stage")?;
        let Some(from) = Stage::parse(&stage) else {
            continue;
        };
        if let Some(to) = lifecycle::on_sales_ready(from) {
            writes.move_stage(&id, from, to, &reason, now);
        }
    }
    let moved = writes.moved.values().sum();
    writes.write(tx).await?;
    Ok(moved)
}
