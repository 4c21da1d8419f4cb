//! The follow-up report: did sales accept and touch the leads marketing handed over, in
//! time? Leaders ask it by rep, team, source and month; marketing asks which leads were
//! never touched. Pure aggregation over assignments, with `now` as an argument: a lead whose
//! deadline has not passed yet is *pending*, neither on time nor late, so a Monday report
//! does not count Friday's fresh leads against anyone.

use std::collections::BTreeMap;

use serde::Serialize;

/// One assignment as the report reads it (times in epoch ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    pub lead_id: String,
    pub owner: String,
    pub team: Option<String>,
    /// The lead's source channel.
    pub source: String,
    pub assigned_at: i64,
    pub accept_due_at: Option<i64>,
    pub touch_due_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub rejected_at: Option<i64>,
    pub first_touch_at: Option<i64>,
    /// `code` or `code: the rep's note`, when the rep rejected it.
    pub rejection_reason: Option<String>,
}

/// What the rows of a report are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Rep,
    Team,
    Source,
    /// The month of assignment, `YYYY-MM` in UTC.
    Month,
    /// Why the rep rejected it (`no_budget`, …; `(not rejected)` for the rest): which
    /// reasons sales gives marketing, and how often.
    Reason,
}

/// How one deadline went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    OnTime,
    Late,
    /// Not done and not due yet.
    Pending,
}

/// Whether something due at `due` (none: any time counts) and done at `done` was on time.
pub fn kept(due: Option<i64>, done: Option<i64>, now: i64) -> Kept {
    match (due, done) {
        (None, Some(_)) => Kept::OnTime,
        (None, None) => Kept::Pending,
        (Some(due), Some(done)) if done <= due => Kept::OnTime,
        (Some(_), Some(_)) => Kept::Late,
        (Some(due), None) if now > due => Kept::Late,
        (Some(_), None) => Kept::Pending,
    }
}

/// One row of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FollowupRow {
    pub key: String,
    pub assigned: u64,
    pub accepted_on_time: u64,
    pub accepted_late: u64,
    pub rejected: u64,
    pub touched_on_time: u64,
    pub touched_late: u64,
    /// Past the touch deadline (or rejected) without a touch.
    pub never_touched: u64,
    pub pending: u64,
    /// Shares of the decided cases (on time + late): `None` when nothing is decided yet.
    pub accepted_on_time_rate: Option<f64>,
    pub touched_on_time_rate: Option<f64>,
    /// Median hours from assignment to first touch, over touched leads.
    pub median_hours_to_touch: Option<f64>,
}

/// The report's table and CSV columns, in order: `leadline report followup` and the
/// Follow-up page's download write the same file.
pub const COLUMNS: [&str; 12] = [
    "key",
    "assigned",
    "accepted_on_time",
    "accepted_late",
    "rejected",
    "touched_on_time",
    "touched_late",
    "never_touched",
    "pending",
    "accepted_on_time_rate",
    "touched_on_time_rate",
    "median_hours_to_touch",
];

impl FollowupRow {
    /// The row's cells under [`COLUMNS`]: rates to 3 decimals, hours to 1, empty when unknown.
    pub fn cells(&self) -> Vec<String> {
        let opt =
            |v: Option<f64>, digits: usize| v.map_or(String::new(), |v| format!("{v:.digits$}"));
        vec![
            self.key.clone(),
            self.assigned.to_string(),
            self.accepted_on_time.to_string(),
            self.accepted_late.to_string(),
            self.rejected.to_string(),
            self.touched_on_time.to_string(),
            self.touched_late.to_string(),
            self.never_touched.to_string(),
            self.pending.to_string(),
            opt(self.accepted_on_time_rate, 3),
            opt(self.touched_on_time_rate, 3),
            opt(self.median_hours_to_touch, 1),
        ]
    }
}

/// The report grouped `by`, rows sorted by key, with a last row `total`.
pub fn report(handovers: &[Handover], by: By, now: i64) -> Vec<FollowupRow> {
    let mut groups: BTreeMap<String, Vec<&Handover>> = BTreeMap::new();
    for h in handovers {
        groups.entry(key(h, by)).or_default().push(h);
    }
    let mut rows: Vec<FollowupRow> = groups.into_iter().map(|(k, hs)| row(k, &hs, now)).collect();
    let all: Vec<&Handover> = handovers.iter().collect();
    rows.push(row("total".into(), &all, now));
    rows
}

/// The leads past their touch deadline (or rejected) without a touch: the list marketing
/// wants back.
pub fn never_touched(handovers: &[Handover], now: i64) -> Vec<&Handover> {
    handovers.iter().filter(|h| untouched(h, now)).collect()
}

fn untouched(h: &Handover, now: i64) -> bool {
    h.first_touch_at.is_none()
        && (h.rejected_at.is_some() || kept(h.touch_due_at, None, now) == Kept::Late)
}

