//! The funnel, sources and velocity reports' numbers gathered in one pass over a period's
//! leads, one lead at a time, in memory of the size of the answer (a few thousand groups),
//! not of the leads.
//!
//! Why not `GROUP BY` in the database: SQLite has no hash aggregation, so each grouping sorts
//! every lead of the period (a million at the 1M-lead demo), and a funnel report needs three
//! (its rows, the monthly trend, the velocity histograms). Reading the leads once, ungrouped,
//! and counting here is several times faster, and the same code serves PostgreSQL.

use std::collections::HashMap;

use crate::journey::Names;

use super::{By, LeadMilestones, STAGES, Tally, Velocity, velocity_from_hours};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// One lead as the pass reads it: [`LeadMilestones`] with its text borrowed from the row.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeadRow<'a> {
    pub created_at: i64,
    /// Index in [`STAGES`] of the lead's current stage (0 when it is a side stage).
    pub stage: usize,
    /// First time each stage was reached, in [`STAGES`] order; index 0 is `created_at`.
    pub at: [Option<i64>; 7],
    pub disqualified: bool,
    pub reason: Option<&'a str>,
    pub source: Option<&'a str>,
    /// The first-touch campaign's id (named when the tallies are taken).
    pub campaign_id: Option<&'a str>,
    pub won_minor: i64,
}

/// What a group of alike leads shares: group (by kind and key), furthest stage, and
/// disqualification reason; texts interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    by: u8,
    /// The cohort day for months; an interned text (or `u32::MAX` for none) otherwise.
    group: i64,
    furthest: u8,
    disqualified: bool,
    reason: u32,
}

const NONE: u32 = u32::MAX;

/// The counts of one pass: tallies for every grouping and the velocity histograms.
#[derive(Debug, Default)]
pub struct FunnelPass {
    groups: HashMap<Key, (u64, i64)>,
    /// Leads per (step, whole hours taken); step 6 is creation → customer.
    hours: HashMap<(usize, i64), u64>,
    text: Names,
}

impl FunnelPass {
    fn intern(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NONE, |s| self.text.intern(s))
    }

    fn text_of(&self, i: u32) -> Option<String> {
        (i != NONE).then(|| self.text.name(i).to_owned())
    }

    /// Counts one lead.
    pub fn add(&mut self, lead: &LeadRow<'_>) {
        let recorded = lead.at.iter().rposition(Option::is_some).unwrap_or(0);
        let furthest = recorded.max(lead.stage).min(STAGES.len() - 1) as u8;
        let reason = if lead.disqualified {
            self.intern(lead.reason)
        } else {
            NONE
        };
        let source = self.intern(lead.source);
        let campaign = self.intern(lead.campaign_id);
        let groups = [
            (By::Month, lead.created_at.div_euclid(DAY_MS)),
            (By::Source, i64::from(source)),
            (By::Campaign, i64::from(campaign)),
        ];
        for (by, group) in groups {
            let key = Key {
                by: by as u8,
                group,
                furthest,
                disqualified: lead.disqualified,
                reason,
            };
            let slot = self.groups.entry(key).or_default();
            slot.0 += 1;
            slot.1 += lead.won_minor;
        }
        let mut at = lead.at;
        at[0] = Some(lead.created_at);
        let steps = (0..STAGES.len() - 1)
            .map(|k| (k, at[k], at[k + 1]))
            .chain([(STAGES.len() - 1, at[0], at[6])]);
        for (k, a, b) in steps {
            if let (Some(a), Some(b)) = (a, b)
                && b >= a
            {
                *self.hours.entry((k, (b - a) / HOUR_MS)).or_default() += 1;
            }
        }
    }

    /// The leads counted so far, alike ones together, grouped `by`; campaigns are named by
    /// `campaign_name` (given the id).
    pub fn tallies(&self, by: By, campaign_name: impl Fn(&str) -> String) -> Vec<Tally> {
        self.groups
            .iter()
            .filter(|(k, _)| k.by == by as u8)
            .map(|(k, &(leads, won))| {
                let mut lead = LeadMilestones {
                    stage: Some(STAGES[usize::from(k.furthest)]),
                    disqualified_at: k.disqualified.then_some(0),
                    disqualified_reason: self.text_of(k.reason),
                    won_minor: won,
                    ..LeadMilestones::default()
                };
                match by {
                    By::Month => lead.created_at = k.group * DAY_MS,
                    By::Source => lead.source = self.text_of(k.group as u32),
                    By::Campaign => {
                        lead.campaign = self.text_of(k.group as u32).map(|id| campaign_name(&id));
                    }
                }
                Tally { lead, leads }
            })
            .collect()
    }

    /// Median and 75th percentile days per step of the leads counted so far.
    pub fn velocity(&self) -> Velocity {
        let hist: Vec<(usize, i64, u64)> =
            self.hours.iter().map(|(&(k, h), &n)| (k, h, n)).collect();
        velocity_from_hours(&hist)
    }
}

#[cfg(test)]
mod tests;
