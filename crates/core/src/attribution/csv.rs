//! The path-file reader: `path,total_conversions,total_conversion_value,total_null`.
//!
//! * A header is required; columns are found by name in any order. `path` and
//!   `total_conversions` are required, `total_conversion_value` and `total_null` default to
//!   0 when the header lacks them; other columns are ignored.
//! * Touches are joined by `>`; each name is trimmed of spaces and tabs, inner spaces kept.
//!   An empty touch (`a > > b`, a trailing `>`) is an error rather than silently dropped.
//! * Fields may be quoted (RFC 4180, `""` for a quote, newlines allowed inside); lines end
//!   in LF or CRLF; a UTF-8 byte-order mark and blank lines are skipped.
//!
//! It parses bytes in 1 MiB chunks straight into a [`PathSet`]: no `String` per line or
//! touch, memory is the compact set plus one buffer. Errors name the line, the column and
//! what was expected; no input makes it panic (property-tested with garbage).

use std::io::Read;

use super::paths::{PathError, PathSet, PathSetBuilder};

/// Why a path file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("line {line}{}: {expected}", column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
    Format {
        line: u64,
        /// The column's header name (or its 1-based number when the header is at fault).
        column: Option<String>,
        /// What the reader expected there, and what it found.
        expected: String,
    },
    #[error("reading: {0}")]
    Io(#[from] std::io::Error),
}

const CHUNK: usize = 1 << 20;
const PATH: &str = "path";
const COLUMNS: [&str; 4] = [
    PATH,
    "total_conversions",
    "total_conversion_value",
    "total_null",
];

/// A field's bytes in the buffer; `escaped` when it was quoted and holds `""` pairs.
#[derive(Clone, Copy)]
struct Field {
    start: usize,
    end: usize,
    escaped: bool,
}

/// Reads a whole path file into a [`PathSet`].
pub fn read_paths(input: impl Read) -> Result<PathSet, ReadError> {
    read_paths_sized(input, 0)
}

/// [`read_paths`] for an input of about `bytes` bytes (a file's length). The set's columns
/// are reserved for the most paths and touches a four-column file of that size can hold,
/// so they do not grow and copy; reserved memory that is never written is never touched,
/// so it costs address space, not RAM. Reservations are capped (2^26 touches, 2^24 paths,
/// about 0.7 GiB of address space) and columns grow as usual beyond.
pub fn read_paths_sized(mut input: impl Read, bytes: u64) -> Result<PathSet, ReadError> {
    let mut buf = vec![0u8; CHUNK];
    let (mut start, mut end, mut eof) = (0usize, 0usize, false);
    let mut line = 1u64;
    let mut fields = Vec::with_capacity(8);
    let mut reader = Records::default();
    if bytes > 0 {
        // every touch takes ≥ 2 bytes (a name and a `>` or `,`); every path line ≥ 8
        let touches = (bytes / 2).min(1 << 26) as usize;
        let paths = (bytes / 8).min(1 << 24) as usize;
        reader.builder = Some(PathSetBuilder::with_capacity(paths, touches));
    }
    loop {
        match split_record(&buf[start..end], eof, &mut fields) {
            Ok(Some((used, newlines))) => {
                let data = &buf[start..start + used];
                if line == 1 && data.starts_with(b"\xEF\xBB\xBF") && !fields.is_empty() {
                    fields[0].start += 3;
                }
                reader.record(data, &fields, line)?;
                start += used;
                line += newlines;
            }
            Ok(None) if eof => break,
            Ok(None) => {
                buf.copy_within(start..end, 0);
                end -= start;
                start = 0;
                if end == buf.len() {
                    buf.resize(buf.len() * 2, 0);
                }
                let n = input.read(&mut buf[end..])?;
                eof = n == 0;
                end += n;
            }
            Err((column, expected)) => {
                return Err(ReadError::Format {
                    line,
                    column: Some(reader.column_name(column)),
                    expected: expected.into(),
                });
            }
        }
    }
    reader.finish()
}

/// Splits one record off the front of `data`: `Some((bytes used, line breaks))`, or `None`
/// when more input is needed (or, at `eof`, when nothing is left).
fn split_record(
    data: &[u8],
    eof: bool,
    fields: &mut Vec<Field>,
) -> Result<Option<(usize, u64)>, (usize, &'static str)> {
    fields.clear();
    if data.is_empty() {
        return Ok(None);
    }
    let (mut i, mut newlines) = (0usize, 0u64);
    loop {
        if data.get(i) == Some(&b'"') {
            let s = i + 1;
            let mut j = s;
            let mut escaped = false;
            loop {
                match memchr::memchr(b'"', &data[j..]) {
                    None if eof => return Err((fields.len(), "expected a closing quote")),
                    None => return Ok(None),
                    Some(k) => j += k,
                }
                match data.get(j + 1) {
                    Some(b'"') => {
                        escaped = true;
                        j += 2;
                    }
                    None if !eof => return Ok(None),
                    _ => break,
                }
            }
            newlines += memchr::memchr_iter(b'\n', &data[s..j]).count() as u64;
            fields.push(Field {
                start: s,
                end: j,
                escaped,
            });
            i = j + 1;
            match data.get(i) {
                Some(b',') => i += 1,
                Some(b'\n' | b'\r') | None => break,
                Some(_) => {
                    return Err((
                        fields.len() - 1,
                        "expected a comma or the end of the line after a closing quote",
                    ));
                }
            }
        } else {
            match memchr::memchr3(b',', b'\n', b'\r', &data[i..]) {
                Some(k) => {
                    fields.push(Field {
                        start: i,
                        end: i + k,
                        escaped: false,
                    });
                    i += k;
                    if data[i] == b',' {
                        i += 1;
                    } else {
                        break;
                    }
                }
                None if eof => {
                    fields.push(Field {
                        start: i,
                        end: data.len(),
                        escaped: false,
                    });
                    i = data.len();
                    break;
                }
                None => return Ok(None),
            }
        }
    }
    match data.get(i) {
        Some(b'\n') => i += 1,
        Some(b'\r') => match data.get(i + 1) {
            Some(b'\n') => i += 2,
            None if !eof => return Ok(None),
            _ => i += 1,
        },
        _ => {}
    }
    Ok(Some((i, newlines + 1)))
}

