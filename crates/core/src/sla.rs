//! What happens when a rep lets a follow-up deadline pass: a reminder to the rep at the
//! deadline, the team lead told some business hours later, and finally the lead taken back
//! and routed again. The instants come from the owner's working calendar (a deadline on
//! Friday evening escalates on Monday morning, not at midnight); which steps are due is a
//! pure function of them, the time and what was already done, so a worker that was down
//! catches up with every missed step in order, and one that runs twice repeats none.

use serde::{Deserialize, Serialize};

use crate::business_hours::{HOUR_MS, Schedule};

/// A team's escalation settings (business hours after the missed deadline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Escalation {
    /// Hours until the team lead is told; `None`: never.
    pub escalate_after_hours: Option<f64>,
    /// Hours until the lead is taken from the rep and routed again; `None`: never.
    pub reassign_after_hours: Option<f64>,
}

impl Default for Escalation {
    fn default() -> Escalation {
        Escalation {
            escalate_after_hours: Some(2.0),
            reassign_after_hours: Some(8.0),
        }
    }
}

/// A step of the ladder, in the order they come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Remind,
    Escalate,
    Reassign,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Remind => "remind",
            Step::Escalate => "escalate",
            Step::Reassign => "reassign",
        }
    }
}

/// When each step of one deadline falls due (epoch ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ladder {
    pub remind_at: i64,
    pub escalate_at: Option<i64>,
    pub reassign_at: Option<i64>,
}

impl Escalation {
    /// Checks the hours: finite, above zero, reassigning no sooner than escalating.
    pub fn validate(&self) -> Result<(), String> {
        for (field, h) in [
            ("escalate_after_hours", self.escalate_after_hours),
            ("reassign_after_hours", self.reassign_after_hours),
        ] {
            if let Some(h) = h
                && !(h.is_finite() && h > 0.0 && h <= 10_000.0)
            {
                return Err(format!("{field}: expected hours above 0 (at most 10000)"));
            }
        }
        if let (Some(e), Some(r)) = (self.escalate_after_hours, self.reassign_after_hours)
            && r < e
        {
            return Err("reassign_after_hours: must not come before escalate_after_hours".into());
        }
        Ok(())
    }

    /// The ladder of a deadline `due` on the owner's calendar; `None` for a step that cannot
    /// be placed (the calendar never opens again).
    pub fn ladder(&self, calendar: &Schedule, due: i64) -> Ladder {
        let after = |hours: Option<f64>| {
            hours.and_then(|h| calendar.add(due, (h * HOUR_MS as f64).round() as i64))
        };
        Ladder {
            remind_at: due,
            escalate_at: after(self.escalate_after_hours),
            reassign_at: after(self.reassign_after_hours),
        }
    }
}

/// The steps due at `now` and not yet taken (`last`: the latest step already taken), in
/// order; none once the rep has acted (`done`).
pub fn due_steps(ladder: &Ladder, done: bool, last: Option<Step>, now: i64) -> Vec<Step> {
    if done {
        return Vec::new();
    }
    [
        (Step::Remind, Some(ladder.remind_at)),
        (Step::Escalate, ladder.escalate_at),
        (Step::Reassign, ladder.reassign_at),
    ]
    .into_iter()
    .filter(|(step, at)| at.is_some_and(|at| now >= at) && last.is_none_or(|l| *step > l))
    .map(|(step, _)| step)
    .collect()
}

/// Which deadline of an assignment a ladder belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// Accept (or reject) the lead.
    Accept,
    /// Reach the prospect for the first time.
    Touch,
}

impl Deadline {
    pub fn as_str(self) -> &'static str {
        match self {
            Deadline::Accept => "accept",
            Deadline::Touch => "touch",
        }
    }

    pub fn parse(text: &str) -> Option<Deadline> {
        match text {
            "accept" => Some(Deadline::Accept),
            "touch" => Some(Deadline::Touch),
            _ => None,
        }
    }

    /// Words for people: `accept`, `first touch`.
    pub fn label(self) -> &'static str {
        match self {
            Deadline::Accept => "accept",
            Deadline::Touch => "first touch",
        }
    }
}

