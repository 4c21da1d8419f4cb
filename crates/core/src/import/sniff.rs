//! Guessing how a CSV file was written: its text encoding and its delimiter.
//!
//! Lists reach marketing teams from everywhere: a HubSpot export (UTF-8), an Excel "Save as
//! CSV" on a German laptop (Windows-1252, `;`), a badge scanner (tabs). Asking people to know
//! which is which fails, so we look at the first bytes and decide, and let them override.

use std::borrow::Cow;
use std::io::Read;

/// How much of the file sniffing looks at: enough lines to judge, small enough to stay cheap.
pub const SAMPLE_SIZE: usize = 64 * 1024;

/// The delimiters we consider, in the order ties are broken.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8, what every modern export tool writes.
    Utf8,
    /// UTF-8 preceded by a byte-order mark (Excel's "CSV UTF-8"); the mark is stripped.
    Utf8Bom,
    /// Windows-1252, what Excel writes on Western-European Windows for plain "CSV".
    Windows1252,
}

impl Encoding {
    /// Parses an override as a person would type it (`utf-8`, `utf8`, `windows-1252`,
    /// `cp1252`, `latin1`).
    pub fn parse(s: &str) -> Option<Encoding> {
        let n: String = s
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match n.as_str() {
            "utf8" => Some(Encoding::Utf8),
            "utf8bom" | "utf8sig" => Some(Encoding::Utf8Bom),
            "windows1252" | "cp1252" | "latin1" | "iso88591" | "ansi" => {
                Some(Encoding::Windows1252)
            }
            _ => None,
        }
    }

    /// The stable name shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8 (with BOM)",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// Decodes one cell; `None` when the bytes are not valid in this encoding (only possible
    /// for UTF-8: every byte means something in Windows-1252).
    pub fn decode(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => {
                std::str::from_utf8(bytes).ok().map(Cow::Borrowed)
            }
            Encoding::Windows1252 => Some(decode_cp1252(bytes)),
        }
    }
}

/// Characters for bytes 0x80–0x9F in Windows-1252. The five bytes the code page leaves
/// undefined decode to the C1 control of the same value, as browsers do.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

fn decode_cp1252(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        // ASCII is the same in both: no copy for the common case.
        return Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default());
    }
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect::<String>()
        .into()
}

/// What sniffing decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub encoding: Encoding,
    pub delimiter: u8,
}

/// Looks at the start of a file and guesses its encoding and delimiter.
pub fn sniff(sample: &[u8]) -> Sniffed {
    Sniffed {
        encoding: sniff_encoding(sample),
        delimiter: sniff_delimiter(sample),
    }
}

/// UTF-8 when the sample is valid UTF-8 (a multi-byte character cut by the end of the
/// sample does not count against it), else Windows-1252, the only other encoding spreadsheet
/// exports commonly use; anything is decodable in it, so the import never stops on a byte.
pub fn sniff_encoding(sample: &[u8]) -> Encoding {
    if sample.starts_with(BOM) {
        return Encoding::Utf8Bom;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => Encoding::Utf8,
        Err(e) if e.error_len().is_none() => Encoding::Utf8,
        Err(_) => Encoding::Windows1252,
    }
}

/// Chooses the delimiter that appears in the header and splits the most records of the
/// sample into as many fields as the header has, preferring more fields on a tie. A prose
/// field with a stray `;` or a decimal comma changes a count on some lines only, while the
/// real delimiter gives every record the header's shape.
pub fn sniff_delimiter(sample: &[u8]) -> u8 {
    let mut best: Option<(u8, (usize, usize))> = None;
    for d in DELIMITERS {
        let counts = counts_per_record(sample, d);
        let Some(&in_header) = counts.first().filter(|&&c| c > 0) else {
            continue;
        };
        let same_shape = counts.iter().filter(|&&c| c == in_header).count();
        let score = (same_shape, in_header);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((d, score));
        }
    }
    best.map_or(b',', |(d, _)| d)
}

/// How often `d` occurs outside quotes in each record of the sample, the header first; the
/// last record is left out when the sample may have cut it short.
fn counts_per_record(sample: &[u8], d: u8) -> Vec<usize> {
    let mut counts = Vec::new();
    let (mut in_quotes, mut count, mut seen) = (false, 0usize, false);
    for &b in sample {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => {
                if seen {
                    counts.push(count);
                }
                (count, seen) = (0, false);
                continue;
            }
            _ if b == d && !in_quotes => count += 1,
            _ => {}
        }
        seen = true;
    }
    if seen && (counts.is_empty() || sample.len() < SAMPLE_SIZE) {
        counts.push(count);
    }
    counts
}

