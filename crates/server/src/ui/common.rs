//! What the pages beyond leads share: reading a posted form after its role and CSRF checks,
//! list paging, the server's own address for snippets, and money and days as people type them.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leadline_core::export::csv_safe;
use leadline_store::StoreError;
use leadline_store::page::Cursor;

use super::UiUser;
use crate::auth::Role;
use crate::state::AppState;

/// A table as a CSV download named `file`: every cell (header too) neutralised against
/// spreadsheet formulas, so a report's "Download CSV" is as safe as the export. One helper so
/// every report page answers a download the same way.
pub fn csv_download(file: &str, head: &[String], rows: &[Vec<String>]) -> Response {
    let written = (|| -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(head.iter().map(|c| csv_safe(c).into_owned()))?;
        for r in rows {
            w.write_record(r.iter().map(|c| csv_safe(c).into_owned()))?;
        }
        w.into_inner().map_err(|e| e.into_error().into())
    })();
    match written {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, file, "writing a report CSV failed");
            crate::error::ApiError::internal().into_response()
        }
    }
}

/// A posted form's fields by name.
pub type Fields = BTreeMap<String, String>;

/// Field errors by the name of the input they belong beside.
pub type Errors = BTreeMap<String, String>;

/// Page size of the UI lists.
pub const PAGE_SIZE: usize = 50;

/// Reads a urlencoded form post once the user is known to hold `role` and the post carries
/// the session's CSRF token (field `csrf`); a 403 page otherwise.
pub fn posted(user: &UiUser, role: Role, body: &[u8]) -> Result<Fields, Response> {
    user.require(role)?;
    let fields = crate::public_forms::form_urlencoded_pairs(body);
    user.check_csrf(fields.get("csrf").map(String::as_str))?;
    Ok(fields)
}

/// A trimmed field, `None` when it is missing or blank.
pub fn field(fields: &Fields, name: &str) -> Option<String> {
    fields
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The cursor of `?after=` (or `?next=`, the name the page's link carries), or a 400.
pub fn cursor(query: &Fields) -> Result<Option<Cursor>, Response> {
    let paging = crate::api::Paging {
        after: field(query, "after").or_else(|| field(query, "next")),
        limit: None,
    };
    paging
        .parse()
        .map(|(cursor, _)| cursor)
        .map_err(IntoResponse::into_response)
}

/// A page saying `message` with `status`, inside the layout.
pub fn message(st: &AppState, user: &UiUser, status: StatusCode, message: &str) -> Response {
    let ctx = minijinja::context! { user => user.context(), message => message };
    let mut resp = super::render(st, "message.html", ctx);
    *resp.status_mut() = status;
    resp
}

/// The 404 page for a thing that does not exist.
pub fn not_found(st: &AppState, user: &UiUser, what: &str) -> Response {
    let text = format!("There is no such {what}; it may have been removed.");
    message(st, user, StatusCode::NOT_FOUND, &text)
}

/// A storage failure: logged once at the boundary, answered with a 500.
pub fn store_error(e: StoreError) -> Response {
    crate::error::ApiError::from(e).into_response()
}

/// The scheme and host the browser used to reach us (`https://leads.example.com`), for
/// snippets that other sites paste. Forwarding headers are trusted because the result is only
/// ever shown back to the signed-in user who sent them.
pub fn base_url(headers: &HeaderMap, secure: bool) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        Some("http") => "http",
        _ if secure => "https",
        _ => "http",
    };
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost:8080");
    format!("{scheme}://{host}")
}

/// Digits after the decimal point of a currency's minor unit (ISO 4217).
pub fn currency_exponent(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "PYG" | "UGX" | "XAF" | "XOF" | "RWF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "IQD" | "LYD" => 3,
        _ => 2,
    }
}

/// Minor units as people read them: `1234567, "USD"` is `12,345.67 USD`.
pub fn format_money(minor: i64, currency: &str) -> String {
    let exp = currency_exponent(currency);
    let scale = 10u64.pow(exp);
    let abs = minor.unsigned_abs();
    let whole = (abs / scale).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    if exp == 0 {
        format!("{sign}{grouped} {currency}")
    } else {
        let frac = abs % scale;
        format!(
            "{sign}{grouped}.{frac:0width$} {currency}",
            width = exp as usize
        )
    }
}

