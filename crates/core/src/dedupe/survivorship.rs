//! Field-level survivorship: which value each field keeps when two records of one person
//! become one. A rule per field decides by default (the survivor's value, the newest or
//! oldest record's, the most complete one, or the survivor's unless it is blank); a
//! reviewer's explicit choice beats any rule. Every decision says where its value came from
//! and why, so the merge can be explained on the timeline.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::Stage;
use crate::capture::Traits;

/// How a field's surviving value is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The surviving record's value, even when blank.
    Survivor,
    /// The surviving record's value unless it is blank, then the other's.
    NonEmpty,
    /// The value of the record changed most recently (the other's when that one is blank).
    Newest,
    /// The value of the record created first (the other's when that one is blank).
    Oldest,
    /// The longer value ("Jonathan" over "Jon"); the survivor's on a tie.
    MostComplete,
}

impl Rule {
    /// Every rule, in the order the docs list them.
    pub const ALL: [Rule; 5] = [
        Rule::Survivor,
        Rule::NonEmpty,
        Rule::Newest,
        Rule::Oldest,
        Rule::MostComplete,
    ];

    /// The name used in settings, the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Survivor => "survivor",
            Rule::NonEmpty => "non_empty",
            Rule::Newest => "newest",
            Rule::Oldest => "oldest",
            Rule::MostComplete => "most_complete",
        }
    }

    /// Reads a rule name; `longest` is accepted for `most_complete`.
    pub fn parse(s: &str) -> Option<Rule> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        if s == "longest" {
            return Some(Rule::MostComplete);
        }
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Which record of a merge a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The record that lives on (its id stays).
    Survivor,
    /// The record merged into it (kept only as a tombstone).
    Other,
}

/// The standard fields a reviewer sees and rules can name; custom fields are `custom.NAME`.
pub const FIELDS: [&str; 8] = [
    "email",
    "first_name",
    "last_name",
    "title",
    "phone",
    "company",
    "country",
    "website",
];

/// Prefix of custom fields in field names (`custom.industry`).
pub const CUSTOM: &str = "custom.";

/// Rules per field, and the rule for fields not named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub default: Rule,
    pub fields: BTreeMap<String, Rule>,
}

impl Default for Rules {
    /// Names keep their most complete spelling; job details (title, phone, company) follow
    /// the record changed last, since people move; everything else, email included, is the
    /// survivor's unless blank.
    fn default() -> Rules {
        let fields = [
            ("first_name", Rule::MostComplete),
            ("last_name", Rule::MostComplete),
            ("title", Rule::Newest),
            ("phone", Rule::Newest),
            ("company", Rule::Newest),
        ];
        Rules {
            default: Rule::NonEmpty,
            fields: fields.map(|(f, r)| (f.to_owned(), r)).into(),
        }
    }
}

/// A field name a rule or a choice may use: a standard field or `custom.NAME`.
pub fn is_field(name: &str) -> bool {
    FIELDS.contains(&name)
        || name
            .strip_prefix(CUSTOM)
            .is_some_and(|n| !n.trim().is_empty())
}

impl Rules {
    /// Fill-in-the-blanks for every field: what an automatic merge (one person proven by a
    /// shared identifier) does, with no reviewer to ask.
    pub fn fill_blanks() -> Rules {
        Rules {
            default: Rule::NonEmpty,
            fields: BTreeMap::new(),
        }
    }

    /// The rule for `field`.
    pub fn rule(&self, field: &str) -> Rule {
        self.fields.get(field).copied().unwrap_or(self.default)
    }

    /// Reads `FIELD=RULE` pairs separated by commas or whitespace (`title=newest
    /// phone=oldest`); `default=RULE` sets the rule for unnamed fields. Pairs apply on top
    /// of `self`. The error names the pair at fault and what is allowed.
    pub fn with(&self, text: &str) -> Result<Rules, String> {
        let mut out = self.clone();
        for pair in text
            .split([',', ' ', '\n', '\t'])
            .filter(|p| !p.trim().is_empty())
        {
            let (field, rule) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?}: expected FIELD=RULE, e.g. title=newest"))?;
            let rule = Rule::parse(rule).ok_or_else(|| {
                format!(
                    "{pair:?}: unknown rule {rule:?} (use {})",
                    Rule::ALL.map(Rule::as_str).join(", ")
                )
            })?;
            let field = field.trim();
            if field == "default" {
                out.default = rule;
            } else if is_field(field) {
                out.fields.insert(field.to_owned(), rule);
            } else {
                return Err(format!(
                    "{pair:?}: unknown field {field:?} (use {}, custom.NAME or default)",
                    FIELDS.join(", ")
                ));
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Rules {
    /// `default=non_empty first_name=most_complete …`: what [`Rules::with`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "default={}", self.default.as_str())?;
        for (field, rule) in &self.fields {
            write!(f, " {field}={}", rule.as_str())?;
        }
        Ok(())
    }
}

/// One side of a merge: its non-blank values by field name, and when it was created and
/// last changed (epoch ms), which the `newest` and `oldest` rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub values: BTreeMap<String, String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Record {
    /// A lead's profile as field values: its email and traits, blanks left out.
    pub fn of_lead(
        email: Option<&str>,
        traits: &Traits,
        created_at: i64,
        updated_at: i64,
    ) -> Record {
        let mut values = BTreeMap::new();
        let mut put = |k: String, v: Option<&str>| {
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                values.insert(k, v.to_owned());
            }
        };
        put("email".into(), email);
        for f in &FIELDS[1..] {
            put((*f).into(), traits.get(f));
        }
        for (k, v) in &traits.custom {
            put(format!("{CUSTOM}{k}"), Some(v));
        }
        Record {
            values,
            created_at,
            updated_at,
        }
    }
}

