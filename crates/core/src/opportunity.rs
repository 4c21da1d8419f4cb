//! Opportunities: a deal with an account, from needs analysis to won or lost. Stages carry
//! the probability the weighted pipeline uses (a rep may override it per deal); a lost deal
//! needs its reason (the reasons are what marketing learns from); a won deal makes its lead
//! and account customers and its amount becomes revenue for attribution and ROI reports.
//! Closed deals are final: a deal that comes back is a new opportunity, so last quarter's
//! numbers never change under a leader's feet.

use serde::{Deserialize, Serialize};

use crate::stage::Stage;

/// A deal's stage, in the order deals move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OppStage {
    NeedsAnalysis,
    Demo,
    Proposal,
    Negotiation,
    ClosedWon,
    ClosedLost,
}

impl OppStage {
    pub const ALL: [OppStage; 6] = [
        OppStage::NeedsAnalysis,
        OppStage::Demo,
        OppStage::Proposal,
        OppStage::Negotiation,
        OppStage::ClosedWon,
        OppStage::ClosedLost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OppStage::NeedsAnalysis => "needs_analysis",
            OppStage::Demo => "demo",
            OppStage::Proposal => "proposal",
            OppStage::Negotiation => "negotiation",
            OppStage::ClosedWon => "closed_won",
            OppStage::ClosedLost => "closed_lost",
        }
    }

    pub fn parse(s: &str) -> Option<OppStage> {
        let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        OppStage::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The chance of winning a deal at this stage, in percent, unless the rep says otherwise.
    pub fn default_probability(self) -> u8 {
        match self {
            OppStage::NeedsAnalysis => 10,
            OppStage::Demo => 25,
            OppStage::Proposal => 50,
            OppStage::Negotiation => 75,
            OppStage::ClosedWon => 100,
            OppStage::ClosedLost => 0,
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, OppStage::ClosedWon | OppStage::ClosedLost)
    }
}

/// The part a person plays in a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    DecisionMaker,
    EconomicBuyer,
    Champion,
    Influencer,
    TechnicalEvaluator,
    User,
    Blocker,
    /// Anyone else worth naming on the deal (procurement, legal, an assistant).
    Other,
}

impl ContactRole {
    pub const ALL: [ContactRole; 8] = [
        ContactRole::DecisionMaker,
        ContactRole::EconomicBuyer,
        ContactRole::Champion,
        ContactRole::Influencer,
        ContactRole::TechnicalEvaluator,
        ContactRole::User,
        ContactRole::Blocker,
        ContactRole::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactRole::DecisionMaker => "decision_maker",
            ContactRole::EconomicBuyer => "economic_buyer",
            ContactRole::Champion => "champion",
            ContactRole::Influencer => "influencer",
            ContactRole::TechnicalEvaluator => "technical_evaluator",
            ContactRole::User => "user",
            ContactRole::Blocker => "blocker",
            ContactRole::Other => "other",
        }
    }

    /// Reads a role as people write it (`Decision maker`, `economic-buyer`).
    pub fn parse(s: &str) -> Option<ContactRole> {
        let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        ContactRole::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Why a lead cannot be converted to an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    #[error("a {0} lead is not sales-ready: qualify it (MQL, SAL or SQL) before opening a deal")]
    NotSalesReady(Stage),
    #[error("this lead already has an opportunity: work that deal, or close it first")]
    AlreadyOpportunity,
}

/// Which lead may become an opportunity and the stage it moves to: marketing- or
/// sales-qualified leads (MQL, SAL, SQL) move to `opportunity`; a customer may get a new
/// (expansion) deal and stays a customer (`None`). Everything earlier, disqualified or
/// recycled is refused: a deal needs a lead someone qualified.
pub fn convert_stage(from: Stage) -> Result<Option<Stage>, ConvertError> {
    match from {
        Stage::Mql | Stage::Sal | Stage::Sql => Ok(Some(Stage::Opportunity)),
        Stage::Customer => Ok(None),
        Stage::Opportunity => Err(ConvertError::AlreadyOpportunity),
        other => Err(ConvertError::NotSalesReady(other)),
    }
}

