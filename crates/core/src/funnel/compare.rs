//! Did a program work? Leads exposed to it against the leads of the same period that were
//! not: the conversion rate of each cohort with a 95 % Wilson score interval, the difference
//! with Newcombe's hybrid score interval, a two-proportion z-test, and a verdict in words that
//! calls a difference noise when the interval includes zero or a cohort is too small.
//!
//! Wilson: E. B. Wilson (1927), "Probable inference, the law of succession, and statistical
//! inference", JASA 22:209-212. Newcombe: R. G. Newcombe (1998), "Interval estimation for the
//! difference between independent proportions: comparison of eleven methods", Statistics in
//! Medicine 17:873-890, method 10.

use serde::Serialize;

/// The normal quantile for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;
/// A cohort with fewer leads than this gives no verdict: its rate moves by several points
/// with one lead more or less, and the normal approximation of the test is poor.
pub const MIN_COHORT: u64 = 30;

/// Conversions out of leads, with the rate's interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub leads: u64,
    pub converted: u64,
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Proportion {
    /// `converted` out of `leads` (converted is capped at leads) with its 95 % Wilson interval.
    pub fn new(converted: u64, leads: u64) -> Proportion {
        let converted = converted.min(leads);
        let interval = wilson(converted, leads, Z95);
        Proportion {
            leads,
            converted,
            rate: super::ratio(converted, leads),
            low: interval.map(|i| i.0),
            high: interval.map(|i| i.1),
        }
    }
}

/// What the comparison says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A cohort has fewer than [`MIN_COHORT`] leads.
    TooSmall,
    /// The difference's interval includes zero.
    Noise,
    /// Exposed leads converted more, and the interval excludes zero.
    Higher,
    /// Exposed leads converted less, and the interval excludes zero.
    Lower,
}

impl Verdict {
    /// The name JSON uses (`too_small`, `noise`, `higher`, `lower`), for CSV cells.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::TooSmall => "too_small",
            Verdict::Noise => "noise",
            Verdict::Higher => "higher",
            Verdict::Lower => "lower",
        }
    }
}

/// The two cohorts and what their difference means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub exposed: Proportion,
    pub others: Proportion,
    /// Exposed rate minus the others' rate.
    pub difference: Option<f64>,
    pub difference_low: Option<f64>,
    pub difference_high: Option<f64>,
    /// Two-sided p-value of the pooled two-proportion z-test.
    pub p_value: Option<f64>,
    pub verdict: Verdict,
    pub min_cohort: u64,
}

/// The Wilson score interval for `x` successes out of `n`, `None` when `n` is 0.
pub fn wilson(x: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (x, n) = (x.min(n) as f64, n as f64);
    let z2 = z * z;
    let centre = (x + z2 / 2.0) / (n + z2);
    let half = z / (n + z2) * (x * (n - x) / n + z2 / 4.0).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Newcombe's hybrid score interval for `p1 - p2` from both Wilson intervals.
pub fn newcombe(a: &Proportion, b: &Proportion) -> Option<(f64, f64)> {
    let (p1, l1, u1) = (a.rate?, a.low?, a.high?);
    let (p2, l2, u2) = (b.rate?, b.low?, b.high?);
    let d = p1 - p2;
    let below = ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let above = ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Some((d - below, d + above))
}

/// Two-sided p-value of the pooled two-proportion z-test; 1 when both cohorts are all
/// converted or all not (no variance: nothing to tell apart).
pub fn two_proportion_p(a: &Proportion, b: &Proportion) -> Option<f64> {
    let (p1, p2) = (a.rate?, b.rate?);
    let (n1, n2) = (a.leads as f64, b.leads as f64);
    let pooled = (a.converted + b.converted) as f64 / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return Some(1.0);
    }
    let z = ((p1 - p2) / se).abs();
    Some(erfc(z / std::f64::consts::SQRT_2).clamp(0.0, 1.0))
}

