//! Forms: what a form asks, what a known visitor is asked instead, and whether a submission
//! is valid, spam, or a lead.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::capture::Traits;
use crate::{Channel, Email, Stage};

/// The input control of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    #[default]
    Text,
    Email,
    Tel,
    Number,
    Url,
    Textarea,
    Select,
    Checkbox,
    Country,
    /// Not shown; filled from the page (`capture`) or a fixed `value`.
    Hidden,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Where the answer goes: a profile field (`email`, `first_name`, `company` …) or any other
    /// name, kept as a custom field.
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(default, rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// For hidden fields: what the page fills in (`utm_source`, `utm_medium`, `utm_campaign`,
    /// `utm_term`, `utm_content`, `referrer`, `page_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<String>,
    /// For hidden fields: a fixed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// What a form asks and what happens after it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub fields: Vec<FormField>,
    /// Asked of known visitors in place of fields we already know, in this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progressive_fields: Vec<FormField>,
    /// The most visible fields shown at once (progressive profiling); default: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fields: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_text: Option<String>,
    #[serde(default)]
    pub consent_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thank_you: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_label: Option<String>,
    /// Submissions faster than this after the page was rendered are treated as bots.
    #[serde(default = "default_min_seconds")]
    pub min_seconds: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// The stage a person created by this form starts in (e.g. `subscriber` for a newsletter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
}

fn default_min_seconds() -> u32 {
    3
}

/// The name of the honeypot input: invisible to people, irresistible to bots.
pub const HONEYPOT_FIELD: &str = "website_url_confirm";
/// Longest answer accepted in one field.
pub const MAX_ANSWER_CHARS: usize = 5_000;

/// A problem with a definition, named by the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DefinitionError {
    pub field: String,
    pub message: String,
}

impl FormDefinition {
    /// Checks a definition a marketer wrote before it is saved.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        let err = |field: &str, message: &str| {
            Err(DefinitionError {
                field: field.into(),
                message: message.into(),
            })
        };
        let all: Vec<&FormField> = self.fields.iter().chain(&self.progressive_fields).collect();
        if !all.iter().any(|f| f.kind != FieldType::Hidden) {
            return err("fields", "a form needs at least one visible field");
        }
        let mut seen = std::collections::HashSet::new();
        for f in &all {
            let ok_name = !f.name.is_empty()
                && f.name.len() <= 64
                && f.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !f.name.starts_with('_');
            if !ok_name {
                return err(
                    "fields.name",
                    "field names use letters, digits and _ (at most 64, not starting with _)",
                );
            }
            if !seen.insert(f.name.as_str()) {
                return err("fields.name", &format!("field '{}' appears twice", f.name));
            }
            if f.kind == FieldType::Select && f.options.is_empty() {
                return err(
                    "fields.options",
                    &format!("select field '{}' needs options", f.name),
                );
            }
        }
        if self.max_fields == Some(0) {
            return err("max_fields", "must be at least 1");
        }
        if let Some(url) = &self.redirect_url
            && !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
        {
            return err("redirect_url", "must be an http(s) URL or a path");
        }
        Ok(())
    }

    /// The fields to show a visitor, given what we already know of them (progressive
    /// profiling): known answers are not asked again, the next unanswered fields take their
    /// place, at most `max_fields` visible fields; hidden fields always ride along.
    pub fn fields_for(&self, known: Option<&KnownProfile>) -> Vec<&FormField> {
        let limit = self.max_fields.unwrap_or(
            self.fields
                .iter()
                .filter(|f| f.kind != FieldType::Hidden)
                .count(),
        );
        let mut visible = 0;
        let mut out = Vec::new();
        for f in self.fields.iter().chain(&self.progressive_fields) {
            if f.kind == FieldType::Hidden {
                if self.fields.contains(f) {
                    out.push(f);
                }
                continue;
            }
            let already_known = known.is_some_and(|k| k.knows(&f.name));
            let is_base = self.fields.iter().any(|b| b.name == f.name);
            if already_known || visible >= limit || (!is_base && known.is_none()) {
                continue;
            }
            visible += 1;
            out.push(f);
        }
        out
    }
}

/// What we already know of a visitor, for progressive profiling.
#[derive(Debug, Clone, Default)]
pub struct KnownProfile {
    pub email: Option<Email>,
    pub traits: Traits,
}

impl KnownProfile {
    fn knows(&self, field: &str) -> bool {
        match field {
            "email" => self.email.is_some(),
            other => self.traits.get(other).is_some(),
        }
    }
}

/// A field-level complaint, shown beside the field (HTML) or as a 422 with `field` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The outcome of checking a submission.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A real person's answers, ready for the capture pipeline.
    Accept(Box<Answers>),
    /// Looks like a bot: thank it politely and store nothing.
    Spam(&'static str),
    /// Answers a person must correct.
    Invalid(Vec<FieldError>),
}

/// A valid submission's answers, split into identity and profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answers {
    pub email: Option<Email>,
    pub traits: Traits,
    /// Hidden-field captures: `utm_source`, `referrer`, … by name.
    pub captured: BTreeMap<String, String>,
}

mod check;
pub use check::check_submission;
