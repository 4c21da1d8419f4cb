//! Routing rules as people write them (`[[routing]]` in `leadline.toml`, the UI, the API)
//! and their checked form. The written form keeps loose types (strings, signed numbers) so
//! that a mistake comes back from [`compile`] naming the rule and the field, instead of as a
//! serde error about an enum variant; [`CompiledRule`] is the only form [`route`] accepts.
//!
//! [`route`]: super::route

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::filter::{self, Expr, Lead};

/// The largest weight: weights are ratios, and a bound keeps the weighted rotation's
/// arithmetic far from overflow.
pub const MAX_WEIGHT: i64 = 1_000;
/// The largest capacity (open leads one rep holds at once).
pub const MAX_CAPACITY: i64 = 100_000;

/// One routing rule as written. Rules are tried in order; the first that matches *and* can
/// name an available owner takes the lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    /// Shown in previews and recorded on every assignment the rule makes, so it must be
    /// unique (ignoring case) among the rules.
    pub name: String,
    /// Which leads the rule takes: a segment expression (see [`crate::filter`]); empty takes
    /// every lead, which makes a catch-all last rule. Territories are written here too
    /// (`country in ("DE", "AT", "CH")`, `custom.region = "EMEA"`): one language for every
    /// condition, previewed like any other, instead of a second territory setting that
    /// could disagree with it.
    #[serde(default)]
    pub when: String,
    /// Who gets the leads the rule takes.
    pub assign: Assign,
    /// When the lead's account already has an owner who is available, they get the lead
    /// (an account keeps one voice); otherwise the rule assigns as usual.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub account_owner_first: bool,
    /// The SLA's acceptance deadline, in business hours. Recorded here; the business-hours
    /// arithmetic that turns it into a deadline lives apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_within_hours: Option<f64>,
    /// The SLA's first-touch deadline, in business hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_touch_within_hours: Option<f64>,
}

/// `assign = { owner = "…" }`, or `assign = { team = "…", method = "…", members = […] }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Assign {
    /// One rep (their user id) takes every lead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// A team shares the leads. The name keys the team's rotation state, so rules that name
    /// the same team share one rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// `round_robin` (the default), `weighted` or `capacity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
}

/// A team member as written: `{ rep = "…", weight = 2 }` or `{ rep = "…", capacity = 20 }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The rep's user id, as the [`RepDirectory`](super::RepDirectory) names them.
    pub rep: String,
    /// `weighted` teams only: this member's share (1 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    /// `capacity` teams only, required there: the most open assignments the rep holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
}

/// How a team shares leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// In turn, skipping whoever is unavailable.
    RoundRobin,
    /// In proportion to weights, interleaved (smooth weighted round robin), not random:
    /// the same history always gives the same next rep.
    Weighted,
    /// To the member with the lowest open assignments relative to their capacity; members
    /// at capacity are skipped.
    Capacity,
}

/// A checked team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamMember {
    pub rep: String,
    /// 1 unless the team is weighted.
    pub weight: u32,
    /// Set exactly when the team is a capacity team.
    pub capacity: Option<u32>,
}

/// A checked team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub name: String,
    pub method: Method,
    /// In the written order, which is the rotation order.
    pub members: Vec<TeamMember>,
}

/// Who a checked rule assigns to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Target {
    Owner(String),
    Team(Team),
}

/// The SLA a rule sets on its assignments, in business hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Sla {
    pub accept_within_hours: Option<f64>,
    pub first_touch_within_hours: Option<f64>,
}

/// Which rule: its position (0-based, as in `routing[2]`) and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    pub index: usize,
    pub name: String,
}

/// A rule that passed [`compile`]: its expression parsed, its target checked. Fields are
/// private so that [`route`](super::route) only ever sees checked rules.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledRule {
    rule: RuleRef,
    when: Option<Expr>,
    when_text: String,
    target: Target,
    account_owner_first: bool,
    sla: Sla,
}

