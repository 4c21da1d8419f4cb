//! A team's lead-management policy in one place: who is disqualified (qualification rules),
//! how leads are scored, when a lead is sales-ready (the MQL definition), who gets a
//! sales-ready lead (routing rules) and how much evidence the predictive model needs. Read
//! from `leadline.toml`, edited in the UI and the API, stored in the database so every
//! process applies the same policy.

use serde::{Deserialize, Serialize};

use crate::filter::{self, Expr};
use crate::qualify::Rules;
use crate::routing::{self, CompiledRule, RoutingError, RoutingRule};
use crate::scoring::Model;
use crate::sla::Escalation;

/// The whole policy; every section has sensible defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    pub qualification: Rules,
    pub scoring: Model,
    pub lifecycle: Lifecycle,
    pub predictive: Predictive,
    /// Ordered, first-match routing rules (`[[routing]]`); none: leads wait unassigned.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routing: Vec<RoutingRule>,
    /// What happens when a rep lets a routing deadline pass (`[escalation]`): a reminder,
    /// then the team lead, then the lead routed to someone else. On by default.
    pub escalation: Escalation,
}

/// When leads move by themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lifecycle {
    /// The sales-ready definition, a segment expression agreed by marketing and sales.
    /// Leads that meet it become MQLs. Empty: no automatic MQLs.
    pub mql: String,
    /// Whether qualification rules that disqualify move the lead to `disqualified`
    /// (otherwise they only flag it).
    pub auto_disqualify: bool,
}

impl Default for Lifecycle {
    fn default() -> Lifecycle {
        Lifecycle {
            mql: r#"fit >= "B" and engagement >= 40 and not disqualified"#.into(),
            auto_disqualify: true,
        }
    }
}

/// Predictive scoring settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Predictive {
    /// Fewest outcomes of each kind (converted and not) a model is trained on; below it
    /// Leadline says so and keeps the rule score.
    pub min_outcomes: u32,
}

impl Default for Predictive {
    fn default() -> Predictive {
        Predictive { min_outcomes: 30 }
    }
}

/// Why a policy text was refused, with the place it went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{}{message}", location(*line, *column, field))]
pub struct PolicyError {
    /// 1-based line and column in the text, when the problem has a place.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The setting at fault, e.g. `lifecycle.mql`.
    pub field: Option<String>,
    pub message: String,
}

fn location(line: Option<usize>, column: Option<usize>, field: &Option<String>) -> String {
    let mut out = String::new();
    if let Some(l) = line {
        out.push_str(&format!("line {l}"));
        if let Some(c) = column {
            out.push_str(&format!(", column {c}"));
        }
        out.push_str(": ");
    }
    if let Some(f) = field {
        out.push_str(&format!("{f}: "));
    }
    out
}

impl Policy {
    /// Reads a policy from TOML (`leadline.toml`'s sections, or the UI's editor); the
    /// result is [`validate`](Policy::validate)d.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => line_col(text, span.start),
                None => (None, None),
            };
            PolicyError {
                line,
                column,
                field: None,
                message: e.message().trim().to_owned(),
            }
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Writes the policy as TOML, for the editor and `leadline policy show`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what serde cannot: the MQL definition and routing rules parse, grade thresholds
    /// descend.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let field_err = |field: &str, message: String| PolicyError {
            line: None,
            column: None,
            field: Some(field.into()),
            message,
        };
        self.mql()
            .map_err(|e| field_err("lifecycle.mql", e.to_string()))?;
        self.routing_rules().map_err(|e| {
            let message = match e.name.as_str() {
                "" => e.detail(),
                name => format!("rule '{name}': {}", e.detail()),
            };
            field_err(&e.field, message)
        })?;
        self.escalation.validate().map_err(|e| {
            let (field, message) = e.split_once(": ").unwrap_or(("", &e));
            field_err(&format!("escalation.{field}"), message.to_owned())
        })?;
        for (name, g) in [
            ("scoring.fit_grades", self.scoring.fit_grades),
            ("scoring.engagement_grades", self.scoring.engagement_grades),
        ] {
            if !(g[0] >= g[1] && g[1] >= g[2]) {
                return Err(field_err(
                    name,
                    "thresholds must go from the best grade down".into(),
                ));
            }
        }
        if !self.scoring.half_life_days.is_finite() || self.scoring.half_life_days < 0.0 {
            return Err(field_err(
                "scoring.half_life_days",
                "must be zero (no decay) or a positive number of days".into(),
            ));
        }
        Ok(())
    }

    /// The parsed MQL definition; `None` when automatic MQLs are off.
    pub fn mql(&self) -> Result<Option<Expr>, filter::ParseError> {
        let text = self.lifecycle.mql.trim();
        if text.is_empty() {
            return Ok(None);
        }
        filter::parse(text).map(Some)
    }

    /// The routing rules, checked and ready for [`routing::route`].
    pub fn routing_rules(&self) -> Result<Vec<CompiledRule>, RoutingError> {
        routing::compile(&self.routing)
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (Option<usize>, Option<usize>) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(1, |l| l.chars().count() + 1);
    (Some(line), Some(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_toml() {
        let p = Policy::default();
        assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
        assert!(p.mql().unwrap().is_some());
    }

    #[test]
    fn sections_override_only_what_they_name() {
        let p = Policy::from_toml(
            "[qualification]\ncompetitor_domains = [\"rival.com\"]\n\n[lifecycle]\nmql = \"engagement >= 10\"\n",
        )
        .unwrap();
        assert!(p.qualification.competitor_domains.contains("rival.com"));
        assert_eq!(p.lifecycle.mql, "engagement >= 10");
        assert!(p.lifecycle.auto_disqualify);
        assert_eq!(p.scoring, Model::default());
    }

    #[test]
    fn errors_name_line_column_or_field() {
        let e = Policy::from_toml("[scoring]\nhalf_life_days = \"soon\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.to_string().starts_with("line 2, column 18: "), "{e}");
        let e = Policy::from_toml("[lifecycle]\nmql = \"fit >= \"\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("lifecycle.mql"));
        assert!(e.message.contains("column"), "{e}");
        let e = Policy::from_toml("[scoring]\nfit_grades = [10, 20, 30]\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("scoring.fit_grades"));
        let e = Policy::from_toml("[lifecycle]\nmlq = \"x\"\n").unwrap_err();
        assert!(e.message.contains("mlq"), "{e}");
    }

    #[test]
    fn escalation_is_on_by_default_and_checked_by_field() {
        assert_eq!(Policy::default().escalation, Escalation::default());
        let p = Policy::from_toml("[escalation]\nescalate_after_hours = 1.5\n").unwrap();
        assert_eq!(p.escalation.escalate_after_hours, Some(1.5));
        assert_eq!(p.escalation.reassign_after_hours, Some(8.0));
        let e = Policy::from_toml("[escalation]\nescalate_after_hours = 0\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("escalation.escalate_after_hours"));
        let e = Policy::from_toml("[escalation]\nescalate_after = 1\n").unwrap_err();
        assert!(e.message.contains("escalate_after"), "{e}");
    }

    #[test]
    fn an_empty_mql_turns_automation_off() {
        let p = Policy::from_toml("[lifecycle]\nmql = \"  \"\n").unwrap();
        assert_eq!(p.mql().unwrap(), None);
    }
}
