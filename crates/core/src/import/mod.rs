//! List import: a CSV byte stream in, one [`CaptureEvent`] per row out.
//!
//! The CLI (`leadline import FILE.csv …`) and the UI upload page both call [`read_csv`], then
//! feed the events to the capture pipeline like any other touch. Everything a spreadsheet
//! can throw at us is handled here, once: the encoding and delimiter are sniffed
//! ([`sniff`]), headers from HubSpot, Salesforce, Mautic or a badge scanner are mapped to
//! profile fields ([`Mapping`]), and each row becomes an event or a [`RowError`] that names
//! the line and column without echoing the person's data.
//!
//! The import streams: memory stays flat whatever the file's size (one record and a 64 KiB
//! read buffer at a time), and a bad row never stops the rows after it. Time and the import's
//! id are arguments ([`ImportContext`]), so the same file always yields the same events.
//!
//! ```
//! use leadline_core::import::{ImportContext, ImportOptions, MappingOptions, read_csv};
//! use leadline_core::{Channel, capture::OnDuplicate};
//!
//! let file = "Email;First Name;Company\nada@acme.com;Ada;Acme\nbroken;Bob;Beta\n";
//! let options = ImportOptions {
//!     mapping: MappingOptions { map: vec!["Company=company".into()], ..Default::default() },
//!     ..Default::default()
//! };
//! let context = ImportContext {
//!     list_name: "expo-leads".into(),
//!     campaign: Some("Expo 2026".into()),
//!     channel: Some(Channel::Tradeshow),
//!     on_duplicate: OnDuplicate::Update,
//!     occurred_at: 1_790_000_000_000,
//!     origin: "import:7".into(),
//! };
//! let mut rows = read_csv(file.as_bytes(), &options, context)?;
//! let (mut events, mut problems) = (Vec::new(), Vec::new());
//! for row in rows.by_ref() {
//!     match row {
//!         Ok(event) => events.push(event),
//!         Err(e) => problems.push(e.to_string()),
//!     }
//! }
//! assert_eq!(events.len(), 1);
//! assert_eq!(problems, ["line 3, column \"Email\": email is not a valid email address (expected name@company.com)"]);
//! assert_eq!(rows.bytes_read(), file.len() as u64);
//! # Ok::<(), leadline_core::import::ImportError>(())
//! ```

use std::io::{self, Cursor, Read};

use crate::Channel;
use crate::capture::OnDuplicate;

mod mapping;
mod presets;
pub(crate) mod records;
mod rows;
pub mod sniff;
mod values;

pub use mapping::{Mapping, MappingError, MappingOptions, Target, compact, snake_case};
pub use presets::Preset;
pub use rows::{RowError, RowErrorCode, Rows};
pub use sniff::{Encoding, Sniffed};

#[cfg(test)]
mod bench;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

/// The largest cell we accept (64 KiB). Longer values are almost always a broken quote or a
/// pasted document; the row is refused and its bytes are never held in memory.
pub const MAX_CELL_BYTES: usize = 64 * 1024;

/// How to read the file: overrides of what sniffing decides, and the column mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Overrides the sniffed encoding.
    pub encoding: Option<Encoding>,
    /// Overrides the sniffed delimiter.
    pub delimiter: Option<u8>,
    pub mapping: MappingOptions,
}

/// What every event of one import shares: where it came from and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportContext {
    /// The list's name, usually the file name without extension ([`list_name_from_file`]).
    pub list_name: String,
    /// `--campaign`: the campaign the whole list belongs to.
    pub campaign: Option<String>,
    /// `--channel`: how these people reached us (a tradeshow, a webinar …).
    pub channel: Option<Channel>,
    pub on_duplicate: OnDuplicate,
    /// When the import happened (epoch ms); every row gets this time.
    pub occurred_at: i64,
    /// `import:<id>`, recorded on every event.
    pub origin: String,
}

impl ImportContext {
    /// What identifies the list: the campaign when given, else the list's name. Events are
    /// named after it, and it is part of every message id, so the same person imported into
    /// two campaigns is two touches.
    pub fn list_identity(&self) -> &str {
        self.campaign
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .unwrap_or(&self.list_name)
    }
}

/// A list's name from its file name: `exports/Tradeshow 2026.csv` → `Tradeshow 2026`.
pub fn list_name_from_file(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 4 => stem,
        _ => base,
    };
    stem.trim().to_owned()
}

/// Why an import could not start; row-level problems are [`RowError`]s instead.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("could not read the file: {0}")]
    Read(#[from] io::Error),
    #[error("the file is empty: expected a header row naming the columns, then one row per person")]
    Empty,
    #[error("the header row {0}")]
    Header(String),
    #[error("delimiter {0:?} cannot be used: choose one of , ; tab |")]
    BadDelimiter(char),
    #[error(transparent)]
    Mapping(#[from] MappingError),
}

/// Starts an import: sniffs the first 64 KiB, reads and maps the header, and returns the
/// iterator over the rows. Nothing after the header is read until the iterator is driven.
pub fn read_csv<R: Read>(
    mut input: R,
    options: &ImportOptions,
    context: ImportContext,
) -> Result<Rows<R>, ImportError> {
    let head = sniff::read_head(&mut input, options.encoding, options.delimiter)?
        .map_err(|d| ImportError::BadDelimiter(char::from(d)))?;
    let (sample, sniffed, bom_len) = (head.sample, head.sniffed, head.bom_len);
    let stream = Cursor::new(sample).chain(input);
    Rows::start(stream, bom_len, sniffed, &options.mapping, context)
}

/// The source a [`Rows`] reads: the sniffed sample, then the rest of the input.
pub(crate) type Source<R> = io::Chain<Cursor<Vec<u8>>, R>;
