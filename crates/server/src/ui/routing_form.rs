//! The routing page's structured rule form: a posted form to a [`RoutingRule`] and back, and
//! a compile error's field (`routing[2].assign.members[1].capacity`) to the input it belongs
//! beside (`capacity_<rep id>`).
//!
//! Team members are one row per sales rep (a checkbox, a weight and a capacity), named by
//! the rep's user id, so the manager picks people rather than typing ids.

use leadline_core::routing::{Assign, Member, RoutingError, RoutingRule};
use serde::Serialize;

use super::common::{Errors, Fields, field};

/// A sales rep as the form offers them.
#[derive(Debug, Clone, Serialize)]
pub struct RepChoice {
    pub id: String,
    pub email: String,
    pub name: String,
}

/// One member row of the form.
#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub rep: RepChoice,
    pub checked: bool,
    pub weight: String,
    pub capacity: String,
}

/// The form's values, as the template shows them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleForm {
    /// Position of the rule being edited; `None` for a new rule.
    pub index: Option<usize>,
    /// The edited rule's name when the form was opened (to notice concurrent changes).
    pub orig_name: String,
    pub name: String,
    pub when: String,
    /// `team` or `owner`.
    pub target: String,
    pub owner: String,
    pub team: String,
    pub method: String,
    pub members: Vec<MemberRow>,
    pub account_owner_first: bool,
    pub accept_within_hours: String,
    pub first_touch_within_hours: String,
}

fn number(v: Option<f64>) -> String {
    v.map(|h| h.to_string()).unwrap_or_default()
}

/// Member rows: the rule's members in their order first, then every other rep.
fn rows(reps: &[RepChoice], members: &[Member]) -> Vec<MemberRow> {
    let mut out: Vec<MemberRow> = members
        .iter()
        .map(|m| MemberRow {
            rep: reps
                .iter()
                .find(|r| r.id == m.rep)
                .cloned()
                .unwrap_or_else(|| RepChoice {
                    id: m.rep.clone(),
                    email: format!("{} (not a sales rep)", m.rep),
                    name: String::new(),
                }),
            checked: true,
            weight: m.weight.map(|w| w.to_string()).unwrap_or_default(),
            capacity: m.capacity.map(|c| c.to_string()).unwrap_or_default(),
        })
        .collect();
    for r in reps {
        if !members.iter().any(|m| m.rep == r.id) {
            out.push(MemberRow {
                rep: r.clone(),
                checked: false,
                weight: String::new(),
                capacity: String::new(),
            });
        }
    }
    out
}

impl RuleForm {
    /// An empty form for a new rule: a round-robin team.
    pub fn new_rule(reps: &[RepChoice]) -> RuleForm {
        RuleForm {
            target: "team".into(),
            method: "round_robin".into(),
            members: rows(reps, &[]),
            ..RuleForm::default()
        }
    }

    /// The form showing rule `index`.
    pub fn of(index: usize, rule: &RoutingRule, reps: &[RepChoice]) -> RuleForm {
        let a = &rule.assign;
        RuleForm {
            index: Some(index),
            orig_name: rule.name.clone(),
            name: rule.name.clone(),
            when: rule.when.clone(),
            target: if a.owner.is_some() { "owner" } else { "team" }.into(),
            owner: a.owner.clone().unwrap_or_default(),
            team: a.team.clone().unwrap_or_default(),
            method: a.method.clone().unwrap_or_else(|| "round_robin".into()),
            members: rows(reps, &a.members),
            account_owner_first: rule.account_owner_first,
            accept_within_hours: number(rule.accept_within_hours),
            first_touch_within_hours: number(rule.first_touch_within_hours),
        }
    }

    /// The form as posted (its values kept to show again), with the problems only the form
    /// can have (a number that is not one) as errors by input name.
    pub fn posted(f: &Fields, reps: &[RepChoice]) -> (RuleForm, Errors) {
        let get = |k: &str| field(f, k).unwrap_or_default();
        // Member rows in the posted order (`member_order` lists the ids as rendered).
        let order: Vec<String> = get("member_order")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut members: Vec<MemberRow> = order
            .iter()
            .filter_map(|id| reps.iter().find(|r| &r.id == id))
            .chain(reps.iter().filter(|r| !order.contains(&r.id)))
            .map(|r| MemberRow {
                rep: r.clone(),
                checked: field(f, &format!("member_{}", r.id)).is_some(),
                weight: get(&format!("weight_{}", r.id)),
                capacity: get(&format!("capacity_{}", r.id)),
            })
            .collect();
        members.dedup_by(|a, b| a.rep.id == b.rep.id);
        let form = RuleForm {
            index: get("index").parse().ok(),
            orig_name: get("orig_name"),
            name: get("name"),
            when: get("when"),
            target: if get("target") == "owner" {
                "owner"
            } else {
                "team"
            }
            .into(),
            owner: get("owner"),
            team: get("team"),
            method: get("method"),
            members,
            account_owner_first: field(f, "account_owner_first").is_some(),
            accept_within_hours: get("accept_within_hours"),
            first_touch_within_hours: get("first_touch_within_hours"),
        };
        let mut errors = Errors::new();
        for (k, v) in [
            ("accept_within_hours", &form.accept_within_hours),
            ("first_touch_within_hours", &form.first_touch_within_hours),
        ] {
            if !v.is_empty() && v.parse::<f64>().is_err() {
                errors.insert(
                    k.into(),
                    "must be a number of business hours, such as 4 or 1.5".into(),
                );
            }
        }
        for m in form.members.iter().filter(|m| m.checked) {
            for (k, v) in [("weight", &m.weight), ("capacity", &m.capacity)] {
                if !v.is_empty() && v.parse::<i64>().is_err() {
                    errors.insert(format!("{k}_{}", m.rep.id), "must be a whole number".into());
                }
            }
        }
        (form, errors)
    }

