use super::*;

fn posted(pairs: &[(&str, &str)]) -> Builder {
    let fields: Fields = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Builder::posted(&fields)
}

fn field(name: &str, kind: FieldType) -> FormField {
    FormField {
        kind,
        label: humanise(name),
        ..one_field_named(name)
    }
}

#[test]
fn a_blank_builder_saves_as_an_email_form_that_captures_utm_tags() {
    let b = Builder::blank();
    assert_eq!(b.fields.len(), FIELD_ROWS);
    let (form, key) = Builder {
        name: "Newsletter".into(),
        ..b
    }
    .form(None)
    .unwrap();
    assert!(key.len() >= 4);
    let d = &form.definition;
    assert_eq!(d.fields[0].name, "email");
    assert!(d.fields[0].required);
    assert_eq!(d.min_seconds, 3);
    let captured: Vec<_> = d
        .fields
        .iter()
        .filter_map(|f| f.capture.as_deref())
        .collect();
    assert_eq!(captured, CAPTURES);
}

#[test]
fn a_stored_definition_comes_back_unchanged_through_the_builder() {
    let mut select = field("size", FieldType::Select);
    select.options = vec!["1-10".into(), "11-500".into(), "500+".into()];
    select.required = true;
    let mut fixed = field("lead_source", FieldType::Hidden);
    fixed.value = Some("partner".into());
    let mut src = field("src", FieldType::Hidden);
    src.capture = Some("utm_source".into());
    let mut email = field("email", FieldType::Email);
    email.placeholder = Some("you@company.com".into());
    let mut utm = field("utm_campaign", FieldType::Hidden);
    utm.label = String::new();
    utm.capture = Some("utm_campaign".into());
    let d = FormDefinition {
        fields: vec![email, select, fixed, src, utm],
        progressive_fields: vec![field("phone", FieldType::Tel)],
        max_fields: Some(3),
        consent_text: Some("Email me".into()),
        consent_required: true,
        thank_you: Some("Thanks!".into()),
        redirect_url: Some("https://example.com/thanks".into()),
        submit_label: Some("Send".into()),
        min_seconds: 0,
        campaign: Some("Spring webinar".into()),
        channel: Some(Channel::Webinar),
        stage: Some(Stage::Subscriber),
    };
    let b = Builder::of("Demo", "demo-form", &d);
    assert!(b.capture_utm);
    let (form, key) = b.form(Some("demo-form")).unwrap();
    assert_eq!(key, "demo-form");
    assert_eq!(form.name, "Demo");
    // The switch puts every capture after the form's own fields (`src` is the form's own).
    let mut expected = d.clone();
    expected.fields.truncate(4);
    for c in CAPTURES {
        expected.fields.push(FormField {
            kind: FieldType::Hidden,
            capture: Some((*c).into()),
            ..one_field_named(c)
        });
    }
    assert_eq!(form.definition, expected);
}

#[test]
fn each_rows_problem_is_named_by_the_input_beside_it() {
    let errors = posted(&[
        ("name", "Demo"),
        ("f0_name", "email"),
        ("f0_type", "email"),
        ("f1_name", "first name"),
        ("f1_type", "text"),
        ("f2_name", "size"),
        ("f2_type", "select"),
        ("f3_name", "email"),
        ("f3_type", "text"),
        ("f4_name", ""),
        ("f4_label", "Company"),
        ("f4_type", "text"),
        ("f5_name", "x"),
        ("f5_type", "slider"),
        ("p0_name", "email"),
        ("p0_type", "text"),
    ])
    .form(None)
    .unwrap_err();
    let keys: Vec<_> = errors.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "f1_name",
            "f2_options",
            "f3_name",
            "f4_name",
            "f5_type",
            "p0_name"
        ]
    );
    assert!(errors["f3_name"].contains("email"));
}

#[test]
fn form_settings_are_checked_and_named() {
    let errors = posted(&[
        ("name", ""),
        ("key", "no spaces"),
        ("f0_name", "email"),
        ("f0_type", "email"),
        ("max_fields", "0"),
        ("min_seconds", "soon"),
        ("channel", "telepathy"),
        ("stage", "nirvana"),
    ])
    .form(None)
    .unwrap_err();
    let keys: Vec<_> = errors.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["channel", "max_fields", "min_seconds", "name", "stage"]
    );
    let errors = posted(&[
        ("name", "Demo"),
        ("key", "no spaces"),
        ("f0_name", "email"),
        ("f0_type", "email"),
    ])
    .form(None)
    .unwrap_err();
    assert!(errors.contains_key("key"));
    let errors = posted(&[
        ("name", "Demo"),
        ("f0_name", "email"),
        ("f0_type", "email"),
        ("redirect_url", "javascript:alert(1)"),
    ])
    .form(None)
    .unwrap_err();
    assert_eq!(errors["redirect_url"], "Must be an http(s) URL or a path.");
}

#[test]
fn a_form_needs_a_visible_field() {
    let errors = posted(&[
        ("name", "Demo"),
        ("capture_utm", "on"),
        ("f0_name", ""),
        ("f0_type", "text"),
    ])
    .form(None)
    .unwrap_err();
    assert!(errors.contains_key("fields"));
}

#[test]
fn posted_checkboxes_and_option_lines_are_read() {
    let b = posted(&[
        ("name", "Demo"),
        ("f0_name", "size"),
        ("f0_type", "select"),
        ("f0_required", "on"),
        ("f0_options", "small\r\n\r\n large \n"),
        ("consent_required", "on"),
    ]);
    assert!(b.consent_required && !b.capture_utm);
    let (form, _) = b.form(None).unwrap();
    let f = &form.definition.fields[0];
    assert!(f.required);
    assert_eq!(f.options, ["small", "large"]);
    assert_eq!(f.label, "Size");
}