/// The complementary error function, by the Chebyshev fit of Numerical Recipes (2nd ed.,
/// §6.2, `erfcc`): fractional error below 1.2e-7 everywhere, plenty for a p-value.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Compares `exposed` with `others`.
pub fn compare(exposed: Proportion, others: Proportion) -> Comparison {
    let difference = exposed.rate.zip(others.rate).map(|(a, b)| a - b);
    let interval = newcombe(&exposed, &others);
    let verdict = if exposed.leads < MIN_COHORT || others.leads < MIN_COHORT {
        Verdict::TooSmall
    } else {
        match interval {
            Some((lo, _)) if lo > 0.0 => Verdict::Higher,
            Some((_, hi)) if hi < 0.0 => Verdict::Lower,
            _ => Verdict::Noise,
        }
    };
    Comparison {
        exposed,
        others,
        difference,
        difference_low: interval.map(|i| i.0),
        difference_high: interval.map(|i| i.1),
        p_value: two_proportion_p(&exposed, &others),
        verdict,
        min_cohort: MIN_COHORT,
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{:.1} %", v * 100.0))
}

fn points(v: f64) -> String {
    format!("{:+.1}", v * 100.0)
}

/// The verdict as a sentence, naming the program (e.g. `campaign "Spring webinar"`) and the
/// stage (e.g. `SQL`).
pub fn sentence(c: &Comparison, program: &str, stage: &str) -> String {
    let rates = format!(
        "Leads exposed to {program} reached {stage} at {} ({} of {}), the others at {} ({} of {})",
        pct(c.exposed.rate),
        c.exposed.converted,
        c.exposed.leads,
        pct(c.others.rate),
        c.others.converted,
        c.others.leads,
    );
    let diff = match (c.difference, c.difference_low, c.difference_high) {
        (Some(d), Some(lo), Some(hi)) => format!(
            ": a difference of {} points (95 % CI {} to {}{})",
            points(d),
            points(lo),
            points(hi),
            c.p_value
                .map_or_else(String::new, |p| format!(", p = {p:.3}")),
        ),
        _ => String::new(),
    };
    let verdict = match c.verdict {
        Verdict::TooSmall => format!(
            "Too few leads to tell: each cohort needs at least {} leads, so treat any difference as noise.",
            c.min_cohort
        ),
        Verdict::Noise => {
            "Noise: the interval includes zero, so this difference could be chance.".to_owned()
        }
        Verdict::Higher => "The exposed leads converted better; the interval excludes zero. \
             Exposure was not random, so check that the cohorts are alike before crediting the program."
            .to_owned(),
        Verdict::Lower => "The exposed leads converted worse; the interval excludes zero. \
             Exposure was not random, so check that the cohorts are alike."
            .to_owned(),
    };
    format!("{rates}{diff}. {verdict}")
}

/// The comparison as a table: one row a cohort (`exposed`, `not_exposed`), then the
/// `difference` with its p-value; with `verdict`, a last column naming it. The CLI prints
/// it without the verdict (its sentence says it), the UI's CSV download with it.
pub fn table(c: &Comparison, verdict: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let mut head: Vec<String> = [
        "cohort",
        "leads",
        "converted",
        "rate",
        "low_95",
        "high_95",
        "p_value",
    ]
    .map(str::to_owned)
    .to_vec();
    let cohort = |name: &str, p: &Proportion| {
        vec![
            name.into(),
            p.leads.to_string(),
            p.converted.to_string(),
            super::fraction(p.rate),
            super::fraction(p.low),
            super::fraction(p.high),
            String::new(),
        ]
    };
    let mut rows = vec![
        cohort("exposed", &c.exposed),
        cohort("not_exposed", &c.others),
        vec![
            "difference".into(),
            String::new(),
            String::new(),
            super::fraction(c.difference),
            super::fraction(c.difference_low),
            super::fraction(c.difference_high),
            c.p_value.map(|p| format!("{p:.4}")).unwrap_or_default(),
        ],
    ];
    if verdict {
        head.push("verdict".into());
        for r in &mut rows[..2] {
            r.push(String::new());
        }
        rows[2].push(c.verdict.as_str().into());
    }
    (head, rows)
}