/// An amount as people type it (`12345.67`, `12,345`, `-50`) in minor units of `currency`.
pub fn parse_money(text: &str, currency: &str) -> Result<i64, String> {
    let exp = currency_exponent(currency);
    let t = text.trim().replace([',', ' ', '_'], "");
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !all_digits(whole) || !all_digits(frac) {
        return Err("Type an amount such as 12345.67.".into());
    }
    if frac.len() > exp as usize {
        return Err(format!(
            "{currency} has {exp} digits after the decimal point"
        ));
    }
    let too_big = || "That amount is too large.".to_owned();
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_big())?
    };
    let frac_minor: i64 = format!("{frac:0<width$}", width = exp as usize)
        .parse()
        .unwrap_or(0);
    let minor = whole
        .checked_mul(10i64.pow(exp))
        .and_then(|m| m.checked_add(frac_minor))
        .ok_or_else(too_big)?;
    Ok(if negative { -minor } else { minor })
}

/// A message from a shared check (`"a campaign needs a name"`) as a sentence beside an input.
pub fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// Text escaped for HTML that a person will paste elsewhere (the form snippets): only the
/// characters that matter, so `a/b` stays readable (minijinja's `escape` also encodes `/`).
pub fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A day as a date input sends it (`2026-03-01`), as epoch milliseconds at UTC midnight.
pub fn parse_day(text: &str) -> Option<i64> {
    text.trim()
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_shown_with_thousands_separators_and_its_currency() {
        assert_eq!(format_money(1_234_500, "USD"), "12,345.00 USD");
        assert_eq!(format_money(5, "EUR"), "0.05 EUR");
        assert_eq!(format_money(-123_456_789, "USD"), "-1,234,567.89 USD");
        assert_eq!(format_money(1_000, "JPY"), "1,000 JPY");
        assert_eq!(format_money(1_500, "KWD"), "1.500 KWD");
    }

    #[test]
    fn money_is_read_as_people_type_it() {
        assert_eq!(parse_money("12345.67", "USD"), Ok(1_234_567));
        assert_eq!(parse_money(" 12,345 ", "USD"), Ok(1_234_500));
        assert_eq!(parse_money("0.5", "USD"), Ok(50));
        assert_eq!(parse_money(".5", "USD"), Ok(50));
        assert_eq!(parse_money("-20", "USD"), Ok(-2_000));
        assert_eq!(parse_money("1000", "JPY"), Ok(1_000));
        assert!(parse_money("12.345", "USD").is_err());
        assert!(parse_money("12.5", "JPY").is_err());
        assert!(parse_money("twelve", "USD").is_err());
        assert!(parse_money("", "USD").is_err());
        assert!(parse_money(".", "USD").is_err());
        assert!(parse_money("99999999999999999999", "USD").is_err());
    }

    #[test]
    fn money_survives_a_round_trip() {
        for minor in [0, 1, 99, 100, 123_456, 987_654_321] {
            let shown = format_money(minor, "USD");
            let typed = shown.trim_end_matches(" USD");
            assert_eq!(parse_money(typed, "USD"), Ok(minor));
        }
    }

    #[test]
    fn shared_messages_read_as_sentences() {
        assert_eq!(sentence("a form needs a name"), "A form needs a name.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn pasted_html_escapes_only_what_matters() {
        assert_eq!(
            html_text(r#"Size <1/2> & "more""#),
            "Size &lt;1/2&gt; &amp; &quot;more&quot;"
        );
    }

    #[test]
    fn days_are_utc_midnights() {
        assert_eq!(parse_day("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("yesterday"), None);
    }

    #[test]
    fn the_base_url_follows_the_request() {
        let mut h = HeaderMap::new();
        h.insert("host", "leads.example.com".parse().unwrap());
        assert_eq!(base_url(&h, false), "http://leads.example.com");
        assert_eq!(base_url(&h, true), "https://leads.example.com");
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(base_url(&h, false), "https://leads.example.com");
        h.insert("host", "evil\"><script>".parse().unwrap());
        assert_eq!(base_url(&h, false), "https://localhost:8080");
    }
}