impl CompiledRule {
    pub fn rule(&self) -> &RuleRef {
        &self.rule
    }
    pub fn name(&self) -> &str {
        &self.rule.name
    }
    pub fn target(&self) -> &Target {
        &self.target
    }
    pub fn account_owner_first(&self) -> bool {
        self.account_owner_first
    }
    pub fn sla(&self) -> Sla {
        self.sla
    }
    /// The condition as written, or `every lead` when there is none.
    pub fn condition(&self) -> &str {
        if self.when.is_none() {
            "every lead"
        } else {
            &self.when_text
        }
    }
    /// Whether the rule takes `lead` at `now` (epoch ms).
    pub fn matches(&self, lead: &dyn Lead, now: i64) -> bool {
        self.when.as_ref().is_none_or(|e| e.eval(lead, now))
    }
}

/// Why routing rules were refused: the rule, the field (`routing[2].assign.method`) and, for
/// a condition that does not parse, the column in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field}{}: {}", named(name), self.detail())]
pub struct RoutingError {
    /// The rule's position, 0-based.
    pub rule: usize,
    /// The rule's name as written (may be empty: that can be the error).
    pub name: String,
    pub field: String,
    /// 1-based column in the `when` expression.
    pub column: Option<usize>,
    pub message: String,
}

fn named(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" (rule '{name}')")
    }
}

