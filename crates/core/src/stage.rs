//! Lifecycle stages: where a person stands on the way from first touch to customer.

use serde::{Deserialize, Serialize};

/// A lifecycle stage. The order of the forward stages is the funnel's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Subscriber,
    Lead,
    Mql,
    Sal,
    Sql,
    Opportunity,
    Customer,
    Disqualified,
    Recycled,
}

impl Stage {
    /// Every stage, funnel order first, then the two side stages.
    pub const ALL: [Stage; 9] = [
        Stage::Subscriber,
        Stage::Lead,
        Stage::Mql,
        Stage::Sal,
        Stage::Sql,
        Stage::Opportunity,
        Stage::Customer,
        Stage::Disqualified,
        Stage::Recycled,
    ];

    /// The stable name used in the database, the API and segment expressions.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Subscriber => "subscriber",
            Stage::Lead => "lead",
            Stage::Mql => "mql",
            Stage::Sal => "sal",
            Stage::Sql => "sql",
            Stage::Opportunity => "opportunity",
            Stage::Customer => "customer",
            Stage::Disqualified => "disqualified",
            Stage::Recycled => "recycled",
        }
    }

    /// Parses a stage name (case-insensitive).
    pub fn parse(s: &str) -> Option<Stage> {
        let s = s.trim().to_ascii_lowercase();
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Subscriber => "Subscriber",
            Stage::Lead => "Lead",
            Stage::Mql => "MQL",
            Stage::Sal => "SAL",
            Stage::Sql => "SQL",
            Stage::Opportunity => "Opportunity",
            Stage::Customer => "Customer",
            Stage::Disqualified => "Disqualified",
            Stage::Recycled => "Recycled",
        }
    }

    /// The stage a newly captured person starts in: `lead` when they told us who they are
    /// beyond an address (a name or a company) or came through a form or list, `subscriber`
    /// when all we have is an email address.
    pub fn on_capture(has_name_or_company: bool, explicit_hand_raise: bool) -> Stage {
        if has_name_or_company || explicit_hand_raise {
            Stage::Lead
        } else {
            Stage::Subscriber
        }
    }

    /// True when capturing new information may move a person from `self` to `to`
    /// automatically: only forward, never out of a side stage or back.
    pub fn may_advance_to(self, to: Stage) -> bool {
        let side = |s: Stage| matches!(s, Stage::Disqualified | Stage::Recycled);
        !side(self) && !side(to) && to > self
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            assert_eq!(Stage::parse(&s.as_str().to_uppercase()), Some(s));
        }
        assert_eq!(Stage::parse("prospect"), None);
    }

    #[test]
    fn capture_only_moves_forward_and_never_out_of_side_stages() {
        assert!(Stage::Subscriber.may_advance_to(Stage::Lead));
        assert!(!Stage::Lead.may_advance_to(Stage::Subscriber));
        assert!(!Stage::Disqualified.may_advance_to(Stage::Lead));
        assert!(!Stage::Lead.may_advance_to(Stage::Recycled));
    }

    #[test]
    fn bare_addresses_are_subscribers_and_hand_raisers_are_leads() {
        assert_eq!(Stage::on_capture(false, false), Stage::Subscriber);
        assert_eq!(Stage::on_capture(true, false), Stage::Lead);
        assert_eq!(Stage::on_capture(false, true), Stage::Lead);
    }
}
