//! Checking a form submission: spam first, then each shown field.

use std::collections::BTreeMap;

use super::{
    Answers, FieldError, FieldType, FormDefinition, FormField, HONEYPOT_FIELD, KnownProfile,
    MAX_ANSWER_CHARS, Verdict,
};
use crate::Email;

/// Checks a submission against the fields that were shown to this visitor.
///
/// `rendered_at_ms` is when the form was rendered, from the signed token our pages embed;
/// `None` for a hand-written HTML form on another site that carries no token, where only the
/// honeypot can be checked. A forged token is the caller's to reject as spam.
pub fn check_submission(
    def: &FormDefinition,
    known: Option<&KnownProfile>,
    submitted: &BTreeMap<String, String>,
    rendered_at_ms: Option<i64>,
    now_ms: i64,
) -> Verdict {
    if submitted
        .get(HONEYPOT_FIELD)
        .is_some_and(|v| !v.trim().is_empty())
    {
        return Verdict::Spam("honeypot_filled");
    }
    if let Some(t) = rendered_at_ms
        && now_ms - t < i64::from(def.min_seconds) * 1000
    {
        return Verdict::Spam("submitted_too_fast");
    }
    let mut answers = Answers {
        email: known.and_then(|k| k.email.clone()),
        ..Default::default()
    };
    let mut errors = Vec::new();
    for field in def.fields_for(known) {
        let raw = submitted.get(&field.name).map(|v| v.trim()).unwrap_or("");
        if let Err(message) = check_field(field, raw, &mut answers) {
            errors.push(FieldError {
                field: field.name.clone(),
                message,
            });
        }
    }
    if def.consent_required && def.consent_text.is_some() && !is_checked(submitted.get("consent")) {
        errors.push(FieldError {
            field: "consent".into(),
            message: "Please give your consent to continue.".into(),
        });
    } else if def.consent_text.is_some() {
        answers.traits.consent = Some(is_checked(submitted.get("consent")));
    }
    if errors.is_empty() && answers.email.is_none() {
        errors.push(FieldError {
            field: "email".into(),
            message: "Please enter your email address.".into(),
        });
    }
    if errors.is_empty() {
        Verdict::Accept(Box::new(answers))
    } else {
        Verdict::Invalid(errors)
    }
}

fn is_checked(v: Option<&String>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "on" | "true" | "yes" | "1"
        )
    })
}

fn check_field(field: &FormField, raw: &str, answers: &mut Answers) -> Result<(), String> {
    if field.kind == FieldType::Hidden {
        let value = field
            .value
            .as_deref()
            .filter(|_| raw.is_empty())
            .unwrap_or(raw);
        if !value.is_empty() {
            let key = field.capture.clone().unwrap_or_else(|| field.name.clone());
            answers.captured.insert(key, truncate(value));
        }
        return Ok(());
    }
    if raw.is_empty() {
        return if field.required {
            Err(format!("{} is required.", label(field)))
        } else {
            Ok(())
        };
    }
    if raw.chars().count() > MAX_ANSWER_CHARS {
        return Err(format!(
            "Please keep this under {MAX_ANSWER_CHARS} characters."
        ));
    }
    match field.kind {
        FieldType::Email => {
            let email = Email::parse(raw).map_err(|e| format!("This email address {e}."))?;
            if field.name == "email" {
                answers.email = Some(email);
                return Ok(());
            }
        }
        FieldType::Tel => {
            let digits = raw.chars().filter(char::is_ascii_digit).count();
            let allowed = raw
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().x/".contains(c));
            if !allowed || !(6..=20).contains(&digits) {
                return Err("Please enter a phone number (digits, spaces, + - ( )).".into());
            }
        }
        FieldType::Number if raw.replace(',', ".").parse::<f64>().is_err() => {
            return Err("Please enter a number.".into());
        }
        FieldType::Url if !raw.contains('.') || raw.contains(char::is_whitespace) => {
            return Err("Please enter a web address such as acme.com.".into());
        }
        FieldType::Select if !field.options.iter().any(|o| o == raw) => {
            return Err("Please choose one of the options.".into());
        }
        _ => {}
    }
    if field.name == "email" {
        answers.email = Some(Email::parse(raw).map_err(|e| format!("This email address {e}."))?);
    } else if field.name == "name" || field.name == "full_name" {
        answers.traits.set_full_name(raw);
    } else {
        answers.traits.set(&field.name, raw);
    }
    Ok(())
}

fn label(field: &FormField) -> &str {
    if field.label.is_empty() {
        &field.name
    } else {
        &field.label
    }
}

