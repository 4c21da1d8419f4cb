//! Qualification: which leads are not worth a rep's time, and why.
//!
//! Pure rules over what a lead says about itself. Each finding carries a stable reason code,
//! shown on the lead and counted in reports, and an action: `disqualify` (kept on record,
//! never routed, requalified only by hand with a reason) or `flag` (shown, not acted on).
//! Free mail and role accounts only flag by default: in B2B they are often real buyers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::capture::Traits;
use crate::email::Email;

mod custom;
pub(crate) mod junk;

pub use custom::{CustomRule, RuleError};

/// A stable reason code; it reads and writes as its code (`free_mail`, `custom:budget`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Reason {
    FreeMail,
    DisposableDomain,
    RoleAccount,
    Student,
    Competitor,
    Junk,
    ExcludedCountry,
    /// A team's own rule, by its name.
    Custom(String),
}

impl Reason {
    /// The code as stored and reported: `free_mail`, …, `custom:<name>`.
    pub fn code(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Reason::FreeMail => "free_mail".into(),
            Reason::DisposableDomain => "disposable_domain".into(),
            Reason::RoleAccount => "role_account".into(),
            Reason::Student => "student".into(),
            Reason::Competitor => "competitor".into(),
            Reason::Junk => "junk".into(),
            Reason::ExcludedCountry => "excluded_country".into(),
            Reason::Custom(name) => format!("custom:{name}").into(),
        }
    }
}

impl From<Reason> for String {
    fn from(r: Reason) -> String {
        r.code().into_owned()
    }
}

impl TryFrom<String> for Reason {
    type Error = String;
    fn try_from(code: String) -> Result<Reason, String> {
        Ok(match code.as_str() {
            "free_mail" => Reason::FreeMail,
            "disposable_domain" => Reason::DisposableDomain,
            "role_account" => Reason::RoleAccount,
            "student" => Reason::Student,
            "competitor" => Reason::Competitor,
            "junk" => Reason::Junk,
            "excluded_country" => Reason::ExcludedCountry,
            other => match other.strip_prefix("custom:") {
                Some(name) => Reason::Custom(name.to_owned()),
                None => return Err(format!("unknown reason code {other:?}")),
            },
        })
    }
}

/// What a finding does to the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Disqualify,
    Flag,
}

/// One rule that matched, with what it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub reason: Reason,
    pub action: Action,
    /// What matched, for the lead page: `mailinator.com`, `title "Student"`, …
    pub detail: String,
}

/// A team's qualification settings (`[qualification]` in leadline.toml, the UI, the API).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Competitors' web domains.
    pub competitor_domains: BTreeSet<String>,
    /// Countries the team does not sell to, as leads spell them (compared ignoring case).
    pub excluded_countries: BTreeSet<String>,
    /// Throwaway-mail domains beyond the shipped list.
    pub extra_disposable_domains: BTreeSet<String>,
    /// Academic domains beyond `.edu`, `.ac.*` and `.edu.*`.
    pub extra_academic_domains: BTreeSet<String>,
    /// Actions that differ from the defaults, by reason code (`free_mail = "disqualify"`).
    pub actions: BTreeMap<String, Action>,
    pub custom: Vec<CustomRule>,
}

impl Rules {
    fn action(&self, reason: &Reason) -> Action {
        if let Some(a) = self.actions.get(reason.code().as_ref()) {
            return *a;
        }
        match reason {
            Reason::FreeMail | Reason::RoleAccount => Action::Flag,
            _ => Action::Disqualify,
        }
    }
}

/// What a lead says about itself, as qualification reads it.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub email: Option<&'a Email>,
    pub traits: &'a Traits,
}

/// The verdict on a lead: every finding, and whether any of them disqualifies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn disqualified(&self) -> bool {
        self.findings.iter().any(|f| f.action == Action::Disqualify)
    }
}

static DISPOSABLE: LazyLock<BTreeSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/disposable_email_domains.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// True for a shipped disposable-mail domain (dedupe: such a domain is no company).
pub(crate) fn is_disposable_domain(registrable: &str) -> bool {
    DISPOSABLE.contains(registrable)
}

/// Local parts that name a function, not a person.
const ROLE_LOCAL_PARTS: &[&str] = &[
    "abuse",
    "accounts",
    "admin",
    "billing",
    "careers",
    "contact",
    "enquiries",
    "hello",
    "help",
    "hr",
    "info",
    "inquiries",
    "jobs",
    "marketing",
    "no-reply",
    "noreply",
    "office",
    "orders",
    "postmaster",
    "press",
    "sales",
    "service",
    "support",
    "team",
    "webmaster",
];