fn key(h: &Handover, by: By) -> String {
    match by {
        By::Rep => h.owner.clone(),
        By::Team => h.team.clone().unwrap_or_else(|| "(no team)".into()),
        By::Source => h.source.clone(),
        By::Month => crate::time::rfc3339(h.assigned_at)
            .get(..7)
            .unwrap_or("?")
            .to_owned(),
        By::Reason => match (&h.rejected_at, &h.rejection_reason) {
            (Some(_), Some(r)) => r.split(':').next().unwrap_or(r).trim().to_owned(),
            (Some(_), None) => "(no reason)".into(),
            (None, _) => "(not rejected)".into(),
        },
    }
}

fn row(key: String, hs: &[&Handover], now: i64) -> FollowupRow {
    let mut r = FollowupRow {
        key,
        ..FollowupRow::default()
    };
    let mut hours = Vec::new();
    for h in hs {
        r.assigned += 1;
        if h.rejected_at.is_some() {
            r.rejected += 1;
        } else {
            match kept(h.accept_due_at, h.accepted_at, now) {
                Kept::OnTime => r.accepted_on_time += 1,
                Kept::Late => r.accepted_late += 1,
                Kept::Pending => {}
            }
        }
        match kept(h.touch_due_at, h.first_touch_at, now) {
            Kept::OnTime => r.touched_on_time += 1,
            Kept::Late if h.first_touch_at.is_some() => r.touched_late += 1,
            _ => {}
        }
        if untouched(h, now) {
            r.never_touched += 1;
        }
        let accept_pending =
            h.rejected_at.is_none() && kept(h.accept_due_at, h.accepted_at, now) == Kept::Pending;
        let touch_pending = kept(h.touch_due_at, h.first_touch_at, now) == Kept::Pending;
        if h.rejected_at.is_none() && (accept_pending || touch_pending) {
            r.pending += 1;
        }
        if let Some(t) = h.first_touch_at {
            hours.push((t - h.assigned_at).max(0) as f64 / 3_600_000.0);
        }
    }
    let rate = |on: u64, late: u64| (on + late > 0).then(|| on as f64 / (on + late) as f64);
    r.accepted_on_time_rate = rate(r.accepted_on_time, r.accepted_late);
    // Never touched counts against the touch rate, like a late touch.
    r.touched_on_time_rate = rate(r.touched_on_time, r.touched_late + r.never_touched);
    r.median_hours_to_touch = median(&mut hours);
    r
}

fn median(xs: &mut [f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// Why a rep sent a lead back to marketing; counted in reports so marketing learns which
/// sources send leads sales cannot use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    NotAFit,
    NoBudget,
    Duplicate,
    BadData,
    Competitor,
    NoResponse,
    /// Needs the rep's own words.
    Other,
}

impl RejectReason {
    pub const ALL: [RejectReason; 7] = [
        RejectReason::NotAFit,
        RejectReason::NoBudget,
        RejectReason::Duplicate,
        RejectReason::BadData,
        RejectReason::Competitor,
        RejectReason::NoResponse,
        RejectReason::Other,
    ];

    /// The stable code stored and counted: `not_a_fit`, …
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::NotAFit => "not_a_fit",
            RejectReason::NoBudget => "no_budget",
            RejectReason::Duplicate => "duplicate",
            RejectReason::BadData => "bad_data",
            RejectReason::Competitor => "competitor",
            RejectReason::NoResponse => "no_response",
            RejectReason::Other => "other",
        }
    }

    /// Words for people: `not a fit`, …
    pub fn label(self) -> &'static str {
        match self {
            RejectReason::NotAFit => "not a fit",
            RejectReason::NoBudget => "no budget",
            RejectReason::Duplicate => "duplicate",
            RejectReason::BadData => "bad data",
            RejectReason::Competitor => "competitor",
            RejectReason::NoResponse => "no response",
            RejectReason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<RejectReason> {
        let t = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        RejectReason::ALL.into_iter().find(|r| r.code() == t)
    }
}

/// How a rep reached a lead. Calls, emails and meetings are touches (the first one stops
/// the touch deadline); a note is for the record only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchKind {
    Call,
    Email,
    Meeting,
    Note,
}

impl TouchKind {
    pub const ALL: [TouchKind; 4] = [
        TouchKind::Call,
        TouchKind::Email,
        TouchKind::Meeting,
        TouchKind::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TouchKind::Call => "call",
            TouchKind::Email => "email",
            TouchKind::Meeting => "meeting",
            TouchKind::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<TouchKind> {
        let t = text.trim().to_ascii_lowercase();
        TouchKind::ALL.into_iter().find(|k| k.as_str() == t)
    }

    /// Whether it reaches the prospect (and so counts as following the lead up).
    pub fn reaches_the_lead(self) -> bool {
        self != TouchKind::Note
    }
}

#[cfg(test)]
mod tests;