/// What a stage move does beyond the opportunity itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing else changes.
    None,
    /// The primary lead and the account become customers; the amount is won revenue.
    Won,
    /// The deal is lost with its reason; the lead stays where it is for nurture.
    Lost,
}

/// Why a stage move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("the deal is {0}: closed deals are final (open a new opportunity)")]
    Closed(&'static str),
    #[error("a lost deal needs its reason (lost_reason)")]
    LostWithoutReason,
    #[error("the deal is already at {0}")]
    Unchanged(&'static str),
}

/// Checks moving a deal from `from` to `to` (any open stage to any other stage: deals go
/// back a step when a new decision maker appears) and says what else it changes.
pub fn move_stage(
    from: OppStage,
    to: OppStage,
    lost_reason: Option<&str>,
) -> Result<Effect, MoveError> {
    if from.is_closed() {
        return Err(MoveError::Closed(from.as_str()));
    }
    if from == to {
        return Err(MoveError::Unchanged(to.as_str()));
    }
    Ok(match to {
        OppStage::ClosedWon => Effect::Won,
        OppStage::ClosedLost if lost_reason.is_none_or(|r| r.trim().is_empty()) => {
            return Err(MoveError::LostWithoutReason);
        }
        OppStage::ClosedLost => Effect::Lost,
        _ => Effect::None,
    })
}

/// The amount counted in the weighted pipeline: the amount times the probability (the
/// rep's override, else the stage's), rounded to the minor unit.
pub fn weighted_amount(amount: i64, stage: OppStage, probability: Option<u8>) -> i64 {
    let p = i128::from(probability.unwrap_or(stage.default_probability()).min(100));
    ((i128::from(amount) * p + 50) / 100) as i64
}

/// A deal field that cannot be saved, by name (the API's `field`, the form's input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

fn field_error(field: &'static str, message: &'static str) -> FieldError {
    FieldError { field, message }
}

/// A deal's name: 1 to 200 characters, trimmed.
pub fn check_name(name: &str) -> Result<&str, FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(field_error(
            "name",
            "give the deal a name of 1 to 200 characters",
        ));
    }
    Ok(name)
}

/// An amount in minor units: not negative, and far from overflowing any sum of deals.
pub fn check_amount(field: &'static str, amount: i64) -> Result<i64, FieldError> {
    if !(0..=1_000_000_000_000_000).contains(&amount) {
        return Err(field_error(
            field,
            "must be between 0 and 10^15 minor units",
        ));
    }
    Ok(amount)
}

/// An ISO 4217 code as people type it (`usd` is `USD`).
pub fn check_currency(code: &str) -> Result<String, FieldError> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(field_error(
            "currency",
            "must be a three-letter code such as USD",
        ));
    }
    Ok(code)
}

/// A win probability override in percent.
pub fn check_probability(p: i64) -> Result<u8, FieldError> {
    u8::try_from(p)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or(field_error(
            "probability",
            "must be a percentage from 0 to 100",
        ))
}

/// A calendar day (`2026-03-31`), as the expected close is kept: the deal closes on a day,
/// not at an instant, wherever the rep is.
pub fn check_day(field: &'static str, text: &str) -> Result<String, FieldError> {
    text.trim()
        .parse::<jiff::civil::Date>()
        .map(|d| d.to_string())
        .map_err(|_| field_error(field, "must be a date such as 2026-03-31"))
}

/// Free text a rep writes (next step, competitor, reasons, notes): trimmed, at most `max`
/// characters, `None` when blank.
pub fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let t = text.trim();
    if t.chars().count() > max {
        return Err(field_error(field, "is too long"));
    }
    Ok((!t.is_empty()).then(|| t.to_owned()))
}

