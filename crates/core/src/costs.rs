//! Marketing costs: reading what an ad platform says a campaign cost.
//!
//! Ad platforms export spend as `date,campaign,cost` with varying header names, decimal
//! amounts with thousands separators and sometimes a currency or channel column. This module
//! turns such a file into rows of exact minor units (no floating point: `0.1 + 0.2` must be
//! 30 cents), and tells for every bad row the line, column and what was expected, so that the
//! good rows can still be imported.

use crate::Channel;

/// The digits after the decimal point a currency's minor unit has (ISO 4217): 0 for yen,
/// 3 for dinars, else 2.
pub fn currency_exponent(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "PYG" | "UGX" | "XAF" | "XOF" | "RWF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "IQD" | "LYD" => 3,
        _ => 2,
    }
}

/// Reads a currency code: three ASCII letters, upper-cased.
pub fn parse_currency(text: &str) -> Option<String> {
    let t = text.trim();
    (t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic())).then(|| t.to_ascii_uppercase())
}

/// Reads a non-negative decimal amount (`1234.5`, `1,234.56`, `0.07`) into minor units of a
/// currency with `exp` decimals, exactly. Thousands separators must group by three; more
/// decimals than the currency has are refused rather than rounded, since a silent rounding
/// would make totals disagree with the ad platform's.
pub fn parse_amount(text: &str, exp: u32) -> Result<i64, String> {
    let t = text.trim();
    let expected = || "expected an amount such as 1234.50 or 1,234.50".to_owned();
    if t.starts_with('-') {
        return Err("expected a non-negative amount (a refund is a manual entry)".into());
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(expected());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !grouped_ok || !groups.iter().all(|g| digits(g)) || !digits(frac) {
        return Err(expected());
    }
    if frac.len() > exp as usize {
        return Err(format!(
            "expected at most {exp} digits after the decimal point"
        ));
    }
    let too_big = || "expected an amount below 90,000,000,000,000".to_owned();
    let mut minor: i64 = 0;
    let padded = format!("{frac:0<width$}", width = exp as usize);
    for c in groups.concat().chars().chain(padded.chars()) {
        let d = i64::from(c as u8 - b'0');
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(d))
            .ok_or_else(too_big)?;
    }
    if minor > 9_000_000_000_000_000 {
        return Err(too_big());
    }
    Ok(minor)
}

/// Reads a `YYYY-MM-DD` day into epoch milliseconds of its UTC midnight.
pub fn parse_day(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.len() != 10 {
        return None;
    }
    t.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp().as_millisecond())
}

/// Formats epoch milliseconds as the UTC day `YYYY-MM-DD`.
pub fn format_day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date()
                .to_string()
        })
        .unwrap_or_default()
}

/// One good row of a cost file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostRow {
    /// The physical line the row starts on (1-based, the header is line 1).
    pub line: usize,
    /// The UTC midnight of the day, epoch ms.
    pub day: i64,
    pub campaign: String,
    pub amount_minor: i64,
    /// The row's currency, when the file has a currency column.
    pub currency: Option<String>,
    /// The row's channel, when the file has a channel column.
    pub channel: Option<Channel>,
}

/// Why one row (or the header) was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CostError {
    pub line: usize,
    /// 1-based column; the header's problems name the column they miss as 0.
    pub column: usize,
    /// The header name of the column at fault (`cost`, `date`…).
    #[serde(skip)]
    pub column_name: String,
    /// What was expected, e.g. `expected a date YYYY-MM-DD, found "11/03/2026"`.
    pub message: String,
}

/// A cost file read: the good rows and the bad rows' errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedCosts {
    pub rows: Vec<CostRow>,
    pub errors: Vec<CostError>,
}

/// Which column holds what.
#[derive(Debug, Default)]
struct Columns {
    date: Option<usize>,
    campaign: Option<usize>,
    cost: Option<usize>,
    currency: Option<usize>,
    channel: Option<usize>,
}

fn header_role(name: &str) -> Option<&'static str> {
    let n: String = name
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Some(match n.as_str() {
        "date" | "day" | "reportingstarts" => "date",
        "campaign" | "campaignname" => "campaign",
        "cost" | "spend" | "amount" | "amountspent" | "costs" => "cost",
        "currency" | "currencycode" => "currency",
        "channel" => "channel",
        _ => return None,
    })
}

