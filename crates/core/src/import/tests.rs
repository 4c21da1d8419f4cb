//! Whole imports, from bytes to events, including the reference X Education file.

use std::io::{Cursor, Read};

use super::*;
use crate::capture::{Activity, CaptureEvent};

pub(super) fn context() -> ImportContext {
    ImportContext {
        list_name: "Tradeshow 2026".into(),
        campaign: Some("Expo Berlin".into()),
        channel: Some(Channel::Tradeshow),
        on_duplicate: OnDuplicate::Skip,
        occurred_at: 1_790_000_000_000,
        origin: "import:42".into(),
    }
}

fn options() -> ImportOptions {
    ImportOptions::default()
}

fn run<R: Read>(input: R, options: &ImportOptions) -> Vec<Result<CaptureEvent, RowError>> {
    read_csv(input, options, context()).unwrap().collect()
}

fn ok(rows: &[Result<CaptureEvent, RowError>]) -> Vec<&CaptureEvent> {
    rows.iter().filter_map(|r| r.as_ref().ok()).collect()
}

fn errors(rows: &[Result<CaptureEvent, RowError>]) -> Vec<&RowError> {
    rows.iter().filter_map(|r| r.as_ref().err()).collect()
}

#[test]
fn every_row_becomes_a_list_imported_event_carrying_the_import_context() {
    let csv = "Email,Full Name,Company,Opt In,utm_source\n\
               jane@acme.com,Jane Q Doe,Acme,yes,expo\n";
    let rows = run(csv.as_bytes(), &options());
    let e = rows[0].as_ref().unwrap();
    assert_eq!(e.activity, Activity::ListImported);
    assert_eq!(e.email.as_ref().unwrap().as_str(), "jane@acme.com");
    assert_eq!(e.name.as_deref(), Some("Expo Berlin"));
    assert_eq!(e.campaign.as_deref(), Some("Expo Berlin"));
    assert_eq!(e.channel, Some(Channel::Tradeshow));
    assert_eq!(e.on_duplicate, OnDuplicate::Skip);
    assert_eq!(e.occurred_at, 1_790_000_000_000);
    assert_eq!(e.origin, "import:42");
    assert_eq!(e.traits.first_name.as_deref(), Some("Jane Q"));
    assert_eq!(e.traits.last_name.as_deref(), Some("Doe"));
    assert_eq!(e.traits.company.as_deref(), Some("Acme"));
    assert_eq!(e.traits.consent, Some(true));
    assert_eq!(e.utm.source.as_deref(), Some("expo"));
    assert!(e.message_id.starts_with("import:") && e.message_id.len() == 7 + 32);
}

#[test]
fn without_a_campaign_events_are_named_after_the_list() {
    let ctx = ImportContext {
        campaign: None,
        ..context()
    };
    let mut rows = read_csv("Email\na@b.co\n".as_bytes(), &options(), ctx).unwrap();
    let e = rows.next().unwrap().unwrap();
    assert_eq!(e.name.as_deref(), Some("Tradeshow 2026"));
    assert_eq!(e.campaign, None);
    assert_eq!(
        list_name_from_file("C:\\lists\\Tradeshow 2026.csv"),
        "Tradeshow 2026"
    );
    assert_eq!(list_name_from_file("exports/leads"), "leads");
}

#[test]
fn import_reports_bad_rows_and_keeps_good_ones() {
    let csv = "Name,Email\nAda Lovelace,ada@acme.com\nBob,not-an-email\nCy,cy@acme.com\n";
    let rows = run(csv.as_bytes(), &options());
    assert_eq!(ok(&rows).len(), 2);
    let err = errors(&rows)[0];
    assert_eq!(err.line, 3);
    assert_eq!(err.column.as_deref(), Some("Email"));
    assert_eq!(err.code, RowErrorCode::BadEmail);
    assert!(
        !err.to_string().contains("not-an-email"),
        "never echo the value: {err}"
    );
    assert_eq!(
        err.to_string(),
        "line 3, column \"Email\": email is not a valid email address (expected name@company.com)"
    );
    assert!(rows[2].is_ok(), "the row after the bad one is imported");
}

