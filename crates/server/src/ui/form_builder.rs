//! The form builder's state: a stored definition shown as rows of inputs, and a posted
//! builder read back into a definition, each problem named by the input it belongs beside.

use std::collections::HashSet;

use leadline_core::form::{FieldType, FormDefinition, FormField};
use leadline_core::{Channel, Stage};
use serde::Serialize;

use super::common::{Errors, Fields};
use crate::api::marketing::{NewForm, check_form};

/// Rows of fields the builder offers (more appear when a form already has more).
pub const FIELD_ROWS: usize = 10;
/// Rows of progressive fields the builder offers.
pub const PROGRESSIVE_ROWS: usize = 4;
/// Rows read back from a post, at most (the builder shows every row a stored form has).
const MAX_ROWS: usize = 200;

/// What the "capture UTM tags" switch adds: hidden fields the page fills in, each named as
/// what it captures.
pub const CAPTURES: [&str; 7] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "referrer",
    "page_url",
];

/// Every field type, in the order the type menu lists them.
pub const FIELD_TYPES: [FieldType; 10] = [
    FieldType::Text,
    FieldType::Email,
    FieldType::Tel,
    FieldType::Number,
    FieldType::Url,
    FieldType::Textarea,
    FieldType::Select,
    FieldType::Checkbox,
    FieldType::Country,
    FieldType::Hidden,
];

/// A field type's stored name (as in the form's JSON).
pub fn type_name(t: FieldType) -> &'static str {
    match t {
        FieldType::Text => "text",
        FieldType::Email => "email",
        FieldType::Tel => "tel",
        FieldType::Number => "number",
        FieldType::Url => "url",
        FieldType::Textarea => "textarea",
        FieldType::Select => "select",
        FieldType::Checkbox => "checkbox",
        FieldType::Country => "country",
        FieldType::Hidden => "hidden",
    }
}

/// One row of the builder, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Row {
    pub name: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    /// Select options, one a line.
    pub options: String,
    pub placeholder: String,
    pub value: String,
    pub capture: String,
}

impl Row {
    fn of(f: &FormField) -> Row {
        Row {
            name: f.name.clone(),
            label: f.label.clone(),
            kind: type_name(f.kind).to_owned(),
            required: f.required,
            options: f.options.join("\n"),
            placeholder: f.placeholder.clone().unwrap_or_default(),
            value: f.value.clone().unwrap_or_default(),
            capture: f.capture.clone().unwrap_or_default(),
        }
    }

    fn posted(f: &Fields, p: &str) -> Option<Row> {
        let get = |k: &str| f.get(&format!("{p}_{k}")).cloned().unwrap_or_default();
        f.contains_key(&format!("{p}_name")).then(|| Row {
            name: get("name").trim().to_owned(),
            label: get("label").trim().to_owned(),
            kind: get("type"),
            required: f.contains_key(&format!("{p}_required")),
            options: get("options"),
            placeholder: get("placeholder").trim().to_owned(),
            value: get("value").trim().to_owned(),
            capture: get("capture").trim().to_owned(),
        })
    }

    /// The field this row describes; `Ok(None)` for an unused row.
    fn field(&self, p: &str, errors: &mut Errors) -> Option<FormField> {
        if self.name.is_empty() {
            if !self.label.is_empty() || !self.options.trim().is_empty() {
                errors.insert(
                    format!("{p}_name"),
                    "Give this field a name, such as company.".into(),
                );
            }
            return None;
        }
        let Some(kind) = FIELD_TYPES.into_iter().find(|t| type_name(*t) == self.kind) else {
            errors.insert(format!("{p}_type"), "Choose a type from the list.".into());
            return None;
        };
        let label = if self.label.is_empty() {
            humanise(&self.name)
        } else {
            self.label.clone()
        };
        let field = FormField {
            name: self.name.clone(),
            label,
            kind,
            required: self.required,
            options: if kind == FieldType::Select {
                lines(&self.options)
            } else {
                Vec::new()
            },
            placeholder: opt(&self.placeholder),
            capture: opt(&self.capture).filter(|_| kind == FieldType::Hidden),
            value: opt(&self.value).filter(|_| kind == FieldType::Hidden),
        };
        // The core's own check, on this field alone, so its complaint lands beside this row.
        if let Err(e) = one_field(&field).validate()
            && e.field != "fields"
        {
            let input = if e.field == "fields.options" {
                "options"
            } else {
                "name"
            };
            errors.insert(format!("{p}_{input}"), super::common::sentence(&e.message));
            return None;
        }
        Some(field)
    }
}

