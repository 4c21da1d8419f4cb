//! One lead assessed against a team's policy: qualification findings, fit and engagement
//! scores with their explanations, the grade, and the stage change the rules call for.
//! The capture pipeline runs it for every lead an event touches, a rescore runs it for
//! every lead; both store what it returns.

use serde::{Deserialize, Serialize};

use crate::capture::Traits;
use crate::email::Email;
use crate::policy::Policy;
use crate::qualify::{self, Facts, Finding};
use crate::scoring::{Contribution, Profile, Score};
use crate::stage::Stage;

/// What assessment reads of a lead besides its activities.
#[derive(Debug, Clone, Copy)]
pub struct LeadFacts<'a> {
    pub email: Option<&'a Email>,
    pub traits: &'a Traits,
    pub stage: Stage,
    /// A person requalified this lead: rules may flag it but no longer disqualify it.
    pub requalified: bool,
    /// The lead is disqualified because rules said so (rules may also lift it).
    pub auto_disqualified: bool,
}

/// Everything assessment decides about one lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub findings: Vec<Finding>,
    pub fit: Score,
    pub engagement: Score,
    /// Rounded points, as stored and filtered on.
    pub fit_points: i64,
    pub engagement_points: i64,
    /// `B2`: fit `A`–`D`, engagement `1`–`4`.
    pub grade: String,
    /// The stage change the rules call for, if any.
    pub stage_move: Option<StageMove>,
}

/// A stage change made by rules, with the reason recorded in the lead's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageMove {
    pub to: Stage,
    pub reason: String,
}

/// The explanation stored with a lead's scores (shown on the lead page and in the API).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub findings: Vec<Finding>,
    pub fit: Vec<Contribution>,
    pub engagement: Vec<Contribution>,
}

impl Assessment {
    /// The reason codes of every finding, comma-separated (`free_mail,student`), as stored
    /// for filtering and counting.
    pub fn flags(&self) -> String {
        let mut codes: Vec<_> = self.findings.iter().map(|f| f.reason.code()).collect();
        codes.dedup();
        codes.join(",")
    }

    pub fn explanation(&self) -> Explanation {
        Explanation {
            findings: self.findings.clone(),
            fit: self.fit.contributions.clone(),
            engagement: self.engagement.contributions.clone(),
        }
    }
}

/// Assesses a lead whose engagement was already scored (see
/// [`EngagementRules`](crate::scoring::EngagementRules)).
pub fn assess(lead: LeadFacts<'_>, engagement: Score, policy: &Policy) -> Assessment {
    let verdict = qualify::qualify(
        Facts {
            email: lead.email,
            traits: lead.traits,
        },
        &policy.qualification,
    );
    let fit = policy.scoring.fit(&profile(lead.email, lead.traits));
    let (fit_points, engagement_points) =
        (fit.points.round() as i64, engagement.points.round() as i64);
    let grade = policy
        .scoring
        .grade(fit_points as f64, engagement_points as f64);
    let stage_move = stage_move(&lead, &verdict.findings, policy);
    Assessment {
        findings: verdict.findings,
        fit,
        engagement,
        fit_points,
        engagement_points,
        grade,
        stage_move,
    }
}

/// Rules disqualify leads marketing still owns (before sales accepted them), unless a
/// person requalified them; and they lift a disqualification they made themselves once no
/// rule disqualifies any more (a competitor removed from the list).
fn stage_move(lead: &LeadFacts<'_>, findings: &[Finding], policy: &Policy) -> Option<StageMove> {
    let mut disqualifying = findings
        .iter()
        .filter(|f| f.action == qualify::Action::Disqualify)
        .peekable();
    let disqualified = disqualifying.peek().is_some();
    let marketing_owned = matches!(
        lead.stage,
        Stage::Subscriber | Stage::Lead | Stage::Mql | Stage::Recycled
    );
    if policy.lifecycle.auto_disqualify && disqualified && !lead.requalified && marketing_owned {
        let why: Vec<String> = disqualifying
            .map(|f| format!("{} ({})", f.reason.code(), f.detail))
            .collect();
        return Some(StageMove {
            to: Stage::Disqualified,
            reason: format!("disqualified by rules: {}", why.join(", ")),
        });
    }
    if lead.stage == Stage::Disqualified
        && lead.auto_disqualified
        && (!disqualified || !policy.lifecycle.auto_disqualify)
    {
        return Some(StageMove {
            to: Stage::Lead,
            reason: "requalified by rules: no rule disqualifies this lead any more".into(),
        });
    }
    None
}

/// What fit scoring reads of a profile: title and country from the standard fields, size
/// and industry from custom fields as forms, lists and CRMs name them.
pub fn profile<'a>(email: Option<&Email>, traits: &'a Traits) -> Profile<'a> {
    let custom = |names: &[&str]| names.iter().find_map(|n| traits.get(n));
    Profile {
        title: traits.get("title"),
        employees: custom(&[
            "employees",
            "company_size",
            "employee_count",
            "number_of_employees",
            "numberOfEmployees",
            "NumberOfEmployees",
        ])
        .and_then(employees),
        industry: custom(&["industry", "Industry"]),
        country: traits.get("country"),
        business_email: email.is_some_and(|e| e.company_domain().is_some()),
    }
}

/// Reads a head count as people write it: `250`, `1,000`, `51-200` (the lower bound:
/// fit should not be flattered), `5001+`, `10k`.
pub fn employees(text: &str) -> Option<u64> {
    let t = text.trim().to_lowercase().replace([',', '_', ' '], "");
    let first: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == 'k')
        .collect();
    if let Some(k) = first.strip_suffix('k') {
        return k.parse::<f64>().ok().map(|n| (n * 1000.0) as u64);
    }
    let digits: String = first.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests;