/// Turns records into paths: the header first, then one path per non-blank line.
#[derive(Default)]
struct Records {
    /// Header position of path, conversions, value, null (`None`: absent).
    at: Option<[Option<usize>; 4]>,
    header: Vec<String>,
    builder: Option<PathSetBuilder>,
}

impl Records {
    fn column_name(&self, i: usize) -> String {
        self.header
            .get(i)
            .map_or_else(|| (i + 1).to_string(), |n| format!("{} ({n})", i + 1))
    }

    fn format(&self, line: u64, column: usize, expected: String) -> ReadError {
        ReadError::Format {
            line,
            column: Some(self.column_name(column)),
            expected,
        }
    }

    fn record(&mut self, data: &[u8], fields: &[Field], line: u64) -> Result<(), ReadError> {
        if fields.len() == 1 && trim(&data[fields[0].start..fields[0].end]).is_empty() {
            return Ok(()); // blank line
        }
        let Some(at) = self.at else {
            return self.read_header(data, fields, line);
        };
        if fields.len() != self.header.len() {
            return Err(ReadError::Format {
                line,
                column: None,
                expected: format!(
                    "expected {} columns as in the header, found {}",
                    self.header.len(),
                    fields.len()
                ),
            });
        }
        let mut counts = [0.0f64; 3];
        for (k, count) in counts.iter_mut().enumerate() {
            if let Some(c) = at[k + 1] {
                let f = fields[c];
                *count = number(&data[f.start..f.end])
                    .ok_or_else(|| self.format(line, c, expected_number(&data[f.start..f.end])))?;
            }
        }
        let p = at[0].map(|c| (c, fields[c])).unwrap_or((0, fields[0]));
        let raw = &data[p.1.start..p.1.end];
        let unescaped;
        let text: &[u8] = if p.1.escaped {
            unescaped = unquote(raw);
            &unescaped
        } else {
            raw
        };
        let result = add_path(
            self.builder.get_or_insert_with(PathSetBuilder::new),
            text,
            counts,
        );
        result.map_err(|e| self.format(line, p.0, e.to_string()))
    }

    fn read_header(&mut self, data: &[u8], fields: &[Field], line: u64) -> Result<(), ReadError> {
        self.header = fields
            .iter()
            .map(|f| String::from_utf8_lossy(trim(&data[f.start..f.end])).into_owned())
            .collect();
        let mut at = [None; 4];
        for (k, name) in COLUMNS.iter().enumerate() {
            at[k] = self.header.iter().position(|h| h == name);
        }
        if at[0].is_none() || at[1].is_none() {
            return Err(ReadError::Format {
                line,
                column: None,
                expected: format!(
                    "expected a header naming the columns path and total_conversions \
                     (optionally total_conversion_value and total_null), found {:?}",
                    self.header.join(",")
                ),
            });
        }
        self.at = Some(at);
        Ok(())
    }

    fn finish(self) -> Result<PathSet, ReadError> {
        if self.at.is_none() {
            return Err(ReadError::Format {
                line: 1,
                column: None,
                expected: "expected a header line (path,total_conversions,…), found an empty file"
                    .into(),
            });
        }
        Ok(self.builder.unwrap_or_default().build())
    }
}

/// Splits `text` on `>` into trimmed touches and closes the path.
fn add_path(b: &mut PathSetBuilder, text: &[u8], counts: [f64; 3]) -> Result<(), PathError> {
    let mut from = 0;
    let ends = memchr::memchr_iter(b'>', text).chain([text.len()]);
    for end in ends {
        let name = &text[from..end];
        from = end + 1;
        match b.intern(trim(name)) {
            Ok(id) => b.push_touch(id),
            Err(e) => {
                // drop the open path's touches
                let _ = b.finish_path(f64::NAN, 0.0, 0.0);
                return Err(if trim(text).is_empty() {
                    PathError::NoTouches
                } else {
                    e
                });
            }
        }
    }
    b.finish_path(counts[0], counts[1], counts[2])
}

/// A quoted field's content with each `""` turned back into `"` (quoted paths are rare: an
/// allocation here costs nothing).
fn unquote(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut it = raw.iter();
    while let Some(&b) = it.next() {
        out.push(b);
        if b == b'"' {
            it.next();
        }
    }
    out
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t'))
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(s, |e| e + 1);
    &b[s..e.max(s)]
}

/// A non-negative finite number (`3`, `2.5`, `1e3`), surrounding spaces allowed.
fn number(b: &[u8]) -> Option<f64> {
    let v: f64 = std::str::from_utf8(trim(b)).ok()?.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

fn expected_number(found: &[u8]) -> String {
    let shown: String = String::from_utf8_lossy(trim(found))
        .chars()
        .take(40)
        .collect();
    format!("expected a non-negative number, found {shown:?}")
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