/// The start of a CSV input, read and judged: what the importer and the predictive
/// trainer both do before their first record.
pub(crate) struct Head {
    /// The bytes read, without a UTF-8 byte-order mark: the reader goes on with
    /// `Cursor::new(sample).chain(input)`.
    pub sample: Vec<u8>,
    /// Sniffed, with the caller's overrides applied.
    pub sniffed: Sniffed,
    /// Bytes of byte-order mark dropped (offsets in reports count from the file's start).
    pub bom_len: u64,
}

/// Reads the start of `input`, sniffs it, applies the overrides and drops a UTF-8
/// byte-order mark (kept for Windows-1252, where those bytes are text). `Ok(Err(delimiter))`
/// when the delimiter cannot separate fields.
pub(crate) fn read_head<R: Read>(
    input: R,
    encoding: Option<Encoding>,
    delimiter: Option<u8>,
) -> std::io::Result<Result<Head, u8>> {
    let mut sample = Vec::with_capacity(SAMPLE_SIZE);
    input.take(SAMPLE_SIZE as u64).read_to_end(&mut sample)?;
    let found = sniff(&sample);
    let sniffed = Sniffed {
        encoding: encoding.unwrap_or(found.encoding),
        delimiter: delimiter.unwrap_or(found.delimiter),
    };
    if matches!(sniffed.delimiter, b'"' | b'\r' | b'\n') || !sniffed.delimiter.is_ascii() {
        return Ok(Err(sniffed.delimiter));
    }
    let before = sample.len();
    if sniffed.encoding != Encoding::Windows1252 {
        strip_bom(&mut sample);
    }
    let bom_len = (before - sample.len()) as u64;
    Ok(Ok(Head {
        sample,
        sniffed,
        bom_len,
    }))
}

/// Strips a UTF-8 byte-order mark from the start of the data, if present.
pub(crate) fn strip_bom(data: &mut Vec<u8>) {
    if data.starts_with(BOM) {
        data.drain(..BOM.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_utf8_is_utf8_and_a_bom_is_noticed() {
        assert_eq!(sniff_encoding("naïve,café\n".as_bytes()), Encoding::Utf8);
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFa,b\n"), Encoding::Utf8Bom);
    }

    #[test]
    fn a_character_cut_by_the_end_of_the_sample_still_counts_as_utf8() {
        let s = "ab,é".as_bytes();
        assert_eq!(sniff_encoding(&s[..s.len() - 1]), Encoding::Utf8);
    }

    #[test]
    fn bytes_invalid_as_utf8_mean_windows_1252_with_its_own_high_table() {
        let raw = b"caf\xE9 \x80 \x93q\x94 \x81";
        assert_eq!(sniff_encoding(raw), Encoding::Windows1252);
        let text = Encoding::Windows1252.decode(raw).unwrap();
        assert_eq!(text, "café € \u{201C}q\u{201D} \u{81}");
    }

    #[test]
    fn the_delimiter_is_the_one_with_a_steady_count_per_line() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n4,5,6\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3\n4;5,2;6\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2, or 3\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b|c\n1|2|3\n"), b'|');
    }

    #[test]
    fn delimiters_inside_quotes_do_not_count() {
        let s = b"name;note\n\"Doe, Jane\";\"a, b, c\"\n\"Roe, Rick\";x\n";
        assert_eq!(sniff_delimiter(s), b';');
    }

    #[test]
    fn a_single_column_file_falls_back_to_comma() {
        assert_eq!(sniff_delimiter(b"email\na@b.co\n"), b',');
        assert_eq!(sniff_delimiter(b""), b',');
    }

    #[test]
    fn encoding_overrides_parse_the_usual_spellings() {
        assert_eq!(Encoding::parse("UTF-8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::parse("cp1252"), Some(Encoding::Windows1252));
        assert_eq!(Encoding::parse("Windows-1252"), Some(Encoding::Windows1252));
        assert_eq!(Encoding::parse("ebcdic"), None);
    }

    proptest::proptest! {
        #[test]
        fn windows_1252_decoding_never_fails_and_keeps_one_char_per_byte(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)
        ) {
            let text = Encoding::Windows1252.decode(&bytes).unwrap();
            proptest::prop_assert_eq!(text.chars().count(), bytes.len());
        }

        #[test]
        fn sniffing_finds_the_delimiter_a_table_was_written_with(
            d in proptest::sample::select(DELIMITERS.to_vec()),
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-z0-9 .@]{0,8}", 3), 2..20),
        ) {
            let mut s = Vec::new();
            for row in &rows {
                s.extend(row.join(&char::from(d).to_string()).bytes());
                s.push(b'\n');
            }
            proptest::prop_assert_eq!(sniff_delimiter(&s), d);
        }
    }
}