fn truncate(v: &str) -> String {
    v.chars().take(MAX_ANSWER_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::super::*;

    fn field(name: &str, kind: FieldType, required: bool) -> FormField {
        FormField {
            name: name.into(),
            label: name.into(),
            kind,
            required,
            options: vec![],
            placeholder: None,
            capture: None,
            value: None,
        }
    }

    fn contact_form() -> FormDefinition {
        serde_json::from_value(serde_json::json!({
            "fields": [
                {"name": "email", "label": "Work email", "type": "email", "required": true},
                {"name": "first_name", "label": "First name"},
                {"name": "company", "label": "Company", "required": true},
                {"name": "utm_source", "type": "hidden", "capture": "utm_source"}
            ],
            "progressive_fields": [{"name": "title", "label": "Job title"}, {"name": "phone", "type": "tel"}],
            "min_seconds": 3
        }))
        .unwrap()
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn a_complete_submission_is_accepted_with_its_captures() {
        let v = check_submission(
            &contact_form(),
            None,
            &answers(&[
                ("email", "ada@acme.com"),
                ("company", "Acme"),
                ("utm_source", "google"),
            ]),
            Some(0),
            10_000,
        );
        let Verdict::Accept(a) = v else {
            panic!("{v:?}")
        };
        assert_eq!(a.email.unwrap().as_str(), "ada@acme.com");
        assert_eq!(a.traits.company.as_deref(), Some("Acme"));
        assert_eq!(
            a.captured.get("utm_source").map(String::as_str),
            Some("google")
        );
    }

    #[test]
    fn missing_and_malformed_answers_are_named_by_field() {
        let v = check_submission(
            &contact_form(),
            None,
            &answers(&[("email", "not-an-email")]),
            Some(0),
            10_000,
        );
        let Verdict::Invalid(errs) = v else {
            panic!("{v:?}")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "company"]);
    }

    #[test]
    fn bots_are_caught_by_honeypot_or_speed_and_tokenless_forms_by_honeypot_only() {
        let ok = answers(&[("email", "ada@acme.com"), ("company", "Acme")]);
        let mut hp = ok.clone();
        hp.insert(HONEYPOT_FIELD.into(), "http://spam".into());
        assert_eq!(
            check_submission(&contact_form(), None, &hp, Some(0), 10_000),
            Verdict::Spam("honeypot_filled")
        );
        assert_eq!(
            check_submission(&contact_form(), None, &ok, Some(9_000), 10_000),
            Verdict::Spam("submitted_too_fast")
        );
        assert!(matches!(
            check_submission(&contact_form(), None, &ok, None, 10_000),
            Verdict::Accept(_)
        ));
        assert_eq!(
            check_submission(&contact_form(), None, &hp, None, 10_000),
            Verdict::Spam("honeypot_filled")
        );
    }

    #[test]
    fn known_visitors_are_asked_the_next_unanswered_fields() {
        let def = contact_form();
        let shown = |k: Option<&KnownProfile>| {
            def.fields_for(k)
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shown(None),
            ["email", "first_name", "company", "utm_source"]
        );
        let mut known = KnownProfile {
            email: Some(Email::parse("ada@acme.com").unwrap()),
            ..Default::default()
        };
        known.traits.company = Some("Acme".into());
        assert_eq!(
            shown(Some(&known)),
            ["first_name", "utm_source", "title", "phone"]
        );
        let mut limited = def.clone();
        limited.max_fields = Some(2);
        assert_eq!(
            limited.fields_for(Some(&known)).len(),
            3,
            "two visible plus the hidden capture"
        );
    }

    #[test]
    fn a_known_visitor_may_submit_without_retyping_their_email() {
        let known = KnownProfile {
            email: Some(Email::parse("ada@acme.com").unwrap()),
            ..Default::default()
        };
        let v = check_submission(
            &contact_form(),
            Some(&known),
            &answers(&[("company", "Acme")]),
            Some(0),
            10_000,
        );
        assert!(matches!(v, Verdict::Accept(a) if a.email.is_some()));
    }

    #[test]
    fn definitions_with_bad_names_duplicates_or_no_visible_field_are_refused() {
        let mut d = contact_form();
        assert!(d.validate().is_ok());
        d.fields.push(field("email", FieldType::Text, false));
        assert_eq!(d.validate().unwrap_err().field, "fields.name");
        let hidden_only = FormDefinition {
            fields: vec![field("x", FieldType::Hidden, false)],
            ..contact_form()
        };
        let hidden_only = FormDefinition {
            progressive_fields: vec![],
            ..hidden_only
        };
        assert_eq!(hidden_only.validate().unwrap_err().field, "fields");
    }
}
