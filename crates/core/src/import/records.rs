//! A streaming CSV record reader that knows where it is and refuses to be swamped.
//!
//! We parse CSV ourselves rather than with the `csv` crate for three reasons that matter to
//! an import a person watches: (1) `csv` silently ends a record at end of file when a quote
//! never closes, so a stray `"` would turn the rest of a file into one "valid" value; here it
//! is reported, with the line where the bad record starts; (2) `csv` buffers a whole field
//! however large it is, while here a cell stops growing at the size limit, so a 10 MB cell
//! costs no more memory than a 64 KiB one; (3) we need the physical line a record starts on
//! and the bytes consumed, for error messages and progress bars.
//!
//! The dialect is RFC 4180 as spreadsheets write it, read leniently the way `csv` does:
//! a quote only opens a quoted value at the start of a field, `""` inside quotes is a quote,
//! text after a closing quote is kept (`"a"b` → `ab`), records end at `\n`, `\r\n` or `\r`,
//! and blank lines are skipped.

use std::io::{self, Read};

/// Bytes read from the source at a time.
const CHUNK: usize = 64 * 1024;

/// The most values a record may have; more are a sign of a wrong delimiter or a binary file.
pub(crate) const MAX_FIELDS: usize = 4096;

/// The most bytes of a record kept, whatever its cells: a row of many large cells costs no
/// more than this.
pub(crate) const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// One record as raw bytes, reused from record to record so parsing allocates nothing in
/// the steady state.
#[derive(Debug, Default)]
pub(crate) struct Record {
    data: Vec<u8>,
    ends: Vec<usize>,
    /// Physical line (1-based) where the record starts.
    pub line: u64,
    /// Physical line where the record ends.
    pub end_line: u64,
    /// Index of the first field that grew past the size limit (its bytes were dropped).
    pub oversized: Option<usize>,
    /// True when the record passed [`MAX_RECORD_BYTES`] or [`MAX_FIELDS`] (the rest was dropped).
    pub too_large: bool,
    /// True when end of file came inside a quoted value.
    pub unterminated: bool,
}

impl Record {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }

    fn clear(&mut self) {
        // Give back the memory of an unusually large record instead of keeping it forever.
        if self.data.capacity() > 4 * CHUNK {
            self.data = Vec::new();
        }
        self.data.clear();
        self.ends.clear();
        self.oversized = None;
        self.too_large = false;
        self.unterminated = false;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

/// Reads records one at a time from any byte source.
pub(crate) struct RecordReader<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    delimiter: u8,
    max_field: usize,
    consumed: u64,
    line: u64,
    /// The previous record ended with `\r`: a `\n` right after it belongs to it.
    skip_lf: bool,
}

impl<R: Read> RecordReader<R> {
    pub fn new(inner: R, delimiter: u8, max_field: usize) -> Self {
        RecordReader {
            inner,
            buf: vec![0; CHUNK].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            delimiter,
            max_field,
            consumed: 0,
            line: 1,
            skip_lf: false,
        }
    }

    /// Counts bytes consumed before the reader saw the source (a stripped byte-order mark).
    pub fn add_consumed(&mut self, n: u64) {
        self.consumed += n;
    }

    /// The physical line the reader is on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Bytes of the source consumed by the records read so far.
    pub fn bytes_consumed(&self) -> u64 {
        self.consumed
    }

    /// Makes sure unread bytes are buffered; false at end of input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.len {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    (self.pos, self.len) = (0, n);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads the next record into `rec`; `Ok(false)` at end of input.
    pub fn read_record(&mut self, rec: &mut Record) -> io::Result<bool> {
        rec.clear();
        let mut state = State::StartField;
        let mut field_start = 0usize;
        let mut started = false;
        loop {
            if !self.fill()? {
                break;
            }
            if !started {
                rec.line = self.line;
            }
            let (done, used) = self.scan(rec, &mut state, &mut field_start, &mut started);
            self.pos += used;
            self.consumed += used as u64;
            if done {
                return Ok(true);
            }
        }
        if !started {
            return Ok(false);
        }
        rec.unterminated = state == State::InQuoted;
        rec.ends.push(rec.data.len());
        // A final line ending does not start another line.
        let ends_in_newline = self.len > 0 && self.buf[self.len - 1] == b'\n';
        rec.end_line = self.line - u64::from(ends_in_newline && self.line > rec.line);
        Ok(true)
    }

    /// Runs the state machine over the buffered bytes; returns (record complete, bytes used).
    fn scan(
        &mut self,
        rec: &mut Record,
        state: &mut State,
        field_start: &mut usize,
        started: &mut bool,
    ) -> (bool, usize) {
        let bytes = &self.buf[self.pos..self.len];
        let d = self.delimiter;
        for (i, &b) in bytes.iter().enumerate() {
            if std::mem::take(&mut self.skip_lf) && b == b'\n' {
                continue; // the second half of a `\r\n`
            }
            let is_term = b == b'\n' || b == b'\r';
            match *state {
                State::InQuoted => match b {
                    b'"' => *state = State::QuoteInQuoted,
                    _ => {
                        if b == b'\n' {
                            self.line += 1;
                        }
                        push(rec, b, *field_start, self.max_field);
                    }
                },
                _ if b == d && rec.ends.len() + 1 >= MAX_FIELDS => {
                    rec.too_large = true; // the rest of the line joins the last value
                    *state = State::InField;
                    *started = true;
                }
                _ if b == d => {
                    rec.ends.push(rec.data.len());
                    *field_start = rec.data.len();
                    *state = State::StartField;
                    *started = true;
                }
                _ if is_term => {
                    self.line += 1;
                    self.skip_lf = b == b'\r';
                    if !*started && *state == State::StartField {
                        rec.line = self.line; // a blank line: the record starts later
                        continue;
                    }
                    rec.ends.push(rec.data.len());
                    rec.end_line = self.line - 1;
                    // Take the `\n` of a `\r\n` now when it is buffered, so the byte count
                    // after a record includes its whole line ending.
                    let crlf = self.skip_lf && bytes.get(i + 1) == Some(&b'\n');
                    self.skip_lf &= !crlf;
                    return (true, i + 1 + usize::from(crlf));
                }
                State::StartField if b == b'"' => {
                    *state = State::InQuoted;
                    *started = true;
                }
                State::QuoteInQuoted if b == b'"' => {
                    push(rec, b, *field_start, self.max_field);
                    *state = State::InQuoted;
                }
                _ => {
                    push(rec, b, *field_start, self.max_field);
                    *state = State::InField;
                    *started = true;
                }
            }
        }
        (false, bytes.len())
    }
}