/// One deadline of an assignment as the worker sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    pub deadline: Deadline,
    pub ladder: Ladder,
    /// The rep did what the deadline asked.
    pub done: bool,
    /// The latest step already taken on this deadline.
    pub last: Option<Step>,
}

/// Every step due at `now` on an assignment's deadlines, in the order they fell due (the
/// accept ladder first on a tie). A reassignment ends the assignment, so nothing follows
/// it: the other deadline's later steps die with it. Taking the plan at any series of
/// instants takes the same steps, in the same order, as taking it once at the last.
pub fn plan(watches: &[Watch], now: i64) -> Vec<(Deadline, Step)> {
    let mut due: Vec<(i64, Deadline, Step)> = Vec::new();
    for w in watches {
        for step in due_steps(&w.ladder, w.done, w.last, now) {
            let at = match step {
                Step::Remind => Some(w.ladder.remind_at),
                Step::Escalate => w.ladder.escalate_at,
                Step::Reassign => w.ladder.reassign_at,
            };
            due.push((at.unwrap_or(now), w.deadline, step));
        }
    }
    due.sort();
    let mut out = Vec::with_capacity(due.len());
    for (_, d, step) in due {
        out.push((d, step));
        if step == Step::Reassign {
            break;
        }
    }
    out
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::business_hours::Calendar;

    /// 2026-11-06, a Friday, 16:00 UTC.
    const FRIDAY_4PM: i64 = 1_793_980_800_000;

    fn ladder() -> Ladder {
        let office = Calendar::default().validate().unwrap();
        Escalation::default().ladder(&office, FRIDAY_4PM)
    }

    #[test]
    fn a_friday_deadline_escalates_on_monday_morning() {
        let l = ladder();
        assert_eq!(l.remind_at, FRIDAY_4PM);
        // One business hour left on Friday, one more on Monday from 09:00.
        let monday_10am = FRIDAY_4PM + 66 * HOUR_MS;
        assert_eq!(l.escalate_at, Some(monday_10am));
        // Eight business hours: Friday's one, then seven on Monday: 16:00.
        assert_eq!(l.reassign_at, Some(FRIDAY_4PM + 72 * HOUR_MS));
    }

    #[test]
    fn steps_come_in_order_once_each_and_stop_when_the_rep_acts() {
        let l = ladder();
        assert!(due_steps(&l, false, None, FRIDAY_4PM - 1).is_empty());
        assert_eq!(due_steps(&l, false, None, FRIDAY_4PM), [Step::Remind]);
        assert!(due_steps(&l, false, Some(Step::Remind), FRIDAY_4PM + HOUR_MS).is_empty());
        // A worker down all weekend catches up with both missed steps, in order.
        let monday_noon = FRIDAY_4PM + 68 * HOUR_MS;
        assert_eq!(
            due_steps(&l, false, None, monday_noon),
            [Step::Remind, Step::Escalate]
        );
        assert_eq!(
            due_steps(&l, false, Some(Step::Escalate), i64::MAX),
            [Step::Reassign]
        );
        assert!(due_steps(&l, false, Some(Step::Reassign), i64::MAX).is_empty());
        assert!(due_steps(&l, true, None, i64::MAX).is_empty());
    }

    #[test]
    fn settings_that_make_no_sense_are_refused_by_field() {
        let bad = |e: Option<f64>, r: Option<f64>| {
            Escalation {
                escalate_after_hours: e,
                reassign_after_hours: r,
            }
            .validate()
            .unwrap_err()
        };
        assert!(bad(Some(0.0), None).starts_with("escalate_after_hours"));
        assert!(bad(None, Some(f64::NAN)).starts_with("reassign_after_hours"));
        assert!(bad(Some(4.0), Some(2.0)).starts_with("reassign_after_hours"));
        assert!(Escalation::default().validate().is_ok());
        let none = Escalation {
            escalate_after_hours: None,
            reassign_after_hours: None,
        };
        assert!(none.validate().is_ok());
        assert_eq!(
            due_steps(
                &none.ladder(&Calendar::default().validate().unwrap(), 0),
                false,
                None,
                i64::MAX
            ),
            [Step::Remind]
        );
    }
}