/// Writes surviving values into a lead's traits (standard and custom fields, blanks
/// cleared) and returns the surviving email. Consent and anything not a field is untouched.
pub fn apply_to(values: &BTreeMap<String, String>, traits: &mut Traits) -> Option<String> {
    for f in &FIELDS[1..] {
        let slot = match *f {
            "first_name" => &mut traits.first_name,
            "last_name" => &mut traits.last_name,
            "title" => &mut traits.title,
            "phone" => &mut traits.phone,
            "company" => &mut traits.company,
            "country" => &mut traits.country,
            _ => &mut traits.website,
        };
        *slot = values.get(*f).cloned();
    }
    traits.custom = values
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(CUSTOM).map(|k| (k.to_owned(), v.clone())))
        .collect();
    values.get("email").cloned()
}

/// What decided a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "rule")]
pub enum DecidedBy {
    Rule(Rule),
    Reviewer,
}

/// The outcome for one field on which the two records differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub field: String,
    /// The surviving value (`None`: blank).
    pub value: Option<String>,
    pub from: Side,
    pub survivor_value: Option<String>,
    pub other_value: Option<String>,
    pub decided_by: DecidedBy,
}

impl Decision {
    /// True when the merge changed the survivor's value.
    pub fn changed(&self) -> bool {
        self.value != self.survivor_value
    }
}

/// The surviving profile and the decision on every field where the records differed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Survivorship {
    pub values: BTreeMap<String, String>,
    pub decisions: Vec<Decision>,
}

impl Survivorship {
    /// The decisions that changed the survivor's profile.
    pub fn changes(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.iter().filter(|d| d.changed())
    }
}

/// Decides every field of the merged profile: `choices` (a reviewer's explicit picks) first,
/// then `rules`. Fields on which both records agree are kept and not listed. Choices naming
/// a field neither record has are ignored (there is nothing to choose).
pub fn survive(
    survivor: &Record,
    other: &Record,
    rules: &Rules,
    choices: &BTreeMap<String, Side>,
) -> Survivorship {
    let mut fields: Vec<&String> = survivor.values.keys().chain(other.values.keys()).collect();
    fields.sort();
    fields.dedup();
    let mut values = BTreeMap::new();
    let mut decisions = Vec::new();
    for field in fields {
        let (s, o) = (survivor.values.get(field), other.values.get(field));
        if s == o {
            values.insert(field.clone(), s.cloned().unwrap_or_default());
            continue;
        }
        let (from, decided_by) = match choices.get(field) {
            Some(side) => (*side, DecidedBy::Reviewer),
            None => {
                let rule = rules.rule(field);
                (by_rule(rule, survivor, other, s, o), DecidedBy::Rule(rule))
            }
        };
        let value = match from {
            Side::Survivor => s,
            Side::Other => o,
        };
        if let Some(v) = value {
            values.insert(field.clone(), v.clone());
        }
        decisions.push(Decision {
            field: field.clone(),
            value: value.cloned(),
            from,
            survivor_value: s.cloned(),
            other_value: o.cloned(),
            decided_by,
        });
    }
    Survivorship { values, decisions }
}

/// Which side `rule` takes a differing field from.
fn by_rule(
    rule: Rule,
    survivor: &Record,
    other: &Record,
    s: Option<&String>,
    o: Option<&String>,
) -> Side {
    let prefer = |side: Side| match (side, s, o) {
        (Side::Survivor, None, Some(_)) => Side::Other,
        (Side::Other, Some(_), None) => Side::Survivor,
        (side, _, _) => side,
    };
    match rule {
        Rule::Survivor => Side::Survivor,
        Rule::NonEmpty => prefer(Side::Survivor),
        Rule::Newest if other.updated_at > survivor.updated_at => prefer(Side::Other),
        Rule::Newest => prefer(Side::Survivor),
        Rule::Oldest if other.created_at < survivor.created_at => prefer(Side::Other),
        Rule::Oldest => prefer(Side::Survivor),
        Rule::MostComplete => {
            let len = |v: Option<&String>| v.map_or(0, |v| v.trim().chars().count());
            if len(o) > len(s) {
                Side::Other
            } else {
                Side::Survivor
            }
        }
    }
}

/// Consent after a merge: a refusal on either record wins, then a consent, then "not
/// asked". Fixed, not a rule: consent must never be inferred from a merge.
pub fn merged_consent(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), _) | (_, Some(true)) => Some(true),
        _ => None,
    }
}

/// The lifecycle stage after a merge: the further of the two along the funnel, and a live
/// stage beats a side stage (disqualified, recycled). Fixed, like consent.
pub fn merged_stage(a: Stage, b: Stage) -> Stage {
    let side = |s: Stage| matches!(s, Stage::Disqualified | Stage::Recycled);
    match (side(a), side(b)) {
        (true, false) => b,
        (false, true) => a,
        _ => a.max(b),
    }
}

#[cfg(test)]
mod tests;