#[test]
fn placeholder_answers_count_as_missing_and_rows_without_identity_are_refused() {
    let csv = "Email,Key,City\n,k1,Select\n,,Berlin\nx@acme.com,,-- Select --\n";
    let options = ImportOptions {
        mapping: MappingOptions {
            key: Some("Key".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let rows = run(csv.as_bytes(), &options);
    let first = rows[0].as_ref().unwrap();
    assert_eq!(first.external_key.as_deref(), Some("k1"));
    assert!(!first.traits.custom.contains_key("city"));
    let err = rows[1].as_ref().unwrap_err();
    assert_eq!((err.line, err.code), (3, RowErrorCode::NoIdentity));
    assert!(rows[2].as_ref().unwrap().traits.custom.is_empty());
}

#[test]
fn a_windows_1252_file_is_decoded_with_accents_and_the_euro_sign() {
    let csv = b"Email;Company;Budget\r\nrene@acme.fr;Soci\xe9t\xe9 G\xe9n\xe9rale;5\x80\r\n";
    let rows = read_csv(&csv[..], &options(), context()).unwrap();
    assert_eq!(rows.sniffed().encoding, Encoding::Windows1252);
    assert_eq!(rows.sniffed().delimiter, b';');
    let events: Vec<_> = rows.collect();
    let e = events[0].as_ref().unwrap();
    assert_eq!(e.traits.company.as_deref(), Some("Société Générale"));
    assert_eq!(e.traits.custom["budget"], "5€");
}

#[test]
fn a_utf8_bom_is_stripped_so_the_first_header_still_maps() {
    let csv = "\u{FEFF}Email,First Name\nzoë@acme.com,Zoë\n";
    let rows = read_csv(csv.as_bytes(), &options(), context()).unwrap();
    assert_eq!(rows.sniffed().encoding, Encoding::Utf8Bom);
    assert_eq!(rows.header()[0], "Email");
    let events: Vec<_> = rows.collect();
    let e = events[0].as_ref().unwrap();
    assert_eq!(e.traits.first_name.as_deref(), Some("Zoë"));
}

#[test]
fn a_semicolon_delimited_file_with_decimal_commas_is_split_on_semicolons() {
    let csv = "E-Mail;Firma;Umsatz\nanna@firma.de;Firma GmbH;1,5\nben@firma.de;\"A;B\";2,25\n";
    let rows = run(csv.as_bytes(), &options());
    let events = ok(&rows);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].traits.custom["umsatz"], "1,5");
    assert_eq!(events[1].traits.custom["firma"], "A;B");
}

#[test]
fn explicit_encoding_and_delimiter_override_sniffing() {
    let options = ImportOptions {
        encoding: Some(Encoding::Windows1252),
        delimiter: Some(b'|'),
        ..Default::default()
    };
    let rows = read_csv("Email|Note\na@acme.com|é\n".as_bytes(), &options, context()).unwrap();
    let events: Vec<_> = rows.collect();
    assert_eq!(events[0].as_ref().unwrap().traits.custom["note"], "Ã©");
    let bad = ImportOptions {
        delimiter: Some(b'"'),
        ..Default::default()
    };
    assert!(matches!(
        read_csv("Email\n".as_bytes(), &bad, context()),
        Err(ImportError::BadDelimiter('"'))
    ));
}

#[test]
fn a_10_mb_cell_fails_its_row_only_and_is_never_held_in_memory() {
    let head = Cursor::new(b"Email,Notes\na@acme.com,ok\nb@acme.com,".to_vec());
    let huge = std::io::repeat(b'x').take(10 * 1024 * 1024);
    let tail = Cursor::new(b"\nc@acme.com,fine\n".to_vec());
    let rows = run(head.chain(huge).chain(tail), &options());
    assert_eq!(rows.len(), 3);
    let err = rows[1].as_ref().unwrap_err();
    assert_eq!((err.line, err.code), (3, RowErrorCode::TooLarge));
    assert_eq!(err.column.as_deref(), Some("Notes"));
    assert_eq!(rows[2].as_ref().unwrap().traits.custom["notes"], "fine");
}

#[test]
fn an_unterminated_quote_is_reported_at_the_line_where_its_record_starts() {
    let csv =
        "Email,Notes\na@acme.com,fine\nb@acme.com,\"broken\nc@acme.com,lost\nd@acme.com,lost\n";
    let rows = run(csv.as_bytes(), &options());
    assert_eq!(rows.len(), 2, "the rest of the file is one broken record");
    let err = rows[1].as_ref().unwrap_err();
    assert_eq!((err.line, err.code), (3, RowErrorCode::UnterminatedQuote));
    assert!(err.is_fatal());
    assert!(err.reason.contains("closing quote never comes"), "{err}");
    assert!(err.reason.contains("end of the file (line 5)"), "{err}");
    assert_eq!(err.column.as_deref(), Some("Notes"));
}

#[test]
fn wrong_field_counts_fail_the_row_but_trailing_empty_cells_are_tolerated() {
    let csv = "Email,Company\na@acme.com\nb@acme.com,Acme,\nc@acme.com,Acme,extra\n";
    let rows = run(csv.as_bytes(), &options());
    assert_eq!(rows[0].as_ref().unwrap_err().code, RowErrorCode::FieldCount);
    assert!(rows[1].is_ok());
    let err = rows[2].as_ref().unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4: row has 3 values but the header has 2 columns; check for an unquoted delimiter in a value"
    );
}