/// The proposal checklist a new opportunity starts with: what a team checks before a
/// proposal goes out.
pub const PROPOSAL_CHECKLIST: &[&str] = &[
    "Needs and pains confirmed in writing",
    "Decision makers and process identified",
    "Budget confirmed",
    "ROI estimate shared with the champion",
    "Pricing and discount approved",
    "Security and legal review done",
    "Proposal sent",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deal_fields_are_checked_by_name() {
        assert_eq!(check_name("  Acme renewal "), Ok("Acme renewal"));
        assert_eq!(check_name(" ").unwrap_err().field, "name");
        assert_eq!(
            check_amount("amount_minor", -1).unwrap_err().field,
            "amount_minor"
        );
        assert_eq!(check_currency("eur"), Ok("EUR".into()));
        assert!(check_currency("EURO").is_err());
        assert_eq!(check_probability(30), Ok(30));
        assert!(check_probability(101).is_err());
        assert_eq!(
            check_day("expected_close", "2026-03-31"),
            Ok("2026-03-31".into())
        );
        assert!(check_day("expected_close", "2026-02-30").is_err());
        assert_eq!(check_text("competitor", "  ", 10), Ok(None));
        assert!(check_text("competitor", "x".repeat(11).as_str(), 10).is_err());
    }

    #[test]
    fn contact_roles_read_as_people_write_them() {
        for r in ContactRole::ALL {
            assert_eq!(ContactRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(
            ContactRole::parse("Decision maker"),
            Some(ContactRole::DecisionMaker)
        );
        assert_eq!(ContactRole::parse("boss"), None);
    }

    #[test]
    fn only_qualified_leads_and_customers_become_opportunities() {
        assert_eq!(convert_stage(Stage::Sql), Ok(Some(Stage::Opportunity)));
        assert_eq!(convert_stage(Stage::Mql), Ok(Some(Stage::Opportunity)));
        assert_eq!(convert_stage(Stage::Customer), Ok(None));
        assert_eq!(
            convert_stage(Stage::Opportunity),
            Err(ConvertError::AlreadyOpportunity)
        );
        for s in [
            Stage::Subscriber,
            Stage::Lead,
            Stage::Disqualified,
            Stage::Recycled,
        ] {
            assert_eq!(convert_stage(s), Err(ConvertError::NotSalesReady(s)));
        }
    }

    #[test]
    fn stages_read_as_people_write_them_and_carry_probabilities() {
        for s in OppStage::ALL {
            assert_eq!(OppStage::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            OppStage::parse("Needs Analysis"),
            Some(OppStage::NeedsAnalysis)
        );
        assert_eq!(OppStage::parse("closed-won"), Some(OppStage::ClosedWon));
        assert_eq!(OppStage::parse("won"), None);
        let ps: Vec<u8> = OppStage::ALL.map(OppStage::default_probability).to_vec();
        assert_eq!(ps, [10, 25, 50, 75, 100, 0]);
    }

    #[test]
    fn won_and_lost_are_final_and_lost_needs_a_reason() {
        use OppStage::*;
        assert_eq!(move_stage(Demo, Proposal, None), Ok(Effect::None));
        assert_eq!(
            move_stage(Proposal, Demo, None),
            Ok(Effect::None),
            "back a step"
        );
        assert_eq!(move_stage(Negotiation, ClosedWon, None), Ok(Effect::Won));
        assert_eq!(
            move_stage(Demo, ClosedLost, None),
            Err(MoveError::LostWithoutReason)
        );
        assert_eq!(
            move_stage(Demo, ClosedLost, Some("  ")),
            Err(MoveError::LostWithoutReason)
        );
        assert_eq!(
            move_stage(Demo, ClosedLost, Some("no budget")),
            Ok(Effect::Lost)
        );
        assert_eq!(
            move_stage(ClosedWon, Demo, None),
            Err(MoveError::Closed("closed_won"))
        );
        assert_eq!(
            move_stage(ClosedLost, ClosedWon, None),
            Err(MoveError::Closed("closed_lost"))
        );
        assert_eq!(
            move_stage(Demo, Demo, None),
            Err(MoveError::Unchanged("demo"))
        );
    }

    #[test]
    fn the_weighted_pipeline_uses_the_override_then_the_stage() {
        assert_eq!(
            weighted_amount(1_000_000, OppStage::Proposal, None),
            500_000
        );
        assert_eq!(
            weighted_amount(1_000_000, OppStage::Proposal, Some(30)),
            300_000
        );
        assert_eq!(
            weighted_amount(999, OppStage::Demo, None),
            250,
            "rounded half up"
        );
        assert_eq!(weighted_amount(1_000, OppStage::ClosedLost, None), 0);
        assert_eq!(
            weighted_amount(i64::MAX, OppStage::ClosedWon, Some(250)),
            i64::MAX
        );
    }
}
