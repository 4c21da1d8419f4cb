//! A team's own qualification rules: `field op value`, e.g. `title contains intern`,
//! `company in (Acme, Initech)`, `custom.budget = none`.
//!
//! Comparisons ignore case and surrounding spaces. A field the lead does not have never
//! matches (as NULL in SQL): `country != US` does not catch a lead without a country.

use serde::{Deserialize, Serialize};

use super::Facts;
use crate::capture::PROFILE_FIELDS;

/// A parsed rule with its name (its reason code is `custom:<name>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRule", into = "RawRule")]
pub struct CustomRule {
    pub name: String,
    field: String,
    op: Op,
    values: Vec<String>,
}

/// The rule as written in leadline.toml or sent to the API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    rule: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Contains,
    StartsWith,
    EndsWith,
    In,
}

const OPS: &[(&str, Op)] = &[
    ("!=", Op::Ne),
    ("=", Op::Eq),
    ("contains", Op::Contains),
    ("starts_with", Op::StartsWith),
    ("ends_with", Op::EndsWith),
    ("in", Op::In),
];

/// The field a rule may name besides the profile fields; `custom.<name>` reaches custom fields.
const EMAIL_DOMAIN: &str = "email_domain";

/// Why a rule does not parse, and where (1-based column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct RuleError {
    pub column: usize,
    pub message: String,
}

impl CustomRule {
    /// Parses `field op value`.
    pub fn parse(name: &str, text: &str) -> Result<CustomRule, RuleError> {
        let err = |at: usize, message: String| RuleError {
            column: text[..at].chars().count() + 1,
            message,
        };
        let start = text.len() - text.trim_start().len();
        let rest = &text[start..];
        let field_len = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '!')
            .unwrap_or(rest.len());
        let field = rest[..field_len].to_ascii_lowercase();
        if field.is_empty() {
            return Err(err(start, "expected a field name".into()));
        }
        let custom = field.strip_prefix("custom.").is_some_and(|n| !n.is_empty());
        if !custom && field != EMAIL_DOMAIN && !PROFILE_FIELDS.contains(&field.as_str()) {
            return Err(err(
                start,
                format!(
                    "unknown field {field:?}; expected one of {}, {EMAIL_DOMAIN} or custom.NAME",
                    PROFILE_FIELDS.join(", ")
                ),
            ));
        }
        let after_field = start + field_len;
        let op_text = &text[after_field..];
        let op_start = after_field + (op_text.len() - op_text.trim_start().len());
        let op_rest = &text[op_start..];
        let Some((word, op)) = OPS.iter().find(|(w, _)| {
            op_rest.to_ascii_lowercase().starts_with(w)
                && (w.starts_with(['=', '!'])
                    || op_rest[w.len()..].starts_with(char::is_whitespace)
                    || op_rest[w.len()..].starts_with('('))
        }) else {
            return Err(err(
                op_start,
                "expected an operator: =, !=, contains, starts_with, ends_with or in".into(),
            ));
        };
        let value_at = op_start + word.len();
        let value = text[value_at..].trim();
        let values: Vec<String> = if *op == Op::In {
            let list = value
                .strip_prefix('(')
                .and_then(|v| v.strip_suffix(')'))
                .ok_or_else(|| err(value_at, "expected a list in parentheses: in (a, b)".into()))?;
            list.split(',')
                .map(normalise)
                .filter(|v| !v.is_empty())
                .collect()
        } else {
            vec![normalise(value)]
        };
        if values.iter().all(String::is_empty) {
            return Err(err(value_at, "expected a value".into()));
        }
        Ok(CustomRule {
            name: name.trim().to_owned(),
            field,
            op: *op,
            values,
        })
    }

    /// The rule as text, as it was written (normalised).
    pub fn text(&self) -> String {
        let op = OPS
            .iter()
            .find(|(_, o)| *o == self.op)
            .map_or("=", |(w, _)| *w);
        match self.op {
            Op::In => format!("{} in ({})", self.field, self.values.join(", ")),
            _ => format!("{} {op} {}", self.field, self.values[0]),
        }
    }

    /// True when the lead's field satisfies the rule.
    pub fn matches(&self, facts: Facts<'_>) -> bool {
        let Some(actual) = self.value_of(facts).map(|v| normalise(&v)) else {
            return false;
        };
        if actual.is_empty() {
            return false;
        }
        let v = &self.values[0];
        match self.op {
            Op::Eq => actual == *v,
            Op::Ne => actual != *v,
            Op::Contains => actual.contains(v.as_str()),
            Op::StartsWith => actual.starts_with(v.as_str()),
            Op::EndsWith => actual.ends_with(v.as_str()),
            Op::In => self.values.contains(&actual),
        }
    }

    fn value_of(&self, facts: Facts<'_>) -> Option<String> {
        let t = facts.traits;
        if let Some(name) = self.field.strip_prefix("custom.") {
            return t
                .custom
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone());
        }
        match self.field.as_str() {
            "email" => facts.email.map(|e| e.as_str().to_owned()),
            EMAIL_DOMAIN => facts.email.map(|e| e.domain().to_owned()),
            field => t.get(field).map(str::to_owned),
        }
    }
}

fn normalise(v: &str) -> String {
    v.trim().trim_matches(['"', '\'']).trim().to_lowercase()
}

impl TryFrom<RawRule> for CustomRule {
    type Error = String;
    fn try_from(raw: RawRule) -> Result<Self, Self::Error> {
        CustomRule::parse(&raw.name, &raw.rule).map_err(|e| format!("rule {:?}: {e}", raw.name))
    }
}

impl From<CustomRule> for RawRule {
    fn from(r: CustomRule) -> RawRule {
        RawRule {
            rule: r.text(),
            name: r.name,
        }
    }
}
