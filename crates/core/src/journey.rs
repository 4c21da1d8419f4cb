//! Journeys: a lead's marketing touches, derived from its activities, and the conversions
//! (outcomes) that attribution credits them for.
//!
//! **Touches.** An activity is a marketing touch when it has a channel and its type is one a
//! person does or has done to them by marketing ([`is_touch_type`]): page and screen views,
//! tracked events (email opens, webinar attendance), form submissions, list imports (trade
//! show scans, direct mail responses), API-created leads and logged referrals. Identity calls
//! (`identify`, `alias`, `group`) and sales' own touches are not. Repeats collapse: an
//! activity with the same channel and campaign as the touch before it, within
//! [`COLLAPSE_MS`] of that touch's latest activity, is part of it (a visit of ten page views
//! is one touch, dated by its first view).
//!
//! **Outcomes** ([`Outcome`]): a lead created, an MQL, an SQL, an opportunity (value: its
//! pipeline) or revenue (value: the won amount). Only touches at or before the conversion
//! and within the lookback window count ([`Journey::window`]).

pub mod credit;
pub mod report;
pub mod roi;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

/// Activities this close (30 minutes) to the previous one of the same touch belong to it.
pub const COLLAPSE_MS: i64 = 30 * 60_000;
/// Touches older than this before the conversion are ignored by default (365 days).
pub const DEFAULT_LOOKBACK_DAYS: u32 = 365;
/// Time decay's default half-life in days.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 7.0;
/// The Markov orders a report takes (states: windows of this many consecutive touches), the
/// same as `leadline attribution --order` on path files.
pub const MARKOV_ORDERS: std::ops::RangeInclusive<u32> = 1..=8;
/// The channel credited for a conversion with no touch in its window, so that credit always
/// sums to the conversions.
pub const NO_TOUCH: &str = "(no touch)";
/// The campaign of touches without one (and of costs booked to a channel only).
pub const NO_CAMPAIGN: &str = "(no campaign)";

/// What a report counts as a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Leads created (first reached the `lead` stage, or created as one).
    Leads,
    Mqls,
    Sqls,
    /// Opportunities created; value = the lead's opportunities' amounts (pipeline).
    Opportunities,
    /// Customers won; value = the won amounts.
    Revenue,
}

impl Outcome {
    /// Outcomes the attribution report offers, in funnel order.
    pub const REPORTED: [Outcome; 4] = [
        Outcome::Leads,
        Outcome::Mqls,
        Outcome::Opportunities,
        Outcome::Revenue,
    ];

    /// The name the CLI, API and UI use.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Leads => "leads",
            Outcome::Mqls => "mqls",
            Outcome::Sqls => "sqls",
            Outcome::Opportunities => "opportunities",
            Outcome::Revenue => "revenue",
        }
    }

    /// Parses [`Self::as_str`] names (case and surrounding spaces ignored).
    pub fn parse(text: &str) -> Option<Outcome> {
        let t = text.trim().to_ascii_lowercase();
        [
            Outcome::Leads,
            Outcome::Mqls,
            Outcome::Sqls,
            Outcome::Opportunities,
            Outcome::Revenue,
        ]
        .into_iter()
        .find(|o| o.as_str() == t)
    }
}

/// Whether an activity type can be a marketing touch (it also needs a channel).
pub fn is_touch_type(kind: &str) -> bool {
    matches!(
        kind,
        "page"
            | "screen"
            | "track"
            | "form_submitted"
            | "list_imported"
            | "api_created"
            | "referral_logged"
    )
}

/// One touch: when it started, its channel and campaign as ids into [`Names`]
/// (campaign [`Touch::NONE`] when it had none).
/// Sixteen bytes: a report holds millions of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    pub at: i64,
    pub channel: u32,
    pub campaign: u32,
}

impl Touch {
    pub const NONE: u32 = u32::MAX;

    /// A touch of one activity.
    pub fn new(at: i64, channel: u32, campaign: u32) -> Touch {
        Touch {
            at,
            channel,
            campaign,
        }
    }
}

/// Interned names (channels, or campaign ids), so a million journeys hold numbers.
#[derive(Debug, Clone, Default)]
pub struct Names {
    names: Vec<String>,
    /// Fx-hashed: the store interns two names per activity row, millions per report.
    index: crate::attribution::FxMap<String, u32>,
    /// The id last interned.
    last: u32,
}

impl Names {
    /// The id of `name`, adding it on first sight. A lead's activities mostly repeat the
    /// name before them, which is found without hashing.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(last) = self.names.get(self.last as usize)
            && last == name
        {
            return self.last;
        }
        let id = match self.index.get(name) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.names.push(name.to_owned());
                self.index.insert(name.to_owned(), id);
                id
            }
        };
        self.last = id;
        id
    }

    /// The name of `id` (empty for an unknown id).
    pub fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The channel and campaign names of one read, interned by all its builders: when a read is
/// split over threads (one [`TouchBuilder`] each), every part's touches carry the same ids,
/// so the parts' journeys join without renumbering. A builder asks here once per name it
/// meets; the lock is not on the per-activity path.
#[derive(Debug, Default)]
pub struct SharedNames {
    channels: Mutex<Names>,
    campaigns: Mutex<Names>,
}