/// The builder page's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Builder {
    pub name: String,
    pub key: String,
    pub fields: Vec<Row>,
    pub progressive: Vec<Row>,
    pub capture_utm: bool,
    pub max_fields: String,
    pub consent_text: String,
    pub consent_required: bool,
    pub thank_you: String,
    pub redirect_url: String,
    pub submit_label: String,
    pub min_seconds: String,
    pub campaign: String,
    pub channel: String,
    pub stage: String,
}

/// The standard "How did you hear about us?" question (`heard_about`): channel labels plus
/// "Other". Capture stores the answer in the lead's custom fields and its channel in
/// `leads.heard_about`, which reports show beside measured attribution.
fn heard_about_row() -> Row {
    use leadline_core::Channel as C;
    let options: Vec<String> = [
        C::OrganicSearch,
        C::PaidSearch,
        C::Social,
        C::Email,
        C::Webinar,
        C::Tradeshow,
        C::EventPresentation,
        C::Blog,
        C::PressRelease,
        C::Analyst,
        C::Referral,
        C::CustomerReferral,
        C::PartnerReferral,
    ]
    .iter()
    .map(|c| c.label())
    .chain(["Other".to_owned()])
    .collect();
    Row {
        name: "heard_about".into(),
        label: "How did you hear about us?".into(),
        kind: "select".into(),
        options: options.join("\n"),
        ..Row::default()
    }
}

impl Builder {
    /// A new form: work email, names and company, "How did you hear about us?", UTM
    /// capture on.
    pub fn blank() -> Builder {
        let row = |name: &str, kind: &str, required: bool| Row {
            name: name.into(),
            label: humanise(name),
            kind: kind.into(),
            required,
            ..Row::default()
        };
        let mut b = Builder {
            fields: vec![
                Row {
                    label: "Work email".into(),
                    ..row("email", "email", true)
                },
                row("first_name", "text", false),
                row("last_name", "text", false),
                row("company", "text", false),
                heard_about_row(),
            ],
            capture_utm: true,
            min_seconds: "3".into(),
            ..Builder::default()
        };
        b.pad();
        b
    }

    /// A stored form, ready to edit.
    pub fn of(name: &str, key: &str, d: &FormDefinition) -> Builder {
        let auto = |f: &&FormField| {
            f.kind == FieldType::Hidden
                && f.value.is_none()
                && f.capture.as_deref() == Some(f.name.as_str())
                && CAPTURES.contains(&f.name.as_str())
        };
        let mut b = Builder {
            name: name.into(),
            key: key.into(),
            fields: d.fields.iter().filter(|f| !auto(f)).map(Row::of).collect(),
            progressive: d.progressive_fields.iter().map(Row::of).collect(),
            capture_utm: d.fields.iter().any(|f| auto(&f)),
            max_fields: d.max_fields.map(|m| m.to_string()).unwrap_or_default(),
            consent_text: d.consent_text.clone().unwrap_or_default(),
            consent_required: d.consent_required,
            thank_you: d.thank_you.clone().unwrap_or_default(),
            redirect_url: d.redirect_url.clone().unwrap_or_default(),
            submit_label: d.submit_label.clone().unwrap_or_default(),
            min_seconds: d.min_seconds.to_string(),
            campaign: d.campaign.clone().unwrap_or_default(),
            channel: d.channel.map(|c| c.as_str().to_owned()).unwrap_or_default(),
            stage: d.stage.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        };
        b.pad();
        b
    }

    /// The builder as posted, blank rows included so the page can be shown again.
    pub fn posted(f: &Fields) -> Builder {
        let text = |k: &str| f.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        let rows = |p: &str| -> Vec<Row> {
            (0..MAX_ROWS)
                .filter_map(|i| Row::posted(f, &format!("{p}{i}")))
                .collect()
        };
        Builder {
            name: text("name"),
            key: text("key"),
            fields: rows("f"),
            progressive: rows("p"),
            capture_utm: f.contains_key("capture_utm"),
            max_fields: text("max_fields"),
            consent_text: text("consent_text"),
            consent_required: f.contains_key("consent_required"),
            thank_you: text("thank_you"),
            redirect_url: text("redirect_url"),
            submit_label: text("submit_label"),
            min_seconds: text("min_seconds"),
            campaign: text("campaign"),
            channel: text("channel"),
            stage: text("stage"),
        }
    }

