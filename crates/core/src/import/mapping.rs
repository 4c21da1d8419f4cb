//! Which column of a list goes where: auto-mapping from header names, export presets, and
//! the person's own `--map` / `--key` choices, with errors that say how to fix the mapping.

use std::collections::BTreeMap;

use super::presets::{Preset, generic};

/// Where a column's values go.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Email,
    /// An external identifier (a CRM record id) that identifies the person when there is no
    /// email, and matches them again on the next import.
    Key,
    /// A whole name, split into first and last when those are not given separately.
    FullName,
    /// A standard profile field: `first_name`, `last_name`, `title`, `phone`, `company`,
    /// `country`, `website`.
    Profile(&'static str),
    /// Consent to marketing email: yes/no, true/false, 1/0.
    Consent,
    /// The opposite of consent (`Email Opt Out`, `Do Not Email`): "yes" records a refusal;
    /// "no" is *not* taken as consent, because not having opted out is not opting in.
    OptOut,
    /// `utm_source`, `utm_medium`, `utm_campaign`, `utm_term` or `utm_content`.
    Utm(&'static str),
    /// When the person was met (a booth scan, the day of the event): the touch's date,
    /// `YYYY-MM-DD` or an RFC 3339 time; without it the touch is dated at the import.
    TouchedAt,
    /// Kept verbatim as a custom field under this snake_case name.
    Custom(String),
    /// Not imported.
    Ignore,
}

impl Target {
    /// Reads a target as written after `=` in `--map COLUMN=field`: a profile field name,
    /// `email`, `name`, `key`, `consent`, `opt_out`, a `utm_*` name, `ignore`, or any other
    /// name, which becomes a custom field (in snake_case).
    pub fn parse(field: &str) -> Option<Target> {
        let n = snake_case(field);
        let t = match n.as_str() {
            "" => return None,
            "email" | "e_mail" | "email_address" => Target::Email,
            "key" | "external_key" | "external_id" | "id" => Target::Key,
            "name" | "full_name" => Target::FullName,
            "consent" | "opt_in" => Target::Consent,
            "opt_out" | "do_not_email" => Target::OptOut,
            "touched_at" | "date" | "touch_date" => Target::TouchedAt,
            "ignore" | "skip" | "none" => Target::Ignore,
            _ => {
                if let Some(f) = PROFILE.iter().find(|f| **f == n) {
                    Target::Profile(f)
                } else if let Some(u) = UTM.iter().find(|u| **u == n) {
                    Target::Utm(u)
                } else {
                    Target::Custom(n)
                }
            }
        };
        Some(t)
    }

    /// The name the target is shown and hashed under.
    pub fn name(&self) -> &str {
        match self {
            Target::Email => "email",
            Target::Key => "key",
            Target::FullName => "name",
            Target::Profile(f) | Target::Utm(f) => f,
            Target::Consent => "consent",
            Target::OptOut => "opt_out",
            Target::TouchedAt => "touched_at",
            Target::Custom(n) => n,
            Target::Ignore => "ignore",
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Custom(n) => write!(f, "custom field {n}"),
            t => f.write_str(t.name()),
        }
    }
}

const PROFILE: [&str; 7] = [
    "first_name",
    "last_name",
    "title",
    "phone",
    "company",
    "country",
    "website",
];
const UTM: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// What the person asked for, beyond what the header says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappingOptions {
    pub preset: Option<Preset>,
    /// `COLUMN=field` pairs from `--map`, in order; a later one for the same column wins.
    pub map: Vec<String>,
    /// The column named by `--key`.
    pub key: Option<String>,
}

/// Why a header could not be mapped, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{flag}: no column \"{column}\" in the header; columns are: {columns}")]
    NoSuchColumn {
        flag: String,
        column: String,
        columns: String,
    },
    #[error("--map {spec}: expected COLUMN=field, e.g. --map \"Work Email=email\"")]
    BadMapSpec { spec: String },
    #[error(
        "columns \"{first}\" and \"{second}\" both map to {target}; keep one, e.g. --map \"{second}=ignore\""
    )]
    DuplicateTarget {
        target: String,
        first: String,
        second: String,
    },
    #[error(
        "no email column and no key column: say which column identifies a person with --key COLUMN (an id column) or --map COLUMN=email; columns are: {columns}"
    )]
    NoIdentity { columns: String },
}

/// How sure a mapping is: explicit choices beat presets, presets beat header guesses, and
/// among guesses the more specific name (`Phone Number` over `Mobile`) wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Explicit,
    Preset,
    Guess(u8),
}

/// The decided mapping of every column of a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    columns: Vec<(String, Target)>,
}