impl SharedNames {
    /// The channel and the campaign names interned so far.
    pub fn snapshot(&self) -> (Names, Names) {
        let lock = |m: &Mutex<Names>| m.lock().unwrap_or_else(PoisonError::into_inner).clone();
        (lock(&self.channels), lock(&self.campaigns))
    }
}

/// A builder's own ids for names (found without a lock) and the shared id of each.
#[derive(Debug, Default)]
struct LocalNames {
    names: Names,
    shared: Vec<u32>,
}

impl LocalNames {
    fn intern(&mut self, name: &str, table: &Mutex<Names>) -> u32 {
        let local = self.names.intern(name) as usize;
        if local == self.shared.len() {
            let mut t = table.lock().unwrap_or_else(PoisonError::into_inner);
            self.shared.push(t.intern(name));
        }
        self.shared[local]
    }
}

/// Turns a lead's activities into touches: filters non-touches, orders the rest by time
/// (the store need not sort them) and collapses repeats. One builder serves every lead (call
/// [`Self::clear`] between leads); names are interned once for all of them, in the
/// [`SharedNames`] it was made with.
#[derive(Debug, Default)]
pub struct TouchBuilder {
    names: Arc<SharedNames>,
    channels: LocalNames,
    campaigns: LocalNames,
    raw: Vec<(i64, u32, u32)>,
    /// Where a window's touches are collapsed before they are copied out once, each with
    /// the time of its latest collapsed activity (for the 30-minute rule).
    scratch: Vec<(Touch, i64)>,
}

impl TouchBuilder {
    /// A builder whose touches use the ids of `names` (shared with the other parts of a
    /// split read).
    pub fn new(names: Arc<SharedNames>) -> TouchBuilder {
        TouchBuilder {
            names,
            ..TouchBuilder::default()
        }
    }

    /// The names the touches' ids refer to.
    pub fn names(&self) -> &SharedNames {
        &self.names
    }

    /// Adds one activity of the current lead, in any order.
    pub fn push(&mut self, at: i64, kind: &str, channel: Option<&str>, campaign: Option<&str>) {
        let Some(channel) = channel.map(str::trim).filter(|c| !c.is_empty()) else {
            return;
        };
        if !is_touch_type(kind) {
            return;
        }
        let ch = self.channels.intern(channel, &self.names.channels);
        let cp = match campaign.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => self.campaigns.intern(c, &self.names.campaigns),
            None => Touch::NONE,
        };
        self.raw.push((at, ch, cp));
    }

    /// The touches of the lead's activities in `[from, to]`, collapsed among themselves
    /// only: an activity before `from` never swallows one inside. So a journey's touches
    /// are the same whatever span of the lead's history was read around its window. The
    /// lead stays open (ask for several windows, then [`Self::clear`]).
    pub fn between(&mut self, from: i64, to: i64) -> Arc<[Touch]> {
        if !self.raw.is_sorted_by_key(|r| r.0) {
            self.raw.sort_by_key(|r| r.0);
        }
        let lo = self.raw.partition_point(|r| r.0 < from);
        let hi = self.raw.partition_point(|r| r.0 <= to).max(lo);
        let out = &mut self.scratch;
        out.clear();
        for &(at, ch, cp) in &self.raw[lo..hi] {
            if let Some((prev, last)) = out.last_mut()
                && prev.channel == ch
                && prev.campaign == cp
                && at - *last <= COLLAPSE_MS
            {
                *last = (*last).max(at);
                continue;
            }
            out.push((Touch::new(at, ch, cp), at));
        }
        out.iter().map(|t| t.0).collect()
    }

    /// Forgets the current lead's activities (names stay interned).
    pub fn clear(&mut self) {
        self.raw.clear();
    }
}

/// One lead's journey towards an outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Journey {
    /// Whether the lead reached the outcome in the period (else a non-converting journey,
    /// which only Markov and Shapley read).
    pub converted: bool,
    /// The conversion time (for a non-converting journey: the end of the period).
    pub at: i64,
    /// When the lead was created as a lead: the W-shaped and full-path anchor.
    pub lead_at: i64,
    /// When its first opportunity was created: full path's third anchor.
    pub opportunity_at: Option<i64>,
    /// The conversion's value in minor units (pipeline or won amount; 0 for counts).
    pub value: i64,
    /// Touches in time order (the store reads exactly the window; see [`Self::window`]).
    /// Shared: a lead's non-converting journeys of several outcomes have the same window.
    pub touches: Arc<[Touch]>,
}

impl Journey {
    /// The touches that count: at or before the conversion, no older than `lookback_ms`.
    pub fn window(&self, lookback_ms: i64) -> &[Touch] {
        let start = self.at.saturating_sub(lookback_ms);
        let lo = self.touches.partition_point(|t| t.at < start);
        let hi = self.touches.partition_point(|t| t.at <= self.at);
        &self.touches[lo..hi.max(lo)]
    }
}
