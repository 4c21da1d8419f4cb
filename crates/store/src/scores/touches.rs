//! The scored activities of the leads being assessed, read once and kept compact: each
//! activity's lead (as 128 bits), time and engagement rule, sorted by lead. A lead's tally
//! is then a binary search away, and a rescore of a million leads holds a flat array
//! instead of a map of a million small vectors.

use leadline_core::scoring::{EngagementRules, Tally};

use crate::Result;
use crate::capture::bulk;
use crate::capture::tx::{ScanRow, Tx};

/// What engagement reads of a lead's activities.
pub(crate) const ACTIVITY_SELECT: &str = "SELECT lead_id, type, name, occurred_at FROM activities";

/// One activity that counts for engagement.
#[derive(Debug, Clone, Copy)]
struct Scored {
    lead: u128,
    at: i64,
    rule: u32,
}

/// Scored activities, sorted by lead once [`finish`](Touches::finish)ed.
#[derive(Default)]
pub(crate) struct Touches {
    items: Vec<Scored>,
    /// Activities read, scored or not.
    pub read: u64,
}

impl Touches {
    /// The activities of every lead (`leads` `None`) or of the leads `leads`.
    pub async fn read(
        tx: &mut Tx<'_>,
        rules: &EngagementRules<'_>,
        leads: Option<&[String]>,
    ) -> Result<Touches> {
        let mut t = Touches::default();
        let mut add = |r: &ScanRow<'_, '_>| t.add(rules, r);
        match leads {
            // No `WHERE lead_id IS NOT NULL`: SQLite would walk the partial lead index and
            // fetch every row out of order; a plain table scan reads the file once.
            None => {
                tx.scan(ACTIVITY_SELECT, vec![], &mut add).await?;
            }
            Some(ids) => bulk::scan_in(tx, ACTIVITY_SELECT, "lead_id", ids, &mut add).await?,
        }
        t.finish();
        Ok(t)
    }

    /// Adds one row of [`ACTIVITY_SELECT`].
    fn add(&mut self, rules: &EngagementRules<'_>, r: &ScanRow<'_, '_>) -> Result<()> {
        self.read += 1;
        let (Some(lead), Some(kind)) = (r.text(0)?, r.text(1)?) else {
            return Ok(());
        };
        if let Some(rule) = rules.rule(kind, r.text(2)?) {
            self.items.push(Scored {
                lead: lead_key(lead),
                at: r.int(3)?,
                rule: rule as u32,
            });
        }
        Ok(())
    }

    fn finish(&mut self) {
        self.items.sort_unstable_by_key(|s| s.lead);
        self.items.shrink_to_fit();
    }

    /// The engagement tally of lead `id` at `now`.
    pub fn tally(&self, rules: &EngagementRules<'_>, id: &str, now: i64) -> Tally {
        let key = lead_key(id);
        let start = self.items.partition_point(|s| s.lead < key);
        let mut tally = Tally::default();
        for s in self.items[start..].iter().take_while(|s| s.lead == key) {
            rules.add_to_rule(&mut tally, s.rule as usize, s.at, now);
        }
        tally
    }
}

/// The 128-bit key of a lead id: the UUID's bits, or an FNV-1a hash of other text.
fn lead_key(id: &str) -> u128 {
    match uuid::Uuid::parse_str(id) {
        Ok(u) => u.as_u128(),
        Err(_) => id
            .bytes()
            .fold(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d_u128, |h, b| {
                (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B)
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadline_core::scoring::{Model, Touch};

    fn touches(rows: &[(&str, &str, Option<&str>, i64)], rules: &EngagementRules) -> Touches {
        let mut t = Touches::default();
        for (lead, kind, name, at) in rows {
            if let Some(rule) = rules.rule(kind, *name) {
                t.items.push(Scored {
                    lead: lead_key(lead),
                    at: *at,
                    rule: rule as u32,
                });
            }
        }
        t.finish();
        t
    }

    #[test]
    fn a_lead_s_tally_holds_its_own_activities_and_no_one_else_s() {
        let model = Model::default();
        let rules = EngagementRules::new(&model);
        let a = "0190a6a0-0000-7000-8000-000000000001";
        let b = "0190a6a0-0000-7000-8000-000000000002";
        let now = 100 * 86_400_000;
        let rows = [
            (b, "page", Some("Pricing"), now),
            (a, "form_submitted", Some("Contact"), now),
            ("not-a-uuid", "page", Some("Home"), now),
            (a, "page", Some("Home"), now - 30 * 86_400_000),
            (b, "unknown_kind", None, now),
        ];
        let t = touches(&rows, &rules);
        let score = |id: &str| rules.score(&t.tally(&rules, id, now)).points;
        // a: a form (50) and a page view a half-life ago (0.5).
        assert!((score(a) - 50.5).abs() < 1e-9, "{}", score(a));
        assert!((score(b) - 10.0).abs() < 1e-9, "{}", score(b));
        assert!((score("not-a-uuid") - 1.0).abs() < 1e-9);
        assert_eq!(score("0190a6a0-0000-7000-8000-000000000003"), 0.0);
        // The same as scoring the touches one by one.
        let direct = model.engagement(
            &[
                Touch {
                    kind: "form_submitted",
                    name: Some("Contact"),
                    at: now,
                },
                Touch {
                    kind: "page",
                    name: Some("Home"),
                    at: now - 30 * 86_400_000,
                },
            ],
            now,
        );
        assert_eq!(rules.score(&t.tally(&rules, a, now)), direct);
    }
}