#[test]
fn invalid_utf8_after_the_sample_fails_that_row_naming_the_column() {
    let mut csv = b"Email,City\n".to_vec();
    for i in 0..4000 {
        csv.extend(format!("p{i}@acme.com,Köln\n").bytes());
    }
    csv.extend(b"bad@acme.com,K\xf6ln\nlast@acme.com,Bonn\n");
    let rows = run(&csv[..], &options());
    let errs = errors(&rows);
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].line, errs[0].code),
        (4002, RowErrorCode::InvalidUtf8)
    );
    assert_eq!(errs[0].column.as_deref(), Some("City"));
    assert_eq!(ok(&rows).len(), 4001);
}

#[test]
fn opt_out_yes_records_refusal_and_opt_out_no_is_not_consent() {
    let csv = "Email,Do Not Email\na@acme.com,Yes\nb@acme.com,No\nc@acme.com,perhaps\n";
    let rows = run(csv.as_bytes(), &options());
    assert_eq!(rows[0].as_ref().unwrap().traits.consent, Some(false));
    assert_eq!(rows[1].as_ref().unwrap().traits.consent, None);
    assert_eq!(rows[2].as_ref().unwrap_err().code, RowErrorCode::BadConsent);
}

#[test]
fn reimporting_the_same_file_gives_the_same_message_ids_and_a_changed_row_a_new_one() {
    let a = "Email,Company\na@acme.com,Acme\nb@acme.com,Beta\n";
    let b = "Company,Email,Extra\nAcme,a@acme.com,\nBeta Ltd,b@acme.com,\n";
    let ids = |csv: &str, ctx: ImportContext| -> Vec<String> {
        read_csv(csv.as_bytes(), &options(), ctx)
            .unwrap()
            .map(|r| r.unwrap().message_id)
            .collect()
    };
    let first = ids(a, context());
    assert_eq!(first, ids(a, context()));
    let reordered = ids(b, context());
    assert_eq!(
        first[0], reordered[0],
        "column order and blank columns do not matter"
    );
    assert_ne!(first[1], reordered[1], "a changed value is a new event");
    let other = ImportContext {
        campaign: Some("Webinar".into()),
        ..context()
    };
    assert_ne!(
        first[0],
        ids(a, other)[0],
        "another campaign is another touch"
    );
}

#[test]
fn the_byte_counter_reaches_the_file_size() {
    let csv = "\u{FEFF}Email\r\na@acme.com\r\nb@acme.com\r\n";
    let mut rows = read_csv(csv.as_bytes(), &options(), context()).unwrap();
    let after_header = rows.bytes_read();
    assert_eq!(after_header, 3 + "Email\r\n".len() as u64);
    rows.next();
    assert_eq!(rows.line(), 2);
    assert!(rows.bytes_read() > after_header);
    rows.by_ref().for_each(drop);
    assert_eq!(rows.bytes_read(), csv.len() as u64);
}

#[test]
fn setup_errors_say_what_is_wrong() {
    let err = read_csv(&b""[..], &options(), context()).err().unwrap();
    assert!(err.to_string().starts_with("the file is empty"), "{err}");
    let err = read_csv(
        "Prospect ID,Country\n1,India\n".as_bytes(),
        &options(),
        context(),
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("--key COLUMN"), "{err}");
}

use proptest::prelude::{Just, Strategy};

proptest::proptest! {
    #[test]
    fn any_bytes_after_a_valid_header_yield_rows_or_row_errors_never_a_panic(
        body in proptest::collection::vec(proptest::sample::select(
            b"a@b.co,\"\n\r;x\xe9 Select".to_vec()), 0..300)
    ) {
        let mut csv = b"Email,Name\n".to_vec();
        csv.extend(&body);
        let total = csv.len() as u64;
        let mut rows = read_csv(&csv[..], &options(), context()).unwrap();
        rows.by_ref().for_each(drop);
        proptest::prop_assert_eq!(rows.bytes_read(), total);
    }

    #[test]
    fn column_order_never_changes_message_ids(
        people in proptest::collection::vec(("[a-z]{1,8}", "[A-Za-z ]{0,10}", "[a-z,\"]{0,6}"), 1..8),
        order in Just([0usize, 1, 2]).prop_shuffle(),
    ) {
        let header = ["Email", "Company", "Notes"];
        let write = |cols: &[usize]| {
            let mut csv = cols.iter().map(|&c| header[c]).collect::<Vec<_>>().join(",");
            csv.push('\n');
            for (local, company, note) in &people {
                let cells = [format!("{local}@acme.com"), company.clone(), format!("\"{}\"", note.replace('"', "\"\""))];
                csv.push_str(&cols.iter().map(|&c| cells[c].clone()).collect::<Vec<_>>().join(","));
                csv.push('\n');
            }
            read_csv(csv.as_bytes(), &options(), context())
                .unwrap()
                .map(|r| r.unwrap().message_id)
                .collect::<Vec<_>>()
        };
        proptest::prop_assert_eq!(write(&[0, 1, 2]), write(&order));
    }
}