/// Appends a byte to the current field unless the field or the record is already over its
/// limit, in which case the record is marked and the byte dropped.
#[inline]
fn push(rec: &mut Record, b: u8, field_start: usize, max_field: usize) {
    let len = rec.data.len();
    if len - field_start < max_field && len < MAX_RECORD_BYTES {
        rec.data.push(b);
    } else if len - field_start >= max_field {
        rec.oversized.get_or_insert(rec.ends.len());
    } else {
        rec.too_large = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8], max: usize) -> Vec<(u64, Vec<String>, Option<usize>, bool)> {
        let mut r = RecordReader::new(input, b',', max);
        let mut rec = Record::default();
        let mut out = Vec::new();
        while r.read_record(&mut rec).unwrap() {
            let fields = (0..rec.len())
                .map(|i| String::from_utf8_lossy(rec.get(i).unwrap()).into_owned())
                .collect();
            out.push((rec.line, fields, rec.oversized, rec.unterminated));
        }
        assert_eq!(r.bytes_consumed(), input.len() as u64);
        out
    }

    fn fields(input: &[u8]) -> Vec<Vec<String>> {
        records(input, 1 << 20).into_iter().map(|r| r.1).collect()
    }

    #[test]
    fn quoted_fields_may_hold_delimiters_quotes_and_newlines() {
        let got = fields(b"a,\"b,\"\"c\"\"\nd\",e\r\nf,,\"\"\n");
        assert_eq!(got, vec![vec!["a", "b,\"c\"\nd", "e"], vec!["f", "", ""]]);
    }

    #[test]
    fn records_know_the_physical_line_they_start_on() {
        let got = records(b"h1,h2\n\"x\ny\",1\n\n\r\nz,2\rw,3", 1 << 20);
        let lines: Vec<u64> = got.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 6, 7]);
    }

    #[test]
    fn text_after_a_closing_quote_and_quotes_mid_field_are_kept() {
        assert_eq!(
            fields(b"\"a\"b,5\" screen\n"),
            vec![vec!["ab", "5\" screen"]]
        );
    }

    #[test]
    fn a_quote_that_never_closes_is_reported_not_swallowed_silently() {
        let got = records(b"a,b\n1,\"oops\n2,x\n3,y\n", 1 << 20);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, 2);
        assert!(got[1].3, "the record must be marked unterminated");
    }

    #[test]
    fn a_field_past_the_limit_is_cut_and_marked_while_the_next_record_is_intact() {
        let mut input = b"a,".to_vec();
        input.extend(std::iter::repeat_n(b'x', 200_000));
        input.extend(b"\nb,c\n");
        let got = records(&input, 1000);
        assert_eq!(got[0].2, Some(1));
        assert_eq!(got[0].1[1].len(), 1000);
        assert_eq!(got[1].1, vec!["b", "c"]);
        assert_eq!(got[1].2, None);
    }

    #[test]
    fn a_lone_trailing_carriage_return_and_missing_final_newline_are_fine() {
        assert_eq!(fields(b"a,b\r"), vec![vec!["a", "b"]]);
        assert_eq!(fields(b"a,b"), vec![vec!["a", "b"]]);
        assert!(fields(b"").is_empty());
        assert!(fields(b"\n\n").is_empty());
    }

    /// Writes fields the way a spreadsheet does: quoted only when needed.
    fn write_csv(rows: &[Vec<String>]) -> Vec<u8> {
        let mut out = String::new();
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| {
                    if c.contains([',', '"', '\n', '\r']) || c.is_empty() {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    #[test]
    fn a_record_of_many_large_cells_or_endless_delimiters_is_capped_and_marked() {
        let cell = "y".repeat(60_000);
        let line = vec![cell.as_str(); 40].join(",");
        let got = records(format!("{line}\nnext\n").as_bytes(), 64 * 1024);
        assert_eq!(got[0].2, None, "no single cell is over its limit");
        assert!(got[0].1.iter().map(String::len).sum::<usize>() <= MAX_RECORD_BYTES);
        assert_eq!(got[1].1, vec!["next"]);
        let commas = ",".repeat(100_000);
        let mut r = RecordReader::new(commas.as_bytes(), b',', 1024);
        let mut rec = Record::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert!(rec.too_large && rec.len() <= MAX_FIELDS);
    }

    proptest::proptest! {
        #[test]
        fn whatever_a_spreadsheet_writes_reads_back_cell_for_cell(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-z\",\r\n é]{0,12}", 1..6), 0..12),
        ) {
            proptest::prop_assert_eq!(fields(&write_csv(&rows)), rows);
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_are_consumed_entirely(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)
        ) {
            records(&bytes, 16);
        }
    }
}
