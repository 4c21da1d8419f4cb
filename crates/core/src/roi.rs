//! The ROI estimate a rep builds on an opportunity: what the prospect spends today, what our
//! product would save them, what it costs and over how long → payback period, ROI and net
//! present value, with the month-by-month schedule behind them (shown on the shareable page
//! and written as CSV). Money is in minor units (cents), like every amount in Leadline.

use serde::{Deserialize, Serialize};

/// What the prospect told the rep, and our price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoiInputs {
    /// What the problem costs the prospect today, per month.
    pub current_cost_monthly: i64,
    /// The part of that cost our product would save, per month.
    pub expected_savings_monthly: i64,
    /// One-time price: licence, implementation, training.
    #[serde(default)]
    pub price_upfront: i64,
    /// Recurring price per month.
    #[serde(default)]
    pub price_monthly: i64,
    /// Months the estimate covers.
    pub horizon_months: u32,
    /// The prospect's cost of capital per year (0.08 for 8 %), for the net present value.
    #[serde(default = "default_discount_rate")]
    pub discount_rate: f64,
}

fn default_discount_rate() -> f64 {
    0.08
}

/// The longest horizon accepted: ten years.
pub const MAX_HORIZON_MONTHS: u32 = 120;

/// An input that cannot make an estimate, by field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RoiError {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> RoiError {
    RoiError {
        field,
        message: message.into(),
    }
}

/// One month of the schedule: flows at the end of month `month` (month 0 holds the upfront
/// price alone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoiMonth {
    pub month: u32,
    pub savings: i64,
    pub cost: i64,
    /// Savings minus costs so far.
    pub cumulative: i64,
    /// The same, each month's net flow discounted to today.
    pub discounted_cumulative: f64,
}

/// The estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoiEstimate {
    pub total_savings: i64,
    pub total_cost: i64,
    /// `(savings − cost) / cost × 100`; `None` when nothing is paid.
    pub roi_percent: Option<f64>,
    /// Months until the savings have paid the upfront price back (fractional); `None` when
    /// they never do (the recurring price eats the savings). May exceed the horizon.
    pub payback_months: Option<f64>,
    /// Net present value at the discount rate, in minor units.
    pub npv: f64,
    pub schedule: Vec<RoiMonth>,
}

impl RoiInputs {
    /// Checks the inputs: amounts are not negative, the savings are part of the current
    /// cost, the horizon is 1 to 120 months and the discount rate 0 to 100 %.
    pub fn validate(&self) -> Result<(), RoiError> {
        for (field, v) in [
            ("current_cost_monthly", self.current_cost_monthly),
            ("expected_savings_monthly", self.expected_savings_monthly),
            ("price_upfront", self.price_upfront),
            ("price_monthly", self.price_monthly),
        ] {
            if v < 0 {
                return Err(invalid(field, "must not be negative"));
            }
            // Ten billion a month in minor units: far beyond any deal, far from overflow.
            if v > 1_000_000_000_000 {
                return Err(invalid(field, "is implausibly large"));
            }
        }
        if self.expected_savings_monthly > self.current_cost_monthly {
            return Err(invalid(
                "expected_savings_monthly",
                "cannot exceed current_cost_monthly (savings are part of today's cost)",
            ));
        }
        if !(1..=MAX_HORIZON_MONTHS).contains(&self.horizon_months) {
            return Err(invalid(
                "horizon_months",
                format!("must be between 1 and {MAX_HORIZON_MONTHS}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.discount_rate) {
            return Err(invalid(
                "discount_rate",
                "must be a yearly rate between 0 and 1 (0.08 for 8 %)",
            ));
        }
        Ok(())
    }

    /// The estimate, after [`validate`](Self::validate).
    pub fn estimate(&self) -> Result<RoiEstimate, RoiError> {
        self.validate()?;
        let months = i64::from(self.horizon_months);
        let net = self.expected_savings_monthly - self.price_monthly;
        let total_savings = self.expected_savings_monthly * months;
        let total_cost = self.price_upfront + self.price_monthly * months;
        // The monthly rate that compounds to the yearly one.
        let monthly_rate = (1.0 + self.discount_rate).powf(1.0 / 12.0) - 1.0;
        let mut schedule = Vec::with_capacity(self.horizon_months as usize + 1);
        let mut cumulative = -self.price_upfront;
        let mut discounted = -(self.price_upfront as f64);
        schedule.push(RoiMonth {
            month: 0,
            savings: 0,
            cost: self.price_upfront,
            cumulative,
            discounted_cumulative: discounted,
        });
        for month in 1..=self.horizon_months {
            cumulative += net;
            discounted += net as f64 / (1.0 + monthly_rate).powi(month as i32);
            schedule.push(RoiMonth {
                month,
                savings: self.expected_savings_monthly,
                cost: self.price_monthly,
                cumulative,
                discounted_cumulative: discounted,
            });
        }
        let payback_months = match (self.price_upfront, net) {
            (0, n) if n >= 0 => Some(0.0),
            (upfront, n) if n > 0 => Some(upfront as f64 / n as f64),
            _ => None,
        };
        Ok(RoiEstimate {
            total_savings,
            total_cost,
            roi_percent: (total_cost > 0)
                .then(|| (total_savings - total_cost) as f64 / total_cost as f64 * 100.0),
            payback_months,
            npv: discounted,
            schedule,
        })
    }
}

impl RoiEstimate {
    /// The schedule as CSV (header first), amounts in minor units; every cell is a number,
    /// so nothing a spreadsheet could run as a formula.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("month,savings,cost,cumulative,discounted_cumulative\n");
        for m in &self.schedule {
            out.push_str(&format!(
                "{},{},{},{},{:.0}\n",
                m.month, m.savings, m.cost, m.cumulative, m.discounted_cumulative
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests;