    /// The rule the form describes (numbers that do not parse are left out: the form's own
    /// errors report them).
    pub fn rule(&self) -> RoutingRule {
        let is_team = self.target != "owner";
        let method = self.method.trim();
        let members = if is_team {
            self.members
                .iter()
                .filter(|m| m.checked)
                .map(|m| Member {
                    rep: m.rep.id.clone(),
                    weight: (method == "weighted")
                        .then(|| m.weight.parse().ok())
                        .flatten(),
                    capacity: (method == "capacity")
                        .then(|| m.capacity.parse().ok())
                        .flatten(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        RoutingRule {
            name: self.name.trim().to_owned(),
            when: self.when.trim().to_owned(),
            assign: Assign {
                owner: if is_team { None } else { text(&self.owner) },
                team: if is_team {
                    Some(self.team.trim().to_owned())
                } else {
                    None
                },
                method: if is_team { text(method) } else { None },
                members,
            },
            account_owner_first: self.account_owner_first,
            accept_within_hours: self.accept_within_hours.parse().ok(),
            first_touch_within_hours: self.first_touch_within_hours.parse().ok(),
        }
    }

    /// The input a compile error of this rule belongs beside.
    pub fn error_key(&self, e: &RoutingError) -> String {
        let prefix = format!("routing[{}]", e.rule);
        let rest = e.field.strip_prefix(&prefix).unwrap_or(&e.field);
        let rest = rest.trim_start_matches('.');
        if let Some(member) = rest.strip_prefix("assign.members[") {
            let (j, tail) = member.split_once(']').unwrap_or(("", ""));
            let checked: Vec<&MemberRow> = self.members.iter().filter(|m| m.checked).collect();
            if let Some(m) = j.parse::<usize>().ok().and_then(|j| checked.get(j)) {
                let input = match tail.trim_start_matches('.') {
                    "weight" => "weight",
                    "capacity" => "capacity",
                    _ => "member",
                };
                return format!("{input}_{}", m.rep.id);
            }
            return "members".into();
        }
        match rest {
            "assign.members" => "members",
            "assign.owner" => "owner",
            "assign.team" => "team",
            "assign.method" => "method",
            "assign" => "target",
            "when" | "name" | "accept_within_hours" | "first_touch_within_hours" => rest,
            _ => "rule",
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reps() -> Vec<RepChoice> {
        ["a", "b", "c"]
            .iter()
            .map(|id| RepChoice {
                id: (*id).into(),
                email: format!("{id}@x.example"),
                name: id.to_uppercase(),
            })
            .collect()
    }

    fn posted(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_posted_team_form_becomes_a_rule_with_the_checked_members_in_order() {
        let f = posted(&[
            ("name", "Inbound"),
            ("when", "country = \"DE\""),
            ("target", "team"),
            ("team", "inbound"),
            ("method", "weighted"),
            ("member_order", "c,a,b"),
            ("member_a", "on"),
            ("weight_a", "2"),
            ("member_c", "on"),
            ("accept_within_hours", "4"),
        ]);
        let (form, errors) = RuleForm::posted(&f, &reps());
        assert!(errors.is_empty(), "{errors:?}");
        let rule = form.rule();
        assert_eq!(rule.assign.team.as_deref(), Some("inbound"));
        let members: Vec<_> = rule
            .assign
            .members
            .iter()
            .map(|m| (m.rep.as_str(), m.weight))
            .collect();
        assert_eq!(members, [("c", None), ("a", Some(2))]);
        assert_eq!(rule.accept_within_hours, Some(4.0));
        assert!(rule.assign.owner.is_none());
    }

    #[test]
    fn a_member_error_points_at_that_members_input() {
        let f = posted(&[
            ("name", "Cap"),
            ("target", "team"),
            ("team", "t"),
            ("method", "capacity"),
            ("member_b", "on"),
        ]);
        let (form, _) = RuleForm::posted(&f, &reps());
        let e = leadline_core::routing::compile(&[form.rule()]).unwrap_err();
        assert_eq!(form.error_key(&e), "capacity_b");
    }

    #[test]
    fn a_bad_number_is_a_form_error_beside_its_input() {
        let f = posted(&[("name", "x"), ("accept_within_hours", "soon")]);
        let (_, errors) = RuleForm::posted(&f, &reps());
        assert!(errors.contains_key("accept_within_hours"));
    }

    #[test]
    fn an_existing_rule_shows_again_as_the_same_rule() {
        let rule = RoutingRule {
            name: "Owner".into(),
            when: String::new(),
            assign: Assign {
                owner: Some("b".into()),
                ..Assign::default()
            },
            account_owner_first: true,
            accept_within_hours: Some(2.5),
            first_touch_within_hours: None,
        };
        let form = RuleForm::of(0, &rule, &reps());
        assert_eq!(form.rule(), rule);
    }
}
