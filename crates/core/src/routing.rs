//! Routing: which rep gets a sales-ready lead, by which rule, and why.
//!
//! Ordered, first-match rules ([`RoutingRule`], checked by [`compile`]): each has a segment
//! condition and a target (one owner, or a team sharing leads by round robin, weight or
//! capacity), optionally preferring the owner of the lead's account. [`route`] is a pure
//! function: the caller passes what the rules cannot know — who is available right now
//! (working hours, out of office) and how many open leads each rep holds ([`RepDirectory`]),
//! and each team's rotation so far ([`RoutingState`]) — and gets back a [`Decision`] with
//! the state change to save. The store writes the assignment, that state change and the
//! outbox message in one transaction, so a crash never drops or doubles an assignment, and
//! routing again with the same inputs gives the same answer.
//!
//! A rule that matches but cannot name anyone (its owner is away, its whole team is away or
//! at capacity) does not strand the lead: routing goes on to the next rule and records why
//! the earlier one was skipped. When nothing assigns, the decision says whether no rule
//! matched or no one was available, so the caller can route again when reps come back.
//!
//! The "test this lead" preview is the same call with the live inputs, its state change
//! simply not saved; [`Decision::explanation`] says which rules were tried and why.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::filter::Lead;

mod config;
mod pick;

pub use config::{
    Assign, CompiledRule, MAX_CAPACITY, MAX_WEIGHT, Member, Method, RoutingError, RoutingRule,
    RuleRef, Sla, Target, Team, TeamMember, compile,
};

/// Whether a rep can take a lead now; the caller works it out from working hours,
/// out-of-office and the user's status, which keeps routing free of clocks and calendars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Available,
    OutOfOffice,
    OutsideWorkingHours,
    /// Deactivated, or no longer in sales.
    Inactive,
    /// Kept out of this decision: the lead was taken from them after a missed deadline.
    Excluded,
}

/// One rep as routing sees them at the moment of the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rep {
    /// The user id the rules name.
    pub id: String,
    pub availability: Availability,
    /// Assignments not yet closed (accepted-and-worked or rejected), for capacity teams.
    pub open: u32,
}

/// The reps routing may choose from, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepDirectory {
    reps: BTreeMap<String, Rep>,
}

impl RepDirectory {
    /// A directory of `reps`; when an id repeats, the last one counts.
    pub fn new(reps: impl IntoIterator<Item = Rep>) -> RepDirectory {
        RepDirectory {
            reps: reps.into_iter().map(|r| (r.id.clone(), r)).collect(),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Rep> {
        self.reps.get(id)
    }

    /// Counts one more open assignment for `id`, for a caller routing a batch of leads
    /// against one directory.
    pub fn record_assignment(&mut self, id: &str) {
        if let Some(r) = self.reps.get_mut(id) {
            r.open = r.open.saturating_add(1);
        }
    }

    /// Keeps `id` out of decisions made with this directory (a lead taken back from them
    /// after a missed deadline must go to someone else).
    pub fn exclude(&mut self, id: &str) {
        if let Some(r) = self.reps.get_mut(id) {
            r.availability = Availability::Excluded;
        }
    }

    /// Why `id` cannot take a lead (`None`: they can), given their capacity if any.
    fn unavailable(&self, id: &str, capacity: Option<u32>) -> Option<Why> {
        let Some(rep) = self.reps.get(id) else {
            return Some(Why::UnknownRep);
        };
        match rep.availability {
            Availability::OutOfOffice => Some(Why::OutOfOffice),
            Availability::OutsideWorkingHours => Some(Why::OutsideWorkingHours),
            Availability::Inactive => Some(Why::Inactive),
            Availability::Excluded => Some(Why::Excluded),
            Availability::Available => match capacity {
                Some(capacity) if rep.open >= capacity => Some(Why::AtCapacity {
                    open: rep.open,
                    capacity,
                }),
                _ => None,
            },
        }
    }
}

impl FromIterator<Rep> for RepDirectory {
    fn from_iter<I: IntoIterator<Item = Rep>>(reps: I) -> RepDirectory {
        RepDirectory::new(reps)
    }
}

/// Why a rep was passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    OutOfOffice,
    OutsideWorkingHours,
    Inactive,
    AtCapacity {
        open: u32,
        capacity: u32,
    },
    /// The rules name a user the directory does not have (deleted, or a typo).
    UnknownRep,
    /// The lead was taken from them after a missed deadline.
    Excluded,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::OutOfOffice => f.write_str("out of office"),
            Why::OutsideWorkingHours => f.write_str("outside working hours"),
            Why::Inactive => f.write_str("inactive"),
            Why::AtCapacity { open, capacity } => {
                write!(f, "at capacity ({open} of {capacity} open)")
            }
            Why::UnknownRep => f.write_str("not a known rep"),
            Why::Excluded => f.write_str("the lead was taken from them after a missed deadline"),
        }
    }
}

/// One team's rotation so far. Kept by the store (one row per team) and passed back in, so
/// routing has no hidden state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamState {
    /// The member the team last chose; round robin and capacity ties continue after them.
    pub last: Option<String>,
    /// Weighted teams: each member's running credit in the smooth weighted round robin.
    pub credit: BTreeMap<String, i64>,
}

/// Every team's rotation, by team name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutingState {
    pub teams: BTreeMap<String, TeamState>,
}

impl RoutingState {
    /// Saves a decision's state change, for a caller routing several leads in a row.
    pub fn apply(&mut self, update: &StateUpdate) {
        self.teams.insert(update.team.clone(), update.state.clone());
    }
}

