use proptest::prelude::*;

use super::*;

#[test]
fn amounts_are_read_exactly_with_or_without_separators() {
    assert_eq!(parse_amount("1,234.56", 2), Ok(123_456));
    assert_eq!(parse_amount("1234.5", 2), Ok(123_450));
    assert_eq!(parse_amount(" 0.07 ", 2), Ok(7));
    assert_eq!(parse_amount(".5", 2), Ok(50));
    assert_eq!(parse_amount("12,000,000", 2), Ok(1_200_000_000));
    assert_eq!(parse_amount("1500", 0), Ok(1500));
    assert_eq!(parse_amount("1.234", 3), Ok(1234));
}

#[test]
fn malformed_amounts_say_what_was_expected() {
    for bad in [
        "", "abc", "1,23.00", "12,3456", ",123", "1.2.3", "$5", "1e3", ".",
    ] {
        let e = parse_amount(bad, 2).unwrap_err();
        assert!(e.starts_with("expected"), "{bad:?}: {e}");
    }
    assert!(parse_amount("-5", 2).unwrap_err().contains("non-negative"));
    assert!(
        parse_amount("1.234", 2)
            .unwrap_err()
            .contains("at most 2 digits")
    );
    assert!(parse_amount("99999999999999999999", 2).is_err());
}

#[test]
fn days_are_utc_midnights() {
    assert_eq!(parse_day("1970-01-02"), Some(86_400_000));
    assert_eq!(parse_day("2026-02-30"), None);
    assert_eq!(parse_day("2026-3-1"), None);
    assert_eq!(format_day(86_400_000), "1970-01-02");
}

#[test]
fn an_ad_platform_export_imports_its_good_rows_and_reports_the_bad_one() {
    let text = "\u{feff}Day,Campaign Name,Spend,Currency\r\n\
                2026-03-01,\"Spring, search\",\"1,234.56\",eur\r\n\
                2026-03-02,Spring search,oops,EUR\r\n\
                \r\n\
                2026-03-03,Brand,10,\r\n";
    let p = parse_cost_csv(text, "USD");
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[0].campaign, "Spring, search");
    assert_eq!(p.rows[0].amount_minor, 123_456);
    assert_eq!(p.rows[0].currency.as_deref(), Some("EUR"));
    assert_eq!(p.rows[0].line, 2);
    assert_eq!(p.rows[1].line, 5);
    assert_eq!(p.rows[1].currency, None);
    assert_eq!(p.errors.len(), 1);
    let e = &p.errors[0];
    assert_eq!((e.line, e.column, e.column_name.as_str()), (3, 3, "Spend"));
    assert!(e.message.starts_with("expected an amount"), "{}", e.message);
}

#[test]
fn a_header_without_a_cost_column_is_one_error() {
    let p = parse_cost_csv("date,campaign\n2026-01-01,x\n", "USD");
    assert!(p.rows.is_empty());
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].message.contains("missing cost"));
    assert!(
        parse_cost_csv("", "USD").errors[0]
            .message
            .contains("header")
    );
}

#[test]
fn bad_dates_channels_and_currencies_name_their_column() {
    let text = "date,campaign,cost,channel,currency\n\
                03/01/2026,A,1,,\n\
                2026-03-01,A,1,carrier pigeon,\n\
                2026-03-01,A,1,,EURO\n\
                2026-03-01,,1,,\n\
                2026-03-01,A,1,cpc,jpy\n";
    let p = parse_cost_csv(text, "USD");
    let cols: Vec<(usize, usize)> = p.errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(cols, vec![(2, 1), (3, 4), (4, 5), (5, 2)]);
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].channel, Some(Channel::PaidSearch));
    assert_eq!(p.rows[0].amount_minor, 1, "yen have no minor unit");
}

#[test]
fn quoted_cells_may_span_lines_and_lines_stay_counted() {
    let text = "date,campaign,cost\n2026-01-01,\"multi\nline\",5\n2026-01-02,B,x\n";
    let p = parse_cost_csv(text, "USD");
    assert_eq!(p.rows[0].campaign, "multi\nline");
    assert_eq!(p.errors[0].line, 4);
}

proptest! {
    #[test]
    fn amounts_round_trip_through_their_formatted_text(minor in 0i64..1_000_000_000_000, exp in 0u32..4) {
        let scale = 10i64.pow(exp);
        let whole = minor / scale;
        let frac = minor % scale;
        let mut grouped = String::new();
        let digits = whole.to_string();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let plain = if exp == 0 { digits.clone() } else { format!("{digits}.{frac:0w$}", w = exp as usize) };
        let with_sep = if exp == 0 { grouped.clone() } else { format!("{grouped}.{frac:0w$}", w = exp as usize) };
        prop_assert_eq!(parse_amount(&plain, exp), Ok(minor));
        prop_assert_eq!(parse_amount(&with_sep, exp), Ok(minor));
    }

    #[test]
    fn the_amount_parser_never_panics_and_never_goes_negative(s in "\\PC{0,30}", exp in 0u32..4) {
        if let Ok(v) = parse_amount(&s, exp) {
            prop_assert!(v >= 0);
        }
    }

    #[test]
    fn fewer_decimals_mean_the_same_value_padded(whole in 0i64..1_000_000, tenths in 0i64..10) {
        prop_assert_eq!(parse_amount(&format!("{whole}.{tenths}"), 2), Ok(whole * 100 + tenths * 10));
    }
}