impl RoutingError {
    /// The message with its column, without the field: for a report that names the field
    /// apart (as [`PolicyError`](crate::policy::PolicyError) does).
    pub fn detail(&self) -> String {
        match self.column {
            Some(c) => format!("column {c}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// Checks every rule, in order, and returns them ready for [`route`](super::route); the first
/// problem found is the error.
pub fn compile(rules: &[RoutingRule]) -> Result<Vec<CompiledRule>, RoutingError> {
    let mut names = BTreeSet::new();
    let mut out = Vec::with_capacity(rules.len());
    for (index, rule) in rules.iter().enumerate() {
        let compiled = compile_rule(index, rule)?;
        if !names.insert(compiled.rule.name.to_lowercase()) {
            return Err(Fault::new(index, rule).at(
                ".name",
                "another rule has this name; assignments record the name, so make it unique",
            ));
        }
        out.push(compiled);
    }
    Ok(out)
}

/// Builds errors for one rule.
struct Fault<'a> {
    index: usize,
    name: &'a str,
}

impl<'a> Fault<'a> {
    fn new(index: usize, rule: &'a RoutingRule) -> Fault<'a> {
        Fault {
            index,
            name: rule.name.trim(),
        }
    }
    fn at(&self, field: &str, message: impl Into<String>) -> RoutingError {
        RoutingError {
            rule: self.index,
            name: self.name.to_owned(),
            field: format!("routing[{}]{field}", self.index),
            column: None,
            message: message.into(),
        }
    }
}

fn compile_rule(index: usize, rule: &RoutingRule) -> Result<CompiledRule, RoutingError> {
    let fault = Fault::new(index, rule);
    if fault.name.is_empty() {
        return Err(fault.at(".name", "every rule needs a name; assignments record it"));
    }
    // Parse the text as written, so that the column points into what the user typed.
    let when = if rule.when.trim().is_empty() {
        None
    } else {
        Some(filter::parse(&rule.when).map_err(|e| RoutingError {
            column: Some(e.column),
            ..fault.at(".when", e.message)
        })?)
    };
    let sla = Sla {
        accept_within_hours: hours(&fault, ".accept_within_hours", rule.accept_within_hours)?,
        first_touch_within_hours: hours(
            &fault,
            ".first_touch_within_hours",
            rule.first_touch_within_hours,
        )?,
    };
    Ok(CompiledRule {
        rule: RuleRef {
            index,
            name: fault.name.to_owned(),
        },
        when,
        when_text: rule.when.trim().to_owned(),
        target: target(&fault, &rule.assign)?,
        account_owner_first: rule.account_owner_first,
        sla,
    })
}

fn hours(fault: &Fault, field: &str, value: Option<f64>) -> Result<Option<f64>, RoutingError> {
    match value {
        Some(h) if !(h.is_finite() && h > 0.0) => Err(fault.at(
            field,
            "must be a positive number of business hours, or left out for no deadline",
        )),
        other => Ok(other),
    }
}

fn target(fault: &Fault, a: &Assign) -> Result<Target, RoutingError> {
    match (a.owner.as_deref(), a.team.as_deref()) {
        (Some(_), Some(_)) => Err(fault.at(".assign", "name an owner or a team, not both")),
        (None, None) => Err(fault.at(
            ".assign",
            "name an owner (owner = \"…\") or a team (team = \"…\" with members)",
        )),
        (Some(owner), None) => {
            let owner = owner.trim();
            if owner.is_empty() {
                return Err(fault.at(".assign.owner", "is empty; give the rep's user id"));
            }
            if a.method.is_some() || !a.members.is_empty() {
                return Err(fault.at(
                    ".assign",
                    "method and members belong to a team; an owner takes every lead the rule matches",
                ));
            }
            Ok(Target::Owner(owner.to_owned()))
        }
        (None, Some(team)) => Ok(Target::Team(self::team(fault, team.trim(), a)?)),
    }
}

fn team(fault: &Fault, name: &str, a: &Assign) -> Result<Team, RoutingError> {
    if name.is_empty() {
        return Err(fault.at(
            ".assign.team",
            "is empty; name the team (its rotation is kept under this name)",
        ));
    }
    let method = match a.method.as_deref().map(str::trim) {
        None | Some("round_robin") => Method::RoundRobin,
        Some("weighted") => Method::Weighted,
        Some("capacity") => Method::Capacity,
        Some(other) => {
            return Err(fault.at(
                ".assign.method",
                format!("unknown method {other:?}; use round_robin, weighted or capacity"),
            ));
        }
    };
    if a.members.is_empty() {
        return Err(fault.at(
            ".assign.members",
            "the team has no members; list them as members = [{ rep = \"…\" }]",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut members = Vec::with_capacity(a.members.len());
    for (j, m) in a.members.iter().enumerate() {
        let field = |f: &str| format!(".assign.members[{j}].{f}");
        let rep = m.rep.trim();
        if rep.is_empty() {
            return Err(fault.at(&field("rep"), "is empty; give the rep's user id"));
        }
        if !seen.insert(rep) {
            return Err(fault.at(&field("rep"), format!("{rep} is listed twice")));
        }
        members.push(TeamMember {
            rep: rep.to_owned(),
            weight: weight(fault, &field("weight"), method, m.weight)?,
            capacity: capacity(fault, &field("capacity"), method, m.capacity)?,
        });
    }
    Ok(Team {
        name: name.to_owned(),
        method,
        members,
    })
}

fn weight(fault: &Fault, field: &str, method: Method, w: Option<i64>) -> Result<u32, RoutingError> {
    match (method, w) {
        (_, None) => Ok(1),
        (Method::Weighted, Some(w)) => u32::try_from(w)
            .ok()
            .filter(|&w| (1..=MAX_WEIGHT).contains(&i64::from(w)))
            .ok_or_else(|| {
                fault.at(
                    field,
                    format!(
                        "is {w}; a weight is a whole number from 1 to {MAX_WEIGHT} (to pause a rep, remove them)"
                    ),
                )
            }),
        (_, Some(_)) => Err(fault.at(
            field,
            "only a weighted team uses weights; set method = \"weighted\" or remove the weight",
        )),
    }
}

fn capacity(
    fault: &Fault,
    field: &str,
    method: Method,
    c: Option<i64>,
) -> Result<Option<u32>, RoutingError> {
    match (method, c) {
        (Method::Capacity, None) => Err(fault.at(
            field,
            "is missing; every member of a capacity team needs one (the most open leads they hold)",
        )),
        (Method::Capacity, Some(c)) => u32::try_from(c)
            .ok()
            .filter(|&c| (1..=MAX_CAPACITY).contains(&i64::from(c)))
            .map(Some)
            .ok_or_else(|| {
                fault.at(
                    field,
                    format!(
                        "is {c}; a capacity is a whole number from 1 to {MAX_CAPACITY} (a rep who takes no leads belongs off the team)"
                    ),
                )
            }),
        (_, None) => Ok(None),
        (_, Some(_)) => Err(fault.at(
            field,
            "only a capacity team uses capacities; set method = \"capacity\" or remove it",
        )),
    }
}

#[cfg(test)]
mod tests;