impl Mapping {
    /// Maps a header row.
    pub fn build(header: &[String], options: &MappingOptions) -> Result<Mapping, MappingError> {
        let mut chosen: Vec<(Target, Source)> =
            header.iter().map(|h| guess(h, options.preset)).collect();
        let mut explicit: Vec<(String, String)> = Vec::new();
        if let Some(k) = &options.key {
            explicit.push((format!("--key {k}"), format!("{k}=key")));
        }
        for spec in &options.map {
            explicit.push((format!("--map {spec}"), spec.clone()));
        }
        for (flag, spec) in explicit {
            let (column, field) = spec
                .rsplit_once('=')
                .ok_or_else(|| MappingError::BadMapSpec { spec: spec.clone() })?;
            let target = Target::parse(field)
                .ok_or_else(|| MappingError::BadMapSpec { spec: spec.clone() })?;
            let i = find_column(header, column).ok_or_else(|| MappingError::NoSuchColumn {
                flag,
                column: column.trim().to_owned(),
                columns: list(header),
            })?;
            chosen[i] = (target, Source::Explicit);
        }
        resolve_duplicates(header, &mut chosen)?;
        let columns: Vec<(String, Target)> = header
            .iter()
            .cloned()
            .zip(chosen.into_iter().map(|c| c.0))
            .collect();
        if !columns
            .iter()
            .any(|(_, t)| matches!(t, Target::Email | Target::Key))
        {
            return Err(MappingError::NoIdentity {
                columns: list(header),
            });
        }
        Ok(Mapping { columns })
    }

    /// Each column's header and target, in file order.
    pub fn columns(&self) -> &[(String, Target)] {
        &self.columns
    }

    /// The header of the first column mapped to `target`.
    pub fn column_for(&self, target: &Target) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, t)| t == target)
            .map(|(h, _)| h.as_str())
    }
}

/// The target a header suggests on its own (or through the preset).
fn guess(header: &str, preset: Option<Preset>) -> (Target, Source) {
    let compact = compact(header);
    if compact.is_empty() {
        return (Target::Ignore, Source::Guess(0));
    }
    if let Some(t) = preset.and_then(|p| p.target(&compact)) {
        return (t, Source::Preset);
    }
    match generic(&compact) {
        Some((t, rank)) => (t, Source::Guess(rank)),
        None => (Target::Custom(snake_case(header)), Source::Guess(0)),
    }
}

/// Keeps one column per target: the most certain one. A guessed column that loses becomes a
/// custom field under its own name, so no data is dropped; two equally certain columns are
/// an error, because only the person knows which one is right.
fn resolve_duplicates(
    header: &[String],
    chosen: &mut [(Target, Source)],
) -> Result<(), MappingError> {
    let mut winner: BTreeMap<Target, usize> = BTreeMap::new();
    for i in 0..chosen.len() {
        let (target, source) = chosen[i].clone();
        if target == Target::Ignore {
            continue;
        }
        let Some(&w) = winner.get(&target) else {
            winner.insert(target, i);
            continue;
        };
        if let (Target::Custom(name), Source::Guess(_)) = (&target, source) {
            // Two unknown columns with the same name: keep both, numbered.
            let renamed = (2..)
                .map(|n| Target::Custom(format!("{name}_{n}")))
                .find(|t| !winner.contains_key(t))
                .unwrap_or(Target::Ignore);
            chosen[i].0 = renamed.clone();
            winner.insert(renamed, i);
            continue;
        }
        let w_source = chosen[w].1;
        let (keep, lose) = match source.cmp(&w_source) {
            std::cmp::Ordering::Less => (i, w),
            std::cmp::Ordering::Greater => (w, i),
            std::cmp::Ordering::Equal => {
                return Err(MappingError::DuplicateTarget {
                    target: target.to_string(),
                    first: header[w].clone(),
                    second: header[i].clone(),
                });
            }
        };
        let demoted = Target::Custom(snake_case(&header[lose]));
        if matches!(chosen[lose].0, Target::Custom(_)) || winner.contains_key(&demoted) {
            return Err(MappingError::DuplicateTarget {
                target: target.to_string(),
                first: header[keep].clone(),
                second: header[lose].clone(),
            });
        }
        winner.insert(target, keep);
        chosen[lose] = (demoted.clone(), Source::Guess(0));
        winner.insert(demoted, lose);
    }
    Ok(())
}

/// Finds a column by exact name, else by name ignoring case, spaces and punctuation.
fn find_column(header: &[String], column: &str) -> Option<usize> {
    let column = column.trim();
    header.iter().position(|h| h.trim() == column).or_else(|| {
        let c = compact(column);
        header.iter().position(|h| compact(h) == c)
    })
}

fn list(header: &[String]) -> String {
    header
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A header reduced to lower-case letters and digits, so `E-mail Address`, `email_address`
/// and `EmailAddress` all read `emailaddress`.
pub fn compact(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A header as a custom field name: lower-case words joined by `_` (`Lead Origin` →
/// `lead_origin`, `Country/Region` → `country_region`, `doNotContact` → `do_not_contact`).
pub fn snake_case(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let (mut gap, mut lower_before) = (false, false);
    for c in header.chars() {
        if c.is_alphanumeric() {
            // camelCase words (`doNotContact`) are words too.
            if (gap || (lower_before && c.is_ascii_uppercase())) && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            lower_before = c.is_lowercase() || c.is_ascii_digit();
            out.extend(c.to_lowercase());
        } else {
            (gap, lower_before) = (true, false);
        }
    }
    out
}

#[cfg(test)]
mod tests;
