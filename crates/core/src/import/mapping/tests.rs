use super::*;

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| (*c).to_owned()).collect()
}

fn map(cols: &[&str], options: &MappingOptions) -> Result<Vec<(String, String)>, MappingError> {
    let m = Mapping::build(&header(cols), options)?;
    Ok(m.columns()
        .iter()
        .map(|(h, t)| (h.clone(), t.to_string()))
        .collect())
}

fn targets(cols: &[&str], options: &MappingOptions) -> Vec<String> {
    map(cols, options)
        .unwrap()
        .into_iter()
        .map(|c| c.1)
        .collect()
}

#[test]
fn common_header_spellings_map_to_profile_fields() {
    let got = targets(
        &[
            "E-mail Address",
            "Firstname",
            "Surname",
            "Job Title",
            "Phone Number",
            "Organization",
            "Country/Region",
            "Website URL",
            "Email Opt-in",
            "UTM Source",
            "utm_medium",
            "Lead Origin",
        ],
        &MappingOptions::default(),
    );
    assert_eq!(
        got,
        [
            "email",
            "first_name",
            "last_name",
            "title",
            "phone",
            "company",
            "country",
            "website",
            "consent",
            "utm_source",
            "utm_medium",
            "custom field lead_origin",
        ]
    );
}

#[test]
fn a_full_name_column_is_recognised() {
    assert_eq!(
        targets(&["Contact Name", "Work Email"], &MappingOptions::default()),
        ["name", "email"]
    );
}

#[test]
fn the_more_specific_header_wins_and_the_other_is_kept_as_custom() {
    let got = targets(&["Mobile", "Email", "Phone"], &MappingOptions::default());
    assert_eq!(got, ["custom field mobile", "email", "phone"]);
}

#[test]
fn two_equally_likely_columns_for_one_target_are_an_error_naming_both() {
    let err = map(&["Email", "E-mail"], &MappingOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "columns \"Email\" and \"E-mail\" both map to email; keep one, e.g. --map \"E-mail=ignore\""
    );
}

#[test]
fn map_overrides_win_over_guesses_and_accept_custom_names() {
    let options = MappingOptions {
        map: vec![
            "Work Email=email".into(),
            "Notes=Rep Notes".into(),
            "Title=ignore".into(),
        ],
        ..Default::default()
    };
    let got = targets(&["Email", "Work Email", "Notes", "Title"], &options);
    assert_eq!(
        got,
        [
            "custom field email",
            "email",
            "custom field rep_notes",
            "ignore"
        ]
    );
}

#[test]
fn a_map_naming_a_missing_column_lists_the_columns() {
    let options = MappingOptions {
        map: vec!["Emial=email".into()],
        ..Default::default()
    };
    let err = map(&["Email", "Name"], &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--map Emial=email: no column \"Emial\" in the header; columns are: \"Email\", \"Name\""
    );
}

#[test]
fn map_column_names_match_regardless_of_case_and_spacing() {
    let options = MappingOptions {
        map: vec!["lead source=utm_source".into()],
        ..Default::default()
    };
    assert_eq!(
        targets(&["Email", "Lead Source"], &options),
        ["email", "utm_source"]
    );
}

#[test]
fn two_explicit_choices_of_one_target_are_an_error() {
    let options = MappingOptions {
        map: vec!["A=email".into(), "B=email".into()],
        ..Default::default()
    };
    assert!(matches!(
        map(&["A", "B"], &options),
        Err(MappingError::DuplicateTarget { .. })
    ));
}

#[test]
fn unknown_columns_with_the_same_name_are_numbered_not_refused() {
    let got = targets(
        &["Email", "Notes", "notes", "Notes"],
        &MappingOptions::default(),
    );
    assert_eq!(
        got,
        [
            "email",
            "custom field notes",
            "custom field notes_2",
            "custom field notes_3"
        ]
    );
}

#[test]
fn hubspots_unsubscribed_from_all_email_is_an_opt_out() {
    assert_eq!(
        targets(
            &["Email", "Unsubscribed from all email"],
            &MappingOptions::default()
        ),
        ["email", "opt_out"]
    );
}