    /// Adds blank rows up to the builder's size.
    pub fn pad(&mut self) {
        let blank = Row {
            kind: "text".into(),
            ..Row::default()
        };
        let want = FIELD_ROWS.max(self.fields.len());
        self.fields.resize(want, blank.clone());
        let want = PROGRESSIVE_ROWS.max(self.progressive.len());
        self.progressive.resize(want, blank);
    }

    /// The form to save (and its key), or every problem by input name. `key` is the stored
    /// key of a form being edited (keys never change: pages embed them).
    pub fn form(&self, key: Option<&str>) -> Result<(NewForm, String), Errors> {
        let mut errors = Errors::new();
        let mut seen = HashSet::new();
        let mut rows = |prefix: &str, rows: &[Row], errors: &mut Errors| -> Vec<FormField> {
            let mut out = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let p = format!("{prefix}{i}");
                let Some(field) = row.field(&p, errors) else {
                    continue;
                };
                if !seen.insert(field.name.clone()) {
                    let msg = format!("Another field is already named {}.", field.name);
                    errors.insert(format!("{p}_name"), msg);
                    continue;
                }
                out.push(field);
            }
            out
        };
        let mut fields = rows("f", &self.fields, &mut errors);
        let progressive_fields = rows("p", &self.progressive, &mut errors);
        if self.capture_utm {
            for c in CAPTURES.iter().filter(|c| !seen.contains(**c)) {
                fields.push(FormField {
                    kind: FieldType::Hidden,
                    capture: Some((*c).into()),
                    ..one_field_named(c)
                });
            }
        }
        let definition = FormDefinition {
            fields,
            progressive_fields,
            max_fields: number(&self.max_fields, "max_fields", 1, 100, &mut errors),
            consent_text: opt(&self.consent_text),
            consent_required: self.consent_required,
            thank_you: opt(&self.thank_you),
            redirect_url: opt(&self.redirect_url),
            submit_label: opt(&self.submit_label),
            min_seconds: number(&self.min_seconds, "min_seconds", 0, 3600, &mut errors)
                .map_or(3, |n| n as u32),
            campaign: opt(&self.campaign),
            channel: parse_opt(&self.channel, Channel::parse, "channel", &mut errors),
            stage: parse_opt(&self.stage, Stage::parse, "stage", &mut errors),
        };
        let form = NewForm {
            name: self.name.clone(),
            key: key.map(str::to_owned).or_else(|| opt(&self.key)),
            definition,
        };
        match check_form(&form) {
            Ok(key) if errors.is_empty() => Ok((form, key)),
            Ok(_) => Err(errors),
            Err(e) => {
                let at = e.field.unwrap_or_else(|| "name".into());
                errors
                    .entry(at)
                    .or_insert_with(|| super::common::sentence(&e.message));
                Err(errors)
            }
        }
    }
}

fn one_field(f: &FormField) -> FormDefinition {
    FormDefinition {
        fields: vec![f.clone()],
        progressive_fields: Vec::new(),
        max_fields: None,
        consent_text: None,
        consent_required: false,
        thank_you: None,
        redirect_url: None,
        submit_label: None,
        min_seconds: 0,
        campaign: None,
        channel: None,
        stage: None,
    }
}

fn one_field_named(name: &str) -> FormField {
    FormField {
        name: name.into(),
        label: String::new(),
        kind: FieldType::Text,
        required: false,
        options: Vec::new(),
        placeholder: None,
        capture: None,
        value: None,
    }
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn lines(s: &str) -> Vec<String> {
    s.lines().filter_map(opt).collect()
}

/// `first_name` → `First name`.
fn humanise(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(first) => first
            .to_uppercase()
            .chain(c)
            .collect::<String>()
            .replace('_', " "),
        None => String::new(),
    }
}

fn number(s: &str, at: &str, min: usize, max: usize, errors: &mut Errors) -> Option<usize> {
    match s.trim().parse::<usize>() {
        _ if s.trim().is_empty() => None,
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            errors.insert(
                at.into(),
                format!("Enter a whole number from {min} to {max}."),
            );
            None
        }
    }
}

fn parse_opt<T>(s: &str, parse: fn(&str) -> Option<T>, at: &str, errors: &mut Errors) -> Option<T> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let parsed = parse(s);
    if parsed.is_none() {
        errors.insert(at.into(), "Choose one from the list.".into());
    }
    parsed
}

#[cfg(test)]
#[path = "form_builder_tests.rs"]
mod tests;
