//! Time as Leadline stores it (epoch milliseconds) and shows it (RFC 3339 UTC).

/// Formats epoch milliseconds as RFC 3339 UTC (`2026-11-23T19:15:00.123Z`).
pub fn rfc3339(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.to_string(),
        Err(_) => String::new(),
    }
}

/// Parses an RFC 3339 / ISO 8601 timestamp into epoch milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    s.trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// Serde helpers: `#[serde(with = "leadline_core::time::ms")]` on an `i64` field.
pub mod ms {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 time"))
    }
}

/// Serde helpers for `Option<i64>` epoch-ms fields.
pub mod opt_ms {
    use serde::Serializer;

    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&super::rfc3339(*v)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            parse_rfc3339("2026-11-23T19:15:00.123Z"),
            Some(1_795_461_300_123)
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T20:15:00+01:00"),
            parse_rfc3339("2026-11-23T19:15:00Z")
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
