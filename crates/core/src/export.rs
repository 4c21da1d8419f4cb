//! Writing data people open in spreadsheets.

use std::borrow::Cow;

/// Neutralises spreadsheet formula injection in a CSV cell: a value that a spreadsheet would
/// run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed
/// with `'`, which spreadsheets show as text. OWASP's recommendation for CSV exports.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_safe;

    #[test]
    fn formulas_become_text_and_plain_values_pass_through() {
        assert_eq!(
            csv_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_safe("+1 555"), "'+1 555");
        assert_eq!(csv_safe("-2"), "'-2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("ada@acme.com"), "ada@acme.com");
        assert_eq!(csv_safe(""), "");
    }
}