/// Words in a title or an answer that say "student".
const STUDENT_WORDS: &[&str] = &["student", "undergraduate", "phd candidate", "pupil"];

/// Applies every rule to a lead.
pub fn qualify(facts: Facts<'_>, rules: &Rules) -> Verdict {
    let mut found: Vec<(Reason, String)> = Vec::new();
    if let Some(email) = facts.email {
        email_findings(email, rules, &mut found);
    }
    let t = facts.traits;
    if let Some(what) = [&t.title]
        .into_iter()
        .flatten()
        .chain(t.custom.values())
        .find(|v| says_student(v))
    {
        found.push((Reason::Student, format!("answered {what:?}")));
    }
    for (field, value) in [("first name", &t.first_name), ("last name", &t.last_name)] {
        if let Some(why) = value.as_deref().and_then(junk::junk_name) {
            found.push((Reason::Junk, format!("{field}: {why}")));
        }
    }
    if let Some(why) = t.phone.as_deref().and_then(junk::impossible_phone) {
        found.push((Reason::Junk, format!("phone: {why}")));
    }
    if let Some(country) = t.country.as_deref().map(str::trim)
        && rules
            .excluded_countries
            .iter()
            .any(|c| c.trim().eq_ignore_ascii_case(country))
    {
        found.push((Reason::ExcludedCountry, country.to_owned()));
    }
    for rule in &rules.custom {
        if rule.matches(facts) {
            found.push((Reason::Custom(rule.name.clone()), rule.text()));
        }
    }
    Verdict {
        findings: found
            .into_iter()
            .map(|(reason, detail)| Finding {
                action: rules.action(&reason),
                reason,
                detail,
            })
            .collect(),
    }
}

fn email_findings(email: &Email, rules: &Rules, found: &mut Vec<(Reason, String)>) {
    let domain = email.domain();
    let registrable = email.registrable().unwrap_or(domain);
    let listed = |set: &BTreeSet<String>| set.contains(domain) || set.contains(registrable);
    if DISPOSABLE.contains(registrable) || listed(&rules.extra_disposable_domains) {
        found.push((Reason::DisposableDomain, registrable.to_owned()));
    } else if email.is_free_mail() {
        found.push((Reason::FreeMail, registrable.to_owned()));
    }
    let local = email.local_part().to_ascii_lowercase();
    let base = local.split('+').next().unwrap_or_default();
    if ROLE_LOCAL_PARTS.contains(&base) {
        found.push((Reason::RoleAccount, format!("{base}@")));
    }
    if is_academic(domain) || listed(&rules.extra_academic_domains) {
        found.push((Reason::Student, format!("academic domain {registrable}")));
    }
    if listed(&rules.competitor_domains) {
        found.push((Reason::Competitor, registrable.to_owned()));
    }
    if placeholder_address(&local, registrable) {
        found.push((
            Reason::Junk,
            format!("placeholder address {}", email.as_str()),
        ));
    }
}

/// `.edu`, `.edu.au`, `.ac.uk`, `.ac.jp`…: the academic second levels many countries use.
fn is_academic(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    match labels.as_slice() {
        [.., "edu"] => true,
        [.., _, "edu" | "ac", cc] if cc.len() == 2 => true,
        _ => false,
    }
}

/// Whether a value holds one of [`STUDENT_WORDS`] as whole words. A single word is a whole
/// word when it equals one of the value's words (one split, no substring search: this runs
/// on every custom field of every lead).
fn says_student(value: &str) -> bool {
    let v = value.to_lowercase();
    let mut words = v.split(|c: char| !c.is_alphanumeric());
    if words.any(|t| STUDENT_WORDS.contains(&t)) {
        return true;
    }
    STUDENT_WORDS
        .iter()
        .filter(|w| !w.chars().all(char::is_alphanumeric))
        .any(|w| {
            v.match_indices(w).any(|(i, _)| {
                let before = v[..i].chars().next_back();
                let after = v[i + w.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
        })
}

/// `test@test.com`, `a@example.com`, `asdf@asdf.net`: an address nobody reads.
fn placeholder_address(local: &str, registrable: &str) -> bool {
    let label = registrable.split('.').next().unwrap_or_default();
    let reserved = matches!(label, "example" | "test" | "invalid" | "localhost");
    reserved || (local == label && junk::junk_name(local).is_some())
}

#[cfg(test)]
mod tests;