#[test]
fn a_malformed_map_says_what_shape_is_expected() {
    let options = MappingOptions {
        map: vec!["Email".into()],
        ..Default::default()
    };
    let err = map(&["Email"], &options).unwrap_err();
    assert!(err.to_string().contains("expected COLUMN=field"), "{err}");
}

#[test]
fn no_email_and_no_key_suggests_both_fixes() {
    let err = map(&["Prospect ID", "Country"], &MappingOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("--key COLUMN") && msg.contains("--map COLUMN=email"),
        "{msg}"
    );
    assert!(msg.contains("\"Prospect ID\", \"Country\""), "{msg}");
}

#[test]
fn key_marks_an_external_id_column() {
    let options = MappingOptions {
        key: Some("Prospect ID".into()),
        ..Default::default()
    };
    assert_eq!(
        targets(&["Prospect ID", "Country"], &options),
        ["key", "country"]
    );
    let options = MappingOptions {
        key: Some("Prospect".into()),
        ..Default::default()
    };
    let err = map(&["Prospect ID"], &options).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("--key Prospect: no column \"Prospect\""),
        "{err}"
    );
}

#[test]
fn hubspot_export_headers_map_with_the_record_id_as_key() {
    let options = MappingOptions {
        preset: Some(Preset::HubSpot),
        ..Default::default()
    };
    let got = targets(
        &[
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Phone Number",
            "Mobile Phone Number",
            "Job Title",
            "Company Name",
            "Country/Region",
            "Website URL",
            "Lifecycle Stage",
        ],
        &options,
    );
    assert_eq!(
        got,
        [
            "key",
            "first_name",
            "last_name",
            "email",
            "phone",
            "custom field mobile_phone_number",
            "title",
            "company",
            "country",
            "website",
            "custom field lifecycle_stage",
        ]
    );
}

#[test]
fn salesforce_lead_export_headers_map_with_opt_out_inverted() {
    let options = MappingOptions {
        preset: Some(Preset::Salesforce),
        ..Default::default()
    };
    let got = targets(
        &[
            "Lead ID",
            "First Name",
            "Last Name",
            "Title",
            "Company",
            "Email",
            "Phone",
            "Mobile",
            "Country",
            "Website",
            "Lead Source",
            "Email Opt Out",
        ],
        &options,
    );
    assert_eq!(
        got,
        [
            "key",
            "first_name",
            "last_name",
            "title",
            "company",
            "email",
            "phone",
            "custom field mobile",
            "country",
            "website",
            "custom field lead_source",
            "opt_out",
        ]
    );
}

#[test]
fn mautic_export_headers_map_with_position_as_title() {
    let options = MappingOptions {
        preset: Some(Preset::Mautic),
        ..Default::default()
    };
    let got = targets(
        &[
            "id",
            "firstname",
            "lastname",
            "email",
            "company",
            "position",
            "phone",
            "country",
            "website",
            "doNotContact",
        ],
        &options,
    );
    assert_eq!(
        got,
        [
            "key",
            "first_name",
            "last_name",
            "email",
            "company",
            "title",
            "phone",
            "country",
            "website",
            "opt_out",
        ]
    );
}

#[test]
fn an_explicit_key_beats_the_presets_id_column() {
    let options = MappingOptions {
        preset: Some(Preset::HubSpot),
        key: Some("Member No".into()),
        ..Default::default()
    };
    assert_eq!(
        targets(&["Record ID", "Member No"], &options),
        ["custom field record_id", "key"]
    );
}

#[test]
fn snake_case_splits_words_punctuation_and_camel_case() {
    assert_eq!(snake_case("Lead Origin"), "lead_origin");
    assert_eq!(snake_case("  How did you hear?? "), "how_did_you_hear");
    assert_eq!(snake_case("doNotContact"), "do_not_contact");
    assert_eq!(snake_case("Société Générale"), "société_générale");
    assert_eq!(snake_case("utm_source"), "utm_source");
}

proptest::proptest! {
    #[test]
    fn snake_case_names_are_stable_and_made_of_words_and_underscores(s in "\\PC{0,40}") {
        let n = snake_case(&s);
        proptest::prop_assert_eq!(snake_case(&n), n.clone());
        proptest::prop_assert!(!n.starts_with('_') && !n.ends_with('_') && !n.contains("__"));
    }
}