/// Reads a cost file (UTF-8, optional BOM, comma separated, quoted cells, LF or CRLF).
/// `default_currency` decides the decimals of rows without a currency column.
pub fn parse_cost_csv(text: &str, default_currency: &str) -> ParsedCosts {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = ParsedCosts::default();
    let mut records = split_records(text).into_iter();
    let Some((_, header)) = records.next() else {
        out.errors
            .push(header_error("expected a header line date,campaign,cost"));
        return out;
    };
    let mut cols = Columns::default();
    for (i, h) in header.iter().enumerate() {
        let slot = match header_role(h) {
            Some("date") => &mut cols.date,
            Some("campaign") => &mut cols.campaign,
            Some("cost") => &mut cols.cost,
            Some("currency") => &mut cols.currency,
            Some("channel") => &mut cols.channel,
            _ => continue,
        };
        slot.get_or_insert(i);
    }
    let missing: Vec<&str> = [
        ("date", cols.date),
        ("campaign", cols.campaign),
        ("cost", cols.cost),
    ]
    .iter()
    .filter(|(_, c)| c.is_none())
    .map(|(n, _)| *n)
    .collect();
    if !missing.is_empty() {
        out.errors.push(header_error(&format!(
            "expected a header with columns date (or day), campaign (or campaign name) and cost (or spend, amount); missing {}",
            missing.join(", ")
        )));
        return out;
    }
    for (line, cells) in records {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match read_row(line, &cells, &header, &cols, default_currency) {
            Ok(row) => out.rows.push(row),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

fn header_error(message: &str) -> CostError {
    CostError {
        line: 1,
        column: 0,
        column_name: "header".into(),
        message: message.into(),
    }
}

fn read_row(
    line: usize,
    cells: &[String],
    header: &[String],
    cols: &Columns,
    default_currency: &str,
) -> Result<CostRow, CostError> {
    let err = |i: usize, message: String| CostError {
        line,
        column: i + 1,
        column_name: header
            .get(i)
            .map(|h| h.trim().to_owned())
            .unwrap_or_default(),
        message,
    };
    let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
    let (di, ci, ki) = (
        cols.date.unwrap_or(0),
        cols.campaign.unwrap_or(0),
        cols.cost.unwrap_or(0),
    );
    let day = parse_day(cell(di)).ok_or_else(|| {
        err(
            di,
            format!("expected a date YYYY-MM-DD, found {:?}", cell(di)),
        )
    })?;
    let campaign = cell(ci);
    if campaign.is_empty() || campaign.chars().count() > 200 {
        return Err(err(
            ci,
            "expected a campaign name of 1 to 200 characters".into(),
        ));
    }
    let currency = match cols.currency {
        Some(i) if !cell(i).is_empty() => Some(parse_currency(cell(i)).ok_or_else(|| {
            err(
                i,
                format!(
                    "expected a three-letter currency code such as EUR, found {:?}",
                    cell(i)
                ),
            )
        })?),
        _ => None,
    };
    let channel = match cols.channel {
        Some(i) if !cell(i).is_empty() => Some(Channel::parse(cell(i)).ok_or_else(|| {
            err(
                i,
                format!(
                    "expected a channel such as paid_search or social, found {:?}",
                    cell(i)
                ),
            )
        })?),
        _ => None,
    };
    let exp = currency_exponent(currency.as_deref().unwrap_or(default_currency));
    let amount_minor =
        parse_amount(cell(ki), exp).map_err(|m| err(ki, format!("{m}, found {:?}", cell(ki))))?;
    Ok(CostRow {
        line,
        day,
        campaign: campaign.to_owned(),
        amount_minor,
        currency,
        channel,
    })
}

/// Splits CSV text into records with the line each starts on. Quoted cells may hold commas,
/// doubled quotes and line breaks.
fn split_records(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let (mut cells, mut cell) = (Vec::new(), String::new());
    let (mut line, mut start, mut quoted, mut any) = (1usize, 1usize, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if cell.trim().is_empty() => {
                cell.clear();
                quoted = true;
            }
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            '\r' if !quoted && chars.peek() == Some(&'\n') => {}
            '\n' if !quoted => {
                cells.push(std::mem::take(&mut cell));
                out.push((start, std::mem::take(&mut cells)));
                line += 1;
                start = line;
                any = false;
                continue;
            }
            '\n' => {
                line += 1;
                cell.push(c);
            }
            _ => cell.push(c),
        }
        any = true;
    }
    if any || !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        out.push((start, cells));
    }
    out
}

#[cfg(test)]
mod tests;