/// The new rotation of the one team a decision drew from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateUpdate {
    pub team: String,
    pub state: TeamState,
}

/// How the owner was chosen; its code is what reports count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Owner,
    AccountOwner,
    RoundRobin,
    Weighted,
    Capacity,
}

impl Via {
    /// The code stored on assignments and shown in previews (its serde name).
    pub fn code(self) -> &'static str {
        match self {
            Via::Owner => "owner",
            Via::AccountOwner => "account_owner",
            Via::RoundRobin => "round_robin",
            Via::Weighted => "weighted",
            Via::Capacity => "capacity",
        }
    }
}

/// The rule that fired and whom it chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub rule: RuleRef,
    pub owner: String,
    pub via: Via,
}

/// What routing decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Assigned(Assignment),
    /// No rule's condition matched the lead.
    NoRuleMatched,
    /// Rules matched, but none had anyone available (see [`Decision::skipped`]).
    NoOneAvailable,
}

/// A rep passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub rep: String,
    pub why: Why,
}

/// A rule that matched but could not assign: everyone it could choose, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub rule: RuleRef,
    pub reps: Vec<Skip>,
}

/// A routing decision, with everything needed to explain and persist it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    /// Matching rules passed over before the outcome, in order.
    pub skipped: Vec<Skipped>,
    /// One line per step, each naming its rule: for the preview and the assignment's log.
    pub explanation: Vec<String>,
    /// The team rotation to save with the assignment (`None`: nothing changed).
    pub update: Option<StateUpdate>,
}

impl Decision {
    pub fn owner(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Assigned(a) => Some(&a.owner),
            _ => None,
        }
    }

    /// The rule that fired.
    pub fn rule(&self) -> Option<&RuleRef> {
        match &self.outcome {
            Outcome::Assigned(a) => Some(&a.rule),
            _ => None,
        }
    }
}

/// Decides who gets `lead` at `now` (epoch ms, for the conditions' relative dates).
///
/// `account_owner` is the owner of the lead's account, if it has one. Rules are tried in
/// order; a rule whose condition matches assigns to its account owner (when asked to and
/// available), else to its target; when its target has no one available, the next rule is
/// tried. The same inputs always give the same decision.
pub fn route(
    lead: &dyn Lead,
    account_owner: Option<&str>,
    rules: &[CompiledRule],
    reps: &RepDirectory,
    state: &RoutingState,
    now: i64,
) -> Decision {
    let mut d = Decision {
        outcome: Outcome::NoRuleMatched,
        skipped: vec![],
        explanation: vec![],
        update: None,
    };
    if rules.is_empty() {
        d.explanation
            .push("no routing rules are set, so no rule matched".into());
        return d;
    }
    for rule in rules {
        if !rule.matches(lead, now) {
            d.explanation.push(format!(
                "rule '{}' did not match: {}",
                rule.name(),
                rule.condition()
            ));
        } else if assign(rule, account_owner, reps, state, &mut d) {
            return d;
        }
    }
    d.outcome = if d.skipped.is_empty() {
        Outcome::NoRuleMatched
    } else {
        Outcome::NoOneAvailable
    };
    d
}

/// Lets a matching rule choose; true when it did. A rule that cannot is recorded in
/// [`Decision::skipped`] and routing goes on.
fn assign(
    rule: &CompiledRule,
    account_owner: Option<&str>,
    reps: &RepDirectory,
    state: &RoutingState,
    d: &mut Decision,
) -> bool {
    let tag = format!("rule '{}'", rule.name());
    d.explanation
        .push(format!("{tag} matched: {}", rule.condition()));
    if let Some(owner) = account_owner_for(rule, account_owner, reps, &tag, d) {
        d.explanation
            .push(format!("{tag}: {owner} chosen as the account's owner"));
        d.outcome = assigned(rule, owner, Via::AccountOwner);
        return true;
    }
    let pick = pick::pick(rule.target(), reps, state);
    for s in &pick.skips {
        d.explanation
            .push(format!("{tag}: {} skipped: {}", s.rep, s.why));
    }
    let Some(chosen) = pick.chosen else {
        d.explanation
            .push(format!("{tag}: no one available, trying the next rule"));
        d.skipped.push(Skipped {
            rule: rule.rule().clone(),
            reps: pick.skips,
        });
        return false;
    };
    d.explanation.push(format!("{tag}: {}", chosen.reason));
    d.outcome = assigned(rule, &chosen.rep, chosen.via);
    d.update = chosen.update;
    true
}

/// The account owner when the rule prefers them and they can take the lead; explains why
/// not otherwise.
fn account_owner_for<'a>(
    rule: &CompiledRule,
    account_owner: Option<&'a str>,
    reps: &RepDirectory,
    tag: &str,
    d: &mut Decision,
) -> Option<&'a str> {
    if !rule.account_owner_first() {
        return None;
    }
    let Some(owner) = account_owner else {
        d.explanation
            .push(format!("{tag}: the lead's account has no owner yet"));
        return None;
    };
    match reps.unavailable(owner, None) {
        None => Some(owner),
        Some(why) => {
            d.explanation
                .push(format!("{tag}: account owner {owner} skipped: {why}"));
            None
        }
    }
}

fn assigned(rule: &CompiledRule, owner: &str, via: Via) -> Outcome {
    Outcome::Assigned(Assignment {
        rule: rule.rule().clone(),
        owner: owner.to_owned(),
        via,
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
