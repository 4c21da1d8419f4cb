//! The reference X Education lead file (9,240 rows, no email column) imported by its
//! `Prospect ID`. The file lives in the shared reference data beside the repository, not in
//! it; without it these tests say why they are skipped and pass.

use std::collections::HashSet;
use std::path::PathBuf;

use super::tests::context;
use super::*;

/// `LEADLINE_REFERENCE_DIR` may name the reference folder or its `datasets/` folder.
fn reference_file() -> Option<PathBuf> {
    let dir = std::env::var_os("LEADLINE_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference")
        });
    [
        dir.join("datasets/x-education-leads.csv"),
        dir.join("x-education-leads.csv"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

#[test]
fn the_x_education_file_imports_by_prospect_id_with_every_row() {
    let Some(path) = reference_file() else {
        eprintln!(
            "skipped: datasets/x-education-leads.csv not found under LEADLINE_REFERENCE_DIR or \
             ../../../shared/reference relative to the crate; the shared reference data is not \
             checked out beside this repository"
        );
        return;
    };
    let file = std::fs::File::open(&path).unwrap();
    let size = file.metadata().unwrap().len();
    let options = ImportOptions {
        mapping: MappingOptions {
            key: Some("Prospect ID".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut rows = read_csv(std::io::BufReader::new(file), &options, context()).unwrap();
    let mapping = rows.mapping().clone();
    assert_eq!(
        mapping.column_for(&Target::Profile("country")),
        Some("Country")
    );
    assert_eq!(
        mapping.column_for(&Target::Custom("lead_source".into())),
        Some("Lead Source")
    );
    let (mut events, mut errors, mut ids) = (0, Vec::new(), HashSet::new());
    let (mut opted_out, mut with_specialization) = (0, 0);
    for row in rows.by_ref() {
        match row {
            Ok(e) => {
                events += 1;
                assert!(e.external_key.is_some() && e.email.is_none());
                assert_ne!(
                    e.traits.custom.get("specialization").map(String::as_str),
                    Some("Select")
                );
                assert_ne!(
                    e.traits.custom.get("city").map(String::as_str),
                    Some("Select")
                );
                opted_out += usize::from(e.traits.consent == Some(false));
                with_specialization += usize::from(e.traits.custom.contains_key("specialization"));
                ids.insert(e.message_id);
            }
            Err(e) => errors.push(e),
        }
    }
    assert_eq!((events, errors.len()), (9240, 0), "{errors:?}");
    assert_eq!(ids.len(), 9240);
    assert_eq!(opted_out, 734, "Do Not Email = Yes");
    assert_eq!(
        with_specialization,
        9240 - 1438 - 1942,
        "empty and Select are missing"
    );
    assert_eq!(rows.bytes_read(), size);
}

#[test]
fn the_x_education_rows_carry_country_and_lead_source() {
    let Some(path) = reference_file() else {
        eprintln!("skipped: the X Education reference file is not checked out (see above)");
        return;
    };
    let options = ImportOptions {
        mapping: MappingOptions {
            key: Some("Prospect ID".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let file = std::fs::File::open(path).unwrap();
    let events: Vec<_> = read_csv(file, &options, context())
        .unwrap()
        .take(2)
        .collect();
    let first = events[0].as_ref().unwrap();
    assert_eq!(
        first.external_key.as_deref(),
        Some("7927b2df-8bba-4d29-b9a2-b6e0beafe620")
    );
    assert_eq!(first.traits.country, None);
    assert_eq!(first.traits.custom["lead_source"], "Olark Chat");
    assert_eq!(first.traits.custom["lead_origin"], "API");
    assert!(!first.traits.custom.contains_key("specialization"));
    let second = events[1].as_ref().unwrap();
    assert_eq!(second.traits.country.as_deref(), Some("India"));
}
